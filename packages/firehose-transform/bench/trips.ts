import { mulberry32 } from '@pipeline/commons';

/**
 * Taxi-shaped records for the benchmark: the workshop's 14 fields (see examples/taxi), generated deterministically
 * here so the package has no dependency on the example.
 */
export interface BenchTrip {
  id: string;
  vendorId: number;
  pickupDate: string;
  dropoffDate: string;
  passengerCount: number;
  pickupLongitude: number;
  pickupLatitude: number;
  dropoffLongitude: number;
  dropoffLatitude: number;
  storeAndFwdFlag: string;
  gcDistance: number;
  tripDuration: number;
  googleDistance: number;
  googleDuration: number;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

export function benchTrips(count: number, seed = 42): BenchTrip[] {
  const random = mulberry32(seed);
  const start = Date.UTC(2016, 0, 8, 20, 50);
  const out: BenchTrip[] = [];
  for (let i = 0; i < count; i++) {
    const pickup = start + Math.floor(i / 5) * 60_000;
    const duration = 60 * (3 + Math.floor(random() * 30));
    const lon = -74.03 + random() * 0.25;
    const lat = 40.63 + random() * 0.26;
    const dLon = (random() - 0.5) * 0.05;
    const dLat = (random() - 0.5) * 0.05;
    out.push({
      id: `id${String(1_000_000 + Math.floor(random() * 8_999_999)).padStart(7, '0')}`,
      vendorId: random() < 0.46 ? 1 : 2,
      pickupDate: iso(pickup),
      dropoffDate: iso(pickup + duration * 1000),
      passengerCount: 1 + Math.floor(random() * 3),
      pickupLongitude: Number(lon.toFixed(8)),
      pickupLatitude: Number(lat.toFixed(8)),
      dropoffLongitude: Number((lon + dLon).toFixed(8)),
      dropoffLatitude: Number((lat + dLat).toFixed(8)),
      storeAndFwdFlag: random() < 0.01 ? 'Y' : 'N',
      gcDistance: Number((random() * 3).toFixed(9)),
      tripDuration: duration,
      googleDistance: 500 + Math.floor(random() * 5000),
      googleDuration: 100 + Math.floor(random() * 1200),
    });
  }
  return out;
}
