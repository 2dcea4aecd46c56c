export * from './event-source.js';
export type { FaultCounts, FaultProxyOptions, FaultRates, HeldRequest, ShardRateLimit } from './fault-proxy.js';
export { KINESIS_SHARD_LIMIT, KinesisFaultProxy } from './fault-proxy.js';
export {
  buildTransformationEvents,
  type CheckedRecord,
  checkTransformationResponse,
  type EventEnvelope,
  type EventLimits,
  LAMBDA_PAYLOAD_LIMIT,
  type PlannedInvocation,
  type SourceRecord,
} from './firehose/event.js';
export {
  type CellValue,
  type ConversionColumn,
  ConversionError,
  convertRow,
  EPOCH_MILLIS_THRESHOLD,
  openxTimestampMicros,
  parseJsonObjects,
} from './firehose/openx.js';
export {
  DEFAULT_PREFIX,
  evaluateFirehosePrefix,
  type FirehoseErrorOutputType,
  FirehosePrefixError,
  formatDateTimePattern,
  MissingPartitionKeyError,
  type PrefixContext,
  type PrefixKind,
  validateFirehosePrefixes,
} from './firehose/prefix.js';
export type {
  FirehoseBufferingHints,
  FirehoseDelivery,
  FirehoseDeliveryHandler,
  FirehoseDeliveryStats,
  FirehoseProcessorOptions,
  StartFirehoseDeliveryOptions,
} from './firehose-delivery.js';
export { startFirehoseDelivery } from './firehose-delivery.js';
export type { FlinkConfValue, FlinkJob, FlinkJobOverview, FlinkRuntime, StartFlinkJobOptions } from './flink.js';
export {
  ensureFlinkRuntime,
  FLINK_JAVA17_OPTIONS,
  FLINK_LAUNCHER_MAIN,
  FLINK_VERSION,
  readJarManifest,
  runMaven,
  startFlinkJob,
} from './flink.js';
export { findJdk, type JdkInfo } from './java.js';
export type {
  KinesisClientConfig,
  KinesisCredentials,
  KinesisEmulator,
  KinesisEndpointInfo,
  KinesisEngine,
  StartKinesisOptions,
} from './kinesis.js';
export { defaultStateDir, KinesisApiError, kinesisClientConfig, LOCAL_CREDENTIALS, startKinesis } from './kinesis.js';
export type {
  OpenSearchLauncherBuild,
  OpenSearchNode,
  OpenSearchSettingValue,
  StartOpenSearchOptions,
} from './opensearch.js';
export {
  ensureOpenSearchBuilt,
  OPENSEARCH_DEFAULT_PLUGINS,
  OPENSEARCH_VERSION,
  startOpenSearch,
} from './opensearch.js';
export {
  type EngineStatus,
  type LocalStack,
  probeStack,
  readStackFile,
  type StackDescription,
  type StackEngine,
  type StartStackOptions,
  stackFile,
  startStack,
} from './stack.js';
