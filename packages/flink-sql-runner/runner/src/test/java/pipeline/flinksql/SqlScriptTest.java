package pipeline.flinksql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlScriptTest {
  private static Map<String, Object> params(Object... kv) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) map.put((String) kv[i], kv[i + 1]);
    return map;
  }

  private static String sub(String sql, Map<String, Object> params) {
    return SqlScript.substitute(Collections.singletonList(sql), params).get(0);
  }

  @Test
  void substitutesByContext() {
    Map<String, Object> p = params("s", "it's", "n", new BigDecimal("42"), "b", true, "z", null, "t", "my`t");
    assertEquals("SELECT 'it''s', 42, TRUE, NULL, 'x-it''s-42', `my``t`",
        sub("SELECT ${s}, ${n}, ${b}, ${z}, 'x-${s}-${n}', `${t}`", p));
  }

  @Test
  void leavesCommentsAndEscapesAlone() {
    assertEquals("-- ${x} it's\nSELECT 1 /* ${y} */, '${'",
        sub("-- ${x} it's\nSELECT 1 /* ${y} */, '$${'", params()));
  }

  @Test
  void namesMissingAndUnknownParameters() {
    SqlScript.ParameterException e = assertThrows(SqlScript.ParameterException.class,
        () -> sub("SELECT ${a}, ${b}, ${a}", params("a", 1, "c", 2, "d", 3)));
    assertEquals("SQL parameters do not match the SQL: missing parameter(s) b; unknown parameter(s) c, d "
        + "(not used by the SQL)", e.getMessage());
    assertThrows(SqlScript.ParameterException.class, () -> sub("SELECT '${a}'", params("a", null)));
    assertThrows(SqlScript.ParameterException.class, () -> sub("SELECT ${a}", params("a", Arrays.asList(1))));
  }

  @Test
  void splitsAndClassifies() {
    List<String> statements = SqlScript.split(
        "-- head\nSET 'a.b' = 'it''s';\nCREATE TABLE t (x STRING COMMENT 'a;b') WITH ('k'='v');\n"
            + "/* c; */ INSERT INTO t SELECT ';' ;\n-- trailing only\n");
    assertEquals(3, statements.size());
    assertEquals(SqlScript.Kind.SET, SqlScript.kind(statements.get(0)));
    assertEquals("a.b", SqlScript.parseSet(statements.get(0))[0]);
    assertEquals("it's", SqlScript.parseSet(statements.get(0))[1]);
    assertEquals(SqlScript.Kind.OTHER, SqlScript.kind(statements.get(1)));
    assertEquals(SqlScript.Kind.INSERT, SqlScript.kind(statements.get(2)));
  }

  @Test
  void runtimePropertyValuesAreTyped() {
    assertEquals(new BigDecimal("5"), Runner.propertyValue("5"));
    assertEquals(Boolean.TRUE, Runner.propertyValue("true"));
    assertEquals("a b", Runner.propertyValue("\"a b\""));
    assertEquals("arn:aws:x", Runner.propertyValue("arn:aws:x"));
  }

  @Test
  void parsesJson() {
    Object parsed = Json.parse("{\"a\": [1, -2.5e3, \"x\\u0041\\n\"], \"b\": {\"c\": null, \"d\": false}}");
    assertEquals("{a=[1, -2.5E+3, xA\n], b={c=null, d=false}}", parsed.toString());
    assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": 1,}"));
    assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\": 1, \"a\": 2}"));
  }
}
