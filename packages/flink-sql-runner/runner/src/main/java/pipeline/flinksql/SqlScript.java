package pipeline.flinksql;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * SQL scripts: splitting into statements and typed `${name}` parameter substitution. Pure logic, no Flink classes.
 *
 * <p>Substitution depends on where the placeholder stands:
 *
 * <ul>
 *   <li>inside a string literal ({@code 'arn:${streamArn}'}): the value's text, with {@code '} doubled;
 *   <li>inside a backquoted identifier ({@code `${table}`}): the value's text, with {@code `} doubled;
 *   <li>elsewhere: a typed SQL literal — a string becomes {@code 'escaped'}, a number stays a number, a boolean
 *       becomes TRUE/FALSE, null becomes NULL;
 *   <li>inside a comment: left as it is (and not counted as a use).
 * </ul>
 *
 * A resolved secret ({@link SecretValue}) is substituted as a string. Error messages name parameters, never values.
 *
 * {@code $${} stands for a literal {@code ${}. Every placeholder must have a value and every value must be used, or
 * substitution fails naming the missing and the unknown parameters.
 */
public final class SqlScript {
  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.\\-]*");

  private SqlScript() {}

  /** What kind of statement this is, for the runner. */
  public enum Kind {
    /** {@code SET 'key' = 'value'}: applied to the table configuration. */
    SET,
    /** {@code INSERT INTO ...}: added to the one statement set. */
    INSERT,
    /** Everything else (CREATE, ALTER, USE, ...): run with executeSql. */
    OTHER
  }

  /** Thrown for missing or unknown parameters and malformed placeholders. */
  public static final class ParameterException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    ParameterException(String message) {
      super(message);
    }
  }

  private enum State {
    CODE,
    STRING,
    IDENT,
    LINE_COMMENT,
    BLOCK_COMMENT
  }

  /**
   * Substitutes every {@code ${name}} in the given scripts. Checks all scripts together: fails if a placeholder has
   * no value (missing) or a value is used by none of them (unknown), naming all of them.
   */
  public static List<String> substitute(List<String> scripts, Map<String, Object> params) {
    Set<String> used = new LinkedHashSet<>();
    Set<String> missing = new TreeSet<>();
    List<String> out = new ArrayList<>();
    for (String script : scripts) out.add(substituteOne(script, params, used, missing));
    Set<String> unknown = new TreeSet<>(params.keySet());
    unknown.removeAll(used);
    if (!missing.isEmpty() || !unknown.isEmpty()) {
      StringBuilder message = new StringBuilder("SQL parameters do not match the SQL:");
      if (!missing.isEmpty()) message.append(" missing parameter(s) ").append(String.join(", ", missing)).append(';');
      if (!unknown.isEmpty()) {
        message.append(" unknown parameter(s) ").append(String.join(", ", unknown)).append(" (not used by the SQL);");
      }
      message.setLength(message.length() - 1);
      throw new ParameterException(message.toString());
    }
    return out;
  }

  private static String substituteOne(String sql, Map<String, Object> params, Set<String> used, Set<String> missing) {
    StringBuilder out = new StringBuilder(sql.length() + 64);
    State state = State.CODE;
    int i = 0;
    int n = sql.length();
    while (i < n) {
      char c = sql.charAt(i);
      char next = i + 1 < n ? sql.charAt(i + 1) : '\0';
      if (state == State.LINE_COMMENT) {
        out.append(c);
        i++;
        if (c == '\n') state = State.CODE;
        continue;
      }
      if (state == State.BLOCK_COMMENT) {
        out.append(c);
        i++;
        if (c == '*' && next == '/') {
          out.append('/');
          i++;
          state = State.CODE;
        }
        continue;
      }
      if (c == '$' && next == '$' && i + 2 < n && sql.charAt(i + 2) == '{') {
        out.append("${");
        i += 3;
        continue;
      }
      if (c == '$' && next == '{') {
        int end = sql.indexOf('}', i + 2);
        if (end < 0) throw new ParameterException("unterminated placeholder at: " + excerpt(sql, i));
        String name = sql.substring(i + 2, end);
        if (!NAME.matcher(name).matches()) {
          throw new ParameterException("bad placeholder name '" + name + "' at: " + excerpt(sql, i));
        }
        used.add(name);
        if (!params.containsKey(name)) {
          missing.add(name);
          out.append(sql, i, end + 1);
        } else {
          out.append(render(name, params.get(name), state));
        }
        i = end + 1;
        continue;
      }
      switch (state) {
        case CODE:
          if (c == '\'') state = State.STRING;
          else if (c == '`') state = State.IDENT;
          else if (c == '-' && next == '-') state = State.LINE_COMMENT;
          else if (c == '/' && next == '*') {
            out.append("/*");
            i += 2;
            state = State.BLOCK_COMMENT;
            continue;
          }
          break;
        case STRING:
          if (c == '\'') {
            if (next == '\'') {
              out.append("''");
              i += 2;
              continue;
            }
            state = State.CODE;
          }
          break;
        case IDENT:
          if (c == '`') {
            if (next == '`') {
              out.append("``");
              i += 2;
              continue;
            }
            state = State.CODE;
          }
          break;
        default:
          break;
      }
      out.append(c);
      i++;
    }
    return out.toString();
  }

  private static String render(String name, Object value, State state) {
    if (value instanceof SecretRef) {
      throw new ParameterException("parameter " + name + " is a secret reference that was not resolved");
    }
    if (value instanceof Map || value instanceof List) {
      throw new ParameterException("parameter " + name + " must be a string, number, boolean or null, not "
          + (value instanceof Map ? "an object" : "an array"));
    }
    switch (state) {
      case STRING:
        if (value == null) throw new ParameterException("parameter " + name + " is null but used inside a string literal");
        return text(value).replace("'", "''");
      case IDENT:
        if (value == null) throw new ParameterException("parameter " + name + " is null but used as an identifier");
        return text(value).replace("`", "``");
      default:
        if (value == null) return "NULL";
        if (value instanceof Boolean) return ((Boolean) value) ? "TRUE" : "FALSE";
        if (value instanceof BigDecimal || value instanceof Number) return text(value);
        return "'" + text(value).replace("'", "''") + "'";
    }
  }

  private static String text(Object value) {
    if (value instanceof BigDecimal) return ((BigDecimal) value).toPlainString();
    if (value instanceof SecretValue) return ((SecretValue) value).reveal();
    return String.valueOf(value);
  }

  private static String excerpt(String sql, int at) {
    int end = Math.min(sql.length(), at + 40);
    return sql.substring(at, end).replace('\n', ' ');
  }

  /** Splits a script into statements at semicolons outside strings, identifiers and comments; drops empty ones. */
  public static List<String> split(String script) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    State state = State.CODE;
    int n = script.length();
    for (int i = 0; i < n; i++) {
      char c = script.charAt(i);
      char next = i + 1 < n ? script.charAt(i + 1) : '\0';
      switch (state) {
        case CODE:
          if (c == ';') {
            addStatement(statements, current);
            current.setLength(0);
            continue;
          }
          if (c == '\'') state = State.STRING;
          else if (c == '`') state = State.IDENT;
          else if (c == '-' && next == '-') state = State.LINE_COMMENT;
          else if (c == '/' && next == '*') {
            current.append("/*");
            i++;
            state = State.BLOCK_COMMENT;
            continue;
          }
          break;
        case STRING:
          if (c == '\'') {
            if (next == '\'') {
              current.append("''");
              i++;
              continue;
            }
            state = State.CODE;
          }
          break;
        case IDENT:
          if (c == '`') {
            if (next == '`') {
              current.append("``");
              i++;
              continue;
            }
            state = State.CODE;
          }
          break;
        case LINE_COMMENT:
          if (c == '\n') state = State.CODE;
          break;
        case BLOCK_COMMENT:
          if (c == '*' && next == '/') {
            current.append("*/");
            i++;
            state = State.CODE;
            continue;
          }
          break;
        default:
          break;
      }
      current.append(c);
    }
    addStatement(statements, current);
    return statements;
  }

  private static void addStatement(List<String> statements, StringBuilder current) {
    String statement = current.toString().trim();
    if (!stripComments(statement).isEmpty()) statements.add(statement);
  }

  /** The statement without its leading comments and whitespace (for classification; never executed). */
  static String stripComments(String statement) {
    int i = 0;
    int n = statement.length();
    for (;;) {
      while (i < n && Character.isWhitespace(statement.charAt(i))) i++;
      if (statement.startsWith("--", i)) {
        int end = statement.indexOf('\n', i);
        i = end < 0 ? n : end + 1;
      } else if (statement.startsWith("/*", i)) {
        int end = statement.indexOf("*/", i + 2);
        i = end < 0 ? n : end + 2;
      } else {
        return statement.substring(i).trim();
      }
    }
  }

  public static Kind kind(String statement) {
    String head = stripComments(statement).toUpperCase(Locale.ROOT);
    if (head.matches("(?s)^SET\\b.*")) return Kind.SET;
    if (head.matches("(?s)^INSERT\\b.*")) return Kind.INSERT;
    return Kind.OTHER;
  }

  private static final Pattern SET = Pattern.compile("(?s)^SET\\s+'((?:[^']|'')*)'\\s*=\\s*'((?:[^']|'')*)'\\s*$",
      Pattern.CASE_INSENSITIVE);

  /** Key and value of {@code SET 'key' = 'value'}. */
  public static String[] parseSet(String statement) {
    Matcher m = SET.matcher(stripComments(statement));
    if (!m.matches()) throw new IllegalArgumentException("expected SET 'key' = 'value', got: " + statement);
    return new String[] {m.group(1).replace("''", "'"), m.group(2).replace("''", "'")};
  }
}
