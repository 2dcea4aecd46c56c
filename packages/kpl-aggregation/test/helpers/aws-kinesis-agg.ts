/**
 * Typed access to the `aws-kinesis-agg` devDependency (awslabs/kinesis-aggregation, CommonJS, callback API), used as
 * an independent reference encoder/decoder.
 *
 * Known defects of aws-kinesis-agg 4.2.8 that the cross-checks work around (all verified against its source):
 * - Its key tables are plain objects read back with `Object.keys`, so integer-like keys ("5", "2", and any explicit
 *   hash key below 2^32-1) are emitted in ascending numeric order instead of first-seen order while the records keep
 *   their first-seen indexes: such aggregates decode to the wrong keys. Keys like "__proto__" or "hasOwnProperty"
 *   break the tables too. Golden sets therefore use non-integer-like partition keys and explicit hash keys >= 2^32.
 * - Its decoder reads `explicit_hash_key_table[explicit_hash_key_index]` even when the index is absent; protobufjs
 *   defaults it to 0, so a record without an explicit hash key reports the first table entry when the table is not
 *   empty. Cross-decoding compares explicit hash keys only for records that have one.
 */
import { createRequire } from 'node:module';
import type { UserRecord } from '@pipeline/kpl-aggregation';

export interface TheirEncodedRecord {
  partitionKey: string;
  data: Buffer;
  ExplicitHashKey?: string;
}

export interface TheirUserRecord {
  partitionKey: string;
  explicitPartitionKey?: string | undefined;
  subSequenceNumber?: number;
  /** base64 */
  data: string;
}

interface TheirInputRecord {
  partitionKey: string;
  explicitHashKey?: string;
  data: Buffer;
}

interface RecordAggregator {
  addUserRecord(record: TheirInputRecord): void;
  build(): TheirEncodedRecord | undefined;
}

interface AwsKinesisAgg {
  RecordAggregator: new () => RecordAggregator;
  aggregate(
    records: TheirInputRecord[],
    encodedRecordHandler: (encoded: TheirEncodedRecord, callback: (err?: Error) => void) => void,
    afterPutAggregatedRecords: () => void,
    errorCallback: (error: Error, data?: TheirEncodedRecord) => void,
    queueSize?: number,
  ): void;
  deaggregateSync(
    kinesisRecord: { partitionKey: string; explicitPartitionKey?: string; sequenceNumber?: string; data: string },
    computeChecksums: boolean,
    afterRecordCallback: (err: Error | null | undefined, userRecords?: TheirUserRecord[]) => void,
  ): void;
}

const require = createRequire(import.meta.url);
export const awsKinesisAgg = require('aws-kinesis-agg') as AwsKinesisAgg;

function toTheirs(record: UserRecord): TheirInputRecord {
  const out: TheirInputRecord = {
    partitionKey: record.partitionKey,
    data: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength),
  };
  if (record.explicitHashKey !== undefined) out.explicitHashKey = record.explicitHashKey;
  return out;
}

/** aws-kinesis-agg's aggregate of `records` via its synchronous `RecordAggregator`. */
export function theirAggregateSync(records: readonly UserRecord[]): Buffer {
  const aggregator = new awsKinesisAgg.RecordAggregator();
  for (const record of records) aggregator.addUserRecord(toTheirs(record));
  const built = aggregator.build();
  if (built === undefined) throw new Error('aws-kinesis-agg built nothing');
  return built.data;
}

/** aws-kinesis-agg's aggregates of `records` via its callback `aggregate()` API (may split at ~1 MB). */
export function theirAggregate(records: readonly UserRecord[]): Promise<TheirEncodedRecord[]> {
  return new Promise((resolve, reject) => {
    const out: TheirEncodedRecord[] = [];
    awsKinesisAgg.aggregate(
      records.map(toTheirs),
      (encoded, callback) => {
        out.push(encoded);
        callback();
      },
      () => resolve(out),
      (error) => reject(error),
    );
  });
}

/** aws-kinesis-agg's `deaggregateSync` of `data` (checksums verified). */
export function theirDeaggregate(data: Uint8Array, partitionKey = 'outer'): TheirUserRecord[] {
  let result: TheirUserRecord[] | undefined;
  let error: Error | null | undefined;
  awsKinesisAgg.deaggregateSync(
    { partitionKey, sequenceNumber: '1', data: Buffer.from(data).toString('base64') },
    true,
    (err, records) => {
      error = err;
      result = records;
    },
  );
  if (error) throw error;
  if (result === undefined) throw new Error('aws-kinesis-agg deaggregateSync did not call back');
  return result;
}
