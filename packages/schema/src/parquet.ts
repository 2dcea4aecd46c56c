import type { Field } from './fields.js';
import type { Fields, Schema } from './schema.js';

/** Parquet physical types this package emits. */
export type ParquetPhysicalType = 'BOOLEAN' | 'INT32' | 'INT64' | 'INT96' | 'DOUBLE' | 'BYTE_ARRAY';

/** Parquet time unit of a TIMESTAMP logical type. */
export type ParquetTimeUnit = 'MILLIS' | 'MICROS' | 'NANOS';

/** Parquet logical type annotations this package emits. */
export type ParquetLogicalType =
  | { readonly type: 'STRING' }
  | { readonly type: 'TIMESTAMP'; readonly isAdjustedToUTC: true; readonly unit: ParquetTimeUnit };

/** One column of a flat Parquet schema. */
export interface ParquetColumn {
  readonly name: string;
  readonly physicalType: ParquetPhysicalType;
  /** Absent for plain physical types (int32, int64, double, boolean) and for INT96 timestamps. */
  readonly logicalType?: ParquetLogicalType;
  /** `REQUIRED` for non-nullable fields, `OPTIONAL` for nullable ones. */
  readonly repetition: 'REQUIRED' | 'OPTIONAL';
}

/** A flat Parquet schema: the root message name and its columns in field order. */
export interface ParquetSchemaDescription {
  readonly name: string;
  readonly columns: readonly ParquetColumn[];
}

export interface ParquetSchemaOptions {
  /**
   * How timestamps are stored. `int64` (default): INT64 with TIMESTAMP(isAdjustedToUTC=true, unit) where unit
   * follows the field's precision (≤3 MILLIS, ≤6 MICROS, else NANOS). `int96`: the legacy Hive/Impala encoding that
   * Hive-based writers (such as Firehose's record format conversion) produce; readers such as Athena, Spark and
   * DuckDB read both.
   */
  readonly timestamps?: 'int64' | 'int96';
  /** Lower-case column names, to match a Glue table written by Firehose. Default false. */
  readonly lowercase?: boolean;
}

function timeUnit(precision: number): ParquetTimeUnit {
  if (precision <= 3) return 'MILLIS';
  if (precision <= 6) return 'MICROS';
  return 'NANOS';
}

function column(name: string, f: Field, timestamps: 'int64' | 'int96'): ParquetColumn {
  const repetition = f.nullable ? 'OPTIONAL' : 'REQUIRED';
  switch (f.type) {
    case 'string':
      return { name, physicalType: 'BYTE_ARRAY', logicalType: { type: 'STRING' }, repetition };
    case 'int':
      return { name, physicalType: 'INT32', repetition };
    case 'long':
      return { name, physicalType: 'INT64', repetition };
    case 'double':
      return { name, physicalType: 'DOUBLE', repetition };
    case 'boolean':
      return { name, physicalType: 'BOOLEAN', repetition };
    case 'timestamp':
      return timestamps === 'int96'
        ? { name, physicalType: 'INT96', repetition }
        : {
            name,
            physicalType: 'INT64',
            logicalType: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: timeUnit(f.precision) },
            repetition,
          };
  }
}

/**
 * A plain description of the Parquet schema for a schema's records (no writer library): per column the name,
 * physical type, logical type and repetition. Writers (in `@pipeline/local-stack` and elsewhere) turn it into their
 * own schema objects; `toParquetMessageType` renders the text form.
 */
export function toParquetSchema<F extends Fields>(
  schema: Schema<F>,
  options: ParquetSchemaOptions = {},
): ParquetSchemaDescription {
  const timestamps = options.timestamps ?? 'int64';
  const lowercase = options.lowercase ?? false;
  const columns = Object.entries(schema.fields as Fields).map(([name, f]) =>
    column(lowercase ? name.toLowerCase() : name, f, timestamps),
  );
  return { name: schema.name, columns };
}

const PHYSICAL_TEXT: Record<ParquetPhysicalType, string> = {
  BOOLEAN: 'boolean',
  INT32: 'int32',
  INT64: 'int64',
  INT96: 'int96',
  DOUBLE: 'double',
  BYTE_ARRAY: 'binary',
};

function logicalText(t: ParquetLogicalType): string {
  return t.type === 'STRING' ? 'STRING' : `TIMESTAMP(${t.unit},${t.isAdjustedToUTC})`;
}

/**
 * The Parquet message type in the text syntax parquet-java's `MessageTypeParser` reads and `parquet-tools schema`
 * prints, e.g. `message trip {\n  required binary id (STRING);\n  required int32 vendorId;\n}`.
 */
export function toParquetMessageType(description: ParquetSchemaDescription): string {
  const lines = description.columns.map((c) => {
    const annotation = c.logicalType === undefined ? '' : ` (${logicalText(c.logicalType)})`;
    return `  ${c.repetition.toLowerCase()} ${PHYSICAL_TEXT[c.physicalType]} ${c.name}${annotation};`;
  });
  return `message ${description.name} {\n${lines.join('\n')}\n}`;
}
