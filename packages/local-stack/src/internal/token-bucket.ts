/**
 * Continuous-refill token bucket. Capacity defaults to one second of the rate (like a Kinesis shard's 1 s window).
 * Times are milliseconds from any monotonic clock (default `performance.now()`).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number = ratePerSecond,
    now: number = performance.now(),
  ) {
    if (!(ratePerSecond > 0) || !(capacity > 0)) throw new RangeError('rate and capacity must be > 0');
    this.tokens = capacity;
    this.last = now;
  }

  /** Tokens available at `now`. */
  available(now: number = performance.now()): number {
    this.refill(now);
    return this.tokens;
  }

  /**
   * Whether `amount` can be taken now. A full bucket admits one oversize request (`amount > capacity`) and goes
   * into debt, so a single large record is throttled by time rather than rejected forever.
   */
  canTake(amount: number, now: number = performance.now()): boolean {
    this.refill(now);
    return this.tokens >= amount || this.tokens >= this.capacity;
  }

  /** Takes `amount` if {@link canTake}; returns whether it did. */
  tryTake(amount: number, now: number = performance.now()): boolean {
    if (!this.canTake(amount, now)) return false;
    this.tokens -= amount;
    return true;
  }

  /** Takes unconditionally (may go negative). */
  take(amount: number, now: number = performance.now()): void {
    this.refill(now);
    this.tokens -= amount;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
      this.last = now;
    }
  }
}

/** A Kinesis shard's write budget: bytes and records, both must have room. */
export class ShardBudget {
  readonly bytes: TokenBucket;
  readonly records: TokenBucket;

  constructor(bytesPerSecond: number, recordsPerSecond: number, now: number = performance.now()) {
    this.bytes = new TokenBucket(bytesPerSecond, bytesPerSecond, now);
    this.records = new TokenBucket(recordsPerSecond, recordsPerSecond, now);
  }

  /** Charges one record of `bytes` if both buckets allow it; returns whether it did. */
  tryCharge(bytes: number, now: number = performance.now()): boolean {
    if (!this.bytes.canTake(bytes, now) || !this.records.canTake(1, now)) return false;
    this.bytes.take(bytes, now);
    this.records.take(1, now);
    return true;
  }
}
