export { type AwsClientOptions, type AwsCredentialsLike, createAwsClient } from './aws.js';
export { backoffDelay } from './backoff.js';
export {
  type BootstrapOptions,
  type BootstrapResult,
  type BootstrapTarget,
  bootstrap,
  type DataStreamOptions,
  ensureDataStream,
  ensureIndex,
  type IndexOptions,
  type IndexTemplateOptions,
  type IsmPolicyOptions,
  indexTemplateBody,
  ismPolicyBody,
  type MappingInput,
  type MappingProvider,
  type OpenSearchMappings,
  type PutIsmPolicyOptions,
  putIndexTemplate,
  putIsmPolicy,
  resolveMappings,
} from './bootstrap.js';
export {
  type BulkItemResponse,
  classifyItem,
  classifyRequestError,
  type RequestFailure,
  type Verdict,
} from './classify.js';
export type { ConcurrencyState } from './concurrency.js';
export {
  BootstrapError,
  ConfigurationError,
  type DeadLetter,
  DocumentError,
  type DocumentErrorCode,
  type ItemErrorDetail,
} from './errors.js';
export {
  createKinesisHandler,
  type KinesisBatchResponse,
  type KinesisHandlerOptions,
  type KinesisStreamEvent,
  type KinesisStreamRecord,
  type KinesisUserRecord,
  kinesisRecordId,
  type LambdaContextLike,
} from './lambda.js';
export { consoleWarnLogger, type Logger, silentLogger } from './logger.js';
export { DEFAULTS, type OpenSearchSinkOptions, type RetryPolicy, type ServerlessCollectionType } from './options.js';
export {
  type DeadLetteredOutcome,
  type FailedOutcome,
  type IndexedOutcome,
  OpenSearchSink,
  type PositionedOutcome,
  type SupersededOutcome,
  type WriteOptions,
  type WriteOutcome,
  type WriteResult,
} from './sink.js';
export type { LatencyPercentiles, SinkStats } from './stats.js';
export type { BulkAction, ItemResult, OpenSearchClientLike } from './types.js';
