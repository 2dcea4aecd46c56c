package pipeline.flinksql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's whole output (stdout and stderr) with secret parameters: markers, never values. */
class RunnerSecretsLogTest {
  static final String ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:os-creds-AbCdEf";
  static final String PASSWORD = "Tr0ub4dor'&3";
  static final String USER = "opensearch-admin-user";

  static FakeSecretsManager fake;

  @TempDir Path dir;

  @BeforeAll
  static void start() throws Exception {
    System.setProperty("aws.accessKeyId", "AKIDFAKESECRETS");
    System.setProperty("aws.secretAccessKey", "fake-secret-access-key");
    fake = new FakeSecretsManager();
    fake.secrets.put(ARN, "{\"username\":\"" + USER + "\",\"password\":\"" + PASSWORD + "\"}");
  }

  @AfterAll
  static void stop() {
    fake.close();
  }

  /** Exit code, then everything printed. */
  static Object[] run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
    System.setOut(capture);
    System.setErr(capture);
    int code;
    try {
      code = Runner.execute(args);
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    String output = captured.toString(StandardCharsets.UTF_8);
    out.print(output); // still visible in the test report
    return new Object[] {code, output};
  }

  private static void assertNoSecret(String output) {
    for (String secret : new String[] {PASSWORD, PASSWORD.replace("'", "''"), USER, "Tr0ub4dor"}) {
      assertFalse(output.contains(secret), "output contains a secret (" + secret + "):\n" + output);
    }
  }

  private Path file(String name, String text) throws Exception {
    Path path = dir.resolve(name);
    Files.write(path, text.getBytes(StandardCharsets.UTF_8));
    return path;
  }

  @Test
  void logsMarkersAndPrintsTheTemplateInsteadOfSqlWithSecrets() throws Exception {
    Path sql = file("main.sql", "CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = "
        + "'${rows}');\nCREATE TABLE dst (id BIGINT, u STRING) WITH ('connector' = 'blackhole', 'x.password' = "
        + "'${pw}');\nINSERT INTO dst SELECT id, ${user} FROM src;");
    Path params = file("params.json", "{\"rows\": 3, \"user\": {\"secretRef\": \"" + ARN + "\", \"jsonKey\": "
        + "\"username\"}, \"pw\": {\"secretRef\": \"" + ARN + "\", \"jsonKey\": \"password\"}}");
    Object[] result = run("--sql", sql.toString(), "--params", params.toString(), "--secrets-endpoint",
        fake.endpoint(), "--dry-run", "--print-sql");
    String output = (String) result[1];
    assertEquals(0, result[0], output);
    assertNoSecret(output);
    assertTrue(output.contains("parameters: rows, user=<secret:" + ARN + "#username>, pw=<secret:" + ARN
        + "#password>"), output);
    assertTrue(output.contains("printing it before substitution"), output);
    assertTrue(output.contains("'x.password' = '${pw}'"), output);
    assertTrue(output.contains("3 statement(s), 3 parameter(s)"), output);
    assertTrue(output.contains("dry run: 2 DDL statement(s), 1 INSERT(s)"), output);
  }

  @Test
  void errorsQuotingAStatementShowTheMarkerNotTheSecret() throws Exception {
    // A malformed SET: its error message quotes the substituted statement.
    Path sql = file("bad.sql", "SET 'x.password' = '${pw}' 'oops';\nINSERT INTO dst SELECT 1;");
    Path params = file("params.json", "{\"pw\": {\"secretRef\": \"" + ARN + "\", \"jsonKey\": \"password\"}}");
    Object[] result = run("--sql", sql.toString(), "--params", params.toString(), "--secrets-endpoint",
        fake.endpoint(), "--dry-run");
    String output = (String) result[1];
    assertEquals(2, result[0], output);
    assertNoSecret(output);
    assertTrue(output.contains("error: expected SET 'key' = 'value', got: SET 'x.password' = '<secret:" + ARN
        + "#password>' 'oops'"), output);
  }

  @Test
  void statementSummariesRedactBeforeCuttingToLength() {
    Redactor redactor = new Redactor();
    String secret = "0123456789abcdefghijklmnopqrstuvwxyz";
    redactor.add(secret, "<secret:s>");
    assertEquals("CREATE TABLE t WITH ('p' = '<secret:s>')",
        Runner.summary("CREATE TABLE t WITH ('p' = '" + secret + "')", redactor));
    // The secret straddles the 80-character cut: cutting first would leave its first half in the log.
    String statement = "CREATE TABLE t (x INT) WITH ('connector' = 'blackhole', 'x.password' = '" + secret + "')";
    String summary = Runner.summary(statement, redactor);
    assertTrue(summary.endsWith("..."), summary);
    assertFalse(summary.contains("0123"), summary);
  }

  @Test
  void aSecretThatCannotBeReadFailsWithExitCode2() throws Exception {
    Path sql = file("main.sql", "INSERT INTO dst SELECT ${pw};");
    Path params = file("params.json", "{\"pw\": {\"secretRef\": \"missing-secret\"}}");
    Object[] result = run("--sql", sql.toString(), "--params", params.toString(), "--secrets-endpoint",
        fake.endpoint(), "--secrets-region", "eu-central-1", "--dry-run");
    String output = (String) result[1];
    assertEquals(2, result[0], output);
    assertTrue(output.contains("error: secret parameter(s) could not be resolved: parameter pw: secret "
        + "missing-secret not found"), output);
  }

  @Test
  void withoutSecretsNoSecretsManagerCallIsMade() throws Exception {
    int before = fake.requests.size();
    Path sql = file("main.sql", "INSERT INTO dst SELECT ${a};");
    Path params = file("params.json", "{\"a\": \"plain\"}");
    Object[] result = run("--sql", sql.toString(), "--params", params.toString(), "--dry-run", "--print-sql");
    assertEquals(0, result[0], (String) result[1]);
    assertTrue(((String) result[1]).contains("INSERT INTO dst SELECT 'plain'"));
    assertEquals(before, fake.requests.size());
  }
}
