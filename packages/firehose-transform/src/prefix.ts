/**
 * Firehose S3 prefix expressions (doc: "Understand custom prefixes for Amazon S3 objects"): `!{timestamp:<Java
 * DateTimeFormatter pattern>}`, `!{firehose:random-string}`, `!{firehose:error-output-type}` and
 * `!{partitionKeyFromLambda:<key>}`. Pure functions, no I/O.
 */

/** Thrown for a prefix Firehose would reject (or that this local delivery does not support). */
export class FirehosePrefixError extends Error {
  override readonly name = 'FirehosePrefixError';
}

/** The error output types Firehose writes under the error prefix. */
export type FirehoseErrorOutputType = 'processing-failed' | 'format-conversion-failed' | 'partitioning-failed';

/** One piece of a parsed DateTimeFormatter pattern. */
type PatternPart = { readonly literal: string } | { readonly letter: string; readonly count: number };

/** Pattern letters Java's DateTimeFormatter knows but this local delivery does not evaluate, by name. */
const UNSUPPORTED_LETTERS: Record<string, string> = {
  G: 'era',
  Y: 'week-based-year',
  w: 'week-of-week-based-year',
  W: 'week-of-month',
  e: 'localized day-of-week',
  c: 'localized day-of-week',
  F: 'day-of-week-in-month',
  Q: 'quarter-of-year',
  q: 'quarter-of-year',
  n: 'nano-of-second',
  N: 'nano-of-day',
  A: 'milli-of-day',
  V: 'time-zone ID',
  v: 'generic time-zone name',
  z: 'time-zone name',
  O: 'localized zone-offset',
  X: 'zone-offset Z for zero',
  x: 'zone-offset',
  Z: 'zone-offset',
  B: 'period-of-day',
  g: 'modified-julian-day',
  p: 'pad modifier',
  K: 'hour-of-am-pm (0-11)',
  k: 'clock-hour-of-day (1-24)',
};

const SUPPORTED_LETTERS = new Set(['y', 'u', 'M', 'L', 'd', 'D', 'H', 'h', 'a', 'm', 's', 'S', 'E']);

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * Parses a Java `DateTimeFormatter` pattern. Supported letters: `y u` (year), `M L` (month, numeric or text), `d`,
 * `D` (day-of-year), `H`, `h`, `a`, `m`, `s`, `S` (fraction), `E` (day name); quoted text `'...'` and `''`. Any other
 * letter, and optional sections `[ ]`, throw {@link FirehosePrefixError} naming the letter (e.g. `Y`,
 * week-based-year, which differs from `y` around New Year).
 */
export function parseDateTimePattern(pattern: string): PatternPart[] {
  const parts: PatternPart[] = [];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i] as string;
    if (ch === "'") {
      if (pattern[i + 1] === "'") {
        parts.push({ literal: "'" });
        i += 2;
        continue;
      }
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) throw new FirehosePrefixError(`unterminated quote in timestamp pattern "${pattern}"`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += pattern[j];
        j++;
      }
      parts.push({ literal: text });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z]/.test(ch)) {
      let count = 1;
      while (pattern[i + count] === ch) count++;
      if (!SUPPORTED_LETTERS.has(ch)) {
        const name = UNSUPPORTED_LETTERS[ch] ?? 'unknown pattern letter';
        const hint = ch === 'Y' ? ' (use "yyyy" for the calendar year)' : '';
        throw new FirehosePrefixError(
          `unsupported pattern letter '${ch}' (${name}) in timestamp pattern "${pattern}"${hint}`,
        );
      }
      parts.push({ letter: ch, count });
      i += count;
      continue;
    }
    if (ch === '[' || ch === ']' || ch === '{' || ch === '}' || ch === '#') {
      throw new FirehosePrefixError(`unsupported character '${ch}' in timestamp pattern "${pattern}"`);
    }
    parts.push({ literal: ch });
    i++;
  }
  return parts;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

function dayOfYear(date: Date): number {
  return Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

function formatPart(part: PatternPart, date: Date): string {
  if ('literal' in part) return part.literal;
  const { letter, count } = part;
  switch (letter) {
    case 'y':
    case 'u': {
      const year = date.getUTCFullYear();
      return count === 2 ? pad(year % 100, 2) : pad(year, count);
    }
    case 'M':
    case 'L': {
      const month = date.getUTCMonth();
      if (count >= 4) return MONTHS[month] as string;
      if (count === 3) return (MONTHS[month] as string).slice(0, 3);
      return pad(month + 1, count);
    }
    case 'd':
      return pad(date.getUTCDate(), count);
    case 'D':
      return pad(dayOfYear(date), count);
    case 'H':
      return pad(date.getUTCHours(), count);
    case 'h':
      return pad(((date.getUTCHours() + 11) % 12) + 1, count);
    case 'a':
      return date.getUTCHours() < 12 ? 'AM' : 'PM';
    case 'm':
      return pad(date.getUTCMinutes(), count);
    case 's':
      return pad(date.getUTCSeconds(), count);
    case 'S':
      return pad(date.getUTCMilliseconds(), 3).padEnd(count, '0').slice(0, count);
    case 'E': {
      const day = DAYS[date.getUTCDay()] as string;
      return count >= 4 ? day : day.slice(0, 3);
    }
    default:
      throw new FirehosePrefixError(`unsupported pattern letter '${letter}'`);
  }
}

/** Formats an instant (UTC) with a Java `DateTimeFormatter` pattern (the subset of {@link parseDateTimePattern}). */
export function formatDateTimePattern(pattern: string, date: Date): string {
  return parseDateTimePattern(pattern)
    .map((part) => formatPart(part, date))
    .join('');
}

/** One `!{namespace:value}` expression found in a prefix. */
export interface PrefixExpression {
  readonly namespace: string;
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** The `!{...}` expressions of a prefix, in order. Throws on an unterminated `!{`. */
export function prefixExpressions(prefix: string): PrefixExpression[] {
  const out: PrefixExpression[] = [];
  let from = 0;
  for (;;) {
    const start = prefix.indexOf('!{', from);
    if (start < 0) return out;
    const close = prefix.indexOf('}', start);
    if (close < 0) throw new FirehosePrefixError(`unterminated expression "!{" in prefix "${prefix}"`);
    const body = prefix.slice(start + 2, close);
    const colon = body.indexOf(':');
    if (colon < 0) throw new FirehosePrefixError(`expression "!{${body}}" has no namespace in prefix "${prefix}"`);
    out.push({ namespace: body.slice(0, colon), value: body.slice(colon + 1), start, end: close + 1 });
    from = close + 1;
  }
}

/** Which prefix a check or evaluation is for: the delivery prefix or the error output prefix. */
export type PrefixKind = 'prefix' | 'errorOutputPrefix';

function checkExpression(expr: PrefixExpression, kind: PrefixKind, prefix: string): void {
  const where = `${kind} "${prefix}"`;
  switch (expr.namespace) {
    case 'timestamp':
      if (expr.value.length === 0) throw new FirehosePrefixError(`empty timestamp pattern in ${where}`);
      parseDateTimePattern(expr.value);
      return;
    case 'firehose':
      if (expr.value === 'random-string') return;
      if (expr.value === 'error-output-type') {
        if (kind !== 'errorOutputPrefix') {
          throw new FirehosePrefixError(
            `!{firehose:error-output-type} is allowed only in the error output prefix (${where})`,
          );
        }
        return;
      }
      throw new FirehosePrefixError(`unknown firehose expression "!{firehose:${expr.value}}" in ${where}`);
    case 'partitionKeyFromLambda':
      if (kind === 'errorOutputPrefix') {
        throw new FirehosePrefixError(
          `dynamic partitioning keys are not allowed in the error output prefix (${where})`,
        );
      }
      if (expr.value.length === 0) throw new FirehosePrefixError(`empty partition key name in ${where}`);
      return;
    case 'partitionKeyFromQuery':
      throw new FirehosePrefixError(
        `!{partitionKeyFromQuery:...} (jq extraction) is not supported by the local delivery (${where})`,
      );
    default:
      throw new FirehosePrefixError(`unknown namespace "${expr.namespace}" in ${where}`);
  }
}

/**
 * Checks a prefix pair as Firehose does at creation: known namespaces only, valid timestamp patterns,
 * `error-output-type` only in the error prefix, no partition keys in the error prefix, and an error prefix whenever
 * the prefix has expressions ("ErrorOutputPrefix cannot be null or empty when Prefix contains expressions").
 */
export function validateFirehosePrefixes(prefix: string | undefined, errorOutputPrefix: string | undefined): void {
  const expressions = prefix === undefined ? [] : prefixExpressions(prefix);
  for (const expr of expressions) checkExpression(expr, 'prefix', prefix as string);
  if (errorOutputPrefix !== undefined) {
    for (const expr of prefixExpressions(errorOutputPrefix))
      checkExpression(expr, 'errorOutputPrefix', errorOutputPrefix);
  }
  if (expressions.length > 0 && (errorOutputPrefix === undefined || errorOutputPrefix.length === 0)) {
    throw new FirehosePrefixError('ErrorOutputPrefix cannot be null or empty when Prefix contains expressions');
  }
}

/** What a prefix expression evaluates against. */
export interface PrefixContext {
  /** Arrival time of the oldest record in the object (`!{timestamp:...}`, UTC). */
  readonly timestamp: Date;
  /** From the Lambda's `metadata.partitionKeys` (`!{partitionKeyFromLambda:key}`). */
  readonly partitionKeys?: Readonly<Record<string, string>> | undefined;
  /** `!{firehose:error-output-type}` (error prefix only). */
  readonly errorOutputType?: FirehoseErrorOutputType | undefined;
  /** `!{firehose:random-string}`; default 11 random alphanumerics. */
  readonly randomString?: (() => string) | undefined;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 11 random alphanumeric characters, like `!{firehose:random-string}`. */
export function randomFirehoseString(): string {
  let out = '';
  for (let i = 0; i < 11; i++) out += ALPHANUMERIC[Math.floor(Math.random() * ALPHANUMERIC.length)];
  return out;
}

/** Thrown when an Ok record lacks a partition key its prefix references. */
export class MissingPartitionKeyError extends Error {
  override readonly name = 'MissingPartitionKeyError';
  constructor(readonly key: string) {
    super(`partition key "${key}" is missing from the Lambda's metadata.partitionKeys`);
  }
}

/** Evaluates every `!{...}` expression of a prefix. Throws {@link MissingPartitionKeyError} for an absent key. */
export function evaluateFirehosePrefix(prefix: string, context: PrefixContext, kind: PrefixKind = 'prefix'): string {
  let out = '';
  let last = 0;
  for (const expr of prefixExpressions(prefix)) {
    checkExpression(expr, kind, prefix);
    out += prefix.slice(last, expr.start);
    last = expr.end;
    if (expr.namespace === 'timestamp') {
      out += formatDateTimePattern(expr.value, context.timestamp);
    } else if (expr.namespace === 'partitionKeyFromLambda') {
      const value = context.partitionKeys?.[expr.value];
      if (value === undefined) throw new MissingPartitionKeyError(expr.value);
      out += value;
    } else if (expr.value === 'random-string') {
      out += (context.randomString ?? randomFirehoseString)();
    } else {
      if (context.errorOutputType === undefined) {
        throw new FirehosePrefixError('!{firehose:error-output-type} evaluated without an error output type');
      }
      out += context.errorOutputType;
    }
  }
  return out + prefix.slice(last);
}

/** Firehose's default prefix without expressions: `YYYY/MM/dd/HH/` of the arrival time (UTC). */
export const DEFAULT_PREFIX = '!{timestamp:yyyy/MM/dd/HH}/';
