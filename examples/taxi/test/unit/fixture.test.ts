import { readFileSync } from 'node:fs';
import {
  generateTrips,
  haversineMiles,
  iterateTrips,
  NYC_BOUNDS,
  parseTripCsvFile,
  readTripCsv,
  toTripCsv,
  tripSchema,
} from '@pipeline/example-taxi';
import { parseTimestamp, validate } from '@pipeline/schema';
import { describe, expect, it } from 'vitest';
import { collect, fixturePath } from '../helpers/paths.js';

describe('generated fixture test/fixtures/trips.csv', () => {
  it('parses completely and every row validates against the trip schema', async () => {
    const results = await collect(parseTripCsvFile(fixturePath, { validate: false }));
    expect(results).toHaveLength(300);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    for (const result of results) {
      if (!result.ok) continue;
      expect(validate(tripSchema, result.record).issues, `line ${result.line}`).toBeUndefined();
    }
    expect(results.map((r) => r.line)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });

  it('is what the generator writes for seed 42 (regenerate with `pnpm run fixture`)', () => {
    expect(readFileSync(fixturePath, 'utf8')).toBe(toTripCsv(generateTrips({ count: 300, seed: 42 })));
  });
});

describe('generator', () => {
  const trips = generateTrips({ count: 2000, seed: 7 });

  it('is deterministic per seed', () => {
    expect(generateTrips({ count: 50, seed: 7 })).toEqual(trips.slice(0, 50));
    expect(generateTrips({ count: 50, seed: 8 })).not.toEqual(trips.slice(0, 50));
    expect([...iterateTrips({ count: 3, seed: 7 })]).toEqual(trips.slice(0, 3));
  });

  it('produces valid trips with unique ids in pickup order', () => {
    for (const trip of trips) expect(validate(tripSchema, trip).issues).toBeUndefined();
    expect(new Set(trips.map((t) => t.id)).size).toBe(trips.length);
    const pickups = trips.map((t) => parseTimestamp(t.pickupDate));
    expect(pickups).toEqual([...pickups].sort((a, b) => a - b));
    expect(trips[0]?.pickupDate).toBe('2016-01-08T20:50:00Z');
  });

  it('keeps the workshop units consistent', () => {
    for (const t of trips) {
      for (const [lon, lat] of [
        [t.pickupLongitude, t.pickupLatitude],
        [t.dropoffLongitude, t.dropoffLatitude],
      ] as const) {
        expect(lon).toBeGreaterThanOrEqual(NYC_BOUNDS.minLon);
        expect(lon).toBeLessThanOrEqual(NYC_BOUNDS.maxLon);
        expect(lat).toBeGreaterThanOrEqual(NYC_BOUNDS.minLat);
        expect(lat).toBeLessThanOrEqual(NYC_BOUNDS.maxLat);
      }
      // gcDistance is the haversine distance in miles; the duration matches the minute-resolution times.
      const gc = haversineMiles(t.pickupLongitude, t.pickupLatitude, t.dropoffLongitude, t.dropoffLatitude);
      expect(Math.abs(t.gcDistance - gc)).toBeLessThan(1e-8);
      const span = (parseTimestamp(t.dropoffDate) - parseTimestamp(t.pickupDate)) / 1000;
      expect(Math.abs(span - t.tripDuration)).toBeLessThan(60);
      expect(t.googleDistance).toBeGreaterThanOrEqual(t.gcDistance * 1609.344 * 1.19);
      expect(t.tripDuration).toBeGreaterThanOrEqual(20);
    }
  });

  it('looks like the workshop sample in aggregate', () => {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    expect(median(trips.map((t) => t.gcDistance))).toBeGreaterThan(0.8);
    expect(median(trips.map((t) => t.gcDistance))).toBeLessThan(2.5);
    expect(median(trips.map((t) => t.tripDuration))).toBeGreaterThan(300);
    expect(median(trips.map((t) => t.tripDuration))).toBeLessThan(1200);
    const ones = trips.filter((t) => t.passengerCount === 1).length / trips.length;
    expect(ones).toBeGreaterThan(0.6);
    expect(ones).toBeLessThan(0.76);
    const perMinute =
      trips.length /
      ((parseTimestamp(trips.at(-1)?.pickupDate ?? '') - parseTimestamp(trips[0]?.pickupDate ?? '')) / 60_000);
    expect(perMinute).toBeGreaterThan(4);
    expect(perMinute).toBeLessThan(6);
  });

  it('round-trips through the CSV format, with and without a header', async () => {
    expect(await collect(readTripCsv(toTripCsv(trips)))).toEqual(trips);
    expect(await collect(readTripCsv(toTripCsv(trips, { header: true })))).toEqual(trips);
    const ny = toTripCsv(trips.slice(0, 20), { timeZone: 'America/New_York' });
    expect(ny.split(',')[2]).toBe('1/8/16 15:50');
    expect(await collect(readTripCsv(ny, { timeZone: 'America/New_York' }))).toEqual(trips.slice(0, 20));
  });

  it('starts where asked and rejects bad options', () => {
    const [first] = generateTrips({ count: 1, start: new Date('2024-05-01T08:00:42.5Z') });
    expect(first?.pickupDate).toBe('2024-05-01T08:00:00Z');
    expect(() => generateTrips({ count: -1 })).toThrow('count must be a non-negative integer, got -1');
    expect(() => generateTrips({ count: 5_000_001 })).toThrow('count 5000001 is above 5000000');
    expect(() => generateTrips({ count: 1, tripsPerMinute: 0 })).toThrow('tripsPerMinute must be positive, got 0');
  });
});
