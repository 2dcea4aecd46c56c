import type { KinesisClient, KinesisClientConfig } from '@aws-sdk/client-kinesis';
import { ConfigurationError } from '@pipeline/commons';
import { consoleWarnLogger, type Logger } from './logger.js';

/** Options of `KinesisProducer`. Names and defaults follow the KPL's configuration, in camelCase. */
export interface KinesisProducerOptions {
  /** Stream to write to. Give `streamName` or `streamARN` (or both). */
  streamName?: string;
  /** Stream ARN; preferred by AWS for cross-account access. */
  streamARN?: string;
  /** An existing client. Its own retries are bypassed for the producer's calls so attempt counts are exact. */
  client?: KinesisClient;
  /** Config for the client the producer builds when `client` is absent (`maxAttempts` is forced to 1). */
  clientConfig?: KinesisClientConfig;

  /** Pack user records bound for one shard into KPL aggregated records. Default `true`. */
  aggregationEnabled?: boolean;
  /** Max user records per aggregated record. Default 4294967295. */
  aggregationMaxCount?: number;
  /** Max bytes of an aggregated record. Default 51200 (two 25 KB payload units). Range 64–10485760. */
  aggregationMaxSize?: number;
  /** Max Kinesis records per `PutRecords`. Default 500. Range 1–500. */
  collectionMaxCount?: number;
  /** Max bytes (data + partition keys) per `PutRecords`. Default 5242880 (the KPL's); the service allows 10485760. */
  collectionMaxSize?: number;
  /** How long a record may wait to be batched, ms. Default 100. */
  recordMaxBufferedTime?: number;
  /** A record not accepted within this many ms of `put()` fails with `Expired`. Default 30000. */
  recordTtl?: number;
  /** Per-shard rate limit as a percentage of 1,000 records/s and 1 MiB/s. Default 150. */
  rateLimit?: number;
  /** Fail a record at its first `ProvisionedThroughputExceededException` instead of retrying. Default `false`. */
  failIfThrottled?: boolean;
  /** Max concurrent `PutRecords` requests. Default 24. */
  maxConnections?: number;
  /** Timeout of one `PutRecords` request, ms; a timed-out request may have succeeded. Default 6000. */
  requestTimeout?: number;
  /**
   * Max bytes of one user record (partition key + data). Default: the stream's `MaxRecordSizeInKiB` from
   * `DescribeStreamSummary`, else 1048576. A larger value is capped at the stream's limit.
   */
  maxUserRecordSize?: number;

  /**
   * Records accepted by `put()` and not yet settled, at most. Default 10000: enough to keep a stream busy (the
   * producer sends at once when writers wait for room), small enough that records stay young for the GC — larger
   * windows measured slower, not faster (see bench/).
   */
  maxOutstandingRecords?: number;
  /** Bytes accepted by `put()` and not yet settled, at most. Default 67108864 (64 MiB). */
  maxOutstandingBytes?: number;
  /** What `put()` does when a limit above is reached: wait for capacity, or reject with `BufferFull`. Default `'wait'`. */
  whenFull?: 'wait' | 'reject';
  /**
   * Fire-and-forget: failures are emitted as `failure` events (and logged when nobody listens); the promises `put()`
   * returns never cause unhandled rejections. Default `false`.
   */
  fireAndForget?: boolean;

  /** First retry backoff, ms (exponential with full jitter). Default 100. */
  retryBaseDelay?: number;
  /** Largest retry backoff, ms. Default 5000. */
  retryMaxDelay?: number;
  /** Shard map refresh period, ms; 0 refreshes only on resharding signals. Default 60000. */
  shardMapRefreshInterval?: number;
  /** Period of `metrics` events, ms; 0 turns them off. Default 60000. */
  metricsInterval?: number;
  /** Default: warnings and errors to the console. */
  logger?: Logger;
  /** Random source for backoff jitter, in [0, 1). Default `Math.random`. */
  random?: () => number;
}

export interface ResolvedOptions {
  readonly stream: { readonly streamName?: string; readonly streamARN?: string };
  readonly aggregationEnabled: boolean;
  readonly aggregationMaxCount: number;
  readonly aggregationMaxSize: number;
  readonly collectionMaxCount: number;
  readonly collectionMaxSize: number;
  readonly recordMaxBufferedTime: number;
  readonly recordTtl: number;
  readonly rateLimit: number;
  readonly failIfThrottled: boolean;
  readonly maxConnections: number;
  readonly requestTimeout: number;
  readonly maxUserRecordSize: number | undefined;
  readonly maxOutstandingRecords: number;
  readonly maxOutstandingBytes: number;
  readonly whenFull: 'wait' | 'reject';
  readonly fireAndForget: boolean;
  readonly retryBaseDelay: number;
  readonly retryMaxDelay: number;
  readonly shardMapRefreshInterval: number;
  readonly metricsInterval: number;
  readonly logger: Logger;
  readonly random: () => number;
}

export const MIB = 1024 * 1024;
/** The service's `PutRecords` limits. */
export const PUT_RECORDS_MAX_ENTRIES = 500;
export const PUT_RECORDS_MAX_BYTES = 10 * MIB;
/** The service's largest record (after `UpdateMaxRecordSize`), and the default. */
export const RECORD_MAX_BYTES_CEILING = 10 * MIB;
export const RECORD_MAX_BYTES_DEFAULT = MIB;

export const DEFAULTS = {
  aggregationEnabled: true,
  aggregationMaxCount: 4294967295,
  aggregationMaxSize: 51200,
  collectionMaxCount: 500,
  collectionMaxSize: 5242880,
  recordMaxBufferedTime: 100,
  recordTtl: 30000,
  rateLimit: 150,
  failIfThrottled: false,
  maxConnections: 24,
  requestTimeout: 6000,
  maxOutstandingRecords: 10000,
  maxOutstandingBytes: 64 * MIB,
  whenFull: 'wait',
  fireAndForget: false,
  retryBaseDelay: 100,
  retryMaxDelay: 5000,
  shardMapRefreshInterval: 60000,
  metricsInterval: 60000,
} as const;

function integer(
  options: KinesisProducerOptions,
  name: keyof KinesisProducerOptions,
  min: number,
  max: number,
): number {
  const value = options[name] ?? DEFAULTS[name as keyof typeof DEFAULTS];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigurationError(name, `must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function flag(options: KinesisProducerOptions, name: keyof KinesisProducerOptions): boolean {
  const value = options[name] ?? DEFAULTS[name as keyof typeof DEFAULTS];
  if (typeof value !== 'boolean') throw new ConfigurationError(name, `must be a boolean, got ${String(value)}`);
  return value;
}

/** Applies defaults and checks every option's type and range. */
export function resolveOptions(options: KinesisProducerOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('options', 'must be an object');
  }
  const { streamName, streamARN } = options;
  if (streamName === undefined && streamARN === undefined) {
    throw new ConfigurationError('streamName', 'give streamName or streamARN');
  }
  if (streamName !== undefined && (typeof streamName !== 'string' || !/^[a-zA-Z0-9_.-]{1,128}$/.test(streamName))) {
    throw new ConfigurationError('streamName', `must match [a-zA-Z0-9_.-]{1,128}, got ${JSON.stringify(streamName)}`);
  }
  if (streamARN !== undefined && (typeof streamARN !== 'string' || !/^arn:aws[\w-]*:kinesis:/.test(streamARN))) {
    throw new ConfigurationError('streamARN', `must be a Kinesis stream ARN, got ${JSON.stringify(streamARN)}`);
  }
  if (options.client !== undefined && options.clientConfig !== undefined) {
    throw new ConfigurationError('client', 'give client or clientConfig, not both');
  }
  const whenFull = options.whenFull ?? DEFAULTS.whenFull;
  if (whenFull !== 'wait' && whenFull !== 'reject') {
    throw new ConfigurationError('whenFull', `must be 'wait' or 'reject', got ${String(whenFull)}`);
  }
  const maxUserRecordSize = options.maxUserRecordSize;
  if (maxUserRecordSize !== undefined) integer(options, 'maxUserRecordSize', 64, RECORD_MAX_BYTES_CEILING);
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') throw new ConfigurationError('random', 'must be a function returning [0, 1)');
  const retryBaseDelay = integer(options, 'retryBaseDelay', 1, 60000);
  const retryMaxDelay = integer(options, 'retryMaxDelay', 1, 300000);
  if (retryMaxDelay < retryBaseDelay) {
    throw new ConfigurationError(
      'retryMaxDelay',
      `must be >= retryBaseDelay (${retryBaseDelay}), got ${retryMaxDelay}`,
    );
  }
  const stream: { streamName?: string; streamARN?: string } = {};
  if (streamName !== undefined) stream.streamName = streamName;
  if (streamARN !== undefined) stream.streamARN = streamARN;
  return {
    stream,
    aggregationEnabled: flag(options, 'aggregationEnabled'),
    aggregationMaxCount: integer(options, 'aggregationMaxCount', 1, Number.MAX_SAFE_INTEGER),
    aggregationMaxSize: integer(options, 'aggregationMaxSize', 64, RECORD_MAX_BYTES_CEILING),
    collectionMaxCount: integer(options, 'collectionMaxCount', 1, PUT_RECORDS_MAX_ENTRIES),
    collectionMaxSize: integer(options, 'collectionMaxSize', 52224, PUT_RECORDS_MAX_BYTES),
    recordMaxBufferedTime: integer(options, 'recordMaxBufferedTime', 0, 3_600_000),
    recordTtl: integer(options, 'recordTtl', 100, 86_400_000),
    rateLimit: integer(options, 'rateLimit', 1, 10_000),
    failIfThrottled: flag(options, 'failIfThrottled'),
    maxConnections: integer(options, 'maxConnections', 1, 256),
    requestTimeout: integer(options, 'requestTimeout', 100, 600_000),
    maxUserRecordSize,
    maxOutstandingRecords: integer(options, 'maxOutstandingRecords', 1, Number.MAX_SAFE_INTEGER),
    maxOutstandingBytes: integer(options, 'maxOutstandingBytes', 1024, Number.MAX_SAFE_INTEGER),
    whenFull,
    fireAndForget: flag(options, 'fireAndForget'),
    retryBaseDelay,
    retryMaxDelay,
    shardMapRefreshInterval: integer(options, 'shardMapRefreshInterval', 0, 86_400_000),
    metricsInterval: integer(options, 'metricsInterval', 0, 86_400_000),
    logger: options.logger ?? consoleWarnLogger,
    random,
  };
}
