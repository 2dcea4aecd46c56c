import { budgetedPull } from '@pipeline/commons';
import type { PutRecordError } from './errors.js';
import type { PutResult, UserRecordInput } from './types.js';

/** One record's outcome from `putAll()`, with its position in the source. */
export type PutOutcome =
  | { readonly index: number; readonly record: UserRecordInput; readonly ok: true; readonly result: PutResult }
  | { readonly index: number; readonly record: UserRecordInput; readonly ok: false; readonly error: PutRecordError };

/** What `putAll` needs of the producer. */
export interface PutAllTarget {
  submit(record: UserRecordInput, resolve: (result: PutResult) => void, reject: (error: PutRecordError) => void): void;
  writerBlocked(blocked: boolean): void;
  flush(): Promise<unknown>;
}

/**
 * The bulk path: pulls records from `source` only while fewer than `maxRecords` (and `maxBytes`) are in the producer
 * or waiting to be read as outcomes, and yields every outcome in completion order.
 */
export function putAll(
  target: PutAllTarget,
  source: Iterable<UserRecordInput> | AsyncIterable<UserRecordInput>,
  maxRecords: number,
  maxBytes: number,
): AsyncIterableIterator<PutOutcome> {
  return budgetedPull<UserRecordInput, PutOutcome>({
    source,
    maxItems: maxRecords,
    maxBytes,
    sizeOf: approximateSize,
    submit: (record, index, settle) =>
      target.submit(
        record,
        (result) => settle({ index, record, ok: true, result }),
        (error) => settle({ index, record, ok: false, error }),
      ),
    // A writer waiting for room: send what is buffered now instead of at its deadline.
    onBlocked: (blocked) => target.writerBlocked(blocked),
    onSourceEnd: (taken) => {
      if (taken > 0) void target.flush();
    },
  });
}

function approximateSize(record: UserRecordInput): number {
  const data = record?.data;
  const dataSize = typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.length : 0;
  const key = record?.partitionKey;
  return dataSize + (typeof key === 'string' ? key.length : 0);
}
