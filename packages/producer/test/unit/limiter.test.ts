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

  it('slows down by the throttled share of each window and recovers while not throttled', () => {
    const limiter = new Limiter(150);
    limiter.onResult('s', true, 0);
    limiter.onResult('s', false, 10);
    limiter.onResult('s', false, 250); // closes the first window: half throttled
    const state = limiter.state()[0]!;
    expect(state.rateFactor).toBeCloseTo(0.75);
    expect(state.recordsPerSecond).toBeCloseTo(1125);
    expect(state.throttles).toBe(1);
    limiter.onResult('s', true, 300);
    limiter.onResult('s', true, 400);
    limiter.onResult('s', false, 500); // closes the second window: 2 of 3 throttled
    expect(limiter.state()[0]!.rateFactor).toBeCloseTo((0.75 + 0.025) * (2 / 3));
    for (let t = 1500; t <= 10_000; t += 1000) limiter.onResult('s', false, t);
    expect(limiter.state()[0]!.rateFactor).toBe(1);
  });

  it('holds a share of the rate, not zero, under throttling that does not follow its rate', () => {
    const limiter = new Limiter(150);
    for (let w = 0; w < 400; w++) {
      const t = w * 250;
      for (let i = 0; i < 20; i++) limiter.onResult('s', i < 2, t + i);
    }
    const factor = limiter.state()[0]!.rateFactor;
    expect(factor).toBeGreaterThan(0.4);
    expect(factor).toBeLessThan(0.6);
  });

  it('comes down to what the shard takes when its own rate causes the throttling', () => {
    const limiter = new Limiter(150);
    // A shard that takes 1,000 records/s throttles the excess of what the limiter allows.
    for (let w = 0; w < 200; w++) {
      const t = w * 250;
      const allowed = limiter.state()[0]?.recordsPerSecond ?? 1500;
      const sent = Math.round(allowed / 4);
      const accepted = Math.min(sent, 250);
      for (let i = 0; i < sent; i++) limiter.onResult('s', i >= accepted, t + (i * 200) / sent);
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
