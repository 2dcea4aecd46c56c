package pipeline.flinksql;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal strict JSON parser (RFC 8259) for the parameter file, so the runner needs no JSON library of its own.
 * Objects become {@link LinkedHashMap}, arrays {@link ArrayList}, numbers {@link BigDecimal}, plus String, Boolean
 * and {@code null}.
 */
final class Json {
  private final String text;
  private int pos;

  private Json(String text) {
    this.text = text;
  }

  static Object parse(String text) {
    Json json = new Json(text);
    json.skipWhitespace();
    Object value = json.value();
    json.skipWhitespace();
    if (json.pos != text.length()) throw json.error("unexpected text after the value");
    return value;
  }

  private IllegalArgumentException error(String message) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < pos && i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    return new IllegalArgumentException("invalid JSON at line " + line + ", column " + column + ": " + message);
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
      else break;
    }
  }

  private Object value() {
    if (pos >= text.length()) throw error("unexpected end of input");
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        throw error("unexpected character '" + c + "'");
    }
  }

  private Object literal(String word, Object result) {
    if (!text.startsWith(word, pos)) throw error("expected " + word);
    pos += word.length();
    return result;
  }

  private Map<String, Object> object() {
    Map<String, Object> map = new LinkedHashMap<>();
    pos++; // {
    skipWhitespace();
    if (peek() == '}') {
      pos++;
      return map;
    }
    for (;;) {
      skipWhitespace();
      if (peek() != '"') throw error("expected a string key");
      String key = string();
      if (map.containsKey(key)) throw error("duplicate key \"" + key + "\"");
      skipWhitespace();
      if (peek() != ':') throw error("expected ':'");
      pos++;
      skipWhitespace();
      map.put(key, value());
      skipWhitespace();
      char c = peek();
      pos++;
      if (c == '}') return map;
      if (c != ',') {
        pos--;
        throw error("expected ',' or '}'");
      }
    }
  }

  private List<Object> array() {
    List<Object> list = new ArrayList<>();
    pos++; // [
    skipWhitespace();
    if (peek() == ']') {
      pos++;
      return list;
    }
    for (;;) {
      skipWhitespace();
      list.add(value());
      skipWhitespace();
      char c = peek();
      pos++;
      if (c == ']') return list;
      if (c != ',') {
        pos--;
        throw error("expected ',' or ']'");
      }
    }
  }

  private char peek() {
    if (pos >= text.length()) throw error("unexpected end of input");
    return text.charAt(pos);
  }

  private String string() {
    pos++; // "
    StringBuilder out = new StringBuilder();
    for (;;) {
      if (pos >= text.length()) throw error("unterminated string");
      char c = text.charAt(pos++);
      if (c == '"') return out.toString();
      if (c < 0x20) throw error("control character in string");
      if (c != '\\') {
        out.append(c);
        continue;
      }
      if (pos >= text.length()) throw error("unterminated escape");
      char e = text.charAt(pos++);
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out.append(e);
          break;
        case 'b':
          out.append('\b');
          break;
        case 'f':
          out.append('\f');
          break;
        case 'n':
          out.append('\n');
          break;
        case 'r':
          out.append('\r');
          break;
        case 't':
          out.append('\t');
          break;
        case 'u':
          if (pos + 4 > text.length()) throw error("bad \\u escape");
          try {
            out.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
          } catch (NumberFormatException ex) {
            throw error("bad \\u escape");
          }
          pos += 4;
          break;
        default:
          throw error("bad escape \\" + e);
      }
    }
  }

  private BigDecimal number() {
    int start = pos;
    if (peek() == '-') pos++;
    while (pos < text.length() && "0123456789.eE+-".indexOf(text.charAt(pos)) >= 0) pos++;
    String token = text.substring(start, pos);
    if (!token.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
      pos = start;
      throw error("bad number " + token);
    }
    return new BigDecimal(token);
  }
}
