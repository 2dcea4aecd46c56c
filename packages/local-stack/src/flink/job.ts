import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { readJarManifest } from '@pipeline/java-toolchain';
import { logTail, readLivePid, spawnChild } from '../internal/child.js';
import { freePort } from '../internal/ports.js';
import { ensureStateDir } from '../internal/state-dir.js';
import { findJdk } from '../java.js';
import {
  checkFlinkConf,
  type FlinkConfValue,
  type FlinkStateBackend,
  flinkConfiguration,
  writeFlinkConfFile,
  writeLog4jFile,
} from './conf.js';
import { ensureFlinkRuntime, FLINK_JAVA17_OPTIONS, FLINK_LAUNCHER_MAIN, FLINK_VERSION } from './runtime.js';

const LOG_TAIL_LINES = 60;
/** Flink's stack traces are long: look further back than the emulators' default. */
const LOG_TAIL_BYTES = 64 * 1024;

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
  /**
   * Where keyed state lives: 'hashmap' (on the heap, Flink's default) or 'rocksdb' (on local disk, incremental
   * checkpoints, as on Managed Service for Apache Flink). Pick 'rocksdb' when the state can outgrow `heap`: on the
   * heap, such a job slows down in garbage collection until it stalls. Default: Flink's default ('hashmap').
   */
  stateBackend?: FlinkStateBackend;
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
  checkFlinkConf(options);
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
  const conf = flinkConfiguration({
    dir,
    restPort,
    stateBackend: options.stateBackend,
    flinkConf: options.flinkConf,
    restoreFrom: options.restoreFrom,
  });
  const confFile = writeFlinkConfFile(dir, conf);
  const log4jFile = writeLog4jFile(dir, options.logLevel ?? 'INFO');

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
