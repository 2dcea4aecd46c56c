export {
  CONTROL_FIELD,
  type ControlKind,
  isControlRecord,
  WATERMARK_HEARTBEAT,
  type WatermarkHeartbeat,
  watermarkHeartbeat,
} from './control.js';
export { SchemaDefinitionError, SchemaValidationError } from './errors.js';
export {
  type BooleanField,
  type DoubleField,
  type DoubleOptions,
  type Field,
  type FieldOptions,
  field,
  INT_MAX,
  INT_MIN,
  type IntegerOptions,
  type IntField,
  type LogicalType,
  type LongField,
  type StringField,
  type StringOptions,
  type TimestampField,
  type TimestampOptions,
  type TimestampPrecision,
} from './fields.js';
export {
  type FlinkColumn,
  type FlinkColumnListOptions,
  type FlinkColumnOptions,
  flinkStringLiteral,
  flinkType,
  quoteFlinkIdentifier,
  toFlinkColumnList,
  toFlinkColumns,
} from './flink.js';
export { GLUE_COMMENT_MAX, type GlueColumn, type GlueColumnOptions, type GlueType, toGlueColumns } from './glue.js';
export {
  OPENSEARCH_DATE_FORMAT,
  type OpenSearchFieldMapping,
  type OpenSearchMapping,
  type OpenSearchMappingOptions,
  openSearchFieldMapping,
  toOpenSearchMapping,
} from './opensearch.js';
export {
  type ParquetColumn,
  type ParquetLogicalType,
  type ParquetPhysicalType,
  type ParquetSchemaDescription,
  type ParquetSchemaOptions,
  type ParquetTimeUnit,
  toParquetMessageType,
  toParquetSchema,
} from './parquet.js';
export {
  defineSchema,
  type Fields,
  type InferField,
  type InferInput,
  type InferRecord,
  type InputOf,
  NAME_PATTERN,
  type RecordOf,
  type Schema,
  type SchemaDefinition,
  type SchemaStandardProps,
  type UnknownKeys,
} from './schema.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export {
  checkTimestamp,
  formatTimestamp,
  isTimestamp,
  type ParsedTimestamp,
  parseTimestamp,
  TIMESTAMP_FORMAT,
  type TimestampFraction,
} from './timestamp.js';
export { checkFieldValue, describeValue, is, parse, validate } from './validate.js';
