/**
 * Real-shaped Firehose transformation events (typed with `@types/aws-lambda`) and the response check Firehose does.
 * Pure functions, no I/O.
 */
import type {
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
} from 'aws-lambda';

/** Lambda's synchronous invocation payload limit (request and response), bytes. */
export const LAMBDA_PAYLOAD_LIMIT = 6_291_456;

/** One user record as the delivery holds it before the Lambda (after KPL de-aggregation). */
export interface SourceRecord {
  readonly data: Uint8Array;
  /** Kinesis `ApproximateArrivalTimestamp`, epoch ms. */
  readonly arrivalTimestamp: number;
  readonly shardId: string;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  /** Index in its KPL aggregate; `undefined` for a record that was not aggregated. */
  readonly subsequenceNumber: number | undefined;
}

/** A record id as Firehose makes them: a long decimal string, unique within the delivery stream. */
export function firehoseRecordId(record: SourceRecord): string {
  const sub = record.subsequenceNumber ?? 0;
  return `${record.sequenceNumber}${String(sub).padStart(10, '0')}`;
}

/** The event record of a source record. `subsequenceNumber` is `""` for records that were not aggregated. */
export function eventRecord(record: SourceRecord, recordId: string): FirehoseTransformationEventRecord {
  return {
    recordId,
    approximateArrivalTimestamp: record.arrivalTimestamp,
    data: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('base64'),
    kinesisRecordMetadata: {
      shardId: record.shardId,
      partitionKey: record.partitionKey,
      approximateArrivalTimestamp: record.arrivalTimestamp,
      sequenceNumber: record.sequenceNumber,
      subsequenceNumber: record.subsequenceNumber === undefined ? '' : String(record.subsequenceNumber),
    },
  };
}

/** The event envelope without records. */
export interface EventEnvelope {
  readonly invocationId: () => string;
  readonly deliveryStreamArn: string;
  readonly sourceKinesisStreamArn: string;
  readonly region: string;
}

/** Options of {@link buildTransformationEvents}. */
export interface EventLimits {
  /** Lambda processor buffer size hint: an invocation closes once its raw data reaches this many bytes. */
  readonly bufferSizeBytes: number;
  /** Hard cap on the serialized request, bytes. Default {@link LAMBDA_PAYLOAD_LIMIT}. */
  readonly maxRequestBytes?: number;
}

/** One invocation: the event and, per record in the event, the index of its source record. */
export interface PlannedInvocation {
  readonly event: FirehoseTransformationEvent;
  readonly sourceIndexes: number[];
}

/**
 * Splits records (in order) into transformation events: each closes when its raw data reaches the buffer size hint
 * or when one more record would push the serialized request past the 6 MB Lambda limit.
 */
export function buildTransformationEvents(
  records: readonly SourceRecord[],
  envelope: EventEnvelope,
  limits: EventLimits,
): PlannedInvocation[] {
  const maxRequest = limits.maxRequestBytes ?? LAMBDA_PAYLOAD_LIMIT;
  const out: PlannedInvocation[] = [];
  let current: FirehoseTransformationEventRecord[] = [];
  let indexes: number[] = [];
  let rawBytes = 0;
  let envelopeBytes = 0;
  let requestBytes = 0;
  const start = () => {
    current = [];
    indexes = [];
    rawBytes = 0;
  };
  const close = () => {
    if (current.length === 0) return;
    out.push({
      event: {
        invocationId: envelope.invocationId(),
        deliveryStreamArn: envelope.deliveryStreamArn,
        sourceKinesisStreamArn: envelope.sourceKinesisStreamArn,
        region: envelope.region,
        records: current,
      },
      sourceIndexes: indexes,
    });
    start();
  };
  envelopeBytes =
    Buffer.byteLength(
      JSON.stringify({
        invocationId: '00000000-0000-0000-0000-000000000000',
        deliveryStreamArn: envelope.deliveryStreamArn,
        sourceKinesisStreamArn: envelope.sourceKinesisStreamArn,
        region: envelope.region,
        records: [],
      }),
    ) + 16;
  requestBytes = envelopeBytes;
  records.forEach((record, index) => {
    const entry = eventRecord(record, firehoseRecordId(record));
    const entryBytes = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (envelopeBytes + entryBytes > maxRequest) {
      throw new RangeError(`record ${entry.recordId} alone exceeds the ${maxRequest}-byte Lambda request limit`);
    }
    if (current.length > 0 && requestBytes + entryBytes > maxRequest) {
      close();
      requestBytes = envelopeBytes;
    }
    current.push(entry);
    indexes.push(index);
    requestBytes += entryBytes;
    rawBytes += record.data.byteLength;
    if (rawBytes >= limits.bufferSizeBytes) {
      close();
      requestBytes = envelopeBytes;
    }
  });
  close();
  return out;
}

/** A checked response record. */
export type CheckedRecord =
  | { readonly result: 'Ok'; readonly data: Uint8Array; readonly partitionKeys: Record<string, string> | undefined }
  | { readonly result: 'Dropped' }
  | { readonly result: 'ProcessingFailed'; readonly errorCode: string; readonly errorMessage: string };

/**
 * Checks a Lambda response against its event as Firehose does and returns one outcome per event record (input
 * order). A response that is not an object with a `records` array, or is larger than 6 MB, throws (the whole
 * invocation failed). A missing record id fails that record (`Lambda.MissingRecordId`), a repeated one fails it too
 * (`Lambda.DuplicatedRecordId`), an unknown `result` or an Ok record without base64 `data` fails that record;
 * `ProcessingFailed` from the Lambda becomes `Lambda.ProcessingFailedStatus`. Unknown ids are ignored.
 */
export function checkTransformationResponse(event: FirehoseTransformationEvent, response: unknown): CheckedRecord[] {
  if (
    typeof response !== 'object' ||
    response === null ||
    !Array.isArray((response as { records?: unknown }).records)
  ) {
    throw new TypeError('the Lambda response has no "records" array');
  }
  const size = Buffer.byteLength(JSON.stringify(response));
  if (size > LAMBDA_PAYLOAD_LIMIT) {
    throw new RangeError(`the Lambda response is ${size} bytes, over the ${LAMBDA_PAYLOAD_LIMIT}-byte limit`);
  }
  const records = (response as FirehoseTransformationResult).records;
  const position = new Map<string, number>();
  for (const [i, r] of event.records.entries()) position.set(r.recordId, i);
  const outcomes: (CheckedRecord | undefined)[] = new Array(event.records.length).fill(undefined);
  const seen = new Set<string>();
  for (const r of records) {
    const id = typeof r?.recordId === 'string' ? r.recordId : undefined;
    if (id === undefined) continue;
    const at = position.get(id);
    if (at === undefined) continue;
    if (seen.has(id)) {
      outcomes[at] = {
        result: 'ProcessingFailed',
        errorCode: 'Lambda.DuplicatedRecordId',
        errorMessage: `record id ${id} appears more than once in the Lambda response`,
      };
      continue;
    }
    seen.add(id);
    if (r.result === 'Ok') {
      if (typeof r.data !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(r.data)) {
        outcomes[at] = {
          result: 'ProcessingFailed',
          errorCode: 'Lambda.InvalidData',
          errorMessage: `record ${id} is Ok but its data is not base64`,
        };
        continue;
      }
      const keys = r.metadata?.partitionKeys;
      outcomes[at] = {
        result: 'Ok',
        data: Buffer.from(r.data, 'base64'),
        partitionKeys: keys === undefined ? undefined : { ...keys },
      };
    } else if (r.result === 'Dropped') {
      outcomes[at] = { result: 'Dropped' };
    } else if (r.result === 'ProcessingFailed') {
      outcomes[at] = {
        result: 'ProcessingFailed',
        errorCode: 'Lambda.ProcessingFailedStatus',
        errorMessage: 'The Lambda function returned ProcessingFailed for this record',
      };
    } else {
      outcomes[at] = {
        result: 'ProcessingFailed',
        errorCode: 'Lambda.InvalidResult',
        errorMessage: `record ${id} has an unknown result ${JSON.stringify(r.result)}`,
      };
    }
  }
  return outcomes.map(
    (o, i) =>
      o ?? {
        result: 'ProcessingFailed',
        errorCode: 'Lambda.MissingRecordId',
        errorMessage: `record id ${event.records[i]?.recordId} is missing from the Lambda response`,
      },
  );
}
