import { formatTimestamp, parseTimestamp } from '@pipeline/schema';
import { CSV_COLUMNS, haversineMiles, NYC_BOUNDS, type Trip } from './schema.js';
import { checkTimeZone, formatCsvDate } from './time.js';

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same sequence on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Place {
  readonly name: string;
  readonly lon: number;
  readonly lat: number;
  /** Spread around the centre, degrees (one standard deviation). */
  readonly spread: number;
  /** Share of pickups. */
  readonly weight: number;
  readonly airport?: boolean;
}

/** Where NYC taxi trips start and end: Manhattan neighbourhoods, inner Brooklyn and Queens, and the two airports. */
export const PLACES: readonly Place[] = [
  { name: 'Midtown', lon: -73.9855, lat: 40.758, spread: 0.008, weight: 0.24 },
  { name: 'Upper East Side', lon: -73.9595, lat: 40.7736, spread: 0.007, weight: 0.12 },
  { name: 'Upper West Side', lon: -73.9754, lat: 40.787, spread: 0.007, weight: 0.08 },
  { name: 'Chelsea / Flatiron', lon: -73.9969, lat: 40.742, spread: 0.006, weight: 0.12 },
  { name: 'Greenwich Village', lon: -73.999, lat: 40.73, spread: 0.005, weight: 0.07 },
  { name: 'East Village', lon: -73.985, lat: 40.7265, spread: 0.005, weight: 0.06 },
  { name: 'Financial District', lon: -74.009, lat: 40.7075, spread: 0.004, weight: 0.06 },
  { name: 'Harlem', lon: -73.9465, lat: 40.8116, spread: 0.006, weight: 0.03 },
  { name: 'Williamsburg', lon: -73.9571, lat: 40.7081, spread: 0.006, weight: 0.04 },
  { name: 'Downtown Brooklyn', lon: -73.9903, lat: 40.6928, spread: 0.005, weight: 0.03 },
  { name: 'Long Island City / Astoria', lon: -73.93, lat: 40.76, spread: 0.007, weight: 0.03 },
  { name: 'JFK Airport', lon: -73.7781, lat: 40.6413, spread: 0.003, weight: 0.02, airport: true },
  { name: 'LaGuardia Airport', lon: -73.874, lat: 40.7769, spread: 0.002, weight: 0.02, airport: true },
];

/** Passenger counts and their shares in the workshop sample (0 is rare but real). */
const PASSENGERS: readonly (readonly [number, number])[] = [
  [0, 0.003],
  [1, 0.68],
  [2, 0.152],
  [3, 0.044],
  [4, 0.02],
  [5, 0.068],
  [6, 0.033],
];

export interface GenerateTripsOptions {
  /** Number of trips. */
  readonly count: number;
  /** PRNG seed; the same seed and options give the same trips. Default 1. */
  readonly seed?: number;
  /** First pickup (rounded down to the minute). Default 2016-01-08T20:50:00Z, the workshop sample's start. */
  readonly start?: Date;
  /** Mean pickups per minute (Poisson arrivals). Default 5, the sample's rate. */
  readonly tripsPerMinute?: number;
}

/** Most trips one call generates: ids are `id` + 7 random digits and must stay unique. */
export const MAX_TRIPS = 5_000_000;

export const DEFAULT_START = new Date('2016-01-08T20:50:00Z');

const METRES_PER_MILE = 1609.344;

function round(value: number, decimals: number): number {
  return Number(value.toFixed(decimals));
}

/**
 * Synthetic trips in pickup order with the workshop's fields and units: pickups clustered around real NYC places,
 * dropoffs drawn by distance (most trips a few miles, some to and from the airports), road distance and driving
 * time derived from the great-circle distance, and a trip duration with traffic noise. Times are whole minutes, as
 * the CSV format stores them (the duration keeps its seconds, as in the real data).
 */
export function* iterateTrips(options: GenerateTripsOptions): Generator<Trip> {
  const { count } = options;
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  }
  if (count > MAX_TRIPS) {
    throw new RangeError(`count ${count} is above ${MAX_TRIPS} (ids are "id" + 7 digits and unique)`);
  }
  const rate = options.tripsPerMinute ?? 5;
  if (!(rate > 0)) throw new RangeError(`tripsPerMinute must be positive, got ${rate}`);
  const random = mulberry32(options.seed ?? 1);
  const start = Math.floor((options.start ?? DEFAULT_START).getTime() / 60_000) * 60_000;
  if (!Number.isFinite(start)) throw new RangeError('start is an invalid Date');

  const gaussian = (): number => {
    const u = 1 - random();
    const v = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const pick = <T>(items: readonly T[], weight: (item: T) => number): T => {
    const total = items.reduce((sum, item) => sum + weight(item), 0);
    let r = random() * total;
    for (const item of items) {
      r -= weight(item);
      if (r < 0) return item;
    }
    return items[items.length - 1] as T;
  };
  const pointNear = (place: Place): [number, number] => {
    for (;;) {
      const lon = place.lon + gaussian() * place.spread * 1.3; // a degree of longitude is shorter here
      const lat = place.lat + gaussian() * place.spread;
      if (
        lon >= NYC_BOUNDS.minLon &&
        lon <= NYC_BOUNDS.maxLon &&
        lat >= NYC_BOUNDS.minLat &&
        lat <= NYC_BOUNDS.maxLat
      ) {
        return [round(lon, 8), round(lat, 8)];
      }
    }
  };

  // One bit per possible id (10^7 bits = 1.25 MB) instead of a Set of strings: memory stays flat at any count.
  const usedIds = new Uint8Array(10_000_000 / 8);
  // id9999999 stays free: the example's run uses it for its closing record.
  usedIds[9_999_999 >>> 3] = 1 << (9_999_999 & 7);
  let clock = start;
  for (let n = 0; n < count; n++) {
    if (n > 0) clock += (-Math.log(1 - random()) / rate) * 60_000;
    const pickupExact = Math.floor(clock / 1000) * 1000;

    let idNumber: number;
    do idNumber = Math.floor(random() * 10_000_000);
    while ((usedIds[idNumber >>> 3] as number) & (1 << (idNumber & 7)));
    usedIds[idNumber >>> 3] = (usedIds[idNumber >>> 3] as number) | (1 << (idNumber & 7));
    const id = `id${String(idNumber).padStart(7, '0')}`;

    const from = pick(PLACES, (p) => p.weight);
    const [pickupLongitude, pickupLatitude] = pointNear(from);
    let dropoffLongitude = pickupLongitude;
    let dropoffLatitude = pickupLatitude;
    // About 1 trip in 300 in the real data starts and ends at the same point (a cancelled ride).
    if (random() >= 0.003) {
      // Gravity model: nearby places are likelier destinations; airports draw trips from anywhere.
      const to = pick(PLACES, (p) => {
        const miles = haversineMiles(pickupLongitude, pickupLatitude, p.lon, p.lat);
        return p.airport === true && from.airport !== true ? p.weight * 0.6 : p.weight * Math.exp(-miles / 1.5);
      });
      [dropoffLongitude, dropoffLatitude] = pointNear(to);
    }

    const gc = haversineMiles(pickupLongitude, pickupLatitude, dropoffLongitude, dropoffLatitude);
    const gcDistance = round(gc, 9);
    const googleDistance = Math.round(gc * METRES_PER_MILE * (1.2 + 0.3 * random()));
    // Driving speed grows with distance: ~4.5 m/s across Manhattan, up to ~14 m/s on highways.
    const speed = Math.min(14, 4 + 0.45 * (googleDistance / 1000));
    const googleDuration = googleDistance === 0 ? 0 : Math.round(googleDistance / speed + 60 * random());
    const traffic = Math.exp(0.35 * gaussian());
    const tripDuration = Math.max(20, Math.round((googleDuration || 45) * traffic + 30 * random()));

    yield {
      id,
      vendorId: random() < 0.465 ? 1 : 2,
      pickupDate: formatTimestamp(Math.floor(pickupExact / 60_000) * 60_000),
      dropoffDate: formatTimestamp(Math.floor((pickupExact + tripDuration * 1000) / 60_000) * 60_000),
      passengerCount: pick(PASSENGERS, ([, share]) => share)[0],
      pickupLongitude,
      pickupLatitude,
      dropoffLongitude,
      dropoffLatitude,
      storeAndFwdFlag: random() < 0.006 ? 'Y' : 'N',
      gcDistance,
      tripDuration,
      googleDistance,
      googleDuration,
    };
  }
}

/** `iterateTrips` as an array. */
export function generateTrips(options: GenerateTripsOptions): Trip[] {
  return [...iterateTrips(options)];
}

export interface TripCsvWriteOptions {
  /** Write the snake_case header row first. Default false (the workshop file has none). */
  readonly header?: boolean;
  /** IANA zone to write wall-clock times in. Default `UTC`. */
  readonly timeZone?: string;
}

const HEADER = CSV_COLUMNS.join(',');

/** One trip as a workshop CSV row (no line break). Times are written as `M/d/yy H:mm`; seconds are dropped. */
export function formatTripCsvRow(trip: Trip, timeZone = 'UTC'): string {
  return [
    trip.id,
    trip.vendorId,
    formatCsvDate(parseTimestamp(trip.pickupDate), timeZone),
    formatCsvDate(parseTimestamp(trip.dropoffDate), timeZone),
    trip.passengerCount,
    trip.pickupLongitude,
    trip.pickupLatitude,
    trip.dropoffLongitude,
    trip.dropoffLatitude,
    trip.storeAndFwdFlag,
    trip.gcDistance,
    trip.tripDuration,
    trip.googleDistance,
    trip.googleDuration,
  ].join(',');
}

/**
 * Workshop CSV lines (each ending in `\n`) for trips, lazily: `Readable.from(tripCsvLines(iterateTrips(…)))` streams
 * any number of trips to a file.
 */
export function* tripCsvLines(trips: Iterable<Trip>, options: TripCsvWriteOptions = {}): Generator<string> {
  const timeZone = options.timeZone ?? 'UTC';
  checkTimeZone(timeZone);
  if (options.header === true) yield `${HEADER}\n`;
  for (const trip of trips) yield `${formatTripCsvRow(trip, timeZone)}\n`;
}

/** Trips as one workshop CSV string. */
export function toTripCsv(trips: Iterable<Trip>, options: TripCsvWriteOptions = {}): string {
  return [...tripCsvLines(trips, options)].join('');
}
