/** Fault probabilities (0..1, default 0) and added latency. */
export interface FaultRates {
  /** Per PutRecords entry: answer it with ErrorCode ProvisionedThroughputExceededException (not forwarded). */
  recordThroughputExceeded?: number;
  /** Per PutRecords entry: answer it with ErrorCode InternalFailure (not forwarded). */
  recordInternalFailure?: number;
  /** Per request: HTTP 500 `{"__type":"InternalFailure"}` without forwarding. */
  http500?: number;
  /** Per request: HTTP 503 `{"__type":"ServiceUnavailable"}` without forwarding. */
  http503?: number;
  /** Per request: destroy the client socket, never forward (the request never arrived). */
  resetBeforeForward?: number;
  /** Per request: forward, then destroy the client socket instead of answering (the write happened; retry duplicates). */
  resetAfterForward?: number;
  /** Delay added to each request, ms. */
  latencyMs?: number;
}

/** Per-shard write limits; AWS: 1_048_576 bytes/s and 1000 records/s. */
export interface ShardRateLimit {
  bytesPerSecond: number;
  recordsPerSecond: number;
}

/** The real per-shard write limits of Kinesis Data Streams. */
export const KINESIS_SHARD_LIMIT: Readonly<ShardRateLimit> = Object.freeze({
  bytesPerSecond: 1_048_576,
  recordsPerSecond: 1000,
});

export interface FaultProxyOptions {
  /** Emulator endpoint, e.g. `http://127.0.0.1:4568`. */
  target: string;
  /** Port on 127.0.0.1. Default: a free port. */
  port?: number;
  faults?: FaultRates;
  /** X-Amz-Target operations the faults apply to. Default `['PutRecords', 'PutRecord']`. */
  operations?: string[];
  /**
   * When set, enforce per-shard write limits on PutRecords/PutRecord (whatever `operations` says): entries over a
   * shard's token buckets get ProvisionedThroughputExceededException, the rest are forwarded.
   */
  shardRateLimit?: ShardRateLimit | null;
  /** Seed of the PRNG behind the fault decisions. Default: random. */
  seed?: number;
}

export interface FaultCounts {
  /** Requests received (all operations). */
  requests: number;
  /** Requests forwarded to the target. */
  forwarded: number;
  /** PutRecords/PutRecord entries forwarded to the target. */
  entriesForwarded: number;
  recordThroughputExceeded: number;
  recordInternalFailure: number;
  /** Entries rejected by the shard rate limit. */
  rateLimited: number;
  http500: number;
  http503: number;
  resetBeforeForward: number;
  resetAfterForward: number;
  /** PutRecords/PutRecord entries that were forwarded but whose response was lost. */
  entriesInResetAfterForward: number;
}

export interface HeldRequest {
  readonly operation: string;
  /** The request body: parsed JSON, or the raw text if it is not JSON. */
  readonly body: unknown;
  /** Lets the request continue (faults, rate limit, forwarding). Idempotent. */
  release(): void;
}

export function zeroCounts(): FaultCounts {
  return {
    requests: 0,
    forwarded: 0,
    entriesForwarded: 0,
    recordThroughputExceeded: 0,
    recordInternalFailure: 0,
    rateLimited: 0,
    http500: 0,
    http503: 0,
    resetBeforeForward: 0,
    resetAfterForward: 0,
    entriesInResetAfterForward: 0,
  };
}

export function validateFaults(faults: FaultRates): FaultRates {
  for (const [key, value] of Object.entries(faults)) {
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`fault ${key} must be a number`);
    if (key === 'latencyMs') {
      if (value < 0) throw new RangeError('latencyMs must be >= 0');
    } else if (value < 0 || value > 1) {
      throw new RangeError(`fault ${key} must be a probability 0..1, got ${value}`);
    }
  }
  return { ...faults };
}

export function validateLimit(limit: ShardRateLimit | null | undefined): ShardRateLimit | null {
  if (limit === null || limit === undefined) return null;
  if (!(limit.bytesPerSecond > 0) || !(limit.recordsPerSecond > 0)) {
    throw new RangeError('shardRateLimit.bytesPerSecond and recordsPerSecond must be > 0');
  }
  return { bytesPerSecond: limit.bytesPerSecond, recordsPerSecond: limit.recordsPerSecond };
}
