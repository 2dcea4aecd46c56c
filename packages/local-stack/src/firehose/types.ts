import type { Fields, Schema } from '@pipeline/schema';
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';

/** A Firehose transformation Lambda handler (the shape `@pipeline/firehose-transform` handlers have). */
export type FirehoseDeliveryHandler = (
  event: FirehoseTransformationEvent,
  context: Context,
) => Promise<FirehoseTransformationResult> | FirehoseTransformationResult;

export interface FirehoseBufferingHints {
  /**
   * Destination buffer size, MiB (fractions allowed). Default 64. **Local override:** Firehose requires ≥ 64 MiB
   * when record format conversion is on; locally any positive size is accepted so tests see objects quickly.
   */
  sizeInMBs?: number;
  /** Destination buffer interval, seconds (0–900). Default 60. */
  intervalInSeconds?: number;
}

export interface FirehoseProcessorOptions {
  /** Lambda processor buffer size hint, MiB (AWS range 0.2–3; AWS default 1). Default 1. */
  bufferSizeInMBs?: number;
  /** Retries after a failed invocation (throw, rejection, timeout, bad response). Default 3, as Firehose. */
  numberOfRetries?: number;
  /** Lambda timeout the fake context counts down from, seconds. Default 60. */
  timeoutSeconds?: number;
  /** `lambdaArn` written into `processing-failed` records. Default a fake ARN in the stream's account. */
  lambdaArn?: string;
}

export interface StartFirehoseDeliveryOptions<F extends Fields = Fields> {
  /** Kinesis emulator endpoint, e.g. `KinesisEmulator.endpoint`. */
  kinesisEndpoint: string;
  /** The source stream. */
  streamName: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Default `000000000000`. */
  accountId?: string;
  /** The transformation Lambda's handler, invoked in-process. */
  handler: FirehoseDeliveryHandler;
  /** The table schema the Parquet conversion reads with (Firehose takes it from a Glue table). */
  schema: Schema<F>;
  /** Lower-case the Parquet column names, as a Glue table has them. Default false (schema names). */
  lowercaseColumns?: boolean;
  /** The local bucket: objects are written to `<bucketDir>/<evaluated prefix><object name>`. */
  bucketDir: string;
  /** S3 prefix with expressions. Default `!{timestamp:yyyy/MM/dd/HH}/` (Firehose's `YYYY/MM/DD/HH/`). */
  prefix?: string;
  /**
   * Error output prefix. Required when `prefix` has expressions (as in Firehose). Default (prefix without
   * expressions) `<error-output-type>/!{timestamp:yyyy/MM/dd/HH}/`.
   */
  errorOutputPrefix?: string;
  bufferingHints?: FirehoseBufferingHints;
  processor?: FirehoseProcessorOptions;
  /** JSON file holding per-shard positions, written after each delivered batch; a restart resumes from it. */
  checkpointFile?: string;
  /** Delivery stream name (object names, ARNs). Default `<streamName>-delivery`. */
  deliveryStreamName?: string;
  /** Glue database/table written into `format-conversion-failed` records. Default `default` / the schema name. */
  dataCatalogTable?: { databaseName?: string; tableName?: string };
  /** Idle wait between GetRecords rounds, ms. Default 200. */
  pollIntervalMs?: number;
  /** Called with errors of the background loop (it keeps running). Default: kept in `lastError` only. */
  onError?: (error: unknown) => void;
}

/** Counters of a running delivery. */
export interface FirehoseDeliveryStats {
  /** Kinesis records read (an aggregate counts once). */
  kinesisRecords: number;
  /** User records after de-aggregation (what the Lambda sees). */
  userRecords: number;
  invocations: number;
  /** Invocations that failed (throw, timeout, bad response), retries included. */
  invocationErrors: number;
  ok: number;
  dropped: number;
  processingFailed: number;
  formatConversionFailed: number;
  partitioningFailed: number;
  /** Parquet rows written. */
  rows: number;
  parquetObjects: number;
  errorObjects: number;
  /** Delivered batches (each followed by a checkpoint). */
  deliveries: number;
  /** Time spent in Kinesis calls (ListShards, GetShardIterator, GetRecords) and de-aggregation, ms. */
  readMs: number;
  /** Time spent in the transformation handler (retries included), ms. */
  lambdaMs: number;
  /** Time spent delivering (handler, conversion, Parquet and error objects, checkpoint), ms. */
  deliverMs: number;
}

export interface FirehoseDelivery {
  /** Reads everything the stream has now (all shards, children after a split), delivers the buffer, checkpoints. */
  flush(): Promise<void>;
  /** Stops reading; by default delivers what is buffered first (`{ flush: false }` simulates a crash). */
  stop(options?: { flush?: boolean }): Promise<void>;
  readonly stats: Readonly<FirehoseDeliveryStats>;
  /** Last error of the background loop, if any. */
  readonly lastError: unknown;
  /** Object keys (relative to `bucketDir`) written so far. */
  readonly objects: readonly string[];
}
