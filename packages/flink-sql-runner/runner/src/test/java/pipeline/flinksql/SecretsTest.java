package pipeline.flinksql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Secret references resolved by {@link SecretsManagerSource} (the real AWS SDK client, default credentials chain)
 * against {@link FakeSecretsManager}, a protocol-level stub: this tests our code and the SDK's wire format, not AWS.
 */
class SecretsTest {
  static final String ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:os-creds-AbCdEf";
  static final String PASSWORD = "s3'cr\"3t!`pw";
  static final String JSON_SECRET =
      "{\"username\":\"admin\",\"password\":" + FakeSecretsManager.quote(PASSWORD) + ",\"port\":9200,\"n\":null}";

  static FakeSecretsManager fake;
  static SecretsManagerSource source;

  @BeforeAll
  static void start() throws Exception {
    // The SDK's default credentials chain reads these system properties first.
    System.setProperty("aws.accessKeyId", "AKIDFAKESECRETS");
    System.setProperty("aws.secretAccessKey", "fake-secret-access-key");
    fake = new FakeSecretsManager();
    source = new SecretsManagerSource(fake.endpoint(), "us-east-1");
  }

  @AfterAll
  static void stop() {
    source.close();
    fake.close();
  }

  @BeforeEach
  void reset() {
    fake.secrets.clear();
    fake.requests.clear();
    fake.secrets.put("db-password", "plain " + PASSWORD);
    fake.secrets.put(ARN, JSON_SECRET);
  }

  private static Map<String, Object> params(Object... kv) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) map.put((String) kv[i], kv[i + 1]);
    return map;
  }

  @Test
  void resolvesAPlainStringSecretWithASignedGetSecretValueCall() {
    Redactor redactor = new Redactor();
    Map<String, Object> out =
        Secrets.resolve(params("pw", new SecretRef("db-password", null), "n", BigDecimal.ONE), source, redactor);
    assertEquals("plain " + PASSWORD, ((SecretValue) out.get("pw")).reveal());
    assertEquals("<secret:db-password>", out.get("pw").toString());
    assertEquals(BigDecimal.ONE, out.get("n"));

    assertEquals(1, fake.requests.size());
    FakeSecretsManager.Request request = fake.requests.get(0);
    assertEquals("secretsmanager.GetSecretValue", request.target);
    assertEquals("db-password", request.secretId);
    assertTrue(request.contentType.startsWith("application/x-amz-json-1.1"), request.contentType);
    // SigV4 with the default chain's credentials, for the configured region (a name has no region of its own).
    assertTrue(request.authorization.startsWith("AWS4-HMAC-SHA256 Credential=AKIDFAKESECRETS/"), request.authorization);
    assertTrue(request.authorization.contains("/us-east-1/secretsmanager/aws4_request"), request.authorization);
  }

  @Test
  void readsKeysOfAJsonSecretFetchingItOnceInTheRegionOfItsArn() {
    Map<String, Object> out = Secrets.resolve(params(
        "user", new SecretRef(ARN, "username"),
        "pw", new SecretRef(ARN, "password"),
        "port", new SecretRef(ARN, "port")), source, new Redactor());
    assertEquals("admin", ((SecretValue) out.get("user")).reveal());
    assertEquals(PASSWORD, ((SecretValue) out.get("pw")).reveal());
    assertEquals("9200", ((SecretValue) out.get("port")).reveal());
    assertEquals(1, fake.requests.size());
    assertTrue(fake.requests.get(0).authorization.contains("/eu-west-1/secretsmanager/aws4_request"));

    // Substituted as strings, escaped by context.
    String sql = SqlScript.substitute(Collections.singletonList(
        "CREATE TABLE t WITH ('password' = '${pw}', 'user' = ${user}, 'port' = '${port}')"), out).get(0);
    assertEquals("CREATE TABLE t WITH ('password' = '" + PASSWORD.replace("'", "''") + "', 'user' = 'admin', "
        + "'port' = '9200')", sql);
  }

  @Test
  void missingKeyAndNonJsonSecretFailNamingParameterSecretAndKeyButNoContent() {
    Secrets.SecretException e = assertThrows(Secrets.SecretException.class,
        () -> Secrets.resolve(params("pw", new SecretRef(ARN, "pass")), source, new Redactor()));
    assertEquals("secret parameter(s) could not be resolved: parameter pw: secret " + ARN + " has no key 'pass'",
        e.getMessage());

    e = assertThrows(Secrets.SecretException.class,
        () -> Secrets.resolve(params("pw", new SecretRef("db-password", "password")), source, new Redactor()));
    assertTrue(e.getMessage().contains("parameter pw: secret db-password is not a JSON object, so it has no key "
        + "'password'"), e.getMessage());
    assertFalse(e.getMessage().contains("plain"), e.getMessage());

    e = assertThrows(Secrets.SecretException.class,
        () -> Secrets.resolve(params("n", new SecretRef(ARN, "n")), source, new Redactor()));
    assertTrue(e.getMessage().endsWith("key 'n' holds null, not a string, number or boolean"), e.getMessage());
  }

  @Test
  void notFoundFailsNamingEveryParameterAndAsksOncePerSecret() {
    Secrets.SecretException e = assertThrows(Secrets.SecretException.class, () -> Secrets.resolve(params(
        "a", new SecretRef("nope", "x"),
        "b", new SecretRef("nope", "y"),
        "ok", new SecretRef("db-password", null)), source, new Redactor()));
    assertTrue(e.getMessage().startsWith("secret parameter(s) could not be resolved: parameter a: secret nope not "
        + "found (Secrets Manager can't find the specified secret.); parameter b: secret nope not found"),
        e.getMessage());
    assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
    assertEquals(2, fake.requests.size()); // nope once, db-password once
  }

  @Test
  void redactsEveryResolvedValueInTheFormsItTakesInSqlAndMessages() {
    Redactor redactor = new Redactor();
    Secrets.resolve(params("pw", new SecretRef(ARN, "password")), source, redactor);
    String marker = "<secret:" + ARN + "#password>";
    assertEquals("x " + marker + " y", redactor.redact("x " + PASSWORD + " y"));
    assertEquals("'" + marker + "'", redactor.redact("'" + PASSWORD.replace("'", "''") + "'"));
    assertEquals("`" + marker + "`", redactor.redact("`" + PASSWORD.replace("`", "``") + "`"));
    assertEquals("\"" + marker + "\"", redactor.redact(FakeSecretsManager.quote(PASSWORD)));
    assertEquals("nothing secret", redactor.redact("nothing secret"));
  }

  @Test
  void parsesReferencesInBothForms() {
    assertEquals(new SecretRef(ARN, "password"), Runner.propertyValue("pw", "secretref:" + ARN + "#password"));
    assertEquals(new SecretRef("db-password", null), Runner.propertyValue("pw", " secretref:db-password"));
    assertEquals(new SecretRef("s", "a#b"), Runner.propertyValue("pw", "secretref:s#a#b"));
    // A JSON-quoted value is always a plain string: how to pass a string that starts with secretref:.
    assertEquals("secretref:x", Runner.propertyValue("pw", "\"secretref:x\""));
    assertEquals("SECRETREF:x", Runner.propertyValue("pw", "SECRETREF:x"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Runner.propertyValue("pw", "secretref:#k"));
    assertEquals("parameter pw: secret reference without a secret id (expected secretref:<id>[#<jsonKey>])",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Runner.propertyValue("pw", "secretref:id#"));

    Map<String, Object> file = Runner.fileParams(params(
        "a", params("secretRef", ARN, "jsonKey", "password"),
        "b", params("secretRef", "db-password"),
        "c", "secretref:not-a-reference-in-a-file"));
    assertEquals(new SecretRef(ARN, "password"), file.get("a"));
    assertEquals(new SecretRef("db-password", null), file.get("b"));
    assertEquals("secretref:not-a-reference-in-a-file", file.get("c"));
    e = assertThrows(IllegalArgumentException.class,
        () -> Runner.fileParams(params("a", params("secretRef", ARN, "key", "password"))));
    assertTrue(e.getMessage().startsWith("parameter a: an object value must be a secret reference {\"secretRef\""),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Runner.fileParams(params("a", params("jsonKey", "k"))));
    assertThrows(IllegalArgumentException.class, () -> Runner.fileParams(params("a", params("secretRef", 5))));

    assertEquals("a, pw=<secret:" + ARN + "#password>", Runner.describe(params("a", "x", "pw", file.get("a"))));
  }

  @Test
  void readsBackWhatToRuntimePropertiesWrites() {
    // The exact strings test/unit/parameters.test.ts expects from toRuntimeProperties().
    assertEquals(new SecretRef(ARN, "password"), Runner.propertyValue("secretref:" + ARN + "#password"));
    assertEquals(new SecretRef("db-password", null), Runner.propertyValue("secretref:db-password"));
    assertEquals(new BigDecimal("42"), Runner.propertyValue("42"));
    assertEquals(new BigDecimal("1e+21"), Runner.propertyValue("1e+21"));
    assertEquals(Boolean.FALSE, Runner.propertyValue("false"));
    assertNull(Runner.propertyValue("null"));
    assertEquals("42", Runner.propertyValue("\"42\""));
    assertEquals(" 7 ", Runner.propertyValue("\" 7 \""));
    assertEquals("true", Runner.propertyValue("\"true\""));
    assertEquals("null", Runner.propertyValue("\"null\""));
    assertEquals("\"hi\"", Runner.propertyValue("\"\\\"hi\\\"\""));
    assertEquals("secretref:not-a-reference", Runner.propertyValue("\"secretref:not-a-reference\""));
    assertEquals("  secretref:x", Runner.propertyValue("\"  secretref:x\""));
    assertEquals("042", Runner.propertyValue("042"));
    assertEquals("truely", Runner.propertyValue("truely"));
    assertEquals("http://127.0.0.1:9200", Runner.propertyValue("http://127.0.0.1:9200"));
  }

  @Test
  void anUnresolvedReferenceIsNeverSubstituted() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SqlScript.substitute(
        Collections.singletonList("SELECT ${pw}"), params("pw", new SecretRef("db-password", null))));
    assertEquals("parameter pw is a secret reference that was not resolved", e.getMessage());
  }

  @Test
  void takesTheRegionFromAnArnElseTheConfiguredOne() {
    assertEquals("eu-west-1", SecretsManagerSource.arnRegion(ARN));
    assertNull(SecretsManagerSource.arnRegion("db-password"));
    assertNull(SecretsManagerSource.arnRegion("arn:aws:s3:::bucket"));
    assertEquals("eu-west-1", source.regionFor(ARN));
    assertEquals("us-east-1", source.regionFor("db-password"));
  }

  @Test
  void aSecretValuePrintsAsItsMarker() {
    SecretValue v = new SecretValue(new SecretRef("id", "k"), "hunter2");
    assertInstanceOf(String.class, v.reveal());
    assertEquals("{pw=<secret:id#k>}", Collections.singletonMap("pw", v).toString());
  }
}
