import { encodeAggregate } from '@pipeline/kpl-aggregation';
import { describe, expect, it } from 'vitest';
import { createKinesisHandler, type KinesisStreamRecord, OpenSearchSink, silentLogger } from '../../src/index.js';
import { FakeOpenSearch } from '../support/fake-opensearch.js';

const enc = new TextEncoder();
const record = (sequenceNumber: string, data: Uint8Array, shard = 'shardId-000000000003'): KinesisStreamRecord => ({
  eventID: `${shard}:${sequenceNumber}`,
  kinesis: { partitionKey: 'pk', sequenceNumber, data: Buffer.from(data).toString('base64') },
});

describe('createKinesisHandler', () => {
  it('unpacks aggregates, derives replay-safe ids and maps failures to the outer sequence numbers', async () => {
    const fake = new FakeOpenSearch();
    fake.itemRule = (op) =>
      op.source?.bad ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad' } } : undefined;
    const sink = new OpenSearchSink<Record<string, unknown>>({
      client: fake,
      index: 'e',
      flushInterval: 1000,
      logger: silentLogger,
    });
    const aggregate = encodeAggregate([
      { partitionKey: 'a', data: enc.encode('{"n":1}') },
      { partitionKey: 'b', data: enc.encode('{"n":2,"bad":true}') },
    ]);
    const handler = createKinesisHandler({ sink });
    const result = await handler({
      Records: [
        record('100000000000000000000000000000000000000000000000009', enc.encode('{"n":0}')),
        record('100000000000000000000000000000000000000000000000010', aggregate),
        record('99', enc.encode('{"n":3,"bad":true}')),
      ],
    });
    // Sorted numerically (shorter is smaller), every failing outer record once.
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: '99' },
      { itemIdentifier: '100000000000000000000000000000000000000000000000010' },
    ]);
    expect([...fake.store.keys()].sort()).toEqual([
      'e/shardId-000000000003-100000000000000000000000000000000000000000000000009-0',
      'e/shardId-000000000003-100000000000000000000000000000000000000000000000010-0',
    ]);
    expect(fake.requests).toHaveLength(1); // the handler flushed at once, not after the 1 s interval
    await sink.close();
  });

  it('reports a record whose outcome is unknown (answers lost, the read failed too) so Lambda retries it', async () => {
    const fake = new FakeOpenSearch();
    fake.requestRule = (request) =>
      request.ops.some((op) => op.source?.n === 5) ? { kind: 'network-after', message: 'socket hang up' } : undefined;
    fake.mgetRule = () => 'fail';
    const sink = new OpenSearchSink<Record<string, unknown>>({
      client: fake,
      index: 'e',
      logger: silentLogger,
      retry: { maxAttempts: 2, baseDelay: 1, maxDelay: 2, timeBudget: 100 },
    });
    const handler = createKinesisHandler({ sink });
    const result = await handler({ Records: [record('7', enc.encode('{"n":4}')), record('8', enc.encode('{"n":5}'))] });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '8' }]);
    expect(sink.stats.unknown).toBe(1);
    await sink.close();
  });

  it('reports records still unsettled near the Lambda timeout as failures', async () => {
    const fake = new FakeOpenSearch();
    fake.latency = 2000;
    const sink = new OpenSearchSink<Record<string, unknown>>({
      client: fake,
      index: 'e',
      flushInterval: 0,
      logger: silentLogger,
    });
    const handler = createKinesisHandler({ sink, timeoutMarginMs: 100 });
    const started = Date.now();
    const result = await handler(
      { Records: [record('1', enc.encode('{"n":1}')), record('2', enc.encode('{"n":2}'))] },
      { getRemainingTimeInMillis: () => 300 },
    );
    expect(Date.now() - started).toBeLessThan(1000);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: '1' }, { itemIdentifier: '2' }]);
    await sink.close();
  });

  it('custom toDocument and id; undefined skips a record', async () => {
    const fake = new FakeOpenSearch();
    const sink = new OpenSearchSink<{ key: string }>({
      client: fake,
      index: 'e',
      flushInterval: 0,
      logger: silentLogger,
    });
    const handler = createKinesisHandler<{ key: string }>({
      sink,
      toDocument: (r) => (r.partitionKey === 'skip' ? undefined : { key: new TextDecoder().decode(r.data) }),
      id: (_r, doc) => doc.key,
    });
    const skip = {
      ...record('5', enc.encode('x')),
      kinesis: { ...record('5', enc.encode('x')).kinesis, partitionKey: 'skip' },
    };
    expect(await handler({ Records: [record('4', enc.encode('k1')), skip] })).toEqual({ batchItemFailures: [] });
    expect([...fake.store.keys()]).toEqual(['e/k1']);
    await sink.close();
  });
});
