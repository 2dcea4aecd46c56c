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
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.JobListener;
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
 *
 * <p>On exit (SIGTERM, SIGINT, standard input closed) a shutdown hook cancels the running jobs and waits for them to
 * end, so their state backends close. A RocksDB left open hangs the JVM's exit for good: its compaction thread calls
 * back into the JVM (the state-TTL compaction filter) after the VM has exited, and the exit waits for that thread.
 */
public final class FlinkJobLauncher extends StreamExecutionEnvironment {
  private static final String LOG = "[local-stack flink] ";
  private static final long CANCEL_TIMEOUT_MS = 15_000;
  private static final List<JobClient> SUBMITTED = new CopyOnWriteArrayList<>();

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
    Runtime.getRuntime().addShutdownHook(new Thread(FlinkJobLauncher::cancelJobs, "local-stack-flink-cancel"));
    if (exitOnStdinClose) watchStdin();

    StreamExecutionEnvironmentFactory factory = jobConf -> {
      Configuration merged = new Configuration(jobConf);
      merged.addAll(overlay);
      // What LocalStreamEnvironment does; it refuses to be created while a context factory is installed.
      merged.setString("execution.target", "local");
      merged.setString("execution.attached", "true");
      StreamExecutionEnvironment env = new StreamExecutionEnvironment(merged);
      env.registerJobListener(new JobListener() {
        @Override
        public void onJobSubmitted(JobClient client, Throwable error) {
          if (client != null) SUBMITTED.add(client);
        }

        @Override
        public void onJobExecuted(JobExecutionResult result, Throwable error) {}
      });
      return env;
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

  /** Cancels every job that is not over yet and waits, up to CANCEL_TIMEOUT_MS in all, until each has ended. */
  private static void cancelJobs() {
    long deadline = System.currentTimeMillis() + CANCEL_TIMEOUT_MS;
    for (JobClient client : SUBMITTED) {
      try {
        if (!isOver(client, deadline)) {
          System.err.println(LOG + "cancelling job " + client.getJobID() + " before exit");
          client.cancel().get(remaining(deadline), TimeUnit.MILLISECONDS);
        }
      } catch (Exception e) {
        System.err.println(LOG + "cancelling job " + client.getJobID() + " failed: " + e);
      }
    }
    for (JobClient client : SUBMITTED) {
      while (!isOver(client, deadline) && System.currentTimeMillis() < deadline) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** Whether the job has reached a terminal state (or its cluster no longer answers). */
  private static boolean isOver(JobClient client, long deadline) {
    try {
      JobStatus status = client.getJobStatus().get(Math.min(2_000, remaining(deadline)), TimeUnit.MILLISECONDS);
      return status.isGloballyTerminalState();
    } catch (Exception e) {
      return true;
    }
  }

  private static long remaining(long deadline) {
    return Math.max(1, deadline - System.currentTimeMillis());
  }

  /**
   * The parent is gone, so nobody else will SIGKILL this JVM if its exit hangs in native code (where
   * Runtime.halt cannot help): a small shell kills it after {@code seconds} if it is still this launcher, and ends
   * as soon as the JVM is gone.
   */
  private static void startKillWatchdog(long seconds) {
    long pid = ProcessHandle.current().pid();
    String script = "i=0; while kill -0 " + pid + " 2>/dev/null; do i=$((i+1)); if [ $i -gt " + seconds + " ]; then "
        + "ps -o args= -p " + pid + " | grep -q FlinkJobLauncher && kill -9 " + pid + "; exit 0; fi; sleep 1; done";
    try {
      new ProcessBuilder("sh", "-c", script)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
    } catch (IOException e) {
      System.err.println(LOG + "no exit watchdog: " + e);
    }
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
      startKillWatchdog(CANCEL_TIMEOUT_MS / 1000 + 30);
      Thread killer = new Thread(() -> {
        try {
          Thread.sleep(CANCEL_TIMEOUT_MS + 10_000);
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
