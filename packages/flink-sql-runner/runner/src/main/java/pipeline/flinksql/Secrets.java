package pipeline.flinksql;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves the {@link SecretRef} values of a parameter map into {@link SecretValue}s, reading each secret once, and
 * registers every resolved value with a {@link Redactor}. Error messages name parameters, secret ids and JSON keys,
 * never a secret's content.
 */
final class Secrets {
  private Secrets() {}

  /** What a secret parameter's value is under {@code --validate}, which checks references without reading them. */
  static final String CHECKED_ONLY = "<secret ref ok>";

  /**
   * The parameters with every {@link SecretRef} (already checked for syntax when parsed) replaced by a
   * {@link SecretValue} holding {@link #CHECKED_ONLY}: no secret is read.
   */
  static Map<String, Object> checkedOnly(Map<String, Object> params) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : params.entrySet()) {
      Object value = e.getValue();
      out.put(e.getKey(), value instanceof SecretRef ? new SecretValue((SecretRef) value, CHECKED_ONLY) : value);
    }
    return out;
  }

  /** A secret reference that cannot be resolved (exit code 2, like other parameter errors). */
  static final class SecretException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    SecretException(String message) {
      super(message);
    }
  }

  /**
   * The parameters with every {@link SecretRef} replaced by its {@link SecretValue}; other values unchanged. Fails
   * naming every parameter whose secret cannot be read.
   */
  static Map<String, Object> resolve(Map<String, Object> params, SecretSource source, Redactor redactor) {
    Map<String, String> secretStrings = new HashMap<>();
    Map<String, String> failedIds = new HashMap<>();
    Map<String, Object> out = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, Object> e : params.entrySet()) {
      String name = e.getKey();
      if (!(e.getValue() instanceof SecretRef)) {
        out.put(name, e.getValue());
        continue;
      }
      SecretRef ref = (SecretRef) e.getValue();
      try {
        if (failedIds.containsKey(ref.id)) throw new SecretException(failedIds.get(ref.id));
        String secretString = secretStrings.get(ref.id);
        if (secretString == null) {
          try {
            secretString = source.secretString(ref.id);
          } catch (SecretException ex) {
            failedIds.put(ref.id, ex.getMessage());
            throw ex;
          }
          if (secretString == null) throw new SecretException("secret " + ref.id + " has no value");
          secretStrings.put(ref.id, secretString);
        }
        String value = ref.jsonKey == null ? secretString : jsonField(ref, secretString);
        redactor.add(value, ref.toString());
        out.put(name, new SecretValue(ref, value));
      } catch (SecretException ex) {
        problems.add("parameter " + name + ": " + ex.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new SecretException("secret parameter(s) could not be resolved: " + String.join("; ", problems));
    }
    return out;
  }

  /** The value of {@code ref.jsonKey} in a JSON object secret, as text (string, number or boolean). */
  static String jsonField(SecretRef ref, String secretString) {
    Object parsed;
    try {
      parsed = Json.parse(secretString);
    } catch (IllegalArgumentException e) {
      // The parser's message quotes a character of the secret: not repeated here.
      parsed = null;
    }
    if (!(parsed instanceof Map)) {
      throw new SecretException("secret " + ref.id + " is not a JSON object, so it has no key '" + ref.jsonKey
          + "' (leave out the JSON key to use the whole secret string)");
    }
    Map<?, ?> object = (Map<?, ?>) parsed;
    if (!object.containsKey(ref.jsonKey)) {
      throw new SecretException("secret " + ref.id + " has no key '" + ref.jsonKey + "'");
    }
    Object value = object.get(ref.jsonKey);
    if (value instanceof String) return (String) value;
    if (value instanceof BigDecimal) return ((BigDecimal) value).toPlainString();
    if (value instanceof Boolean) return value.toString();
    throw new SecretException("secret " + ref.id + ": key '" + ref.jsonKey + "' holds "
        + (value == null ? "null" : value instanceof Map ? "an object" : "an array")
        + ", not a string, number or boolean");
  }
}
