import { formatCsvDate, parseCsvDate } from '@pipeline/example-taxi';
import { describe, expect, it } from 'vitest';

describe('M/d/yy H:mm dates', () => {
  it('parses as UTC by default', () => {
    expect(parseCsvDate('1/8/16 20:50')).toBe(Date.UTC(2016, 0, 8, 20, 50));
    expect(parseCsvDate('12/31/99 0:05')).toBe(Date.UTC(2099, 11, 31, 0, 5));
    expect(parseCsvDate('01/08/2016 20:50:30')).toBe(Date.UTC(2016, 0, 8, 20, 50, 30));
    expect(parseCsvDate('2/29/16 23:59')).toBe(Date.UTC(2016, 1, 29, 23, 59));
  });

  it('explains what is wrong', () => {
    expect(parseCsvDate('2/29/15 10:00')).toBe('is not a valid date: 2015-2 has no day 29');
    expect(parseCsvDate('1/8/16 24:00')).toBe('is not a valid time: hour 24');
    expect(parseCsvDate('1/8/16 20:60')).toBe('is not a valid time: minute 60');
    expect(parseCsvDate('1/8/16')).toBe('is not a M/d/yy H:mm date (e.g. 1/8/16 20:50)');
  });

  it('reads wall time in a time zone, across daylight saving', () => {
    expect(parseCsvDate('1/8/16 20:50', 'America/New_York')).toBe(Date.UTC(2016, 0, 9, 1, 50)); // EST, UTC−5
    expect(parseCsvDate('7/8/16 20:50', 'America/New_York')).toBe(Date.UTC(2016, 6, 9, 0, 50)); // EDT, UTC−4
    expect(parseCsvDate('3/13/16 1:59', 'America/New_York')).toBe(Date.UTC(2016, 2, 13, 6, 59));
    expect(parseCsvDate('3/13/16 3:00', 'America/New_York')).toBe(Date.UTC(2016, 2, 13, 7, 0));
  });

  it('formats back, dropping seconds', () => {
    expect(formatCsvDate(Date.UTC(2016, 0, 8, 20, 50, 59))).toBe('1/8/16 20:50');
    expect(formatCsvDate(Date.UTC(2016, 0, 9, 1, 50), 'America/New_York')).toBe('1/8/16 20:50');
    expect(formatCsvDate(Date.UTC(2016, 6, 9, 0, 5), 'America/New_York')).toBe('7/8/16 20:05');
    expect(() => formatCsvDate(Date.UTC(1999, 0, 1))).toThrow('year 1999 cannot be written as M/d/yy');
  });
});
