// The fixed input of the analytics integration tests: trips on two shards in batches of at most two minutes of event
// time (so any interleaving of the shards stays within the 120 s bound), out-of-order trips within the bound,
// duplicates (same batch and two batches later), airport trips, and trips past the bound (late) put last.
import type { InferRecord } from '@pipeline/schema';
import type { tripSchema } from './taxi-schema.js';

export type Trip = InferRecord<typeof tripSchema>;

/** The bound the tests run with (the source's `outOfOrdernessSeconds` parameter). */
export const BOUND_SECONDS = 120;
const T0 = Date.UTC(2016, 0, 8, 20, 50, 0);
const SPACING_MS = 13_000;
const BATCH_MS = 120_000;

const PLACES = [
  { lon: -73.9855, lat: 40.758 }, // Midtown
  { lon: -73.9595, lat: 40.7736 }, // Upper East Side
  { lon: -73.9969, lat: 40.742 }, // Chelsea
  { lon: -74.009, lat: 40.7075 }, // Financial District
  { lon: -73.9571, lat: 40.7081 }, // Williamsburg
  { lon: -73.7781, lat: 40.6413 }, // JFK
  { lon: -73.874, lat: 40.7769 }, // LaGuardia
  { lon: -74.1745, lat: 40.6895 }, // Newark
] as const;
/** Pickup place by i % 12: Midtown and the Upper East Side are the hotspots. */
const PICKUP_PLACE = [0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 5, 4];

/** One put: the trip, its shard (0 or 1), and its batch. */
export interface FixtureRecord {
  readonly trip: Trip;
  readonly shard: 0 | 1;
  readonly batch: number;
  /** A copy of an earlier record (a producer retry). */
  readonly duplicate: boolean;
  /** Put after the watermark passed its windows: dropped, and counted by the late-record metric. */
  readonly late: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const jitter = (i: number, salt: number) => (((i * 7919 + salt * 104729) % 101) - 50) * 0.00004;

function haversineMiles(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const r = (d: number) => (d * Math.PI) / 180;
  const a =
    Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lon2 - lon1) / 2) ** 2;
  return 2 * 3958.8 * Math.asin(Math.sqrt(a));
}

export function makeTrip(i: number, pickupMs: number, pickupPlace: number, dropoffPlace: number): Trip {
  const p = PLACES[pickupPlace]!;
  const d = PLACES[dropoffPlace]!;
  const pickupLongitude = Number((p.lon + jitter(i, 1)).toFixed(6));
  const pickupLatitude = Number((p.lat + jitter(i, 2)).toFixed(6));
  const dropoffLongitude = Number((d.lon + jitter(i, 3)).toFixed(6));
  const dropoffLatitude = Number((d.lat + jitter(i, 4)).toFixed(6));
  const tripDuration = 180 + ((i * 53) % 1500);
  const gc = haversineMiles(pickupLongitude, pickupLatitude, dropoffLongitude, dropoffLatitude);
  return {
    id: `id${String(1_000_000 + i).padStart(7, '0')}`,
    vendorId: (i % 3 === 0 ? 1 : 2) as 1 | 2,
    pickupDate: iso(pickupMs),
    dropoffDate: iso(pickupMs + tripDuration * 1000),
    passengerCount: (i * 5) % 7,
    pickupLongitude,
    pickupLatitude,
    dropoffLongitude,
    dropoffLatitude,
    storeAndFwdFlag: i % 17 === 0 ? 'Y' : 'N',
    gcDistance: Number(gc.toFixed(6)),
    tripDuration,
    googleDistance: Math.round(gc * 1609.344 * 1.3),
    googleDuration: Math.round(tripDuration * 0.9),
  };
}

/** The whole input, in put order. `count` trips in order (then the late ones). */
export function analyticsFixture(count = 170): FixtureRecord[] {
  const out: FixtureRecord[] = [];
  const laterCopies: FixtureRecord[] = [];
  for (let i = 0; i < count; i++) {
    // every 7th trip is 7 s older than the one before it: out of order, within the bound
    const pickup = T0 + i * SPACING_MS - (i % 7 === 3 ? 20_000 : 0);
    const batch = Math.floor((i * SPACING_MS) / BATCH_MS);
    const trip = makeTrip(i, pickup, PICKUP_PLACE[i % 12]!, (i * 3 + 1) % 8);
    const shard = (i % 2) as 0 | 1;
    for (const copy of laterCopies.filter((c) => c.batch === batch)) out.push(copy);
    out.push({ trip, shard, batch, duplicate: false, late: false });
    if (i % 25 === 5) out.push({ trip, shard, batch, duplicate: true, late: false });
    if (i % 25 === 18) laterCopies.push({ trip, shard, batch: batch + 2, duplicate: true, late: false });
  }
  const lastBatch = Math.floor(((count - 1) * SPACING_MS) / BATCH_MS) + 1;
  const late = [
    makeTrip(900, Date.UTC(2016, 0, 8, 20, 58, 10), 0, 2),
    makeTrip(901, Date.UTC(2016, 0, 8, 20, 59, 30), 1, 3),
    makeTrip(902, Date.UTC(2016, 0, 8, 20, 57, 0), 5, 0),
  ];
  for (const [k, trip] of late.entries()) {
    out.push({ trip, shard: (k % 2) as 0 | 1, batch: lastBatch, duplicate: false, late: true });
  }
  return out;
}

/** The records of each batch, in order. */
export function batches(records: readonly FixtureRecord[]): FixtureRecord[][] {
  const byBatch = new Map<number, FixtureRecord[]>();
  for (const r of records) byBatch.set(r.batch, [...(byBatch.get(r.batch) ?? []), r]);
  return [...byBatch.keys()].sort((a, b) => a - b).map((k) => byBatch.get(k)!);
}
