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
  /**
   * The bulk lines in flat parts, joined only into the request body (no per-document concatenation to allocate,
   * retain and flatten): `prefix` (`{"<op>":{"_index":<index>`, shared by every document of that op and index),
   * `idJson` (the JSON-quoted id, or empty), `meta` (routing and version, usually empty), then `}}\n`, and `source`
   * (the serialized document, wrapped in `{"doc":…}` for updates; empty for a delete) followed by `\n`.
   */
  readonly prefix: string;
  readonly idJson: string;
  readonly meta: string;
  readonly source: string;
  /** UTF-8 bytes of the two lines. */
  readonly bytes: number;
  /** A full-document write (index, create, delete): a later one may replace it before it is sent. */
  readonly replaceable: boolean;
  state: ItemState;
  /** Counted in the sink's buffered documents and bytes. */
  admitted: boolean;
  /** The current write of its id (in its lane's map). */
  current: boolean;
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
