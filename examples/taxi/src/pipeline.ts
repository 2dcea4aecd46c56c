import { greatCircleDistance, windowedAggregatePipeline } from '@pipeline/flink-sql';
import { tripSchema } from './schema.js';

/**
 * Out-of-orderness bound of the trip stream, seconds: the watermark trails the newest pickup time by this much, so a
 * trip whose pickup is more than 5 s older than the newest one seen misses a window that already fired.
 */
export const TRIP_OUT_OF_ORDERNESS_SECONDS = 5;

/** Window length of the trip statistics, minutes. */
export const TRIP_STATS_WINDOW_MINUTES = 1;

export interface TripStatsJobOptions<L extends boolean> {
  /** Against a local emulator: adds the endpoint and credential parameters. Default false (Managed Flink). */
  readonly local?: L;
  /** Where a fresh job starts reading. Default `LATEST`. */
  readonly startPosition?: 'LATEST' | 'TRIM_HORIZON';
}

/**
 * The trip-statistics Flink job: trips from Kinesis (event time = pickup, 5 s out-of-orderness), 1-minute tumbling
 * windows per vendor, upserted into OpenSearch as one document per window and vendor (id `<windowStart>_<vendorId>`):
 * trip count, passenger sum, average duration (seconds) and average great-circle distance pickup → dropoff (miles,
 * computed in SQL from the coordinates).
 */
export function tripStatsJob<const L extends boolean = false>(options: TripStatsJobOptions<L> = {}) {
  return windowedAggregatePipeline({
    source: {
      schema: tripSchema,
      table: 'trips',
      eventTime: 'pickupDate',
      outOfOrdernessSeconds: TRIP_OUT_OF_ORDERNESS_SECONDS,
      format: 'kpl-json',
      local: (options.local ?? false) as L,
      startPosition: options.startPosition ?? 'LATEST',
    },
    aggregate: {
      table: 'trip_stats',
      windowMinutes: TRIP_STATS_WINDOW_MINUTES,
      windowStartColumn: 'windowStart',
      windowEndColumn: 'windowEnd',
      groupBy: ['vendorId'],
      measures: {
        trips: { count: true, doc: 'Trips picked up in the window' },
        passengers: { sum: 'passengerCount', doc: 'Passengers, persons' },
        avgDurationSeconds: { avg: 'tripDuration', doc: 'Average trip duration, seconds' },
        avgDistanceMiles: {
          avg: greatCircleDistance(tripSchema, {
            fromLongitude: 'pickupLongitude',
            fromLatitude: 'pickupLatitude',
            toLongitude: 'dropoffLongitude',
            toLatitude: 'dropoffLatitude',
          }),
          doc: 'Average great-circle distance pickup to dropoff, miles',
        },
      },
    },
    sink: { bulkFlushIntervalMs: 1000 },
  });
}

/** One document of the trip-statistics index. */
export interface TripStatsDocument {
  windowStart: string;
  windowEnd: string;
  vendorId: number;
  trips: number;
  passengers: number;
  avgDurationSeconds: number;
  avgDistanceMiles: number;
}
