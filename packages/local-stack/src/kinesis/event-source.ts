/**
 * A local Lambda Kinesis event-source mapping: polls a stream on a Kinesis emulator and invokes a handler in-process
 * with real-shaped `KinesisStreamEvent`s, following Lambda's semantics — one batch in flight per shard, in order;
 * `BatchSize` and `MaximumBatchingWindowInSeconds`; a function error retries the batch (`MaximumRetryAttempts`,
 * with backoff) or splits it (`BisectBatchOnFunctionError`); `ReportBatchItemFailures` resumes from the lowest failed
 * sequence number; `MaximumRecordAgeInSeconds`; an on-failure callback for discarded batches; a checkpoint file so a
 * restart resumes where it left off. Like Lambda, it does not unpack KPL aggregates (the handler does). No AWS SDK.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fullJitterDelay } from '@pipeline/commons';
import type { Context, KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import { KinesisApiError, kinesisCall } from '../internal/http-json.js';

/**
 * A Lambda handler for Kinesis events (what `@pipeline/opensearch-sink`'s `createKinesisHandler` returns). Its answer
 * (or the promise's value) is read as Lambda reads it: a `KinesisStreamBatchResponse` with `reportBatchItemFailures`,
 * anything else is a success.
 */
export type KinesisEventHandler = (event: KinesisStreamEvent, context: Context) => unknown;

/** Why records were given up on (Lambda's on-failure destination gets the same information). */
export interface DiscardedBatch {
  readonly shardId: string;
  readonly reason: 'retries-exhausted' | 'record-too-old';
  readonly firstSequenceNumber: string;
  readonly lastSequenceNumber: string;
  readonly records: number;
  /** The last error, for `retries-exhausted`. */
  readonly error?: unknown;
}

export interface StartKinesisEventSourceOptions {
  kinesisEndpoint: string;
  streamName: string;
  /** Default `us-east-1`. */
  region?: string;
  /** Default `000000000000`. */
  accountId?: string;
  handler: KinesisEventHandler;
  /** Records per invocation at most (Lambda: 1–10000). Default 100, as Lambda. */
  batchSize?: number;
  /** Wait up to this long to fill a batch, seconds (Lambda: 0–300). Default 0: invoke with what one read returned. */
  maximumBatchingWindowInSeconds?: number;
  /** Where a shard without a checkpoint starts. Default `TRIM_HORIZON`. */
  startingPosition?: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  /** With `AT_TIMESTAMP`. */
  startingPositionTimestamp?: Date;
  /** On a function error, split the batch in two and retry the halves. Default false, as Lambda. */
  bisectBatchOnFunctionError?: boolean;
  /** Retries of a failed batch before it is discarded; -1 = until the records expire. Default -1, as Lambda. */
  maximumRetryAttempts?: number;
  /** Records older than this are discarded unprocessed; -1 = never. Default -1, as Lambda. */
  maximumRecordAgeInSeconds?: number;
  /** `FunctionResponseTypes: ['ReportBatchItemFailures']`: honour `batchItemFailures`. Default false, as Lambda. */
  reportBatchItemFailures?: boolean;
  /** The on-failure destination: called for every discarded batch. Default: none (counted in `stats`). */
  onDiscard?: (batch: DiscardedBatch) => void | Promise<void>;
  /** JSON file of per-shard positions, written after each batch that completed; a restart resumes from it. */
  checkpointFile?: string;
  /** Lambda timeout the fake context counts down from, seconds. Default 60. */
  timeoutSeconds?: number;
  /** Function name in the context and the `invokeIdentityArn`. Default `<streamName>-consumer`. */
  functionName?: string;
  /** Wait between reads of a shard that had nothing new, ms. Default 1000 (Lambda polls each shard once a second). */
  pollIntervalMs?: number;
  /** First backoff ceiling after a failed invocation, ms (full jitter, doubling up to 10 s). Default 100. */
  retryBaseDelayMs?: number;
  /** Errors of the background loop (it keeps running). Default: kept in `lastError` only. */
  onError?: (error: unknown) => void;
}

export interface KinesisEventSourceStats {
  /** Kinesis records read (an aggregate counts once). */
  kinesisRecords: number;
  invocations: number;
  /** Invocations that threw, rejected or returned an invalid `batchItemFailures`. */
  functionErrors: number;
  /** Invocations that reported some `batchItemFailures`. */
  partialFailures: number;
  bisections: number;
  /** Records that completed (the handler succeeded for them). */
  processed: number;
  /** Records given up on (see `onDiscard`). */
  discarded: number;
}

export interface KinesisEventSource {
  /** Reads everything the stream holds now and processes it (retries included). */
  flush(): Promise<void>;
  /** Stops polling after the batches in flight. */
  stop(): Promise<void>;
  readonly stats: Readonly<KinesisEventSourceStats>;
  readonly lastError: unknown;
}

interface CheckpointFile {
  version: 1;
  streamArn: string;
  streamCreated: number;
  shards: Record<string, { sequenceNumber?: string; closed?: boolean }>;
}

interface ApiRecord {
  Data: string;
  PartitionKey: string;
  SequenceNumber: string;
  ApproximateArrivalTimestamp?: number;
}

interface ShardState {
  readonly shardId: string;
  readonly parents: string[];
  iterator: string | undefined;
  /** Last sequence number read into `pending`. */
  readSeq: string | undefined;
  /** Last sequence number completed (checkpointed). */
  doneSeq: string | undefined;
  /** The shard is closed and read to its end. */
  readClosed: boolean;
  /** Everything read is processed too. */
  closed: boolean;
  pending: KinesisStreamRecord[];
  pendingSince: number;
}

const PAYLOAD_LIMIT = 6 * 1024 * 1024;

function positive(name: string, value: number | undefined, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`startKinesisEventSource: ${name} must be an integer from ${min} to ${max}, got ${v}`);
  }
  return v;
}

function writeFileAtomic(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content);
  fs.renameSync(tmp, file);
}

/** The checkpoint of this stream incarnation; a checkpoint of another stream (or an older one) is a clear error. */
function readCheckpoint(file: string | undefined, streamArn: string, streamCreated: number): CheckpointFile {
  const fresh: CheckpointFile = { version: 1, streamArn, streamCreated, shards: {} };
  if (file === undefined || !fs.existsSync(file)) return fresh;
  const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as CheckpointFile;
  if (saved.streamArn !== streamArn || saved.streamCreated !== streamCreated) {
    throw new Error(
      `event-source checkpoint ${file} belongs to ${saved.streamArn} created ${new Date(saved.streamCreated * 1000).toISOString()}, ` +
        `not to ${streamArn} created ${new Date(streamCreated * 1000).toISOString()}: delete it to start over`,
    );
  }
  return saved;
}

/** Lambda's checkpoint after a partial failure: the lowest failed sequence number, or `invalid`. */
export function lowestFailure(
  response: unknown,
  batch: readonly KinesisStreamRecord[],
): { kind: 'success' } | { kind: 'partial'; index: number } | { kind: 'invalid'; reason: string } {
  if (response === null || response === undefined || typeof response !== 'object') return { kind: 'success' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'invalid', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  let lowest = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '')
      return { kind: 'invalid', reason: 'an itemIdentifier is empty or missing' };
    const index = batch.findIndex((r) => r.kinesis.sequenceNumber === id);
    if (index < 0) return { kind: 'invalid', reason: `itemIdentifier ${id} is not in the batch` };
    lowest = Math.min(lowest, index);
  }
  return { kind: 'partial', index: lowest };
}

/**
 * Starts polling. Resolves once the stream's shards are listed; runs in the background until `stop()`.
 */
export async function startKinesisEventSource(options: StartKinesisEventSourceOptions): Promise<KinesisEventSource> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const batchSize = positive('batchSize', options.batchSize, 100, 1, 10_000);
  const windowMs = positive('maximumBatchingWindowInSeconds', options.maximumBatchingWindowInSeconds, 0, 0, 300) * 1000;
  const maxRetries = positive('maximumRetryAttempts', options.maximumRetryAttempts, -1, -1, 10_000);
  const maxAgeSeconds = positive('maximumRecordAgeInSeconds', options.maximumRecordAgeInSeconds, -1, -1, 604_800);
  const timeoutMs = positive('timeoutSeconds', options.timeoutSeconds, 60, 1, 900) * 1000;
  const pollMs = options.pollIntervalMs ?? 1000;
  const baseDelay = options.retryBaseDelayMs ?? 100;
  const start = options.startingPosition ?? 'TRIM_HORIZON';
  if (start === 'AT_TIMESTAMP' && options.startingPositionTimestamp === undefined) {
    throw new RangeError('startKinesisEventSource: startingPosition AT_TIMESTAMP needs startingPositionTimestamp');
  }
  const functionName = options.functionName ?? `${options.streamName}-consumer`;
  const call = <T>(operation: string, body: unknown) =>
    kinesisCall<T>(options.kinesisEndpoint, operation, body, { region, timeoutMs: 30_000 });

  const summary = await call<{
    StreamDescriptionSummary: { StreamARN: string; StreamCreationTimestamp: number };
  }>('DescribeStreamSummary', { StreamName: options.streamName });
  const streamArn = summary.StreamDescriptionSummary.StreamARN;
  const checkpoint = readCheckpoint(
    options.checkpointFile,
    streamArn,
    summary.StreamDescriptionSummary.StreamCreationTimestamp,
  );
  const stats: KinesisEventSourceStats = {
    kinesisRecords: 0,
    invocations: 0,
    functionErrors: 0,
    partialFailures: 0,
    bisections: 0,
    processed: 0,
    discarded: 0,
  };
  const shards = new Map<string, ShardState>();
  let lastRefresh = 0;
  let needRefresh = true;
  let lastError: unknown;
  let stopping = false;

  async function refreshShards(): Promise<void> {
    let token: string | undefined;
    do {
      const page = await call<{
        Shards?: Array<{ ShardId: string; ParentShardId?: string; AdjacentParentShardId?: string }>;
        NextToken?: string | null;
      }>('ListShards', token === undefined ? { StreamName: options.streamName } : { NextToken: token });
      for (const s of page.Shards ?? []) {
        if (shards.has(s.ShardId)) continue;
        const saved = checkpoint.shards[s.ShardId];
        shards.set(s.ShardId, {
          shardId: s.ShardId,
          parents: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => p !== undefined),
          iterator: undefined,
          readSeq: saved?.sequenceNumber,
          doneSeq: saved?.sequenceNumber,
          readClosed: saved?.closed === true,
          closed: saved?.closed === true,
          pending: [],
          pendingSince: 0,
        });
      }
      token = (page.Shards ?? []).length > 0 ? (page.NextToken ?? undefined) : undefined;
    } while (token !== undefined);
    needRefresh = false;
    lastRefresh = Date.now();
  }

  /** Children wait until their parents are done, so a key's records stay in order across a reshard. */
  const eligible = (s: ShardState) =>
    !s.closed && s.parents.every((p) => shards.get(p) === undefined || shards.get(p)?.closed === true);

  function iteratorRequest(s: ShardState): Record<string, unknown> {
    const base = { StreamName: options.streamName, ShardId: s.shardId };
    if (s.readSeq !== undefined) {
      return { ...base, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: s.readSeq };
    }
    if (start === 'AT_TIMESTAMP') {
      return {
        ...base,
        ShardIteratorType: 'AT_TIMESTAMP',
        Timestamp: options.startingPositionTimestamp!.getTime() / 1000,
      };
    }
    // A child shard found after a reshard is read from its start, whatever the mapping's starting position.
    return { ...base, ShardIteratorType: s.parents.length > 0 ? 'TRIM_HORIZON' : start };
  }

  function toEventRecord(shardId: string, r: ApiRecord): KinesisStreamRecord {
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey,
        sequenceNumber: r.SequenceNumber,
        data: r.Data,
        approximateArrivalTimestamp: r.ApproximateArrivalTimestamp ?? Date.now() / 1000,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: `arn:aws:iam::${accountId}:role/${functionName}-role`,
      awsRegion: region,
      eventSourceARN: streamArn,
    };
  }

  /** Reads one page into the shard's pending records; returns how many records came. */
  async function readShard(s: ShardState): Promise<number> {
    if (s.readClosed) return 0;
    s.iterator ??= (await call<{ ShardIterator: string }>('GetShardIterator', iteratorRequest(s))).ShardIterator;
    let page: { Records?: ApiRecord[]; NextShardIterator?: string | null };
    try {
      page = await call('GetRecords', { ShardIterator: s.iterator, Limit: batchSize });
    } catch (error) {
      if (error instanceof KinesisApiError && error.type === 'ExpiredIteratorException') {
        s.iterator = undefined;
        return 0;
      }
      throw error;
    }
    const records = page.Records ?? [];
    for (const r of records) {
      if (s.pending.length === 0) s.pendingSince = Date.now();
      s.pending.push(toEventRecord(s.shardId, r));
      s.readSeq = r.SequenceNumber;
    }
    stats.kinesisRecords += records.length;
    if (page.NextShardIterator === undefined || page.NextShardIterator === null) {
      s.readClosed = true;
      s.iterator = undefined;
      needRefresh = true;
    } else {
      s.iterator = page.NextShardIterator;
    }
    return records.length;
  }

  function context(): Context {
    const deadline = Date.now() + timeoutMs;
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
      memoryLimitInMB: '1024',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${functionName}`,
      logStreamName: 'local',
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => {},
      fail: () => {},
      succeed: () => {},
    };
  }

  /** One invocation: `ok`, a partial failure at an index, or a function error. */
  async function invoke(
    batch: KinesisStreamRecord[],
  ): Promise<{ kind: 'ok' } | { kind: 'partial'; index: number } | { kind: 'error'; error: unknown }> {
    stats.invocations++;
    try {
      const response = await options.handler({ Records: batch }, context());
      if (options.reportBatchItemFailures !== true) return { kind: 'ok' };
      const verdict = lowestFailure(response, batch);
      if (verdict.kind === 'success') return { kind: 'ok' };
      if (verdict.kind === 'partial') {
        stats.partialFailures++;
        return verdict;
      }
      stats.functionErrors++;
      return { kind: 'error', error: new Error(`invalid batchItemFailures: ${verdict.reason}`) };
    } catch (error) {
      stats.functionErrors++;
      return { kind: 'error', error };
    }
  }

  async function discard(
    s: ShardState,
    batch: KinesisStreamRecord[],
    reason: DiscardedBatch['reason'],
    error?: unknown,
  ) {
    if (batch.length === 0) return;
    stats.discarded += batch.length;
    await options.onDiscard?.({
      shardId: s.shardId,
      reason,
      firstSequenceNumber: batch[0]!.kinesis.sequenceNumber,
      lastSequenceNumber: batch[batch.length - 1]!.kinesis.sequenceNumber,
      records: batch.length,
      ...(error === undefined ? {} : { error }),
    });
  }

  /** Processes a batch to completion: retries, bisection, partial failures, discards. */
  async function processBatch(s: ShardState, initial: KinesisStreamRecord[]): Promise<void> {
    const queue: KinesisStreamRecord[][] = [initial];
    while (queue.length > 0) {
      let batch = queue.shift()!;
      let attempt = 0;
      while (batch.length > 0) {
        if (maxAgeSeconds >= 0) {
          const oldest = Date.now() / 1000 - maxAgeSeconds;
          const expired = batch.filter((r) => r.kinesis.approximateArrivalTimestamp < oldest);
          await discard(s, expired, 'record-too-old');
          batch = batch.filter((r) => r.kinesis.approximateArrivalTimestamp >= oldest);
          if (batch.length === 0) break;
        }
        const outcome = await invoke(batch);
        if (outcome.kind === 'ok') {
          stats.processed += batch.length;
          break;
        }
        if (outcome.kind === 'partial') {
          stats.processed += outcome.index;
          batch = batch.slice(outcome.index);
        } else if (options.bisectBatchOnFunctionError === true && batch.length > 1) {
          // Bisection does not count against the retry attempts; each half starts afresh.
          stats.bisections++;
          const half = Math.ceil(batch.length / 2);
          queue.unshift(batch.slice(0, half), batch.slice(half));
          break;
        }
        attempt++;
        if (maxRetries >= 0 && attempt > maxRetries) {
          await discard(s, batch, 'retries-exhausted', outcome.kind === 'error' ? outcome.error : undefined);
          break;
        }
        await sleep(fullJitterDelay(attempt, baseDelay, 10_000));
      }
    }
    s.doneSeq = initial[initial.length - 1]?.kinesis.sequenceNumber ?? s.doneSeq;
  }

  function saveCheckpoint(): void {
    if (options.checkpointFile === undefined) return;
    for (const s of shards.values()) {
      checkpoint.shards[s.shardId] = {
        ...(s.doneSeq === undefined ? {} : { sequenceNumber: s.doneSeq }),
        ...(s.closed ? { closed: true } : {}),
      };
    }
    writeFileAtomic(options.checkpointFile, JSON.stringify(checkpoint, null, 2));
  }

  /** Invokes for the shard's pending records when a batch is due; `force` ignores the batching window. */
  async function drainShard(s: ShardState, force: boolean): Promise<void> {
    while (s.pending.length > 0) {
      let bytes = 0;
      let take = 0;
      while (take < Math.min(batchSize, s.pending.length)) {
        bytes += s.pending[take]!.kinesis.data.length + 200;
        if (take > 0 && bytes > PAYLOAD_LIMIT) break;
        take++;
      }
      const full = take === batchSize || take < s.pending.length;
      if (!force && !full && Date.now() - s.pendingSince < windowMs) return;
      const batch = s.pending.splice(0, take);
      s.pendingSince = Date.now();
      await processBatch(s, batch);
      saveCheckpoint();
    }
    if (s.readClosed && !s.closed) {
      s.closed = true;
      saveCheckpoint();
    }
  }

  /** One round over the eligible shards: read, invoke when due. Returns the records read. */
  async function round(force: boolean): Promise<number> {
    if (needRefresh || Date.now() - lastRefresh > 5_000) await refreshShards();
    let got = 0;
    for (const s of [...shards.values()]) {
      if (!eligible(s)) continue;
      const n = s.pending.length < batchSize ? await readShard(s) : 0;
      got += n;
      await drainShard(s, force || windowMs === 0);
    }
    return got;
  }

  let chain: Promise<unknown> = Promise.resolve();
  /** Rounds run one at a time (the loop and flush() share them). */
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const next = chain.then(work, work);
    chain = next.catch(() => {});
    return next;
  };

  await refreshShards();
  const loop = (async () => {
    while (!stopping) {
      let got = 0;
      try {
        got = await exclusive(() => round(false));
      } catch (error) {
        lastError = error;
        options.onError?.(error);
      }
      if (!stopping && got === 0) await sleep(Math.min(pollMs, windowMs > 0 ? windowMs : pollMs));
    }
  })();

  return {
    async flush() {
      await exclusive(async () => {
        for (;;) {
          const got = await round(true);
          const waiting = [...shards.values()].some((s) => eligible(s) && (s.pending.length > 0 || s.readClosed));
          if (got === 0 && !waiting) return;
        }
      });
    },
    async stop() {
      stopping = true;
      await loop;
      await chain;
    },
    get stats() {
      return stats;
    },
    get lastError() {
      return lastError;
    },
  };
}
