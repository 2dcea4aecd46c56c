/** Thrown by `firehoseTransform` for an invalid option; the message names the option and its limit. */
export { ConfigurationError } from '@pipeline/commons';
export type { StandardSchemaV1 } from '@pipeline/schema';
export { type EmfOptions, toEmf } from './emf.js';
export {
  FirehoseEventError,
  RecordDecodeError,
  type RecordDecodeErrorCode,
  RecordValidationError,
} from './errors.js';
export type {
  FirehoseInvocation,
  FirehoseKinesisRecordMetadataInput,
  FirehoseRecordMetadata,
  FirehoseRecordTransformationStatus,
  FirehoseTransformationEvent,
  FirehoseTransformationEventRecord,
  FirehoseTransformationResult,
  FirehoseTransformationResultRecord,
  FirehoseTransformEvent,
  FirehoseTransformEventRecord,
  KinesisRecordMetadata,
  LambdaContextLike,
} from './event.js';
export { type FirehoseTransformHandler, firehoseTransform, type TransformFunction } from './handler.js';
export { consoleWarnLogger, type Logger, silentLogger } from './logger.js';
export {
  DEFAULTS,
  type FirehoseTransformOptions,
  LAMBDA_RESPONSE_LIMIT,
  type OverflowRecord,
  type TransformContext,
} from './options.js';
export {
  DEFAULT_PREFIX,
  evaluateFirehosePrefix,
  type FirehoseErrorOutputType,
  FirehosePrefixError,
  formatDateTimePattern,
  MissingPartitionKeyError,
  type PrefixContext,
  type PrefixExpression,
  type PrefixKind,
  prefixExpressions,
  randomFirehoseString,
  validateFirehosePrefixes,
} from './prefix.js';
export type { FirehoseRecord } from './record.js';
export {
  type DroppedResult,
  dropped,
  type FailedResult,
  failed,
  type OkData,
  type OkResult,
  ok,
  type PartitionKeys,
  type TransformResult,
} from './results.js';
export { type BatchSummary, type FailureKind, RESPONSE_BUDGET_REASON, TIMED_OUT_REASON } from './summary.js';
export {
  formatIssue,
  formatIssues,
  formatPath,
  parseWith,
  type ValidatedOf,
  type Validator,
  type ValidatorFunction,
} from './validation.js';
