import type { DeadLetter, DocumentError, ItemErrorDetail } from './errors.js';
import type { BulkAction, ItemResult } from './types.js';

/** The document was applied (indexed, updated, deleted) or is already there as written (`exists`, `stale`). */
export interface IndexedOutcome<T> {
  readonly status: 'indexed';
  readonly document: T;
  readonly index: string;
  readonly id: string | undefined;
  readonly action: BulkAction;
  readonly result: ItemResult;
  /** Bulk requests that carried the document. */
  readonly attempts: number;
}

/** A later write of the same id replaced this document before it was sent (or while it was backing off). */
export interface SupersededOutcome<T> {
  readonly status: 'superseded';
  readonly document: T;
  readonly index: string;
  readonly id: string | undefined;
  readonly attempts: number;
}

/** The document was not applied and `onDeadLetter` took it. */
export interface DeadLetteredOutcome<T> {
  readonly status: 'dead-lettered';
  readonly document: T;
  readonly letter: DeadLetter<T>;
}

/**
 * The sink cannot tell whether the document was applied: a request carrying it lost its answer after it may have
 * reached the cluster (connection reset, timeout, 502/504), the retries ran out, and a read of its id could not settle
 * it (no id, a partial `update`/`upsert`, or the read failed too). `reason` says which and what to do: with an id, an
 * `index`, `create` or `delete` can be written again safely (it is idempotent); without one, a rewrite may duplicate.
 */
export interface UnknownOutcome<T> {
  readonly status: 'unknown';
  readonly document: T;
  readonly index: string;
  readonly id: string | undefined;
  readonly action: BulkAction;
  readonly attempts: number;
  readonly reason: string;
  /** The last error seen. */
  readonly error: ItemErrorDetail | undefined;
}

/** The document was not applied and nobody took it (no `onDeadLetter`, or it threw). `write()` rejects instead. */
export interface FailedOutcome<T> {
  readonly status: 'failed';
  readonly document: T;
  readonly error: DocumentError<T>;
}

/** What `write()` resolves to. */
export type WriteResult<T> = IndexedOutcome<T> | SupersededOutcome<T> | DeadLetteredOutcome<T> | UnknownOutcome<T>;
/** Every possible end of a document, as `writeAll()` reports it. */
export type WriteOutcome<T> = WriteResult<T> | FailedOutcome<T>;
/** An outcome of `writeAll()`, with the document's position in the source. */
export type PositionedOutcome<T> = WriteOutcome<T> & { readonly position: number };
