/** State of the adaptive concurrency limit, as shown in `stats.concurrency`. */
export interface ConcurrencyState {
  /** Bulk requests allowed at once now. */
  readonly limit: number;
  /** Bulk requests in flight now. */
  readonly inFlight: number;
  readonly min: number;
  readonly max: number;
  /** Times the limit was lowered (or the gap widened) after throttling. */
  readonly decreases: number;
  /** Lowest limit so far. */
  readonly lowest: number;
  /**
   * Pause between two bulk requests, ms: 0 unless the cluster keeps pushing back with the limit already at `min`;
   * then it doubles per throttled round (up to `retry.maxDelay`) and halves per clean response.
   */
  readonly gapMs: number;
}

/** A decrease needs more than this share of throttled documents (whole failed requests count fully) since the last decision. */
const THROTTLED_SHARE = 0.5;

/**
 * AIMD on concurrency, then on rate. Pushback that follows the sink's rate (most responses throttled: 429 or
 * rejected execution items, a whole-request 429/502/503/504, a failing link) halves the limit, at most once per
 * `cooldownMs` (responses of requests sent before the cut carry no news); throttling of a minority of responses is
 * noise the sink cannot fix by slowing down (its documents are retried) and does not lower the limit. Every clean
 * response adds 1/limit, so the limit grows by about one per round of requests and recovers to `max`. Once the limit
 * is at `min` and the cluster still pushes back, requests are spaced by a gap that doubles per throttled round and
 * halves per clean response.
 */
export class AdaptiveConcurrency {
  private value: number;
  private lastDecrease = Number.NEGATIVE_INFINITY;
  private decreaseCount = 0;
  private lowestLimit: number;
  private gap = 0;
  private nextSendAt = 0;
  private windowResponses = 0;
  private windowThrottled = 0;
  inFlight = 0;

  constructor(
    readonly min: number,
    readonly max: number,
    private readonly gapBaseMs = 100,
    private readonly gapMaxMs = 10_000,
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

  /** When the next request may start, epoch ms (0: now). */
  get sendAt(): number {
    return this.gap === 0 ? 0 : this.nextSendAt;
  }

  /** A request starts now. */
  onSend(now: number): void {
    this.inFlight++;
    if (this.gap > 0) this.nextSendAt = now + this.gap;
  }

  /** A throttled response; `share`: the part of it throttled (throttled items / items, 1 for a whole request). */
  onThrottled(now: number, share = 1): void {
    this.windowResponses++;
    this.windowThrottled += share;
    if (now - this.lastDecrease < this.cooldownMs) return;
    if (this.windowThrottled <= this.windowResponses * THROTTLED_SHARE) return;
    this.lastDecrease = now;
    this.windowResponses = 0;
    this.windowThrottled = 0;
    if (this.limit <= this.min) this.gap = Math.min(this.gapMaxMs, Math.max(this.gapBaseMs, this.gap * 2));
    this.value = Math.max(this.min, Math.floor(this.value / 2));
    this.decreaseCount++;
    if (this.limit < this.lowestLimit) this.lowestLimit = this.limit;
  }

  onSuccess(): void {
    this.windowResponses++;
    if (this.gap > 0) {
      this.gap = this.gap / 2 < this.gapBaseMs / 2 ? 0 : this.gap / 2;
      return;
    }
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
      gapMs: this.gap,
    };
  }
}
