import type { UserRecordInput } from './types.js';

/** One try to put a user record, as in the KPL's `UserRecordResult.attempts`. */
export interface Attempt {
  /** When the try ended, epoch ms. */
  readonly timestamp: number;
  /** Time from the request's start to its end, ms. */
  readonly durationMs: number;
  /** Time the record waited before this try (buffering or backoff), ms. */
  readonly delayMs: number;
  readonly success: boolean;
  /** Kinesis error code or the producer's own code (`WrongShard`, `NetworkError`, `Timeout`, …). */
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** Why a record was rejected before it was ever sent. */
export type ValidationErrorCode = 'RecordTooLarge' | 'InvalidPartitionKey' | 'InvalidExplicitHashKey' | 'InvalidData';

/** Why a record ended without being accepted by Kinesis. */
export type PutRecordErrorCode =
  | ValidationErrorCode
  /** `recordTtl` passed before Kinesis accepted the record. */
  | 'Expired'
  /** `close()` gave up on the record at its deadline. */
  | 'ProducerClosed'
  /** `whenFull: 'reject'` and the producer's buffer limits were reached. */
  | 'BufferFull'
  /** Any Kinesis or AWS error code that is not retried (e.g. `ResourceNotFoundException`). */
  | (string & {});

/** The rejection of `put()`: the record, the reason, and every attempt made. */
export class PutRecordError extends Error {
  override readonly name = 'PutRecordError';
  readonly code: PutRecordErrorCode;
  readonly attempts: readonly Attempt[];
  readonly record: UserRecordInput;

  constructor(code: PutRecordErrorCode, message: string, record: UserRecordInput, attempts: readonly Attempt[] = []) {
    super(message);
    this.code = code;
    this.record = record;
    this.attempts = attempts;
  }
}

/** Thrown by the constructor for an invalid option; the message names the option and its limit. */
export { ConfigurationError } from '@pipeline/commons';
