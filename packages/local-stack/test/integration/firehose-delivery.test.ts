// Local Firehose delivery against the shared kinesis-mock and real DuckDB: taxi trips (some KPL-aggregated, a few
// bad rows) → examples/taxi's transform handler → Parquet with Snappy under the partitioned prefix, failures as
// Firehose-format JSON lines under the error prefix, resharding and checkpoint restarts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { encodeAggregate } from '@pipeline/kpl-aggregation';
import { defineSchema, field } from '@pipeline/schema';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
// The example is imported by relative path from the test only; local-stack does not depend on it.
import { generateTrips } from '../../../../examples/taxi/src/generator.js';
import { enrichedTripSchema } from '../../../../examples/taxi/src/schema.js';
import { handler as taxiHandler } from '../../../../examples/taxi/src/transform.js';
import { CheckpointMismatchError } from '../../src/firehose/checkpoint.js';
import { startFirehoseDelivery } from '../../src/firehose/delivery.js';
import { kinesisCall } from '../../src/internal/http-json.js';
import { type KinesisEmulator, startKinesis } from '../../src/kinesis/emulator.js';
import { uniqueStream } from './helpers.js';

const endpoint = () => inject('kinesisMockEndpoint');
const call = <T = Record<string, unknown>>(op: string, body: unknown) => kinesisCall<T>(endpoint(), op, body);

async function createStream(name: string, shards: number): Promise<void> {
  await call('CreateStream', { StreamName: name, ShardCount: shards });
  for (let i = 0; i < 400; i++) {
    const s = await call<{ StreamDescriptionSummary: { StreamStatus: string } }>('DescribeStreamSummary', {
      StreamName: name,
    });
    if (s.StreamDescriptionSummary.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`stream ${name} not ACTIVE`);
}

async function putRecords(name: string, entries: { data: Uint8Array; partitionKey: string }[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 500) {
    const chunk = entries.slice(i, i + 500);
    const answer = await call<{ FailedRecordCount?: number }>('PutRecords', {
      StreamName: name,
      Records: chunk.map((e) => ({ Data: Buffer.from(e.data).toString('base64'), PartitionKey: e.partitionKey })),
    });
    expect(answer.FailedRecordCount ?? 0).toBe(0);
  }
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

async function creationTime(emulator: KinesisEmulator, stream: string): Promise<number> {
  const summary = await kinesisCall<{ StreamDescriptionSummary: { StreamCreationTimestamp: number } }>(
    emulator.endpoint,
    'DescribeStreamSummary',
    { StreamName: stream },
  );
  return Number(summary.StreamDescriptionSummary.StreamCreationTimestamp);
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

function errorLines(bucket: string, type: string): Record<string, unknown>[] {
  return listFiles(bucket)
    .filter((f) => f.startsWith(`errors/${type}/`))
    .flatMap((f) =>
      fs
        .readFileSync(path.join(bucket, f), 'utf8')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
}

let duck: DuckDBInstance;
async function query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const connection = await duck.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as T[];
  } finally {
    connection.closeSync();
  }
}

let tmp: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'firehose-delivery-'));
  duck = await DuckDBInstance.create(':memory:');
});
afterAll(() => {
  duck?.closeSync();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const TAXI_PREFIX =
  'nyctaxitrips/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/';
const ERROR_PREFIX = 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/';

describe('startFirehoseDelivery', () => {
  it('delivers taxi trips through the taxi transform into partitioned Parquet, failures under the error prefix', async () => {
    const stream = uniqueStream('firehose-taxi');
    await createStream(stream, 2);
    const trips = generateTrips({ count: 300, seed: 7, tripsPerMinute: 2 });
    const bad = [
      { ...trips[0], id: 'bad-id' },
      { ...trips[1], pickupLatitude: 200 },
      { ...trips[2], pickupDate: '2016-01-08T20:50:00' },
      'not json at all',
    ];
    const plain = trips.slice(0, 200).map((t) => ({ data: json(t), partitionKey: t.id }));
    const aggregated: { data: Uint8Array; partitionKey: string }[] = [];
    for (let i = 200; i < 300; i += 25) {
      const users = trips.slice(i, i + 25).map((t) => ({ partitionKey: t.id, data: json(t) }));
      aggregated.push({ data: encodeAggregate(users), partitionKey: users[0]?.partitionKey ?? 'x' });
    }
    const badEntries = bad.map((b, i) => ({
      data: typeof b === 'string' ? Buffer.from(b) : json(b),
      partitionKey: `bad-${i}`,
    }));
    await putRecords(stream, [...plain, ...aggregated, ...badEntries]);

    const bucket = path.join(tmp, 'taxi');
    const seenEvents: FirehoseTransformationEvent[] = [];
    const delivery = await startFirehoseDelivery({
      kinesisEndpoint: endpoint(),
      streamName: stream,
      handler: (event, context) => {
        seenEvents.push(event);
        return taxiHandler(event, context);
      },
      schema: enrichedTripSchema,
      bucketDir: bucket,
      prefix: TAXI_PREFIX,
      errorOutputPrefix: ERROR_PREFIX,
      bufferingHints: { sizeInMBs: 1, intervalInSeconds: 900 },
      checkpointFile: path.join(tmp, 'taxi-checkpoint.json'),
    });
    try {
      await delivery.flush();
    } finally {
      await delivery.stop();
    }

    const stats = delivery.stats;
    expect(stats.kinesisRecords).toBe(200 + 4 + 4);
    expect(stats.userRecords).toBe(304);
    expect(stats.ok).toBe(300);
    expect(stats.processingFailed).toBe(4);
    expect(stats.formatConversionFailed).toBe(0);

    // Real-shaped events: base64 data, record ids, stream ARN, subsequence numbers for aggregated records only.
    const records = seenEvents.flatMap((e) => e.records);
    expect(records).toHaveLength(304);
    expect(new Set(records.map((r) => r.recordId)).size).toBe(304);
    expect(seenEvents[0]?.sourceKinesisStreamArn).toBe(`arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`);
    const subs = records.map((r) => r.kinesisRecordMetadata?.subsequenceNumber);
    expect(subs.filter((s) => s === '')).toHaveLength(204);
    expect(new Set(subs.filter((s) => s !== ''))).toEqual(new Set(Array.from({ length: 25 }, (_, i) => String(i))));

    // Parquet: row count, column types, partitioned layout.
    const glob = `${bucket}/nyctaxitrips/**/*.parquet`;
    const [count] = await query<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM read_parquet('${glob}')`);
    expect(count?.n).toBe(300);
    const described = await query<{ column_name: string; column_type: string }>(
      `DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = false)`,
    );
    const expectedType = { string: 'VARCHAR', int: 'INTEGER', double: 'DOUBLE', timestamp: 'TIMESTAMP WITH TIME ZONE' };
    expect(described.map((d) => [d.column_name, d.column_type])).toEqual(
      Object.entries(enrichedTripSchema.fields).map(([name, f]) => [
        name,
        expectedType[f.type as keyof typeof expectedType],
      ]),
    );
    const [codec] = await query<{ codec: string }>(
      `SELECT DISTINCT compression AS codec FROM parquet_metadata('${glob}')`,
    );
    expect(codec?.codec).toBe('SNAPPY');
    const mismatched = await query<{ n: number }>(
      `SELECT count(*)::INTEGER AS n FROM read_parquet('${glob}', hive_partitioning = true)
       WHERE strftime(pickupDate AT TIME ZONE 'UTC', '%Y/%m/%d/%H') <> concat_ws('/', year, month, day, hour)`,
    );
    expect(mismatched[0]?.n).toBe(0);
    const files = listFiles(bucket);
    for (const f of files.filter((f) => f.endsWith('.parquet'))) {
      expect(f).toMatch(
        /^nyctaxitrips\/year=\d{4}\/month=\d{2}\/day=\d{2}\/hour=\d{2}\/[\w-]+-1-[\d-]{19}-[0-9a-f-]{36}\.parquet$/,
      );
    }
    const [sources] = await query<{ s: string }>(
      `SELECT string_agg(DISTINCT source) AS s FROM read_parquet('${glob}')`,
    );
    expect(sources?.s).toBe('NYCTAXI');

    // Every failed record under its error prefix with its raw data.
    const failed = errorLines(bucket, 'processing-failed');
    expect(failed).toHaveLength(4);
    expect(failed.map((l) => Buffer.from(l.rawData as string, 'base64').toString('utf8')).sort()).toEqual(
      badEntries.map((b) => Buffer.from(b.data).toString('utf8')).sort(),
    );
    for (const line of failed) {
      expect(line).toMatchObject({ errorCode: 'Lambda.ProcessingFailedStatus', attemptsMade: 1 });
      expect(typeof line.arrivalTimestamp).toBe('number');
      expect(line.lambdaArn).toMatch(/^arn:aws:lambda:/);
    }
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '/');
    expect(files.some((f) => f.startsWith(`errors/processing-failed/${today}/`))).toBe(true);

    const checkpoint = JSON.parse(fs.readFileSync(path.join(tmp, 'taxi-checkpoint.json'), 'utf8'));
    expect(Object.keys(checkpoint.shards)).toHaveLength(2);
  });

  const looseSchema = defineSchema({
    name: 'reading',
    fields: {
      id: field.string(),
      at: field.timestamp(),
      value: field.double({ nullable: true }),
      count: field.long({ nullable: true }),
      flag: field.boolean({ nullable: true }),
    },
  });

  /** Passes every record through unchanged (Ok), so the conversion sees exactly what the producer sent. */
  const passThrough = (event: FirehoseTransformationEvent): FirehoseTransformationResult => ({
    records: event.records.map((r) => ({ recordId: r.recordId, result: 'Ok', data: r.data })),
  });

  it('applies the OpenX JSON rules: case-insensitive keys, unknown keys dropped, the timestamp rule', async () => {
    const stream = uniqueStream('firehose-openx');
    await createStream(stream, 1);
    const good = [
      { ID: 'a', At: '2024-05-01T10:00:00Z', VALUE: 1.5, extra: 'dropped' },
      { id: 'b', at: '2024-5-1 10:00:00.250', count: '42', flag: 'TRUE' },
      { id: 'c', at: 1714557600, value: null },
      { id: 'd', at: 1714557600123 },
    ];
    const bad = [
      { id: 'e', at: '2024-05-01T10:00:00' },
      { id: 'f', at: '2024-05-01T10:00:00+02:00' },
      { id: 'g', at: '2024-05-01' },
      { id: 'h', at: '2024-05-01T10:00:00Z', value: 'x' },
      { at: '2024-05-01T10:00:00Z' },
    ];
    await putRecords(
      stream,
      [...good, ...bad].map((o, i) => ({ data: json(o), partitionKey: String(i) })),
    );
    const bucket = path.join(tmp, 'openx');
    const delivery = await startFirehoseDelivery({
      kinesisEndpoint: endpoint(),
      streamName: stream,
      handler: passThrough,
      schema: looseSchema,
      bucketDir: bucket,
      prefix: 'readings/!{timestamp:yyyy}/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      bufferingHints: { sizeInMBs: 1, intervalInSeconds: 900 },
    });
    await delivery.flush();
    await delivery.stop();
    expect(delivery.stats).toMatchObject({ ok: 9, formatConversionFailed: 5, rows: 4 });
    const rows = await query<{
      id: string;
      at: string;
      value: number | null;
      count: string | null;
      flag: boolean | null;
    }>(
      `SELECT id, strftime("at" AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%g') AS "at", value, count::VARCHAR AS count, flag
       FROM read_parquet('${bucket}/readings/**/*.parquet') ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 'a', at: '2024-05-01T10:00:00.000', value: 1.5, count: null, flag: null },
      { id: 'b', at: '2024-05-01T10:00:00.250', value: null, count: '42', flag: true },
      { id: 'c', at: '2024-05-01T10:00:00.000', value: null, count: null, flag: null },
      { id: 'd', at: '2024-05-01T10:00:00.123', value: null, count: null, flag: null },
    ]);
    const failed = errorLines(bucket, 'format-conversion-failed');
    expect(failed.map((l) => JSON.parse(Buffer.from(l.rawData as string, 'base64').toString('utf8')))).toEqual(
      expect.arrayContaining(bad),
    );
    for (const line of failed) {
      expect(line).toMatchObject({ ErrorCode: 'DataFormatConversion.MalformedData', attemptsMade: 1 });
      expect(line.dataCatalogTable).toMatchObject({ tableName: 'reading', versionId: 'LATEST' });
      expect(typeof line.sequenceNumber).toBe('string');
    }
  });

  it('follows child shards after a split and resumes from the checkpoint after a restart', async () => {
    const stream = uniqueStream('firehose-reshard');
    await createStream(stream, 1);
    const bucket = path.join(tmp, 'reshard');
    const checkpointFile = path.join(tmp, 'reshard-checkpoint.json');
    const put = (from: number, to: number) =>
      putRecords(
        stream,
        Array.from({ length: to - from }, (_, i) => ({
          data: json({ id: `r${from + i}`, at: '2024-05-01T10:00:00Z' }),
          partitionKey: `k${from + i}`,
        })),
      );
    const start = () =>
      startFirehoseDelivery({
        kinesisEndpoint: endpoint(),
        streamName: stream,
        handler: passThrough,
        schema: looseSchema,
        bucketDir: bucket,
        prefix: 'r/',
        bufferingHints: { sizeInMBs: 1, intervalInSeconds: 900 },
        checkpointFile,
      });

    await put(0, 50);
    const first = await start();
    await first.flush();
    await first.stop();

    const shards = await call<{ Shards: { ShardId: string; HashKeyRange: { StartingHashKey: string } }[] }>(
      'ListShards',
      { StreamName: stream },
    );
    await call('SplitShard', {
      StreamName: stream,
      ShardToSplit: shards.Shards[0]?.ShardId,
      NewStartingHashKey: (2n ** 127n).toString(),
    });
    for (let i = 0; i < 400; i++) {
      const s = await call<{ StreamDescriptionSummary: { StreamStatus: string } }>('DescribeStreamSummary', {
        StreamName: stream,
      });
      if (s.StreamDescriptionSummary.StreamStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await put(50, 120);

    const second = await start();
    await second.flush();
    await second.stop();
    expect(second.stats.userRecords).toBe(70);

    const ids = await query<{ id: string }>(`SELECT id FROM read_parquet('${bucket}/r/*.parquet') ORDER BY id`);
    expect(ids.map((r) => r.id).sort()).toEqual(Array.from({ length: 120 }, (_, i) => `r${i}`).sort());
    const checkpoint = JSON.parse(fs.readFileSync(checkpointFile, 'utf8'));
    expect(Object.keys(checkpoint.shards)).toHaveLength(3);
    expect(Object.values(checkpoint.shards).filter((s) => (s as { closed?: boolean }).closed)).toHaveLength(1);
  });
  it('runs the leg twice against two fresh emulators: a stale checkpoint is refused naming both streams', {
    timeout: 180_000,
  }, async () => {
    const stream = 'trips-twice';
    const bucket = path.join(tmp, 'twice');
    const checkpointFile = path.join(tmp, 'twice-checkpoint.json');
    const stateDir = path.join(tmp, 'twice-state');
    const records = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ Data: json({ id: `t${i}` }).toString('base64'), PartitionKey: `k${i}` }));
    const runLeg = async (emulator: KinesisEmulator, count: number) => {
      await kinesisCall(emulator.endpoint, 'PutRecords', { StreamName: stream, Records: records(count) });
      const delivery = await startFirehoseDelivery({
        kinesisEndpoint: emulator.endpoint,
        streamName: stream,
        handler: passThrough,
        schema: looseSchema,
        bucketDir: bucket,
        prefix: 'twice/',
        bufferingHints: { sizeInMBs: 1, intervalInSeconds: 900 },
        checkpointFile,
      });
      await delivery.flush();
      await delivery.stop();
      return delivery.stats.userRecords;
    };

    const first = await startKinesis({ engine: 'kinesis-mock', streams: { [stream]: 1 }, stateDir });
    let firstCreated: number;
    try {
      firstCreated = await creationTime(first, stream);
      expect(await runLeg(first, 10)).toBe(10);
    } finally {
      await first.stop();
    }
    // A new stream of the same name must not share the first one's creation second.
    while (Math.floor(Date.now() / 1000) <= Math.floor(firstCreated)) await new Promise((r) => setTimeout(r, 100));
    const second = await startKinesis({ engine: 'kinesis-mock', streams: { [stream]: 1 }, stateDir });
    try {
      const error = await runLeg(second, 5).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(CheckpointMismatchError);
      const arn = second.streamArn(stream);
      expect((error as Error).message).toContain(`belongs to stream ${stream} (${arn}, created`);
      expect((error as Error).message).toContain(`reads ${stream} (${arn}, created`);
      expect((error as Error).message).not.toContain('Unable to find record');
      // Started clean (as the example does each run), the second leg reads the new stream from its start.
      fs.rmSync(checkpointFile);
      expect(await runLeg(second, 5)).toBe(10);
    } finally {
      await second.stop();
    }
  });

  it('delivers on the buffer interval in the background and fails a whole batch after the Lambda retries', async () => {
    const stream = uniqueStream('firehose-interval');
    await createStream(stream, 1);
    const bucket = path.join(tmp, 'interval');
    let calls = 0;
    const delivery = await startFirehoseDelivery({
      kinesisEndpoint: endpoint(),
      streamName: stream,
      handler: () => {
        calls++;
        throw new Error('boom');
      },
      schema: looseSchema,
      bucketDir: bucket,
      bufferingHints: { sizeInMBs: 1, intervalInSeconds: 0 },
      pollIntervalMs: 50,
    });
    try {
      await putRecords(stream, [{ data: json({ id: 'x', at: 0 }), partitionKey: 'p' }]);
      const deadline = Date.now() + 10_000;
      while (delivery.stats.deliveries === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    } finally {
      await delivery.stop();
    }
    expect(calls).toBe(4);
    expect(delivery.stats).toMatchObject({ deliveries: 1, processingFailed: 1, invocations: 4, invocationErrors: 4 });
    const today = new Date().toISOString().slice(0, 13).replace(/[-T]/g, '/');
    const [key] = delivery.objects;
    expect(key).toMatch(new RegExp(`^processing-failed/${today}/`));
    const [line] = fs
      .readFileSync(path.join(bucket, key as string), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(line).toMatchObject({ attemptsMade: 4, errorCode: 'Lambda.FunctionError' });
    expect(line.errorMessage).toContain('boom');
    expect(JSON.parse(Buffer.from(line.rawData, 'base64').toString('utf8'))).toEqual({ id: 'x', at: 0 });
  });
});
