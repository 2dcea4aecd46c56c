package pipeline.flinksql;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.ExplainDetail;
import org.apache.flink.table.api.StatementSet;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;

/**
 * Runs Flink SQL: all DDL with executeSql, then all INSERTs as one statement set, checkpointing on, and waits.
 *
 * <pre>
 * java ... pipeline.flinksql.Runner [--sql FILE]... [--params FILE.json | --properties FILE.json]
 *     [--conf KEY=VALUE]... [--print-sql] [--dry-run | --validate] [--secrets-endpoint URL] [--secrets-region REGION]
 * </pre>
 *
 * <ul>
 *   <li>SQL: the {@code --sql} files in order; without any, the {@code sql/*.sql} resources of this jar by name.
 *   <li>Parameters ({@code ${name}}, see {@link SqlScript}): a JSON object from {@code --params}; without it, the
 *       Managed Service for Apache Flink runtime properties of group {@code SqlParameters} (each value parsed as a
 *       JSON literal when it is one, else taken as a string); without those, none. {@code --properties} reads the
 *       runtime properties from a file of Managed Flink's {@code application_properties.json} format (the
 *       {@code PropertyGroups} of the application's {@code EnvironmentProperties}) instead.
 *   <li>Secrets: a parameter value may be a secret reference ({@link SecretRef}: {@code {"secretRef": "<id>",
 *       "jsonKey": "<key>"}} in the JSON file, {@code secretref:<id>[#<key>]} as a runtime property), resolved from
 *       AWS Secrets Manager before substitution ({@link SecretsManagerSource}).
 *   <li>Configuration: parallelism 1 and a 10 s checkpoint interval unless {@code --conf} or a {@code SET} says
 *       otherwise.
 *   <li>{@code --dry-run} stops after substitution, before Flink. {@code --validate} goes as far as Flink can without
 *       running anything: secret references are checked but not resolved (no AWS call), the DDL registers its tables
 *       in the in-memory catalog and the INSERTs are planned ({@code explain}: columns, types, connector factories and
 *       options), never executed.
 * </ul>
 *
 * Values of parameters are never logged: the log names parameters, and secret ones as {@code <secret:id>}. Every line
 * the runner prints (statement summaries, errors, stack traces) goes through a {@link Redactor} that replaces resolved
 * secret values with their marker; {@code --print-sql} prints the SQL before substitution when it uses secrets.
 */
public final class Runner {
  static final String PARAMS_GROUP = "SqlParameters";
  private static final String LOG = "[flink-sql-runner] ";

  private Runner() {}

  static final class Options {
    final List<Path> sqlFiles = new ArrayList<>();
    Path paramsFile;
    String paramsGroup = PARAMS_GROUP;
    final Map<String, String> conf = new LinkedHashMap<>();
    boolean printSql;
    boolean dryRun;
    boolean validate;
    /** Runtime properties file (Managed Flink's application_properties.json format); null: Managed Flink's own. */
    Path propertiesFile;
    /** Secrets Manager endpoint / region overrides (null: system properties, then the SDK's defaults). */
    String secretsEndpoint;
    String secretsRegion;
  }

  static Options parseArgs(String[] args) {
    Options options = new Options();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--sql":
          options.sqlFiles.add(Paths.get(value(args, ++i, arg)));
          break;
        case "--params":
          options.paramsFile = Paths.get(value(args, ++i, arg));
          break;
        case "--params-group":
          options.paramsGroup = value(args, ++i, arg);
          break;
        case "--conf": {
          String kv = value(args, ++i, arg);
          int eq = kv.indexOf('=');
          if (eq <= 0) throw new IllegalArgumentException("--conf expects KEY=VALUE, got " + kv);
          options.conf.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
          break;
        }
        case "--print-sql":
          options.printSql = true;
          break;
        case "--dry-run":
          options.dryRun = true;
          break;
        case "--validate":
          options.validate = true;
          break;
        case "--properties":
          options.propertiesFile = Paths.get(value(args, ++i, arg));
          break;
        case "--secrets-endpoint":
          options.secretsEndpoint = value(args, ++i, arg);
          break;
        case "--secrets-region":
          options.secretsRegion = value(args, ++i, arg);
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + arg
              + " (usage: [--sql FILE]... [--params FILE.json] [--params-group ID] [--conf KEY=VALUE]... "
              + "[--properties FILE.json] [--print-sql] [--dry-run] [--validate] [--secrets-endpoint URL] "
              + "[--secrets-region REGION])");
      }
    }
    if (options.dryRun && options.validate) {
      throw new IllegalArgumentException("--dry-run and --validate exclude each other");
    }
    if (options.paramsFile != null && options.propertiesFile != null) {
      throw new IllegalArgumentException("--params and --properties exclude each other");
    }
    return options;
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
    return args[i];
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  private static boolean wasCancelled(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e.getClass().getSimpleName().equals("JobCancellationException")) return true;
    }
    return false;
  }

  /** Runs and returns the exit code: 0 done, 2 bad arguments / parameters / SQL files, 1 failure or cancelled. */
  static int execute(String[] args) {
    Redactor redactor = new Redactor();
    try {
      return run(args, redactor);
    } catch (IllegalArgumentException e) { // bad arguments, parameters (secrets included) or SQL files
      System.err.println(LOG + "error: " + redactor.redact(e.getMessage()));
      return 2;
    } catch (Throwable e) {
      if (wasCancelled(e)) { // a stop (local-stack cancels the job when its JVM is told to exit): no trace
        System.err.println(LOG + "the job was cancelled");
        return 1;
      }
      // Flink's messages may quote a statement, hence a substituted secret: redact the whole trace.
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      System.err.println(LOG + "failed: " + redactor.redact(String.valueOf(e)));
      System.err.print(redactor.redact(trace.toString()));
      return 1;
    }
  }

  static int run(String[] args, Redactor redactor) throws Exception {
    Options options = parseArgs(args);
    Map<String, String> scripts = loadScripts(options.sqlFiles);
    if (scripts.isEmpty()) {
      throw new IllegalArgumentException("no SQL: pass --sql FILE or package sql/*.sql resources into the jar");
    }
    Map<String, Object> params = loadParams(options);
    if (!params.isEmpty()) log("parameters: " + describe(params));
    long secretCount = params.values().stream().filter(v -> v instanceof SecretRef).count();
    boolean secrets = secretCount > 0;
    if (secrets && options.validate) {
      params = Secrets.checkedOnly(params);
      log(secretCount + " secret reference(s): " + Secrets.CHECKED_ONLY + " (--validate does not read them)");
    } else if (secrets) {
      try (SecretSource source = new SecretsManagerSource(options.secretsEndpoint, options.secretsRegion)) {
        params = Secrets.resolve(params, source, redactor);
      }
      log(secretCount + " secret parameter(s) resolved from Secrets Manager");
    }
    List<String> substituted = SqlScript.substitute(new ArrayList<>(scripts.values()), params);

    List<String> statements = new ArrayList<>();
    for (String script : substituted) statements.addAll(SqlScript.split(script));
    log("SQL from " + String.join(", ", scripts.keySet()) + ": " + statements.size() + " statement(s), "
        + params.size() + " parameter(s)");
    if (options.printSql) {
      if (secrets) {
        // Never print SQL holding secret values: the statements before substitution instead.
        log("--print-sql: the SQL uses secret parameters; printing it before substitution");
        for (String script : scripts.values()) {
          for (String statement : SqlScript.split(script)) System.out.println(statement + ";\n");
        }
      } else {
        for (String statement : statements) System.out.println(statement + ";\n");
      }
    }

    Configuration conf = new Configuration();
    conf.setString("parallelism.default", "1");
    conf.setString("execution.checkpointing.interval", "10 s");
    conf.setString("pipeline.name", "flink-sql-runner");
    for (Map.Entry<String, String> e : options.conf.entrySet()) conf.setString(e.getKey(), e.getValue());
    // SET statements before the environment exists, so they can configure it too.
    List<String> rest = new ArrayList<>();
    for (String statement : statements) {
      if (SqlScript.kind(statement) == SqlScript.Kind.SET) {
        String[] kv = SqlScript.parseSet(statement);
        conf.setString(kv[0], kv[1]);
        log("SET " + kv[0]);
      } else {
        rest.add(statement);
      }
    }
    long inserts = rest.stream().filter(s -> SqlScript.kind(s) == SqlScript.Kind.INSERT).count();
    if (inserts == 0) throw new IllegalArgumentException("the SQL has no INSERT statement: nothing to run");
    if (options.dryRun) {
      log("dry run: " + (rest.size() - inserts) + " DDL statement(s), " + inserts + " INSERT(s); not executed");
      return 0;
    }

    TableEnvironment tEnv =
        TableEnvironment.create(EnvironmentSettings.newInstance().inStreamingMode().withConfiguration(conf).build());
    StatementSet set = tEnv.createStatementSet();
    int n = 0;
    // --validate: CREATE statements only register in the in-memory catalog; nothing is executed below.
    for (String statement : rest) {
      n++;
      if (SqlScript.kind(statement) == SqlScript.Kind.INSERT) {
        set.addInsertSql(statement);
        log("statement " + n + ": INSERT added to the statement set");
      } else {
        tEnv.executeSql(statement);
        log("statement " + n + ": " + summary(statement, redactor));
      }
    }
    if (options.validate) {
      // Planning down to the stream graph builds every source and sink (their factories validate the options).
      String plan = set.explain(ExplainDetail.JSON_EXECUTION_PLAN);
      if (options.printSql) System.out.println(redactor.redact(plan));
      log("validated: " + (rest.size() - inserts) + " DDL statement(s) run in the catalog, " + inserts
          + " INSERT(s) planned; not executed");
      return 0;
    }
    TableResult result = set.execute();
    JobClient job = result.getJobClient().orElseThrow(() -> new IllegalStateException("no job client"));
    log("job " + job.getJobID() + " submitted");
    waitRunning(job);
    result.await();
    log("job " + job.getJobID() + " finished");
    return 0;
  }

  private static void waitRunning(JobClient job) {
    Thread watcher = new Thread(() -> {
      try {
        for (;;) {
          JobStatus status = job.getJobStatus().get(30, TimeUnit.SECONDS);
          if (status == JobStatus.RUNNING) {
            log("job " + job.getJobID() + " is RUNNING");
            return;
          }
          if (status.isTerminalState()) return;
          Thread.sleep(200);
        }
      } catch (Exception e) {
        // the main thread's await() reports failures
      }
    }, "flink-sql-runner-status");
    watcher.setDaemon(true);
    watcher.start();
  }

  /** Parameter names, secret ones with their reference: {@code a, b, password=<secret:id#password>}. */
  static String describe(Map<String, Object> params) {
    List<String> parts = new ArrayList<>();
    for (Map.Entry<String, Object> e : params.entrySet()) {
      Object v = e.getValue();
      parts.add(v instanceof SecretRef || v instanceof SecretValue ? e.getKey() + "=" + v : e.getKey());
    }
    return String.join(", ", parts);
  }

  /** The statement's first 80 characters, secrets redacted before cutting (so no partial secret survives). */
  static String summary(String statement, Redactor redactor) {
    String head = redactor.redact(SqlScript.stripComments(statement)).replaceAll("\\s+", " ");
    return head.length() > 80 ? head.substring(0, 80) + "..." : head;
  }

  private static void log(String message) {
    System.err.println(LOG + message);
  }

  // ---- SQL sources ----

  static Map<String, String> loadScripts(List<Path> files) throws IOException {
    Map<String, String> scripts = new LinkedHashMap<>();
    for (Path file : files) scripts.put(file.toString(), new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
    if (!scripts.isEmpty()) return scripts;
    return bundledScripts();
  }

  /** {@code sql/*.sql} next to this class (in the jar, or in the classes folder), sorted by name. */
  static Map<String, String> bundledScripts() throws IOException {
    Map<String, String> scripts = new TreeMap<>();
    URL location = Runner.class.getProtectionDomain().getCodeSource().getLocation();
    File source;
    try {
      source = new File(location.toURI());
    } catch (URISyntaxException e) {
      throw new IOException("cannot locate the runner jar: " + location, e);
    }
    if (source.isDirectory()) {
      File[] files = new File(source, "sql").listFiles((dir, name) -> name.endsWith(".sql"));
      if (files != null) {
        for (File f : files) {
          scripts.put("sql/" + f.getName(), new String(Files.readAllBytes(f.toPath()), StandardCharsets.UTF_8));
        }
      }
      return scripts;
    }
    try (JarFile jar = new JarFile(source)) {
      Enumeration<JarEntry> entries = jar.entries();
      while (entries.hasMoreElements()) {
        JarEntry entry = entries.nextElement();
        String name = entry.getName();
        if (entry.isDirectory() || !name.startsWith("sql/") || !name.endsWith(".sql") || name.indexOf('/', 4) >= 0) {
          continue;
        }
        try (InputStream in = jar.getInputStream(entry)) {
          scripts.put(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    return scripts;
  }

  // ---- parameters ----

  @SuppressWarnings("unchecked")
  static Map<String, Object> loadParams(Options options) throws IOException {
    if (options.paramsFile != null) {
      Object parsed;
      try {
        parsed = Json.parse(new String(Files.readAllBytes(options.paramsFile), StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(options.paramsFile + ": " + e.getMessage(), e);
      }
      if (!(parsed instanceof Map)) {
        throw new IllegalArgumentException(options.paramsFile + ": parameters must be a JSON object");
      }
      return fileParams((Map<String, Object>) parsed);
    }
    if (options.propertiesFile != null) return propertiesFile(options.propertiesFile, options.paramsGroup);
    return runtimeProperties(options.paramsGroup);
  }

  /** The runtime properties of one group from a file, read by Managed Flink's own reader. */
  static Map<String, Object> propertiesFile(Path file, String group) {
    if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such runtime properties file");
    Map<String, Properties> groups;
    try {
      groups = com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime.getApplicationProperties(
          file.toString());
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(file + ": not runtime properties ([{\"PropertyGroupId\": ..., "
          + "\"PropertyMap\": {...}}]): " + e.getMessage(), e);
    }
    return groupParams(groups, group);
  }

  /** JSON file values: objects are secret references ({@code {"secretRef": ..., "jsonKey": ...}}). */
  static Map<String, Object> fileParams(Map<String, Object> parsed) {
    Map<String, Object> params = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : parsed.entrySet()) {
      Object value = e.getValue();
      if (value instanceof Map) {
        value = SecretRef.fromJson(e.getKey(), (Map<?, ?>) value);
      } else if (value instanceof String && SecretRef.isPropertyReference((String) value)) {
        log("warning: parameter " + e.getKey() + " is the plain string 'secretref:...' (in a JSON parameters file a "
            + "secret reference is {\"secretRef\": \"<id>\", \"jsonKey\": \"<key>\"})");
      }
      params.put(e.getKey(), value);
    }
    return params;
  }

  /** Managed Flink runtime properties of one group, or none when not on Managed Flink. */
  static Map<String, Object> runtimeProperties(String group) {
    Map<String, Properties> groups;
    try {
      groups = com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime.getApplicationProperties();
    } catch (IOException | RuntimeException e) {
      return new LinkedHashMap<>();
    }
    return groupParams(groups, group);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> groupParams(Map<String, Properties> groups, String group) {
    Map<String, Object> params = new LinkedHashMap<>();
    Properties props = groups == null ? null : groups.get(group);
    if (props == null) return params;
    for (String name : new TreeMap<>((Map<String, String>) (Map<?, ?>) props).keySet()) {
      params.put(name, propertyValue(name, props.getProperty(name)));
    }
    return params;
  }

  static Object propertyValue(String raw) {
    return propertyValue("(runtime property)", raw);
  }

  /**
   * A runtime property as a typed value: a {@link SecretRef} for {@code secretref:<id>[#<key>]}, else a JSON literal
   * when it parses as one (number, boolean, null, "string" — so {@code "secretref:x"} is the plain string), else the
   * raw string.
   */
  static Object propertyValue(String name, String raw) {
    if (raw == null) return null;
    if (SecretRef.isPropertyReference(raw)) return SecretRef.fromProperty(name, raw);
    String trimmed = raw.trim();
    if (trimmed.equals("true") || trimmed.equals("false") || trimmed.equals("null") || trimmed.startsWith("\"")
        || trimmed.matches("-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?")) {
      try {
        Object value = Json.parse(trimmed);
        if (value == null || value instanceof String || value instanceof Boolean || value instanceof BigDecimal) {
          return value;
        }
      } catch (IllegalArgumentException e) {
        // not a literal: a plain string
      }
    }
    return raw;
  }
}
