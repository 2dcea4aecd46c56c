import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type ChildHandle, logTail, spawnEngine } from '../internal/child.js';
import { KinesisApiError, kinesisCall } from '../internal/http-json.js';
import { freePort } from '../internal/ports.js';
import { resolvePackageFile } from '../internal/resolve.js';
import { ensureStateDir } from '../internal/state-dir.js';

export { KinesisApiError } from '../internal/http-json.js';
export { defaultStateDir } from '../internal/state-dir.js';

/** `kinesis-mock` = npm `kinesis-local` (API fidelity); `kinesalite` = volume (fast, PROVISIONED + StreamName only). */
export type KinesisEngine = 'kinesis-mock' | 'kinesalite';

export interface StartKinesisOptions {
  /** Default `'kinesis-mock'`. */
  engine?: KinesisEngine;
  /** Plain HTTP port on 127.0.0.1. Default: a free port. */
  port?: number;
  /** kinesis-mock only (it always opens a TLS port too). Default: a free port. Ignored by kinesalite. */
  tlsPort?: number;
  /** Streams to create at start (name -> shard count); ACTIVE before `startKinesis` resolves. */
  streams?: Record<string, number>;
  /** Default `'us-east-1'`. */
  region?: string;
  /** Default `'000000000000'`. */
  accountId?: string;
  /** Logs go to `<stateDir>/logs`. Default `<repo root or cwd>/.local-stack`. */
  stateDir?: string;
  /** Default 60 000. */
  startTimeoutMs?: number;
}

export interface KinesisCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface KinesisEmulator {
  readonly engine: KinesisEngine;
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly accountId: string;
  /** Fake credentials; the emulators check the Authorization header's shape, never the signature. */
  readonly credentials: KinesisCredentials;
  readonly pid: number;
  /** stdout + stderr of the engine process. */
  readonly logFile: string;
  /** `arn:aws:kinesis:<region>:<accountId>:stream/<name>` */
  streamArn(streamName: string): string;
  /** Creates a PROVISIONED stream and waits until it is ACTIVE. */
  createStream(name: string, shardCount: number): Promise<void>;
  /** Deletes a stream and waits until it is gone. */
  deleteStream(name: string): Promise<void>;
  /** SIGTERM, SIGKILL after 5 s; idempotent; resolves after the process exited. */
  stop(): Promise<void>;
}

/** What {@link kinesisClientConfig} needs: an emulator, or just its endpoint (e.g. from vitest's `inject`). */
export interface KinesisEndpointInfo {
  readonly endpoint: string;
  readonly region?: string;
  readonly credentials?: KinesisCredentials;
}

/** Plain `KinesisClient` config for an emulator. Add `requestHandler: new NodeHttpHandler()` (HTTP/1.1) yourself. */
export interface KinesisClientConfig {
  endpoint: string;
  region: string;
  credentials: KinesisCredentials;
}

/** The fake credentials every emulator started here accepts. */
export const LOCAL_CREDENTIALS: Readonly<KinesisCredentials> = Object.freeze({
  accessKeyId: 'local-stack',
  secretAccessKey: 'local-stack',
});

export function kinesisClientConfig(emulator: KinesisEndpointInfo): KinesisClientConfig {
  return {
    endpoint: emulator.endpoint,
    region: emulator.region ?? 'us-east-1',
    credentials: { ...(emulator.credentials ?? LOCAL_CREDENTIALS) },
  };
}

const KINESIS_MOCK_DURATIONS = [
  'CREATE_STREAM_DURATION',
  'DELETE_STREAM_DURATION',
  'REGISTER_STREAM_CONSUMER_DURATION',
  'DEREGISTER_STREAM_CONSUMER_DURATION',
  'UPDATE_SHARD_COUNT_DURATION',
  'UPDATE_STREAM_MODE_DURATION',
  'MERGE_SHARDS_DURATION',
  'SPLIT_SHARD_DURATION',
  'START_STREAM_ENCRYPTION_DURATION',
  'STOP_STREAM_ENCRYPTION_DURATION',
] as const;

function assertPortFree(port: number, what: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(new Error(`${what} port ${port} on 127.0.0.1 is not available (${err.code ?? err.message})`));
    });
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve()));
  });
}

function assertPort(value: number | undefined, what: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0 && value < 65_536)) {
    throw new TypeError(`${what} must be an integer port 1..65535, got ${String(value)}`);
  }
}

interface StreamSummary {
  StreamDescriptionSummary?: { StreamStatus?: string };
}

class Emulator implements KinesisEmulator {
  readonly endpoint: string;
  readonly credentials: KinesisCredentials = { ...LOCAL_CREDENTIALS };
  readonly pid: number;

  constructor(
    readonly engine: KinesisEngine,
    readonly port: number,
    readonly region: string,
    readonly accountId: string,
    readonly logFile: string,
    private readonly proc: ChildHandle,
  ) {
    this.endpoint = `http://127.0.0.1:${port}`;
    this.pid = proc.pid;
  }

  streamArn(streamName: string): string {
    return `arn:aws:kinesis:${this.region}:${this.accountId}:stream/${streamName}`;
  }

  call<T = Record<string, unknown>>(operation: string, body: unknown, timeoutMs = 30_000): Promise<T> {
    return kinesisCall<T>(this.endpoint, operation, body, {
      region: this.region,
      accessKeyId: this.credentials.accessKeyId,
      timeoutMs,
    });
  }

  async createStream(name: string, shardCount: number): Promise<void> {
    if (!(Number.isInteger(shardCount) && shardCount > 0)) {
      throw new TypeError(`shardCount must be a positive integer, got ${String(shardCount)}`);
    }
    await this.call('CreateStream', { StreamName: name, ShardCount: shardCount });
    const deadline = Date.now() + 30_000;
    for (;;) {
      const summary = await this.call<StreamSummary>('DescribeStreamSummary', { StreamName: name });
      const status = summary.StreamDescriptionSummary?.StreamStatus;
      if (status === 'ACTIVE') return;
      if (Date.now() > deadline) throw new Error(`stream ${name} still ${String(status)} after 30 s`);
      await sleep(25);
    }
  }

  async deleteStream(name: string): Promise<void> {
    await this.call('DeleteStream', { StreamName: name });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await this.call<StreamSummary>('DescribeStreamSummary', { StreamName: name });
      } catch (err) {
        if (err instanceof KinesisApiError && err.type === 'ResourceNotFoundException') return;
        throw err;
      }
      if (Date.now() > deadline) throw new Error(`stream ${name} still exists 30 s after DeleteStream`);
      await sleep(25);
    }
  }

  stop(): Promise<void> {
    return this.proc.stop(5_000);
  }
}

async function waitReady(proc: ChildHandle, endpoint: string, label: string, logFile: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  const died = proc.exited.then(({ code, signal }) => ({ code, signal }));
  while (Date.now() < deadline) {
    if (proc.hasExited()) break;
    try {
      const attempt = kinesisCall(endpoint, 'ListStreams', {}, { timeoutMs: 2_000 }).then(() => 'ready' as const);
      const outcome = await Promise.race([attempt, died]);
      if (outcome === 'ready') return;
      break; // the process exited
    } catch (err) {
      lastError = err;
    }
    await sleep(100);
  }
  const tail = logTail(logFile);
  if (proc.hasExited()) {
    const { code, signal } = await proc.exited;
    throw new Error(
      `${label} exited (code ${String(code)}, signal ${String(signal)}) before it was ready. ` +
        `Log ${logFile}:\n${tail}`,
    );
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(
    `${label} did not answer ListStreams within ${timeoutMs} ms (last error: ${reason}). Log ${logFile}:\n${tail}`,
  );
}

/**
 * Starts a real Kinesis emulator process bound to 127.0.0.1 and waits until it answers `ListStreams` (and the
 * requested streams are ACTIVE). The process is killed when the calling process exits.
 */
export async function startKinesis(options: StartKinesisOptions = {}): Promise<KinesisEmulator> {
  const engine = options.engine ?? 'kinesis-mock';
  if (engine !== 'kinesis-mock' && engine !== 'kinesalite') {
    throw new TypeError(`unknown Kinesis engine ${JSON.stringify(engine)} (kinesis-mock | kinesalite)`);
  }
  assertPort(options.port, 'port');
  assertPort(options.tlsPort, 'tlsPort');
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  if (!/^\d{12}$/.test(accountId)) throw new TypeError(`accountId must be 12 digits, got ${accountId}`);
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const stateDir = ensureStateDir(options.stateDir);
  const logsDir = path.join(stateDir, 'logs');
  fs.mkdirSync(logsDir, { recursive: true });

  let port: number;
  if (options.port === undefined) {
    port = await freePort();
  } else {
    port = options.port;
    await assertPortFree(port, engine);
  }
  const logFile = path.join(logsDir, `${engine}-${port}.log`);

  let script: string;
  let args: string[];
  let env: Record<string, string>;
  if (engine === 'kinesis-mock') {
    let tlsPort: number;
    if (options.tlsPort === undefined) {
      do tlsPort = await freePort();
      while (tlsPort === port);
    } else {
      tlsPort = options.tlsPort;
      if (tlsPort === port) throw new TypeError('port and tlsPort must differ');
      await assertPortFree(tlsPort, 'kinesis-mock TLS');
    }
    script = resolvePackageFile('kinesis-local/main.js');
    args = [];
    env = {
      KINESIS_MOCK_PLAIN_PORT: String(port),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      KINESIS_MOCK_CERT_PATH: resolvePackageFile('kinesis-local/server.json'),
      AWS_REGION: region,
      AWS_ACCOUNT_ID: accountId,
      LOG_LEVEL: 'WARN',
      SHARD_LIMIT: '1000',
      ON_DEMAND_STREAM_COUNT_LIMIT: '100',
      SHOULD_PERSIST_DATA: 'false',
    };
    for (const key of KINESIS_MOCK_DURATIONS) env[key] = '0ms';
  } else {
    script = resolvePackageFile('kinesalite/cli.js');
    args = [
      '--port',
      String(port),
      '--createStreamMs',
      '0',
      '--deleteStreamMs',
      '0',
      '--updateStreamMs',
      '0',
      '--shardLimit',
      '1000',
    ];
    env = { AWS_REGION: region, AWS_ACCOUNT_ID: accountId };
  }

  const proc = await spawnEngine({ script, args, env, cwd: path.dirname(script), logFile });
  const emulator = new Emulator(engine, port, region, accountId, logFile, proc);
  try {
    await waitReady(proc, emulator.endpoint, `${engine} (pid ${proc.pid}, port ${port})`, logFile, startTimeoutMs);
    const streams = Object.entries(options.streams ?? {});
    await Promise.all(streams.map(([name, shards]) => emulator.createStream(name, shards)));
  } catch (err) {
    await proc.stop(1_000);
    throw err;
  }
  return emulator;
}
