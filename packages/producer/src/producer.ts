import { EventEmitter } from 'node:events';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { Admission } from './admission.js';
import { Aggregator } from './aggregator.js';
import { classifyError } from './classify.js';
import { KinesisApi } from './client.js';
import { Collector } from './collector.js';
import type { PutRecordError } from './errors.js';
import { Limiter } from './limiter.js';
import { type MetricsSnapshot, ProducerMetrics } from './metrics.js';
import {
  type KinesisProducerOptions,
  RECORD_MAX_BYTES_DEFAULT,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import type { KinesisRecord, PendingRecord } from './pending-record.js';
import { type PutOutcome, putAll } from './put-all.js';
import { Retrier } from './retrier.js';
import { Sender } from './sender.js';
import { type FlushResult, Settlement } from './settlement.js';
import { ShardMap } from './shard-map.js';
import type { PutResult, UserRecordInput } from './types.js';

export type { PutOutcome } from './put-all.js';
export type { FlushResult } from './settlement.js';

/** Options of `flush()` and `close()`. */
export interface FlushOptions {
  /** Stop waiting at this time (epoch ms or Date) and report what is still pending. Default: wait until done. */
  deadline?: number | Date;
}

/** Events of `KinesisProducer`. */
export interface KinesisProducerEvents {
  /** A record failed (every failure, also in the default mode). */
  failure: [error: PutRecordError];
  /** Every `metricsInterval` ms. */
  metrics: [snapshot: MetricsSnapshot];
  /** The shard map was reloaded. */
  shardMapRefreshed: [info: { openShards: number; version: number }];
}

const CONTROL_PLANE_TIMEOUT_MS = 10_000;
const INIT_RETRY_MAX_MS = 30_000;
const LIMITER_STEP_MS = 25;

/**
 * A KPL-compatible Kinesis producer: shard-aware aggregation, per-shard adaptive rate limits, classified retries with
 * backoff, bounded memory and exact per-record outcomes. See the package README.
 *
 * The facade wires the stages, in the order a record passes them: settlement (where every record begins and ends),
 * admission, aggregator, limiter, collector, sender, retrier (every answer's decision).
 */
export class KinesisProducer extends EventEmitter<KinesisProducerEvents> {
  private readonly options: ResolvedOptions;
  private readonly api: KinesisApi;
  private readonly streamInput: { StreamName?: string; StreamARN?: string };
  private readonly metricsState = new ProducerMetrics();
  private readonly settlement: Settlement;
  private readonly admission: Admission;
  private readonly shardMap: ShardMap;
  private readonly aggregator: Aggregator;
  private readonly limiter: Limiter;
  private readonly collector: Collector;
  private readonly sender: Sender;
  private readonly retrier: Retrier;

  private blockedWriters = 0;
  private state: 'new' | 'initializing' | 'ready' | 'closed' = 'new';
  private maxRecordSize = RECORD_MAX_BYTES_DEFAULT;
  private initRetryDelay = 1000;
  private pumpScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private readonly intervals: NodeJS.Timeout[] = [];
  private closePromise: Promise<FlushResult> | undefined;

  constructor(options: KinesisProducerOptions) {
    super();
    this.options = resolveOptions(options);
    const o = this.options;
    const metrics = this.metricsState;
    this.api = new KinesisApi(options.client, options.clientConfig);
    this.streamInput = {};
    if (o.stream.streamName !== undefined) this.streamInput.StreamName = o.stream.streamName;
    if (o.stream.streamARN !== undefined) this.streamInput.StreamARN = o.stream.streamARN;
    this.settlement = new Settlement(o, metrics, (error) => {
      if (this.listenerCount('failure') === 0) return false;
      this.emit('failure', error);
      return true;
    });
    this.admission = new Admission(
      o,
      metrics,
      this.settlement,
      () => this.effectiveRecordLimit(),
      (record) => this.enterPipeline(record),
    );
    this.settlement.holdCapacityWith(this.admission);
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
    const requeue = (record: PendingRecord, now: number) => this.requeue(record, now);
    this.retrier = new Retrier(o, {
      settlement: this.settlement,
      limiter: this.limiter,
      shardMap: this.shardMap,
      metrics,
      requeue,
      schedulePump: () => this.schedulePump(),
      shardMapRefreshed: () => this.afterShardMapRefresh(),
      isClosed: () => this.state === 'closed',
    });
    this.sender = new Sender(this.streamInput, o.requestTimeout, {
      api: this.api,
      retrier: this.retrier,
      settlement: this.settlement,
      metrics,
      logger: o.logger,
      requeue,
      requestEnded: () => {
        if (this.state === 'closed' && this.sender.inFlight === 0) this.api.destroy();
        this.collector.dispatch();
        this.schedulePump();
      },
    });
    this.collector = new Collector(
      { maxCount: o.collectionMaxCount, maxSize: o.collectionMaxSize },
      () => this.sender.inFlight < o.maxConnections,
      (batch) => this.sender.send(batch),
    );
  }

  /** The Kinesis client in use (the given one, or the one the producer built). */
  get client(): KinesisClient {
    return this.api.client;
  }

  /** Records and bytes accepted and not yet settled. */
  get outstanding(): { readonly records: number; readonly bytes: number; readonly waiting: number } {
    const a = this.admission;
    return { records: a.outstandingRecords, bytes: a.outstandingBytes, waiting: a.waiting };
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
    return putAll(this, source, this.options.maxOutstandingRecords, this.options.maxOutstandingBytes);
  }

  /** @internal Takes one record with settle callbacks (no promise): the core of `put()` and `putAll()`. */
  submit(record: UserRecordInput, resolve: (result: PutResult) => void, reject: (error: PutRecordError) => void): void {
    const pending = this.settlement.create(record, resolve, reject);
    if (this.closePromise !== undefined) {
      this.settlement.fail(pending, 'ProducerClosed', 'the producer is closed');
      return;
    }
    const invalid = this.admission.validate(pending, this.state === 'ready');
    if (invalid !== undefined) {
      this.settlement.fail(pending, invalid[0], invalid[1]);
      return;
    }
    this.admission.offer(pending, this.state === 'ready');
    if (this.state === 'new') this.initialize();
  }

  /** @internal A bulk writer is waiting for room: send what is buffered now instead of at its deadline. */
  writerBlocked(blocked: boolean): void {
    this.blockedWriters += blocked ? 1 : -1;
    if (blocked) this.schedulePump();
  }

  /** Resolves when the producer can take another record without waiting. */
  waitForCapacity(): Promise<void> {
    return this.admission.waitForCapacity();
  }

  /**
   * Sends everything buffered now and resolves when every record put before this call has settled, or at
   * `deadline` with the number still pending (a Lambda must return in time).
   */
  flush(options: FlushOptions = {}): Promise<FlushResult> {
    const deadline = options.deadline instanceof Date ? options.deadline.getTime() : options.deadline;
    const done = this.settlement.waitForAll(deadline);
    this.pump();
    return done;
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
      this.clearTimer();
      for (const interval of this.intervals) clearInterval(interval);
      this.admission.wakeWaiters();
      if (this.sender.inFlight === 0) this.api.destroy();
      return result;
    })();
    return this.closePromise;
  }

  /** A snapshot of the metrics (names as the KPL's). */
  metrics(): MetricsSnapshot {
    return this.metricsState.snapshot(this.settlement.unsettled, this.limiter.state());
  }

  // ---------------------------------------------------------------- stream metadata

  private effectiveRecordLimit(): number {
    const configured = this.options.maxUserRecordSize;
    return configured === undefined ? this.maxRecordSize : Math.min(configured, this.maxRecordSize);
  }

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
        for (const record of this.admission.takeQueued()) {
          this.settlement.fail(record, cls.code, `ListShards failed: ${cls.message}`);
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
    this.admission.admitWaiting();
  }

  // ---------------------------------------------------------------- pipeline

  /** An admitted record enters the aggregator. */
  private enterPipeline(record: PendingRecord): void {
    this.aggregator.add(record, this.shardMap.predict(record.hashKey));
    this.schedulePump();
  }

  /** Sends a record through the aggregator again, with a fresh shard prediction. */
  private requeue(record: PendingRecord, now: number): void {
    if (this.state === 'closed') {
      this.settlement.fail(record, 'ProducerClosed', 'the producer closed before the record could be retried');
      return;
    }
    record.waitingSince = now;
    this.aggregator.add(record, this.shardMap.predict(record.hashKey));
  }

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
    if (this.settlement.flushing > 0) return true;
    const blocked = this.blockedWriters > 0 || this.admission.blocked;
    return blocked && this.sender.inFlight === 0 && this.limiter.queued === 0 && !this.collector.backlogged;
  }

  /** While no flush waits, a shard's buffer stays in the aggregator while its Kinesis records wait for tokens. */
  private readonly shardBusy = (shardId: string): boolean => this.limiter.queuedFor(shardId) > 0;

  private get hold(): ((shardId: string) => boolean) | undefined {
    return this.settlement.flushing > 0 ? undefined : this.shardBusy;
  }

  /**
   * Moves records along: limiter → collector, due aggregates → limiter → collector → sender; then arms the timer for
   * the next due. A buffer held for a busy shard could not go out sooner, only emptier: it keeps filling instead.
   */
  private pump(): void {
    if (this.state === 'closed' && this.settlement.unsettled === 0) return;
    const now = Date.now();
    const force = this.urgent;
    const toCollector = (record: KinesisRecord) => this.collector.add(record);
    this.limiter.drain(now, toCollector);
    this.aggregator.flushDue(now, force, this.hold);
    this.limiter.drain(now, toCollector);
    this.collector.flushDue(now, force);
    this.armTimer(now);
  }

  private armTimer(now: number): void {
    let next = Number.POSITIVE_INFINITY;
    const aggregatorDue = this.aggregator.nextDeadline(this.hold);
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
    this.clearTimer();
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

  /** Forgets the pump timer: a cleared timer left in `timer` would make `armTimer` think a pump is still due. */
  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  /**
   * After a close deadline: every record still held fails with `ProducerClosed`. Admission is shut first: failing a
   * held record releases capacity, which would otherwise admit a queued record into a stage already emptied.
   */
  private abandonAll(): void {
    const message = 'the producer closed at its deadline before the record was accepted';
    const fail = (record: PendingRecord, why = message) => this.settlement.fail(record, 'ProducerClosed', why);
    for (const r of this.admission.shut()) fail(r);
    for (const record of this.aggregator.drain()) fail(record);
    for (const kr of this.limiter.takeAll()) for (const r of kr.records) fail(r);
    for (const kr of this.collector.takeAll()) for (const r of kr.records) fail(r);
    for (const r of this.retrier.takeWaiting()) fail(r);
    for (const r of this.sender.inFlightRecords()) fail(r, `${message} (still in flight: it may be delivered)`);
  }
}
