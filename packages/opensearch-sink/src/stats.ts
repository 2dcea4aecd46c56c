import type { ConcurrencyState } from './concurrency.js';

/** Bulk request latency over the last 1024 requests, ms. */
export interface LatencyPercentiles {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** Live counters of a sink (`sink.stats`). Document counts are per document, not per attempt. */
export interface SinkStats {
  /** Documents accepted by `write()` / `writeAll()`. */
  readonly received: number;
  /** Documents delivered: created + updated + noop + deleted + notFound + exists + stale. */
  readonly indexed: number;
  readonly created: number;
  readonly updated: number;
  readonly noop: number;
  readonly deleted: number;
  /** `delete` of a missing document. */
  readonly notFound: number;
  /** 409 on `create`: the document was already there (a retry or replay of a deterministic id). */
  readonly exists: number;
  /** 409 with an external version: a newer version was already stored. */
  readonly stale: number;
  /** Replaced by a later write of the same id before it was sent (or while it was backing off). */
  readonly superseded: number;
  /**
   * Ended `unknown`: a request carrying the document lost its answer, the retries ran out and a read of its id could
   * not settle it (no id, a partial update, or the read failed): it may have been applied.
   */
  readonly unknown: number;
  /** Document retries (a document in a retried request counts once per retry). */
  readonly retried: number;
  /** Documents whose item came back 429 or rejected-execution (per attempt). */
  readonly throttled: number;
  /** Documents that ended in a rejected `write()` / a `failed` outcome (no dead-letter callback, or it threw). */
  readonly failed: number;
  /** Documents handed to `onDeadLetter`. */
  readonly deadLettered: number;
  /** Accepted and not settled yet (queued, in flight, backing off, waiting for an earlier write of their id). */
  readonly pending: number;
  /** Writers waiting for capacity. */
  readonly waiting: number;
  /** Bulk request body bytes sent (every attempt). */
  readonly bytes: number;
  /** Bulk requests sent. */
  readonly requests: number;
  /** Bulk requests that failed as a whole (network, timeout, non-2xx). */
  readonly requestErrors: number;
  /** Failed requests split in two to isolate a document (413, or a repeated request-level failure). */
  readonly splits: number;
  readonly concurrency: ConcurrencyState;
  readonly latency: LatencyPercentiles;
  /** Server-side `took` summed over responses, ms. */
  readonly tookMs: number;
}

const WINDOW = 1024;

export class LatencyWindow {
  private readonly values = new Float64Array(WINDOW);
  private count = 0;

  add(ms: number): void {
    this.values[this.count % WINDOW] = ms;
    this.count++;
  }

  snapshot(): LatencyPercentiles {
    const n = Math.min(this.count, WINDOW);
    if (n === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
    const sorted = this.values.slice(0, n).sort();
    const at = (q: number) => sorted[Math.min(n - 1, Math.ceil(q * n) - 1)] ?? 0;
    let sum = 0;
    for (const v of sorted) sum += v;
    return { count: this.count, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[n - 1] ?? 0, mean: sum / n };
  }
}

/** Mutable counters behind `SinkStats`. */
export class Counters {
  received = 0;
  created = 0;
  updated = 0;
  noop = 0;
  deleted = 0;
  notFound = 0;
  exists = 0;
  stale = 0;
  superseded = 0;
  unknown = 0;
  retried = 0;
  throttled = 0;
  failed = 0;
  deadLettered = 0;
  bytes = 0;
  requests = 0;
  requestErrors = 0;
  splits = 0;
  tookMs = 0;
  readonly latency = new LatencyWindow();
}
