import { deaggregate } from '@pipeline/kpl-aggregation';
import { type FaultRates, KinesisFaultProxy } from '@pipeline/local-stack';
import { KinesisProducer, type KinesisProducerOptions } from '@pipeline/producer';
import { describe, expect, inject, it } from 'vitest';
import { createStream, localClient, localClientConfig, readAll, uniqueStreamName } from '../support/stream.js';

async function runWithFaults(N: number, faults: FaultRates, options: Partial<KinesisProducerOptions> = {}) {
  const endpoint = inject('kinesaliteEndpoint');
  const client = localClient(endpoint);
  const stream = uniqueStreamName('faults');
  await createStream(client, stream, 4);
  const proxy = await KinesisFaultProxy.start({ target: endpoint, faults, seed: 42 });
  try {
    // Default settings: only the stream and the (HTTP/1.1) client config are given.
    const producer = new KinesisProducer({
      streamName: stream,
      clientConfig: localClientConfig(proxy.endpoint),
      ...options,
    });
    function* source() {
      for (let i = 0; i < N; i++) yield { partitionKey: `trip-${i}`, data: `{"id":${i},"pad":"${'x'.repeat(60)}"}` };
    }
    const failures: string[] = [];
    for await (const outcome of producer.putAll(source())) if (!outcome.ok) failures.push(outcome.error.code);
    await producer.close();
    const { records } = await readAll(client, stream);
    const counts = new Map<string, number>();
    for (const record of records) {
      for (const sub of deaggregate(record)) {
        const id = JSON.parse(Buffer.from(sub.data).toString()).id as number;
        counts.set(String(id), (counts.get(String(id)) ?? 0) + 1);
      }
    }
    let duplicates = 0;
    for (const c of counts.values()) duplicates += c - 1;
    return { failures, counts, duplicates, metrics: producer.metrics(), proxy: { ...proxy.counts } };
  } finally {
    await proxy.stop();
    client.destroy();
  }
}

describe('faults injected by a proxy in front of kinesalite', () => {
  it('100,000 records, default settings, 20% per-record failures and 1% 5xx: every record once, none expired', async () => {
    const N = 100_000;
    const run = await runWithFaults(N, {
      recordThroughputExceeded: 0.1,
      recordInternalFailure: 0.1,
      http500: 0.005,
      http503: 0.005,
    });
    console.log('proxy', run.proxy, 'retries', run.metrics.Retries, 'requests', run.metrics.PutRecordsRequests);
    expect(run.failures).toEqual([]);
    expect(run.counts.size).toBe(N);
    expect(run.duplicates).toBe(0);
    expect(run.metrics.UserRecordsPut).toBe(N);
    expect(run.metrics.UserRecordExpired).toBe(0);
    expect(run.proxy.recordThroughputExceeded + run.proxy.recordInternalFailure).toBeGreaterThan(0);
    // Per-record faults hit Kinesis records (aggregates); each retries every user record inside.
    expect(run.metrics.Retries).toBeGreaterThan(run.proxy.recordThroughputExceeded + run.proxy.recordInternalFailure);
  });

  // Unaggregated, so there are enough requests for request-level faults to happen many times; with this many faults
  // on top of each other a record may need a dozen tries, so these runs give records more time than the default TTL.
  const heavy = { aggregationEnabled: false, recordTtl: 120_000 } as const;

  it('faults before forwarding (resets, 5xx, per-record) never duplicate a record', async () => {
    const N = 20_000;
    const run = await runWithFaults(
      N,
      {
        recordThroughputExceeded: 0.1,
        recordInternalFailure: 0.1,
        http500: 0.03,
        http503: 0.03,
        resetBeforeForward: 0.1,
      },
      heavy,
    );
    console.log('proxy', run.proxy, 'ambiguous', run.metrics.AmbiguousRetries);
    expect(run.failures).toEqual([]);
    expect(run.counts.size).toBe(N);
    expect(run.proxy.resetBeforeForward).toBeGreaterThan(0);
    expect(run.proxy.http500 + run.proxy.http503).toBeGreaterThan(0);
    expect(run.duplicates).toBe(0);
    expect(run.metrics.UserRecordExpired).toBe(0);
  });

  it('responses lost after forwarding: duplicates never exceed the ambiguous retries', async () => {
    const N = 20_000;
    const run = await runWithFaults(
      N,
      {
        recordThroughputExceeded: 0.1,
        recordInternalFailure: 0.1,
        http500: 0.03,
        http503: 0.03,
        resetAfterForward: 0.1,
      },
      heavy,
    );
    console.log('proxy', run.proxy, 'ambiguous', run.metrics.AmbiguousRetries, 'duplicates', run.duplicates);
    expect(run.failures).toEqual([]);
    expect(run.counts.size).toBe(N);
    expect(run.proxy.resetAfterForward).toBeGreaterThan(0);
    expect(run.duplicates).toBeGreaterThan(0);
    expect(run.duplicates).toBeLessThanOrEqual(run.metrics.AmbiguousRetries);
    // Unaggregated, each duplicate is exactly one entry the proxy forwarded but whose answer it dropped.
    expect(run.duplicates).toBe(run.proxy.entriesInResetAfterForward);
    expect(run.metrics.UserRecordExpired).toBe(0);
  });
});
