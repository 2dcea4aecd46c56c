export { ConfigurationError } from '@pipeline/commons';

import type { BulkAction } from './types.js';

/**
 * Why a document was not indexed.
 *
 * - `permanent-error`: OpenSearch answered an item error that a retry cannot fix (mapping or parsing error, missing
 *   index, a 4xx of the whole request that stays after splitting down to this one document).
 * - `retries-exhausted`: a retryable error (429, 5xx, network) outlived `retry.maxAttempts` or `retry.timeBudget`,
 *   and the document was not applied (every attempt was refused or rejected, or a read of its id shows it missing).
 * - `too-large`: the document's bulk lines exceed `maxRequestBytes`, or the server answered 413 to it alone.
 * - `invalid-document`: `index`, `id`, `action`, `version` or `serialize` threw or returned an invalid value.
 * - `aborted`: the sink's `signal` fired before the document settled (it may have been indexed if it was in flight).
 * - `closed`: written after `close()` began.
 */
export type DocumentErrorCode =
  | 'permanent-error'
  | 'retries-exhausted'
  | 'too-large'
  | 'invalid-document'
  | 'aborted'
  | 'closed';

/** The error OpenSearch gave for one bulk item, or for the whole request. */
export interface ItemErrorDetail {
  /** HTTP status of the item (or of the request, for request-level failures; 0 for network errors). */
  readonly status: number;
  /** OpenSearch error type, e.g. `mapper_parsing_exception`, `es_rejected_execution_exception`, or a client error name. */
  readonly type: string;
  readonly reason: string;
  /** The raw `error` object of the bulk item, when there was one. */
  readonly raw?: unknown;
}

/** A document that could not be indexed, as given to `onDeadLetter`. */
export interface DeadLetter<T> {
  /** The document exactly as given to `write()`. */
  readonly document: T;
  readonly code: DocumentErrorCode;
  /** One line saying why, e.g. `mapper_parsing_exception: failed to parse field [fare] of type [double]`. */
  readonly reason: string;
  /** The last error OpenSearch (or the network) gave, if any. */
  readonly error: ItemErrorDetail | undefined;
  readonly index: string | undefined;
  readonly id: string | undefined;
  readonly action: BulkAction | undefined;
  /** Bulk requests that carried the document. */
  readonly attempts: number;
  /** When the document was dead-lettered, epoch ms. */
  readonly timestamp: number;
}

/** The rejection of `write()` when a document cannot be indexed and no `onDeadLetter` is set (or it threw). */
export class DocumentError<T = unknown> extends Error {
  override readonly name = 'DocumentError';
  readonly code: DocumentErrorCode;
  readonly document: T;
  readonly detail: ItemErrorDetail | undefined;
  readonly index: string | undefined;
  readonly id: string | undefined;
  readonly attempts: number;

  constructor(letter: DeadLetter<T>, options?: { cause?: unknown }) {
    super(letter.reason, options);
    this.code = letter.code;
    this.document = letter.document;
    this.detail = letter.error;
    this.index = letter.index;
    this.id = letter.id;
    this.attempts = letter.attempts;
  }
}

/** Thrown by a bootstrap helper when OpenSearch refused a request it needs. */
export class BootstrapError extends Error {
  override readonly name = 'BootstrapError';
  /** HTTP status of the refused request (0 if none arrived). */
  readonly status: number;
  readonly body: unknown;
  constructor(message: string, status: number, body: unknown) {
    super(message);
    this.status = status;
    this.body = body;
  }
}
