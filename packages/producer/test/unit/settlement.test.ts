import { KinesisProducer, type KinesisProducerOptions } from '@pipeline/producer';
import { describe, expect, it } from 'vitest';
import { InProcessKinesis } from '../support/in-process-kinesis.js';
import { SettlementWatchdog } from '../support/watchdog.js';

/**
 * Defect 2 of issue 15: every accepted put settles — resolved, rejected with a reason, or rejected by close(). A
 * watchdog fails the test when puts stay open with no settlement for a while, on the backlog, expiry and close paths.
 */
function throttledKinesis(shards: number, share: number, seed = 7) {
  const kinesis = new InProcessKinesis(shards);
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
  kinesis.hooks.entry = () => (random() < share ? 'ProvisionedThroughputExceededException' : undefined);
  return kinesis;
}

function producerFor(kinesis: InProcessKinesis, options: Partial<KinesisProducerOptions> = {}) {
  return new KinesisProducer({
    streamName: kinesis.streamName,
    client: kinesis.client(),
    metricsInterval: 0,
    ...options,
  });
}

describe('KinesisProducer: every put settles', () => {
  it('backlog: 100,000 puts at once with 30% of entries throttled', async () => {
    const kinesis = throttledKinesis(4, 0.3);
    const producer = producerFor(kinesis, { recordTtl: 10_000 });
    const watchdog = new SettlementWatchdog(5000);
    for (let i = 0; i < 100_000; i++) watchdog.track(producer.put({ partitionKey: `k-${i}`, data: `record ${i}` }));
    const codes = await watchdog.allSettled();
    expect(watchdog.settled).toBe(100_000);
    for (const code of Object.keys(codes)) expect(['ok', 'Expired']).toContain(code);
    expect(await producer.close()).toEqual({ complete: true, pending: 0 });
  }, 120_000);

  it('expiry: a short TTL under throttling expires records, and still every put settles', async () => {
    const kinesis = throttledKinesis(2, 0.3);
    kinesis.hooks.latencyMs = 50;
    const producer = producerFor(kinesis, { recordTtl: 300, maxOutstandingRecords: 2000 });
    const watchdog = new SettlementWatchdog(5000);
    for (let i = 0; i < 50_000; i++) watchdog.track(producer.put({ partitionKey: `k-${i}`, data: `record ${i}` }));
    const codes = await watchdog.allSettled();
    expect(watchdog.settled).toBe(50_000);
    expect(codes.Expired).toBeGreaterThan(0);
    for (const code of Object.keys(codes)) expect(['ok', 'Expired']).toContain(code);
    expect(await producer.close()).toEqual({ complete: true, pending: 0 });
  }, 120_000);

  it('close: a deadline in the middle of a backlog rejects what is left with ProducerClosed', async () => {
    const kinesis = throttledKinesis(2, 0.3);
    kinesis.hooks.latencyMs = 20;
    const producer = producerFor(kinesis);
    const watchdog = new SettlementWatchdog(5000);
    for (let i = 0; i < 50_000; i++) watchdog.track(producer.put({ partitionKey: `k-${i}`, data: `record ${i}` }));
    const closed = producer.close({ deadline: Date.now() + 300 });
    for (let i = 0; i < 100; i++) watchdog.track(producer.put({ partitionKey: `late-${i}`, data: 'late' }));
    const codes = await watchdog.allSettled();
    const result = await closed;
    expect(watchdog.settled).toBe(50_100);
    expect(result.complete).toBe(false);
    expect(codes.ProducerClosed).toBeGreaterThan(100);
    for (const code of Object.keys(codes)) expect(['ok', 'Expired', 'ProducerClosed']).toContain(code);
  }, 120_000);

  it('close: a deadline in the middle of a backlog on a ready producer settles every put', async () => {
    const kinesis = throttledKinesis(2, 0.3);
    kinesis.hooks.latencyMs = 20;
    const producer = producerFor(kinesis);
    await producer.put({ partitionKey: 'warm-up', data: 'ready' });
    const watchdog = new SettlementWatchdog(5000);
    for (let i = 0; i < 50_000; i++) watchdog.track(producer.put({ partitionKey: `k-${i}`, data: `record ${i}` }));
    const closed = producer.close({ deadline: Date.now() + 300 });
    for (let i = 0; i < 100; i++) watchdog.track(producer.put({ partitionKey: `late-${i}`, data: 'late' }));
    const codes = await watchdog.allSettled();
    const result = await closed;
    expect(watchdog.settled).toBe(50_100);
    expect(result.complete).toBe(false);
    expect(codes.ProducerClosed).toBeGreaterThan(100);
    for (const code of Object.keys(codes)) expect(['ok', 'Expired', 'ProducerClosed']).toContain(code);
  }, 120_000);
});
