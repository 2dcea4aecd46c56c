import http from 'node:http';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ListShardsCommand,
  ProvisionedThroughputExceededException,
  PutRecordCommand,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
  waitUntilStreamExists,
} from '@aws-sdk/client-kinesis';
import { KinesisFaultProxy } from '@pipeline/local-stack';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { client, ENGINES, listShards, readAll, sharedEndpoint, uniqueStream } from './helpers.js';

function entries(prefix: string, count: number, size = 16): PutRecordsRequestEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    PartitionKey: `${prefix}-pk-${i}`,
    Data: Buffer.from(`${prefix}-${i}-`.padEnd(size, 'x')),
  }));
}

async function createStream(kinesis: KinesisClient, name: string, shards: number): Promise<void> {
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitUntilStreamExists({ client: kinesis, maxWaitTime: 30, minDelay: 1 }, { StreamName: name });
  for (;;) {
    const summary = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(ENGINES)('KinesisFaultProxy in front of %s', (engine) => {
  let direct: KinesisClient;
  let proxy: KinesisFaultProxy;
  let viaProxy: KinesisClient;
  let stream: string;

  beforeAll(async () => {
    const { endpoint } = sharedEndpoint(engine);
    direct = client(endpoint);
    stream = uniqueStream('faults');
    await createStream(direct, stream, 4);
    proxy = await KinesisFaultProxy.start({ target: endpoint, seed: 42 });
    viaProxy = client(proxy.endpoint);
  });
  afterAll(async () => {
    viaProxy?.destroy();
    direct?.destroy();
    await proxy?.stop();
  });
  afterEach(() => {
    proxy.setFaults({});
    proxy.setShardRateLimit(null);
    proxy.resetCounts();
  });

  it('passes requests through untouched without faults (and keep-alive works)', async () => {
    const answer = await viaProxy.send(new PutRecordsCommand({ StreamName: stream, Records: entries('ok', 10) }));
    expect(answer.FailedRecordCount).toBe(0);
    expect(answer.Records).toHaveLength(10);
    const shards = await viaProxy.send(new ListShardsCommand({ StreamName: stream }));
    expect(shards.Shards).toHaveLength(4);
    expect(proxy.counts).toMatchObject({ requests: 2, forwarded: 2, entriesForwarded: 10 });

    // Same socket for consecutive requests through the proxy.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const reused: boolean[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise<void>((resolve, reject) => {
        const req = http.request(
          `${proxy.endpoint}/`,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/x-amz-json-1.1',
              'x-amz-target': 'Kinesis_20131202.ListStreams',
              'x-amz-date': '20260101T000000Z',
              authorization:
                'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=x',
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
          },
        );
        req.on('error', reject);
        req.end('{}');
        reused.push(req.reusedSocket);
      });
    }
    agent.destroy();
    expect(reused).toEqual([false, true, true]);
  });

  it('answers entries with ProvisionedThroughputExceededException / InternalFailure in the original order', async () => {
    proxy.setFaults({ recordThroughputExceeded: 0.3, recordInternalFailure: 0.2 });
    const name = uniqueStream('mixed');
    await createStream(direct, name, 4);
    const sent = entries('mixed', 100);
    const answer = await viaProxy.send(new PutRecordsCommand({ StreamName: name, Records: sent }));
    const records = answer.Records ?? [];
    expect(records).toHaveLength(100);
    const throttled = records.filter((r) => r.ErrorCode === 'ProvisionedThroughputExceededException').length;
    const internal = records.filter((r) => r.ErrorCode === 'InternalFailure').length;
    const ok = records.filter((r) => !r.ErrorCode);
    expect(answer.FailedRecordCount).toBe(throttled + internal);
    expect(throttled).toBeGreaterThan(10);
    expect(internal).toBeGreaterThan(5);
    expect(ok.length).toBeGreaterThan(20);
    for (const r of ok) expect(r.SequenceNumber).toMatch(/^\d+$/);
    expect(proxy.counts).toMatchObject({
      requests: 1,
      forwarded: 1,
      entriesForwarded: ok.length,
      recordThroughputExceeded: throttled,
      recordInternalFailure: internal,
    });

    // Order is kept: every successful entry landed in the shard its hash key belongs to, and exactly the
    // successful entries are in the stream.
    const ranges = (await listShards(direct, name)).map((s) => ({
      id: s.ShardId,
      start: BigInt(s.HashKeyRange?.StartingHashKey ?? '0'),
      end: BigInt(s.HashKeyRange?.EndingHashKey ?? '0'),
    }));
    const { createHash } = await import('node:crypto');
    records.forEach((r, i) => {
      if (r.ErrorCode) return;
      const key = BigInt(
        `0x${createHash('md5')
          .update(sent[i]?.PartitionKey ?? '')
          .digest('hex')}`,
      );
      expect(r.ShardId).toBe(ranges.find((s) => key >= s.start && key <= s.end)?.id);
    });
    const stored = await readAll(direct, name);
    const expected = records.flatMap((r, i) => (r.ErrorCode ? [] : [Buffer.from(sent[i]?.Data ?? []).toString()]));
    expect(stored.sort()).toEqual(expected.sort());
  });

  it('answers everything itself when every entry fails', async () => {
    proxy.setFaults({ recordThroughputExceeded: 1 });
    const answer = await viaProxy.send(new PutRecordsCommand({ StreamName: stream, Records: entries('all', 5) }));
    expect(answer.FailedRecordCount).toBe(5);
    expect(answer.Records?.every((r) => r.ErrorCode === 'ProvisionedThroughputExceededException')).toBe(true);
    expect(answer.Records?.[0]?.ErrorMessage).toMatch(/Rate exceeded/);
    expect(proxy.counts).toMatchObject({ requests: 1, forwarded: 0, entriesForwarded: 0, recordThroughputExceeded: 5 });
  });

  it('fails a single PutRecord with ProvisionedThroughputExceededException (400) or InternalFailure (500)', async () => {
    proxy.setFaults({ recordThroughputExceeded: 1 });
    const put = new PutRecordCommand({ StreamName: stream, PartitionKey: 'a', Data: Buffer.from('x') });
    const throttled = await viaProxy.send(put).catch((err: unknown) => err);
    expect(throttled).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect((throttled as ProvisionedThroughputExceededException).$metadata.httpStatusCode).toBe(400);

    proxy.setFaults({ recordInternalFailure: 1 });
    const failed = (await viaProxy.send(put).catch((err: unknown) => err)) as Error & {
      $metadata: { httpStatusCode?: number };
    };
    expect(failed.name).toBe('InternalFailure');
    expect(failed.$metadata.httpStatusCode).toBe(500);
    expect(proxy.counts).toMatchObject({ forwarded: 0, recordThroughputExceeded: 1, recordInternalFailure: 1 });
  });

  it('answers HTTP 500 / 503 without forwarding', async () => {
    const put = new PutRecordsCommand({ StreamName: stream, Records: entries('5xx', 3) });
    proxy.setFaults({ http500: 1 });
    const e500 = (await viaProxy.send(put).catch((err: unknown) => err)) as Error & {
      $metadata: { httpStatusCode?: number };
    };
    expect(e500.name).toBe('InternalFailure');
    expect(e500.$metadata.httpStatusCode).toBe(500);
    proxy.setFaults({ http503: 1 });
    const e503 = (await viaProxy.send(put).catch((err: unknown) => err)) as Error & {
      $metadata: { httpStatusCode?: number };
    };
    expect(e503.name).toBe('ServiceUnavailable');
    expect(e503.$metadata.httpStatusCode).toBe(503);
    expect(proxy.counts).toMatchObject({ requests: 2, forwarded: 0, http500: 1, http503: 1 });
  });

  it('resets before forwarding (nothing written) and after forwarding (written, answer lost)', async () => {
    const name = uniqueStream('resets');
    await createStream(direct, name, 1);
    proxy.setFaults({ resetBeforeForward: 1 });
    const before = await viaProxy
      .send(new PutRecordsCommand({ StreamName: name, Records: entries('before', 3) }))
      .catch((err: unknown) => err);
    expect(before).toBeInstanceOf(Error);
    expect(String((before as NodeJS.ErrnoException).code ?? (before as Error).message)).toMatch(
      /ECONNRESET|EPIPE|socket hang up/,
    );

    proxy.setFaults({ resetAfterForward: 1 });
    const after = await viaProxy
      .send(new PutRecordsCommand({ StreamName: name, Records: entries('after', 4) }))
      .catch((err: unknown) => err);
    expect(after).toBeInstanceOf(Error);
    expect(proxy.counts).toMatchObject({
      requests: 2,
      forwarded: 1,
      resetBeforeForward: 1,
      resetAfterForward: 1,
      entriesInResetAfterForward: 4,
    });
    const stored = await readAll(direct, name);
    expect(stored.sort()).toEqual(entries('after', 4).map((e) => Buffer.from(e.Data ?? []).toString()));

    // The client recovers on a fresh connection.
    proxy.setFaults({});
    const ok = await viaProxy.send(new PutRecordsCommand({ StreamName: name, Records: entries('again', 2) }));
    expect(ok.FailedRecordCount).toBe(0);
  });

  it('adds latency, only to the configured operations', async () => {
    await proxy.stop();
    proxy = await KinesisFaultProxy.start({
      target: sharedEndpoint(engine).endpoint,
      operations: ['ListShards'],
      faults: { latencyMs: 500 },
    });
    viaProxy.destroy();
    viaProxy = client(proxy.endpoint);
    let t = performance.now();
    await viaProxy.send(new ListShardsCommand({ StreamName: stream }));
    expect(performance.now() - t).toBeGreaterThanOrEqual(495);
    t = performance.now();
    await viaProxy.send(new PutRecordsCommand({ StreamName: stream, Records: entries('fast', 2) }));
    expect(performance.now() - t).toBeLessThan(450);
    proxy.setFaults({ http500: 1 });
    await expect(viaProxy.send(new ListShardsCommand({ StreamName: stream }))).rejects.toThrow();
    const fine = await viaProxy.send(new PutRecordsCommand({ StreamName: stream, Records: entries('fine', 2) }));
    expect(fine.FailedRecordCount).toBe(0);
  });

  it('makes the same decisions for the same seed', async () => {
    const { endpoint } = sharedEndpoint(engine);
    const codes: string[][] = [];
    for (let run = 0; run < 2; run++) {
      const seeded = await KinesisFaultProxy.start({
        target: endpoint,
        seed: 7,
        faults: { recordThroughputExceeded: 0.25, recordInternalFailure: 0.25 },
      });
      const kinesis = client(seeded.endpoint);
      try {
        const answer = await kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: entries('seed', 40) }));
        codes.push((answer.Records ?? []).map((r) => r.ErrorCode ?? 'ok'));
      } finally {
        kinesis.destroy();
        await seeded.stop();
      }
    }
    expect(codes[0]).toEqual(codes[1]);
    expect(new Set(codes[0])).toEqual(new Set(['ok', 'ProvisionedThroughputExceededException', 'InternalFailure']));
  });

  it('enforces per-shard write limits only above the limit', async () => {
    const name = uniqueStream('limits');
    await createStream(direct, name, 2);
    const shards = await listShards(direct, name);
    const [low, high] = shards.map((s) => s.HashKeyRange?.StartingHashKey ?? '0');
    const toShard = (hashKey: string | undefined, prefix: string, count: number): PutRecordsRequestEntry[] =>
      entries(prefix, count).map((e) => ({ ...e, ExplicitHashKey: hashKey }));

    // setShardRateLimit() restarts with full buckets, and one request is charged at a single instant, so the
    // counts below are exact.
    proxy.setShardRateLimit({ recordsPerSecond: 100, bytesPerSecond: 1_048_576 });
    // Up to the limit: nothing throttled.
    const under = await viaProxy.send(
      new PutRecordsCommand({ StreamName: name, Records: [...toShard(low, 'u0', 100), ...toShard(high, 'u1', 60)] }),
    );
    expect(under.FailedRecordCount).toBe(0);
    expect(proxy.counts.rateLimited).toBe(0);

    // Above it: 150 to shard 0 and 30 to shard 1 with fresh buckets -> exactly the last 50 of shard 0 throttled.
    proxy.setShardRateLimit({ recordsPerSecond: 100, bytesPerSecond: 1_048_576 });
    const over = await viaProxy.send(
      new PutRecordsCommand({ StreamName: name, Records: [...toShard(low, 'o0', 150), ...toShard(high, 'o1', 30)] }),
    );
    const records = over.Records ?? [];
    expect(records.slice(0, 100).every((r) => !r.ErrorCode)).toBe(true);
    expect(records.slice(100, 150).every((r) => r.ErrorCode === 'ProvisionedThroughputExceededException')).toBe(true);
    expect(records.slice(150).every((r) => !r.ErrorCode)).toBe(true);
    expect(over.FailedRecordCount).toBe(50);
    expect(proxy.counts.rateLimited).toBe(50);
    expect(records[100]?.ErrorMessage).toContain(`shard ${shards[0]?.ShardId} in stream ${name}`);
    // Right after, shard 0 is (nearly) empty.
    const again = await viaProxy.send(new PutRecordsCommand({ StreamName: name, Records: toShard(low, 'a0', 50) }));
    expect(again.FailedRecordCount).toBeGreaterThan(0);

    // Bytes: 10,000 B/s; entries of 999 B data + 6-7 B partition key -> exactly 9 fit.
    proxy.setShardRateLimit({ recordsPerSecond: 1000, bytesPerSecond: 10_000 });
    const big = await viaProxy.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: toShard(low, 'b', 20).map((e) => ({ ...e, Data: Buffer.alloc(999, 1) })),
      }),
    );
    expect((big.Records ?? []).map((r) => (r.ErrorCode ? 'x' : 'ok'))).toEqual([
      ...Array<string>(9).fill('ok'),
      ...Array<string>(11).fill('x'),
    ]);

    // Refill: after a second, the budget is back.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const later = await viaProxy.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: toShard(low, 'later', 5).map((e) => ({ ...e, Data: Buffer.alloc(999, 1) })),
      }),
    );
    expect(later.FailedRecordCount).toBe(0);
  });
});

describe('KinesisFaultProxy on kinesis-mock only', () => {
  it('holds a request while the shard splits, then forwards it on release', async () => {
    const { endpoint, accountId } = sharedEndpoint('kinesis-mock');
    const direct = client(endpoint);
    const proxy = await KinesisFaultProxy.start({ target: endpoint });
    const viaProxy = client(proxy.endpoint);
    try {
      const name = uniqueStream('split');
      await createStream(direct, name, 1);
      const [parent] = await listShards(direct, name);
      const held = proxy.holdNext();
      const pending = viaProxy.send(new PutRecordsCommand({ StreamName: name, Records: entries('held', 20) }));
      const request = await held;
      expect(request.operation).toBe('PutRecords');
      expect((request.body as { Records: unknown[] }).Records).toHaveLength(20);

      const { SplitShardCommand } = await import('@aws-sdk/client-kinesis');
      await direct.send(
        new SplitShardCommand({
          StreamName: name,
          ShardToSplit: parent?.ShardId,
          NewStartingHashKey: (2n ** 127n).toString(),
        }),
      );
      for (;;) {
        const summary = await direct.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      request.release();
      request.release(); // idempotent
      const answer = await pending;
      expect(answer.FailedRecordCount).toBe(0);
      const shardIds = new Set(answer.Records?.map((r) => r.ShardId));
      expect(shardIds.has(parent?.ShardId)).toBe(false);
      expect(shardIds.size).toBe(2);

      // Rate limiting follows the new shard map (and StreamARN addressing).
      proxy.setShardRateLimit({ recordsPerSecond: 5, bytesPerSecond: 1_048_576 });
      const arn = `arn:aws:kinesis:us-east-1:${accountId}:stream/${name}`;
      const limited = await viaProxy.send(
        new PutRecordsCommand({
          StreamARN: arn,
          Records: entries('arn', 10).map((e) => ({ ...e, ExplicitHashKey: '1' })),
        }),
      );
      expect(limited.FailedRecordCount).toBe(5);
      expect(limited.Records?.[9]?.ErrorMessage).toContain(`under account ${accountId}`);
    } finally {
      viaProxy.destroy();
      direct.destroy();
      await proxy.stop();
    }
  });

  it('forwards a ~9 MiB PutRecords (with and without dropped entries)', async () => {
    const { endpoint } = sharedEndpoint('kinesis-mock');
    const direct = client(endpoint);
    const proxy = await KinesisFaultProxy.start({ target: endpoint, seed: 1 });
    const viaProxy = client(proxy.endpoint);
    try {
      const name = uniqueStream('big');
      await createStream(direct, name, 2);
      const big = Array.from({ length: 7 }, (_, i) => ({
        PartitionKey: `big-${i}`,
        Data: Buffer.alloc(1_000_000, 65 + i),
      }));
      const plain = await viaProxy.send(new PutRecordsCommand({ StreamName: name, Records: big }));
      expect(plain.FailedRecordCount).toBe(0);
      // Dropping entries re-serializes the body (smaller, to keep kinesis-mock fast).
      proxy.setFaults({ recordInternalFailure: 0.5 });
      const mixed = await viaProxy.send(new PutRecordsCommand({ StreamName: name, Records: big.slice(0, 4) }));
      expect(mixed.Records).toHaveLength(4);
      expect(mixed.FailedRecordCount).toBe(proxy.counts.recordInternalFailure);
      expect(proxy.counts.entriesForwarded).toBe(7 + 4 - proxy.counts.recordInternalFailure);
    } finally {
      viaProxy.destroy();
      direct.destroy();
      await proxy.stop();
    }
  });
});
