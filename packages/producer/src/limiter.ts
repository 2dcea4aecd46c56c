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
    private capacity: number,
    public ratePerSecond: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Drops the tokens saved up (after a cut, a burst would be throttled and blur the verdict). */
  empty(): void {
    if (this.tokens > 0) this.tokens = 0;
  }

  /** Sets the refill rate and the capacity to one second of it. */
  setRate(ratePerSecond: number): void {
    this.ratePerSecond = ratePerSecond;
    this.capacity = ratePerSecond;
    if (this.tokens > ratePerSecond) this.tokens = ratePerSecond;
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
  /** Share of results throttled whatever the producer's rate (a neighbour, a noisy service): not slowed down for. */
  readonly backgroundThrottleShare: number;
}

/**
 * A rate cut on trial: kept if throttling fell with the rate, undone if it did not. Only answers to requests sent
 * after the cut count; the verdict comes as soon as the evidence is clear.
 */
interface Trial {
  /** Factor before the cut. */
  readonly from: number;
  /** Throttled share (background included) that caused the cut. */
  readonly share: number;
  readonly cutAt: number;
  results: number;
  throttled: number;
}

interface ShardLane {
  readonly shardId: string;
  readonly queue: KinesisRecord[];
  head: number;
  readonly records: TokenBucket;
  readonly bytes: TokenBucket;
  factor: number;
  throttles: number;
  background: number;
  trial: Trial | undefined;
  /** Factor at which the shard was last found saturated by our own rate; undefined when unknown. */
  capacity: number | undefined;
  windowStart: number;
  windowResults: number;
  windowThrottled: number;
  windowBytes: number;
  windowThrottledBytes: number;
}

/**
 * Adaptation. A window closes after at least WINDOW_MS and MIN_RESULTS results (or MAX_WINDOW_MS). Its throttled
 * share (by Kinesis records and by bytes, the larger) is compared with the background share: throttling that does
 * not follow our rate, learned by experiment. A share clearly above the background cuts the rate to what the shard
 * accepted, on trial: if throttling falls with the rate, the cut was right (the shard's capacity is found and the
 * rate then creeps up towards it slowly); if it does not, the throttling does not follow our rate, the cut is undone
 * and that share becomes the background. So random throttling at a constant share keeps the configured rate (the
 * throttled records are retried), while a shard saturated by our own rate is fed just under what it takes.
 */
const WINDOW_MS = 250;
const MIN_RESULTS = 20;
const MAX_WINDOW_MS = 2000;
/** A window with throttled answers but fewer than MIN_RESULTS closes after this long anyway. */
const LONGEST_WINDOW_MS = 10_000;
/** A cut on trial gets its verdict by then at the latest. */
const TRIAL_MAX_MS = 5000;
const MIN_FACTOR = 0.05;
/** Cut to this share of what the shard accepted, to drain its burst allowance. */
const CUT_MARGIN = 0.97;
/** Recovery while far from a known capacity: of the configured rate, per second. */
const RECOVERY_PER_SECOND = 0.1;
/** Recovery near a known capacity: of the current rate, per second. */
const PROBE_PER_SECOND = 0.03;
/** Above this multiple of the known capacity without throttling, the capacity is forgotten. */
const CAPACITY_FORGET = 1.1;

/**
 * Per-shard token buckets (records/s and bytes/s × `rateLimit`%) that slow down when a shard is throttled by the
 * producer's own rate and recover when it is not — the KPL's limiter never reacts to throttling.
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

  /** Kinesis records waiting for tokens on one shard. */
  queuedFor(shardId: string): number {
    const lane = this.lanes.get(shardId);
    return lane === undefined ? 0 : lane.queue.length - lane.head;
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
        record.passedAt = now;
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
      const needBytes = Math.max(0, Math.min(record.size, lane.bytes.ratePerSecond) - lane.bytes.available);
      const ms = Math.max(
        (needRecords / lane.records.ratePerSecond) * 1000,
        (needBytes / lane.bytes.ratePerSecond) * 1000,
      );
      wait = wait === undefined ? ms : Math.min(wait, ms);
    }
    return wait;
  }

  /**
   * A Kinesis record sent to this shard came back: accepted, or throttled (`ProvisionedThroughputExceededException`).
   * `bytes` is its size (partition key + data); `sentAt` when it passed the limiter.
   */
  onResult(shardId: string, throttled: boolean, now: number, bytes = 1, sentAt = now): void {
    const lane = this.lane(shardId, now);
    if (throttled) lane.throttles++;
    const trial = lane.trial;
    if (trial !== undefined) {
      if (sentAt > trial.cutAt) {
        trial.results++;
        if (throttled) trial.throttled++;
      }
      lane.records.refill(now);
      lane.bytes.refill(now);
      this.judge(lane, trial, now);
      return;
    }
    lane.windowResults++;
    lane.windowBytes += bytes;
    if (throttled) {
      lane.windowThrottled++;
      lane.windowThrottledBytes += bytes;
    }
    this.update(lane, now);
  }

  /** A shard answered `ProvisionedThroughputExceededException` to a whole request. */
  onThrottled(shardId: string, now: number, bytes = 1, sentAt = now): void {
    this.onResult(shardId, true, now, bytes, sentAt);
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
      backgroundThrottleShare: lane.background,
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
        background: 0,
        trial: undefined,
        capacity: undefined,
        windowStart: now,
        windowResults: 0,
        windowThrottled: 0,
        windowBytes: 0,
        windowThrottledBytes: 0,
      };
      this.lanes.set(shardId, lane);
    }
    return lane;
  }

  private update(lane: ShardLane, now: number): void {
    lane.records.refill(now);
    lane.bytes.refill(now);
    const elapsed = now - lane.windowStart;
    if (lane.trial !== undefined) {
      if (now - lane.trial.cutAt >= TRIAL_MAX_MS) this.judge(lane, lane.trial, now);
      return;
    }
    if (elapsed < WINDOW_MS) return;
    if (lane.windowResults < MIN_RESULTS) {
      // Too few answers to tell a share: recover if none was throttled, else gather more (a few at most).
      if (elapsed < MAX_WINDOW_MS) return;
      if (lane.windowThrottled === 0) {
        this.recover(lane, elapsed);
        this.startWindow(lane, now);
        return;
      }
      if (elapsed < LONGEST_WINDOW_MS) return;
    }
    this.adapt(lane, elapsed, now);
    this.startWindow(lane, now);
  }

  private startWindow(lane: ShardLane, now: number): void {
    lane.windowStart = now;
    lane.windowResults = 0;
    lane.windowThrottled = 0;
    lane.windowBytes = 0;
    lane.windowThrottledBytes = 0;
  }

  private adapt(lane: ShardLane, elapsed: number, now: number): void {
    const n = lane.windowResults;
    if (n === 0) {
      this.recover(lane, elapsed);
      return;
    }
    const share = Math.max(lane.windowThrottled / n, lane.windowThrottledBytes / Math.max(1, lane.windowBytes));
    if (this.excessive(lane, share, n)) {
      // Down to what the shard accepted in the window (records or bytes, whichever binds), a little under it.
      const seconds = elapsed / 1000;
      const accepted = Math.max(
        (n - lane.windowThrottled) / (this.baseRecords * seconds),
        (lane.windowBytes - lane.windowThrottledBytes) / (this.baseBytes * seconds),
      );
      const from = lane.factor;
      this.setFactor(lane, Math.min(from, accepted) * CUT_MARGIN);
      // The shard's own burst allowance is spent (it throttled us): no saved-up burst on top of the new rate.
      lane.records.empty();
      lane.bytes.empty();
      lane.trial = { from, share, cutAt: now, results: 0, throttled: 0 };
      return;
    }
    // Within what the background explains. The background is learned only by trials; here it may fall, never rise
    // (else throttling of our own making, a little at a time, would come to count as background). Recover only
    // while the share is at or under the background; above it, hold the rate.
    if (share < lane.background) lane.background += (share - lane.background) * 0.1;
    if (share <= lane.background) this.recover(lane, elapsed);
  }

  /**
   * Verdict on a cut. Not ours: answers sent after the cut are throttled at half the share before it or more (three
   * throttles at least). Ours: so many answers that the old share would have meant six throttles, and at most a
   * quarter of those came. Without either after TRIAL_MAX_MS, the share since the cut decides against half the old.
   */
  private judge(lane: ShardLane, trial: Trial, now: number): void {
    const expected = trial.results * trial.share;
    let notOurs = trial.throttled >= 3 && trial.throttled >= expected / 2;
    // Not before a window's time: answers come in batches (a response's entries), judge whole ones.
    const ours = now - trial.cutAt >= WINDOW_MS && expected >= 6 && trial.throttled <= expected / 4;
    if (!notOurs && !ours) {
      if (now - trial.cutAt < TRIAL_MAX_MS) return;
      // Out of time: the share since the cut against half the share before it; no answers at all undo the cut.
      notOurs = trial.results === 0 || trial.throttled >= expected / 2;
    }
    lane.trial = undefined;
    this.startWindow(lane, now);
    if (notOurs) {
      // Slower, and throttled as much: not our rate's doing. Undo the cut; that share is the background.
      // The window that caused the cut measured it over many answers; the trial's few answers only confirm it.
      lane.background = Math.min(0.95, Math.max(trial.share, trial.throttled / Math.max(1, trial.results)));
      lane.capacity = undefined;
      this.setFactor(lane, trial.from);
    } else {
      lane.capacity = lane.factor / CUT_MARGIN;
    }
  }

  /** Whether `share` of `n` results is more than the background explains (three standard deviations and a half). */
  private excessive(lane: ShardLane, share: number, n: number): boolean {
    const b = lane.background;
    const throttled = share * n;
    return throttled > b * n + 3 * Math.sqrt(n * b * (1 - b)) + 0.5;
  }

  private recover(lane: ShardLane, elapsed: number): void {
    if (lane.factor >= 1) return;
    const seconds = Math.min(elapsed, LONGEST_WINDOW_MS) / 1000;
    const capacity = lane.capacity;
    let factor: number;
    if (capacity !== undefined && lane.factor >= capacity * CUT_MARGIN && lane.factor < capacity * CAPACITY_FORGET) {
      factor = lane.factor * (1 + PROBE_PER_SECOND * seconds);
    } else {
      if (capacity !== undefined && lane.factor >= capacity * CAPACITY_FORGET) lane.capacity = undefined;
      factor = lane.factor + RECOVERY_PER_SECOND * seconds;
      if (capacity !== undefined && lane.factor < capacity * CUT_MARGIN)
        factor = Math.min(factor, capacity * CUT_MARGIN);
    }
    this.setFactor(lane, factor);
  }

  private setFactor(lane: ShardLane, factor: number): void {
    lane.factor = Math.min(1, Math.max(MIN_FACTOR, factor));
    lane.records.setRate(this.baseRecords * lane.factor);
    lane.bytes.setRate(this.baseBytes * lane.factor);
  }
}
