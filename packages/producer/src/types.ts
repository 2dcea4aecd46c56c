/** A record as given to `put()`. */
export interface UserRecordInput {
  /** 1–256 Unicode characters; decides the shard (MD5) unless `explicitHashKey` is given. */
  readonly partitionKey: string;
  /** Bytes, or a string sent as UTF-8. */
  readonly data: Uint8Array | string;
  /** Decimal hash key in [0, 2^128 − 1] that overrides the partition key's routing. */
  readonly explicitHashKey?: string | undefined;
}

/** What `put()` resolves to once Kinesis accepted the record. */
export interface PutResult {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Index inside the aggregated Kinesis record (0 when sent alone). */
  readonly subSequenceNumber: number;
  /** Whether the record travelled inside a KPL aggregate. */
  readonly aggregated: boolean;
  readonly attempts: readonly import('./errors.js').Attempt[];
}
