import type { Field, LogicalType } from './fields.js';
import type { Fields, Schema } from './schema.js';

/** One column of a Flink SQL `CREATE TABLE`. */
export interface FlinkColumn {
  /** Field name, unquoted. */
  readonly name: string;
  /** Flink SQL type without nullability, e.g. `INT`, `TIMESTAMP_LTZ(3)`. */
  readonly type: string;
  /** False for `NOT NULL` columns. */
  readonly nullable: boolean;
  /** The field's `doc`, when present and comments are on. */
  readonly comment?: string;
  /** The full column definition, e.g. `` `passengers` INT NOT NULL COMMENT 'persons' ``. */
  readonly definition: string;
}

export interface FlinkColumnOptions {
  /** Add `COMMENT '…'` from each field's `doc`. Default true. */
  readonly comments?: boolean;
}

export interface FlinkColumnListOptions extends FlinkColumnOptions {
  /** Prefix for every line. Default two spaces. */
  readonly indent?: string;
}

const FLINK_TYPES: Record<Exclude<LogicalType, 'timestamp'>, string> = {
  string: 'STRING',
  int: 'INT',
  long: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
};

/** Flink SQL type of one field (without nullability). Timestamps are `TIMESTAMP_LTZ(precision)`. */
export function flinkType(f: Field): string {
  return f.type === 'timestamp' ? `TIMESTAMP_LTZ(${f.precision})` : FLINK_TYPES[f.type];
}

/** Quotes a Flink SQL identifier with backticks, doubling any backtick inside. */
export function quoteFlinkIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** A Flink SQL string literal: single quotes, inner quotes doubled, whitespace runs collapsed to one space. */
export function flinkStringLiteral(value: string): string {
  return `'${value.replace(/\s+/g, ' ').trim().replaceAll("'", "''")}'`;
}

/**
 * Flink SQL DDL columns for a schema, in field order: STRING, INT, BIGINT, DOUBLE, BOOLEAN, `TIMESTAMP_LTZ(p)`
 * (p = the field's precision, default 3); `NOT NULL` for non-nullable fields; backtick-quoted names.
 * Constraints (min/max, enum, pattern) have no Flink DDL form and are not emitted.
 */
export function toFlinkColumns<F extends Fields>(schema: Schema<F>, options: FlinkColumnOptions = {}): FlinkColumn[] {
  const comments = options.comments ?? true;
  return Object.entries(schema.fields as Fields).map(([name, f]) => {
    const type = flinkType(f);
    const comment = comments && f.doc !== undefined && f.doc.trim() !== '' ? f.doc : undefined;
    const definition = [
      quoteFlinkIdentifier(name),
      type,
      ...(f.nullable ? [] : ['NOT NULL']),
      ...(comment === undefined ? [] : [`COMMENT ${flinkStringLiteral(comment)}`]),
    ].join(' ');
    return {
      name,
      type,
      nullable: f.nullable,
      ...(comment === undefined ? {} : { comment }),
      definition,
    };
  });
}

/**
 * The column list as DDL text, one definition per line joined with `,\n` (no surrounding parentheses, no trailing
 * comma), ready to splice into `CREATE TABLE t (\n${list},\n  WATERMARK FOR …\n)`.
 */
export function toFlinkColumnList<F extends Fields>(schema: Schema<F>, options: FlinkColumnListOptions = {}): string {
  const indent = options.indent ?? '  ';
  return toFlinkColumns(schema, options)
    .map((c) => `${indent}${c.definition}`)
    .join(',\n');
}
