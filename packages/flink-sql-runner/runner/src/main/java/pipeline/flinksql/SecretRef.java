package pipeline.flinksql;

import java.util.Map;
import java.util.Objects;

/**
 * A parameter value that names a secret instead of holding it: an AWS Secrets Manager secret id (name or ARN) and,
 * for a JSON secret, the key whose value to use. The runner resolves it before substitution ({@link Secrets}).
 *
 * <ul>
 *   <li>In a {@code --params} JSON file: {@code {"secretRef": "<id>", "jsonKey": "<key>"}} ({@code jsonKey}
 *       optional).
 *   <li>In the Managed Flink runtime properties (flat strings): {@code secretref:<id>} or
 *       {@code secretref:<id>#<key>}. A secret id never contains {@code #}; the key is everything after the first
 *       one. A plain string that starts with {@code secretref:} is written as a JSON string ({@code "secretref:..."}).
 * </ul>
 *
 * {@link #toString()} is the marker the runner logs for it: {@code <secret:id>} or {@code <secret:id#key>}.
 */
final class SecretRef {
  /** Prefix of a secret reference in a runtime property value. */
  static final String PROPERTY_PREFIX = "secretref:";
  /** Keys of a secret reference in a JSON parameters file. */
  static final String JSON_ID = "secretRef";

  static final String JSON_KEY = "jsonKey";

  final String id;
  /** Key of a JSON secret, or null for the whole secret string. */
  final String jsonKey;

  SecretRef(String id, String jsonKey) {
    this.id = Objects.requireNonNull(id);
    this.jsonKey = jsonKey;
  }

  /** True for a runtime property value that is a secret reference ({@code secretref:...}, leading blanks allowed). */
  static boolean isPropertyReference(String raw) {
    return raw != null && raw.trim().startsWith(PROPERTY_PREFIX);
  }

  /** Parses {@code secretref:<id>[#<key>]}; the error names the parameter, never its value. */
  static SecretRef fromProperty(String name, String raw) {
    String body = raw.trim().substring(PROPERTY_PREFIX.length());
    int hash = body.indexOf('#');
    String id = hash < 0 ? body : body.substring(0, hash);
    String key = hash < 0 ? null : body.substring(hash + 1);
    return checked(name, id, key, "secretref:<id>[#<jsonKey>]");
  }

  /** Parses a JSON parameter object; null when it is not a secret reference object at all. */
  static SecretRef fromJson(String name, Map<?, ?> object) {
    String usage = "{\"" + JSON_ID + "\": \"<id>\", \"" + JSON_KEY + "\": \"<key>\"} (" + JSON_KEY + " optional)";
    Object id = object.get(JSON_ID);
    Object key = object.get(JSON_KEY);
    for (Object field : object.keySet()) {
      if (!JSON_ID.equals(field) && !JSON_KEY.equals(field)) {
        throw new IllegalArgumentException("parameter " + name + ": an object value must be a secret reference "
            + usage + ", found key '" + field + "'");
      }
    }
    if (!(id instanceof String) || (key != null && !(key instanceof String))) {
      throw new IllegalArgumentException("parameter " + name + ": a secret reference is " + usage
          + " with string values");
    }
    return checked(name, (String) id, (String) key, usage);
  }

  private static SecretRef checked(String name, String id, String key, String usage) {
    String trimmed = id.trim();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("parameter " + name + ": secret reference without a secret id (expected "
          + usage + ")");
    }
    if (key != null && key.isEmpty()) {
      throw new IllegalArgumentException("parameter " + name + ": secret reference with an empty JSON key (expected "
          + usage + ")");
    }
    return new SecretRef(trimmed, key);
  }

  @Override
  public String toString() {
    return "<secret:" + id + (jsonKey == null ? "" : "#" + jsonKey) + ">";
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SecretRef)) return false;
    SecretRef other = (SecretRef) o;
    return id.equals(other.id) && Objects.equals(jsonKey, other.jsonKey);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, jsonKey);
  }
}
