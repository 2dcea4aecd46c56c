import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { buildIfStale, readClasspathFile, readJarManifest, runMaven, withLock } from '@pipeline/java-toolchain';
import { logTail, readLivePid, spawnChild } from '../internal/child.js';
import { freePort } from '../internal/ports.js';
import { javaModuleDir } from '../internal/resolve.js';
import { ensureStateDir } from '../internal/state-dir.js';
import { findJdk } from '../java.js';

/**
 * The pinned Flink version of the local runtime. Shared with the job jars through their manifests: the
 * `@pipeline/flink-sql` runner and `java/flink-smoke-job` write `Flink-Version: ${flink.version}` into their jar
 * manifests and {@link startFlinkJob} resolves that version's runtime; this constant, `flink.version` in
 * `java/flink-runtime/pom.xml` and in `packages/flink-sql/runner/pom.xml` must be equal (tests assert it).
 */
export const FLINK_VERSION = '1.20.3';

/** Main class of the launcher in `java/flink-runtime` that runs a job's `main` on a local MiniCluster. */
export const FLINK_LAUNCHER_MAIN = 'pipeline.localstack.flink.FlinkJobLauncher';

/**
 * JVM options Flink needs on Java 17 (flink-dist `config.yaml`, `env.java.opts.all`); without them Kryo fails with
 * `InaccessibleObjectException` (FLINK-33161).
 */
export const FLINK_JAVA17_OPTIONS: readonly string[] = Object.freeze([
  ...[
    'java.lang',
    'java.net',
    'java.io',
    'java.nio',
    'sun.nio.ch',
    'java.lang.reflect',
    'java.text',
    'java.time',
    'java.util',
    'java.util.concurrent',
    'java.util.concurrent.atomic',
    'java.util.concurrent.locks',
  ].map((pkg) => `--add-opens=java.base/${pkg}=ALL-UNNAMED`),
  ...[
    'java.base/sun.net.util',
    'java.rmi/sun.rmi.registry',
    'jdk.compiler/com.sun.tools.javac.api',
    'jdk.compiler/com.sun.tools.javac.file',
    'jdk.compiler/com.sun.tools.javac.parser',
    'jdk.compiler/com.sun.tools.javac.tree',
    'jdk.compiler/com.sun.tools.javac.util',
    'java.security.jgss/sun.security.krb5',
  ].map((pkg) => `--add-exports=${pkg}=ALL-UNNAMED`),
]);

const VERSION_PATTERN = /^\d+\.\d+(\.\d+)?$/;
const LOG_TAIL_LINES = 60;
/** Flink's stack traces are long: look further back than the emulators' default. */
const LOG_TAIL_BYTES = 64 * 1024;

// ---------------------------------------------------------------------------------------------------------------
// The Flink runtime (java/flink-runtime): launcher jar + Flink's jars from the local Maven repository

/** What {@link ensureFlinkRuntime} resolves with. */
export interface FlinkRuntime {
  /** Flink version of the jars on `classpath`. */
  version: string;
  /** The launcher jar (`FLINK_LAUNCHER_MAIN`). */
  launcherJar: string;
  /** Flink's own runtime jars (clients, table API + bridge, planner loader, table runtime, log4j), in ~/.m2. */
  classpath: string[];
}

const runtimeBuilds = new Map<string, Promise<FlinkRuntime>>();

/**
 * Builds `java/flink-runtime` (the launcher, and Flink's runtime classpath) with Maven and JDK 17 unless it is up to
 * date, and returns it. The build goes to the cache folder (`~/.cache/pipeline/flink-runtime-<source hash>`, or under
 * PIPELINE_CACHE_DIR), never into the installed package. The first build resolves Flink from Maven Central into ~/.m2
 * (about 125 MB of jars); later calls run no Maven at all. A `flinkVersion` other than {@link FLINK_VERSION} is
 * resolved once into `target/classpath-<version>.txt` of that folder (the launcher jar is the same).
 */
export function ensureFlinkRuntime(
  options: { flinkVersion?: string | undefined; javaHome?: string | undefined } = {},
): Promise<FlinkRuntime> {
  const version = options.flinkVersion ?? FLINK_VERSION;
  if (!VERSION_PATTERN.test(version)) throw new TypeError(`flinkVersion must look like 1.20.3, got '${version}'`);
  const javaHome = findJdk({ javaHome: options.javaHome }).home;
  const key = `${version}\0${javaHome}`;
  let build = runtimeBuilds.get(key);
  if (!build) {
    build = buildRuntime(version, javaHome);
    runtimeBuilds.set(key, build);
    build.catch(() => runtimeBuilds.delete(key));
  }
  return build;
}

async function buildRuntime(version: string, javaHome: string): Promise<FlinkRuntime> {
  const { dir } = await buildIfStale({
    name: 'flink-runtime',
    sourceDir: javaModuleDir('flink-runtime'),
    outputs: ['target/flink-runtime.jar'],
    classpathFiles: ['target/classpath.txt'],
    javaHome,
    downloadNote: 'about 125 MB into ~/.m2',
  });
  const target = path.join(dir, 'target');
  const launcherJar = path.join(target, 'flink-runtime.jar');
  if (version === FLINK_VERSION) {
    const classpath = readClasspathFile(path.join(target, 'classpath.txt'));
    if (!classpath) throw new Error(`${target}/classpath.txt is missing or lists missing jars after the build`);
    return { version, launcherJar, classpath };
  }
  // The build folder is per source hash, so a classpath file there is as fresh as the module.
  const versionClasspath = path.join(target, `classpath-${version}.txt`);
  if (!readClasspathFile(versionClasspath)) {
    await withLock(path.join(target, '.classpath-lock'), async () => {
      if (readClasspathFile(versionClasspath)) return;
      await runMaven({
        cwd: dir,
        javaHome,
        args: [
          'dependency:build-classpath',
          `-Dflink.version=${version}`,
          `-Dmdep.outputFile=${versionClasspath}`,
          '-DincludeScope=runtime',
        ],
      });
    });
  }
  const classpath = readClasspathFile(versionClasspath);
  if (!classpath) throw new Error(`${versionClasspath} is missing or lists missing jars after the build`);
  return { version, launcherJar, classpath };
}

// ---------------------------------------------------------------------------------------------------------------
// Running a job

export type FlinkConfValue = string | number | boolean;

export interface StartFlinkJobOptions {
  /** The job jar (e.g. the @pipeline/flink-sql runner jar). Flink itself must be `provided` in it. */
  jar: string;
  /** Main class. Default: the jar manifest's `Main-Class`. */
  mainClass?: string;
  /** Arguments of the job's `main`. */
  args?: readonly string[];
  /** Flink runtime version. Default: the jar manifest's `Flink-Version`, else {@link FLINK_VERSION}. */
  flinkVersion?: string;
  /** Folder for all local-stack state. Default: `.local-stack/` at the repository root (see defaultStateDir()). */
  stateDir?: string;
  /** Job folder name under `<stateDir>/flink/` (log, config, scratch). Default 'default'. Two jobs need two names. */
  name?: string;
  /** JVM heap (-Xms64m, -Xmx), e.g. '1g'. Default '1g'. */
  heap?: string;
  /** A JDK 17 home. Default: found by findJdk(). Flink 1.20 does not run on newer JDKs. */
  javaHome?: string;
  /** REST port of the MiniCluster on 127.0.0.1 (readiness is checked there). Default: a free port. */
  restPort?: number;
  /**
   * Flink configuration laid over the job's own (these win), e.g. `{ 'parallelism.default': 1 }`. `rest.port`,
   * `rest.bind-port` and the bind addresses are set by the launcher and refused here. `state.checkpoints.dir`
   * defaults to `<stateDir>/flink/<name>/checkpoints` (checkpoints on disk, not in the JobManager's 5 MB memory).
   */
  flinkConf?: Record<string, FlinkConfValue>;
  /** Extra JVM options, after the defaults. */
  jvmArgs?: readonly string[];
  /** Extra environment variables for the JVM (only PATH, HOME, TMPDIR, LANG, TZ and the like are passed through). */
  env?: Record<string, string>;
  /** Root log level of the job's log4j configuration. Default 'INFO'. */
  logLevel?: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** How long to wait until a job is RUNNING with all its tasks running. Default 180 000 ms. */
  startTimeoutMs?: number;
  /** Grace period after SIGTERM before SIGKILL on stop(). Default 20 000 ms. */
  stopTimeoutMs?: number;
  /**
   * Restore the job from this savepoint or retained checkpoint (a `file://` URI or path of the folder with
   * `_metadata`): sets `execution.savepoint.path`. Default: a fresh start.
   */
  restoreFrom?: string;
}

/** One entry of the REST API's `/jobs/overview`. */
export interface FlinkJobOverview {
  jid: string;
  name: string;
  state: string;
  tasks: Record<string, number>;
}

export interface FlinkJob {
  /** Pid of the JVM. */
  readonly pid: number;
  /** `http://127.0.0.1:<restPort>` — Flink's REST API (no web UI). */
  readonly restUrl: string;
  readonly restPort: number;
  /** Id of the job that was RUNNING when startFlinkJob() resolved. */
  readonly jobId: string;
  readonly flinkVersion: string;
  /** `<stateDir>/flink/<name>` */
  readonly dir: string;
  /** stdout + stderr of the JVM (Flink's log4j output goes there). */
  readonly logFile: string;
  /** Whether the JVM is still running. */
  readonly running: boolean;
  /** Resolves when the JVM has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The REST API's `/jobs/overview`. */
  jobs(): Promise<FlinkJobOverview[]>;
  /** GET a REST API path, e.g. `/jobs/<id>/exceptions`, parsed as JSON. */
  rest<T = unknown>(pathAndQuery: string): Promise<T>;
  /** The last lines of the log. */
  logTail(lines?: number): string;
  /** SIGTERM, SIGKILL after the grace period; removes the scratch folder. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops the job with a savepoint in `targetDirectory` (REST `POST /jobs/<id>/stop`), waits for it and for the JVM
   * to exit, and resolves with the savepoint's location (pass it as `restoreFrom` to resume).
   */
  stopWithSavepoint(targetDirectory: string, timeoutMs?: number): Promise<string>;
}

function propertiesLine(key: string, value: string): string {
  const escapeText = (text: string, isKey: boolean) =>
    text
      .replace(/\\/g, '\\\\')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r')
      .replace(/\t/g, '\\t')
      .replace(isKey ? /([ =:#!])/g : /^([ #!])/, '\\$1');
  return `${escapeText(key, true)}=${escapeText(value, false)}`;
}

const RESERVED_CONF = [
  'rest.port',
  'rest.bind-port',
  'rest.address',
  'rest.bind-address',
  'jobmanager.bind-host',
  'taskmanager.bind-host',
];

/**
 * Runs a Flink job on a local MiniCluster in its own JVM (JDK 17, with Flink's Java 17 options): classpath = Flink's
 * own runtime jars (resolved by Maven, see {@link ensureFlinkRuntime}) + the launcher + the job jar. The job's `main`
 * runs as usual; the launcher makes its MiniCluster serve the REST API on 127.0.0.1:`restPort` and bind everything to
 * 127.0.0.1. Resolves once a job is RUNNING with all its tasks running (REST `/jobs/overview`).
 *
 * `-Djava.io.tmpdir` is a scratch folder under the job folder (the planner loader copies a ~38 MB jar there on every
 * start), removed by stop(). The JVM also exits by itself when this process goes away (its stdin closes).
 */
export async function startFlinkJob(options: StartFlinkJobOptions): Promise<FlinkJob> {
  const jar = path.resolve(options.jar);
  if (!fs.existsSync(jar)) throw new Error(`job jar ${jar} does not exist (build it first)`);
  const manifest = readJarManifest(jar);
  const mainClass = options.mainClass ?? manifest['Main-Class'];
  if (!mainClass) throw new Error(`${jar} has no Main-Class in its manifest; pass mainClass`);
  const flinkVersion = options.flinkVersion ?? manifest['Flink-Version'] ?? FLINK_VERSION;
  const heap = options.heap ?? '1g';
  if (!/^\d+[kmgKMG]$/.test(heap)) throw new TypeError(`heap must look like '512m' or '1g', got '${heap}'`);
  const name = options.name ?? 'default';
  if (!/^[\w.-]+$/.test(name) || name === '.' || name === '..') {
    throw new TypeError(`name must be a plain folder name, got '${name}'`);
  }
  for (const key of Object.keys(options.flinkConf ?? {})) {
    if (RESERVED_CONF.includes(key)) throw new TypeError(`flinkConf must not set ${key} (use restPort)`);
  }
  if (options.restPort !== undefined && !(Number.isInteger(options.restPort) && options.restPort > 0)) {
    throw new TypeError(`restPort must be a port number, got ${String(options.restPort)}`);
  }

  const jdk = findJdk({ javaHome: options.javaHome });
  const runtime = await ensureFlinkRuntime({ flinkVersion, javaHome: jdk.home });

  const dir = path.join(ensureStateDir(options.stateDir), 'flink', name);
  fs.mkdirSync(dir, { recursive: true });
  const pidFile = path.join(dir, 'launcher.pid');
  const running = readLivePid(pidFile);
  if (running)
    throw new Error(`a Flink job (pid ${running}) is already running in ${dir}; stop it or use another name`);
  const scratch = path.join(dir, 'tmp');
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true });

  const restPort = options.restPort ?? (await freePort());
  const conf: Record<string, string> = {
    'rest.address': '127.0.0.1',
    'rest.bind-address': '127.0.0.1',
    'rest.port': String(restPort),
    'rest.bind-port': String(restPort),
    'jobmanager.bind-host': '127.0.0.1',
    'jobmanager.rpc.address': '127.0.0.1',
    'taskmanager.bind-host': '127.0.0.1',
    'taskmanager.host': '127.0.0.1',
    // Checkpoints on disk: Flink's default JobManager storage refuses state over 5 MB, and a job whose state outgrows
    // it fails every checkpoint and restarts from the start, again and again.
    'state.checkpoints.dir': pathToFileURL(path.resolve(dir, 'checkpoints')).href,
  };
  for (const [key, value] of Object.entries(options.flinkConf ?? {})) conf[key] = String(value);
  if (options.restoreFrom !== undefined) conf['execution.savepoint.path'] = options.restoreFrom;
  const confFile = path.join(dir, 'flink-conf.properties');
  fs.writeFileSync(
    confFile,
    `${Object.entries(conf)
      .map(([k, v]) => propertiesLine(k, v))
      .join('\n')}\n`,
  );
  const log4jFile = path.join(dir, 'log4j2.properties');
  fs.writeFileSync(
    log4jFile,
    [
      `rootLogger.level = ${options.logLevel ?? 'INFO'}`,
      'rootLogger.appenderRef.console.ref = console',
      'appender.console.type = Console',
      'appender.console.name = console',
      'appender.console.layout.type = PatternLayout',
      'appender.console.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-50c{1.} - %m%n',
      'logger.pekko.name = org.apache.pekko',
      'logger.pekko.level = WARN',
      'logger.shaded.name = org.apache.flink.shaded',
      'logger.shaded.level = WARN',
      // a few hundred "cannot be used as a POJO type" lines per SQL job start
      'logger.typeextractor.name = org.apache.flink.api.java.typeutils.TypeExtractor',
      'logger.typeextractor.level = WARN',
      '',
    ].join('\n'),
  );

  const classpath = [...runtime.classpath, runtime.launcherJar, jar].join(path.delimiter);
  const args = [
    '-Xms64m',
    `-Xmx${heap}`,
    '-XX:+ExitOnOutOfMemoryError',
    ...FLINK_JAVA17_OPTIONS,
    `-Djava.io.tmpdir=${scratch}`,
    `-Dlog4j.configurationFile=${log4jFile}`,
    '-Dlog4j2.disable.jmx=true',
    ...(options.jvmArgs ?? []),
    '-cp',
    classpath,
    FLINK_LAUNCHER_MAIN,
    '--conf-file',
    confFile,
    '--exit-on-stdin-close',
    '--main',
    mainClass,
    '--',
    ...(options.args ?? []),
  ];
  const logFile = path.join(dir, 'flink.log');
  const launch = await spawnChild({
    command: jdk.java,
    args,
    env: { JAVA_HOME: jdk.home, ...(options.env ?? {}) },
    cwd: dir,
    logFile,
    appendLog: true,
    logHeader: `\n===== local-stack: starting Flink job ${mainClass} ${new Date().toISOString()} =====\n`,
    stdin: 'pipe',
    onParentExit: () => fs.rmSync(scratch, { recursive: true, force: true }),
  });
  const pid = launch.pid;
  const exited = launch.exited;
  fs.writeFileSync(pidFile, String(pid));
  const restUrl = `http://127.0.0.1:${restPort}`;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await launch.stop(options.stopTimeoutMs ?? 20_000);
      fs.rmSync(scratch, { recursive: true, force: true });
      fs.rmSync(pidFile, { force: true });
    })();
    return stopping;
  };
  const rest = async <T>(pathAndQuery: string): Promise<T> => {
    const res = await fetch(`${restUrl}${pathAndQuery}`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`GET ${pathAndQuery}: HTTP ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const jobs = async () => (await rest<{ jobs: FlinkJobOverview[] }>('/jobs/overview')).jobs;
  const stopWithSavepoint = async (targetDirectory: string, timeoutMs = 120_000): Promise<string> => {
    const target = targetDirectory.includes('://') ? targetDirectory : `file://${path.resolve(targetDirectory)}`;
    const res = await fetch(`${restUrl}/jobs/${jobId}/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ targetDirectory: target, drain: false }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`POST /jobs/${jobId}/stop: HTTP ${res.status} ${await res.text()}`);
    const { 'request-id': trigger } = (await res.json()) as { 'request-id': string };
    const until = Date.now() + timeoutMs;
    for (;;) {
      let state: {
        status: { id: string };
        operation?: { location?: string; 'failure-cause'?: { 'stack-trace'?: string } };
      };
      try {
        state = await rest(`/jobs/${jobId}/savepoints/${trigger}`);
      } catch (error) {
        // The runner exits once the job stopped, sometimes before the status is read: take the savepoint from disk.
        await Promise.race([exited, sleep(30_000)]);
        if (!launch.hasExited()) throw error;
        const dir = target.replace(/^file:(\/\/)?/, '');
        const done = fs
          .readdirSync(dir)
          .filter((name) => name.startsWith('savepoint-') && fs.existsSync(path.join(dir, name, '_metadata')))
          .map((name) => path.join(dir, name))
          .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
        if (done[0] === undefined) throw error;
        await stop();
        return `file:${done[0]}`;
      }
      if (state.status.id === 'COMPLETED') {
        const location = state.operation?.location;
        if (!location) {
          throw new Error(
            `stop-with-savepoint failed: ${state.operation?.['failure-cause']?.['stack-trace'] ?? 'no location'}`,
          );
        }
        await Promise.race([exited, sleep(15_000)]);
        await stop();
        return location;
      }
      if (Date.now() > until) throw new Error(`stop-with-savepoint did not complete within ${timeoutMs} ms`);
      await sleep(250);
    }
  };

  // Readiness: a job RUNNING with all its tasks running.
  const deadline = Date.now() + (options.startTimeoutMs ?? 180_000);
  let jobId: string | undefined;
  let lastProblem = 'no answer yet';
  try {
    while (!jobId) {
      if (launch.hasExited()) {
        const { code, signal } = await exited;
        throw new Error(
          `Flink JVM exited during startup (code ${code ?? '-'}, signal ${signal ?? '-'}); log ${logFile}:\n` +
            logTail(logFile, LOG_TAIL_LINES, LOG_TAIL_BYTES),
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `no Flink job RUNNING within ${options.startTimeoutMs ?? 180_000} ms (${lastProblem}); log ${logFile}:\n` +
            logTail(logFile, LOG_TAIL_LINES, LOG_TAIL_BYTES),
        );
      }
      try {
        const list = await jobs();
        const failed = list.find((job) => job.state === 'FAILED');
        if (failed) {
          throw Object.assign(new Error(`Flink job ${failed.name} (${failed.jid}) FAILED during startup`), {
            fatal: true,
          });
        }
        const ready = list.find(
          (job) => job.state === 'RUNNING' && (job.tasks.total ?? 0) > 0 && job.tasks.running === job.tasks.total,
        );
        if (ready) jobId = ready.jid;
        else lastProblem = list.length ? list.map((job) => `${job.name}: ${job.state}`).join(', ') : 'no job yet';
      } catch (err) {
        if ((err as { fatal?: boolean }).fatal) throw err;
        lastProblem = (err as Error).message;
      }
      if (!jobId) await sleep(250);
    }
  } catch (err) {
    await stop();
    if ((err as { fatal?: boolean }).fatal) {
      throw new Error(
        `${(err as Error).message}; log ${logFile}:\n${logTail(logFile, LOG_TAIL_LINES, LOG_TAIL_BYTES)}`,
      );
    }
    throw err;
  }

  return {
    pid,
    restUrl,
    restPort,
    jobId,
    flinkVersion: runtime.version,
    dir,
    logFile,
    get running() {
      return !launch.hasExited();
    },
    exited,
    jobs,
    rest,
    logTail: (lines = LOG_TAIL_LINES) => logTail(logFile, lines, LOG_TAIL_BYTES),
    stop,
    stopWithSavepoint,
  };
}
