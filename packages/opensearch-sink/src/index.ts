export { fullJitterDelay as backoffDelay, type Logger, silentLogger } from '@pipeline/commons';
export { type AwsClientOptions, type AwsCredentialsLike, createAwsClient } from './aws.js';
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
export type { WriteOptions } from './bulk-lines.js';
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
export {
  DEFAULTS,
  defaultLogger as consoleWarnLogger,
  type OpenSearchSinkOptions,
  type RetryPolicy,
  type ServerlessCollectionType,
} from './options.js';
export type {
  DeadLetteredOutcome,
  FailedOutcome,
  IndexedOutcome,
  PositionedOutcome,
  SupersededOutcome,
  UnknownOutcome,
  WriteOutcome,
  WriteResult,
} from './outcomes.js';
export { OpenSearchSink } from './sink.js';
export type { LatencyPercentiles, SinkStats } from './stats.js';
export type { BulkAction, ItemResult, OpenSearchClientLike } from './types.js';
