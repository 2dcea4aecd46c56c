import { randomUUID } from 'node:crypto';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { type CatalogTable, type ErrorEntry, errorEntry, writeErrorObjects } from './error-output.js';
import { buildTransformationEvents, type CheckedRecord, type SourceRecord } from './event.js';
import { type CellValue, type ConversionColumn, convertRow, parseJsonObjects } from './openx.js';
import {
  evaluateFirehosePrefix,
  type FirehoseErrorOutputType,
  formatDateTimePattern,
  MissingPartitionKeyError,
} from './prefix.js';
import type { InvocationOutcome } from './processor.js';
import type { FirehoseDeliveryStats } from './types.js';

/** What a batch delivery needs to know, fixed for the delivery's lifetime. */
export interface BatchSettings {
  region: string;
  accountId: string;
  streamName: string;
  deliveryStreamName: string;
  /** Lambda processor buffer size, bytes. */
  processorBufferBytes: number;
  retries: number;
  lambdaArn: string;
  catalog: CatalogTable;
  columns: readonly ConversionColumn[];
  prefix: string;
  usesPartitionKeys: boolean;
  errorPrefixFor: (type: FirehoseErrorOutputType) => string;
  bucketDir: string;
}

/** The stages a batch goes through. */
export interface BatchStages {
  invoke: (event: FirehoseTransformationEvent) => Promise<InvocationOutcome>;
  writeParquet: (key: string, rows: readonly CellValue[][]) => Promise<void>;
}

interface Group {
  keys: Record<string, string> | undefined;
  oldest: number;
  rows: CellValue[][];
}

/** `<stream>-1-yyyy-MM-dd-HH-mm-ss-<uuid>`, Firehose's object name. */
export function objectName(deliveryStreamName: string, at: Date): string {
  return `${deliveryStreamName}-1-${formatDateTimePattern('yyyy-MM-dd-HH-mm-ss', at)}-${randomUUID()}`;
}

/**
 * Delivers one buffer: transformation events (split by the processor buffer size), the handler's verdict per record,
 * conversion of Ok records to Parquet rows grouped by their evaluated prefix (dynamic partitioning), then one
 * Parquet object per group and one error object per error type. Counts into `stats`; returns the keys written.
 * Throws (for a retry of the whole buffer) only when writing fails.
 */
export async function deliverBatch(
  batch: readonly SourceRecord[],
  settings: BatchSettings,
  stages: BatchStages,
  stats: FirehoseDeliveryStats,
): Promise<string[]> {
  const { region, accountId } = settings;
  const invocations = buildTransformationEvents(
    batch,
    {
      invocationId: randomUUID,
      deliveryStreamArn: `arn:aws:firehose:${region}:${accountId}:deliverystream/${settings.deliveryStreamName}`,
      sourceKinesisStreamArn: `arn:aws:kinesis:${region}:${accountId}:stream/${settings.streamName}`,
      region,
    },
    { bufferSizeBytes: settings.processorBufferBytes },
  );
  const groups = new Map<string, Group>();
  const errors: ErrorEntry[] = [];
  const context = { lambdaArn: settings.lambdaArn, catalog: settings.catalog };
  for (const { event, sourceIndexes } of invocations) {
    const outcome = await stages.invoke(event);
    stats.invocations += outcome.attempts;
    stats.invocationErrors += outcome.failures;
    stats.lambdaMs += outcome.elapsedMs;
    sourceIndexes.forEach((sourceIndex, i) => {
      const record = batch[sourceIndex] as SourceRecord;
      const checked: CheckedRecord = outcome.checked?.[i] ?? {
        result: 'ProcessingFailed',
        errorCode: 'Lambda.FunctionError',
        errorMessage: `The Lambda function failed: ${outcome.error ?? 'unknown error'}`,
      };
      routeRecord(record, checked, outcome.checked === undefined, settings, groups, errors, context, stats);
    });
  }
  const keys: string[] = [];
  for (const group of groups.values()) {
    if (group.rows.length === 0) continue;
    const at = new Date(group.oldest);
    const prefix = evaluateFirehosePrefix(settings.prefix, { timestamp: at, partitionKeys: group.keys });
    const key = `${prefix}${objectName(settings.deliveryStreamName, at)}.parquet`;
    await stages.writeParquet(key, group.rows);
    keys.push(key);
    stats.rows += group.rows.length;
    stats.parquetObjects++;
  }
  const errorKeys = writeErrorObjects(errors, {
    bucketDir: settings.bucketDir,
    errorPrefixFor: settings.errorPrefixFor,
    objectName: (at) => objectName(settings.deliveryStreamName, at),
  });
  stats.errorObjects += errorKeys.length;
  return keys.concat(errorKeys);
}

/** Sends one record where its verdict says: dropped, an error line, or rows of a Parquet group. */
function routeRecord(
  record: SourceRecord,
  checked: CheckedRecord,
  invocationFailed: boolean,
  settings: BatchSettings,
  groups: Map<string, Group>,
  errors: ErrorEntry[],
  context: { lambdaArn: string; catalog: CatalogTable },
  stats: FirehoseDeliveryStats,
): void {
  if (checked.result === 'Dropped') {
    stats.dropped++;
    return;
  }
  if (checked.result === 'ProcessingFailed') {
    stats.processingFailed++;
    const attempts = invocationFailed ? settings.retries + 1 : 1;
    const { errorCode: code, errorMessage: message } = checked;
    errors.push(errorEntry({ type: 'processing-failed', record, code, message, raw: record.data, attempts }, context));
    return;
  }
  stats.ok++;
  let rows: CellValue[][];
  try {
    rows = parseJsonObjects(Buffer.from(checked.data).toString('utf8')).map((o) => convertRow(o, settings.columns));
  } catch (err) {
    stats.formatConversionFailed++;
    const details = {
      type: 'format-conversion-failed' as const,
      record,
      code: 'DataFormatConversion.MalformedData',
      message: (err as Error).message,
      raw: checked.data,
      attempts: 1,
    };
    errors.push(errorEntry(details, context));
    return;
  }
  let groupKey = '';
  if (settings.usesPartitionKeys) {
    try {
      groupKey = evaluateFirehosePrefix(settings.prefix, {
        timestamp: new Date(0),
        partitionKeys: checked.partitionKeys,
        randomString: () => '',
      });
    } catch (err) {
      if (!(err instanceof MissingPartitionKeyError)) throw err;
      stats.partitioningFailed++;
      const details = {
        type: 'partitioning-failed' as const,
        record,
        code: 'DynamicPartitioning.MissingPartitionKey',
        message: err.message,
        raw: checked.data,
        attempts: 1,
      };
      errors.push(errorEntry(details, context));
      return;
    }
  }
  const group = groups.get(groupKey) ?? { keys: checked.partitionKeys, oldest: record.arrivalTimestamp, rows: [] };
  group.oldest = Math.min(group.oldest, record.arrivalTimestamp);
  group.rows.push(...rows);
  groups.set(groupKey, group);
}
