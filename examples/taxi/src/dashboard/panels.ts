/**
 * The dashboard's panels as Vega-Lite specs in the form OpenSearch Dashboards' Vega visualization accepts: each
 * `data.url` is `{ index, body }` (an OpenSearch query), `data.format.property` points at the hits or buckets. The
 * same specs render on the example's local page (src/dashboard/server.ts answers the queries, paging composite
 * aggregations to the end) and are exported unchanged as saved objects (src/dashboard/saved-objects.ts).
 */
import { TAXI_ANALYTICS_INDICES } from '../analytics.js';

/** Indices the panels read and the fields they use. */
export const DASHBOARD_INDICES = {
  /** Flink vendorStats: 1-minute windows per vendor. */
  tripStats: TAXI_ANALYTICS_INDICES.vendorStats,
  /** Every trip, written by @pipeline/opensearch-sink's Kinesis consumer. */
  rawTrips: 'taxi-trips',
  /** Flink pickupHotspots: the top-10 grid cells per 5-minute window. */
  hotspots: TAXI_ANALYTICS_INDICES.pickupHotspots,
  /** Flink airportTrips: per airport per 15-minute window. */
  airports: TAXI_ANALYTICS_INDICES.airportTrips,
  /** Flink dayTotals: the day's running total, one document per minute. */
  runningTotal: TAXI_ANALYTICS_INDICES.dayTotals,
  /** Written by the example's run every few seconds: producer and pipeline KPIs. */
  runMetrics: 'taxi-run-metrics',
} as const;

/** One panel: a Vega-Lite spec whose `data` is an OpenSearch query. */
export interface Panel {
  readonly id: string;
  readonly title: string;
  /** Grid placement on the saved dashboard (48 columns wide). */
  readonly grid: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly spec: VegaLiteSpec;
}

/** The subset of a Vega-Lite spec the panels use (kept loose: Vega-Lite validates them in the unit test). */
export interface VegaLiteSpec {
  readonly $schema: string;
  readonly title?: string;
  readonly data: {
    readonly name: string;
    readonly url: { readonly index: string; readonly body: Record<string, unknown> };
    readonly format: { readonly property: string };
  };
  readonly [key: string]: unknown;
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';
/** Composite aggregations page with `after`; the local server follows every page, OpenSearch Dashboards shows one. */
const PAGE = 10_000;
const common = {
  width: 'container',
  height: 220,
  padding: { left: 12, right: 8, top: 4, bottom: 4 },
  autosize: { type: 'fit', contains: 'padding', resize: true },
} as const;

const compositeOf = (sources: Array<Record<string, unknown>>, aggs: Record<string, unknown>) => ({
  size: 0,
  aggs: { buckets: { composite: { size: PAGE, sources }, aggs } },
});
const termsSource = (name: string, field: string) => ({ [name]: { terms: { field } } });
const minuteSource = (name: string, field: string) => ({
  [name]: { date_histogram: { field, fixed_interval: '1m' } },
});

function panel(
  id: string,
  title: string,
  grid: Panel['grid'],
  index: string,
  body: Record<string, unknown>,
  property: string,
  rest: Record<string, unknown>,
): Panel {
  return {
    id,
    title,
    grid,
    spec: {
      $schema: SCHEMA,
      title,
      ...common,
      data: { name: 'panel', url: { index, body }, format: { property } },
      ...rest,
    },
  };
}

const vendorColor = { field: 'key.vendorId', type: 'nominal', title: 'vendor' };
const utc = { type: 'utc' } as const;
const windowX = { field: 'key.windowStart', type: 'temporal', title: 'pickup minute (UTC)', scale: utc };

export const PANELS: readonly Panel[] = [
  panel(
    'trips-per-minute',
    'Trips per minute per vendor',
    { x: 0, y: 0, w: 24, h: 12 },
    DASHBOARD_INDICES.tripStats,
    compositeOf([termsSource('windowStart', 'windowStart'), termsSource('vendorId', 'vendorId')], {
      trips: { sum: { field: 'trips' } },
    }),
    'aggregations.buckets.buckets',
    {
      mark: { type: 'line', point: false },
      encoding: { x: windowX, y: { field: 'trips.value', type: 'quantitative', title: 'trips' }, color: vendorColor },
    },
  ),
  panel(
    'passengers',
    'Passengers per minute',
    { x: 24, y: 0, w: 24, h: 12 },
    DASHBOARD_INDICES.tripStats,
    compositeOf([termsSource('windowStart', 'windowStart'), termsSource('vendorId', 'vendorId')], {
      passengers: { sum: { field: 'passengers' } },
    }),
    'aggregations.buckets.buckets',
    {
      mark: 'area',
      encoding: {
        x: windowX,
        y: { field: 'passengers.value', type: 'quantitative', title: 'passengers', stack: 'zero' },
        color: vendorColor,
      },
    },
  ),
  panel(
    'distance-duration',
    'Average distance (mi) and duration (min)',
    { x: 0, y: 12, w: 24, h: 12 },
    DASHBOARD_INDICES.tripStats,
    compositeOf([termsSource('windowStart', 'windowStart')], {
      distance: { weighted_avg: { value: { field: 'avgDistanceMiles' }, weight: { field: 'trips' } } },
      duration: { weighted_avg: { value: { field: 'avgDurationSeconds' }, weight: { field: 'trips' } } },
    }),
    'aggregations.buckets.buckets',
    {
      encoding: { x: windowX },
      layer: [
        {
          mark: { type: 'line', color: '#4c78a8' },
          encoding: {
            y: {
              field: 'distance.value',
              type: 'quantitative',
              title: 'average distance, miles',
              axis: { titleColor: '#4c78a8' },
            },
          },
        },
        {
          transform: [{ calculate: 'datum.duration.value / 60', as: 'minutes' }],
          mark: { type: 'line', color: '#f58518' },
          encoding: {
            y: {
              field: 'minutes',
              type: 'quantitative',
              title: 'average duration, minutes',
              axis: { titleColor: '#f58518' },
            },
          },
        },
      ],
      resolve: { scale: { y: 'independent' } },
    },
  ),
  panel(
    'p95-duration',
    'Trip duration p50 / p95 (min), raw trips',
    { x: 24, y: 12, w: 24, h: 12 },
    DASHBOARD_INDICES.rawTrips,
    compositeOf([minuteSource('minute', 'pickupDate')], {
      duration: { percentiles: { field: 'tripDuration', percents: [50, 95], keyed: false } },
    }),
    'aggregations.buckets.buckets',
    {
      transform: [
        { calculate: 'datum.duration.values[0].value / 60', as: 'p50' },
        { calculate: 'datum.duration.values[1].value / 60', as: 'p95' },
        { fold: ['p50', 'p95'], as: ['percentile', 'minutes'] },
      ],
      mark: 'line',
      encoding: {
        x: { field: 'key.minute', type: 'temporal', title: 'pickup minute (UTC)', scale: utc },
        y: { field: 'minutes', type: 'quantitative', title: 'minutes' },
        color: { field: 'percentile', type: 'nominal', title: null },
      },
    },
  ),
  panel(
    'hotspots',
    'Pickup hotspots: top 10 cells (sum of the 5-minute top 10s)',
    { x: 0, y: 24, w: 16, h: 14 },
    DASHBOARD_INDICES.hotspots,
    {
      size: 0,
      aggs: {
        cells: {
          terms: { field: 'cellId', size: 10, order: [{ pickups: 'desc' }, { _key: 'asc' }] },
          aggs: {
            pickups: { sum: { field: 'pickups' } },
            lat: { avg: { field: 'cellCenterLat' } },
            lon: { avg: { field: 'cellCenterLon' } },
          },
        },
      },
    },
    'aggregations.cells.buckets',
    {
      height: 260,
      mark: { type: 'circle', opacity: 0.7 },
      encoding: {
        x: { field: 'lon.value', type: 'quantitative', title: 'longitude', scale: { zero: false } },
        y: { field: 'lat.value', type: 'quantitative', title: 'latitude', scale: { zero: false } },
        size: { field: 'pickups.value', type: 'quantitative', title: 'pickups' },
        tooltip: [
          { field: 'key', type: 'nominal', title: 'cell' },
          { field: 'pickups.value', type: 'quantitative', title: 'pickups' },
        ],
      },
    },
  ),
  panel(
    'airports',
    'Airport trips per 15 minutes',
    { x: 16, y: 24, w: 16, h: 14 },
    DASHBOARD_INDICES.airports,
    compositeOf([termsSource('windowStart', 'windowStart'), termsSource('airport', 'airport')], {
      trips: { sum: { field: 'trips' } },
    }),
    'aggregations.buckets.buckets',
    {
      height: 260,
      mark: 'bar',
      encoding: {
        x: { field: 'key.windowStart', type: 'ordinal', timeUnit: 'utchoursminutes', title: '15-minute window (UTC)' },
        y: { field: 'trips.value', type: 'quantitative', title: 'trips' },
        color: { field: 'key.airport', type: 'nominal', title: 'airport' },
      },
    },
  ),
  panel(
    'running-total',
    "The day's running total",
    { x: 32, y: 24, w: 16, h: 14 },
    DASHBOARD_INDICES.runningTotal,
    compositeOf([termsSource('windowEnd', 'windowEnd')], { total: { max: { field: 'trips' } } }),
    'aggregations.buckets.buckets',
    {
      height: 260,
      // Each day up to the minute its total stopped growing: the windows after a day's last trip repeat its total.
      transform: [
        { calculate: 'floor((datum.key.windowEnd - 1) / 86400000)', as: 'day' },
        { joinaggregate: [{ op: 'max', field: 'total.value', as: 'dayTotal' }], groupby: ['day'] },
        { calculate: 'datum.total.value === datum.dayTotal ? datum.key.windowEnd : null', as: 'reached' },
        { joinaggregate: [{ op: 'min', field: 'reached', as: 'dayReached' }], groupby: ['day'] },
        { filter: 'datum.key.windowEnd <= datum.dayReached' },
      ],
      mark: 'area',
      encoding: {
        x: { field: 'key.windowEnd', type: 'temporal', title: 'minute (UTC)', scale: utc },
        y: { field: 'total.value', type: 'quantitative', title: 'trips so far today' },
      },
    },
  ),
  panel(
    'kpis',
    'Now',
    { x: 0, y: 38, w: 48, h: 6 },
    DASHBOARD_INDICES.runMetrics,
    { size: 1, sort: [{ at: 'desc' }] },
    'hits.hits',
    {
      height: 64,
      view: { stroke: null },
      transform: [
        { calculate: 'datum._source.tripsLast15Minutes', as: '1 trips in the last 15 min' },
        {
          calculate:
            'datum._source.lastWindowClosedAt ? round((now() - toDate(datum._source.lastWindowClosedAt)) / 1000) : "-"',
          as: '2 s since the last window closed',
        },
        { calculate: 'datum._source.lateRecordsDropped', as: '3 late records dropped' },
        { calculate: 'round(datum._source.recordsPerSecond)', as: '4 producer records/s' },
        {
          fold: [
            '1 trips in the last 15 min',
            '2 s since the last window closed',
            '3 late records dropped',
            '4 producer records/s',
          ],
          as: ['kpi', 'value'],
        },
        { calculate: 'slice(datum.kpi, 2)', as: 'label' },
      ],
      encoding: { x: { field: 'kpi', type: 'ordinal', axis: null } },
      layer: [
        { mark: { type: 'text', fontSize: 28, fontWeight: 'bold', dy: -12 }, encoding: { text: { field: 'value' } } },
        { mark: { type: 'text', fontSize: 13, dy: 14, color: '#6b7385' }, encoding: { text: { field: 'label' } } },
      ],
    },
  ),
];
