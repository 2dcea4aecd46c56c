import { ConfigurationError, KinesisProducer, type KinesisProducerOptions, PutRecordError } from '@pipeline/producer';
import { describe, expect, it } from 'vitest';
import { InProcessKinesis, networkError } from '../support/in-process-kinesis.js';
import { allUserData, rangeFrom, readLikeKcl } from '../support/kcl.js';

function setup(shards = 1, options: Partial<KinesisProducerOptions> = {}) {
  const kinesis = new InProcessKinesis(shards);
  const producer = new KinesisProducer({
    streamName: kinesis.streamName,
    client: kinesis.client(),
    recordMaxBufferedTime: 20,
    retryBaseDelay: 5,
    retryMaxDelay: 20,
    ...options,
  });
  return { kinesis, producer };
}

const records = (n: number, prefix = 'r') =>
  Array.from({ length: n }, (_, i) => ({ partitionKey: `${prefix}-${i}`, data: `${prefix}-${i}` }));

describe('KinesisProducer: configuration', () => {
  it.each([
    [{}, 'streamName'],
    [{ streamName: 'bad name!' }, 'streamName'],
    [{ streamName: 's', aggregationMaxSize: 10 }, 'aggregationMaxSize'],
    [{ streamName: 's', collectionMaxCount: 501 }, 'collectionMaxCount'],
    [{ streamName: 's', collectionMaxSize: 20 * 1024 * 1024 }, 'collectionMaxSize'],
    [{ streamName: 's', rateLimit: 0 }, 'rateLimit'],
    [{ streamName: 's', recordTtl: 1.5 }, 'recordTtl'],
    [{ streamName: 's', whenFull: 'drop' }, 'whenFull'],
    [{ streamName: 's', retryBaseDelay: 100, retryMaxDelay: 10 }, 'retryMaxDelay'],
    [{ streamARN: 'not-an-arn' }, 'streamARN'],
  ])('rejects %j naming %s', (options, option) => {
    const attempt = () => new KinesisProducer(options as KinesisProducerOptions);
    expect(attempt).toThrow(ConfigurationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigurationError).option).toBe(option);
      expect((error as Error).message).toMatch(new RegExp(`^${option}: `));
    }
  });
});

describe('KinesisProducer: put', () => {
  it('resolves with shard, sequence number and attempts once Kinesis accepted the record', async () => {
    const { kinesis, producer } = setup(2);
    const result = await producer.put({ partitionKey: 'a', data: 'hello' });
    expect(result.shardId).toMatch(/^shardId-/);
    expect(result.sequenceNumber).toMatch(/^\d+$/);
    expect(result.attempts).toHaveLength(1);
    expect(result.attempts[0]!.success).toBe(true);
    expect(allUserData(kinesis.records)).toEqual(['hello']);
    await producer.close();
  });

  it('sends strings as UTF-8 and bytes as they are', async () => {
    const { kinesis, producer } = setup();
    await Promise.all([
      producer.put({ partitionKey: 'k', data: 'héllo ✓' }),
      producer.put({ partitionKey: 'k', data: Uint8Array.of(0, 255, 7) }),
    ]);
    await producer.close();
    const stored = kinesis.records.flatMap((r) => allUserData([r]));
    expect(stored).toContain('héllo ✓');
    expect(kinesis.records.length).toBe(1); // one aggregate
  });

  it('aggregates only records predicted for the same shard; every aggregate lies inside its shard', async () => {
    const { kinesis, producer } = setup(4);
    const input = records(2000);
    await Promise.all(input.map((r) => producer.put(r)));
    await producer.close();
    const kcl = readLikeKcl(kinesis.records, rangeFrom(kinesis.shards));
    expect(kcl.droppedAggregates).toBe(0);
    expect(kcl.data.sort()).toEqual(input.map((r) => r.data).sort());
    const m = producer.metrics();
    expect(m.UserRecordsPut).toBe(2000);
    expect(m.KinesisRecordsPut).toBe(kinesis.records.length);
    expect(m.UserRecordsPerKinesisRecord.mean).toBeGreaterThan(10);
    expect(m.WrongShard).toBe(0);
  });

  it('sends every record alone when aggregation is off', async () => {
    const { kinesis, producer } = setup(2, { aggregationEnabled: false });
    await Promise.all(records(50).map((r) => producer.put(r)));
    await producer.close();
    expect(kinesis.records).toHaveLength(50);
    expect(producer.metrics().UserRecordsPerKinesisRecord.max).toBe(1);
  });

  it('honours explicit hash keys for routing', async () => {
    const { kinesis, producer } = setup(2);
    const low = await producer.put({ partitionKey: 'x', data: 'low', explicitHashKey: '0' });
    const high = await producer.put({
      partitionKey: 'x',
      data: 'high',
      explicitHashKey: ((1n << 128n) - 1n).toString(),
    });
    expect(low.shardId).toBe(kinesis.shards[0]!.shardId);
    expect(high.shardId).toBe(kinesis.shards[1]!.shardId);
    await producer.close();
  });

  it('caps PutRecords at collectionMaxCount entries and collectionMaxSize bytes', async () => {
    const { kinesis, producer } = setup(1, { aggregationEnabled: false, collectionMaxSize: 60 * 1024 });
    const big = 'x'.repeat(10 * 1024);
    await Promise.all(Array.from({ length: 30 }, (_, i) => producer.put({ partitionKey: `k${i}`, data: big })));
    await Promise.all(records(1200).map((r) => producer.put(r)));
    await producer.close();
    for (const call of kinesis.callsOf('PutRecords')) {
      const entries = call.body.Records as Array<{ Data: string; PartitionKey: string }>;
      expect(entries.length).toBeLessThanOrEqual(500);
      const bytes = entries.reduce(
        (sum, e) => sum + Buffer.from(e.Data, 'base64').length + Buffer.byteLength(e.PartitionKey),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(60 * 1024);
    }
  });
});

describe('KinesisProducer: validation', () => {
  it('rejects an oversize record naming its size and the limit', async () => {
    const { producer } = setup();
    await producer.put({ partitionKey: 'warm-up', data: 'x' });
    const error = await producer.put({ partitionKey: 'pk', data: new Uint8Array(1024 * 1024) }).catch((e) => e);
    expect(error).toBeInstanceOf(PutRecordError);
    expect(error.code).toBe('RecordTooLarge');
    expect(error.message).toContain('1048578 bytes');
    expect(error.message).toContain('limit is 1048576');
    expect(error.record.partitionKey).toBe('pk');
    await producer.close();
  });

  it('takes the record limit from DescribeStreamSummary MaxRecordSizeInKiB', async () => {
    const kinesis = new InProcessKinesis(1);
    kinesis.maxRecordSizeInKiB = 2048;
    const producer = new KinesisProducer({ streamName: kinesis.streamName, client: kinesis.client() });
    const ok = await producer.put({ partitionKey: 'pk', data: new Uint8Array(1.5 * 1024 * 1024) });
    expect(ok.aggregated).toBe(false);
    const error = await producer.put({ partitionKey: 'pk', data: new Uint8Array(2 * 1024 * 1024) }).catch((e) => e);
    expect(error.code).toBe('RecordTooLarge');
    expect(error.message).toContain('limit is 2097152');
    await producer.close();
  });

  it.each([
    [{ partitionKey: '', data: 'x' }, 'InvalidPartitionKey'],
    [{ partitionKey: 'k'.repeat(257), data: 'x' }, 'InvalidPartitionKey'],
    [{ partitionKey: '\ud800', data: 'x' }, 'InvalidPartitionKey'],
    [{ partitionKey: 'k', data: 42 }, 'InvalidData'],
    [{ partitionKey: 'k', data: 'x', explicitHashKey: '01' }, 'InvalidExplicitHashKey'],
    [{ partitionKey: 'k', data: 'x', explicitHashKey: (1n << 128n).toString() }, 'InvalidExplicitHashKey'],
  ])('rejects %j with %s and never crashes the batch', async (record, code) => {
    const { producer } = setup();
    const good = producer.put({ partitionKey: 'good', data: 'ok' });
    const error = await producer.put(record as never).catch((e) => e);
    expect(error).toBeInstanceOf(PutRecordError);
    expect(error.code).toBe(code);
    await expect(good).resolves.toMatchObject({ attempts: [{ success: true }] });
    await producer.close();
  });

  it('accepts 256 characters of multi-byte partition key', async () => {
    const { producer } = setup();
    await expect(producer.put({ partitionKey: '😀'.repeat(256), data: 'x' })).resolves.toBeDefined();
    await producer.close();
  });
});

describe('KinesisProducer: retries', () => {
  it('retries failed entries with backoff and records every attempt', async () => {
    const { kinesis, producer } = setup(1, { aggregationEnabled: false });
    let failures = 0;
    kinesis.hooks.entry = (_entry, index, ctx) => {
      if (ctx.call < 4 && index % 2 === 0) {
        failures++;
        return index % 4 === 0 ? 'ProvisionedThroughputExceededException' : 'InternalFailure';
      }
      return undefined;
    };
    const results = await Promise.all(records(100).map((r) => producer.put(r)));
    await producer.close();
    const retried = results.filter((r) => r.attempts.length > 1);
    expect(retried.length).toBeGreaterThan(0);
    const failedAttempt = retried[0]!.attempts[0]!;
    expect(failedAttempt.success).toBe(false);
    expect(['ProvisionedThroughputExceededException', 'InternalFailure']).toContain(failedAttempt.errorCode);
    const m = producer.metrics();
    expect(m.UserRecordsPut).toBe(100);
    expect(m.Retries).toBe(failures);
    expect(m.AllErrors).toBe(failures);
    expect(m.RetriesPerRecord.sum).toBe(failures);
    expect(allUserData(kinesis.records).sort()).toEqual(
      records(100)
        .map((r) => r.data)
        .sort(),
    );
  });

  it('counts a failed request as a retry of every user record inside it', async () => {
    const { kinesis, producer } = setup(1);
    kinesis.hooks.request = (ctx) =>
      ctx.operation === 'PutRecords' && kinesis.callsOf('PutRecords').length === 1
        ? { status: 500, type: 'InternalFailure' }
        : undefined;
    await Promise.all(records(40).map((r) => producer.put(r)));
    await producer.close();
    const m = producer.metrics();
    expect(m.Retries).toBe(40);
    expect(m.ErrorsByCode.InternalFailure).toBe(40);
    expect(m.KinesisRecordsPut).toBe(1);
    expect(m.PutRecordsRequests).toBe(2);
    expect(m.AmbiguousRetries).toBe(0);
  });

  it('counts retries after a lost response as ambiguous', async () => {
    const { kinesis, producer } = setup(1);
    let lost = false;
    kinesis.hooks.afterApply = (ctx) => {
      if (ctx.operation === 'PutRecords' && !lost) {
        lost = true;
        throw networkError('ECONNRESET');
      }
    };
    await Promise.all(records(10).map((r) => producer.put(r)));
    await producer.close();
    const m = producer.metrics();
    expect(m.AmbiguousRetries).toBe(10);
    expect(m.ErrorsByCode.NetworkError).toBe(10);
    // The first request was applied: readers see each record twice at most.
    expect(allUserData(kinesis.records)).toHaveLength(20);
  });

  it.each([
    ['ResourceNotFoundException', 400],
    ['AccessDeniedException', 400],
    ['KMSAccessDeniedException', 400],
    ['ValidationException', 400],
  ])('fails fast on %s', async (type, status) => {
    const { kinesis, producer } = setup(1);
    kinesis.hooks.request = (ctx) => (ctx.operation === 'PutRecords' ? { status, type } : undefined);
    const error = await producer.put({ partitionKey: 'k', data: 'x' }).catch((e) => e);
    expect(error).toBeInstanceOf(PutRecordError);
    expect(error.code).toBe(type);
    expect(error.attempts).toHaveLength(1);
    expect(kinesis.callsOf('PutRecords')).toHaveLength(1);
    await producer.close();
  });

  it('fails every waiting record when the stream does not exist', async () => {
    const { kinesis, producer } = setup(1);
    kinesis.hooks.request = (ctx) =>
      ctx.operation === 'ListShards'
        ? { status: 400, type: 'ResourceNotFoundException', message: 'Stream x not found' }
        : undefined;
    const errors = await Promise.all(records(3).map((r) => producer.put(r).catch((e) => e)));
    for (const error of errors) {
      expect(error.code).toBe('ResourceNotFoundException');
      expect(error.message).toContain('not found');
    }
    await producer.close();
  });

  it('expires records after recordTtl with their attempt history', async () => {
    const { kinesis, producer } = setup(1, { recordTtl: 300 });
    kinesis.hooks.entry = () => 'InternalFailure';
    const error = await producer.put({ partitionKey: 'k', data: 'x' }).catch((e) => e);
    expect(error.code).toBe('Expired');
    expect(error.attempts.length).toBeGreaterThan(1);
    expect(error.message).toContain('recordTtl (300 ms)');
    expect(error.message).toContain('InternalFailure');
    expect(producer.metrics().UserRecordExpired).toBe(1);
    await producer.close();
  });

  it('fails at the first throttle with failIfThrottled', async () => {
    const { kinesis, producer } = setup(1, { failIfThrottled: true });
    kinesis.hooks.entry = () => 'ProvisionedThroughputExceededException';
    const error = await producer.put({ partitionKey: 'k', data: 'x' }).catch((e) => e);
    expect(error.code).toBe('ProvisionedThroughputExceededException');
    expect(error.attempts).toHaveLength(1);
    await producer.close();
  });

  it('bypasses the SDK retries of a user-supplied client so attempt counts are exact', async () => {
    const kinesis = new InProcessKinesis(1);
    const client = kinesis.client({ maxAttempts: 5 });
    const producer = new KinesisProducer({
      streamName: kinesis.streamName,
      client,
      retryBaseDelay: 1,
      retryMaxDelay: 2,
    });
    let failing = 3;
    kinesis.hooks.request = (ctx) =>
      ctx.operation === 'PutRecords' && failing-- > 0 ? { status: 503, type: 'ServiceUnavailable' } : undefined;
    const result = await producer.put({ partitionKey: 'k', data: 'x' });
    expect(result.attempts).toHaveLength(4);
    expect(kinesis.callsOf('PutRecords')).toHaveLength(4);
    await producer.close();
    // The client keeps its own retries for other callers.
    failing = 1;
    kinesis.hooks.request = () => (failing-- > 0 ? { status: 503, type: 'ServiceUnavailable' } : undefined);
    const { ListShardsCommand } = await import('@aws-sdk/client-kinesis');
    const before = kinesis.calls.length;
    await client.send(new ListShardsCommand({ StreamName: kinesis.streamName }));
    expect(kinesis.calls.length - before).toBe(2);
  });
});

describe('KinesisProducer: resharding', () => {
  it('re-sends every sub-record of an aggregate that landed on a shard excluding some of them', async () => {
    const { kinesis, producer } = setup(1, { recordMaxBufferedTime: 50 });
    let split = false;
    kinesis.hooks.request = (ctx) => {
      if (ctx.operation === 'PutRecords' && !split) {
        split = true;
        kinesis.splitShard(kinesis.shards[0]!.shardId);
      }
      return undefined;
    };
    const input = records(500);
    const results = await Promise.all(input.map((r) => producer.put(r)));
    await producer.close();
    const m = producer.metrics();
    expect(m.MisroutedAggregates).toBeGreaterThanOrEqual(1);
    expect(m.WrongShard).toBeGreaterThanOrEqual(1);
    const kcl = readLikeKcl(kinesis.records, rangeFrom(kinesis.shards));
    expect(kcl.droppedAggregates).toBe(m.MisroutedAggregates);
    expect(new Set(kcl.data)).toEqual(new Set(input.map((r) => r.data)));
    const openShards = kinesis.shards.filter((s) => s.open).map((s) => s.shardId);
    for (const result of results) expect(openShards).toContain(result.shardId);
  });
});

describe('KinesisProducer: flush and close', () => {
  it('flush resolves when every earlier record settled', async () => {
    const { producer } = setup(2, { recordMaxBufferedTime: 60_000 });
    const puts = records(20).map((r) => producer.put(r));
    const flushed = await producer.flush();
    expect(flushed).toEqual({ complete: true, pending: 0 });
    for (const put of puts) await expect(put).resolves.toBeDefined();
    await producer.close();
  });

  it('flush stops at its deadline and reports what is pending', async () => {
    const { kinesis, producer } = setup(1);
    kinesis.hooks.latencyMs = 400;
    const puts = records(5).map((r) => producer.put(r));
    const result = await producer.flush({ deadline: Date.now() + 100 });
    expect(result.complete).toBe(false);
    expect(result.pending).toBe(5);
    await Promise.all(puts);
    await producer.close();
  });

  it('a Lambda-style invocation puts, flushes by a deadline and returns with everything delivered', async () => {
    const kinesis = new InProcessKinesis(2);
    const producer = new KinesisProducer({ streamName: kinesis.streamName, client: kinesis.client() });
    const handler = async (event: { trips: string[] }, context: { getRemainingTimeInMillis(): number }) => {
      const puts = event.trips.map((trip, i) => producer.put({ partitionKey: `trip-${i}`, data: trip }));
      const flushed = await producer.flush({ deadline: Date.now() + context.getRemainingTimeInMillis() - 500 });
      const outcomes = await Promise.allSettled(puts);
      return { flushed, delivered: outcomes.filter((o) => o.status === 'fulfilled').length };
    };
    const out = await handler({ trips: records(300).map((r) => r.data) }, { getRemainingTimeInMillis: () => 3000 });
    expect(out).toEqual({ flushed: { complete: true, pending: 0 }, delivered: 300 });
    expect(allUserData(kinesis.records)).toHaveLength(300);
  });

  it('close flushes, is idempotent and rejects later puts', async () => {
    const { producer } = setup();
    const put = producer.put({ partitionKey: 'k', data: 'x' });
    const first = producer.close();
    expect(producer.close()).toBe(first);
    await expect(first).resolves.toEqual({ complete: true, pending: 0 });
    await expect(put).resolves.toBeDefined();
    const late = await producer.put({ partitionKey: 'k', data: 'y' }).catch((e) => e);
    expect(late.code).toBe('ProducerClosed');
  });

  it('rejects puts made while close is still flushing', async () => {
    const { kinesis, producer } = setup();
    kinesis.hooks.latencyMs = 50;
    const before = producer.put({ partitionKey: 'k', data: 'x' });
    const closing = producer.close();
    const during = await producer.put({ partitionKey: 'k', data: 'y' }).catch((e) => e);
    expect(during.code).toBe('ProducerClosed');
    await expect(before).resolves.toBeDefined();
    await closing;
  });

  it('close with a deadline fails what is left with ProducerClosed', async () => {
    const { kinesis, producer } = setup(1, { recordTtl: 60_000 });
    kinesis.hooks.entry = () => 'InternalFailure';
    const put = producer.put({ partitionKey: 'k', data: 'x' }).catch((e) => e);
    const result = await producer.close({ deadline: Date.now() + 100 });
    expect(result.complete).toBe(false);
    const error = await put;
    expect(error.code).toBe('ProducerClosed');
    expect(error.attempts.length).toBeGreaterThanOrEqual(1);
  });
});

describe('KinesisProducer: fire-and-forget', () => {
  it('reports failures as events and leaves no unhandled rejection', async () => {
    const { kinesis, producer } = setup(1, { fireAndForget: true });
    kinesis.hooks.request = (ctx) =>
      ctx.operation === 'PutRecords' ? { status: 400, type: 'AccessDeniedException' } : undefined;
    const failures: PutRecordError[] = [];
    producer.on('failure', (error) => failures.push(error));
    for (const r of records(5)) void producer.put(r);
    await producer.flush();
    expect(failures).toHaveLength(5);
    expect(failures[0]!.code).toBe('AccessDeniedException');
    await producer.close();
  });
});
