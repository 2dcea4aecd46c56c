import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { type FlinkJob, type StartFlinkJobOptions, startFlinkJob } from './flink/job.js';
import { kinesisCall } from './internal/http-json.js';
import { defaultStateDir, type KinesisEmulator, type StartKinesisOptions, startKinesis } from './kinesis/emulator.js';
import { type OpenSearchNode, type StartOpenSearchOptions, startOpenSearch } from './opensearch/node.js';

/** The engines of the stack. */
export type StackEngine = 'kinesis' | 'opensearch' | 'flink';

export interface StartStackOptions {
  /** Folder for state and logs. Default `.local-stack/` at the repository root. */
  stateDir?: string;
  /** The Kinesis emulator (default kinesis-mock on free ports), or `false` for none. */
  kinesis?: StartKinesisOptions | false;
  /** The OpenSearch node (default 512 MiB heap on free ports), or `false` for none. */
  opensearch?: StartOpenSearchOptions | false;
  /**
   * A Flink job on a MiniCluster, started once Kinesis and OpenSearch are ready — give the options, or a function of
   * the running engines (to pass their endpoints to the job). Default: none.
   */
  flink?:
    | StartFlinkJobOptions
    | ((engines: {
        kinesis: KinesisEmulator | undefined;
        opensearch: OpenSearchNode | undefined;
      }) => StartFlinkJobOptions)
    | false;
}

/** What a running stack exposes; JSON-serializable (the CLI writes it to `<stateDir>/stack.json`). */
export interface StackDescription {
  readonly stateDir: string;
  readonly startedAt: string;
  /** Pid of the process that owns the engines (the CLI's supervisor, or your process). */
  readonly ownerPid: number;
  readonly kinesis?: {
    readonly engine: string;
    readonly endpoint: string;
    readonly region: string;
    readonly accountId: string;
    readonly pid: number;
    readonly logFile: string;
  };
  readonly opensearch?: {
    readonly url: string;
    readonly httpPort: number;
    readonly transportPort: number;
    readonly pid: number;
    readonly logFile: string;
  };
  readonly flink?: {
    readonly restUrl: string;
    readonly jobId: string;
    readonly pid: number;
    readonly logFile: string;
  };
}

export interface LocalStack {
  readonly kinesis: KinesisEmulator | undefined;
  readonly opensearch: OpenSearchNode | undefined;
  readonly flink: FlinkJob | undefined;
  describe(): StackDescription;
  /**
   * Restarts one engine on the same ports (OpenSearch keeps its data; the in-memory Kinesis emulators do not; the Flink
   * job starts again from its sources' initial positions).
   */
  restart(engine: StackEngine): Promise<void>;
  /** Stops every engine (in parallel); idempotent. */
  stop(): Promise<void>;
}

/** Starts the requested engines in parallel; if one fails, the others are stopped and the error is thrown. */
export async function startStack(options: StartStackOptions = {}): Promise<LocalStack> {
  const stateDir = options.stateDir ?? defaultStateDir();
  const startedAt = new Date().toISOString();
  const kinesisOptions = options.kinesis === false ? undefined : { stateDir, ...options.kinesis };
  const openSearchOptions = options.opensearch === false ? undefined : { stateDir, ...options.opensearch };
  const [kinesisResult, openSearchResult] = await Promise.allSettled([
    kinesisOptions ? startKinesis(kinesisOptions) : Promise.resolve(undefined),
    openSearchOptions ? startOpenSearch(openSearchOptions) : Promise.resolve(undefined),
  ]);
  let kinesis = kinesisResult.status === 'fulfilled' ? kinesisResult.value : undefined;
  const opensearch = openSearchResult.status === 'fulfilled' ? openSearchResult.value : undefined;
  const failure = [kinesisResult, openSearchResult].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) {
    await Promise.allSettled([kinesis?.stop(), opensearch?.stop()]);
    throw failure.reason;
  }
  const flinkOptions =
    options.flink === false || options.flink === undefined
      ? undefined
      : typeof options.flink === 'function'
        ? options.flink({ kinesis, opensearch })
        : options.flink;
  let flink: FlinkJob | undefined;
  if (flinkOptions) {
    try {
      flink = await startFlinkJob({ stateDir, ...flinkOptions });
    } catch (error) {
      await Promise.allSettled([kinesis?.stop(), opensearch?.stop()]);
      throw error;
    }
  }
  let stopping: Promise<void> | undefined;
  return {
    get kinesis() {
      return kinesis;
    },
    opensearch,
    get flink() {
      return flink;
    },
    describe(): StackDescription {
      return {
        stateDir,
        startedAt,
        ownerPid: process.pid,
        ...(kinesis
          ? {
              kinesis: {
                engine: kinesis.engine,
                endpoint: kinesis.endpoint,
                region: kinesis.region,
                accountId: kinesis.accountId,
                pid: kinesis.pid,
                logFile: kinesis.logFile,
              },
            }
          : {}),
        ...(opensearch
          ? {
              opensearch: {
                url: opensearch.url,
                httpPort: opensearch.httpPort,
                transportPort: opensearch.transportPort,
                pid: opensearch.pid,
                logFile: opensearch.logFile,
              },
            }
          : {}),
        ...(flink
          ? { flink: { restUrl: flink.restUrl, jobId: flink.jobId, pid: flink.pid, logFile: flink.logFile } }
          : {}),
      };
    },
    async restart(engine) {
      if (engine === 'flink') {
        if (!flink || !flinkOptions) throw new Error('restart: the stack has no Flink job');
        const restPort = flink.restPort;
        await flink.stop();
        flink = await startFlinkJob({ stateDir, ...flinkOptions, restPort });
        return;
      }
      if (engine === 'opensearch') {
        if (!opensearch) throw new Error('restart: the stack has no OpenSearch node');
        await opensearch.restart();
        return;
      }
      if (!kinesis || !kinesisOptions) throw new Error('restart: the stack has no Kinesis emulator');
      const port = kinesis.port;
      await kinesis.stop();
      kinesis = await startKinesis({ ...kinesisOptions, port });
    },
    stop() {
      // The job first: it reads from and writes to the others.
      stopping ??= Promise.allSettled([flink?.stop()])
        .then(() => Promise.allSettled([kinesis?.stop(), opensearch?.stop()]))
        .then(() => undefined);
      return stopping;
    },
  };
}

/** Path of the description file the CLI's supervisor keeps while a stack runs. */
export function stackFile(stateDir = defaultStateDir()): string {
  return path.join(stateDir, 'stack.json');
}

export function readStackFile(stateDir = defaultStateDir()): StackDescription | undefined {
  try {
    return JSON.parse(fs.readFileSync(stackFile(stateDir), 'utf8')) as StackDescription;
  } catch {
    return undefined;
  }
}

export interface EngineStatus {
  readonly engine: StackEngine;
  readonly ready: boolean;
  readonly detail: string;
}

/**
 * Probes each engine of a described stack for real: Kinesis answers ListStreams, OpenSearch health is green or yellow,
 * the Flink MiniCluster reports a RUNNING job.
 */
export async function probeStack(description: StackDescription): Promise<EngineStatus[]> {
  const out: EngineStatus[] = [];
  if (description.kinesis) {
    try {
      const answer = await kinesisCall<{ StreamNames?: string[] }>(description.kinesis.endpoint, 'ListStreams', {});
      out.push({
        engine: 'kinesis',
        ready: true,
        detail: `streams: ${(answer.StreamNames ?? []).join(', ') || '(none)'}`,
      });
    } catch (error) {
      out.push({ engine: 'kinesis', ready: false, detail: String(error) });
    }
  }
  if (description.opensearch) {
    try {
      const health = await getJson(`${description.opensearch.url}/_cluster/health`);
      const status = String((health as { status?: unknown }).status);
      out.push({ engine: 'opensearch', ready: status === 'green' || status === 'yellow', detail: `health ${status}` });
    } catch (error) {
      out.push({ engine: 'opensearch', ready: false, detail: String(error) });
    }
  }
  if (description.flink) {
    try {
      const overview = (await getJson(`${description.flink.restUrl}/jobs/overview`)) as {
        jobs?: Array<{ state?: string }>;
      };
      const states = (overview.jobs ?? []).map((j) => String(j.state));
      out.push({
        engine: 'flink',
        ready: states.includes('RUNNING'),
        detail: `jobs: ${states.join(', ') || '(none)'}`,
      });
    } catch (error) {
      out.push({ engine: 'flink', ready: false, detail: String(error) });
    }
  }
  return out;
}

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`timeout: ${url}`)));
    req.on('error', reject);
  });
}
