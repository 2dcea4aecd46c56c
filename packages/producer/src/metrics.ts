import type { ShardLimiterState } from './limiter.js';

/** Count, sum, min and max of a measured quantity since the producer started. */
export interface Distribution {
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/** Metric names follow the KPL's (`KinesisProducerLibrary` namespace) where one exists. */
export interface MetricsSnapshot {
  readonly timestamp: number;
  /** User records given to `put()` and accepted into the buffer. */
  readonly UserRecordsReceived: number;
  /** User records accepted and not yet settled. */
  readonly UserRecordsPending: number;
  /** User records Kinesis accepted. */
  readonly UserRecordsPut: number;
  /** Bytes (data only) of user records Kinesis accepted. */
  readonly UserRecordsDataPut: number;
  /** User records failed with `Expired`. */
  readonly UserRecordExpired: number;
  /** User records failed for any reason (validation excluded). */
  readonly UserRecordsFailed: number;
  /** Kinesis records (aggregates or single records) Kinesis accepted. */
  readonly KinesisRecordsPut: number;
  /** Bytes (partition key + data) of Kinesis records accepted. */
  readonly KinesisRecordsDataPut: number;
  /** `PutRecords` requests sent (each try counts). */
  readonly PutRecordsRequests: number;
  /** Errors by code (service codes, `NetworkError`, `Timeout`, `WrongShard`), counted per user record. */
  readonly ErrorsByCode: Readonly<Record<string, number>>;
  /** All errors, counted per user record. */
  readonly AllErrors: number;
  /** Retries, counted per user record (a failed request retries every user record inside it). */
  readonly Retries: number;
  /** User records retried after an ambiguous failure (no answer: the request may have been applied). */
  readonly AmbiguousRetries: number;
  /** User records that landed on another shard than predicted. */
  readonly WrongShard: number;
  /** Aggregates with at least one user record outside the shard they landed in (re-sent whole). */
  readonly MisroutedAggregates: number;
  /** Shard map refreshes. */
  readonly ShardMapRefreshes: number;
  /** Tries per user record, over settled records. */
  readonly RetriesPerRecord: Distribution;
  /** Time from `put()` to the start of the request that delivered it, ms. */
  readonly BufferingTime: Distribution;
  /** `PutRecords` request time, ms. */
  readonly RequestTime: Distribution;
  readonly UserRecordsPerKinesisRecord: Distribution;
  readonly KinesisRecordsPerPutRecordsRequest: Distribution;
  /** Most user records outstanding at once. */
  readonly OutstandingRecordsHighWaterMark: number;
  /** Per-shard rate limiter state. */
  readonly Limiter: readonly ShardLimiterState[];
}

export class DistributionRecorder {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;

  add(value: number, times = 1): void {
    this.count += times;
    this.sum += value * times;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  snapshot(): Distribution {
    const empty = this.count === 0;
    return {
      count: this.count,
      sum: this.sum,
      min: empty ? 0 : this.min,
      max: empty ? 0 : this.max,
      mean: empty ? 0 : this.sum / this.count,
    };
  }
}

/** Mutable counters behind `MetricsSnapshot`. */
export class ProducerMetrics {
  userRecordsReceived = 0;
  userRecordsPut = 0;
  userRecordsDataPut = 0;
  userRecordExpired = 0;
  userRecordsFailed = 0;
  kinesisRecordsPut = 0;
  kinesisRecordsDataPut = 0;
  putRecordsRequests = 0;
  readonly errorsByCode = new Map<string, number>();
  allErrors = 0;
  retries = 0;
  ambiguousRetries = 0;
  wrongShard = 0;
  misroutedAggregates = 0;
  shardMapRefreshes = 0;
  outstandingHighWaterMark = 0;
  readonly retriesPerRecord = new DistributionRecorder();
  readonly bufferingTime = new DistributionRecorder();
  readonly requestTime = new DistributionRecorder();
  readonly userRecordsPerKinesisRecord = new DistributionRecorder();
  readonly kinesisRecordsPerRequest = new DistributionRecorder();

  error(code: string, userRecords: number): void {
    this.errorsByCode.set(code, (this.errorsByCode.get(code) ?? 0) + userRecords);
    this.allErrors += userRecords;
  }

  snapshot(pending: number, limiter: readonly ShardLimiterState[]): MetricsSnapshot {
    return {
      timestamp: Date.now(),
      UserRecordsReceived: this.userRecordsReceived,
      UserRecordsPending: pending,
      UserRecordsPut: this.userRecordsPut,
      UserRecordsDataPut: this.userRecordsDataPut,
      UserRecordExpired: this.userRecordExpired,
      UserRecordsFailed: this.userRecordsFailed,
      KinesisRecordsPut: this.kinesisRecordsPut,
      KinesisRecordsDataPut: this.kinesisRecordsDataPut,
      PutRecordsRequests: this.putRecordsRequests,
      ErrorsByCode: Object.fromEntries(this.errorsByCode),
      AllErrors: this.allErrors,
      Retries: this.retries,
      AmbiguousRetries: this.ambiguousRetries,
      WrongShard: this.wrongShard,
      MisroutedAggregates: this.misroutedAggregates,
      ShardMapRefreshes: this.shardMapRefreshes,
      RetriesPerRecord: this.retriesPerRecord.snapshot(),
      BufferingTime: this.bufferingTime.snapshot(),
      RequestTime: this.requestTime.snapshot(),
      UserRecordsPerKinesisRecord: this.userRecordsPerKinesisRecord.snapshot(),
      KinesisRecordsPerPutRecordsRequest: this.kinesisRecordsPerRequest.snapshot(),
      OutstandingRecordsHighWaterMark: this.outstandingHighWaterMark,
      Limiter: limiter,
    };
  }
}
