import path from 'node:path';
import { writeFileAtomic } from './checkpoint.js';
import type { SourceRecord } from './event.js';
import { evaluateFirehosePrefix, type FirehoseErrorOutputType } from './prefix.js';

/** The Glue table a `format-conversion-failed` record names (`dataCatalogTable`). */
export interface CatalogTable {
  catalogId: string;
  databaseName: string;
  tableName: string;
  region: string;
  versionId: string;
  catalogArn: string;
}

/** One line of an error object. */
export interface ErrorEntry {
  readonly type: FirehoseErrorOutputType;
  readonly arrivalTimestamp: number;
  readonly line: string;
}

export interface ErrorRecordDetails {
  type: FirehoseErrorOutputType;
  record: SourceRecord;
  code: string;
  message: string;
  /** The bytes written as `rawData`: the source record's, or the Lambda's output for conversion errors. */
  raw: Uint8Array;
  attempts: number;
}

/**
 * A Firehose error record as JSON: `format-conversion-failed` records carry `ErrorCode`/`ErrorMessage`, the sequence
 * numbers and the Glue table; `processing-failed` and `partitioning-failed` ones `errorCode`/`errorMessage` and the
 * Lambda ARN.
 */
export function errorEntry(
  details: ErrorRecordDetails,
  context: { lambdaArn: string; catalog: CatalogTable },
): ErrorEntry {
  const { type, record, code, message, raw, attempts } = details;
  const base = { attemptsMade: attempts, arrivalTimestamp: record.arrivalTimestamp };
  const rawData = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  const body =
    type === 'format-conversion-failed'
      ? {
          ...base,
          ErrorCode: code,
          ErrorMessage: message,
          attemptEndingTimestamp: Date.now(),
          rawData,
          sequenceNumber: record.sequenceNumber,
          subSequenceNumber: record.subsequenceNumber ?? 0,
          dataCatalogTable: context.catalog,
        }
      : {
          ...base,
          errorCode: code,
          errorMessage: message,
          attemptEndingTimestamp: Date.now(),
          rawData,
          lambdaArn: context.lambdaArn,
        };
  return { type, arrivalTimestamp: record.arrivalTimestamp, line: JSON.stringify(body) };
}

/**
 * Writes one object per error output type, under the error output prefix evaluated at the oldest arrival time of its
 * records (`!{firehose:error-output-type}` filled in), one JSON line per record. Returns the object keys.
 */
export function writeErrorObjects(
  entries: readonly ErrorEntry[],
  options: {
    bucketDir: string;
    errorPrefixFor: (type: FirehoseErrorOutputType) => string;
    objectName: (at: Date) => string;
  },
): string[] {
  const byType = new Map<FirehoseErrorOutputType, ErrorEntry[]>();
  for (const e of entries) {
    const list = byType.get(e.type);
    if (list === undefined) byType.set(e.type, [e]);
    else list.push(e);
  }
  const keys: string[] = [];
  for (const [type, list] of byType) {
    const at = new Date(list.reduce((min, e) => Math.min(min, e.arrivalTimestamp), Number.POSITIVE_INFINITY));
    const dir = evaluateFirehosePrefix(
      options.errorPrefixFor(type),
      { timestamp: at, errorOutputType: type },
      'errorOutputPrefix',
    );
    const key = `${dir}${options.objectName(at)}`;
    writeFileAtomic(path.join(options.bucketDir, key), `${list.map((e) => e.line).join('\n')}\n`);
    keys.push(key);
  }
  return keys;
}
