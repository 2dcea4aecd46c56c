import { Readable } from 'node:stream';
import {
  generateTrips,
  parseTripCsv,
  readTripCsv,
  type Trip,
  TripCsvError,
  type TripCsvResult,
  TripCsvRowError,
  toTripCsv,
} from '@pipeline/example-taxi';
import { parseTimestamp } from '@pipeline/schema';
import { describe, expect, it } from 'vitest';
import { collect } from '../helpers/paths.js';

const ROW1 =
  'id1178274,1,1/8/16 20:50,1/8/16 20:54,2,-73.95500183,40.77325058,-73.95793152,40.78216553,N,0.634928219,228,1897,491';
const ROW2 =
  'id1340063,1,1/8/16 20:50,1/8/16 21:00,1,-73.94560242,40.77436447,-73.96799469,40.75558472,N,1.748858649,548,4751,641';
const ROW3 =
  'id2131096,2,1/8/16 20:52,1/8/16 21:53,1,-73.99443817,40.72472382,-73.92539215,40.84611511,N,9.134644304,3747,20709,1832';
const SNAKE =
  'id,vendor_id,pickup_datetime,dropoff_datetime,passenger_count,pickup_longitude,pickup_latitude,dropoff_longitude,dropoff_latitude,store_and_fwd_flag,gc_distance,trip_duration,google_distance,google_duration';

const trip1: Trip = {
  id: 'id1178274',
  vendorId: 1,
  pickupDate: '2016-01-08T20:50:00Z',
  dropoffDate: '2016-01-08T20:54:00Z',
  passengerCount: 2,
  pickupLongitude: -73.95500183,
  pickupLatitude: 40.77325058,
  dropoffLongitude: -73.95793152,
  dropoffLatitude: 40.78216553,
  storeAndFwdFlag: 'N',
  gcDistance: 0.634928219,
  tripDuration: 228,
  googleDistance: 1897,
  googleDuration: 491,
};

/** ROW1 with column `n` (1-based) replaced. */
function withCell(n: number, value: string, row = ROW1): string {
  const cells = row.split(',');
  cells[n - 1] = value;
  return cells.join(',');
}

function errors(results: TripCsvResult[]): TripCsvRowError[] {
  return results.flatMap((r) => (r.ok ? [] : [r.error]));
}

describe('parseTripCsv', () => {
  it('reads a headerless row in the workshop column order', async () => {
    expect(await collect(parseTripCsv(ROW1))).toEqual([{ ok: true, line: 1, record: trip1 }]);
  });

  describe('header detection', () => {
    it('auto-detects a snake_case or camelCase header and keeps every data row', async () => {
      const snake = await collect(readTripCsv(`${SNAKE}\n${ROW1}\n${ROW2}\n`));
      expect(snake.map((t) => t.id)).toEqual(['id1178274', 'id1340063']);
      const camel =
        'id,vendorId,pickupDate,dropoffDate,passengerCount,pickupLongitude,pickupLatitude,dropoffLongitude,dropoffLatitude,storeAndFwdFlag,gcDistance,tripDuration,googleDistance,googleDuration';
      expect(await collect(readTripCsv(`${camel}\n${ROW1}\n${ROW2}`))).toEqual(snake);
      expect(await collect(readTripCsv(`${SNAKE.toUpperCase()}\n${ROW1}`))).toEqual([trip1]);
    });

    it('treats a headerless first row as data (unlike the workshop reader, which skipped it)', async () => {
      const results = await collect(parseTripCsv(`${ROW1}\n${ROW2}`));
      expect(results.map((r) => r.line)).toEqual([1, 2]);
      expect(results.every((r) => r.ok)).toBe(true);
    });

    it('maps columns by name when the header reorders them', async () => {
      const names = SNAKE.split(',');
      const order = [13, 0, 2, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
      const header = order.map((i) => names[i]).join(',');
      const cells = ROW1.split(',');
      const row = order.map((i) => cells[i]).join(',');
      expect(await collect(readTripCsv(`${header}\n${row}`))).toEqual([trip1]);
      const bad = order.map((i) => (i === 4 ? 'x' : cells[i])).join(',');
      const [result] = await collect(parseTripCsv(`${header}\n${bad}`));
      expect(result?.ok === false && result.error.message).toBe(
        'line 2: column 6 (passenger_count) "x": is not an integer',
      );
    });

    it('header: false reads a header row as a (malformed) data row', async () => {
      const results = await collect(parseTripCsv(`${SNAKE}\n${ROW1}`, { header: false }));
      expect(results[0]?.ok).toBe(false);
      expect(results[0]?.ok === false && results[0].error.issues.map((i) => i.columnName)).toContain('vendor_id');
      expect(results[1]).toEqual({ ok: true, line: 2, record: trip1 });
    });

    it('header: true requires a valid header', async () => {
      await expect(collect(parseTripCsv(`${ROW1}\n${ROW2}`, { header: true }))).rejects.toThrow(
        new TripCsvError(
          1,
          'header column 1 "id1178274" is not a trip column (expected id, vendor_id, pickup_datetime, dropoff_datetime, passenger_count, pickup_longitude, pickup_latitude, dropoff_longitude, dropoff_latitude, store_and_fwd_flag, gc_distance, trip_duration, google_distance, google_duration)',
        ),
      );
    });

    it('reports unknown, duplicate and missing header columns', async () => {
      await expect(collect(parseTripCsv(SNAKE.replace('gc_distance', 'distance')))).rejects.toThrow(
        'line 1: header column 11 "distance" is not a trip column',
      );
      await expect(collect(parseTripCsv(SNAKE.replace('gc_distance', 'vendorId')))).rejects.toThrow(
        'line 1: header names vendor_id twice (columns 2 and 11)',
      );
      await expect(collect(parseTripCsv(SNAKE.replace('id,', 'trip,')))).rejects.toThrow(
        'line 1: header column 1 "trip" is not a trip column',
      );
      await expect(collect(parseTripCsv(SNAKE.replace(',gc_distance', '')))).rejects.toThrow(
        'line 1: header lacks column(s) gc_distance',
      );
    });
  });

  describe('malformed rows', () => {
    it('yields an error naming line, column and value, and reads on', async () => {
      const input = [ROW1, withCell(5, 'two', ROW2), ROW3].join('\n');
      const results = await collect(parseTripCsv(input));
      expect(results.map((r) => [r.line, r.ok])).toEqual([
        [1, true],
        [2, false],
        [3, true],
      ]);
      const [error] = errors(results);
      expect(error).toBeInstanceOf(TripCsvRowError);
      expect(error?.message).toBe('line 2: column 5 (passenger_count) "two": is not an integer');
      expect([error?.line, error?.column, error?.columnName, error?.value]).toEqual([2, 5, 'passenger_count', 'two']);
    });

    it.each([
      [withCell(2, ''), 'line 1: column 2 (vendor_id) "": is empty'],
      [withCell(6, '-73.9x'), 'line 1: column 6 (pickup_longitude) "-73.9x": is not a number'],
      [
        withCell(3, '13/8/16 20:50'),
        'line 1: column 3 (pickup_datetime) "13/8/16 20:50": is not a valid date: month 13',
      ],
      [
        withCell(4, '2/30/16 20:50'),
        'line 1: column 4 (dropoff_datetime) "2/30/16 20:50": is not a valid date: 2016-2 has no day 30',
      ],
      [
        withCell(3, '2016-01-08T20:50:00'),
        'line 1: column 3 (pickup_datetime) "2016-01-08T20:50:00": is not a M/d/yy H:mm date (e.g. 1/8/16 20:50)',
      ],
      [withCell(5, '12'), 'line 1: column 5 (passenger_count) "12": 12 is above max 9'],
      [withCell(2, '3'), 'line 1: column 2 (vendor_id) "3": 3 is not one of 1, 2'],
      [withCell(7, '91'), 'line 1: column 7 (pickup_latitude) "91": 91 is above max 90'],
      [withCell(10, 'X'), 'line 1: column 10 (store_and_fwd_flag) "X": "X" is not one of "N", "Y"'],
      [withCell(1, 'trip-1'), 'line 1: column 1 (id) "trip-1": "trip-1" does not match pattern /^id\\d{7}$/'],
      [withCell(12, '-5'), 'line 1: column 12 (trip_duration) "-5": -5 is below min 0'],
      [
        ROW1.split(',').slice(0, 13).join(','),
        'line 1: column 14 (google_duration) "": missing: the row has 13 columns, expected 14',
      ],
      [
        `${ROW1},extra`,
        'line 1: column 15 (extra) "extra": unexpected extra column: the row has 15 columns, expected 14',
      ],
    ])('%s', async (row, message) => {
      const [result] = await collect(parseTripCsv(row));
      expect(result?.ok).toBe(false);
      expect(result?.ok === false && result.error.message).toBe(message);
    });

    it('lists every bad column of a row', async () => {
      const [result] = await collect(parseTripCsv(withCell(9, 'north', withCell(5, '-1'))));
      expect(result?.ok === false && result.error.issues).toEqual([
        { column: 9, columnName: 'dropoff_latitude', value: 'north', message: 'is not a number' },
      ]);
      const [both] = await collect(parseTripCsv(withCell(9, '95', withCell(5, '-1'))));
      expect(both?.ok === false && both.error.message).toBe(
        'line 1: column 5 (passenger_count) "-1": -1 is below min 0; column 9 (dropoff_latitude) "95": 95 is above max 90',
      );
    });

    it('confines a CSV quoting error to its own line', async () => {
      const input = [
        ROW1,
        `"id1340063"x,${ROW2.split(',').slice(1).join(',')}`,
        ROW3,
        `${ROW2.slice(0, 20)}"open,1`,
        ROW2,
      ].join('\n');
      const results = await collect(parseTripCsv(input));
      expect(results.map((r) => [r.line, r.ok])).toEqual([
        [1, true],
        [2, false],
        [3, true],
        [4, false],
        [5, true],
      ]);
      const [quote] = errors(results);
      expect(quote?.line).toBe(2);
      expect(quote?.column).toBe(1);
      expect(quote?.message).toMatch(/^line 2: column 1 \(id\) ".*": Invalid Closing Quote/);
    });

    it('can skip valid checking against the schema', async () => {
      const [result] = await collect(parseTripCsv(withCell(5, '12'), { validate: false }));
      expect(result).toEqual({ ok: true, line: 1, record: { ...trip1, passengerCount: 12 } });
    });
  });

  describe('readTripCsv onError', () => {
    const input = [ROW1, withCell(5, 'x', ROW2), ROW3].join('\n');

    it('throws the row error by default', async () => {
      await expect(collect(readTripCsv(input))).rejects.toThrow(
        new TripCsvRowError(2, [
          { column: 5, columnName: 'passenger_count', value: 'x', message: 'is not an integer' },
        ]),
      );
    });

    it('skips or reports to a callback', async () => {
      expect((await collect(readTripCsv(input, { onError: 'skip' }))).map((t) => t.id)).toEqual([
        'id1178274',
        'id2131096',
      ]);
      const seen: number[] = [];
      const trips = await collect(readTripCsv(input, { onError: (e) => seen.push(e.line) }));
      expect(trips).toHaveLength(2);
      expect(seen).toEqual([2]);
    });
  });

  describe('re-basing', () => {
    it('shifts every trip by the same offset so the first pickup lands on rebaseTo', async () => {
      const to = new Date('2030-06-01T12:00:00.250Z');
      const trips = await collect(readTripCsv([ROW1, ROW2, ROW3].join('\n'), { rebaseTo: to }));
      expect(trips.map((t) => [t.pickupDate, t.dropoffDate])).toEqual([
        ['2030-06-01T12:00:00.250Z', '2030-06-01T12:04:00.250Z'],
        ['2030-06-01T12:00:00.250Z', '2030-06-01T12:10:00.250Z'],
        ['2030-06-01T12:02:00.250Z', '2030-06-01T13:03:00.250Z'],
      ]);
      expect(trips[0]).toEqual({
        ...trip1,
        pickupDate: '2030-06-01T12:00:00.250Z',
        dropoffDate: '2030-06-01T12:04:00.250Z',
      });
    });

    it('anchors on the first row whose pickup parses, and can move back in time', async () => {
      const input = [withCell(3, 'soon'), ROW3].join('\n');
      const results = await collect(parseTripCsv(input, { rebaseTo: new Date('2000-01-01T00:00:00Z') }));
      expect(results[0]?.ok).toBe(false);
      expect(results[1]?.ok === true && results[1].record.pickupDate).toBe('2000-01-01T00:00:00Z');
    });

    it('keeps the spacing of a large generated file', async () => {
      const generated = generateTrips({ count: 2500, seed: 3 });
      const to = new Date(Date.UTC(2026, 0, 1));
      const trips = await collect(readTripCsv(toTripCsv(generated), { rebaseTo: to }));
      const offset = to.getTime() - parseTimestamp(generated[0]?.pickupDate ?? '');
      trips.forEach((t, i) => {
        expect(parseTimestamp(t.pickupDate) - parseTimestamp(generated[i]?.pickupDate ?? '')).toBe(offset);
        expect(parseTimestamp(t.dropoffDate) - parseTimestamp(generated[i]?.dropoffDate ?? '')).toBe(offset);
      });
    });

    it('rejects an invalid Date', () => {
      expect(() => parseTripCsv(ROW1, { rebaseTo: new Date(Number.NaN) })).toThrow('rebaseTo is an invalid Date');
    });
  });

  describe('input handling', () => {
    it('handles CRLF, a BOM, blank lines and no trailing newline, counting physical lines', async () => {
      const input = `\uFEFF${SNAKE}\r\n\r\n${ROW1}\r\n   \r\n${withCell(5, 'x', ROW2)}\r\n${ROW3}`;
      const results = await collect(parseTripCsv(input));
      expect(results.map((r) => [r.line, r.ok])).toEqual([
        [3, true],
        [5, false],
        [6, true],
      ]);
    });

    it('reads byte streams split anywhere, including inside multi-byte characters and lines', async () => {
      const text = `${SNAKE}\n${withCell(10, 'É', ROW1)}\n${ROW2}\n`;
      const bytes = Buffer.from(text, 'utf8');
      const oneByteChunks = Readable.from(Array.from(bytes, (b) => Buffer.from([b])));
      const results = await collect(parseTripCsv(oneByteChunks));
      expect(results.map((r) => (r.ok ? r.record.id : r.error.message))).toEqual([
        'line 2: column 10 (store_and_fwd_flag) "É": "É" is not one of "N", "Y"',
        'id1340063',
      ]);
    });

    it('reads more lines than one batch with exact line numbers', async () => {
      const generated = generateTrips({ count: 2345, seed: 11 });
      const lines = toTripCsv(generated).split('\n');
      lines[1500] = withCell(2, 'x', lines[1500]);
      const results = await collect(parseTripCsv(lines.join('\n')));
      expect(results).toHaveLength(2345);
      expect(errors(results).map((e) => e.line)).toEqual([1501]);
      expect(results[2344]?.line).toBe(2345);
    });

    it('stops reading when the consumer stops', async () => {
      let pulled = 0;
      async function* source() {
        for (const line of toTripCsv(generateTrips({ count: 5000, seed: 1 })).split('\n')) {
          pulled++;
          yield `${line}\n`;
        }
      }
      for await (const result of parseTripCsv(source())) {
        if (result.line === 10) break;
      }
      expect(pulled).toBeLessThanOrEqual(1001);
    });

    it('rejects an unknown time zone up front', () => {
      expect(() => parseTripCsv(ROW1, { timeZone: 'Mars/Olympus' })).toThrow(
        'unknown time zone "Mars/Olympus" (use an IANA name such as America/New_York)',
      );
    });
  });
});
