/** Dynamic-partitioning keys, referenced in the S3 prefix as `!{partitionKeyFromLambda:name}`. */
export type PartitionKeys = Readonly<Record<string, string>>;

/**
 * What an `Ok` record delivers: a JSON object (serialized with `JSON.stringify`, one object per record as Firehose's
 * Parquet/ORC conversion needs), a string (sent as UTF-8) or bytes (a `Uint8Array`/`Buffer`, `ArrayBuffer` or
 * `DataView`, sent as they are). An object holding what JSON cannot carry as it is (a `Map`, a `Set`, bytes, a
 * `BigInt`, a function, `NaN`, a cycle…) fails the record with a reason naming the value and its path.
 */
export type OkData = string | Uint8Array | object;

/** The record was transformed; `data` is delivered. */
export interface OkResult {
  readonly result: 'Ok';
  readonly data: OkData;
  readonly partitionKeys?: PartitionKeys;
}

/** The record is dropped on purpose (counts as success; nothing is delivered, nothing goes to the error prefix). */
export interface DroppedResult {
  readonly result: 'Dropped';
}

/** The record failed: Firehose writes its original data under the error prefix. `reason` is logged. */
export interface FailedResult {
  readonly result: 'ProcessingFailed';
  readonly reason: string;
}

/** What the transform function returns for one record. Build it with `ok`, `dropped` or `failed`. */
export type TransformResult = OkResult | DroppedResult | FailedResult;

/**
 * The record was transformed. `data`: a JSON object, a string or bytes (see `OkData`). `partitionKeys`: values for
 * `!{partitionKeyFromLambda:…}` (dynamic partitioning must be enabled on the delivery stream).
 */
export function ok(data: OkData, partitionKeys?: PartitionKeys): OkResult {
  return partitionKeys === undefined ? { result: 'Ok', data } : { result: 'Ok', data, partitionKeys };
}

const DROPPED: DroppedResult = Object.freeze({ result: 'Dropped' });

/** Drop the record on purpose (Firehose counts it as processed and delivers nothing). */
export function dropped(): DroppedResult {
  return DROPPED;
}

/** Fail the record: it lands under the error prefix with its original data; `reason` is logged with its `recordId`. */
export function failed(reason: string | Error): FailedResult {
  return {
    result: 'ProcessingFailed',
    reason: typeof reason === 'string' ? reason : `${reason.name}: ${reason.message}`,
  };
}
