import { fullJitterDelay, type Logger } from '@pipeline/commons';
import { readBulkAnswer } from './bulk-response.js';
import { classifyItem, classifyRequestError, describe, type RequestFailure } from './classify.js';
import type { AdaptiveConcurrency } from './concurrency.js';
import type { DocumentErrorCode } from './errors.js';
import type { Item } from './item.js';
import type { ResolvedOptions } from './options.js';
import type { Counters } from './stats.js';
import type { ItemResult } from './types.js';

/** What the retrier decides for documents; the facade carries it out. */
export interface RetrierHost<T> {
  /** Applied (or already there): ends `indexed`. */
  deliver(item: Item<T>, result: ItemResult): void;
  /** Not applied and never will be: ends dead-lettered (or failed). */
  reject(item: Item<T>, code: DocumentErrorCode, reason: string): void;
  /** Retries ran out after a request that may have been applied: a read of the id decides. */
  resolve(items: Item<T>[]): void;
  /** Due again after its backoff. */
  requeue(item: Item<T>): void;
  /** A half of a split request, due as a request of its own. */
  requeueIsolated(items: Item<T>[]): void;
  /** A later write of the id may replace a document going into backoff; `true` if it did. */
  replaceInBackoff(item: Item<T>): boolean;
  /** Something may be sendable now. */
  pump(): void;
}

/**
 * Owns every answer to a bulk request: per item it delivers, retries after a full-jitter backoff, or gives up; a
 * failed request is retried, split to isolate a document at fault, or given up. Pushback (429, 503, rejected
 * execution) and refused connections cost time, not attempts, and slow the sink (concurrency, then rate). Giving up
 * is true to what happened: a document no request may have applied is rejected (`retries-exhausted`); one whose
 * request lost its answer goes to the resolver.
 */
export class Retrier<T> {
  private readonly backingOff = new Set<Item<T>[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Requests failed in a row without an answer between them: from three on, the link is down, not a document bad. */
  private failuresInARow = 0;

  constructor(
    private readonly options: ResolvedOptions<T>,
    private readonly concurrency: AdaptiveConcurrency,
    private readonly counters: Counters,
    private readonly logger: Logger,
    private readonly host: RetrierHost<T>,
  ) {}

  onAnswer(batch: Item<T>[], body: unknown): void {
    this.failuresInARow = 0;
    const answer = readBulkAnswer(batch, body, this.counters);
    if (answer.kind === 'applied') {
      const results = answer.results;
      for (let i = 0; i < batch.length; i++) this.host.deliver(batch[i]!, results[i]!);
      this.concurrency.onSuccess();
      this.host.pump();
      return;
    }
    if (answer.kind === 'invalid') {
      this.counters.requestErrors++;
      this.onFailure(batch, {
        error: { status: 200, type: 'invalid_bulk_response', reason: answer.reason },
        retryable: true,
        throttled: false,
        tooLarge: false,
        neverSent: false,
        pushback: false,
        maybeApplied: true,
      });
      return;
    }
    let retry: Item<T>[] | undefined;
    let throttled = 0;
    const read = answer.items;
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      const response = read[i]!;
      const status = response.status;
      if (status !== undefined && status >= 200 && status < 300 && response.error === undefined) {
        this.host.deliver(item, resultOf(response.result));
        continue;
      }
      const verdict = classifyItem(response, item.action, item.version !== undefined);
      if (verdict.kind === 'delivered') {
        this.host.deliver(item, verdict.result);
      } else if (verdict.kind === 'retry') {
        item.lastError = verdict.error;
        if (verdict.throttled) {
          throttled++;
          this.counters.throttled++;
        } else {
          item.spent++;
        }
        if (retry === undefined) retry = [];
        retry.push(item);
      } else {
        item.lastError = verdict.error;
        this.host.reject(item, 'permanent-error', describe(verdict.error));
      }
    }
    if (throttled > 0) this.concurrency.onThrottled(Date.now(), throttled / batch.length);
    else this.concurrency.onSuccess();
    if (retry !== undefined) this.backOff(retry, false);
    this.host.pump();
  }

  onError(batch: Item<T>[], error: unknown): void {
    this.counters.requestErrors++;
    const failure = classifyRequestError(error);
    this.logger.debug('bulk request failed', {
      status: failure.error.status,
      error: describe(failure.error),
      documents: batch.length,
    });
    this.onFailure(batch, failure);
  }

  /** Every document backing off, for abort; the timers are cleared. */
  drain(): Item<T>[] {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const out: Item<T>[] = [];
    for (const group of this.backingOff) out.push(...group);
    this.backingOff.clear();
    return out;
  }

  private onFailure(batch: Item<T>[], failure: RequestFailure): void {
    // Refused connections, pushback and an outage (every request failing) say nothing about the documents: they
    // cost time (the budget), not attempts. A request that fails while others get answers does cost one.
    const linkFailure = !failure.neverSent && !failure.pushback && failure.error.status === 0;
    if (linkFailure) this.failuresInARow++;
    const outage = this.failuresInARow >= OUTAGE_AFTER;
    // Deterministic failures split at once; a retryable one splits on the second failure of the same documents (a
    // bad document can break a whole request, e.g. a proxy resetting large bodies). Failures while splitting are
    // the request's, not yet a document's: they cost no attempt.
    const deterministic = failure.tooLarge || !failure.retryable;
    const attempts = batch.reduce((max, item) => Math.max(max, item.attempts), 0);
    const split = batch.length > 1 && (deterministic || (attempts >= 2 && !failure.neverSent && !failure.pushback));
    const costsAttempt = !failure.neverSent && !failure.pushback && !(linkFailure && outage) && !split;
    for (const item of batch) {
      item.lastError = failure.error;
      if (failure.maybeApplied) item.maybeApplied = true;
      if (costsAttempt) item.spent++;
    }
    // A failing link slows the sink down like pushback does (fewer requests at once, then spaced out).
    if (failure.throttled || linkFailure) this.concurrency.onThrottled(Date.now());
    if (split) this.counters.splits++;
    if (deterministic) {
      if (split) {
        for (const half of halves(batch)) this.host.requeueIsolated(half);
      } else {
        const code: DocumentErrorCode = failure.tooLarge ? 'too-large' : 'permanent-error';
        const status = failure.error.status;
        this.host.reject(
          batch[0]!,
          code,
          `the bulk request carrying only this document failed with HTTP ${status}: ${describe(failure.error)}`,
        );
      }
    } else if (split) {
      for (const half of halves(batch)) this.backOff(half, true);
    } else {
      this.backOff(batch, false);
    }
    this.host.pump();
  }

  /** Backs the documents off with one full-jitter delay, or gives up on those out of attempts or time. */
  private backOff(items: Item<T>[], isolated: boolean): void {
    const o = this.options;
    const now = Date.now();
    const attempts = items.reduce((max, item) => Math.max(max, item.attempts), 0);
    const delay = fullJitterDelay(attempts, o.baseDelay, o.maxDelay, o.random);
    const waiting: Item<T>[] = [];
    let unsure: Item<T>[] | undefined;
    for (const item of items) {
      let exhausted: string | undefined;
      if (item.spent >= o.maxAttempts) exhausted = `${item.attempts} attempts`;
      else if (now + delay - item.firstSentAt > o.timeBudget) exhausted = `the retry time budget (${o.timeBudget} ms)`;
      if (exhausted !== undefined) {
        const last = item.lastError === undefined ? 'unknown error' : describe(item.lastError);
        if (item.maybeApplied) {
          if (unsure === undefined) unsure = [];
          unsure.push(item);
        } else this.host.reject(item, 'retries-exhausted', `still failing after ${exhausted}: ${last}`);
        continue;
      }
      item.state = 'backoff';
      if (!this.host.replaceInBackoff(item)) waiting.push(item);
    }
    if (unsure !== undefined) this.host.resolve(unsure);
    if (waiting.length === 0) return;
    this.backingOff.add(waiting);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.backingOff.delete(waiting);
      const due = waiting.filter((item) => item.state === 'backoff');
      if (due.length === 0) return;
      if (isolated) this.host.requeueIsolated(due);
      else for (const item of due) this.host.requeue(item);
      this.host.pump();
    }, delay);
    this.timers.add(timer);
  }
}

const OUTAGE_AFTER = 3;

const RESULTS: ReadonlySet<string> = new Set(['created', 'updated', 'noop', 'deleted', 'not_found']);

function resultOf(result: string | undefined): ItemResult {
  return result !== undefined && RESULTS.has(result) ? (result as ItemResult) : 'created';
}

function halves<V>(values: V[]): V[][] {
  const middle = Math.ceil(values.length / 2);
  return [values.slice(0, middle), values.slice(middle)];
}
