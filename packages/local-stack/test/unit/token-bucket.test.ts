import { describe, expect, it } from 'vitest';
import { ShardBudget, TokenBucket } from '../../src/internal/token-bucket.js';

describe('TokenBucket', () => {
  it('starts full with one second of capacity and refills continuously', () => {
    const bucket = new TokenBucket(1000, undefined, 0);
    expect(bucket.capacity).toBe(1000);
    expect(bucket.tryTake(600, 0)).toBe(true);
    expect(bucket.tryTake(600, 0)).toBe(false);
    expect(bucket.available(0)).toBe(400);
    expect(bucket.available(100)).toBeCloseTo(500); // +100 after 100 ms
    expect(bucket.tryTake(500, 100)).toBe(true);
    expect(bucket.available(100)).toBeCloseTo(0);
    expect(bucket.available(10_000)).toBe(1000); // capped at capacity
  });

  it('admits one oversize take from a full bucket, then goes into debt', () => {
    const bucket = new TokenBucket(100, 100, 0);
    expect(bucket.tryTake(250, 0)).toBe(true);
    expect(bucket.available(0)).toBe(-150);
    expect(bucket.tryTake(1, 1000)).toBe(false); // -150 + 100 = -50
    expect(bucket.tryTake(1, 2600)).toBe(true); // refilled to 100
  });

  it('does not go backwards in time', () => {
    const bucket = new TokenBucket(10, 10, 1000);
    bucket.take(10, 1000);
    expect(bucket.available(500)).toBe(0);
  });

  it('rejects a non-positive rate', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
  });
});

describe('ShardBudget', () => {
  it('needs room in both the bytes and the records bucket, and charges both', () => {
    const budget = new ShardBudget(1000, 3, 0);
    expect(budget.tryCharge(400, 0)).toBe(true);
    expect(budget.tryCharge(400, 0)).toBe(true);
    expect(budget.tryCharge(400, 0)).toBe(false); // bytes: 200 left
    expect(budget.records.available(0)).toBe(1); // the failed charge took nothing
    expect(budget.tryCharge(100, 0)).toBe(true);
    expect(budget.tryCharge(1, 0)).toBe(false); // records exhausted
    expect(budget.tryCharge(1, 400)).toBe(true); // 1.2 records refilled
  });
});
