/**
 * The mappings of the indices the dashboard reads: the raw trips (from the trip schema), the Flink trip statistics
 * (the template's sink mapping), the run's KPI documents, and — until the Flink SQL templates for them land — the
 * document shapes the hotspot, airport and running-total panels expect.
 */
import { type OpenSearchMapping, toOpenSearchMapping } from '@pipeline/schema';
import { tripStatsJob } from '../pipeline.js';
import { tripSchema } from '../schema.js';
import { DASHBOARD_INDICES } from './panels.js';

const date = { type: 'date', format: 'strict_date_optional_time||epoch_millis' } as const;
/** The window bounds every Flink aggregate document carries. */
const windowBounds = { windowStart: date, windowEnd: date } as const;

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

/**
 * Expected documents of the templates not in this worktree yet (align with the Flink SQL templates at merge):
 * hotspots per grid cell and window, airports per airport and 15-minute window, the day's running total per minute.
 */
export const EXPECTED_TEMPLATE_MAPPINGS: Record<string, OpenSearchMapping> = {
  [DASHBOARD_INDICES.hotspots]: {
    dynamic: 'strict',
    properties: {
      ...windowBounds,
      cellId: { type: 'keyword' },
      centerLat: { type: 'double' },
      centerLon: { type: 'double' },
      trips: { type: 'long' },
    },
  },
  [DASHBOARD_INDICES.airports]: {
    dynamic: 'strict',
    properties: {
      ...windowBounds,
      airport: { type: 'keyword' },
      trips: { type: 'long' },
      avgDurationSeconds: { type: 'double' },
    },
  },
  [DASHBOARD_INDICES.runningTotal]: {
    dynamic: 'strict',
    properties: {
      ...windowBounds,
      day: { type: 'keyword' },
      tripsSoFar: { type: 'long' },
    },
  },
};

/** Every dashboard index's mapping. */
export function dashboardMappings(): Record<string, OpenSearchMapping> {
  return {
    [DASHBOARD_INDICES.tripStats]: tripStatsJob({ local: true }).mapping,
    [DASHBOARD_INDICES.rawTrips]: toOpenSearchMapping(tripSchema),
    [DASHBOARD_INDICES.runMetrics]: RUN_METRICS_MAPPING,
    ...EXPECTED_TEMPLATE_MAPPINGS,
  };
}
