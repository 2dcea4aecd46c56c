import type {
  FirehoseRecordMetadata,
  FirehoseRecordTransformationStatus,
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
} from 'aws-lambda';

export type {
  FirehoseRecordMetadata,
  FirehoseRecordTransformationStatus,
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
};

/**
 * `kinesisRecordMetadata` as Firehose sends it when the source is a Kinesis stream. `@types/aws-lambda` and Powertools
 * disagree with the AWS documentation's sample about two fields, so both forms are accepted:
 * `approximateArrivalTimestamp` as epoch ms (number or numeric string) or an ISO 8601 string, and
 * `subsequenceNumber` as a number, a numeric string or `""` (it is meaningful only for KPL-aggregated records).
 */
export interface FirehoseKinesisRecordMetadataInput
  extends Omit<FirehoseRecordMetadata, 'approximateArrivalTimestamp' | 'subsequenceNumber'> {
  approximateArrivalTimestamp: number | string;
  subsequenceNumber?: number | string | undefined;
}

/** One record of a transformation event; the `@types/aws-lambda` shape, widened where AWS documents both forms. */
export interface FirehoseTransformEventRecord
  extends Omit<FirehoseTransformationEventRecord, 'approximateArrivalTimestamp' | 'kinesisRecordMetadata'> {
  /** When Firehose received the record, epoch ms (a numeric or ISO 8601 string is accepted too). */
  approximateArrivalTimestamp: number | string;
  kinesisRecordMetadata?: FirehoseKinesisRecordMetadataInput | undefined;
}

/**
 * The event Firehose sends to a transformation Lambda. Every `FirehoseTransformationEvent` from `@types/aws-lambda`
 * is one; the record fields are widened to accept the forms the AWS documentation shows.
 */
export interface FirehoseTransformEvent extends Omit<FirehoseTransformationEvent, 'records'> {
  records: readonly FirehoseTransformEventRecord[];
}

/** Kinesis metadata of a record whose source is a stream, normalized. */
export interface KinesisRecordMetadata {
  readonly shardId: string;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  /** Position within a KPL aggregate; `undefined` when Firehose sent none (or `""`): the record was not aggregated. */
  readonly subsequenceNumber: number | undefined;
  /** When the stream received the record, epoch ms (`NaN` if Firehose sent something unparseable). */
  readonly approximateArrivalTimestamp: number;
}

/** The invocation-level fields of the event, given to the transform function. */
export interface FirehoseInvocation {
  readonly invocationId: string;
  readonly deliveryStreamArn: string;
  readonly region: string;
  /** Set when the delivery stream reads from a Kinesis stream. */
  readonly sourceKinesisStreamArn: string | undefined;
}

/** The part of the Lambda `Context` the handler uses. A real `Context` fits. */
export interface LambdaContextLike {
  /** Milliseconds left before Lambda stops the invocation. */
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
}

/** Epoch ms from a number, a numeric string or an ISO 8601 string; `NaN` when none of these. */
export function toEpochMillis(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string' || value.trim() === '') return Number.NaN;
  const n = Number(value);
  return Number.isNaN(n) ? Date.parse(value) : n;
}

/** `subsequenceNumber` as a number, or `undefined` when absent, `""` or unparseable. */
export function toSubsequenceNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** Normalizes `kinesisRecordMetadata`. */
export function normalizeKinesisMetadata(metadata: FirehoseKinesisRecordMetadataInput): KinesisRecordMetadata {
  return {
    shardId: metadata.shardId,
    partitionKey: metadata.partitionKey,
    sequenceNumber: metadata.sequenceNumber,
    subsequenceNumber: toSubsequenceNumber(metadata.subsequenceNumber),
    approximateArrivalTimestamp: toEpochMillis(metadata.approximateArrivalTimestamp),
  };
}
