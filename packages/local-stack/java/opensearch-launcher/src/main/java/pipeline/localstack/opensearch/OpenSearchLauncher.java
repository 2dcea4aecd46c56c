package pipeline.localstack.opensearch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.TransportService;

/**
 * Runs one embedded OpenSearch node in this JVM until SIGTERM/SIGINT (or, with --exit-on-stdin-close, until the
 * parent process closes our stdin, so a crashed parent never leaves the node behind).
 *
 * <p>Usage: {@code java -cp <launcher.jar:classpath> pipeline.localstack.opensearch.OpenSearchLauncher
 * --settings <settings.json> [--status-file <path>] [--plugins <class,class>] [--exit-on-stdin-close]}
 *
 * <p>The settings file is flat JSON ({@code {"path.home": "...", "http.port": "9200", ...}}); {@code path.home} is
 * required, every other key is an ordinary node setting and overrides the defaults below. Once the node has started,
 * the status file gets {@code {"pid":..,"httpPort":..,"transportPort":..}} (written atomically), and it is deleted
 * again on shutdown.
 *
 * <p>Embedding skips {@code org.opensearch.bootstrap.Bootstrap}: no root check, security manager, jar-hell check or
 * seccomp, which is why this runs as root in CI.
 */
public final class OpenSearchLauncher {

  /** Modules of the distribution that are on the classpath (see pom.xml). */
  static final List<String> DEFAULT_PLUGINS =
      List.of(
          "org.opensearch.transport.Netty4Plugin",
          "org.opensearch.painless.PainlessPlugin",
          "org.opensearch.analysis.common.CommonAnalysisPlugin",
          "org.opensearch.index.reindex.ReindexPlugin",
          "org.opensearch.index.mapper.MapperExtrasPlugin");

  /** Opens the protected constructor that takes classpath plugins. */
  static final class EmbeddedNode extends Node {
    EmbeddedNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
      super(environment, plugins, true);
    }
  }

  private OpenSearchLauncher() {}

  public static void main(String[] args) {
    Path settingsFile = null;
    Path statusFile = null;
    List<String> pluginNames = DEFAULT_PLUGINS;
    boolean exitOnStdinClose = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--settings":
          settingsFile = Paths.get(args[++i]);
          break;
        case "--status-file":
          statusFile = Paths.get(args[++i]);
          break;
        case "--plugins":
          pluginNames = new ArrayList<>();
          for (String name : args[++i].split(",")) {
            if (!name.isBlank()) pluginNames.add(name.trim());
          }
          break;
        case "--exit-on-stdin-close":
          exitOnStdinClose = true;
          break;
        default:
          fail("unknown argument: " + args[i], null);
      }
    }
    if (settingsFile == null) fail("--settings <file.json> is required", null);
    try {
      run(settingsFile, statusFile, pluginNames, exitOnStdinClose);
    } catch (Throwable t) {
      fail("OpenSearch failed to start: " + t, t);
    }
  }

  private static void run(Path settingsFile, Path statusFile, List<String> pluginNames, boolean exitOnStdinClose)
      throws Exception {
    Settings user = Settings.builder().loadFromPath(settingsFile).build();
    String home = user.get("path.home");
    if (home == null || home.isBlank()) throw new IllegalArgumentException("path.home is required");
    Path homeDir = Paths.get(home).toAbsolutePath();
    Path configDir = homeDir.resolve("config");
    Files.createDirectories(configDir);
    Files.createDirectories(homeDir.resolve("plugins"));
    Files.createDirectories(homeDir.resolve("modules"));

    Settings settings =
        Settings.builder()
            .put("cluster.name", "local-stack")
            .put("node.name", "local-stack-opensearch")
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("path.data", homeDir.resolve("data").toString())
            .put("path.logs", homeDir.resolve("logs").toString())
            // A nearly full disk on a developer's machine or CI must not leave shards unassigned.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put(user)
            .build();
    String nodeName = settings.get("node.name");

    Collection<Class<? extends Plugin>> plugins = new ArrayList<>();
    for (String name : pluginNames) {
      // A wrong class name must fail loudly, not be skipped.
      plugins.add(Class.forName(name).asSubclass(Plugin.class));
    }

    Environment environment =
        InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), configDir, () -> nodeName);
    // Console logging (stdout is the log file the parent gave us); logger.* settings set levels.
    Path log4jConfig = configDir.resolve("log4j2.properties");
    if (!Files.exists(log4jConfig)) {
      try (InputStream in = OpenSearchLauncher.class.getResourceAsStream("log4j2.properties")) {
        if (in == null) throw new IllegalStateException("log4j2.properties is missing from the launcher jar");
        Files.copy(in, log4jConfig);
      }
    }
    LogConfigurator.setNodeName(nodeName);
    LogConfigurator.configure(environment);
    EmbeddedNode node = new EmbeddedNode(environment, plugins);
    CountDownLatch closed = new CountDownLatch(1);
    final Path status = statusFile;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    if (status != null) Files.deleteIfExists(status);
                    System.out.println("[launcher] closing node " + nodeName);
                    node.close();
                    if (!node.awaitClose(20, TimeUnit.SECONDS)) {
                      System.out.println("[launcher] node did not close within 20 s");
                    } else {
                      System.out.println("[launcher] node closed");
                    }
                  } catch (Throwable t) {
                    t.printStackTrace(System.out);
                  } finally {
                    System.out.flush();
                    closed.countDown();
                  }
                },
                "local-stack-opensearch-shutdown"));

    node.start();

    int httpPort =
        node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
    int transportPort =
        node.injector().getInstance(TransportService.class).boundAddress().publishAddress().getPort();
    long pid = ProcessHandle.current().pid();
    System.out.println(
        "[launcher] started pid=" + pid + " http=127.0.0.1:" + httpPort + " transport=" + transportPort);
    if (statusFile != null) {
      String json =
          "{\"pid\":" + pid + ",\"httpPort\":" + httpPort + ",\"transportPort\":" + transportPort + "}\n";
      Path tmp = statusFile.resolveSibling(statusFile.getFileName() + ".tmp");
      Files.write(tmp, json.getBytes(StandardCharsets.UTF_8));
      Files.move(tmp, statusFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    if (exitOnStdinClose) {
      Thread watcher =
          new Thread(
              () -> {
                try (InputStream in = System.in) {
                  byte[] buf = new byte[256];
                  while (in.read(buf) >= 0) {
                    // ignore input; only end-of-file matters
                  }
                } catch (IOException ignored) {
                  // treat as closed
                }
                System.out.println("[launcher] stdin closed: parent is gone, shutting down");
                System.exit(0);
              },
              "local-stack-opensearch-stdin-watch");
      watcher.setDaemon(true);
      watcher.start();
    }

    closed.await();
  }

  private static void fail(String message, Throwable t) {
    System.out.println("[launcher] " + message);
    if (t != null) t.printStackTrace(System.out);
    System.out.flush();
    System.err.println("[launcher] " + message);
    Runtime.getRuntime().halt(1);
  }
}
