/**
 * A local Kinesis → Firehose (transform Lambda, Parquet conversion) → S3 delivery: reads a stream on a Kinesis
 * emulator, de-aggregates KPL records, invokes a transformation handler in-process with real-shaped events, converts
 * Ok records to Parquet (Snappy, DuckDB) with the OpenX JSON SerDe's rules and writes objects into a folder laid out
 * like the bucket, with Firehose's prefix expressions and error output. No AWS SDK.
 *
 * This file only wires the stages: shard-reader → (delivery-loop: buffering hints) → batch (processor, openx,
 * parquet-writer, error-output) → checkpoint.
 */
import path from 'node:path';
import { type Fields, toParquetSchema } from '@pipeline/schema';
import { kinesisCall } from '../internal/http-json.js';
import { type BatchSettings, deliverBatch } from './batch.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { DeliveryLoop, emptyStats } from './delivery-loop.js';
import type { ConversionColumn } from './openx.js';
import { ParquetWriter } from './parquet-writer.js';
import { DEFAULT_PREFIX, type FirehoseErrorOutputType, prefixExpressions, validateFirehosePrefixes } from './prefix.js';
import { invokeProcessor, type ProcessorSettings } from './processor.js';
import { describeStream, type KinesisCall, ShardReader } from './shard-reader.js';
import type { FirehoseDelivery, StartFirehoseDeliveryOptions } from './types.js';

const MIB = 1024 * 1024;

/** Checks the buffering and processor hints (Firehose's ranges, with the documented local override). */
function bufferingSettings<F extends Fields>(options: StartFirehoseDeliveryOptions<F>) {
  const sizeInMBs = options.bufferingHints?.sizeInMBs ?? 64;
  const intervalInSeconds = options.bufferingHints?.intervalInSeconds ?? 60;
  if (!(sizeInMBs > 0)) throw new RangeError(`bufferingHints.sizeInMBs must be > 0, got ${sizeInMBs}`);
  if (!(intervalInSeconds >= 0 && intervalInSeconds <= 900)) {
    throw new RangeError(`bufferingHints.intervalInSeconds must be 0–900, got ${intervalInSeconds}`);
  }
  const processorMBs = options.processor?.bufferSizeInMBs ?? 1;
  if (!(processorMBs >= 0.2 && processorMBs <= 3)) {
    throw new RangeError(`processor.bufferSizeInMBs must be 0.2–3 (Firehose's range), got ${processorMBs}`);
  }
  return { sizeBytes: sizeInMBs * MIB, intervalMs: intervalInSeconds * 1000, processorBufferBytes: processorMBs * MIB };
}

/** The batch settings: ARNs, the Glue table, the Parquet columns and the prefixes. */
function batchSettings<F extends Fields>(
  options: StartFirehoseDeliveryOptions<F>,
  processorBufferBytes: number,
): BatchSettings {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const deliveryStreamName = options.deliveryStreamName ?? `${options.streamName}-delivery`;
  const prefixWasGiven = options.prefix !== undefined;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  validateFirehosePrefixes(prefixWasGiven ? prefix : undefined, options.errorOutputPrefix);
  const parquet = toParquetSchema(options.schema, { lowercase: options.lowercaseColumns ?? false });
  const fieldList = Object.values(options.schema.fields as Fields);
  const columns: ConversionColumn[] = parquet.columns.map((c, i) => ({
    name: c.name,
    type: (fieldList[i] as Fields[string]).type,
    nullable: c.repetition === 'OPTIONAL',
  }));
  return {
    region,
    accountId,
    streamName: options.streamName,
    deliveryStreamName,
    processorBufferBytes,
    retries: options.processor?.numberOfRetries ?? 3,
    lambdaArn:
      options.processor?.lambdaArn ?? `arn:aws:lambda:${region}:${accountId}:function:${deliveryStreamName}-transform`,
    catalog: {
      catalogId: accountId,
      databaseName: options.dataCatalogTable?.databaseName ?? 'default',
      tableName: options.dataCatalogTable?.tableName ?? options.schema.name,
      region,
      versionId: 'LATEST',
      catalogArn: `arn:aws:glue:${region}:${accountId}:catalog`,
    },
    columns,
    prefix,
    usesPartitionKeys: prefixExpressions(prefix).some((e) => e.namespace === 'partitionKeyFromLambda'),
    errorPrefixFor: (type: FirehoseErrorOutputType) =>
      options.errorOutputPrefix ?? `${type}/!{timestamp:yyyy/MM/dd/HH}/`,
    bucketDir: path.resolve(options.bucketDir),
  };
}

/**
 * Starts a local Firehose delivery from a Kinesis stream into a folder. Resolves once the stream's shards are
 * listed; reading runs in the background until `stop()`. A checkpoint file belongs to one stream (its ARN and
 * creation time): another stream's checkpoint is refused with a `CheckpointMismatchError` naming both. Needs the
 * optional peer dependency `@duckdb/node-api` (a `MissingDuckDBError` says so). See the README for which Firehose
 * behaviours are reproduced.
 */
export async function startFirehoseDelivery<F extends Fields>(
  options: StartFirehoseDeliveryOptions<F>,
): Promise<FirehoseDelivery> {
  const buffering = bufferingSettings(options);
  const settings = batchSettings(options, buffering.processorBufferBytes);
  const processor: ProcessorSettings = {
    handler: options.handler,
    retries: settings.retries,
    timeoutMs: (options.processor?.timeoutSeconds ?? 60) * 1000,
    lambdaArn: settings.lambdaArn,
  };
  const call: KinesisCall = <T>(operation: string, body: unknown) =>
    kinesisCall<T>(options.kinesisEndpoint, operation, body, { region: settings.region, timeoutMs: 30_000 });

  const checkpoint = readCheckpoint(options.checkpointFile, await describeStream(call, options.streamName));
  const reader = new ShardReader(call, options.streamName, checkpoint.shards);
  const writer = await ParquetWriter.open(settings.columns, settings.bucketDir);
  const stats = emptyStats();
  const objects: string[] = [];
  const loop = new DeliveryLoop(
    {
      read: async () => ({ ...(await reader.poll()), refreshPending: reader.refreshPending }),
      deliver: async (batch) => {
        const keys = await deliverBatch(
          batch,
          settings,
          {
            invoke: (event) => invokeProcessor(processor, event),
            writeParquet: (key, rows) => writer.write(key, rows),
          },
          stats,
        );
        objects.push(...keys);
      },
      checkpoint: () => {
        Object.assign(checkpoint.shards, reader.positions());
        if (options.checkpointFile !== undefined) writeCheckpoint(options.checkpointFile, checkpoint);
      },
    },
    {
      sizeBytes: buffering.sizeBytes,
      intervalMs: buffering.intervalMs,
      pollIntervalMs: options.pollIntervalMs ?? 200,
      onError: options.onError,
    },
    stats,
  );
  try {
    await loop.exclusive(() => reader.refresh());
  } catch (err) {
    writer.close();
    throw err;
  }
  loop.start();

  let stopped: Promise<void> | undefined;
  return {
    flush: () => loop.flush(),
    stop(stopOptions = {}) {
      stopped ??= (async () => {
        await loop.stop(stopOptions.flush ?? true);
        writer.close();
      })();
      return stopped;
    },
    get stats() {
      return { ...stats };
    },
    get lastError() {
      return loop.lastError;
    },
    get objects() {
      return [...objects];
    },
  };
}
