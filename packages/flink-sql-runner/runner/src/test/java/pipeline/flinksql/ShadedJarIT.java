package pipeline.flinksql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs against target/flink-sql-runner.jar (Failsafe, after the shade plugin, with the unrelocated AWS SDK removed
 * from the class path): the relocated Secrets Manager client resolves a secret from {@link FakeSecretsManager}.
 */
class ShadedJarIT {
  static final String RELOCATED = "pipeline.flinksql.shaded.software.amazon.awssdk.";

  @TempDir Path dir;

  @Test
  void theJarCarriesOnlyTheRelocatedSdk() throws Exception {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("software.amazon.awssdk.core.SdkBytes"));
    Class.forName(RELOCATED + "services.secretsmanager.SecretsManagerClient");
    String jar = Runner.class.getProtectionDomain().getCodeSource().getLocation().getPath();
    assertTrue(jar.endsWith("flink-sql-runner.jar"), "Runner loaded from " + jar);
    try (JarFile file = new JarFile(jar)) {
      boolean services = false;
      for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements(); ) {
        String name = e.nextElement().getName();
        assertFalse(name.startsWith("software/amazon/awssdk/"), name);
        if (name.equals("META-INF/services/" + RELOCATED + "http.SdkHttpService")) services = true;
      }
      assertTrue(services, "relocated SdkHttpService service file");
    }
  }

  @Test
  void resolvesASecretWithTheRelocatedClient() throws Exception {
    System.setProperty("aws.accessKeyId", "AKIDFAKESECRETS");
    System.setProperty("aws.secretAccessKey", "fake-secret-access-key");
    String arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:os-creds-AbCdEf";
    try (FakeSecretsManager fake = new FakeSecretsManager()) {
      fake.secrets.put(arn, "{\"password\":\"it's-a-secret\"}");
      Path sql = dir.resolve("main.sql");
      Files.write(sql, "INSERT INTO dst SELECT ${pw};".getBytes(StandardCharsets.UTF_8));
      Path params = dir.resolve("params.json");
      Files.write(params, ("{\"pw\": {\"secretRef\": \"" + arn + "\", \"jsonKey\": \"password\"}}")
          .getBytes(StandardCharsets.UTF_8));
      PrintStream err = System.err;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      int code;
      try {
        // The endpoint override as a system property this time.
        System.setProperty(SecretsManagerSource.ENDPOINT_PROPERTY, fake.endpoint());
        code = Runner.execute(new String[] {"--sql", sql.toString(), "--params", params.toString(), "--dry-run"});
      } finally {
        System.clearProperty(SecretsManagerSource.ENDPOINT_PROPERTY);
        System.setErr(err);
      }
      String output = captured.toString(StandardCharsets.UTF_8);
      err.print(output);
      assertEquals(0, code, output);
      assertEquals(1, fake.requests.size());
      assertTrue(fake.requests.get(0).authorization.contains("/eu-west-1/secretsmanager/aws4_request"));
      assertTrue(output.contains("1 secret parameter(s) resolved"), output);
      assertFalse(output.contains("it's-a-secret"), output);
    }
  }
}
