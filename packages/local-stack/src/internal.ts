/**
 * **Unstable.** Building blocks of `@pipeline/local-stack` for tests and tools that need to reach inside: the local
 * Firehose's stages and helpers. Anything here may change or go away in any release, minor or patch; depend on the
 * main entry point (`@pipeline/local-stack`) instead wherever you can.
 *
 * @packageDocumentation
 */
export { type BatchSettings, type BatchStages, deliverBatch, objectName } from './firehose/batch.js';
export {
  type CheckpointFile,
  readCheckpoint,
  type ShardCheckpoint,
  type StreamIdentity,
  writeCheckpoint,
} from './firehose/checkpoint.js';
export { DeliveryLoop, emptyStats, type LoopSettings, type LoopStages } from './firehose/delivery-loop.js';
export { type CatalogTable, type ErrorEntry, errorEntry, writeErrorObjects } from './firehose/error-output.js';
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
  convertRow,
  EPOCH_MILLIS_THRESHOLD,
  openxTimestampMicros,
  parseJsonObjects,
} from './firehose/openx.js';
export { loadDuckDB, ParquetWriter } from './firehose/parquet-writer.js';
export {
  evaluateFirehosePrefix,
  formatDateTimePattern,
  type PrefixContext,
  type PrefixKind,
  validateFirehosePrefixes,
} from './firehose/prefix.js';
export {
  type InvocationOutcome,
  invokeProcessor,
  lambdaContext,
  type ProcessorSettings,
} from './firehose/processor.js';
export { describeStream, type KinesisCall, type ReadRound, ShardReader } from './firehose/shard-reader.js';
