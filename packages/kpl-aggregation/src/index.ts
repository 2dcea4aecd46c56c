/**
 * KPL (Kinesis Producer Library) aggregated-record format: encode, decode and hash-key helpers. Zero dependencies.
 *
 * @packageDocumentation
 */
export {
  AggregateDecodeError,
  type AggregateDecodeErrorCode,
  type DeaggregatedRecord,
  type DeaggregateInput,
  deaggregate,
  decodeAggregate,
  isAggregated,
  type KinesisRecordInput,
  type LambdaKinesisRecord,
  type SdkKinesisRecord,
  subRecordsOutsideRange,
} from './decode.js';
export {
  AGGREGATED_RECORD_MAGIC,
  AGGREGATION_OVERHEAD_BYTES,
  AggregateBuilder,
  encodeAggregate,
  type UserRecord,
} from './encode.js';
export {
  effectiveHashKey,
  hashKeyToDecimal,
  InvalidHashKeyError,
  isValidExplicitHashKey,
  MAX_HASH_KEY,
  parseExplicitHashKey,
  partitionKeyHash,
} from './hash-key.js';
