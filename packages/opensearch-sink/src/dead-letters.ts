import type { Logger } from '@pipeline/commons';
import { type DeadLetter, DocumentError, type DocumentErrorCode, type ItemErrorDetail } from './errors.js';
import type { Item } from './item.js';
import type { WriteOutcome } from './outcomes.js';
import type { BulkAction } from './types.js';

/** Where a dead letter's document was going, as far as known. */
export interface LetterAddress {
  readonly index?: string | undefined;
  readonly id?: string | undefined;
  readonly action?: BulkAction | undefined;
  readonly attempts?: number | undefined;
}

/**
 * Documents that were not applied: each gets a `DeadLetter` with the reason and goes to `onDeadLetter` (it keeps its
 * buffer space until the callback is done, so a slow dead-letter queue slows the sink instead of growing memory).
 * Without a callback, or if it throws, the document ends `failed` (`write()` rejects with a `DocumentError`).
 */
export class DeadLetters<T> {
  /** Documents handed to `onDeadLetter`. */
  handed = 0;

  constructor(
    private readonly onDeadLetter: ((letter: DeadLetter<T>) => void | Promise<void>) | undefined,
    private readonly logger: Logger,
    private readonly end: (item: Item<T>, outcome: WriteOutcome<T>) => void,
  ) {}

  static letter<T>(
    document: T,
    code: DocumentErrorCode,
    reason: string,
    error: ItemErrorDetail | undefined,
    address: LetterAddress,
  ): DeadLetter<T> {
    return {
      document,
      code,
      reason,
      error,
      index: address.index,
      id: address.id,
      action: address.action,
      attempts: address.attempts ?? 0,
      timestamp: Date.now(),
    };
  }

  /** Ends the item `failed` at once (aborted, closed: these never go to `onDeadLetter`). */
  fail(item: Item<T>, letter: DeadLetter<T>): void {
    this.end(item, { status: 'failed', document: item.document, error: new DocumentError(letter) });
  }

  /** Hands the letter to `onDeadLetter` (or fails the item without one); the item ends when that is done. */
  hand(item: Item<T>, letter: DeadLetter<T>): void {
    const handler = this.onDeadLetter;
    if (handler === undefined) {
      this.fail(item, letter);
      return;
    }
    this.handed++;
    item.state = 'ending';
    (async () => handler(letter))().then(
      () => this.end(item, { status: 'dead-lettered', document: item.document, letter }),
      (cause: unknown) => {
        this.logger.error('onDeadLetter threw; the write rejects', { reason: letter.reason, error: String(cause) });
        this.end(item, { status: 'failed', document: item.document, error: new DocumentError(letter, { cause }) });
      },
    );
  }
}
