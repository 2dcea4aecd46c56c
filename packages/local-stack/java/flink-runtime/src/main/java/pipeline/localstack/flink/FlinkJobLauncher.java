package pipeline.localstack.flink;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironmentFactory;

/**
 * Runs a Flink job's {@code main} on a local MiniCluster with settings from @pipeline/local-stack.
 *
 * <pre>
 * java -cp FLINK_RUNTIME:JOB_JAR pipeline.localstack.flink.FlinkJobLauncher --conf-file FILE
 *      [--exit-on-stdin-close] --main CLASS [-- JOB_ARGS...]
 * </pre>
 *
 * <p>Installs a context environment factory (as Flink's CLI does) so every {@code StreamExecutionEnvironment} the job
 * creates — directly, or through {@code TableEnvironment.create} — runs locally (execution.target local) with a
 * configuration that is the job's, overlaid with the properties of {@code --conf-file} (REST port, bind addresses...).
 * With {@code --exit-on-stdin-close} the JVM exits when its standard input closes, so a parent that dies never leaves
 * this JVM behind.
 */
public final class FlinkJobLauncher extends StreamExecutionEnvironment {
  private static final String LOG = "[local-stack flink] ";

  private FlinkJobLauncher() {}

  public static void main(String[] args) throws Throwable {
    String confFile = null;
    String mainClass = null;
    boolean exitOnStdinClose = false;
    String[] jobArgs = new String[0];
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--conf-file":
          confFile = args[++i];
          break;
        case "--main":
          mainClass = args[++i];
          break;
        case "--exit-on-stdin-close":
          exitOnStdinClose = true;
          break;
        case "--":
          jobArgs = Arrays.copyOfRange(args, i + 1, args.length);
          i = args.length;
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (mainClass == null) throw new IllegalArgumentException("--main CLASS is required");

    Configuration overlay = new Configuration();
    if (confFile != null) {
      Properties props = new Properties();
      try (InputStream in = new FileInputStream(confFile)) {
        props.load(new InputStreamReader(in, StandardCharsets.UTF_8));
      }
      for (String key : props.stringPropertyNames()) overlay.setString(key, props.getProperty(key));
    }
    if (exitOnStdinClose) watchStdin();

    StreamExecutionEnvironmentFactory factory = jobConf -> {
      Configuration merged = new Configuration(jobConf);
      merged.addAll(overlay);
      // What LocalStreamEnvironment does; it refuses to be created while a context factory is installed.
      merged.setString("execution.target", "local");
      merged.setString("execution.attached", "true");
      return new StreamExecutionEnvironment(merged);
    };
    initializeContextEnvironment(factory);

    Method main = Class.forName(mainClass, true, ClassLoader.getSystemClassLoader())
        .getMethod("main", String[].class);
    if (!Modifier.isStatic(main.getModifiers())) throw new IllegalArgumentException(mainClass + ".main is not static");
    System.err.println(LOG + "running " + mainClass + " with " + jobArgs.length + " argument(s)");
    try {
      main.invoke(null, (Object) jobArgs);
    } catch (InvocationTargetException e) {
      System.err.println(LOG + mainClass + ".main failed: " + e.getCause());
      e.getCause().printStackTrace();
      System.exit(1);
    }
    System.err.println(LOG + mainClass + ".main returned");
    System.exit(0);
  }

  private static void watchStdin() {
    Thread watcher = new Thread(() -> {
      try {
        byte[] buffer = new byte[256];
        while (System.in.read(buffer) >= 0) {
          // ignore input; wait for EOF
        }
      } catch (IOException e) {
        // closed
      }
      System.err.println(LOG + "standard input closed: exiting");
      Thread killer = new Thread(() -> {
        try {
          Thread.sleep(10_000);
        } catch (InterruptedException e) {
          // halt now
        }
        Runtime.getRuntime().halt(143);
      }, "local-stack-flink-halt");
      killer.setDaemon(true);
      killer.start();
      System.exit(143);
    }, "local-stack-flink-stdin");
    watcher.setDaemon(true);
    watcher.start();
  }
}
