/**
 * A local Kinesis → Firehose (transform Lambda, Parquet conversion) → S3 delivery: reads a stream on a Kinesis
 * emulator, de-aggregates KPL records, invokes a transformation handler in-process with real-shaped events, converts
 * Ok records to Parquet (Snappy, DuckDB) with the OpenX JSON SerDe's rules and writes objects into a folder laid out
 * like the bucket, with Firehose's prefix expressions and error output. No AWS SDK.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance, DuckDBTimestampTZValue } from '@duckdb/node-api';
import { deaggregate, isAggregated } from '@pipeline/kpl-aggregation';
import { type Fields, type Schema, toParquetSchema } from '@pipeline/schema';
import type { Context, FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import {
  buildTransformationEvents,
  type CheckedRecord,
  checkTransformationResponse,
  type SourceRecord,
} from './firehose/event.js';
import { type CellValue, type ConversionColumn, convertRow, parseJsonObjects } from './firehose/openx.js';
import {
  DEFAULT_PREFIX,
  evaluateFirehosePrefix,
  type FirehoseErrorOutputType,
  formatDateTimePattern,
  MissingPartitionKeyError,
  prefixExpressions,
  validateFirehosePrefixes,
} from './firehose/prefix.js';
import { KinesisApiError, kinesisCall } from './internal/http-json.js';

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

interface ShardCheckpoint {
  sequenceNumber?: string;
  closed?: boolean;
}

interface CheckpointFile {
  version: 1;
  streamName: string;
  shards: Record<string, ShardCheckpoint>;
}

interface ShardState {
  readonly shardId: string;
  readonly parents: string[];
  iterator: string | undefined;
  /** Last sequence number read (buffered or delivered). */
  readSeq: string | undefined;
  readClosed: boolean;
}

interface KinesisShard {
  ShardId: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
}

interface KinesisRecord {
  Data: string;
  PartitionKey: string;
  SequenceNumber: string;
  ApproximateArrivalTimestamp?: number;
}

interface ErrorEntry {
  readonly type: FirehoseErrorOutputType;
  readonly arrivalTimestamp: number;
  readonly line: string;
}

const MIB = 1024 * 1024;

function duckType(type: ConversionColumn['type']): string {
  switch (type) {
    case 'string':
      return 'VARCHAR';
    case 'int':
      return 'INTEGER';
    case 'long':
      return 'BIGINT';
    case 'double':
      return 'DOUBLE';
    case 'boolean':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMPTZ';
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const quoteString = (text: string) => `'${text.replace(/'/g, "''")}'`;

function appendCell(appender: DuckDBAppender, column: ConversionColumn, value: CellValue): void {
  if (value === null) {
    appender.appendNull();
    return;
  }
  switch (column.type) {
    case 'string':
      appender.appendVarchar(value as string);
      return;
    case 'int':
      appender.appendInteger(value as number);
      return;
    case 'long':
      appender.appendBigInt(value as bigint);
      return;
    case 'double':
      appender.appendDouble(value as number);
      return;
    case 'boolean':
      appender.appendBoolean(value as boolean);
      return;
    case 'timestamp':
      appender.appendTimestampTZ(new DuckDBTimestampTZValue(value as bigint));
      return;
  }
}

function readCheckpoint(file: string | undefined, streamName: string): CheckpointFile {
  if (file === undefined || !fs.existsSync(file)) return { version: 1, streamName, shards: {} };
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointFile;
  if (parsed.streamName !== streamName) {
    throw new Error(`checkpoint ${file} is for stream ${parsed.streamName}, not ${streamName}`);
  }
  return parsed;
}

function writeFileAtomic(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** `<stream>-1-yyyy-MM-dd-HH-mm-ss-<uuid>`, Firehose's object name. */
function objectName(deliveryStreamName: string, at: Date): string {
  return `${deliveryStreamName}-1-${formatDateTimePattern('yyyy-MM-dd-HH-mm-ss', at)}-${randomUUID()}`;
}

/**
 * Starts a local Firehose delivery from a Kinesis stream into a folder. Resolves once the stream's shards are
 * listed; reading runs in the background until `stop()`. See the README for which Firehose behaviours are
 * reproduced.
 */
export async function startFirehoseDelivery<F extends Fields>(
  options: StartFirehoseDeliveryOptions<F>,
): Promise<FirehoseDelivery> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const deliveryStreamName = options.deliveryStreamName ?? `${options.streamName}-delivery`;
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
  const retries = options.processor?.numberOfRetries ?? 3;
  const timeoutMs = (options.processor?.timeoutSeconds ?? 60) * 1000;
  const lambdaArn =
    options.processor?.lambdaArn ?? `arn:aws:lambda:${region}:${accountId}:function:${deliveryStreamName}-transform`;
  const prefixWasGiven = options.prefix !== undefined;
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  validateFirehosePrefixes(prefixWasGiven ? prefix : undefined, options.errorOutputPrefix);
  const errorPrefixFor = (type: FirehoseErrorOutputType) =>
    options.errorOutputPrefix ?? `${type}/!{timestamp:yyyy/MM/dd/HH}/`;
  const usesPartitionKeys = prefixExpressions(prefix).some((e) => e.namespace === 'partitionKeyFromLambda');
  const pollIntervalMs = options.pollIntervalMs ?? 200;
  const bucketDir = path.resolve(options.bucketDir);

  const parquet = toParquetSchema(options.schema, { lowercase: options.lowercaseColumns ?? false });
  const fieldList = Object.values(options.schema.fields as Fields);
  const columns: ConversionColumn[] = parquet.columns.map((c, i) => ({
    name: c.name,
    type: (fieldList[i] as Fields[string]).type,
    nullable: c.repetition === 'OPTIONAL',
  }));
  const catalog = {
    catalogId: accountId,
    databaseName: options.dataCatalogTable?.databaseName ?? 'default',
    tableName: options.dataCatalogTable?.tableName ?? options.schema.name,
    region,
    versionId: 'LATEST',
    catalogArn: `arn:aws:glue:${region}:${accountId}:catalog`,
  };

  const call = <T>(operation: string, body: unknown) =>
    kinesisCall<T>(options.kinesisEndpoint, operation, body, { region, timeoutMs: 30_000 });

  const checkpoint = readCheckpoint(options.checkpointFile, options.streamName);
  const shards = new Map<string, ShardState>();
  let needRefresh = true;
  let lastRefresh = 0;
  let buffer: SourceRecord[] = [];
  let bufferBytes = 0;
  let bufferStartedAt = 0;
  const objects: string[] = [];
  const stats: FirehoseDeliveryStats = {
    kinesisRecords: 0,
    userRecords: 0,
    invocations: 0,
    invocationErrors: 0,
    ok: 0,
    dropped: 0,
    processingFailed: 0,
    formatConversionFailed: 0,
    partitioningFailed: 0,
    rows: 0,
    parquetObjects: 0,
    errorObjects: 0,
    deliveries: 0,
    readMs: 0,
    lambdaMs: 0,
    deliverMs: 0,
  };
  let lastError: unknown;

  const duck = await DuckDBInstance.create(':memory:');
  const connection: DuckDBConnection = await duck.connect();
  let tableCounter = 0;

  async function refreshShards(): Promise<void> {
    let token: string | undefined;
    do {
      const page = await call<{ Shards?: KinesisShard[]; NextToken?: string | null }>(
        'ListShards',
        token === undefined ? { StreamName: options.streamName } : { NextToken: token },
      );
      for (const s of page.Shards ?? []) {
        if (shards.has(s.ShardId)) continue;
        const saved = checkpoint.shards[s.ShardId];
        shards.set(s.ShardId, {
          shardId: s.ShardId,
          parents: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => p !== undefined),
          iterator: undefined,
          readSeq: saved?.sequenceNumber,
          readClosed: saved?.closed === true,
        });
      }
      token = (page.Shards ?? []).length > 0 ? (page.NextToken ?? undefined) : undefined;
    } while (token !== undefined);
    needRefresh = false;
    lastRefresh = Date.now();
  }

  const eligible = (s: ShardState) =>
    !s.readClosed && s.parents.every((p) => shards.get(p) === undefined || shards.get(p)?.readClosed === true);

  async function readShard(s: ShardState): Promise<{ got: number; behind: boolean }> {
    if (s.iterator === undefined) {
      const answer = await call<{ ShardIterator: string }>(
        'GetShardIterator',
        s.readSeq === undefined
          ? { StreamName: options.streamName, ShardId: s.shardId, ShardIteratorType: 'TRIM_HORIZON' }
          : {
              StreamName: options.streamName,
              ShardId: s.shardId,
              ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
              StartingSequenceNumber: s.readSeq,
            },
      );
      s.iterator = answer.ShardIterator;
    }
    let page: { Records?: KinesisRecord[]; NextShardIterator?: string | null; MillisBehindLatest?: number };
    try {
      page = await call('GetRecords', { ShardIterator: s.iterator, Limit: 10_000 });
    } catch (err) {
      if (err instanceof KinesisApiError && err.type === 'ExpiredIteratorException') {
        s.iterator = undefined;
        return { got: 0, behind: true };
      }
      throw err;
    }
    const records = page.Records ?? [];
    for (const r of records) {
      const data = Buffer.from(r.Data, 'base64');
      const arrival = Math.round((r.ApproximateArrivalTimestamp ?? Date.now() / 1000) * 1000);
      const aggregated = isAggregated(data);
      for (const sub of deaggregate({ partitionKey: r.PartitionKey, data })) {
        if (buffer.length === 0) bufferStartedAt = Date.now();
        buffer.push({
          data: Buffer.from(sub.data),
          arrivalTimestamp: arrival,
          shardId: s.shardId,
          partitionKey: sub.partitionKey,
          sequenceNumber: r.SequenceNumber,
          subsequenceNumber: aggregated ? sub.subSequenceNumber : undefined,
        });
        bufferBytes += sub.data.byteLength;
        stats.userRecords++;
      }
      stats.kinesisRecords++;
      s.readSeq = r.SequenceNumber;
    }
    if (page.NextShardIterator === undefined || page.NextShardIterator === null) {
      s.readClosed = true;
      s.iterator = undefined;
      needRefresh = true;
    } else {
      s.iterator = page.NextShardIterator;
    }
    return { got: records.length, behind: records.length > 0 && (page.MillisBehindLatest ?? 0) > 0 };
  }

  async function pollOnce(): Promise<{ got: number; behind: boolean }> {
    const t0 = performance.now();
    try {
      return await pollShards();
    } finally {
      stats.readMs += performance.now() - t0;
    }
  }

  async function pollShards(): Promise<{ got: number; behind: boolean }> {
    if (needRefresh || Date.now() - lastRefresh > 5_000) await refreshShards();
    let got = 0;
    let behind = false;
    for (const s of [...shards.values()]) {
      if (!eligible(s)) continue;
      const r = await readShard(s);
      got += r.got;
      behind ||= r.behind;
    }
    return { got, behind };
  }

  function makeContext(deadline: number): Context {
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: lambdaArn.split(':').pop() ?? 'transform',
      functionVersion: '$LATEST',
      invokedFunctionArn: lambdaArn,
      memoryLimitInMB: '128',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${lambdaArn.split(':').pop() ?? 'transform'}`,
      logStreamName: 'local-firehose',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
  }

  async function invoke(event: FirehoseTransformationEvent): Promise<{ checked?: CheckedRecord[]; error?: string }> {
    let message = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      stats.invocations++;
      const started = performance.now();
      const deadline = Date.now() + timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Task timed out after ${timeoutMs / 1000} seconds`)), timeoutMs);
        });
        const response = await Promise.race([Promise.resolve(options.handler(event, makeContext(deadline))), timeout]);
        return { checked: checkTransformationResponse(event, response) };
      } catch (err) {
        stats.invocationErrors++;
        message = err instanceof Error ? err.message : String(err);
      } finally {
        clearTimeout(timer);
        stats.lambdaMs += performance.now() - started;
      }
    }
    return { error: message };
  }

  async function writeParquet(key: string, rows: CellValue[][]): Promise<void> {
    const table = `firehose_batch_${++tableCounter}`;
    const ddl = columns.map((c) => `${quoteIdent(c.name)} ${duckType(c.type)}`).join(', ');
    await connection.run(`CREATE TABLE ${table} (${ddl})`);
    try {
      const appender = await connection.createAppender(table);
      for (const row of rows) {
        for (let i = 0; i < columns.length; i++) {
          appendCell(appender, columns[i] as ConversionColumn, row[i] as CellValue);
        }
        appender.endRow();
      }
      appender.closeSync();
      const file = path.join(bucketDir, key);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await connection.run(
        `COPY ${table} TO ${quoteString(tmp)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
      );
      fs.renameSync(tmp, file);
    } finally {
      await connection.run(`DROP TABLE ${table}`);
    }
  }

  function errorLine(
    type: FirehoseErrorOutputType,
    record: SourceRecord,
    code: string,
    message: string,
    raw: Uint8Array,
    attempts: number,
  ): ErrorEntry {
    const base = {
      attemptsMade: attempts,
      arrivalTimestamp: record.arrivalTimestamp,
    };
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
            dataCatalogTable: catalog,
          }
        : {
            ...base,
            errorCode: code,
            errorMessage: message,
            attemptEndingTimestamp: Date.now(),
            rawData,
            lambdaArn,
          };
    return { type, arrivalTimestamp: record.arrivalTimestamp, line: JSON.stringify(body) };
  }

  async function deliver(): Promise<void> {
    const t0 = performance.now();
    try {
      await deliverBuffer();
    } finally {
      stats.deliverMs += performance.now() - t0;
    }
  }

  async function deliverBuffer(): Promise<void> {
    const batch = buffer;
    buffer = [];
    bufferBytes = 0;
    try {
      const invocations = buildTransformationEvents(
        batch,
        {
          invocationId: randomUUID,
          deliveryStreamArn: `arn:aws:firehose:${region}:${accountId}:deliverystream/${deliveryStreamName}`,
          sourceKinesisStreamArn: `arn:aws:kinesis:${region}:${accountId}:stream/${options.streamName}`,
          region,
        },
        { bufferSizeBytes: processorMBs * MIB },
      );
      const groups = new Map<
        string,
        { keys: Record<string, string> | undefined; oldest: number; rows: CellValue[][] }
      >();
      const errors: ErrorEntry[] = [];
      for (const { event, sourceIndexes } of invocations) {
        const { checked, error } = await invoke(event);
        sourceIndexes.forEach((sourceIndex, i) => {
          const record = batch[sourceIndex] as SourceRecord;
          const outcome: CheckedRecord = checked?.[i] ?? {
            result: 'ProcessingFailed',
            errorCode: 'Lambda.FunctionError',
            errorMessage: `The Lambda function failed: ${error ?? 'unknown error'}`,
          };
          if (outcome.result === 'Dropped') {
            stats.dropped++;
            return;
          }
          if (outcome.result === 'ProcessingFailed') {
            stats.processingFailed++;
            const attempts = checked === undefined ? retries + 1 : 1;
            errors.push(
              errorLine('processing-failed', record, outcome.errorCode, outcome.errorMessage, record.data, attempts),
            );
            return;
          }
          stats.ok++;
          let rows: CellValue[][];
          try {
            rows = parseJsonObjects(Buffer.from(outcome.data).toString('utf8')).map((o) => convertRow(o, columns));
          } catch (err) {
            stats.formatConversionFailed++;
            errors.push(
              errorLine(
                'format-conversion-failed',
                record,
                'DataFormatConversion.MalformedData',
                (err as Error).message,
                outcome.data,
                1,
              ),
            );
            return;
          }
          let groupKey = '';
          if (usesPartitionKeys) {
            try {
              groupKey = evaluateFirehosePrefix(prefix, {
                timestamp: new Date(0),
                partitionKeys: outcome.partitionKeys,
                randomString: () => '',
              });
            } catch (err) {
              if (!(err instanceof MissingPartitionKeyError)) throw err;
              stats.partitioningFailed++;
              errors.push(
                errorLine(
                  'partitioning-failed',
                  record,
                  'DynamicPartitioning.MissingPartitionKey',
                  err.message,
                  outcome.data,
                  1,
                ),
              );
              return;
            }
          }
          const group = groups.get(groupKey) ?? {
            keys: outcome.partitionKeys,
            oldest: record.arrivalTimestamp,
            rows: [],
          };
          group.oldest = Math.min(group.oldest, record.arrivalTimestamp);
          group.rows.push(...rows);
          groups.set(groupKey, group);
        });
      }
      for (const group of groups.values()) {
        if (group.rows.length === 0) continue;
        const at = new Date(group.oldest);
        const key = `${evaluateFirehosePrefix(prefix, { timestamp: at, partitionKeys: group.keys })}${objectName(deliveryStreamName, at)}.parquet`;
        await writeParquet(key, group.rows);
        objects.push(key);
        stats.rows += group.rows.length;
        stats.parquetObjects++;
      }
      const byType = new Map<FirehoseErrorOutputType, ErrorEntry[]>();
      for (const e of errors) {
        const list = byType.get(e.type);
        if (list === undefined) byType.set(e.type, [e]);
        else list.push(e);
      }
      for (const [type, entries] of byType) {
        const at = new Date(entries.reduce((min, e) => Math.min(min, e.arrivalTimestamp), Number.POSITIVE_INFINITY));
        const dir = evaluateFirehosePrefix(
          errorPrefixFor(type),
          { timestamp: at, errorOutputType: type },
          'errorOutputPrefix',
        );
        const key = `${dir}${objectName(deliveryStreamName, at)}`;
        writeFileAtomic(path.join(bucketDir, key), `${entries.map((e) => e.line).join('\n')}\n`);
        objects.push(key);
        stats.errorObjects++;
      }
    } catch (err) {
      buffer = batch.concat(buffer);
      bufferBytes = buffer.reduce((n, r) => n + r.data.byteLength, 0);
      throw err;
    }
    stats.deliveries++;
    saveCheckpoint();
  }

  function saveCheckpoint(): void {
    for (const s of shards.values()) {
      const entry: ShardCheckpoint = {};
      if (s.readSeq !== undefined) entry.sequenceNumber = s.readSeq;
      if (s.readClosed) entry.closed = true;
      checkpoint.shards[s.shardId] = entry;
    }
    if (options.checkpointFile !== undefined) {
      writeFileAtomic(options.checkpointFile, `${JSON.stringify(checkpoint, null, 2)}\n`);
    }
  }

  async function maybeDeliver(force: boolean): Promise<void> {
    if (buffer.length === 0) {
      if (force) saveCheckpoint();
      return;
    }
    if (force || bufferBytes >= sizeInMBs * MIB || Date.now() - bufferStartedAt >= intervalInSeconds * 1000) {
      await deliver();
    }
  }

  // One operation at a time: the background loop and flush() share the shard iterators and the buffer.
  let chain: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  await exclusive(refreshShards);

  let stopping = false;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = (async () => {
    while (!stopping) {
      let got = 0;
      try {
        await exclusive(async () => {
          if (stopping) return;
          got = (await pollOnce()).got;
          await maybeDeliver(false);
        });
      } catch (err) {
        lastError = err;
        options.onError?.(err);
        if (!stopping) await sleep(1_000);
      }
      if (!stopping && got === 0) await sleep(pollIntervalMs);
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    flush: () =>
      exclusive(async () => {
        for (let round = 0; round < 10_000; round++) {
          const r = await pollOnce();
          if (r.got === 0 && !r.behind && !needRefresh) break;
        }
        await maybeDeliver(true);
      }),
    stop(stopOptions = {}) {
      stopped ??= (async () => {
        stopping = true;
        wake?.();
        await loop;
        if (stopOptions.flush ?? true) await exclusive(() => maybeDeliver(true));
        connection.closeSync();
        duck.closeSync();
      })();
      return stopped;
    },
    get stats() {
      return { ...stats };
    },
    get lastError() {
      return lastError;
    },
    get objects() {
      return [...objects];
    },
  };
}
