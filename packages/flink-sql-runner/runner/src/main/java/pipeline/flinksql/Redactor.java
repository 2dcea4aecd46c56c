package pipeline.flinksql;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replaces resolved secret values in text that the runner prints (log lines, error messages, stack traces) with
 * their reference's marker ({@code <secret:id>}). Knows each value as given and as it appears in SQL: with
 * {@code '} doubled (string literal), {@code `} doubled (identifier), and JSON/Java-escaped.
 */
final class Redactor {
  private final Map<String, String> markers = new LinkedHashMap<>();
  private List<String> longestFirst = new ArrayList<>();

  synchronized void add(String value, String marker) {
    if (value == null || value.isEmpty()) return;
    for (String form : new String[] {value, value.replace("'", "''"), value.replace("`", "``"), escaped(value)}) {
      markers.putIfAbsent(form, marker);
    }
    List<String> forms = new ArrayList<>(markers.keySet());
    forms.sort((a, b) -> Integer.compare(b.length(), a.length()));
    longestFirst = forms;
  }

  synchronized boolean isEmpty() {
    return markers.isEmpty();
  }

  /** The text with every known secret form replaced by its marker. */
  synchronized String redact(String text) {
    if (text == null || markers.isEmpty()) return text;
    String out = text;
    for (String form : longestFirst) {
      if (out.contains(form)) out = out.replace(form, markers.get(form));
    }
    return out;
  }

  private static String escaped(String value) {
    StringBuilder out = new StringBuilder(value.length() + 8);
    for (char c : value.toCharArray()) {
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          out.append(c);
      }
    }
    return out.toString();
  }
}
