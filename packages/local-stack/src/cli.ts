#!/usr/bin/env node
/**
 * `local-stack`: run the local engines by hand (e.g. for the taxi example or to debug a test).
 *
 *   local-stack kinesis [--engine kinesis-mock|kinesalite] [--port N] [--tls-port N] [--stream name:shards]...
 *                       [--region R] [--account-id 000000000000] [--state-dir DIR]
 *                       [--proxy-port N] [--fault name=value]... [--shard-rate-limit]
 *
 * Prints one JSON line with the endpoints, then runs until SIGINT/SIGTERM.
 *
 *   local-stack up [--no-kinesis] [--no-opensearch] [--kinesis-engine E] [--stream name:shards]... [--heap 512m]
 *                  [--state-dir DIR] [--foreground]
 *   local-stack status | down | logs [kinesis|opensearch|stack] [--lines N]   (all take --state-dir)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { logTail, processAlive } from './internal/child.js';
import { ensureStateDir } from './internal/state-dir.js';
import { defaultStateDir, type KinesisEngine, type StartKinesisOptions, startKinesis } from './kinesis/emulator.js';
import { type FaultRates, KINESIS_SHARD_LIMIT, KinesisFaultProxy } from './kinesis/fault-proxy.js';
import { probeStack, readStackFile, type StackDescription, stackFile, startStack } from './stack.js';

const USAGE = `Usage:
  local-stack up [--no-kinesis] [--no-opensearch] [--kinesis-engine kinesis-mock|kinesalite] [--stream name:shards]...
                 [--heap 512m] [--flink-jar JAR [--flink-main CLASS] [--flink-arg ARG]...] [--state-dir DIR] [--foreground]
      Starts the stack in the background (or in the foreground until Ctrl-C) and prints its endpoints as JSON.
  local-stack status [--state-dir DIR]     Probes each engine; exit 0 when all are ready, 1 otherwise, 3 when down.
  local-stack down [--state-dir DIR]       Stops the stack cleanly (SIGKILL after 60 s).
  local-stack logs [kinesis|opensearch|flink|stack] [--lines N] [--state-dir DIR]
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
  runUntilSignal(async () => {
    await proxy?.stop();
    await emulator.stop();
    if (proxy) {
      const c = proxy.counts;
      process.stderr.write(`local-stack: proxy counts ${JSON.stringify(c)}\n`);
    }
  });
}

/** Keeps this process alive until SIGINT/SIGTERM, then runs `shutdown` once. */
function runUntilSignal(shutdown: () => Promise<void>): void {
  const keepAlive = setInterval(() => {}, 60_000);
  let stopping = false;
  const onSignal = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(keepAlive);
    await shutdown();
  };
  process.once('SIGINT', () => void onSignal());
  process.once('SIGTERM', () => void onSignal());
}

const STACK_OPTIONS = {
  'no-kinesis': { type: 'boolean' },
  'no-opensearch': { type: 'boolean' },
  'kinesis-engine': { type: 'string' },
  stream: { type: 'string', multiple: true },
  heap: { type: 'string' },
  'state-dir': { type: 'string' },
  foreground: { type: 'boolean' },
  lines: { type: 'string' },
  'flink-jar': { type: 'string' },
  'flink-main': { type: 'string' },
  'flink-arg': { type: 'string', multiple: true },
} as const;

function stackArgs(argv: string[]) {
  return parseArgs({ args: argv, options: STACK_OPTIONS, allowPositionals: true });
}

function parseStreams(specs: readonly string[] | undefined): Record<string, number> {
  const streams: Record<string, number> = {};
  for (const spec of specs ?? []) {
    const [name, shards] = spec.split(':');
    const count = Number(shards ?? '1');
    if (!name || !Number.isInteger(count) || count < 1) fail(`--stream takes name:shards, got ${spec}`);
    streams[name] = count;
  }
  return streams;
}

/** Runs the stack in this process until SIGINT/SIGTERM, keeping `<stateDir>/stack.json` while it runs. */
async function serveCommand(argv: string[]): Promise<void> {
  const { values } = stackArgs(argv);
  const stateDir = path.resolve(values['state-dir'] ?? defaultStateDir());
  const engine = (values['kinesis-engine'] ?? 'kinesis-mock') as KinesisEngine;
  if (engine !== 'kinesis-mock' && engine !== 'kinesalite') fail(`--kinesis-engine must be kinesis-mock or kinesalite`);
  ensureStateDir(stateDir);
  const stack = await startStack({
    stateDir,
    kinesis: values['no-kinesis'] ? false : { engine, streams: parseStreams(values.stream) },
    opensearch: values['no-opensearch'] ? false : values.heap ? { heap: values.heap } : {},
    flink: values['flink-jar']
      ? {
          jar: path.resolve(values['flink-jar']),
          ...(values['flink-main'] ? { mainClass: values['flink-main'] } : {}),
          args: values['flink-arg'] ?? [],
        }
      : false,
  });
  const file = stackFile(stateDir);
  fs.writeFileSync(file, `${JSON.stringify(stack.describe(), null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(stack.describe())}\n`);
  runUntilSignal(async () => {
    await stack.stop();
    fs.rmSync(file, { force: true });
    process.exit(0);
  });
}

async function upCommand(argv: string[]): Promise<void> {
  const { values } = stackArgs(argv);
  const stateDir = path.resolve(values['state-dir'] ?? defaultStateDir());
  const running = readStackFile(stateDir);
  if (running && processAlive(running.ownerPid)) {
    process.stdout.write(`${JSON.stringify(running)}\n`);
    process.stderr.write(`local-stack: already running (pid ${running.ownerPid}); 'local-stack down' stops it\n`);
    return;
  }
  fs.rmSync(stackFile(stateDir), { force: true });
  const forwarded = argv.filter((a) => a !== '--foreground');
  if (values.foreground) return serveCommand(forwarded);
  fs.mkdirSync(path.join(ensureStateDir(stateDir), 'logs'), { recursive: true });
  const logFile = path.join(stateDir, 'logs', 'stack.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(
    process.execPath,
    [...process.execArgv, process.argv[1]!, 'serve', ...forwarded, '--state-dir', stateDir],
    {
      detached: true,
      stdio: ['ignore', log, log],
    },
  );
  child.unref();
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const description = readStackFile(stateDir);
    if (description) {
      process.stdout.write(`${JSON.stringify(description)}\n`);
      return;
    }
    if (child.exitCode !== null || (child.pid !== undefined && !processAlive(child.pid))) {
      fail(`the stack did not start; ${logFile}:\n${logTail(logFile, 40)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  fail(`the stack did not become ready in 300 s; see ${logFile}`);
}

async function statusCommand(argv: string[]): Promise<void> {
  const { values } = stackArgs(argv);
  const stateDir = path.resolve(values['state-dir'] ?? defaultStateDir());
  const description = readStackFile(stateDir);
  if (!description || !processAlive(description.ownerPid)) {
    process.stdout.write(`${JSON.stringify({ running: false, stateDir })}\n`);
    process.exitCode = 3;
    return;
  }
  const engines = await probeStack(description);
  process.stdout.write(`${JSON.stringify({ running: true, ...description, status: engines }, null, 2)}\n`);
  process.exitCode = engines.every((e) => e.ready) ? 0 : 1;
}

async function downCommand(argv: string[]): Promise<void> {
  const { values } = stackArgs(argv);
  const stateDir = path.resolve(values['state-dir'] ?? defaultStateDir());
  const description: StackDescription | undefined = readStackFile(stateDir);
  if (!description || !processAlive(description.ownerPid)) {
    fs.rmSync(stackFile(stateDir), { force: true });
    process.stderr.write('local-stack: not running\n');
    return;
  }
  process.kill(description.ownerPid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (processAlive(description.ownerPid) && Date.now() < deadline) await sleep(200);
  for (const pid of [
    description.ownerPid,
    description.kinesis?.pid,
    description.opensearch?.pid,
    description.flink?.pid,
  ]) {
    if (pid !== undefined && processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
  fs.rmSync(stackFile(stateDir), { force: true });
  process.stderr.write('local-stack: stopped\n');
}

function logsCommand(argv: string[]): void {
  const { values, positionals } = stackArgs(argv);
  const stateDir = path.resolve(values['state-dir'] ?? defaultStateDir());
  const lines = Number(values.lines ?? '50');
  const description = readStackFile(stateDir);
  const which = positionals[0];
  const files: Array<[string, string | undefined]> = [
    ['stack', path.join(stateDir, 'logs', 'stack.log')],
    ['kinesis', description?.kinesis?.logFile],
    ['opensearch', description?.opensearch?.logFile],
    ['flink', description?.flink?.logFile],
  ];
  for (const [name, file] of files) {
    if (which !== undefined && which !== name) continue;
    if (!file || !fs.existsSync(file)) continue;
    process.stdout.write(`==> ${name}: ${file} <==\n${logTail(file, lines)}\n`);
  }
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'kinesis':
      return kinesisCommand(rest);
    case 'up':
      return upCommand(rest);
    case 'serve':
      return serveCommand(rest);
    case 'status':
      return statusCommand(rest);
    case 'down':
      return downCommand(rest);
    case 'logs':
      return logsCommand(rest);
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
