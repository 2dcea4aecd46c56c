import { KinesisProducer, type PutRecordError } from '@pipeline/producer';
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessKinesis } from '../support/in-process-kinesis.js';

/**
 * Defect 1 of issue 15: records queued for admission that expire must fail one after the other, never one inside the
 * other (settle → admit → expire → fail → settle … overflowed the stack at ~10k queued records). The clock is
 * virtual (Date.now), so which records expire does not depend on how fast the machine is.
 */
const realNow = Date.now;
afterEach(() => {
  Date.now = realNow;
});

/** Date.now() running with real time plus an offset the test moves forward. */
function virtualClock() {
  // Not vi.spyOn: a spy records every call, and these tests make millions.
  let offset = 0;
  Date.now = () => realNow() + offset;
  return {
    advance(ms: number) {
      offset += ms;
    },
  };
}

/** A Kinesis whose PutRecords requests wait, once `close()` was called, until the test opens the gate. */
function gatedKinesis(shards: number) {
  const kinesis = new InProcessKinesis(shards);
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    kinesis,
    shut() {
      kinesis.hooks.hold = (ctx) => (ctx.operation === 'PutRecords' ? gate : undefined);
    },
    open,
  };
}

/** Counts outcomes by code as they come, without holding a promise per put. */
class Outcomes {
  readonly codes: Record<string, number> = {};
  settled = 0;
  track(promise: Promise<unknown>): void {
    promise.then(
      () => this.count('ok'),
      (error: PutRecordError) => this.count(error.code),
    );
  }
  private count(code: string): void {
    this.codes[code] = (this.codes[code] ?? 0) + 1;
    this.settled++;
  }
}

describe('KinesisProducer: queued records that expire', () => {
  it('expires 500,000 queued records in bounded stack when the first record settles after their TTL', async () => {
    const clock = virtualClock();
    const { kinesis, shut, open } = gatedKinesis(2);
    const producer = new KinesisProducer({
      streamName: kinesis.streamName,
      client: kinesis.client(),
      maxOutstandingRecords: 1,
      recordTtl: 1000,
      metricsInterval: 0,
    });
    await producer.put({ partitionKey: 'warm', data: 'x' });
    shut();
    const first = producer.put({ partitionKey: 'first', data: 'x' });
    const N = Number(process.env.EXPIRY_N ?? 500_000);
    const queued = new Outcomes();
    for (let i = 0; i < N; i++) queued.track(producer.put({ partitionKey: `q-${i}`, data: 'x' }));
    expect(producer.outstanding.waiting).toBe(N);
    clock.advance(5000);
    open();
    await expect(first).rejects.toMatchObject({ code: 'Expired' });
    expect(await producer.flush()).toEqual({ complete: true, pending: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(queued.codes).toEqual({ Expired: N });
    expect(producer.metrics().UserRecordExpired).toBe(N + 1);
    expect(producer.outstanding).toEqual({ records: 0, bytes: 0, waiting: 0 });
    await producer.close();
  }, 120_000);

  it('expires the older half of 500,000 queued records and delivers the younger half', async () => {
    const clock = virtualClock();
    const { kinesis, shut, open } = gatedKinesis(4);
    const producer = new KinesisProducer({
      streamName: kinesis.streamName,
      client: kinesis.client(),
      maxOutstandingRecords: 1000,
      recordTtl: 60_000,
      metricsInterval: 0,
    });
    await producer.put({ partitionKey: 'warm', data: 'x' });
    shut();
    const first = new Outcomes();
    for (let i = 0; i < 1000; i++) first.track(producer.put({ partitionKey: `first-${i}`, data: 'x' }));
    const half = Number(process.env.EXPIRY_N ?? 500_000) / 2;
    const older = new Outcomes();
    const younger = new Outcomes();
    for (let i = 0; i < half; i++) older.track(producer.put({ partitionKey: `old-${i}`, data: 'x' }));
    clock.advance(50_000);
    for (let i = 0; i < half; i++) younger.track(producer.put({ partitionKey: `young-${i}`, data: 'x' }));
    expect(producer.outstanding.waiting).toBe(2 * half);
    clock.advance(12_000);
    open();
    expect(await producer.flush()).toEqual({ complete: true, pending: 0 });
    await new Promise((resolve) => setImmediate(resolve));
    // The first thousand were admitted before the clock moved, but sent after: past their TTL too.
    expect(first.codes).toEqual({ Expired: 1000 });
    expect(older.codes).toEqual({ Expired: half });
    // The younger half is inside its TTL (the clock runs at real speed from here on) and is delivered.
    expect(younger.codes).toEqual({ ok: half });
    expect(kinesis.records.length).toBeGreaterThan(0);
    await producer.close();
  }, 300_000);
});
