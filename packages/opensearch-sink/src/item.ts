import type { ItemErrorDetail } from './errors.js';
import type { WriteOutcome } from './outcomes.js';
import type { BulkAction } from './types.js';

/**
 * Where a document is: waiting for capacity (`admission`), waiting for an earlier write of its id (`held`), queued
 * (`ready`, or `isolated` in a half of a split request), `inflight`, `backoff`, `resolving` (a read decides whether a
 * lost request was applied), `ending` (its dead letter is being handed over) or `done`.
 */
export type ItemState =
  | 'admission'
  | 'held'
  | 'ready'
  | 'isolated'
  | 'inflight'
  | 'backoff'
  | 'resolving'
  | 'ending'
  | 'done';

/** One write on its way through the stages. */
export interface Item<T> {
  readonly seq: number;
  /** Position in a `writeAll()` source; -1 for `write()`. */
  readonly position: number;
  readonly document: T;
  readonly index: string;
  readonly id: string | undefined;
  readonly action: BulkAction;
  /** External version (`version_type: external`), for `index` actions with a `version` function. */
  readonly version: number | undefined;
  readonly routing: string | undefined;
  /** The action line and the source line, each ending in `\n`. */
  readonly lines: string;
  /** Where the source line starts in `lines` (`lines.length` for a delete). */
  readonly sourceAt: number;
  readonly bytes: number;
  /** A full-document write (index, create, delete): a later one may replace it before it is sent. */
  readonly replaceable: boolean;
  state: ItemState;
  /** Counted in the sink's buffered documents and bytes. */
  admitted: boolean;
  /** Later writes of this id waiting for this one (only on the current write of an id; allocated on first use). */
  waiting: Item<T>[] | undefined;
  /** Bulk requests that carried the document. */
  attempts: number;
  /** Attempts that count against `retry.maxAttempts` (not refused connections, not pushback). */
  spent: number;
  firstSentAt: number;
  lastError: ItemErrorDetail | undefined;
  /** A request carrying it lost its answer after it may have reached the cluster: it may have been applied. */
  maybeApplied: boolean;
  readonly settle: (outcome: WriteOutcome<T>) => void;
}
