/**
 * The mappings of the indices the dashboard reads: the raw trips (from the trip schema), the Flink analyses (each
 * template's sink mapping) and the run's KPI documents.
 */
import { type OpenSearchMapping, toOpenSearchMapping } from '@pipeline/schema';
import { TAXI_ANALYTICS_INDICES, taxiAnalytics } from '../analytics.js';
import { tripSchema } from '../schema.js';
import { DASHBOARD_INDICES } from './panels.js';

const date = { type: 'date', format: 'strict_date_optional_time||epoch_millis' } as const;

/** One KPI document of a run (written every few seconds by scripts/run.ts). */
export interface RunMetricsDocument {
  at: string;
  tripsPut: number;
  recordsPerSecond: number;
  lateRecordsDropped: number | null;
  windowsArrived: number;
  /** Trips picked up in the 15 minutes (event time) before the latest pickup put. */
  tripsLast15Minutes: number;
  /** Wall-clock time the number of window documents last grew. */
  lastWindowClosedAt: string | null;
}

export const RUN_METRICS_MAPPING: OpenSearchMapping = {
  dynamic: 'strict',
  properties: {
    at: date,
    tripsPut: { type: 'long' },
    recordsPerSecond: { type: 'double' },
    lateRecordsDropped: { type: 'long' },
    windowsArrived: { type: 'long' },
    tripsLast15Minutes: { type: 'long' },
    lastWindowClosedAt: date,
  },
};

/** Every dashboard index's mapping. */
export function dashboardMappings(): Record<string, OpenSearchMapping> {
  return {
    ...Object.fromEntries(
      Object.values(taxiAnalytics({ local: true }).analyses).map((a) => [
        TAXI_ANALYTICS_INDICES[a.name],
        a.mapping ?? {},
      ]),
    ),
    [DASHBOARD_INDICES.rawTrips]: toOpenSearchMapping(tripSchema),
    [DASHBOARD_INDICES.runMetrics]: RUN_METRICS_MAPPING,
  };
}
