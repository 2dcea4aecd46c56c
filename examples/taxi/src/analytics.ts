import { type TaxiAnalysisName, taxiAnalyticsJob } from '@pipeline/flink-sql';
import { TRIP_OUT_OF_ORDERNESS_SECONDS } from './pipeline.js';
import { tripSchema } from './schema.js';

/** The OpenSearch index of each taxi analysis (the dashboard's panels read them). */
export const TAXI_ANALYTICS_INDICES = Object.freeze({
  /** Per-vendor statistics per 1-minute tumbling window. */
  vendorStats: 'trip-stats',
  /** The same per 15-minute window sliding every minute. */
  vendorTrend: 'trip-trend',
  /** Top-10 pickup grid cells per 5-minute window. */
  pickupHotspots: 'trip-hotspots',
  /** Trips from or to JFK, LGA and EWR per 15-minute window. */
  airportTrips: 'trip-airports',
  /** The UTC day's running total, one document per minute. */
  dayTotals: 'trip-running-total',
} as const satisfies Record<TaxiAnalysisName, string>);

export interface TaxiAnalyticsOptions<L extends boolean> {
  /** Against a local emulator: adds the endpoint and credential parameters. Default false (Managed Flink). */
  readonly local?: L;
  /** Where a fresh job starts reading. Default `LATEST`. */
  readonly startPosition?: 'LATEST' | 'TRIM_HORIZON';
  /** The OpenSearch sinks authenticate with `opensearchUsername` / `opensearchPassword` (AWS domains). Default false. */
  readonly basicAuth?: boolean;
}

/**
 * The taxi analytics of `@pipeline/flink-sql` over the example's trip schema: one Flink job (one statement set)
 * with five analyses, each upserted into its own index (`TAXI_ANALYTICS_INDICES`); the stream is deduplicated by trip
 * id and its watermark heartbeats are filtered before any window. Event time = pickup, 5 s out-of-orderness.
 */
export function taxiAnalytics<const L extends boolean = false>(options: TaxiAnalyticsOptions<L> = {}) {
  return taxiAnalyticsJob({
    schema: tripSchema,
    source: {
      local: (options.local ?? false) as L,
      startPosition: options.startPosition ?? 'LATEST',
      outOfOrdernessSeconds: TRIP_OUT_OF_ORDERNESS_SECONDS,
    },
    openSearch: { bulkFlushIntervalMs: 1000, basicAuth: options.basicAuth ?? false },
  });
}
