package pipeline.flinksql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parts of {@code --validate} that need no Flink planner: runtime properties read from a file, secret references
 * checked without being read. Planning itself is tested on Flink's runtime classpath (test/integration).
 */
class RunnerValidateTest {
  @TempDir Path dir;

  @Test
  void readsOneGroupOfAnApplicationPropertiesFileAsOnManagedFlink() throws Exception {
    Path file = dir.resolve("application_properties.json");
    Files.write(file, ("[{\"PropertyGroupId\": \"SqlParameters\", \"PropertyMap\": {\"rows\": \"3\", \"tag\": \"x\", "
        + "\"pw\": \"secretref:db-creds#password\"}}, {\"PropertyGroupId\": \"Other\", \"PropertyMap\": {\"a\": "
        + "\"b\"}}]")
        .getBytes(StandardCharsets.UTF_8));
    Runner.Options options = Runner.parseArgs(new String[] {"--properties", file.toString(), "--validate"});
    Map<String, Object> params = Runner.loadParams(options);
    assertEquals("[pw, rows, tag]", params.keySet().toString());
    assertEquals(new SecretRef("db-creds", "password"), params.get("pw"));
    assertEquals("3", params.get("rows").toString());
    assertEquals("x", params.get("tag"));
  }

  @Test
  void aFileThatIsNotRuntimePropertiesIsAParameterError() throws Exception {
    Path file = dir.resolve("bad.json");
    Files.write(file, "{\"rows\": 3}".getBytes(StandardCharsets.UTF_8));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Runner.loadParams(Runner.parseArgs(new String[] {"--properties", file.toString()})));
    assertTrue(e.getMessage().startsWith(file + ": not runtime properties"), e.getMessage());
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> Runner.loadParams(Runner.parseArgs(new String[] {"--properties", dir.resolve("none.json").toString()})));
    assertTrue(missing.getMessage().contains("no such runtime properties file"), missing.getMessage());
  }

  @Test
  void secretReferencesAreCheckedNotRead() {
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("pw", new SecretRef("db-creds", "password"));
    params.put("rows", 3);
    Map<String, Object> checked = Secrets.checkedOnly(params);
    assertEquals(Secrets.CHECKED_ONLY, ((SecretValue) checked.get("pw")).reveal());
    assertEquals("<secret:db-creds#password>", checked.get("pw").toString());
    assertEquals(3, checked.get("rows"));
    // A malformed reference fails when parsed, before any validation.
    assertThrows(IllegalArgumentException.class, () -> Runner.propertyValue("pw", "secretref:#password"));
  }

  @Test
  void validateExcludesDryRunAndPropertiesExcludesParams() {
    assertThrows(IllegalArgumentException.class, () -> Runner.parseArgs(new String[] {"--dry-run", "--validate"}));
    assertThrows(IllegalArgumentException.class,
        () -> Runner.parseArgs(new String[] {"--params", "a.json", "--properties", "b.json"}));
  }
}
