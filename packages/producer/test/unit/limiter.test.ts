import { describe, expect, it } from 'vitest';
import { Limiter, TokenBucket } from '../../src/limiter.js';
import type { KinesisRecord } from '../../src/pending-record.js';

const kr = (shardId: string, size = 1000): KinesisRecord => ({
  shardId,
  partitionKey: 'k',
  explicitHashKey: undefined,
  data: new Uint8Array(size - 1),
  records: [],
  aggregated: false,
  size,
  deadline: 0,
});

describe('TokenBucket', () => {
  it('refills continuously up to its capacity and allows one oversize take from a full bucket', () => {
    const bucket = new TokenBucket(100, 100, 0);
    expect(bucket.canTake(150)).toBe(true);
    bucket.take(150);
    expect(bucket.available).toBe(-50);
    bucket.refill(1000);
    expect(bucket.available).toBe(50);
    bucket.refill(5000);
    expect(bucket.available).toBe(100);
  });
});

describe('Limiter', () => {
  it('passes at most rateLimit% of 1,000 records/s per shard', () => {
    const limiter = new Limiter(100);
    for (let i = 0; i < 3000; i++) limiter.enqueue(kr('s1', 10), 0);
    let passed = 0;
    limiter.drain(0, () => passed++);
    expect(passed).toBe(1000);
    limiter.drain(500, () => passed++);
    expect(passed).toBe(1500);
    expect(limiter.queued).toBe(1500);
  });

  it('limits bytes per shard and keeps shards independent', () => {
    const limiter = new Limiter(100);
    for (let i = 0; i < 10; i++) limiter.enqueue(kr('a', 256 * 1024), 0);
    for (let i = 0; i < 10; i++) limiter.enqueue(kr('b', 10), 0);
    const out: string[] = [];
    limiter.drain(0, (r) => out.push(r.shardId!));
    expect(out.filter((s) => s === 'a')).toHaveLength(4);
    expect(out.filter((s) => s === 'b')).toHaveLength(10);
  });

  it('cuts the rate to what the shard accepted when throttled, and recovers while not throttled', () => {
    const limiter = new Limiter(150);
    // 250 answers in 250 ms, every other one throttled: the shard took 500 records/s.
    for (let i = 0; i < 250; i++) limiter.onResult('s', i % 2 === 0, i);
    limiter.onResult('s', false, 250); // closes the window
    const state = limiter.state()[0]!;
    expect(state.recordsPerSecond).toBeGreaterThan(450);
    expect(state.recordsPerSecond).toBeLessThan(510);
    expect(state.throttles).toBe(125);
    for (let t = 1500; t <= 30_000; t += 1000) limiter.onResult('s', false, t);
    expect(limiter.state()[0]!.rateFactor).toBe(1);
  });

  /** Windows of 50 ms; `throttle(i, sent)` tells whether the shard throttled the i-th of `sent` Kinesis records. */
  function simulate(limiter: Limiter, seconds: number, throttle: (i: number, sent: number) => boolean) {
    const history: Array<{ factor: number; sent: number; throttled: number }> = [];
    for (let t = 0; t < seconds * 1000; t += 50) {
      const allowed = limiter.state()[0]?.recordsPerSecond ?? 1500;
      const sent = Math.round(allowed / 20);
      for (let i = 0; i < sent; i++) limiter.enqueue(kr('s', 10), t);
      limiter.drain(t, () => {});
      let throttled = 0;
      for (let i = 0; i < sent; i++) {
        const no = throttle(i, sent);
        if (no) throttled++;
        limiter.onResult('s', no, t + (i * 40) / sent, 10, t);
      }
      history.push({ factor: limiter.state()[0]!.rateFactor, sent, throttled });
    }
    return history;
  }

  it.each([0.1, 0.3])('keeps its rate under throttling that does not follow it (%s at random)', (throttledShare) => {
    const limiter = new Limiter(150);
    let seed = 3;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x80000000;
    };
    const history = simulate(limiter, 60, () => random() < throttledShare);
    const settled = history.slice(200);
    const mean = settled.reduce((a, h) => a + h.factor, 0) / settled.length;
    expect(mean).toBeGreaterThan(0.85);
    expect(limiter.state()[0]!.backgroundThrottleShare).toBeGreaterThan(throttledShare * 0.7);
  });

  it('settles just under a capacity its own rate exceeds, with few throttles', () => {
    const limiter = new Limiter(150);
    const history = simulate(limiter, 60, (i) => i >= 50); // 1,000 records/s: the excess of each 50 ms
    const settled = history.slice(200);
    const sent = settled.reduce((a, h) => a + h.sent, 0);
    const throttled = settled.reduce((a, h) => a + h.throttled, 0);
    const accepted = (sent - throttled) / (settled.length * 0.05);
    expect(accepted).toBeGreaterThan(900);
    expect(throttled / sent).toBeLessThan(0.05);
  });

  it('comes down to what the shard takes when its own rate causes the throttling', () => {
    const limiter = new Limiter(150);
    // A shard that takes 1,000 records/s throttles the excess of what the limiter allows.
    for (let w = 0; w < 200; w++) {
      const t = w * 250;
      const allowed = limiter.state()[0]?.recordsPerSecond ?? 1500;
      const sent = Math.round(allowed / 4);
      const accepted = Math.min(sent, 250);
      for (let i = 0; i < sent; i++) limiter.onResult('s', i >= accepted, t + (i * 200) / sent, 1, t);
    }
    const allowed = limiter.state()[0]!.recordsPerSecond;
    expect(allowed).toBeGreaterThan(850);
    expect(allowed).toBeLessThan(1200);
  });

  it('tells how long until the next record may pass', () => {
    const limiter = new Limiter(100);
    for (let i = 0; i < 1001; i++) limiter.enqueue(kr('s', 10), 0);
    limiter.drain(0, () => {});
    expect(limiter.nextWait(0)).toBeCloseTo(1, 0);
  });
});
