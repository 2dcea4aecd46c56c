#!/usr/bin/env node
/**
 * `local-stack`: run the local engines by hand (e.g. for the taxi example or to debug a test).
 *
 *   local-stack kinesis [--engine kinesis-mock|kinesalite] [--port N] [--tls-port N] [--stream name:shards]...
 *                       [--region R] [--account-id 000000000000] [--state-dir DIR]
 *                       [--proxy-port N] [--fault name=value]... [--shard-rate-limit]
 *
 * Prints one JSON line with the endpoints, then runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { type FaultRates, KINESIS_SHARD_LIMIT, KinesisFaultProxy } from './fault-proxy.js';
import { type KinesisEngine, type StartKinesisOptions, startKinesis } from './kinesis.js';

const USAGE = `Usage:
  local-stack kinesis [--engine kinesis-mock|kinesalite] [--port N] [--tls-port N] [--stream name:shards]...
                      [--region R] [--account-id ID] [--state-dir DIR]
                      [--proxy-port N] [--fault name=value]... [--shard-rate-limit]

  --proxy-port, --fault or --shard-rate-limit also start a KinesisFaultProxy in front of the emulator.
  Faults: recordThroughputExceeded, recordInternalFailure, http500, http503, resetBeforeForward,
          resetAfterForward (probabilities 0..1), latencyMs.`;

const FAULT_NAMES = new Set([
  'recordThroughputExceeded',
  'recordInternalFailure',
  'http500',
  'http503',
  'resetBeforeForward',
  'resetAfterForward',
  'latencyMs',
]);

function fail(message: string): never {
  process.stderr.write(`local-stack: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function int(value: string | undefined, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n)) fail(`${what} must be an integer, got ${value}`);
  return n;
}

async function kinesisCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string' },
      port: { type: 'string' },
      'tls-port': { type: 'string' },
      stream: { type: 'string', multiple: true },
      region: { type: 'string' },
      'account-id': { type: 'string' },
      'state-dir': { type: 'string' },
      'proxy-port': { type: 'string' },
      fault: { type: 'string', multiple: true },
      'shard-rate-limit': { type: 'boolean' },
    },
    strict: true,
  });
  const options: StartKinesisOptions = {};
  if (values.engine !== undefined) {
    if (values.engine !== 'kinesis-mock' && values.engine !== 'kinesalite') fail(`unknown engine ${values.engine}`);
    options.engine = values.engine as KinesisEngine;
  }
  const port = int(values.port, '--port');
  if (port !== undefined) options.port = port;
  const tlsPort = int(values['tls-port'], '--tls-port');
  if (tlsPort !== undefined) options.tlsPort = tlsPort;
  if (values.region !== undefined) options.region = values.region;
  if (values['account-id'] !== undefined) options.accountId = values['account-id'];
  if (values['state-dir'] !== undefined) options.stateDir = values['state-dir'];
  if (values.stream) {
    const streams: Record<string, number> = {};
    for (const spec of values.stream) {
      const [name, shards = '1'] = spec.split(':');
      const count = int(shards, `--stream ${spec}`);
      if (!name || count === undefined || count < 1) fail(`bad --stream ${spec} (want name:shards)`);
      streams[name] = count;
    }
    options.streams = streams;
  }
  const faults: FaultRates = {};
  for (const spec of values.fault ?? []) {
    const [name, raw] = spec.split('=');
    const value = Number(raw);
    if (!name || !FAULT_NAMES.has(name) || raw === undefined || Number.isNaN(value)) fail(`bad --fault ${spec}`);
    faults[name as keyof FaultRates] = value;
  }
  const proxyPort = int(values['proxy-port'], '--proxy-port');
  const wantProxy = proxyPort !== undefined || (values.fault ?? []).length > 0 || values['shard-rate-limit'] === true;

  const emulator = await startKinesis(options);
  let proxy: KinesisFaultProxy | undefined;
  try {
    if (wantProxy) {
      proxy = await KinesisFaultProxy.start({
        target: emulator.endpoint,
        faults,
        shardRateLimit: values['shard-rate-limit'] ? KINESIS_SHARD_LIMIT : null,
        ...(proxyPort === undefined ? {} : { port: proxyPort }),
      });
    }
  } catch (err) {
    await emulator.stop();
    throw err;
  }
  process.stdout.write(
    `${JSON.stringify({
      engine: emulator.engine,
      endpoint: emulator.endpoint,
      ...(proxy ? { proxyEndpoint: proxy.endpoint } : {}),
      region: emulator.region,
      accountId: emulator.accountId,
      credentials: emulator.credentials,
      pid: emulator.pid,
      logFile: emulator.logFile,
    })}\n`,
  );
  process.stderr.write('local-stack: running; Ctrl-C to stop\n');
  const keepAlive = setInterval(() => {}, 60_000);
  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(keepAlive);
    await proxy?.stop();
    await emulator.stop();
    if (proxy) {
      const c = proxy.counts;
      process.stderr.write(`local-stack: proxy counts ${JSON.stringify(c)}\n`);
    }
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'kinesis':
      return kinesisCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    default:
      fail(`unknown command ${command}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`local-stack: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
