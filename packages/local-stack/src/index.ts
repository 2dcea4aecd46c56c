/**
 * Real engines on one machine: Kinesis emulators (kinesis-mock, kinesalite) with a fault-injecting proxy, an embedded
 * OpenSearch node, Flink jobs on a local MiniCluster, and a local Firehose delivery to Parquet. This is the public
 * API; building blocks for tests live on the unstable `@pipeline/local-stack/internal` subpath.
 *
 * @packageDocumentation
 */
export { CheckpointMismatchError } from './firehose/checkpoint.js';
export { startFirehoseDelivery } from './firehose/delivery.js';
export { MissingDuckDBError } from './firehose/missing-duckdb.js';
export { ConversionError } from './firehose/openx.js';
export {
  DEFAULT_PREFIX,
  type FirehoseErrorOutputType,
  FirehosePrefixError,
  MissingPartitionKeyError,
} from './firehose/prefix.js';
export type {
  FirehoseBufferingHints,
  FirehoseDelivery,
  FirehoseDeliveryHandler,
  FirehoseDeliveryStats,
  FirehoseProcessorOptions,
  StartFirehoseDeliveryOptions,
} from './firehose/types.js';
export { FLINK_STATE_BACKENDS, type FlinkConfValue, type FlinkStateBackend } from './flink/conf.js';
export type { FlinkJob, FlinkJobOverview, StartFlinkJobOptions } from './flink/job.js';
export { startFlinkJob } from './flink/job.js';
export {
  ensureFlinkRuntime,
  FLINK_JAVA17_OPTIONS,
  FLINK_LAUNCHER_MAIN,
  FLINK_VERSION,
  type FlinkRuntime,
} from './flink/runtime.js';
export { findJdk, type JdkInfo } from './java.js';
export type {
  KinesisClientConfig,
  KinesisCredentials,
  KinesisEmulator,
  KinesisEndpointInfo,
  KinesisEngine,
  StartKinesisOptions,
} from './kinesis/emulator.js';
export {
  defaultStateDir,
  KinesisApiError,
  kinesisClientConfig,
  LOCAL_CREDENTIALS,
  startKinesis,
} from './kinesis/emulator.js';
export * from './kinesis/event-source.js';
export type {
  FaultCounts,
  FaultProxyOptions,
  FaultRates,
  HeldRequest,
  ShardRateLimit,
} from './kinesis/fault-proxy.js';
export { KINESIS_SHARD_LIMIT, KinesisFaultProxy } from './kinesis/fault-proxy.js';
export type {
  OpenSearchLauncherBuild,
  OpenSearchNode,
  OpenSearchSettingValue,
  StartOpenSearchOptions,
} from './opensearch/node.js';
export {
  ensureOpenSearchBuilt,
  OPENSEARCH_DEFAULT_PLUGINS,
  OPENSEARCH_VERSION,
  startOpenSearch,
} from './opensearch/node.js';
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
