import type { ItemErrorDetail } from './errors.js';
import type { BulkAction, ItemResult } from './types.js';

/** How one bulk item (or a whole failed request) is treated. */
export type Verdict =
  | { readonly kind: 'delivered'; readonly result: ItemResult }
  /** Retry after a backoff. `throttled`: the cluster is overloaded (429, rejected execution): lower concurrency. */
  | { readonly kind: 'retry'; readonly throttled: boolean; readonly error: ItemErrorDetail }
  | { readonly kind: 'permanent'; readonly error: ItemErrorDetail };

/** One entry of a bulk response's `items` (`{ "<action>": { status, result?, error? } }`), already unwrapped. */
export interface BulkItemResponse {
  readonly status?: number;
  readonly result?: string;
  readonly error?: unknown;
}

/** Shared verdicts for successes (one per result; no allocation per item). */
const DELIVERED: Readonly<Record<ItemResult, Verdict>> = {
  created: { kind: 'delivered', result: 'created' },
  updated: { kind: 'delivered', result: 'updated' },
  noop: { kind: 'delivered', result: 'noop' },
  deleted: { kind: 'delivered', result: 'deleted' },
  not_found: { kind: 'delivered', result: 'not_found' },
  exists: { kind: 'delivered', result: 'exists' },
  stale: { kind: 'delivered', result: 'stale' },
};
const RESULTS = new Set(['created', 'updated', 'noop', 'deleted', 'not_found']);

function detail(status: number, error: unknown): ItemErrorDetail {
  if (error !== null && typeof error === 'object') {
    const e = error as { type?: unknown; reason?: unknown; caused_by?: { type?: unknown; reason?: unknown } };
    const type = typeof e.type === 'string' ? e.type : 'unknown_error';
    let reason = typeof e.reason === 'string' ? e.reason : JSON.stringify(error);
    const cause = e.caused_by;
    if (cause !== undefined && typeof cause.reason === 'string' && cause.reason !== reason) {
      reason += ` (caused by ${typeof cause.type === 'string' ? `${cause.type}: ` : ''}${cause.reason})`;
    }
    return { status, type, reason, raw: error };
  }
  if (typeof error === 'string') return { status, type: 'unknown_error', reason: error, raw: error };
  return { status, type: 'unknown_error', reason: `HTTP ${status}` };
}

function isRejectedExecution(error: ItemErrorDetail): boolean {
  return error.type.includes('rejected_execution') || error.reason.includes('rejected execution');
}

/**
 * Classifies one bulk item. 2xx (and `not_found` for deletes) is delivered; 409 on `create` is `exists`, 409 with
 * an external version `stale`; 429, rejected execution and 5xx are retried (429 and rejected execution also throttle);
 * every other 4xx (mapping, parsing, missing index) is permanent.
 */
export function classifyItem(item: BulkItemResponse, action: BulkAction, externalVersion: boolean): Verdict {
  const status = typeof item.status === 'number' ? item.status : 0;
  if (status >= 200 && status < 300 && item.error === undefined) {
    const result = typeof item.result === 'string' && RESULTS.has(item.result) ? item.result : 'created';
    return { kind: 'delivered', result: result as ItemResult };
  }
  if (status === 404 && action === 'delete' && item.error === undefined)
    return { kind: 'delivered', result: 'not_found' };
  const error = detail(status, item.error);
  if (status === 409) {
    if (action === 'create') return DELIVERED.exists;
    if (externalVersion && action === 'index') return DELIVERED.stale;
    // A concurrent update of the same document (optimistic concurrency): trying again is right.
    return { kind: 'retry', throttled: false, error };
  }
  if (status === 429 || isRejectedExecution(error)) return { kind: 'retry', throttled: true, error };
  if (status >= 500 || status === 408 || status === 0) return { kind: 'retry', throttled: false, error };
  return { kind: 'permanent', error };
}

/** How a whole bulk request failed. */
export interface RequestFailure {
  readonly error: ItemErrorDetail;
  /** Retry (after a backoff) rather than split down to isolate a bad document. */
  readonly retryable: boolean;
  /** Overload (429, rejected execution, 502/503/504): lower the concurrency. */
  readonly throttled: boolean;
  /** 413: split at once (no backoff, no attempt counted). */
  readonly tooLarge: boolean;
  /** The request surely never reached the server (connection refused, DNS): nothing can have been applied. */
  readonly neverSent: boolean;
  /** The cluster only pushed back (429, 503, rejected execution): nothing was applied; costs time, not attempts. */
  readonly pushback: boolean;
  /**
   * The answer was lost after the request may have reached the cluster (connection reset, timeout, 500/502/504, an
   * unreadable response): some or all of its documents may have been applied.
   */
  readonly maybeApplied: boolean;
}

const NEVER_SENT = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/;

interface ClientErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  meta?: { statusCode?: unknown; body?: unknown };
}

/** Classifies a rejected bulk request: a `ResponseError` with a status, or a connection / timeout / abort error. */
export function classifyRequestError(error: unknown): RequestFailure {
  const e = (typeof error === 'object' && error !== null ? error : {}) as ClientErrorLike;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const status = typeof e.meta?.statusCode === 'number' ? e.meta.statusCode : 0;
  if (status === 0) {
    const code = typeof e.code === 'string' ? e.code : '';
    const neverSent = NEVER_SENT.test(message) || NEVER_SENT.test(code);
    return {
      error: { status: 0, type: name, reason: message },
      retryable: true,
      throttled: false,
      tooLarge: false,
      neverSent,
      pushback: false,
      maybeApplied: !neverSent,
    };
  }
  const body = e.meta?.body;
  const bodyError = body !== null && typeof body === 'object' ? (body as { error?: unknown }).error : body;
  const d = detail(status, bodyError ?? message);
  // 429 and rejected execution: the cluster is overloaded; 502/503/504 from a node or load balancer usually too.
  const pushback = status === 429 || status === 503 || isRejectedExecution(d);
  const throttled = pushback || status === 502 || status === 504;
  return {
    error: d,
    // 401/403: credentials can refresh (SigV4) or a policy can be fixed: retry within the budget, never split.
    retryable: throttled || status >= 500 || status === 408 || status === 401 || status === 403,
    throttled,
    tooLarge: status === 413,
    neverSent: false,
    pushback,
    maybeApplied: !pushback && (status === 500 || status === 502 || status === 504),
  };
}

/** One line for a dead letter: `type: reason`. */
export function describe(error: ItemErrorDetail): string {
  return `${error.type}: ${error.reason}`;
}
