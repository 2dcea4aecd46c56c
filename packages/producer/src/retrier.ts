import type { PutRecordsCommandOutput, PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { fullJitterDelay } from '@pipeline/commons';
import type { ErrorClassification } from './classify.js';
import { classifyEntryError } from './classify.js';
import type { PutRecordsBatch } from './collector.js';
import type { Attempt } from './errors.js';
import type { Limiter } from './limiter.js';
import type { ProducerMetrics } from './metrics.js';
import type { KinesisRecord, PendingRecord } from './pending-record.js';
import type { Settlement } from './settlement.js';
import type { ShardMap } from './shard-map.js';

const PTEE = 'ProvisionedThroughputExceededException';

export interface RetrierOptions {
  readonly failIfThrottled: boolean;
  readonly retryBaseDelay: number;
  readonly retryMaxDelay: number;
  readonly random: () => number;
  readonly logger: { warn(message: string, context?: Record<string, unknown>): void };
}

export interface RetrierStages {
  readonly settlement: Settlement;
  readonly limiter: Limiter;
  readonly shardMap: ShardMap;
  readonly metrics: ProducerMetrics;
  /** Sends a record through the aggregator again, with a fresh shard prediction. */
  requeue(record: PendingRecord, now: number): void;
  /** Records moved: run the pipeline soon. */
  schedulePump(): void;
  /** The shard map was reloaded. */
  shardMapRefreshed(): void;
  isClosed(): boolean;
}

/**
 * Owns every decision on a `PutRecords` answer, as the KPL's Retrier does: succeed, retry after a backoff, fail, or
 * re-send records that landed on the wrong shard; and tells the limiter what each shard answered.
 */
export class Retrier {
  private readonly timers = new Map<NodeJS.Timeout, PendingRecord[]>();

  constructor(
    private readonly options: RetrierOptions,
    private readonly stages: RetrierStages,
  ) {}

  /** A `PutRecords` answer arrived (HTTP 200): decide per entry. */
  onResponse(batch: PutRecordsBatch, output: PutRecordsCommandOutput, start: number): void {
    const end = Date.now();
    const { limiter, metrics } = this.stages;
    metrics.requestTime.add(end - start);
    const results = output.Records ?? [];
    if (results.length !== batch.records.length) {
      const message = `PutRecords answered ${results.length} entries for ${batch.records.length} records`;
      this.failAll(
        batch,
        { code: 'ResponseMismatch', message, retryable: true, throttling: false, ambiguous: true },
        start,
        end,
      );
      return;
    }
    let wrongShard: Array<[KinesisRecord, PutRecordsResultEntry]> | undefined;
    for (let i = 0; i < results.length; i++) {
      const kr = batch.records[i]!;
      const entry = results[i]!;
      if (entry.ErrorCode) {
        const cls = classifyEntryError(entry.ErrorCode, entry.ErrorMessage ?? '');
        if (kr.shardId !== undefined) limiter.onResult(kr.shardId, cls.throttling, end, kr.size, kr.passedAt ?? start);
        this.retryOrFail(kr.records, cls, start, end, kr.shardId !== undefined);
      } else if (kr.shardId !== undefined && entry.ShardId !== kr.shardId) {
        if (wrongShard === undefined) wrongShard = [];
        wrongShard.push([kr, entry]);
      } else {
        if (kr.shardId !== undefined) limiter.onResult(kr.shardId, false, end, kr.size, kr.passedAt ?? start);
        this.succeed(kr, entry, start, end);
      }
    }
    if (wrongShard !== undefined) void this.handleWrongShard(wrongShard, start, end);
  }

  /** The whole request failed (an SDK exception, a network error, a timeout). */
  onRequestFailed(batch: PutRecordsBatch, cls: ErrorClassification, start: number): void {
    const end = Date.now();
    this.stages.metrics.requestTime.add(end - start);
    this.failAll(batch, cls, start, end);
  }

  private failAll(batch: PutRecordsBatch, cls: ErrorClassification, start: number, end: number): void {
    const { limiter, metrics } = this.stages;
    if (cls.throttling) {
      for (const kr of batch.records)
        if (kr.shardId !== undefined) limiter.onThrottled(kr.shardId, end, kr.size, kr.passedAt ?? start);
    }
    if (cls.retryable && cls.ambiguous) {
      for (const kr of batch.records) metrics.ambiguousRetries += kr.records.length;
    }
    for (const kr of batch.records) this.retryOrFail(kr.records, cls, start, end, kr.shardId !== undefined);
  }

  /** Records waiting in a backoff (close at its deadline); their timers are cleared. */
  takeWaiting(): PendingRecord[] {
    const out: PendingRecord[] = [];
    for (const [timer, records] of this.timers) {
      clearTimeout(timer);
      out.push(...records);
    }
    this.timers.clear();
    return out;
  }

  private succeed(kr: KinesisRecord, entry: PutRecordsResultEntry, start: number, end: number): void {
    const { metrics: m, settlement } = this.stages;
    m.kinesisRecordsPut++;
    m.kinesisRecordsDataPut += kr.size;
    m.userRecordsPerKinesisRecord.add(kr.records.length);
    const shardId = entry.ShardId ?? '';
    const sequenceNumber = entry.SequenceNumber ?? '';
    const records = kr.records;
    const aggregated = kr.aggregated;
    const durationMs = end - start;
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      if (r.settled) continue;
      const attempt: Attempt = { timestamp: end, durationMs, delayMs: start - r.waitingSince, success: true };
      const failed = r.attempts;
      const attempts = failed.length === 0 ? [attempt] : [...failed, attempt];
      r.attempts = attempts;
      m.userRecordsPut++;
      m.userRecordsDataPut += r.data.length;
      m.retriesPerRecord.add(failed.length);
      settlement.resolve(r, { shardId, sequenceNumber, subSequenceNumber: aggregated ? i : 0, aggregated, attempts });
    }
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
    const { metrics, shardMap } = this.stages;
    for (const [kr] of landed) metrics.wrongShard += kr.records.length;
    try {
      await shardMap.refresh();
      this.stages.shardMapRefreshed();
    } catch (error) {
      this.options.logger.warn('shard map refresh after a wrong-shard result failed', { error: String(error) });
    }
    for (const [kr, entry] of landed) {
      if (!kr.aggregated) {
        this.succeed(kr, entry, start, end);
        continue;
      }
      const range = entry.ShardId === undefined ? undefined : shardMap.range(entry.ShardId);
      const outside =
        range === undefined
          ? kr.records.length
          : kr.records.filter((r) => r.hashKey < range.startingHashKey || r.hashKey > range.endingHashKey).length;
      if (outside === 0) {
        this.succeed(kr, entry, start, end);
        continue;
      }
      metrics.misroutedAggregates++;
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
    this.stages.schedulePump();
  }

  private retryOrFail(
    records: readonly PendingRecord[],
    cls: ErrorClassification,
    start: number,
    end: number,
    paced = false,
  ): void {
    const live = records.filter((r) => !r.settled);
    if (live.length === 0) return;
    const { metrics, settlement } = this.stages;
    const attempt: Attempt = {
      timestamp: end,
      durationMs: end - start,
      delayMs: 0,
      success: false,
      errorCode: cls.code,
      errorMessage: cls.message,
    };
    for (const r of live) r.attempts = [...r.attempts, { ...attempt, delayMs: start - r.waitingSince }];
    metrics.error(cls.code, live.length);
    const closed = this.stages.isClosed();
    if (!cls.retryable || (cls.code === PTEE && this.options.failIfThrottled) || closed) {
      const why = closed && cls.retryable ? 'ProducerClosed' : cls.code;
      for (const r of live) settlement.fail(r, why, `${cls.code}: ${cls.message}`);
      return;
    }
    metrics.retries += live.length;
    // Throttled records bound for a known shard pass its limiter again, which paces them: a backoff growing with
    // each attempt would only add latency (and expire records under throttling that does not follow our rate).
    const delay = fullJitterDelay(
      cls.throttling && paced ? 1 : live[0]!.attempts.length,
      this.options.retryBaseDelay,
      this.options.retryMaxDelay,
      this.options.random,
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const now = Date.now();
      for (const r of live) {
        if (r.settled) continue;
        if (now >= r.expiresAt) settlement.expire(r);
        else this.stages.requeue(r, now);
      }
      this.stages.schedulePump();
    }, delay);
    this.timers.set(timer, live);
  }
}
