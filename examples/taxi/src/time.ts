/** The workshop's CSV date form, `M/d/yy H:mm` (e.g. `1/8/16 20:50`), to and from instants. */

const CSV_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A formatter for wall-clock parts in `timeZone`; throws a RangeError naming an unknown zone. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (error) {
      throw new RangeError(
        `unknown time zone ${JSON.stringify(timeZone)} (use an IANA name such as America/New_York)`,
        {
          cause: error,
        },
      );
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** Checks a time zone name up front; `UTC` needs no lookup. */
export function checkTimeZone(timeZone: string): void {
  if (timeZone !== 'UTC') formatter(timeZone);
}

/** Wall-clock fields of an instant in `timeZone`. */
export function wallClock(
  epochMillis: number,
  timeZone: string,
): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  if (timeZone === 'UTC') {
    const d = new Date(epochMillis);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    };
  }
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(epochMillis)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 0,
    day: parts.day ?? 0,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

function utcOf(w: ReturnType<typeof wallClock>): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, 0);
  return d.getTime();
}

/** Offset of `timeZone` from UTC at an instant, ms (positive east of Greenwich). */
function zoneOffset(epochMillis: number, timeZone: string): number {
  const whole = Math.floor(epochMillis / 1000) * 1000;
  return utcOf(wallClock(whole, timeZone)) - whole;
}

/**
 * The instant at which clocks in `timeZone` show the given wall time. In a DST gap the result is shifted by the gap;
 * in a DST overlap one of the two instants is returned.
 */
export function wallTimeToEpoch(wallAsUtc: number, timeZone: string): number {
  if (timeZone === 'UTC') return wallAsUtc;
  const first = wallAsUtc - zoneOffset(wallAsUtc, timeZone);
  const second = wallAsUtc - zoneOffset(first, timeZone);
  return second;
}

/**
 * Parses `M/d/yy H:mm` (also `M/d/yyyy`, optional `:ss`) as wall time in `timeZone` (default UTC). Two-digit years
 * are 2000–2099. Returns epoch milliseconds, or the reason the text is not such a date.
 */
export function parseCsvDate(text: string, timeZone = 'UTC'): number | string {
  const m = CSV_DATE.exec(text);
  if (m === null) return 'is not a M/d/yy H:mm date (e.g. 1/8/16 20:50)';
  const [month, day, rawYear, hour, minute] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const year = (m[3] ?? '').length === 2 ? 2000 + rawYear : rawYear;
  if (month < 1 || month > 12) return `is not a valid date: month ${month}`;
  if (day < 1 || day > daysInMonth(year, month)) return `is not a valid date: ${year}-${month} has no day ${day}`;
  if (hour > 23) return `is not a valid time: hour ${hour}`;
  if (minute > 59) return `is not a valid time: minute ${minute}`;
  if (second > 59) return `is not a valid time: second ${second}`;
  return wallTimeToEpoch(utcOf({ year, month, day, hour, minute, second }), timeZone);
}

/** Formats an instant as `M/d/yy H:mm` wall time in `timeZone` (seconds dropped). Years must be 2000–2099. */
export function formatCsvDate(epochMillis: number, timeZone = 'UTC'): string {
  const w = wallClock(epochMillis, timeZone);
  if (w.year < 2000 || w.year > 2099) {
    throw new RangeError(`year ${w.year} cannot be written as M/d/yy (two-digit years mean 2000-2099)`);
  }
  return `${w.month}/${w.day}/${String(w.year % 100).padStart(2, '0')} ${w.hour}:${String(w.minute).padStart(2, '0')}`;
}
