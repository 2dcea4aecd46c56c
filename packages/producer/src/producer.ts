import { EventEmitter } from 'node:events';
import type {
  KinesisClient,
  PutRecordsCommandOutput,
  PutRecordsRequestEntry,
  PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { effectiveHashKey, InvalidHashKeyError } from '@pipeline/kpl-aggregation';
import { Aggregator } from './aggregator.js';
import { KinesisApi } from './client.js';
import { Collector, type PutRecordsBatch } from './collector.js';
import { type Attempt, PutRecordError } from './errors.js';
import { Limiter } from './limiter.js';
import { type MetricsSnapshot, ProducerMetrics } from './metrics.js';
import {
  type KinesisProducerOptions,
  RECORD_MAX_BYTES_DEFAULT,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import type { KinesisRecord, PendingRecord } from './pending-record.js';
import { backoffDelay, classifyEntryError, classifyError, type ErrorClassification } from './retrier.js';
import { ShardMap } from './shard-map.js';
import type { PutResult, UserRecordInput } from './types.js';

/** Options of `flush()` and `close()`. */
export interface FlushOptions {
  /** Stop waiting at this time (epoch ms or Date) and report what is still pending. Default: wait until done. */
  deadline?: number | Date;
}

/** What `flush()` saw: `complete` when every record put before it settled; else how many were still pending. */
export interface FlushResult {
  readonly complete: boolean;
  readonly pending: number;
}

/** One record's outcome from `putAll()`, with its position in the source. */
export type PutOutcome =
  | { readonly index: number; readonly record: UserRecordInput; readonly ok: true; readonly result: PutResult }
  | { readonly index: number; readonly record: UserRecordInput; readonly ok: false; readonly error: PutRecordError };

/** Events of `KinesisProducer`. */
export interface KinesisProducerEvents {
  /** A record failed (every failure, also in the default mode). */
  failure: [error: PutRecordError];
  /** Every `metricsInterval` ms. */
  metrics: [snapshot: MetricsSnapshot];
  /** The shard map was reloaded. */
  shardMapRefreshed: [info: { openShards: number; version: number }];
}

const PTEE = 'ProvisionedThroughputExceededException';
const CONTROL_PLANE_TIMEOUT_MS = 10_000;
const INIT_RETRY_MAX_MS = 30_000;
const LIMITER_STEP_MS = 25;

interface FlushWaiter {
  readonly maxId: number;
  remaining: number;
  resolve(result: FlushResult): void;
}

/**
 * A KPL-compatible Kinesis producer: shard-aware aggregation, per-shard adaptive rate limits, classified retries with
 * backoff, bounded memory and exact per-record outcomes. See the package README.
 */
export class KinesisProducer extends EventEmitter<KinesisProducerEvents> {
  private readonly options: ResolvedOptions;
  private readonly api: KinesisApi;
  private readonly streamInput: { StreamName?: string; StreamARN?: string };
  private readonly shardMap: ShardMap;
  private readonly aggregator: Aggregator;
  private readonly limiter: Limiter;
  private readonly collector: Collector;
  private readonly metricsState = new ProducerMetrics();

  private nextId = 0;
  private unsettled = 0;
  private outstandingRecords = 0;
  private outstandingBytes = 0;
  /** Records put but not admitted yet: waiting for the stream's shard map or for buffer capacity. */
  private readonly admissionQueue: PendingRecord[] = [];
  private admissionHead = 0;
  private readonly capacityWaiters: Array<() => void> = [];
  private readonly flushWaiters = new Set<FlushWaiter>();
  private flushing = 0;
  private blockedWriters = 0;
  private inFlight = 0;
  private readonly inFlightBatches = new Set<PutRecordsBatch>();
  private readonly retryTimers = new Map<NodeJS.Timeout, PendingRecord[]>();

  private state: 'new' | 'initializing' | 'ready' | 'closed' = 'new';
  private maxRecordSize = RECORD_MAX_BYTES_DEFAULT;
  private initRetryDelay = 1000;
  private pumpScheduled = false;
  private admitting = false;
  private admitAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private readonly intervals: NodeJS.Timeout[] = [];
  private closePromise: Promise<FlushResult> | undefined;

  constructor(options: KinesisProducerOptions) {
    super();
    this.options = resolveOptions(options);
    const o = this.options;
    this.api = new KinesisApi(options.client, options.clientConfig);
    this.streamInput = {};
    if (o.stream.streamName !== undefined) this.streamInput.StreamName = o.stream.streamName;
    if (o.stream.streamARN !== undefined) this.streamInput.StreamARN = o.stream.streamARN;
    this.shardMap = new ShardMap(
      (input) => this.api.listShards(input, CONTROL_PLANE_TIMEOUT_MS),
      this.streamInput,
      o.logger,
    );
    this.aggregator = new Aggregator(
      {
        enabled: o.aggregationEnabled,
        maxCount: o.aggregationMaxCount,
        maxSize: o.aggregationMaxSize,
        maxBufferedTime: o.recordMaxBufferedTime,
        maxRecordSize: () => this.maxRecordSize,
      },
      (record) => this.route(record),
    );
    this.limiter = new Limiter(o.rateLimit);
    this.collector = new Collector(
      { maxCount: o.collectionMaxCount, maxSize: o.collectionMaxSize },
      () => this.inFlight < o.maxConnections,
      (batch) => this.send(batch),
    );
  }

  /** The Kinesis client in use (the given one, or the one the producer built). */
  get client(): KinesisClient {
    return this.api.client;
  }

  /** Records and bytes accepted and not yet settled. */
  get outstanding(): { readonly records: number; readonly bytes: number; readonly waiting: number } {
    return {
      records: this.outstandingRecords,
      bytes: this.outstandingBytes,
      waiting: this.admissionQueue.length - this.admissionHead,
    };
  }

  /** The record size limit in force (bytes of partition key + data). */
  get maxUserRecordSize(): number {
    return this.effectiveRecordLimit();
  }

  /**
   * Puts one record. Resolves once Kinesis accepted it, rejects with `PutRecordError` when it cannot be delivered
   * (validation, a non-retryable error, `Expired` after `recordTtl`). When the buffer is full it waits for capacity
   * (or rejects with `BufferFull` when `whenFull: 'reject'`).
   */
  put(record: UserRecordInput): Promise<PutResult> {
    const promise = new Promise<PutResult>((resolve, reject) => this.submit(record, resolve, reject));
    if (this.options.fireAndForget) promise.catch(() => {});
    return promise;
  }

  /**
   * Bulk path with backpressure: pulls records from `source` only while fewer than `maxOutstandingRecords` (and
   * `maxOutstandingBytes`) are in the producer or waiting to be read as outcomes, and yields every record's outcome,
   * failures included, in completion order (`index` is the position in the source). Stopping the iteration stops
   * the pulling; records already taken are still delivered.
   */
  putAll(source: Iterable<UserRecordInput> | AsyncIterable<UserRecordInput>): AsyncIterableIterator<PutOutcome> {
    return new PutAllIterator(this, source, this.options.maxOutstandingRecords, this.options.maxOutstandingBytes);
  }

  /** @internal Takes one record with settle callbacks (no promise): the core of `put()` and `putAll()`. */
  submit(record: UserRecordInput, resolve: (result: PutResult) => void, reject: (error: PutRecordError) => void): void {
    const pending = this.createPending(record, resolve, reject as (error: Error) => void);
    if (this.closePromise !== undefined) {
      this.fail(pending, 'ProducerClosed', 'the producer is closed');
      return;
    }
    const invalid = this.validate(pending);
    if (invalid !== undefined) {
      this.fail(pending, invalid[0], invalid[1]);
      return;
    }
    if (this.state !== 'ready' || this.admissionHead < this.admissionQueue.length) {
      this.admissionQueue.push(pending);
      if (this.state === 'new') this.initialize();
      else if (this.state === 'ready') this.admitWaiting();
      return;
    }
    if (!this.tryAdmit(pending)) this.admissionQueue.push(pending);
  }

  /** @internal A bulk writer is waiting for room: send what is buffered now instead of at its deadline. */
  writerBlocked(blocked: boolean): void {
    this.blockedWriters += blocked ? 1 : -1;
    if (blocked) this.schedulePump();
  }

  /** Resolves when the producer can take another record without waiting. */
  waitForCapacity(): Promise<void> {
    if (this.hasCapacity(0) && this.admissionHead === this.admissionQueue.length) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  /**
   * Sends everything buffered now and resolves when every record put before this call has settled, or at
   * `deadline` with the number still pending (a Lambda must return in time).
   */
  flush(options: FlushOptions = {}): Promise<FlushResult> {
    if (this.unsettled === 0) return Promise.resolve({ complete: true, pending: 0 });
    const deadline = options.deadline instanceof Date ? options.deadline.getTime() : options.deadline;
    return new Promise<FlushResult>((resolve) => {
      let timeout: NodeJS.Timeout | undefined;
      const waiter: FlushWaiter = {
        maxId: this.nextId - 1,
        remaining: this.unsettled,
        resolve: (result) => {
          if (!this.flushWaiters.delete(waiter)) return;
          this.flushing--;
          if (timeout) clearTimeout(timeout);
          resolve(result);
        },
      };
      this.flushWaiters.add(waiter);
      this.flushing++;
      if (deadline !== undefined) {
        timeout = setTimeout(
          () => waiter.resolve({ complete: false, pending: waiter.remaining }),
          Math.max(0, deadline - Date.now()),
        );
        timeout.unref();
      }
      this.pump();
    });
  }

  /**
   * Flushes, then stops every timer and releases the client it built. Later puts reject with `ProducerClosed`.
   * With a `deadline`, records still unsettled then fail with `ProducerClosed` (one in flight may still have been
   * delivered). Idempotent: every call returns the same promise.
   */
  close(options: FlushOptions = {}): Promise<FlushResult> {
    if (this.closePromise) return this.closePromise;
    this.closePromise = (async () => {
      const result = await this.flush(options);
      this.state = 'closed';
      if (!result.complete) this.abandonAll();
      if (this.timer) clearTimeout(this.timer);
      for (const interval of this.intervals) clearInterval(interval);
      for (const waiter of this.capacityWaiters.splice(0)) waiter();
      if (this.inFlight === 0) this.api.destroy();
      return result;
    })();
    return this.closePromise;
  }

  /** A snapshot of the metrics (names as the KPL's). */
  metrics(): MetricsSnapshot {
    return this.metricsState.snapshot(this.unsettled, this.limiter.state());
  }

  // ---------------------------------------------------------------- admission

  private createPending(
    input: UserRecordInput,
    resolve: (result: PutResult) => void,
    reject: (error: Error) => void,
  ): PendingRecord {
    const now = Date.now();
    const data = typeof input?.data === 'string' ? Buffer.from(input.data, 'utf8') : input?.data;
    const partitionKey = input?.partitionKey;
    this.unsettled++;
    return {
      id: this.nextId++,
      input,
      partitionKey,
      explicitHashKey: input?.explicitHashKey,
      data,
      hashKey: 0n,
      size: (data?.length ?? 0) + (typeof partitionKey === 'string' ? Buffer.byteLength(partitionKey, 'utf8') : 0),
      putAt: now,
      expiresAt: now + this.options.recordTtl,
      waitingSince: now,
      attempts: [],
      admitted: false,
      settled: false,
      resolve,
      reject,
    };
  }

  /** Checks the record; sets its hash key. Returns [code, message] when invalid. */
  private validate(record: PendingRecord): [string, string] | undefined {
    const { partitionKey, data, explicitHashKey } = record;
    if (typeof partitionKey !== 'string' || partitionKey.length === 0) {
      return ['InvalidPartitionKey', 'partitionKey must be a non-empty string'];
    }
    if (partitionKey.length > 256 && countCodePoints(partitionKey) > 256) {
      return [
        'InvalidPartitionKey',
        `partitionKey has ${countCodePoints(partitionKey)} characters; the limit is 256 (Kinesis PartitionKey)`,
      ];
    }
    if (!(partitionKey as unknown as { isWellFormed(): boolean }).isWellFormed()) {
      return ['InvalidPartitionKey', 'partitionKey is not valid Unicode (lone surrogate); it cannot be sent as UTF-8'];
    }
    if (!(data instanceof Uint8Array)) {
      return ['InvalidData', `data must be a Uint8Array or a string, got ${data === null ? 'null' : typeof data}`];
    }
    if (explicitHashKey !== undefined && typeof explicitHashKey !== 'string') {
      return ['InvalidExplicitHashKey', `explicitHashKey must be a decimal string, got ${typeof explicitHashKey}`];
    }
    try {
      (record as { hashKey: bigint }).hashKey = effectiveHashKey(partitionKey, explicitHashKey);
    } catch (error) {
      if (error instanceof InvalidHashKeyError) return ['InvalidExplicitHashKey', error.message];
      throw error;
    }
    // Before the stream's limit is known, admitWaiting() checks the size.
    if (this.state === 'ready') {
      const tooLarge = this.sizeError(record);
      if (tooLarge !== undefined) return ['RecordTooLarge', tooLarge];
    }
    return undefined;
  }

  private sizeError(record: PendingRecord): string | undefined {
    const limit = this.effectiveRecordLimit();
    if (record.size <= limit) return undefined;
    return `record is ${record.size} bytes (partition key ${record.size - record.data.length} + data ${record.data.length}); the limit is ${limit} bytes (maxUserRecordSize / the stream's MaxRecordSizeInKiB)`;
  }

  private effectiveRecordLimit(): number {
    const configured = this.options.maxUserRecordSize;
    return configured === undefined ? this.maxRecordSize : Math.min(configured, this.maxRecordSize);
  }

  private hasCapacity(size: number): boolean {
    if (this.outstandingRecords === 0) return true;
    return (
      this.outstandingRecords < this.options.maxOutstandingRecords &&
      this.outstandingBytes + size <= this.options.maxOutstandingBytes
    );
  }

  private tryAdmit(record: PendingRecord): boolean {
    if (!this.hasCapacity(record.size)) {
      if (this.options.whenFull === 'reject') {
        this.fail(
          record,
          'BufferFull',
          `buffer full: ${this.outstandingRecords} records / ${this.outstandingBytes} bytes outstanding (maxOutstandingRecords ${this.options.maxOutstandingRecords}, maxOutstandingBytes ${this.options.maxOutstandingBytes})`,
        );
        return true;
      }
      return false;
    }
    this.admit(record);
    return true;
  }

  private admit(record: PendingRecord): void {
    record.admitted = true;
    this.outstandingRecords++;
    this.outstandingBytes += record.size;
    if (this.outstandingRecords > this.metricsState.outstandingHighWaterMark) {
      this.metricsState.outstandingHighWaterMark = this.outstandingRecords;
    }
    this.metricsState.userRecordsReceived++;
    const now = Date.now();
    if (now >= record.expiresAt) {
      this.expire(record);
      return;
    }
    record.waitingSince = now;
    this.aggregator.add(record, this.shardMap.predict(record.hashKey));
    this.schedulePump();
  }

  /**
   * Admits queued records in order while capacity allows. Settling a record (an expiry here, a rejection) asks for
   * another pass instead of nesting one: the queue is drained by this loop, never by recursion, so a million records
   * expiring in the queue take a million iterations and constant stack.
   */
  private admitWaiting(): void {
    if (this.admitting) {
      this.admitAgain = true;
      return;
    }
    this.admitting = true;
    try {
      do {
        this.admitAgain = false;
        this.admitPass();
      } while (this.admitAgain);
    } finally {
      this.admitting = false;
    }
    if (this.admissionHead === this.admissionQueue.length && this.hasCapacity(0)) {
      for (const waiter of this.capacityWaiters.splice(0)) waiter();
    }
  }

  private admitPass(): void {
    const queue = this.admissionQueue;
    while (this.admissionHead < queue.length) {
      const record = queue[this.admissionHead]!;
      if (!record.settled) {
        const tooLarge = this.sizeError(record);
        if (tooLarge !== undefined) this.fail(record, 'RecordTooLarge', tooLarge);
        else if (!this.tryAdmit(record)) break;
      }
      queue[this.admissionHead++] = undefined as unknown as PendingRecord;
    }
    if (this.admissionHead === queue.length) {
      queue.length = 0;
      this.admissionHead = 0;
    } else if (this.admissionHead > 4096) {
      queue.splice(0, this.admissionHead);
      this.admissionHead = 0;
    }
  }

  // ---------------------------------------------------------------- stream metadata

  private initialize(): void {
    this.state = 'initializing';
    void this.loadStreamMetadata();
  }

  private async loadStreamMetadata(): Promise<void> {
    const summary = this.api.describeStreamSummary(this.options.stream, CONTROL_PLANE_TIMEOUT_MS).then(
      (out) => {
        const kib = (out.StreamDescriptionSummary as { MaxRecordSizeInKiB?: number } | undefined)?.MaxRecordSizeInKiB;
        if (typeof kib === 'number' && kib > 0) this.maxRecordSize = kib * 1024;
      },
      (error: unknown) =>
        this.options.logger.debug('DescribeStreamSummary failed; record limit 1 MiB', { error: String(error) }),
    );
    try {
      await this.refreshShardMap();
      await summary;
      this.becomeReady();
    } catch (error) {
      await summary;
      const cls = classifyError(error);
      if (!cls.retryable) {
        this.options.logger.error('cannot load the stream shard map', { code: cls.code, message: cls.message });
        this.state = 'new';
        const queued = this.admissionQueue.splice(this.admissionHead);
        this.admissionQueue.length = 0;
        this.admissionHead = 0;
        for (const record of queued) {
          this.fail(record, cls.code, `ListShards failed: ${cls.message}`);
        }
        return;
      }
      // Like the KPL: without a shard map, records go out unaggregated while the map is retried in the background.
      this.options.logger.warn('shard map unavailable; sending unaggregated until it loads', { code: cls.code });
      this.becomeReady();
      this.retryShardMapLater();
    }
  }

  private retryShardMapLater(): void {
    const delay = this.initRetryDelay;
    this.initRetryDelay = Math.min(INIT_RETRY_MAX_MS, delay * 1.5);
    const timer = setTimeout(() => {
      if (this.state === 'closed') return;
      this.refreshShardMap().catch(() => this.retryShardMapLater());
    }, delay);
    timer.unref();
  }

  private async refreshShardMap(): Promise<void> {
    await this.shardMap.refresh();
    this.afterShardMapRefresh();
  }

  private afterShardMapRefresh(): void {
    this.metricsState.shardMapRefreshes++;
    this.emit('shardMapRefreshed', { openShards: this.shardMap.shardCount, version: this.shardMap.version });
  }

  private becomeReady(): void {
    if (this.state !== 'initializing') return;
    this.state = 'ready';
    const o = this.options;
    if (o.shardMapRefreshInterval > 0) {
      const interval = setInterval(() => {
        this.shardMap
          .refresh()
          .then(() => this.afterShardMapRefresh())
          .catch((error: unknown) => o.logger.warn('periodic shard map refresh failed', { error: String(error) }));
      }, o.shardMapRefreshInterval);
      interval.unref();
      this.intervals.push(interval);
    }
    if (o.metricsInterval > 0) {
      const interval = setInterval(() => this.emit('metrics', this.metrics()), o.metricsInterval);
      interval.unref();
      this.intervals.push(interval);
    }
    this.admitWaiting();
  }

  // ---------------------------------------------------------------- pipeline

  /** Aggregator output: shard-predicted records pass the limiter, others go straight to the collector. */
  private route(record: KinesisRecord): void {
    if (record.shardId === undefined) this.collector.add(record);
    else this.limiter.enqueue(record, Date.now());
  }

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /**
   * Whether buffered records should go now rather than at their deadline: a flush is waiting, or writers are blocked
   * on capacity (no more records can join the buffers until some settle) and the pipe is idle — nothing in flight,
   * nothing waiting for tokens or a connection. Like Nagle's algorithm, partial batches go at once on an idle pipe and
   * otherwise grow until a response returns: sending a small aggregate early where it would only queue behind others
   * is what emptied aggregates under backlog.
   */
  private get urgent(): boolean {
    if (this.flushing > 0) return true;
    const blocked =
      this.blockedWriters > 0 || this.capacityWaiters.length > 0 || this.admissionHead < this.admissionQueue.length;
    return blocked && this.inFlight === 0 && this.limiter.queued === 0 && !this.collector.backlogged;
  }

  /**
   * Moves records along: limiter → collector, due aggregates → limiter → collector → sender; then arms the timer for
   * the next due. A shard's buffer stays in the aggregator (and keeps filling) while Kinesis records for that shard
   * still wait for tokens: it could not go out sooner, only emptier.
   */
  private pump(): void {
    if (this.state === 'closed' && this.unsettled === 0) return;
    const now = Date.now();
    const force = this.urgent;
    const toCollector = (record: KinesisRecord) => this.collector.add(record);
    this.limiter.drain(now, toCollector);
    this.aggregator.flushDue(now, force, this.flushing > 0 ? undefined : this.shardBusy);
    this.limiter.drain(now, toCollector);
    this.collector.flushDue(now, force);
    this.armTimer(now);
  }

  private readonly shardBusy = (shardId: string): boolean => this.limiter.queuedFor(shardId) > 0;

  private armTimer(now: number): void {
    let next = Number.POSITIVE_INFINITY;
    const aggregatorDue = this.aggregator.nextDeadline(this.flushing > 0 ? undefined : this.shardBusy);
    if (aggregatorDue !== undefined) next = Math.min(next, aggregatorDue);
    const collectorDue = this.collector.nextDeadline();
    if (collectorDue !== undefined) next = Math.min(next, collectorDue);
    const limiterWait = this.limiter.nextWait(now);
    // Records held for tokens are released in steps of at least LIMITER_STEP_MS (the KPL drains every 25 ms), so a
    // trickle of tokens makes requests of a step's worth of records, not one request per record.
    if (limiterWait !== undefined) next = Math.min(next, now + Math.max(LIMITER_STEP_MS, limiterWait));
    if (this.urgent && (aggregatorDue !== undefined || collectorDue !== undefined)) next = now;
    if (next === Number.POSITIVE_INFINITY) return;
    if (this.timer && next >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, next - now),
    );
    // Ref'd on purpose: it only exists while records are buffered, and an exiting process must not strand them.
    // Every record settles within recordTtl, so it never holds the process open for longer.
  }

  // ---------------------------------------------------------------- sending

  private send(batch: PutRecordsBatch): void {
    const start = Date.now();
    const sendable: KinesisRecord[] = [];
    for (const kr of batch.records) {
      if (kr.records.some((r) => r.settled || start >= r.expiresAt)) {
        // Expired while waiting for tokens or a connection: fail those, re-aggregate the rest.
        for (const r of kr.records) {
          if (r.settled) continue;
          if (start >= r.expiresAt) this.expire(r);
          else this.requeue(r, start);
        }
        continue;
      }
      sendable.push(kr);
    }
    if (sendable.length === 0) {
      this.schedulePump();
      return;
    }
    const sent: PutRecordsBatch = { records: sendable, size: batch.size, deadline: batch.deadline };
    const entries: PutRecordsRequestEntry[] = new Array(sendable.length);
    for (let i = 0; i < sendable.length; i++) {
      const kr = sendable[i]!;
      const entry: PutRecordsRequestEntry = { Data: kr.data, PartitionKey: kr.partitionKey };
      if (kr.explicitHashKey !== undefined) entry.ExplicitHashKey = kr.explicitHashKey;
      entries[i] = entry;
      for (const r of kr.records) {
        if (r.attempts.length === 0) this.metricsState.bufferingTime.add(start - r.putAt);
      }
    }
    this.inFlight++;
    this.inFlightBatches.add(sent);
    this.metricsState.putRecordsRequests++;
    this.metricsState.kinesisRecordsPerRequest.add(sendable.length);
    this.api
      .putRecords({ ...this.streamInput, Records: entries }, this.options.requestTimeout)
      .then(
        (output) => this.onResponse(sent, output, start),
        (error: unknown) => this.onRequestFailed(sent, classifyError(error), start),
      )
      .catch((error: unknown) => {
        this.options.logger.error('internal error handling a PutRecords response', { error: String(error) });
        this.onRequestFailed(sent, classifyError(error), start);
      })
      .finally(() => {
        this.inFlight--;
        this.inFlightBatches.delete(sent);
        if (this.state === 'closed' && this.inFlight === 0) this.api.destroy();
        this.collector.dispatch();
        this.schedulePump();
      });
  }

  private onResponse(batch: PutRecordsBatch, output: PutRecordsCommandOutput, start: number): void {
    const end = Date.now();
    this.metricsState.requestTime.add(end - start);
    const results = output.Records ?? [];
    if (results.length !== batch.records.length) {
      const message = `PutRecords answered ${results.length} entries for ${batch.records.length} records`;
      this.onRequestFailed(
        batch,
        { code: 'ResponseMismatch', message, retryable: true, throttling: false, ambiguous: true },
        start,
      );
      return;
    }
    const wrongShard: Array<[KinesisRecord, PutRecordsResultEntry]> = [];
    for (let i = 0; i < results.length; i++) {
      const kr = batch.records[i]!;
      const entry = results[i]!;
      if (entry.ErrorCode) {
        const cls = classifyEntryError(entry.ErrorCode, entry.ErrorMessage ?? '');
        if (kr.shardId !== undefined) this.limiter.onResult(kr.shardId, cls.throttling, end, kr.size);
        this.retryOrFail(kr.records, cls, start, end);
      } else if (kr.shardId !== undefined && entry.ShardId !== kr.shardId) {
        wrongShard.push([kr, entry]);
      } else {
        if (kr.shardId !== undefined) this.limiter.onResult(kr.shardId, false, end, kr.size);
        this.succeed(kr, entry, start, end);
      }
    }
    if (wrongShard.length > 0) void this.handleWrongShard(wrongShard, start, end);
  }

  /**
   * Records that landed on another shard than predicted: the map is stale (resharding). Single records are fine —
   * Kinesis routed them by their own hash key. An aggregate with any sub-record outside the landed shard's range is
   * dropped whole by the KCL, so every sub-record is sent again.
   */
  private async handleWrongShard(
    landed: Array<[KinesisRecord, PutRecordsResultEntry]>,
    start: number,
    end: number,
  ): Promise<void> {
    for (const [kr] of landed) this.metricsState.wrongShard += kr.records.length;
    try {
      await this.shardMap.refresh();
      this.afterShardMapRefresh();
    } catch (error) {
      this.options.logger.warn('shard map refresh after a wrong-shard result failed', { error: String(error) });
    }
    for (const [kr, entry] of landed) {
      if (!kr.aggregated) {
        this.succeed(kr, entry, start, end);
        continue;
      }
      const range = entry.ShardId === undefined ? undefined : this.shardMap.range(entry.ShardId);
      const outside =
        range === undefined
          ? kr.records.length
          : kr.records.filter((r) => r.hashKey < range.startingHashKey || r.hashKey > range.endingHashKey).length;
      if (outside === 0) {
        this.succeed(kr, entry, start, end);
        continue;
      }
      this.metricsState.misroutedAggregates++;
      this.options.logger.warn('aggregate landed on a shard that excludes some of its records; re-sending all', {
        predicted: kr.shardId,
        landed: entry.ShardId,
        records: kr.records.length,
        outside,
      });
      this.retryOrFail(
        kr.records,
        {
          code: 'WrongShard',
          message: `aggregate predicted for ${kr.shardId} landed on ${entry.ShardId} with ${outside} of ${kr.records.length} records outside its range`,
          retryable: true,
          throttling: false,
          ambiguous: false,
        },
        start,
        end,
      );
    }
    this.schedulePump();
  }

  private onRequestFailed(batch: PutRecordsBatch, cls: ErrorClassification, start: number): void {
    const end = Date.now();
    this.metricsState.requestTime.add(end - start);
    if (cls.throttling) {
      for (const kr of batch.records) if (kr.shardId !== undefined) this.limiter.onThrottled(kr.shardId, end, kr.size);
    }
    if (cls.retryable && cls.ambiguous) {
      for (const kr of batch.records) this.metricsState.ambiguousRetries += kr.records.length;
    }
    for (const kr of batch.records) this.retryOrFail(kr.records, cls, start, end);
  }

  private succeed(kr: KinesisRecord, entry: PutRecordsResultEntry, start: number, end: number): void {
    const m = this.metricsState;
    m.kinesisRecordsPut++;
    m.kinesisRecordsDataPut += kr.size;
    m.userRecordsPerKinesisRecord.add(kr.records.length);
    const shardId = entry.ShardId ?? '';
    const sequenceNumber = entry.SequenceNumber ?? '';
    for (let i = 0; i < kr.records.length; i++) {
      const r = kr.records[i]!;
      if (r.settled) continue;
      r.attempts.push({ timestamp: end, durationMs: end - start, delayMs: start - r.waitingSince, success: true });
      m.userRecordsPut++;
      m.userRecordsDataPut += r.data.length;
      m.retriesPerRecord.add(r.attempts.length - 1);
      this.settle(r);
      r.resolve({
        shardId,
        sequenceNumber,
        subSequenceNumber: kr.aggregated ? i : 0,
        aggregated: kr.aggregated,
        attempts: r.attempts,
      });
    }
    this.afterRelease();
  }

  private retryOrFail(records: readonly PendingRecord[], cls: ErrorClassification, start: number, end: number): void {
    const live = records.filter((r) => !r.settled);
    if (live.length === 0) return;
    const attempt: Attempt = {
      timestamp: end,
      durationMs: end - start,
      delayMs: 0,
      success: false,
      errorCode: cls.code,
      errorMessage: cls.message,
    };
    for (const r of live) r.attempts.push({ ...attempt, delayMs: start - r.waitingSince });
    this.metricsState.error(cls.code, live.length);
    const failNow = !cls.retryable || (cls.code === PTEE && this.options.failIfThrottled) || this.state === 'closed';
    if (failNow) {
      const why = this.state === 'closed' && cls.retryable ? 'ProducerClosed' : cls.code;
      for (const r of live) this.fail(r, why, `${cls.code}: ${cls.message}`);
      return;
    }
    this.metricsState.retries += live.length;
    const delay = backoffDelay(
      live[0]!.attempts.length,
      this.options.retryBaseDelay,
      this.options.retryMaxDelay,
      this.options.random,
    );
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      const now = Date.now();
      for (const r of live) {
        if (r.settled) continue;
        if (now >= r.expiresAt) this.expire(r);
        else this.requeue(r, now);
      }
      this.schedulePump();
    }, delay);
    this.retryTimers.set(timer, live);
  }

  /** Sends a record through the aggregator again, with a fresh shard prediction. */
  private requeue(record: PendingRecord, now: number): void {
    if (this.state === 'closed') {
      this.fail(record, 'ProducerClosed', 'the producer closed before the record could be retried');
      return;
    }
    record.waitingSince = now;
    this.aggregator.add(record, this.shardMap.predict(record.hashKey));
  }

  // ---------------------------------------------------------------- settling

  private expire(record: PendingRecord): void {
    const last = record.attempts[record.attempts.length - 1];
    this.metricsState.userRecordExpired++;
    this.fail(
      record,
      'Expired',
      `not accepted within recordTtl (${this.options.recordTtl} ms) after ${record.attempts.length} attempt(s)` +
        (last?.errorCode ? `; last error ${last.errorCode}: ${last.errorMessage ?? ''}` : ''),
    );
  }

  private fail(record: PendingRecord, code: string, message: string): void {
    if (record.settled) return;
    const admitted = this.settle(record);
    if (admitted) this.metricsState.userRecordsFailed++;
    const error = withoutStack(() => new PutRecordError(code, message, record.input, record.attempts));
    record.reject(error);
    if (this.listenerCount('failure') > 0) this.emitFailure(error);
    else if (this.options.fireAndForget) {
      this.options.logger.error('record failed', { code, message, partitionKey: record.partitionKey });
    }
    if (admitted) this.afterRelease();
  }

  /** A `failure` listener that throws must not leave the pipeline half way through settling records. */
  private emitFailure(error: PutRecordError): void {
    try {
      this.emit('failure', error);
    } catch (listenerError) {
      this.options.logger.error('a failure listener threw', { error: String(listenerError) });
    }
  }

  /**
   * Marks settled and releases capacity; true when the record had been admitted. Only bookkeeping: the caller
   * settles the promise first and then calls `afterRelease()`, so nothing can run between the two.
   */
  private settle(record: PendingRecord): boolean {
    record.settled = true;
    this.unsettled--;
    if (this.flushWaiters.size > 0) {
      for (const waiter of this.flushWaiters) {
        if (record.id <= waiter.maxId && --waiter.remaining === 0) waiter.resolve({ complete: true, pending: 0 });
      }
    }
    const admitted = record.admitted;
    if (admitted) {
      this.outstandingRecords--;
      this.outstandingBytes -= record.size;
    }
    return admitted;
  }

  /** Capacity was released: admit queued records (a pass of the loop, never a nested one). */
  private afterRelease(): void {
    if (this.admissionHead < this.admissionQueue.length || this.capacityWaiters.length > 0) this.admitWaiting();
  }

  /** After a close deadline: every record still held fails with `ProducerClosed`. */
  private abandonAll(): void {
    const message = 'the producer closed at its deadline before the record was accepted';
    for (const record of this.aggregator.drain()) this.fail(record, 'ProducerClosed', message);
    for (const kr of this.limiter.takeAll()) for (const r of kr.records) this.fail(r, 'ProducerClosed', message);
    for (const kr of this.collector.takeAll()) for (const r of kr.records) this.fail(r, 'ProducerClosed', message);
    for (const [timer, records] of this.retryTimers) {
      clearTimeout(timer);
      for (const r of records) this.fail(r, 'ProducerClosed', message);
    }
    this.retryTimers.clear();
    const queued = this.admissionQueue.splice(this.admissionHead);
    this.admissionQueue.length = 0;
    this.admissionHead = 0;
    for (const r of queued) this.fail(r, 'ProducerClosed', message);
    for (const batch of this.inFlightBatches) {
      for (const kr of batch.records) {
        for (const r of kr.records) this.fail(r, 'ProducerClosed', `${message} (still in flight: it may be delivered)`);
      }
    }
  }
}

/** The iterator behind `putAll()`: pulls under a record and byte budget, hands outcomes over as they settle. */
class PutAllIterator implements AsyncIterableIterator<PutOutcome> {
  private readonly outcomes: PutOutcome[] = [];
  private head = 0;
  private open = 0;
  private openBytes = 0;
  private started = false;
  private done = false;
  private stopped = false;
  private sourceError: unknown;
  private waitingNext: { resolve(r: IteratorResult<PutOutcome>): void; reject(e: unknown): void } | undefined;
  private wakePull: (() => void) | undefined;

  constructor(
    private readonly producer: KinesisProducer,
    private readonly source: Iterable<UserRecordInput> | AsyncIterable<UserRecordInput>,
    private readonly limitRecords: number,
    private readonly limitBytes: number,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<PutOutcome> {
    return this;
  }

  next(): Promise<IteratorResult<PutOutcome>> {
    if (!this.started) {
      this.started = true;
      void this.pull();
    }
    if (this.head < this.outcomes.length) return Promise.resolve({ value: this.take(), done: false });
    if (this.done && this.open === 0) return this.finish();
    return new Promise((resolve, reject) => {
      this.waitingNext = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<PutOutcome>> {
    this.stopped = true;
    this.wake();
    return Promise.resolve({ value: undefined, done: true });
  }

  private finish(): Promise<IteratorResult<PutOutcome>> {
    if (this.sourceError !== undefined) {
      const error = this.sourceError;
      this.sourceError = undefined;
      return Promise.reject(error);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  private take(): PutOutcome {
    const outcome = this.outcomes[this.head]!;
    this.outcomes[this.head++] = undefined as unknown as PutOutcome;
    if (this.head === this.outcomes.length) {
      this.outcomes.length = 0;
      this.head = 0;
    }
    this.release(outcome);
    return outcome;
  }

  private release(outcome: PutOutcome): void {
    this.open--;
    this.openBytes -= approximateSize(outcome.record);
    this.wake();
  }

  private wake(): void {
    const wake = this.wakePull;
    this.wakePull = undefined;
    wake?.();
  }

  private deliver(outcome: PutOutcome): void {
    const waiting = this.waitingNext;
    if (waiting !== undefined) {
      this.waitingNext = undefined;
      this.release(outcome);
      waiting.resolve({ value: outcome, done: false });
    } else {
      this.outcomes.push(outcome);
    }
  }

  private settleWaitingNext(): void {
    const waiting = this.waitingNext;
    if (waiting === undefined || this.open > 0) return;
    this.waitingNext = undefined;
    this.finish().then(waiting.resolve, waiting.reject);
  }

  private async pull(): Promise<void> {
    let index = 0;
    try {
      const source = this.source;
      const isAsync = Symbol.asyncIterator in source;
      const iterator = isAsync
        ? (source as AsyncIterable<UserRecordInput>)[Symbol.asyncIterator]()
        : (source as Iterable<UserRecordInput>)[Symbol.iterator]();
      for (;;) {
        // A synchronous source is drained without a microtask per record; an async one is awaited.
        const step = isAsync ? await iterator.next() : (iterator as Iterator<UserRecordInput>).next();
        if (step.done) break;
        const record = step.value;
        const size = approximateSize(record);
        if (this.open > 0 && (this.open >= this.limitRecords || this.openBytes + size > this.limitBytes)) {
          this.producer.writerBlocked(true);
          while (
            !this.stopped &&
            this.open > 0 &&
            (this.open >= this.limitRecords || this.openBytes + size > this.limitBytes)
          ) {
            await new Promise<void>((resolve) => {
              this.wakePull = resolve;
            });
          }
          this.producer.writerBlocked(false);
        }
        if (this.stopped) {
          await iterator.return?.();
          return;
        }
        const i = index++;
        this.open++;
        this.openBytes += size;
        this.producer.submit(
          record,
          (result) => this.deliver({ index: i, record, ok: true, result }),
          (error) => this.deliver({ index: i, record, ok: false, error }),
        );
      }
      if (this.open > 0) void this.producer.flush();
    } catch (error) {
      this.sourceError = error ?? new Error('putAll source failed');
    } finally {
      this.done = true;
      this.settleWaitingNext();
    }
  }
}

/**
 * Errors made inside the pipeline (timers, responses) have no stack worth showing, and capturing one is most of the
 * cost of failing a record: expiring a million queued records spent 7 µs each on it.
 */
function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

function countCodePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}

function approximateSize(record: UserRecordInput): number {
  const data = record?.data;
  const dataSize = typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.length : 0;
  const key = record?.partitionKey;
  return dataSize + (typeof key === 'string' ? key.length : 0);
}
