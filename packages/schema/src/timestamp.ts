import type { TimestampPrecision } from './fields.js';

const CANONICAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?Z$/;
const ZONELESS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$/;
const OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?([+-]\d{2}(?::?\d{2})?)$/;
const SPACE = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/;
const NO_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z$/;

/** The wire format, for messages. */
export const TIMESTAMP_FORMAT = 'yyyy-MM-ddTHH:mm:ss[.fraction]Z';

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** A timestamp that passed `checkTimestamp`. */
export interface ParsedTimestamp {
  /** Epoch milliseconds (digits past milliseconds truncated). */
  readonly epochMillis: number;
  /** Fractional-second digits written. */
  readonly fractionDigits: number;
}

/** Parses the wire form, or returns the reason it is not one. `precision` caps the fractional digits. */
export function checkTimestamp(value: string, precision: TimestampPrecision = 9): ParsedTimestamp | string {
  const m = CANONICAL.exec(value);
  if (m === null) return diagnose(value);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = m[7] ?? '';
  if (fraction.length > 9) return `has ${fraction.length} fractional-second digits; at most 9 are allowed`;
  if (fraction.length > precision) {
    return `has ${fraction.length} fractional-second digits; this field's precision is ${precision}`;
  }
  if (month < 1 || month > 12) return `has month ${month}; it must be 01..12`;
  const dim = daysInMonth(year, month);
  if (day < 1 || day > dim) return `has day ${day}; ${year}-${String(month).padStart(2, '0')} has ${dim} days`;
  if (hour > 23) return `has hour ${hour}; it must be 00..23`;
  if (minute > 59) return `has minute ${minute}; it must be 00..59`;
  if (second > 59) return `has second ${second}; it must be 00..59 (leap seconds are not accepted)`;
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
  return { epochMillis: date.getTime(), fractionDigits: fraction.length };
}

function diagnose(value: string): string {
  if (ZONELESS.test(value)) {
    return `has no time zone; send UTC with a trailing Z, e.g. ${withZ(value)} (Firehose's Parquet conversion rejects zone-less 'T' timestamps)`;
  }
  const offset = OFFSET.exec(value);
  if (offset !== null) return `has UTC offset ${offset[1]}; convert it to UTC and end it with Z (${TIMESTAMP_FORMAT})`;
  if (SPACE.test(value)) return `separates date and time with a space; use 'T' and a trailing Z (${TIMESTAMP_FORMAT})`;
  if (/z$/.test(value) && CANONICAL.test(value.slice(0, -1) + 'Z')) return `ends with a lowercase 'z'; use 'Z'`;
  if (NO_SECONDS.test(value)) return `has no seconds; use ${TIMESTAMP_FORMAT}`;
  return `is not an ISO 8601 UTC timestamp (${TIMESTAMP_FORMAT}, e.g. 2016-01-08T20:50:00Z)`;
}

function withZ(value: string): string {
  const withSeconds = /T\d{2}:\d{2}$/.test(value) ? `${value}:00` : value;
  return `${withSeconds}Z`;
}

/** True when `value` is a wire-form timestamp with at most `precision` fractional digits (default 9). */
export function isTimestamp(value: unknown, precision: TimestampPrecision = 9): value is string {
  return typeof value === 'string' && typeof checkTimestamp(value, precision) !== 'string';
}

/**
 * Parses a wire-form timestamp (`2016-01-08T20:50:00Z`, optional fraction) to epoch milliseconds. Digits past
 * milliseconds are truncated. Throws a `RangeError` naming the problem for anything else, including zone-less and
 * offset forms.
 */
export function parseTimestamp(value: string): number {
  const parsed = checkTimestamp(value);
  if (typeof parsed === 'string') throw new RangeError(`${JSON.stringify(value)} ${parsed}`);
  return parsed.epochMillis;
}

/**
 * How `formatTimestamp` writes fractions: `auto` adds `.sss` only when the milliseconds are not zero, `millis`
 * always writes `.sss`, `seconds` drops the milliseconds (rounding down).
 */
export type TimestampFraction = 'auto' | 'millis' | 'seconds';

/** Formats a `Date` or epoch milliseconds as a wire-form UTC timestamp, e.g. `2016-01-08T20:50:00Z`. */
export function formatTimestamp(value: Date | number, fraction: TimestampFraction = 'auto'): string {
  const millis = typeof value === 'number' ? value : value.getTime();
  if (!Number.isFinite(millis)) throw new RangeError(`cannot format an invalid date (${String(millis)})`);
  const year = new Date(millis).getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError(`year ${year} is outside 0000..9999`);
  const iso = new Date(millis).toISOString(); // yyyy-MM-ddTHH:mm:ss.sssZ for years 0..9999
  if (fraction === 'millis') return iso;
  if (fraction === 'seconds' || iso.endsWith('.000Z')) return `${iso.slice(0, 19)}Z`;
  return iso;
}
