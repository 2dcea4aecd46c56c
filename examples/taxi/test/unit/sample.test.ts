import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { haversineMiles, parseTripCsvFile, readTripCsvFile, type Trip, tripSchema } from '@pipeline/example-taxi';
import { parseTimestamp, validate } from '@pipeline/schema';
import { beforeAll, describe, expect, it } from 'vitest';
import { collect, sampleExists, samplePath } from '../helpers/paths.js';

if (!sampleExists) {
  console.warn(`Skipping the real-sample tests: ${samplePath} does not exist (it lives in shared/, outside the repo).`);
}

describe.skipIf(!sampleExists)(`real workshop sample (${samplePath}; skipped when absent)`, () => {
  let trips: Trip[] = [];
  beforeAll(async () => {
    trips = await collect(readTripCsvFile(samplePath));
  });

  it('is the expected file', () => {
    const sha = createHash('sha256').update(readFileSync(samplePath)).digest('hex');
    expect(sha).toBe('5460cba30e8f987d899c51bf21efe09dae6f667c4845ac0e2872c2c7caf485c0');
  });

  it('parses all 342 rows (headerless: the first trip is data, not a header) and every row validates', async () => {
    const results = await collect(parseTripCsvFile(samplePath, { validate: false }));
    expect(results).toHaveLength(342);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(trips).toHaveLength(342);
    for (const trip of trips) expect(validate(tripSchema, trip).issues).toBeUndefined();
    expect(trips[0]).toEqual({
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
    });
  });

  it('matches the documented facts (taxi-data.md §2)', () => {
    const count = <K extends keyof Trip>(key: K) => {
      const out = new Map<Trip[K], number>();
      for (const t of trips) out.set(t[key], (out.get(t[key]) ?? 0) + 1);
      return Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
    };
    expect(count('vendorId')).toEqual({ 1: 159, 2: 183 });
    expect(count('passengerCount')).toEqual({ 0: 1, 1: 233, 2: 52, 3: 15, 4: 7, 5: 23, 6: 11 });
    expect(count('storeAndFwdFlag')).toEqual({ N: 340, Y: 2 });
    expect(new Set(trips.map((t) => t.id)).size).toBe(342);

    const pickups = trips.map((t) => parseTimestamp(t.pickupDate));
    expect(pickups).toEqual([...pickups].sort((a, b) => a - b));
    expect(trips[0]?.pickupDate).toBe('2016-01-08T20:50:00Z');
    expect(trips.at(-1)?.pickupDate).toBe('2016-01-08T21:56:00Z');
    expect(new Set(pickups).size).toBe(67);
    expect(Math.max(...trips.map((t) => parseTimestamp(t.dropoffDate)))).toBe(Date.parse('2016-01-09T20:22:00Z'));

    const lons = trips.flatMap((t) => [t.pickupLongitude, t.dropoffLongitude]);
    const lats = trips.flatMap((t) => [t.pickupLatitude, t.dropoffLatitude]);
    expect(Math.min(...lons)).toBeCloseTo(-74.0306, 4);
    expect(Math.max(...lons)).toBeCloseTo(-73.7767, 4);
    expect(Math.min(...lats)).toBeCloseTo(40.6314, 4);
    expect(Math.max(...lats)).toBeCloseTo(40.896, 4);

    const durations = trips.map((t) => t.tripDuration);
    expect([Math.min(...durations), Math.max(...durations)]).toEqual([20, 84456]);
  });

  it('has the documented units: gcDistance in miles (haversine), tripDuration = dropoff − pickup to the minute', () => {
    for (const t of trips) {
      const gc = haversineMiles(t.pickupLongitude, t.pickupLatitude, t.dropoffLongitude, t.dropoffLatitude);
      expect(Math.abs(t.gcDistance - gc)).toBeLessThanOrEqual(Math.max(1e-9, gc * 0.001));
      const span = (parseTimestamp(t.dropoffDate) - parseTimestamp(t.pickupDate)) / 1000;
      expect(Math.abs(span - t.tripDuration), t.id).toBeLessThan(60);
    }
  });

  it('keeps the edge rows', () => {
    const byId = new Map(trips.map((t) => [t.id, t]));
    expect(byId.get('id3108147')).toMatchObject({ tripDuration: 84456, dropoffDate: '2016-01-09T20:22:00Z' });
    expect(byId.get('id0163478')).toMatchObject({ gcDistance: 0, googleDistance: 0, googleDuration: 0 });
    expect(byId.get('id1593144')).toMatchObject({ passengerCount: 0 });
  });

  it('re-bases the whole sample to now, keeping its 66-minute span', async () => {
    const now = new Date();
    const rebased = await collect(readTripCsvFile(samplePath, { rebaseTo: now }));
    expect(rebased[0]?.pickupDate).toBe(now.toISOString().replace('.000Z', 'Z'));
    expect(parseTimestamp(rebased.at(-1)?.pickupDate ?? '') - now.getTime()).toBe(66 * 60_000);
    for (const t of rebased) expect(validate(tripSchema, t).issues).toBeUndefined();
  });

  it('reads the wall times as New York time when told', async () => {
    const [first] = await collect(readTripCsvFile(samplePath, { timeZone: 'America/New_York' }));
    expect(first?.pickupDate).toBe('2016-01-09T01:50:00Z');
  });
});
