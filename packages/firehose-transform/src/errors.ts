import type { StandardSchemaV1 } from '@pipeline/schema';

/**
 * Thrown by the handler when the event is not a Firehose transformation event (no `records` array, a record without
 * a string `recordId`). The invocation fails as a whole, which is right for a wiring mistake: Firehose retries and
 * then sends the batch to the error prefix. Problems with one record's data never throw; they fail that record.
 */
export class FirehoseEventError extends Error {
  override readonly name = 'FirehoseEventError';
}

/** Why a record's data could not be read. */
export type RecordDecodeErrorCode = 'MissingData' | 'NotUtf8' | 'InvalidJson';

/**
 * Thrown by a record's `text`, `json` and `value` accessors when the data is not what they read. Inside the transform
 * function it needs no catching: the record becomes `ProcessingFailed` with this message as the reason.
 */
export class RecordDecodeError extends Error {
  override readonly name = 'RecordDecodeError';
  readonly code: RecordDecodeErrorCode;
  readonly recordId: string;
  constructor(code: RecordDecodeErrorCode, recordId: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.recordId = recordId;
  }
}

/**
 * A value failed a validator: the reason of a record that failed the `validate` option (logged), and what
 * `parseWith` throws. The message lists each issue as `path: rule`, e.g. `pickupDate: expected an ISO 8601 UTC …`.
 */
export class RecordValidationError extends Error {
  override readonly name = 'RecordValidationError';
  /** The record's id; `undefined` from `parseWith`, which does not know it. */
  readonly recordId: string | undefined;
  readonly issues: readonly StandardSchemaV1.Issue[];
  constructor(recordId: string | undefined, issues: readonly StandardSchemaV1.Issue[], message: string) {
    super(message);
    this.recordId = recordId;
    this.issues = issues;
  }
}
