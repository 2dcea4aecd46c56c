// Each stage of the local Firehose on its own: shard reader, processor, Parquet writer, error output, checkpoint and
// the delivery loop. The engines' integration test (test/integration/firehose-delivery.test.ts) runs them together.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { encodeAggregate } from '@pipeline/kpl-aggregation';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointMismatchError, readCheckpoint, writeCheckpoint } from '../../src/firehose/checkpoint.js';
import { DeliveryLoop, emptyStats } from '../../src/firehose/delivery-loop.js';
import { errorEntry, writeErrorObjects } from '../../src/firehose/error-output.js';
import type { SourceRecord } from '../../src/firehose/event.js';
import { ParquetWriter } from '../../src/firehose/parquet-writer.js';
import { invokeProcessor, lambdaContext } from '../../src/firehose/processor.js';
import { describeStream, type KinesisCall, ShardReader } from '../../src/firehose/shard-reader.js';
import { KinesisApiError } from '../../src/internal/http-json.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'firehose-stages-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

interface FakeShard {
  id: string;
  parent?: string;
  records: { seq: string; data: Uint8Array; pk: string }[];
  closed: boolean;
}

/** A Kinesis API over in-memory shards: ListShards, GetShardIterator, GetRecords, DescribeStreamSummary. */
function fakeKinesis(shards: FakeShard[], calls: string[] = []): KinesisCall {
  return async <T>(operation: string, body: unknown): Promise<T> => {
    const b = body as Record<string, string | number>;
    calls.push(operation);
    switch (operation) {
      case 'DescribeStreamSummary':
        return {
          StreamDescriptionSummary: {
            StreamARN: `arn:aws:kinesis:us-east-1:0:stream/${b.StreamName}`,
            StreamCreationTimestamp: 1700000000,
          },
        } as T;
      case 'ListShards':
        return { Shards: shards.map((s) => ({ ShardId: s.id, ParentShardId: s.parent })) } as T;
      case 'GetShardIterator': {
        const shard = shards.find((s) => s.id === b.ShardId) as FakeShard;
        const start =
          b.ShardIteratorType === 'TRIM_HORIZON'
            ? 0
            : shard.records.findIndex((r) => r.seq === b.StartingSequenceNumber) + 1;
        return { ShardIterator: `${shard.id}:${start}` } as T;
      }
      case 'GetRecords': {
        const [id, from] = String(b.ShardIterator).split(':');
        if (id === 'expired') throw new KinesisApiError('ExpiredIteratorException', 400, 'expired');
        const shard = shards.find((s) => s.id === id) as FakeShard;
        const records = shard.records.slice(Number(from));
        const next = Number(from) + records.length;
        return {
          Records: records.map((r) => ({
            Data: Buffer.from(r.data).toString('base64'),
            PartitionKey: r.pk,
            SequenceNumber: r.seq,
            ApproximateArrivalTimestamp: 1700000000,
          })),
          NextShardIterator: shard.closed && next >= shard.records.length ? null : `${shard.id}:${next}`,
          MillisBehindLatest: 0,
        } as T;
      }
      default:
        throw new Error(`unexpected ${operation}`);
    }
  };
}

const text = (data: Uint8Array) => Buffer.from(data).toString('utf8');
const record = (seq: string, data: string, pk = 'pk') => ({ seq, data: Buffer.from(data), pk });

describe('shard reader', () => {
  it('reads a parent to its end before its children, de-aggregates, and reports positions', async () => {
    const aggregate = encodeAggregate([
      { partitionKey: 'a', data: Buffer.from('agg-0') },
      { partitionKey: 'b', data: Buffer.from('agg-1') },
    ]);
    const shards: FakeShard[] = [
      { id: 'parent', records: [record('1', 'p1'), { seq: '2', data: aggregate, pk: 'x' }], closed: true },
      { id: 'child', parent: 'parent', records: [record('3', 'c1')], closed: false },
    ];
    const reader = new ShardReader(fakeKinesis(shards), 's', {});
    const first = await reader.poll();
    expect(first.records.map((r) => [r.shardId, text(r.data), r.subsequenceNumber])).toEqual([
      ['parent', 'p1', undefined],
      ['parent', 'agg-0', 0],
      ['parent', 'agg-1', 1],
      ['child', 'c1', undefined],
    ]);
    expect(first.kinesisRecords).toBe(3);
    expect(reader.refreshPending).toBe(true);
    shards[1]?.records.push(record('4', 'c2'));
    const second = await reader.poll();
    expect(second.records.map((r) => text(r.data))).toEqual(['c2']);
    expect(reader.positions()).toEqual({
      parent: { sequenceNumber: '2', closed: true },
      child: { sequenceNumber: '4' },
    });
  });

  it('resumes after the checkpointed sequence number and skips closed shards', async () => {
    const shards: FakeShard[] = [
      { id: 'done', records: [record('1', 'old')], closed: true },
      { id: 'open', records: [record('5', 'seen'), record('6', 'new')], closed: false },
    ];
    const reader = new ShardReader(fakeKinesis(shards), 's', {
      done: { sequenceNumber: '1', closed: true },
      open: { sequenceNumber: '5' },
    });
    expect((await reader.poll()).records.map((r) => text(r.data))).toEqual(['new']);
  });

  it('reads the stream identity a checkpoint is tied to', async () => {
    expect(await describeStream(fakeKinesis([]), 'trips')).toEqual({
      streamName: 'trips',
      streamArn: 'arn:aws:kinesis:us-east-1:0:stream/trips',
      creationTimestamp: 1700000000,
    });
  });
});

describe('checkpoint', () => {
  const stream = { streamName: 's', streamArn: 'arn:aws:kinesis:us-east-1:0:stream/s', creationTimestamp: 100 };

  it('round-trips positions and refuses another stream, naming both', () => {
    const file = path.join(scratch, 'cp.json');
    const checkpoint = readCheckpoint(file, stream);
    checkpoint.shards.a = { sequenceNumber: '7' };
    writeCheckpoint(file, checkpoint);
    expect(readCheckpoint(file, stream).shards).toEqual({ a: { sequenceNumber: '7' } });
    const recreated = { ...stream, creationTimestamp: 200 };
    expect(() => readCheckpoint(file, recreated)).toThrow(CheckpointMismatchError);
    expect(() => readCheckpoint(file, recreated)).toThrow(
      /belongs to stream s \(arn:.*created 1970-01-01T00:01:40.000Z\).*reads s \(arn:.*created 1970-01-01T00:03:20.000Z\)/,
    );
  });
});

describe('processor', () => {
  const event = {
    invocationId: 'i',
    deliveryStreamArn: 'd',
    region: 'us-east-1',
    records: [{ recordId: 'r1', approximateArrivalTimestamp: 0, data: Buffer.from('x').toString('base64') }],
  } as FirehoseTransformationEvent;
  const ok = { records: [{ recordId: 'r1', result: 'Ok' as const, data: Buffer.from('y').toString('base64') }] };

  it('counts down the context from the time-out', () => {
    const context = lambdaContext('arn:aws:lambda:us-east-1:0:function:fn', Date.now() + 5_000);
    expect(context.functionName).toBe('fn');
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(5_000);
  });

  it('retries failures and stops at the first good response', async () => {
    let calls = 0;
    const outcome = await invokeProcessor(
      {
        handler: async () => {
          calls++;
          if (calls < 3) throw new Error(`boom ${calls}`);
          return ok;
        },
        retries: 3,
        timeoutMs: 1_000,
        lambdaArn: 'arn:aws:lambda:us-east-1:0:function:fn',
      },
      event,
    );
    expect(outcome).toMatchObject({ attempts: 3, failures: 2 });
    expect(outcome.checked?.[0]?.result).toBe('Ok');
  });

  it("times out a hanging handler with Lambda's message, after all retries", async () => {
    const outcome = await invokeProcessor(
      { handler: () => new Promise(() => undefined), retries: 1, timeoutMs: 20, lambdaArn: 'arn:x:fn' },
      event,
    );
    expect(outcome).toMatchObject({ attempts: 2, failures: 2, error: 'Task timed out after 0.02 seconds' });
    expect(outcome.checked).toBeUndefined();
  });
});

describe('Parquet writer', () => {
  it('writes typed columns that DuckDB reads back', async () => {
    const writer = await ParquetWriter.open(
      [
        { name: 'id', type: 'long', nullable: false },
        { name: 'name', type: 'string', nullable: true },
        { name: 'ts', type: 'timestamp', nullable: true },
      ],
      scratch,
    );
    try {
      await writer.write('out/a.parquet', [
        [1n, 'one', 1_700_000_000_000_000n],
        [2n, null, null],
      ]);
    } finally {
      writer.close();
    }
    const duck = await DuckDBInstance.create(':memory:');
    const connection = await duck.connect();
    const file = path.join(scratch, 'out', 'a.parquet');
    const reader = await connection.runAndReadAll(
      `SELECT id::INTEGER AS id, name, epoch_ms(ts)::DOUBLE AS ms FROM read_parquet('${file}') ORDER BY id`,
    );
    expect(reader.getRowObjectsJson()).toEqual([
      { id: 1, name: 'one', ms: 1_700_000_000_000 },
      { id: 2, name: null, ms: null },
    ]);
    connection.closeSync();
    duck.closeSync();
  });
});

describe('error output', () => {
  const source: SourceRecord = {
    data: Buffer.from('raw'),
    arrivalTimestamp: Date.UTC(2024, 0, 2, 3),
    shardId: 'shardId-0',
    partitionKey: 'pk',
    sequenceNumber: '42',
    subsequenceNumber: 1,
  };
  const catalog = {
    catalogId: '0',
    databaseName: 'db',
    tableName: 't',
    region: 'us-east-1',
    versionId: 'LATEST',
    catalogArn: 'arn:aws:glue:us-east-1:0:catalog',
  };

  it('writes Firehose-shaped lines, one object per error type under its prefix', () => {
    const context = { lambdaArn: 'arn:aws:lambda:us-east-1:0:function:fn', catalog };
    const failed = errorEntry(
      { type: 'processing-failed', record: source, code: 'Lambda.X', message: 'm', raw: source.data, attempts: 4 },
      context,
    );
    const conversion = errorEntry(
      {
        type: 'format-conversion-failed',
        record: source,
        code: 'C',
        message: 'bad',
        raw: Buffer.from('{'),
        attempts: 1,
      },
      context,
    );
    expect(JSON.parse(failed.line)).toMatchObject({
      attemptsMade: 4,
      errorCode: 'Lambda.X',
      errorMessage: 'm',
      rawData: Buffer.from('raw').toString('base64'),
      lambdaArn: context.lambdaArn,
    });
    expect(JSON.parse(conversion.line)).toMatchObject({
      ErrorCode: 'C',
      sequenceNumber: '42',
      subSequenceNumber: 1,
      dataCatalogTable: catalog,
    });
    const keys = writeErrorObjects([failed, conversion, failed], {
      bucketDir: scratch,
      errorPrefixFor: (type) => `errors/!{firehose:error-output-type}/${type.length}/`,
      objectName: () => 'object',
    });
    expect(keys).toEqual(['errors/processing-failed/17/object', 'errors/format-conversion-failed/24/object']);
    expect(
      fs
        .readFileSync(path.join(scratch, keys[0] as string), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(2);
  });
});

describe('delivery loop', () => {
  const sourceRecord = (n: number, bytes = 10): SourceRecord => ({
    data: Buffer.alloc(bytes, n),
    arrivalTimestamp: 0,
    shardId: 's',
    partitionKey: 'pk',
    sequenceNumber: String(n),
    subsequenceNumber: undefined,
  });

  function harness(rounds: SourceRecord[][], settings: { sizeBytes: number; intervalMs: number }) {
    const delivered: number[][] = [];
    let checkpoints = 0;
    let failNext = false;
    const stats = emptyStats();
    const loop = new DeliveryLoop(
      {
        read: async () => {
          const records = rounds.shift() ?? [];
          return { records, kinesisRecords: records.length, behind: false, refreshPending: false };
        },
        deliver: async (batch) => {
          if (failNext) {
            failNext = false;
            throw new Error('disk full');
          }
          delivered.push(batch.map((r) => Number(r.sequenceNumber)));
        },
        checkpoint: () => {
          checkpoints++;
        },
      },
      { ...settings, pollIntervalMs: 5, errorBackoffMs: 5 },
      stats,
    );
    return {
      loop,
      stats,
      delivered,
      checkpoints: () => checkpoints,
      failOnce: () => {
        failNext = true;
      },
    };
  }

  it('delivers when the size hint is reached, and the rest on flush', async () => {
    const h = harness([[sourceRecord(1), sourceRecord(2)], [sourceRecord(3)]], { sizeBytes: 20, intervalMs: 60_000 });
    await h.loop.flush();
    expect(h.delivered).toEqual([[1, 2, 3]]);
    expect(h.stats).toMatchObject({ kinesisRecords: 3, userRecords: 3, deliveries: 1 });
    expect(h.checkpoints()).toBe(1);
  });

  it('delivers in the background by size, keeps a failed batch for the next attempt, and stops with a flush', async () => {
    const h = harness([[sourceRecord(1), sourceRecord(2)], [], [sourceRecord(3)]], {
      sizeBytes: 20,
      intervalMs: 60_000,
    });
    h.failOnce();
    const errors: unknown[] = [];
    (h.loop as unknown as { settings: { onError: (e: unknown) => void } }).settings.onError = (e) => errors.push(e);
    h.loop.start();
    for (let i = 0; i < 400 && h.stats.userRecords < 3; i++) await new Promise((r) => setTimeout(r, 5));
    expect(errors.map((e) => (e as Error).message)).toEqual(['disk full']);
    expect(h.delivered).toEqual([[1, 2]]);
    await h.loop.stop();
    expect(h.delivered).toEqual([[1, 2], [3]]);
    expect(h.loop.lastError).toBeInstanceOf(Error);
  });

  it('delivers by the interval hint, and stop({ flush: false }) leaves the buffer undelivered', async () => {
    const byInterval = harness([[sourceRecord(1)]], { sizeBytes: 1e9, intervalMs: 0 });
    byInterval.loop.start();
    for (let i = 0; i < 200 && byInterval.delivered.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await byInterval.loop.stop();
    expect(byInterval.delivered).toEqual([[1]]);

    const crash = harness([[sourceRecord(1)]], { sizeBytes: 1e9, intervalMs: 60_000 });
    crash.loop.start();
    for (let i = 0; i < 200 && crash.stats.userRecords === 0; i++) await new Promise((r) => setTimeout(r, 5));
    await crash.loop.stop(false);
    expect(crash.delivered).toEqual([]);
    expect(crash.checkpoints()).toBe(0);
  });
});
