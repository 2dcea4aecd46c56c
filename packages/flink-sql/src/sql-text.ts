/**
 * What every template stage shares: field-name types over a schema, name checks, quoting, `WITH` options and the
 * runner's `${name}` placeholders, and the session settings the generated SQL relies on.
 */
import {
  type Field,
  type Fields,
  flinkStringLiteral,
  NAME_PATTERN,
  quoteFlinkIdentifier,
  type Schema,
} from '@pipeline/schema';

/** Names of a schema's fields whose logical type is one of `T`. */
export type FieldNameOfType<F extends Fields, T extends Field['type']> = {
  [K in keyof F & string]: F[K]['type'] extends T ? K : never;
}[keyof F & string];

/** Numeric fields (int, long, double): what sums, averages, minima and maxima take. */
export type NumericFieldName<F extends Fields> = FieldNameOfType<F, 'int' | 'long' | 'double'>;

/** Fields a window can be grouped by: string, int, long, boolean (not double or timestamp). */
export type GroupFieldName<F extends Fields> = FieldNameOfType<F, 'string' | 'int' | 'long' | 'boolean'>;

/** Flink result types an expression of a template may have. */
export type SqlExpressionType = 'DOUBLE' | 'BIGINT' | 'STRING' | 'BOOLEAN';

/** A SQL expression over a table's columns, with its Flink result type. */
export interface SqlExpression<T extends SqlExpressionType = SqlExpressionType> {
  readonly sql: string;
  readonly type: T;
  /** What it computes, with unit; becomes the column comment. */
  readonly doc?: string;
}

/** `DATE_FORMAT` pattern writing a `TIMESTAMP(3)` in UTC as ISO 8601 with `Z`, e.g. `2016-01-08T20:50:00Z`. */
export const ISO_UTC_PATTERN = "yyyy-MM-dd'T'HH:mm:ss'Z'";

/** The session setting the aggregates need: window bounds of a `TIMESTAMP_LTZ` rowtime are rendered (and days aligned) in this zone. */
export const UTC_SESSION = "SET 'table.local-time-zone' = 'UTC';";

/** A `SET 'key' = 'value';` statement. */
export function setStatement(key: string, value: string): string {
  return `SET ${flinkStringLiteral(key)} = ${flinkStringLiteral(value)};`;
}

export function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new TypeError(`${kind} ${JSON.stringify(name)} must match ${NAME_PATTERN}`);
  }
}

export function checkInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`${name} must be a whole number >= ${min}, got ${value}`);
  }
}

export function fieldOf(schema: Schema, name: string, kind: string, types: readonly Field['type'][]): Field {
  const f = (schema.fields as Fields)[name];
  if (f === undefined) throw new TypeError(`${kind}: schema "${schema.name}" has no field "${name}"`);
  if (!types.includes(f.type)) {
    throw new TypeError(`${kind}: field "${name}" is ${f.type}; expected ${types.join(' or ')}`);
  }
  return f;
}

export const id = quoteFlinkIdentifier;

/** One `'key' = value` line of a `WITH (...)` clause. */
export function option(key: string, value: string): string {
  return `  ${flinkStringLiteral(key)} = ${value}`;
}

export const literal = (value: string | number) => flinkStringLiteral(String(value));

/** The runner's placeholder `${name}`. */
export const param = (name: string) => `\${${name}}`;

/**
 * The minutes of a window length as a Flink interval literal: `INTERVAL '15' MINUTE`, `INTERVAL '1' DAY`,
 * `INTERVAL '2' HOUR`, `INTERVAL '1:30' HOUR TO MINUTE`. A single-unit interval's leading field takes at most two
 * digits (Calcite's default precision), so 1440 minutes is written as one day.
 */
export function minutes(n: number): string {
  if (n < 100) return `INTERVAL ${literal(n)} MINUTE`;
  if (n % 1440 === 0 && n / 1440 < 100) return `INTERVAL ${literal(n / 1440)} DAY`;
  if (n % 60 === 0 && n / 60 < 100) return `INTERVAL ${literal(n / 60)} HOUR`;
  if (n < 6000) return `INTERVAL ${literal(`${Math.floor(n / 60)}:${String(n % 60).padStart(2, '0')}`)} HOUR TO MINUTE`;
  throw new TypeError(`a window length of ${n} minutes is longer than the 99 hours supported`);
}
