/**
 * Test helpers for transformation Lambdas: build Firehose events from records (with or without Kinesis stream
 * metadata, in either documented form), fake a Lambda context with a real countdown, decode and check responses.
 * `import { buildEvent, decodeResponse } from '@pipeline/firehose-transform/testing'`.
 */
import type { Context } from 'aws-lambda';
import { asBytes } from './encode.js';
import type {
  FirehoseRecordTransformationStatus,
  FirehoseTransformationResult,
  FirehoseTransformEvent,
  FirehoseTransformEventRecord,
} from './event.js';
import { findJsonProblem } from './json-check.js';
import { LAMBDA_RESPONSE_LIMIT } from './options.js';

/** One record for `buildEvent`: the data alone, or the data with the fields to set. */
export type TestRecordInput = TestRecordData | TestRecord;

/** Record data: a string (UTF-8), bytes, or a JSON value (serialized with `JSON.stringify`). */
export type TestRecordData = string | Uint8Array | object;

export interface TestRecord {
  readonly data: TestRecordData;
  /** Default: a Firehose-like numeric id, unique within the event. */
  readonly recordId?: string;
  /** Epoch ms. Default: the event's `arrivalTimestamp` plus the record's index. */
  readonly approximateArrivalTimestamp?: number;
  /** Kinesis metadata fields to set (with `source: 'kinesis'`). */
  readonly kinesis?: {
    readonly shardId?: string;
    readonly partitionKey?: string;
    readonly sequenceNumber?: string;
    readonly subsequenceNumber?: number;
  };
}

/** Options of `buildEvent`. */
export interface BuildEventOptions {
  /** `direct-put` (default): no stream metadata. `kinesis`: `sourceKinesisStreamArn` and `kinesisRecordMetadata`. */
  readonly source?: 'direct-put' | 'kinesis';
  /**
   * How `kinesisRecordMetadata` writes `approximateArrivalTimestamp` and `subsequenceNumber`: `numeric` (default;
   * epoch ms and a number, as Powertools types them) or `string` (the AWS documentation's sample: an ISO 8601
   * timestamp and `subsequenceNumber` `""` for records that were not aggregated).
   */
  readonly metadataForm?: 'numeric' | 'string';
  /** Arrival time of the first record, epoch ms. Default 1452286200000 (2016-01-08T20:50:00Z). */
  readonly arrivalTimestamp?: number;
  /** Default `00540a87-5050-496a-84e4-e7d92bbaf5e2`. */
  readonly invocationId?: string;
  /** Default `arn:aws:firehose:us-east-1:123456789012:deliverystream/test`. */
  readonly deliveryStreamArn?: string;
  /** Default `us-east-1`. */
  readonly region?: string;
  /** Default `arn:aws:kinesis:us-east-1:123456789012:stream/test` (with `source: 'kinesis'`). */
  readonly sourceKinesisStreamArn?: string;
}

function isTestRecord(input: TestRecordInput): input is TestRecord {
  return (
    typeof input === 'object' &&
    input !== null &&
    !(input instanceof Uint8Array) &&
    !Array.isArray(input) &&
    'data' in input &&
    Object.keys(input).every((key) => ['data', 'recordId', 'approximateArrivalTimestamp', 'kinesis'].includes(key))
  );
}

/**
 * Record data as base64, the way Firehose sends it: a string as UTF-8, bytes (`Uint8Array`, `ArrayBuffer`,
 * `DataView`) as they are, anything else as JSON. Throws `TypeError` for a value JSON would change (a `Map`, a
 * `BigInt`, `NaN`, a cycle…), naming it and its path, so a test never sends other data than it wrote.
 */
export function toBase64(data: TestRecordData): string {
  if (typeof data === 'string') return Buffer.from(data, 'utf8').toString('base64');
  const bytes = asBytes(data);
  if (bytes !== undefined) return bytes.toString('base64');
  const problem = findJsonProblem(data);
  if (problem !== undefined) throw new TypeError(`test record data cannot be sent as JSON as it is: ${problem}`);
  return Buffer.from(JSON.stringify(data), 'utf8').toString('base64');
}

const SEQUENCE_BASE = 49546986683135544286507457936321625675700192471156785154n;

/**
 * A Firehose transformation event from records. A record given as an object with only `data` (and optionally
 * `recordId`, `approximateArrivalTimestamp`, `kinesis`) sets those fields; any other value is the data itself.
 */
export function buildEvent(
  records: Iterable<TestRecordInput>,
  options: BuildEventOptions = {},
): FirehoseTransformEvent {
  const kinesis = options.source === 'kinesis';
  const stringForm = options.metadataForm === 'string';
  const start = options.arrivalTimestamp ?? Date.UTC(2016, 0, 8, 20, 50);
  const out: FirehoseTransformEventRecord[] = [];
  let index = 0;
  for (const input of records) {
    const record: TestRecord = isTestRecord(input) ? input : { data: input };
    const arrival = record.approximateArrivalTimestamp ?? start + index;
    const sequence = (SEQUENCE_BASE + BigInt(index) * 1000n).toString();
    const entry: FirehoseTransformEventRecord = {
      recordId: record.recordId ?? `${sequence}${String(index).padStart(6, '0')}`,
      approximateArrivalTimestamp: arrival,
      data: toBase64(record.data),
    };
    if (kinesis) {
      const subsequence = record.kinesis?.subsequenceNumber;
      entry.kinesisRecordMetadata = {
        shardId: record.kinesis?.shardId ?? 'shardId-000000000000',
        partitionKey: record.kinesis?.partitionKey ?? `key-${index}`,
        approximateArrivalTimestamp: stringForm ? new Date(arrival).toISOString() : arrival,
        sequenceNumber: record.kinesis?.sequenceNumber ?? sequence,
        subsequenceNumber: stringForm ? (subsequence === undefined ? '' : String(subsequence)) : (subsequence ?? 0),
      };
    }
    out.push(entry);
    index++;
  }
  const event: FirehoseTransformEvent = {
    invocationId: options.invocationId ?? '00540a87-5050-496a-84e4-e7d92bbaf5e2',
    deliveryStreamArn: options.deliveryStreamArn ?? 'arn:aws:firehose:us-east-1:123456789012:deliverystream/test',
    region: options.region ?? 'us-east-1',
    records: out,
  };
  if (kinesis) {
    event.sourceKinesisStreamArn =
      options.sourceKinesisStreamArn ?? 'arn:aws:kinesis:us-east-1:123456789012:stream/test';
  }
  return event;
}

/** Serialized size of an event (what counts against Lambda's 6 MB request limit), bytes. */
export function eventBytes(event: FirehoseTransformEvent): number {
  return Buffer.byteLength(JSON.stringify(event), 'utf8');
}

/** Options of `lambdaContext`. */
export interface LambdaContextOptions {
  /** Time until the fake invocation's deadline, ms; counts down in real time from the call. Default 60000. */
  readonly remainingMs?: number;
  /** Default `test-function`. */
  readonly functionName?: string;
  /** Default `c6af9ac6-7b61-11e6-9a41-93e812345678`. */
  readonly awsRequestId?: string;
}

/** A Lambda `Context` whose `getRemainingTimeInMillis()` counts down from `remainingMs` in real time. */
export function lambdaContext(options: LambdaContextOptions = {}): Context {
  const deadline = Date.now() + (options.remainingMs ?? 60_000);
  const functionName = options.functionName ?? 'test-function';
  const unsupported = (): never => {
    throw new Error('the deprecated done/fail/succeed context methods are not supported');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: options.awsRequestId ?? 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2016/01/08/[$LATEST]0123456789abcdef',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

/** One record of a response, decoded. */
export interface DecodedResponseRecord {
  readonly recordId: string;
  readonly result: FirehoseRecordTransformationStatus;
  /** The data, decoded (empty for `Dropped` and `ProcessingFailed`). */
  readonly bytes: Buffer;
  /** The data as UTF-8 text. */
  readonly text: string;
  readonly partitionKeys: Readonly<Record<string, string>> | undefined;
  /** The text parsed as JSON (throws when it is not JSON). */
  json(): unknown;
}

/** The records of a transformation response with their data decoded, in response order. */
export function decodeResponse(response: FirehoseTransformationResult): DecodedResponseRecord[] {
  return response.records.map((entry) => {
    const bytes = Buffer.from(entry.data ?? '', 'base64');
    const text = bytes.toString('utf8');
    return {
      recordId: entry.recordId,
      result: entry.result,
      bytes,
      text,
      partitionKeys: entry.metadata?.partitionKeys,
      json: () => JSON.parse(text) as unknown,
    };
  });
}

/** Counts of a response's results. */
export function countResults(
  response: FirehoseTransformationResult,
): Record<FirehoseRecordTransformationStatus, number> {
  const counts = { Ok: 0, Dropped: 0, ProcessingFailed: 0 };
  for (const entry of response.records) counts[entry.result]++;
  return counts;
}

/** Serialized size of a response (what counts against Lambda's 6 MB response limit), bytes. */
export function responseBytes(response: FirehoseTransformationResult): number {
  return Buffer.byteLength(JSON.stringify(response), 'utf8');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks a response against its event the way Firehose does, and throws an `Error` listing every problem: each
 * input `recordId` exactly once and in input order, no unknown ids, a valid `result`, `data` present as base64,
 * partition keys as strings, and the serialized size within `maxBytes` (default 6291456).
 */
export function assertValidResponse(
  event: FirehoseTransformEvent,
  response: FirehoseTransformationResult,
  maxBytes: number = LAMBDA_RESPONSE_LIMIT,
): void {
  const problems: string[] = [];
  const entries = Array.isArray(response?.records) ? response.records : [];
  if (!Array.isArray(response?.records)) problems.push('response has no records array');
  if (entries.length !== event.records.length) {
    problems.push(`response has ${entries.length} records, the event ${event.records.length}`);
  }
  const expected = new Set(event.records.map((r) => r.recordId));
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const id = entry.recordId;
    if (!expected.has(id)) problems.push(`records[${i}]: unknown recordId ${JSON.stringify(id)}`);
    else if (seen.has(id)) problems.push(`records[${i}]: recordId ${JSON.stringify(id)} appears twice`);
    else if (event.records[i]?.recordId !== id) problems.push(`records[${i}]: recordId ${id} is out of input order`);
    seen.add(id);
    if (!['Ok', 'Dropped', 'ProcessingFailed'].includes(entry.result)) {
      problems.push(`records[${i}]: result ${JSON.stringify(entry.result)} is not Ok, Dropped or ProcessingFailed`);
    }
    if (typeof entry.data !== 'string') problems.push(`records[${i}]: data is missing`);
    else if (!BASE64.test(entry.data)) problems.push(`records[${i}]: data is not base64`);
    const keys = entry.metadata?.partitionKeys;
    if (keys !== undefined && Object.values(keys).some((v) => typeof v !== 'string')) {
      problems.push(`records[${i}]: partition key values must be strings`);
    }
  });
  for (const id of expected) if (!seen.has(id)) problems.push(`recordId ${id} is missing from the response`);
  const size = responseBytes(response);
  if (size > maxBytes) problems.push(`response is ${size} bytes, above ${maxBytes}`);
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('\n  ');
    const more = problems.length > 10 ? `\n  … and ${problems.length - 10} more` : '';
    throw new Error(`invalid Firehose transformation response:\n  ${shown}${more}`);
  }
}
