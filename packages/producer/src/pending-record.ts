import type { Attempt } from './errors.js';
import type { PutResult, UserRecordInput } from './types.js';

/** A user record inside the producer, from `put()` until it settles. */
export interface PendingRecord {
  /** Order of `put()` calls; `flush()` waits for every id up to its snapshot. */
  readonly id: number;
  readonly input: UserRecordInput;
  readonly partitionKey: string;
  readonly explicitHashKey: string | undefined;
  readonly data: Uint8Array;
  /** Effective hash key: the explicit one, else MD5 of the partition key. */
  readonly hashKey: bigint;
  /** Bytes counted against Kinesis limits: UTF-8 partition key + data. */
  readonly size: number;
  readonly putAt: number;
  readonly expiresAt: number;
  /** When the current wait (buffering or backoff) began. */
  waitingSince: number;
  /** Failed tries so far; `NO_ATTEMPTS` (shared, frozen) until the first one. */
  attempts: readonly Attempt[];
  /** Counted in the outstanding limits (passed admission). */
  admitted: boolean;
  settled: boolean;
  resolve(result: PutResult): void;
  reject(error: Error): void;
}

/** A Kinesis record: one user record alone, or a KPL aggregate of user records predicted to one shard. */
export interface KinesisRecord {
  /** Predicted shard; undefined when no shard map was available. */
  readonly shardId: string | undefined;
  readonly partitionKey: string;
  readonly explicitHashKey: string | undefined;
  readonly data: Uint8Array;
  readonly records: readonly PendingRecord[];
  readonly aggregated: boolean;
  /** Bytes counted against Kinesis limits: UTF-8 partition key + data. */
  readonly size: number;
  /** Send no later than this (epoch ms): the oldest user record's buffering deadline. */
  readonly deadline: number;
  /** When it passed the shard's limiter (epoch ms): tells the limiter which answers follow a rate change. */
  passedAt?: number;
}

/** The attempts of a record not tried yet: one shared empty array instead of one per record. */
export const NO_ATTEMPTS: readonly Attempt[] = Object.freeze([]);
