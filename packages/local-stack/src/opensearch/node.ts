import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ChildHandle, logTail, readLivePid, spawnChild } from '../internal/child.js';
import { freePorts } from '../internal/ports.js';
import { ensureStateDir } from '../internal/state-dir.js';
import { findJdk } from '../java.js';
import { ensureOpenSearchBuilt } from './build.js';

export { ensureOpenSearchBuilt, type OpenSearchLauncherBuild } from './build.js';

/** The OpenSearch version the launcher embeds (java/opensearch-launcher/pom.xml). */
export const OPENSEARCH_VERSION = '2.19.6';

/** Plugins (distribution modules) loaded by default. */
export const OPENSEARCH_DEFAULT_PLUGINS: readonly string[] = Object.freeze([
  'org.opensearch.transport.Netty4Plugin',
  'org.opensearch.painless.PainlessPlugin',
  'org.opensearch.analysis.common.CommonAnalysisPlugin',
  'org.opensearch.index.reindex.ReindexPlugin',
  'org.opensearch.index.mapper.MapperExtrasPlugin',
]);

/** A node setting value: written to the node's settings file as is (lists for list settings). */
export type OpenSearchSettingValue = string | number | boolean | readonly string[];

export interface StartOpenSearchOptions {
  /** HTTP port on 127.0.0.1. Default: a free port. Kept by restart(). */
  httpPort?: number;
  /** Transport port on 127.0.0.1. Default: a free port. Kept by restart(). */
  transportPort?: number;
  /** JVM heap (-Xms and -Xmx), e.g. '512m', '1g'. Default '512m'. */
  heap?: string;
  /**
   * Node settings passed through, e.g. `{ 'thread_pool.write.queue_size': 2 }` for overload tests, or
   * `{ 'logger.level': 'debug' }`. Paths and ports are set with the options, not here.
   */
  settings?: Record<string, OpenSearchSettingValue>;
  /** Folder for all local-stack state. Default: `.local-stack/` at the repository root (see defaultStateDir()). */
  stateDir?: string;
  /** Node folder name under `<stateDir>/opensearch/`. Default 'default'. Two running nodes need two names. */
  name?: string;
  /** Delete the node folder (data, logs) before the first start. Default false: data is kept across runs. */
  clean?: boolean;
  /** How long to wait for `_cluster/health` yellow. Default 120 000 ms. */
  startTimeoutMs?: number;
  /** Grace period after SIGTERM before SIGKILL on stop(). Default 30 000 ms. */
  stopTimeoutMs?: number;
  /** A JDK 17 home. Default: found by findJdk() (LOCAL_STACK_JAVA_HOME, JAVA_HOME if 17, /usr/lib/jvm/*17*). */
  javaHome?: string;
  /** Extra JVM options, appended after the defaults (so `-Xmx` etc. here win). */
  jvmArgs?: readonly string[];
  /** Plugin classes to load instead of {@link OPENSEARCH_DEFAULT_PLUGINS} (they must be on the launcher classpath). */
  plugins?: readonly string[];
}

export interface OpenSearchNode {
  /** `http://127.0.0.1:<httpPort>` */
  readonly url: string;
  readonly httpPort: number;
  readonly transportPort: number;
  /** Pid of the current JVM (changes on restart()). */
  readonly pid: number;
  /** True between a successful start and stop(). */
  readonly running: boolean;
  /** The node folder: settings.json, opensearch.log, data/, home/. */
  readonly dir: string;
  /** JVM output and OpenSearch's log, appended across restarts. */
  readonly logFile: string;
  /** path.data */
  readonly dataDir: string;
  /** SIGTERM (clean shutdown), SIGKILL after stopTimeoutMs. Idempotent. */
  stop(): Promise<void>;
  /** Stops and starts again on the same ports with the same data. */
  restart(): Promise<void>;
}

/** Set from the options (paths, ports) or fixed (the node binds to 127.0.0.1 only). */
const RESERVED_SETTINGS = [
  'path.home',
  'path.data',
  'path.logs',
  'http.port',
  'transport.port',
  'network.host',
  'network.bind_host',
  'network.publish_host',
  'http.host',
  'http.bind_host',
  'http.publish_host',
  'transport.host',
  'transport.bind_host',
  'transport.publish_host',
];
const LOG_TAIL_LINES = 60;

/** The pid recorded in `pidFile` if that process is still a running launcher, else undefined. */
function readLauncherPid(pidFile: string): number | undefined {
  return readLivePid(pidFile, 'OpenSearchLauncher');
}

function validateHeap(heap: string): string {
  if (!/^\d+[kmgKMG]$/.test(heap)) throw new TypeError(`heap must look like '512m' or '1g', got '${heap}'`);
  return heap;
}

function validatePort(value: number | undefined, what: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0 && value < 65_536)) {
    throw new TypeError(`${what} must be an integer port 1..65535, got ${String(value)}`);
  }
}

/** JVM options before the user's: heap, Netty and log4j flags of OpenSearch's own jvm.options, temp dir. */
export function openSearchJvmArgs(heap: string, tmpDir: string): string[] {
  return [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-Xss1m',
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:-OmitStackTraceInFastThrow',
    `-Djava.io.tmpdir=${tmpDir}`,
    '-Djava.awt.headless=true',
    '-Dfile.encoding=UTF-8',
    '-Djna.nosys=true',
    '-Dio.netty.noUnsafe=true',
    '-Dio.netty.noKeySetOptimization=true',
    '-Dio.netty.recycler.maxCapacityPerThread=0',
    '-Dio.netty.allocator.numDirectArenas=0',
    '-Dlog4j.shutdownHookEnabled=false',
    '-Dlog4j2.disable.jmx=true',
    '-Dlog4j2.formatMsgNoLookups=true',
  ];
}

/** Node settings file content: options' paths and ports over the user's settings (which may not set them). */
export function openSearchNodeSettings(
  dir: string,
  httpPort: number,
  transportPort: number,
  settings: Record<string, OpenSearchSettingValue> = {},
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (RESERVED_SETTINGS.includes(key)) {
      throw new TypeError(
        `setting '${key}' is managed by startOpenSearch() (paths and ports come from the options; ` +
          'the node binds to 127.0.0.1 only)',
      );
    }
    out[key] = Array.isArray(value) ? value.map(String) : String(value);
  }
  out['path.home'] = path.join(dir, 'home');
  out['path.data'] = path.join(dir, 'data');
  out['path.logs'] = path.join(dir, 'logs');
  out['http.port'] = String(httpPort);
  out['transport.port'] = String(transportPort);
  out['network.host'] = '127.0.0.1';
  return out;
}

class EmbeddedOpenSearch implements OpenSearchNode {
  readonly dir: string;
  readonly logFile: string;
  readonly dataDir: string;
  private readonly pidFile: string;
  private readonly statusFile: string;
  private readonly settingsFile: string;
  private current: ChildHandle | undefined;
  private lastPid = 0;
  private busy: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly java: string,
    private readonly javaHome: string,
    private readonly classpath: string,
    private readonly mainClass: string,
    private ports: { http: number; transport: number },
    dir: string,
    private readonly options: StartOpenSearchOptions,
  ) {
    this.dir = dir;
    this.logFile = path.join(dir, 'opensearch.log');
    this.dataDir = path.join(dir, 'data');
    this.pidFile = path.join(dir, 'launcher.pid');
    this.statusFile = path.join(dir, 'status.json');
    this.settingsFile = path.join(dir, 'settings.json');
  }

  get url(): string {
    return `http://127.0.0.1:${this.ports.http}`;
  }
  get httpPort(): number {
    return this.ports.http;
  }
  get transportPort(): number {
    return this.ports.transport;
  }
  get pid(): number {
    return this.lastPid;
  }
  get running(): boolean {
    return this.current !== undefined && !this.current.hasExited();
  }

  /** Serialises start/stop/restart. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.busy.then(fn, fn);
    this.busy = next.catch(() => undefined);
    return next;
  }

  start(): Promise<void> {
    return this.exclusive(() => this.doStart());
  }
  stop(): Promise<void> {
    return this.exclusive(() => this.doStop());
  }
  restart(): Promise<void> {
    return this.exclusive(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  private async doStart(): Promise<void> {
    if (this.running) return;
    const previous = readLauncherPid(this.pidFile);
    if (previous) {
      throw new Error(
        `an OpenSearch launcher (pid ${previous}) is already running in ${this.dir}; stop it or use another name`,
      );
    }
    fs.mkdirSync(path.join(this.dir, 'tmp'), { recursive: true });
    fs.rmSync(this.statusFile, { force: true });
    const settings = openSearchNodeSettings(this.dir, this.ports.http, this.ports.transport, this.options.settings);
    fs.writeFileSync(this.settingsFile, `${JSON.stringify(settings, null, 2)}\n`);

    const heap = validateHeap(this.options.heap ?? '512m');
    const args = [
      ...openSearchJvmArgs(heap, path.join(this.dir, 'tmp')),
      ...(this.options.jvmArgs ?? []),
      '-cp',
      this.classpath,
      this.mainClass,
      '--settings',
      this.settingsFile,
      '--status-file',
      this.statusFile,
      '--exit-on-stdin-close',
    ];
    if (this.options.plugins) args.push('--plugins', this.options.plugins.join(','));

    // The launcher exits when our end of its stdin closes (a script that ends without stop()); the exit hook sends
    // SIGTERM for a pipe still open at process.exit().
    const launch = await spawnChild({
      command: this.java,
      args,
      env: { JAVA_HOME: this.javaHome },
      cwd: this.dir,
      logFile: this.logFile,
      appendLog: true,
      logHeader: `\n===== local-stack: starting OpenSearch ${new Date().toISOString()} =====\n`,
      stdin: 'pipe',
      exitSignal: 'SIGTERM',
    });
    this.current = launch;
    this.lastPid = launch.pid;
    fs.writeFileSync(this.pidFile, String(launch.pid));

    try {
      await this.waitReady(this.options.startTimeoutMs ?? 120_000);
    } catch (err) {
      await this.doStop();
      throw err;
    }
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastProblem = 'no answer yet';
    while (Date.now() < deadline) {
      const launch = this.current;
      if (!launch || launch.hasExited()) {
        const code = launch?.child.exitCode;
        const signal = launch?.child.signalCode;
        throw new Error(
          `OpenSearch exited during startup (code ${code ?? '-'}, signal ${signal ?? '-'}); ` +
            `log ${this.logFile}:\n${logTail(this.logFile, LOG_TAIL_LINES, 1024 * 1024) || '(no log)'}`,
        );
      }
      if (fs.existsSync(this.statusFile)) {
        try {
          const status = JSON.parse(fs.readFileSync(this.statusFile, 'utf8')) as {
            httpPort: number;
            transportPort: number;
          };
          this.ports = { http: status.httpPort, transport: status.transportPort };
          const res = await fetch(`${this.url}/_cluster/health?wait_for_status=yellow&timeout=2s`, {
            signal: AbortSignal.timeout(10_000),
          });
          const body = (await res.json()) as { status?: string };
          if (body.status === 'yellow' || body.status === 'green') return;
          lastProblem = `cluster health ${body.status ?? `HTTP ${res.status}`}`;
        } catch (err) {
          lastProblem = (err as Error).message;
        }
      }
      await sleep(250);
    }
    throw new Error(
      `OpenSearch not ready (cluster health yellow) within ${timeoutMs} ms (${lastProblem}); ` +
        `log ${this.logFile}:\n${logTail(this.logFile, LOG_TAIL_LINES, 1024 * 1024) || '(no log)'}`,
    );
  }

  private async doStop(): Promise<void> {
    const launch = this.current;
    if (!launch) return;
    await launch.stop(this.options.stopTimeoutMs ?? 30_000);
    this.current = undefined;
    fs.rmSync(this.pidFile, { force: true });
    fs.rmSync(this.statusFile, { force: true });
  }
}

/**
 * Starts a real OpenSearch 2.19.6 node in its own JVM (JDK 17), embedded from Maven Central jars by the launcher in
 * java/opensearch-launcher: single node on 127.0.0.1, Netty4 HTTP, painless, analysis-common, reindex, mapper-extras.
 * Resolves once `_cluster/health` is at least yellow. Builds the launcher first if needed (ensureOpenSearchBuilt()).
 * State lives in `<stateDir>/opensearch/<name>/` (data, log, settings). Works as root (no Bootstrap root check).
 */
export async function startOpenSearch(options: StartOpenSearchOptions = {}): Promise<OpenSearchNode> {
  validatePort(options.httpPort, 'httpPort');
  validatePort(options.transportPort, 'transportPort');
  validateHeap(options.heap ?? '512m');
  openSearchNodeSettings('/', 1, 1, options.settings); // throws early on reserved keys
  const name = options.name ?? 'default';
  if (!/^[\w.-]+$/.test(name) || name === '.' || name === '..')
    throw new TypeError(`name must be a plain folder name, got '${name}'`);

  const jdk = findJdk({ javaHome: options.javaHome });
  const build = await ensureOpenSearchBuilt({ javaHome: jdk.home });

  const dir = path.join(ensureStateDir(options.stateDir), 'opensearch', name);
  if (options.clean) {
    const running = readLauncherPid(path.join(dir, 'launcher.pid'));
    if (running) throw new Error(`cannot clean ${dir}: an OpenSearch launcher (pid ${running}) is running there`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true });

  let http = options.httpPort;
  let transport = options.transportPort;
  if (http === undefined || transport === undefined) {
    const free = (await freePorts(3)).filter((port) => port !== http && port !== transport);
    http ??= free.shift() as number;
    transport ??= free.shift() as number;
  }
  const node = new EmbeddedOpenSearch(
    jdk.java,
    jdk.home,
    build.classpath.join(path.delimiter),
    build.mainClass,
    { http, transport },
    dir,
    options,
  );
  await node.start();
  return node;
}
