import { MIB } from './options.js';
import type { KinesisRecord } from './pending-record.js';

/** The service's per-shard write limits. */
export const SHARD_RECORDS_PER_SECOND = 1000;
export const SHARD_BYTES_PER_SECOND = MIB;

/** A token bucket refilled continuously; a take larger than the capacity is allowed from a full bucket (debt). */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly capacity: number,
    public ratePerSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  get available(): number {
    return this.tokens;
  }

  refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (elapsed / 1000) * this.ratePerSecond);
      this.last = now;
    }
  }

  canTake(amount: number): boolean {
    return this.tokens >= Math.min(amount, this.capacity);
  }

  take(amount: number): void {
    this.tokens -= amount;
  }
}

/** Limiter state of one shard, as shown in metrics. */
export interface ShardLimiterState {
  readonly shardId: string;
  /** Share of the configured rate in force now: 1 is `rateLimit`%, lower after throttling. */
  readonly rateFactor: number;
  readonly recordsPerSecond: number;
  readonly bytesPerSecond: number;
  readonly queued: number;
  readonly throttles: number;
}

interface ShardLane {
  readonly shardId: string;
  readonly queue: KinesisRecord[];
  head: number;
  readonly records: TokenBucket;
  readonly bytes: TokenBucket;
  factor: number;
  throttles: number;
  windowStart: number;
  windowResults: number;
  windowThrottled: number;
}

/**
 * Adaptation, evaluated per window: the rate recovers by 10% of the configured rate per second, and a window with
 * throttled records scales it by (1 − ½ × throttled share). Throttling caused by our own rate (say 150%
 * of a shard's capacity, a third throttled) brings the rate down to the shard's capacity in a few windows; throttling
 * that does not follow our rate (a neighbour writing to the same shard, a noisy service) settles at a share instead
 * of collapsing: 10% of records throttled at random holds the rate near half.
 */
const WINDOW_MS = 250;
const DECREASE_WEIGHT = 0.5;
const MIN_FACTOR = 0.05;
const RECOVERY_PER_SECOND = 0.1;

/**
 * Per-shard token buckets (records/s and bytes/s × `rateLimit`%) that slow down when a shard is throttled and
 * recover when it is not — the KPL's limiter never reacts to throttling.
 */
export class Limiter {
  private readonly lanes = new Map<string, ShardLane>();
  private queuedCount = 0;
  private readonly baseRecords: number;
  private readonly baseBytes: number;

  constructor(rateLimitPercent: number) {
    this.baseRecords = (SHARD_RECORDS_PER_SECOND * rateLimitPercent) / 100;
    this.baseBytes = (SHARD_BYTES_PER_SECOND * rateLimitPercent) / 100;
  }

  get queued(): number {
    return this.queuedCount;
  }

  enqueue(record: KinesisRecord, now: number): void {
    if (record.shardId === undefined) throw new Error('limiter needs a predicted shard');
    this.lane(record.shardId, now).queue.push(record);
    this.queuedCount++;
  }

  /** Passes every queued record whose shard has tokens to `emit`, in order per shard. */
  drain(now: number, emit: (record: KinesisRecord) => void): void {
    if (this.queuedCount === 0) return;
    for (const lane of this.lanes.values()) {
      if (lane.head === lane.queue.length) continue;
      this.update(lane, now);
      while (lane.head < lane.queue.length) {
        const record = lane.queue[lane.head]!;
        if (!lane.records.canTake(1) || !lane.bytes.canTake(record.size)) break;
        lane.records.take(1);
        lane.bytes.take(record.size);
        lane.head++;
        this.queuedCount--;
        emit(record);
      }
      if (lane.head === lane.queue.length) {
        lane.queue.length = 0;
        lane.head = 0;
      } else if (lane.head > 1024) {
        lane.queue.splice(0, lane.head);
        lane.head = 0;
      }
    }
  }

  /** Takes every queued record out (close at its deadline). */
  takeAll(): KinesisRecord[] {
    const out: KinesisRecord[] = [];
    for (const lane of this.lanes.values()) {
      out.push(...lane.queue.slice(lane.head));
      lane.queue.length = 0;
      lane.head = 0;
    }
    this.queuedCount = 0;
    return out;
  }

  /** Ms until the next queued record could pass, if any is queued. */
  nextWait(now: number): number | undefined {
    let wait: number | undefined;
    for (const lane of this.lanes.values()) {
      const record = lane.queue[lane.head];
      if (record === undefined) continue;
      this.update(lane, now);
      const needRecords = Math.max(0, 1 - lane.records.available);
      const needBytes = Math.max(0, Math.min(record.size, SHARD_BYTES_PER_SECOND) - lane.bytes.available);
      const ms = Math.max(
        (needRecords / lane.records.ratePerSecond) * 1000,
        (needBytes / lane.bytes.ratePerSecond) * 1000,
      );
      wait = wait === undefined ? ms : Math.min(wait, ms);
    }
    return wait;
  }

  /** A Kinesis record sent to this shard came back: accepted, or throttled (`ProvisionedThroughputExceededException`). */
  onResult(shardId: string, throttled: boolean, now: number): void {
    const lane = this.lane(shardId, now);
    this.update(lane, now);
    lane.windowResults++;
    if (throttled) {
      lane.throttles++;
      lane.windowThrottled++;
    }
  }

  /** A shard answered `ProvisionedThroughputExceededException`. */
  onThrottled(shardId: string, now: number): void {
    this.onResult(shardId, true, now);
  }

  /** Removes lanes of shards that no longer exist and hold nothing. */
  forgetIdle(openShardIds: ReadonlySet<string>): void {
    for (const [id, lane] of this.lanes) {
      if (!openShardIds.has(id) && lane.head === lane.queue.length) this.lanes.delete(id);
    }
  }

  state(): ShardLimiterState[] {
    return [...this.lanes.values()].map((lane) => ({
      shardId: lane.shardId,
      rateFactor: lane.factor,
      recordsPerSecond: lane.records.ratePerSecond,
      bytesPerSecond: lane.bytes.ratePerSecond,
      queued: lane.queue.length - lane.head,
      throttles: lane.throttles,
    }));
  }

  private lane(shardId: string, now: number): ShardLane {
    let lane = this.lanes.get(shardId);
    if (lane === undefined) {
      lane = {
        shardId,
        queue: [],
        head: 0,
        // One second of tokens: a burst never exceeds what the shard takes in a second at the configured rate.
        records: new TokenBucket(this.baseRecords, this.baseRecords, now),
        bytes: new TokenBucket(this.baseBytes, this.baseBytes, now),
        factor: 1,
        throttles: 0,
        windowStart: now,
        windowResults: 0,
        windowThrottled: 0,
      };
      this.lanes.set(shardId, lane);
    }
    return lane;
  }

  private update(lane: ShardLane, now: number): void {
    lane.records.refill(now);
    lane.bytes.refill(now);
    const elapsed = now - lane.windowStart;
    if (elapsed < WINDOW_MS) return;
    let factor = Math.min(1, lane.factor + (Math.min(elapsed, 1000) / 1000) * RECOVERY_PER_SECOND);
    if (lane.windowThrottled > 0) {
      const share = lane.windowThrottled / Math.max(lane.windowResults, lane.windowThrottled);
      factor = Math.max(MIN_FACTOR, factor * (1 - DECREASE_WEIGHT * share));
    }
    lane.factor = factor;
    this.applyFactor(lane);
    lane.windowStart = now;
    lane.windowResults = 0;
    lane.windowThrottled = 0;
  }

  private applyFactor(lane: ShardLane): void {
    lane.records.ratePerSecond = this.baseRecords * lane.factor;
    lane.bytes.ratePerSecond = this.baseBytes * lane.factor;
  }
}
