/** State of the adaptive concurrency limit, as shown in `stats.concurrency`. */
export interface ConcurrencyState {
  /** Bulk requests allowed at once now. */
  readonly limit: number;
  /** Bulk requests in flight now. */
  readonly inFlight: number;
  readonly min: number;
  readonly max: number;
  /** Times the limit was lowered after throttling. */
  readonly decreases: number;
  /** Lowest limit so far. */
  readonly lowest: number;
}

/**
 * AIMD: a throttled response (429 or rejected execution in any item, or a whole-request 429/503) halves the limit,
 * at most once per `cooldownMs` (responses of requests sent before the cut carry no news); every response without
 * throttling adds 1/limit, so the limit grows by about one per round of requests and recovers to `max`.
 */
export class AdaptiveConcurrency {
  private value: number;
  private lastDecrease = Number.NEGATIVE_INFINITY;
  private decreaseCount = 0;
  private lowestLimit: number;
  inFlight = 0;

  constructor(
    readonly min: number,
    readonly max: number,
    private readonly cooldownMs = 1000,
  ) {
    this.value = max;
    this.lowestLimit = max;
  }

  get limit(): number {
    return Math.max(this.min, Math.floor(this.value));
  }

  get available(): boolean {
    return this.inFlight < this.limit;
  }

  onThrottled(now: number): void {
    if (now - this.lastDecrease < this.cooldownMs) return;
    this.lastDecrease = now;
    this.value = Math.max(this.min, Math.floor(this.value / 2));
    this.decreaseCount++;
    if (this.limit < this.lowestLimit) this.lowestLimit = this.limit;
  }

  onSuccess(): void {
    if (this.value < this.max) this.value = Math.min(this.max, this.value + 1 / Math.max(1, Math.floor(this.value)));
  }

  state(): ConcurrencyState {
    return {
      limit: this.limit,
      inFlight: this.inFlight,
      min: this.min,
      max: this.max,
      decreases: this.decreaseCount,
      lowest: this.lowestLimit,
    };
  }
}
