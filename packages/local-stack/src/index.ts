export type { FaultCounts, FaultProxyOptions, FaultRates, HeldRequest, ShardRateLimit } from './fault-proxy.js';
export { KINESIS_SHARD_LIMIT, KinesisFaultProxy } from './fault-proxy.js';
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
