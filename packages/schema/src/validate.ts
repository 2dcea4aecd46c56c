import { SchemaValidationError } from './errors.js';
import { type Field, INT_MAX, INT_MIN } from './fields.js';
import type { Fields, InputOf, RecordOf, Schema } from './schema.js';
import type { StandardSchemaV1 } from './standard-schema.js';
import { checkTimestamp } from './timestamp.js';

/** Shows a value in an issue message: strings quoted (and cut at 80 characters), other values by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date object';
  return `a ${typeof value}`;
}

/** "got …" text for type mismatches: `string "12"`, `number 5`, `null`, `an array`, `a Date`, `an object`. */
function got(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a Date';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  return `${typeof value} ${describeValue(value)}`;
}

function codePoints(value: string): number {
  let n = 0;
  for (const _ of value) n++;
  return n;
}

function checkRange(value: number, f: { readonly min?: number; readonly max?: number }, out: string[]): void {
  if (f.min !== undefined && value < f.min) out.push(`${value} is below min ${f.min}`);
  if (f.max !== undefined && value > f.max) out.push(`${value} is above max ${f.max}`);
}

function checkEnum(value: string | number, allowed: readonly (string | number)[] | undefined, out: string[]): void {
  if (allowed !== undefined && !allowed.includes(value)) {
    out.push(`${describeValue(value)} is not one of ${allowed.map(describeValue).join(', ')}`);
  }
}

/** Problems with one non-null value, as messages without the field name. */
export function checkFieldValue(f: Field, value: unknown): string[] {
  const out: string[] = [];
  switch (f.type) {
    case 'string': {
      if (typeof value !== 'string') return [`expected a string, got ${got(value)}`];
      checkEnum(value, f.enum, out);
      if (f.minLength !== undefined || f.maxLength !== undefined) {
        const length = codePoints(value);
        if (f.minLength !== undefined && length < f.minLength) {
          out.push(`length ${length} is below minLength ${f.minLength}`);
        }
        if (f.maxLength !== undefined && length > f.maxLength) {
          out.push(`length ${length} is above maxLength ${f.maxLength}`);
        }
      }
      if (f.pattern !== undefined && !f.pattern.test(value)) {
        out.push(`${describeValue(value)} does not match pattern ${f.pattern}`);
      }
      return out;
    }
    case 'int':
    case 'long': {
      if (typeof value !== 'number') return [`expected ${f.type} (a number), got ${got(value)}`];
      if (!Number.isInteger(value)) return [`${value} is not an integer`];
      if (f.type === 'int' && (value < INT_MIN || value > INT_MAX)) {
        return [`${value} is outside the int range ${INT_MIN}..${INT_MAX}`];
      }
      if (f.type === 'long' && !Number.isSafeInteger(value)) {
        return [
          `${value} is not a safe integer (long values must be within ±${Number.MAX_SAFE_INTEGER} in JavaScript)`,
        ];
      }
      checkEnum(value, f.enum, out);
      checkRange(value, f, out);
      return out;
    }
    case 'double': {
      if (typeof value !== 'number') return [`expected double (a number), got ${got(value)}`];
      if (!Number.isFinite(value)) return [`${value} is not a finite number (JSON cannot carry it)`];
      checkRange(value, f, out);
      return out;
    }
    case 'boolean':
      return typeof value === 'boolean' ? out : [`expected a boolean, got ${got(value)}`];
    case 'timestamp': {
      if (typeof value !== 'string') {
        return [`expected an ISO 8601 UTC timestamp string such as "2016-01-08T20:50:00Z", got ${got(value)}`];
      }
      const parsed = checkTimestamp(value, f.precision);
      return typeof parsed === 'string' ? [`${describeValue(value)} ${parsed}`] : out;
    }
  }
}

/** Validation shared by `validate`, `parse` and `schema['~standard'].validate`. */
export function validateValue<F extends Fields>(
  schema: Schema<F>,
  value: unknown,
): StandardSchemaV1.Result<Record<string, unknown>> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      issues: [{ message: `expected a ${schema.name} record (an object), got ${got(value)}` }],
    };
  }
  const input = value as Record<string, unknown>;
  const issues: StandardSchemaV1.Issue[] = [];
  const output: Record<string, unknown> = {};
  const fields = schema.fields as Fields;
  for (const name of Object.keys(fields)) {
    const f = fields[name] as Field;
    const v = Object.hasOwn(input, name) ? input[name] : undefined;
    if (v === undefined || v === null) {
      if (f.nullable) output[name] = null;
      else if (v === null)
        issues.push({ message: `${name}: null is not allowed (field is not nullable)`, path: [name] });
      else issues.push({ message: `${name}: required field is missing`, path: [name] });
      continue;
    }
    const problems = checkFieldValue(f, v);
    for (const problem of problems) issues.push({ message: `${name}: ${problem}`, path: [name] });
    output[name] = v;
  }
  if (schema.unknownKeys !== 'strip') {
    for (const key of Object.keys(input)) {
      if (Object.hasOwn(fields, key)) continue;
      if (schema.unknownKeys === 'reject') {
        issues.push({ message: `${key}: unknown field (schema "${schema.name}" does not define it)`, path: [key] });
      } else {
        output[key] = input[key];
      }
    }
  }
  return issues.length > 0 ? { issues } : { value: output };
}

/**
 * Validates `value` against `schema` (the same as `schema['~standard'].validate(value)`): `{ value }` with a fresh
 * record in field order (nullable fields filled with `null`), or `{ issues }` naming each field and rule, e.g.
 * `passengers: 12 is above max 9`.
 */
export function validate<F extends Fields>(schema: Schema<F>, value: unknown): StandardSchemaV1.Result<RecordOf<F>> {
  return validateValue(schema, value) as StandardSchemaV1.Result<RecordOf<F>>;
}

/** Validates and returns the record, or throws a `SchemaValidationError` listing the issues. */
export function parse<F extends Fields>(schema: Schema<F>, value: unknown): RecordOf<F> {
  const result = validateValue(schema, value);
  if (result.issues !== undefined) throw new SchemaValidationError(schema.name, result.issues);
  return result.value as RecordOf<F>;
}

/** Type guard: true when `value` validates against `schema` (nullable keys may still be absent). */
export function is<F extends Fields>(schema: Schema<F>, value: unknown): value is InputOf<F> {
  return validateValue(schema, value).issues === undefined;
}
