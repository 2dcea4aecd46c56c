import { KinesisFaultProxy } from '@pipeline/local-stack';
import { KinesisProducer, type KinesisProducerOptions } from '@pipeline/producer';
import { describe, expect, inject, it } from 'vitest';
import { createStream, localClient, localClientConfig, uniqueStreamName } from '../support/stream.js';
import { SettlementWatchdog } from '../support/watchdog.js';

/**
 * Issue 15, defects 1–3: ~200,000 put() calls at once (not awaited one by one) against a 4-shard stream whose fault
 * proxy throttles 30% of entries at random. The process must not crash (stack overflow), every put must settle, and
 * with default options none may expire (the limiter must not slow itself down for throttling it does not cause).
 */
async function burst(N: number, options: Partial<KinesisProducerOptions>) {
  const endpoint = inject('kinesaliteEndpoint');
  const client = localClient(endpoint);
  const stream = uniqueStreamName('backlog');
  await createStream(client, stream, 4);
  const proxy = await KinesisFaultProxy.start({
    target: endpoint,
    faults: { recordThroughputExceeded: 0.3 },
    seed: 15,
  });
  try {
    const producer = new KinesisProducer({
      streamName: stream,
      clientConfig: localClientConfig(proxy.endpoint),
      metricsInterval: 0,
      ...options,
    });
    const watchdog = new SettlementWatchdog(20_000);
    const started = Date.now();
    for (let i = 0; i < N; i++) {
      watchdog.track(producer.put({ partitionKey: `trip-${i}`, data: `{"id":${i},"pad":"${'x'.repeat(60)}"}` }));
    }
    const codes = await watchdog.allSettled();
    const seconds = (Date.now() - started) / 1000;
    await producer.close();
    const m = producer.metrics();
    console.log(
      `burst ${N}: ${seconds.toFixed(1)} s, outcomes`,
      codes,
      `user records per Kinesis record ${m.UserRecordsPerKinesisRecord.mean.toFixed(0)}`,
      'proxy',
      proxy.counts.recordThroughputExceeded,
      'limiter',
      m.Limiter.map((l) => l.rateFactor.toFixed(2)),
    );
    return { codes, settled: watchdog.settled, metrics: m };
  } finally {
    await proxy.stop();
    client.destroy();
  }
}

describe('a burst of put() calls against a throttling stream', () => {
  it('recordTtl 10000: no crash, every put settles', async () => {
    const N = 200_000;
    const run = await burst(N, { recordTtl: 10_000 });
    expect(run.settled).toBe(N);
    for (const code of Object.keys(run.codes)) expect(['ok', 'Expired']).toContain(code);
  }, 300_000);

  it('default options: every put is delivered, none expires', async () => {
    const N = 200_000;
    const run = await burst(N, {});
    expect(run.settled).toBe(N);
    expect(run.codes).toEqual({ ok: N });
    expect(run.metrics.UserRecordExpired).toBe(0);
  }, 300_000);
});
