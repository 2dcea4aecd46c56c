import { hash } from 'node:crypto';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { encodeAggregate, type UserRecord } from '@pipeline/kpl-aggregation';
import { KinesisProducer } from '../src/index.js';

/**
 * (a) Encode throughput on one core: the producer's whole path (validate, hash, predict shard, aggregate, limit,
 * collect, SDK serialization with base64) against a request handler that answers without parsing the records, next
 * to a floor measured in the same run that only hashes keys, encodes aggregates (with the MD5 trailer) and base64s.
 */
const SHARDS = 8;
const MAX = (1n << 128n) - 1n;
const shardEnds = Array.from({ length: SHARDS }, (_, i) =>
  i === SHARDS - 1 ? MAX : (MAX / BigInt(SHARDS)) * BigInt(i + 1),
);
const shardIds = shardEnds.map((_, i) => `shardId-${String(i).padStart(12, '0')}`);

function shardOf(hashKey: bigint): string {
  const i = shardEnds.findIndex((end) => hashKey <= end);
  return shardIds[i]!;
}

/** Answers PutRecords by scanning the body for explicit hash keys (every aggregate carries one). */
export function lightweightClient(): KinesisClient {
  const handle = async (request: { headers: Record<string, string>; body: string | Uint8Array }) => {
    const target = request.headers['x-amz-target'] ?? '';
    let payload: unknown;
    if (target.endsWith('ListShards')) {
      payload = {
        Shards: shardEnds.map((end, i) => ({
          ShardId: shardIds[i],
          HashKeyRange: {
            StartingHashKey: (i === 0 ? 0n : shardEnds[i - 1]! + 1n).toString(),
            EndingHashKey: end.toString(),
          },
          SequenceNumberRange: { StartingSequenceNumber: '0' },
        })),
      };
    } else if (target.endsWith('DescribeStreamSummary')) {
      payload = { StreamDescriptionSummary: { StreamName: 'bench', StreamStatus: 'ACTIVE' } };
    } else {
      const raw = request.body;
      const body =
        typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
      const records: Array<{ ShardId: string; SequenceNumber: string }> = [];
      const marker = '"ExplicitHashKey":"';
      let at = body.indexOf(marker);
      let seq = 0;
      while (at !== -1) {
        const start = at + marker.length;
        const end = body.indexOf('"', start);
        records.push({ ShardId: shardOf(BigInt(body.slice(start, end))), SequenceNumber: String(seq++) });
        at = body.indexOf(marker, end);
      }
      if (countOf(body, '"PartitionKey":"') !== records.length) {
        // A record sent alone has no explicit hash key: route it the slow way.
        const parsed = JSON.parse(body) as { Records: Array<{ PartitionKey: string; ExplicitHashKey?: string }> };
        records.length = 0;
        for (const entry of parsed.Records) {
          const key = entry.ExplicitHashKey ?? BigInt(`0x${hash('md5', entry.PartitionKey, 'hex')}`).toString();
          records.push({ ShardId: shardOf(BigInt(key)), SequenceNumber: String(seq++) });
        }
      }
      payload = { FailedRecordCount: 0, Records: records };
    }
    const bytes = Buffer.from(JSON.stringify(payload));
    return { response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: bytes } };
  };
  return new KinesisClient({
    region: 'us-east-1',
    endpoint: 'http://bench.invalid',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    requestHandler: { handle } as never,
  });
}

function countOf(text: string, marker: string): number {
  let count = 0;
  for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + marker.length)) count++;
  return count;
}

export function makeRecords(count: number, size: number): Array<{ partitionKey: string; data: Uint8Array }> {
  const payload = Buffer.alloc(size, 'x');
  return Array.from({ length: count }, (_, i) => ({ partitionKey: `trip-${i}`, data: payload }));
}

function baseline(records: ReadonlyArray<{ partitionKey: string; data: Uint8Array }>): number {
  const started = process.hrtime.bigint();
  let chunk: UserRecord[] = [];
  let size = 0;
  let sink = 0;
  for (const record of records) {
    const digest = hash('md5', record.partitionKey, 'buffer');
    sink += digest[0]!;
    chunk.push(record);
    size += record.data.length + record.partitionKey.length + 6;
    if (size >= 51_000) {
      sink += Buffer.from(encodeAggregate(chunk)).toString('base64').length;
      chunk = [];
      size = 0;
    }
  }
  if (chunk.length) sink += Buffer.from(encodeAggregate(chunk)).toString('base64').length;
  if (sink < 0) console.log(sink);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

export async function producerRun(records: ReadonlyArray<{ partitionKey: string; data: Uint8Array }>): Promise<number> {
  const producer = new KinesisProducer({
    streamName: 'bench',
    client: lightweightClient(),
    // The limiter is not what this measures: 8 shards at 150% would cap 200 B records at ~60k/s.
    rateLimit: 10_000,
    metricsInterval: 0,
  });
  await producer.put({ partitionKey: 'warm-up', data: 'x' });
  const started = process.hrtime.bigint();
  let failures = 0;
  for await (const outcome of producer.putAll(records)) if (!outcome.ok) failures++;
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await producer.close();
  if (failures) throw new Error(`${failures} records failed`);
  return seconds;
}

export async function benchEncode(): Promise<void> {
  console.log(
    '\n(a) encode throughput on one core — producer (full path, SDK serialization) vs floor (hash + encode + MD5 + base64)',
  );
  console.log('default options but rateLimit 10000%, 8 shards; best of 3 runs each');
  console.log('record size | producer rec/s | producer MB/s | floor rec/s | ratio');
  for (const size of [100, 200, 1024]) {
    const count = size >= 1024 ? 150_000 : 300_000;
    const records = makeRecords(count, size);
    baseline(records.slice(0, 50_000));
    await producerRun(records.slice(0, 50_000));
    const floor = Math.min(baseline(records), baseline(records), baseline(records));
    const producer = Math.min(await producerRun(records), await producerRun(records), await producerRun(records));
    const rate = count / producer;
    const floorRate = count / floor;
    console.log(
      `${String(size).padStart(6)} B    | ${Math.round(rate).toLocaleString('en-US').padStart(14)} | ${((rate * size) / 1e6).toFixed(1).padStart(12)} | ${Math.round(floorRate).toLocaleString('en-US').padStart(11)} | ${(rate / floorRate).toFixed(2)}× (aim ≥ 0.60)`,
    );
  }
}
