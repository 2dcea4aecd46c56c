/**
 * Why a record became `ProcessingFailed`:
 * - `failed`: the transform function returned `failed(reason)`;
 * - `error`: it threw or rejected, or returned something that is not a result (or `ok()` data that cannot be encoded);
 * - `invalid`: the data is not UTF-8 or not JSON, or the `validate` option rejected it;
 * - `timeout`: not finished when the time budget ran out (reason `timed out`);
 * - `overflow`: finished `Ok`, but did not fit in the response size budget (reason `response size budget`).
 */
export type FailureKind = 'failed' | 'error' | 'invalid' | 'timeout' | 'overflow';

/** The reason of records failed by the time budget. */
export const TIMED_OUT_REASON = 'timed out';
/** The reason of records failed by the response size budget. */
export const RESPONSE_BUDGET_REASON = 'response size budget';

/** What one invocation did; given to `onComplete` and written as metrics. */
export interface BatchSummary {
  readonly invocationId: string;
  /** Records in the event. */
  readonly records: number;
  readonly ok: number;
  readonly dropped: number;
  /** All `ProcessingFailed` records; `failures` splits them by kind. */
  readonly failed: number;
  readonly failures: Readonly<Record<FailureKind, number>>;
  /** Decoded bytes of the delivered (`Ok`) records. */
  readonly okBytes: number;
  /** Size of the serialized response, bytes (never above `maxResponseBytes`). */
  readonly responseBytes: number;
  /** True when the time budget ran out before every record finished. */
  readonly timedOut: boolean;
  /** Handler time from the event to the response, ms. */
  readonly durationMs: number;
}
