import fs from 'node:fs';
import path from 'node:path';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { buildIfStale } from '@pipeline/java-toolchain';
import { kinesisClientConfig } from '@pipeline/local-stack';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { inject } from 'vitest';

export type Engine = 'kinesis-mock' | 'kinesalite';
export const ENGINES: Engine[] = ['kinesis-mock', 'kinesalite'];

/** Endpoint of the emulator started by the global setup. */
export function sharedEndpoint(engine: Engine): { endpoint: string; region: string; accountId: string } {
  return engine === 'kinesis-mock'
    ? {
        endpoint: inject('kinesisMockEndpoint'),
        region: inject('kinesisMockRegion'),
        accountId: inject('kinesisMockAccountId'),
      }
    : {
        endpoint: inject('kinesaliteEndpoint'),
        region: inject('kinesaliteRegion'),
        accountId: inject('kinesaliteAccountId'),
      };
}

/** HTTP/1.1 SDK client, no SDK retries. */
export function client(endpoint: string, region = 'us-east-1'): KinesisClient {
  return new KinesisClient({
    ...kinesisClientConfig({ endpoint, region }),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5_000, requestTimeout: 30_000 }),
    maxAttempts: 1,
  });
}

let counter = 0;
/** A stream name unique within the run. */
export function uniqueStream(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

export async function listShards(kinesis: KinesisClient, streamName: string): Promise<Shard[]> {
  const answer = await kinesis.send(new ListShardsCommand({ StreamName: streamName }));
  return answer.Shards ?? [];
}

/** Every record currently in the stream (all shards, TRIM_HORIZON), as UTF-8 data strings. */
export async function readAll(kinesis: KinesisClient, streamName: string): Promise<string[]> {
  const out: string[] = [];
  for (const shard of await listShards(kinesis, streamName)) {
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = ShardIterator;
    for (let i = 0; i < 20 && iterator; i++) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const record of page.Records ?? []) out.push(Buffer.from(record.Data ?? new Uint8Array()).toString('utf8'));
      if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/** Whether a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of live (non-zombie) child processes of this process (Linux /proc), or undefined without /proc. */
export function childPids(): number[] | undefined {
  if (!fs.existsSync('/proc/self/stat')) return undefined;
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...; comm may contain spaces, so parse after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid && fields[0] !== 'Z') pids.push(Number(entry));
    } catch {
      // process vanished
    }
  }
  return pids;
}

/** The Flink smoke job (java/flink-smoke-job), built into the cache folder unless it is up to date; its jar. */
export async function buildSmokeJob(): Promise<string> {
  const { dir } = await buildIfStale({
    name: 'flink-smoke-job',
    sourceDir: path.resolve(__dirname, '../../java/flink-smoke-job'),
    outputs: ['target/flink-smoke-job.jar'],
  });
  return path.join(dir, 'target', 'flink-smoke-job.jar');
}
