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

  it('slows a throttled shard down and recovers after a quiet period', () => {
    const limiter = new Limiter(150);
    limiter.enqueue(kr('s'), 0);
    limiter.drain(0, () => {});
    limiter.onThrottled('s', 0);
    limiter.onThrottled('s', 10); // same window: counted once
    let state = limiter.state()[0]!;
    expect(state.rateFactor).toBeCloseTo(0.7);
    expect(state.recordsPerSecond).toBeCloseTo(1050);
    expect(state.throttles).toBe(2);
    limiter.onThrottled('s', 300);
    expect(limiter.state()[0]!.rateFactor).toBeCloseTo(0.49);
    limiter.drain(1300, () => {});
    limiter.enqueue(kr('s'), 1300);
    limiter.drain(6300, () => {});
    state = limiter.state()[0]!;
    expect(state.rateFactor).toBeCloseTo(0.99, 1);
    limiter.enqueue(kr('s'), 20_000);
    limiter.drain(20_000, () => {});
    expect(limiter.state()[0]!.rateFactor).toBe(1);
  });

  it('tells how long until the next record may pass', () => {
    const limiter = new Limiter(100);
    for (let i = 0; i < 1001; i++) limiter.enqueue(kr('s', 10), 0);
    limiter.drain(0, () => {});
    expect(limiter.nextWait(0)).toBeCloseTo(1, 0);
  });
});
