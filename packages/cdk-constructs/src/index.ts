export { type AlarmSpec, createAlarm } from './alarm.js';
export { PipelineMonitoring, type PipelineMonitoringProps } from './alarms.js';
export { type RuntimePropertiesInput, type SecretReference, sqlRuntimeProperties } from './flink-properties.js';
export { FLINK_RUNTIME, FlinkSqlApplication, type FlinkSqlApplicationProps } from './flink-sql-application.js';
export { glueColumnsOf, type PartitionKey } from './glue-table.js';
export { IngestStream, type IngestStreamOptions, type IngestStreamProps } from './ingest-stream.js';
export { acknowledge, NODE22_REASON, nagFlatten } from './nag.js';
export { ParquetDelivery, type ParquetDeliveryProps, type ParquetOptions } from './parquet-delivery.js';
export { RawTripIndexer, type RawTripIndexerProps } from './raw-trip-indexer.js';
export { ES_HTTP_ACTIONS, SearchDomain, type SearchDomainProps, type SearchDomainVpcOptions } from './search-domain.js';
export { SecureBucket, type SecureBucketProps } from './secure-bucket.js';
export { LAMBDA_RUNTIME, type TransformFunctionProps } from './transform-function.js';
export {
  ConfigurationError,
  checkFirehosePrefixes,
  checkPropertyGroups,
  lambdaPartitionKeys,
  PROPERTY_GROUP_LIMITS,
} from './validation.js';
