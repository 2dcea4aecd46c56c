export { classifyError, type ErrorClassification } from './classify.js';
export { type EmfReporterOptions, reportMetricsAsEmf, toEmf } from './emf.js';
export {
  type Attempt,
  ConfigurationError,
  PutRecordError,
  type PutRecordErrorCode,
  type ValidationErrorCode,
} from './errors.js';
export {
  HEARTBEAT_PARTITION_KEY,
  type HeartbeatPlacement,
  listOpenShards,
  type PutWatermarkHeartbeatsOptions,
  putWatermarkHeartbeats,
  WatermarkHeartbeatError,
} from './heartbeat.js';
export type { ShardLimiterState } from './limiter.js';
export { consoleWarnLogger, type Logger, silentLogger } from './logger.js';
export type { Distribution, MetricsSnapshot } from './metrics.js';
export { DEFAULTS, type KinesisProducerOptions } from './options.js';
export {
  type FlushOptions,
  type FlushResult,
  KinesisProducer,
  type KinesisProducerEvents,
  type PutOutcome,
} from './producer.js';
export type { PutResult, UserRecordInput } from './types.js';
