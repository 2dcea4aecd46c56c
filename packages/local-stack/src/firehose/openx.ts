/**
 * The parts of Firehose's record format conversion (OpenX JSON SerDe → Parquet) that decide whether a record fits a
 * schema, and how its values convert. Pure functions, no I/O.
 */
import { INT_MAX, INT_MIN, type ParquetColumn } from '@pipeline/schema';

/** A logical column for conversion: name, logical type and whether null is allowed. */
export interface ConversionColumn {
  readonly name: string;
  readonly type: 'string' | 'int' | 'long' | 'double' | 'boolean' | 'timestamp';
  readonly nullable: boolean;
}

/** A converted cell: `bigint` for `long` and for `timestamp` (microseconds since the epoch, UTC). */
export type CellValue = string | number | bigint | boolean | null;

/** Why a record does not fit the schema. */
export class ConversionError extends Error {
  override readonly name = 'ConversionError';
}

const ISO_Z = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;
const HIVE = /^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const INTEGER_TEXT = /^[+-]?\d+$/;
/** Epoch values with an absolute value at or above this are milliseconds, below it seconds (≈ 5138 AD in seconds). */
export const EPOCH_MILLIS_THRESHOLD = 100_000_000_000;

function fromParts(m: RegExpExecArray): bigint | undefined {
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(ms);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  const fraction = (m[7] ?? '').padEnd(6, '0').slice(0, 6);
  return BigInt(ms) * 1000n + BigInt(fraction === '' ? 0 : Number(fraction));
}

/**
 * The OpenX JSON SerDe's timestamp rule as Firehose documents it ("Convert input data format"): only
 * `yyyy-MM-dd'T'HH:mm:ss[.S]'Z'`, `yyyy-[M]M-[d]d HH:mm:ss[.S]` (read as UTC) and epoch seconds or milliseconds (a
 * JSON integer or an integer string; |value| ≥ 1e11 is milliseconds) convert. Anything else — a zone-less
 * `2016-01-08T20:50:00`, an offset `+01:00`, a date alone — returns `undefined` (format conversion fails).
 * Returns microseconds since the epoch (fractions beyond microseconds are truncated).
 */
export function openxTimestampMicros(value: unknown): bigint | undefined {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return undefined;
    return Math.abs(value) >= EPOCH_MILLIS_THRESHOLD ? BigInt(value) * 1000n : BigInt(value) * 1_000_000n;
  }
  if (typeof value !== 'string') return undefined;
  if (INTEGER_TEXT.test(value)) {
    const n = BigInt(value);
    const abs = n < 0n ? -n : n;
    return abs >= BigInt(EPOCH_MILLIS_THRESHOLD) ? n * 1000n : n * 1_000_000n;
  }
  const m = ISO_Z.exec(value) ?? HIVE.exec(value);
  return m === null ? undefined : fromParts(m);
}

/** Columns for conversion from a `@pipeline/schema` Parquet description plus the schema's logical field types. */
export function conversionColumns(
  columns: readonly ParquetColumn[],
  types: readonly ConversionColumn['type'][],
): ConversionColumn[] {
  return columns.map((c, i) => ({
    name: c.name,
    type: types[i] as ConversionColumn['type'],
    nullable: c.repetition === 'OPTIONAL',
  }));
}

function convertValue(column: ConversionColumn, value: unknown): CellValue {
  const fail = (why: string): never => {
    throw new ConversionError(`column "${column.name}" (${column.type}): ${why}, got ${JSON.stringify(value)}`);
  };
  switch (column.type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return JSON.stringify(value);
    case 'int': {
      const n = typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < INT_MIN || n > INT_MAX) return fail('not a 32-bit int');
      return n;
    }
    case 'long': {
      if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
      if (typeof value === 'string' && INTEGER_TEXT.test(value)) {
        const n = BigInt(value);
        if (n >= -(2n ** 63n) && n < 2n ** 63n) return n;
      }
      return fail('not a 64-bit integer');
    }
    case 'double': {
      if (typeof value === 'number') return value;
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
      return fail('not a number');
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      return fail('not a boolean');
    case 'timestamp': {
      const micros = openxTimestampMicros(value);
      if (micros === undefined) {
        return fail(
          "not a timestamp the OpenX JSON SerDe reads (yyyy-MM-dd'T'HH:mm:ss[.S]'Z', yyyy-[M]M-[d]d HH:mm:ss[.S], epoch seconds or millis)",
        );
      }
      return micros;
    }
  }
}

/**
 * One JSON object to a row, as the OpenX JSON SerDe reads it: keys match columns case-insensitively (the last of
 * several keys differing only in case wins), unknown keys are dropped, a missing key or `null` is null. Throws
 * {@link ConversionError} when a value does not convert, or is null in a non-nullable column (a local strictness:
 * Glue columns are always nullable, but the Parquet schema from `@pipeline/schema` marks these REQUIRED).
 */
export function convertRow(object: Record<string, unknown>, columns: readonly ConversionColumn[]): CellValue[] {
  const byLowerKey = new Map<string, unknown>();
  for (const [key, value] of Object.entries(object)) byLowerKey.set(key.toLowerCase(), value);
  return columns.map((column) => {
    const value = byLowerKey.get(column.name.toLowerCase());
    if (value === undefined || value === null) {
      if (!column.nullable) throw new ConversionError(`column "${column.name}" is required but missing or null`);
      return null;
    }
    return convertValue(column, value);
  });
}

/**
 * The JSON objects in one record's data, as the OpenX reader takes them: one object, or several concatenated or
 * newline-delimited (`{"a":1}{"a":2}`). A top-level array or scalar throws {@link ConversionError}.
 */
export function parseJsonObjects(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i] as string)) i++;
    if (i >= n) break;
    if (text[i] !== '{') {
      throw new ConversionError(
        text[i] === '['
          ? 'a JSON array is not supported (send one object per record)'
          : 'the data is not a JSON object',
      );
    }
    let depth = 0;
    let inString = false;
    let j = i;
    for (; j < n; j++) {
      const c = text[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) break;
      }
    }
    if (j >= n) throw new ConversionError('truncated JSON object');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text.slice(i, j + 1));
    } catch (err) {
      throw new ConversionError(`malformed JSON: ${(err as Error).message}`);
    }
    out.push(parsed as Record<string, unknown>);
    i = j + 1;
  }
  return out;
}
