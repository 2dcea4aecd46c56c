import { checkTimestamp, formatTimestamp, isTimestamp, parseTimestamp } from '@pipeline/schema';
import { describe, expect, it } from 'vitest';

describe('timestamp helpers', () => {
  it('parseTimestamp returns epoch milliseconds, truncating past milliseconds', () => {
    expect(parseTimestamp('2016-01-08T20:50:00Z')).toBe(Date.UTC(2016, 0, 8, 20, 50));
    expect(parseTimestamp('2016-01-08T20:50:00.5Z')).toBe(Date.UTC(2016, 0, 8, 20, 50, 0, 500));
    expect(parseTimestamp('2016-01-08T20:50:00.123999999Z')).toBe(Date.UTC(2016, 0, 8, 20, 50, 0, 123));
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBe(-62135596800000);
  });

  it('parseTimestamp throws a RangeError naming the problem', () => {
    expect(() => parseTimestamp('2016-01-08T20:50:00')).toThrow(RangeError);
    expect(() => parseTimestamp('2016-01-08T20:50:00')).toThrow(/^"2016-01-08T20:50:00" has no time zone/);
    expect(() => parseTimestamp('2016-01-08T20:50:00.1234567891Z')).toThrow(
      'has 10 fractional-second digits; at most 9 are allowed',
    );
  });

  it('checkTimestamp reports fraction digits and respects precision', () => {
    expect(checkTimestamp('2016-01-08T20:50:00.123456Z')).toEqual({
      epochMillis: Date.UTC(2016, 0, 8, 20, 50, 0, 123),
      fractionDigits: 6,
    });
    expect(checkTimestamp('2016-01-08T20:50:00.1Z', 0)).toBe(
      "has 1 fractional-second digits; this field's precision is 0",
    );
  });

  it('isTimestamp', () => {
    expect(isTimestamp('2016-01-08T20:50:00Z')).toBe(true);
    expect(isTimestamp('2016-01-08T20:50:00.123Z', 0)).toBe(false);
    expect(isTimestamp('2016-01-08T20:50:00')).toBe(false);
    expect(isTimestamp(0)).toBe(false);
  });

  it('formatTimestamp writes the wire form', () => {
    const whole = Date.UTC(2016, 0, 8, 20, 50);
    expect(formatTimestamp(whole)).toBe('2016-01-08T20:50:00Z');
    expect(formatTimestamp(new Date(whole + 7))).toBe('2016-01-08T20:50:00.007Z');
    expect(formatTimestamp(whole, 'millis')).toBe('2016-01-08T20:50:00.000Z');
    expect(formatTimestamp(whole + 999, 'seconds')).toBe('2016-01-08T20:50:00Z');
    expect(formatTimestamp(whole - 1, 'seconds')).toBe('2016-01-08T20:49:59Z');
    expect(() => formatTimestamp(Number.NaN)).toThrow('cannot format an invalid date (NaN)');
    expect(() => formatTimestamp(Date.UTC(10000, 0, 1))).toThrow('year 10000 is outside 0000..9999');
    for (const ms of [0, whole, whole + 7, Date.UTC(2099, 11, 31, 23, 59, 59, 999)]) {
      expect(parseTimestamp(formatTimestamp(ms))).toBe(ms);
    }
  });
});
