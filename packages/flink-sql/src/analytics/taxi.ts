/**
 * The taxi analytics: five windowed analyses of the trip stream, each a template with its own sink table and
 * OpenSearch index, all reading one deduplicated, control-free view of the Kinesis source (the sixth analysis:
 * a trip id seen twice counts once everywhere). `taxiAnalyticsJob` composes them into one script, which the runner
 * runs as one Flink job (one statement set).
 */
import type { Field, Fields, OpenSearchMapping, Schema } from '@pipeline/schema';
import { type WindowAggregateTemplate, type WindowOutput, windowAggregate } from '../aggregate.js';
import { composeSql } from '../compose.js';
import { type DeduplicateTemplate, deduplicate } from '../dedup.js';
import {
  type BoundingBox,
  boxParameterValues,
  greatCircleDistance,
  gridCell,
  gridCellDerived,
  inBoundingBox,
} from '../expressions.js';
import type { SqlParameters, SqlTemplate } from '../parameters.js';
import { type OpenSearchSinkOptions, openSearchSinkTable } from '../sinks/opensearch.js';
import { printSinkTable } from '../sinks/print.js';
import { type KinesisSourceOptions, type KinesisSourceTemplate, kinesisSourceTable } from '../source.js';
import type { FieldNameOfType, NumericFieldName, SqlExpression } from '../sql-text.js';
import { type WindowTopNTemplate, windowTopN } from '../top-n.js';
import { type DerivedViewTemplate, derivedView } from '../view.js';
import { cumulate, hop, tumble } from '../windows.js';

/** The trip fields the analyses read (defaults: the workshop's JSON names). */
export interface TripFieldNames<F extends Fields> {
  /** Trip id, the deduplication key. Default `id`. */
  readonly id: FieldNameOfType<F, 'string' | 'long' | 'int'>;
  /** Vendor. Default `vendorId`. */
  readonly vendor: FieldNameOfType<F, 'string' | 'int' | 'long'>;
  /** Event time. Default `pickupDate`. */
  readonly pickupTime: FieldNameOfType<F, 'timestamp'>;
  /** Passengers. Default `passengerCount`. */
  readonly passengers: NumericFieldName<F>;
  /** Trip duration, seconds. Default `tripDuration`. */
  readonly durationSeconds: NumericFieldName<F>;
  readonly pickupLongitude: FieldNameOfType<F, 'double'>;
  readonly pickupLatitude: FieldNameOfType<F, 'double'>;
  readonly dropoffLongitude: FieldNameOfType<F, 'double'>;
  readonly dropoffLatitude: FieldNameOfType<F, 'double'>;
}

const WORKSHOP_FIELDS = {
  id: 'id',
  vendor: 'vendorId',
  pickupTime: 'pickupDate',
  passengers: 'passengerCount',
  durationSeconds: 'tripDuration',
  pickupLongitude: 'pickupLongitude',
  pickupLatitude: 'pickupLatitude',
  dropoffLongitude: 'dropoffLongitude',
  dropoffLatitude: 'dropoffLatitude',
} as const;

/** The analyses, by name. */
export type TaxiAnalysisName = 'vendorStats' | 'vendorTrend' | 'pickupHotspots' | 'airportTrips' | 'dayTotals';

export const TAXI_ANALYSES: readonly TaxiAnalysisName[] = Object.freeze([
  'vendorStats',
  'vendorTrend',
  'pickupHotspots',
  'airportTrips',
  'dayTotals',
]);

/** Airports of the airport analysis, in match order, with the parameter prefix of their box. */
export const AIRPORTS = Object.freeze([
  { code: 'JFK', prefix: 'jfk', name: 'John F. Kennedy International' },
  { code: 'LGA', prefix: 'lga', name: 'LaGuardia' },
  { code: 'EWR', prefix: 'ewr', name: 'Newark Liberty International' },
] as const);

export type AirportCode = (typeof AIRPORTS)[number]['code'];

/** Default boxes around the three airports' terminals and aprons (degrees, WGS 84). */
export const NYC_AIRPORT_BOXES: Readonly<Record<AirportCode, BoundingBox>> = Object.freeze({
  JFK: { west: -73.8352, south: 40.619, east: -73.74, north: 40.6659 },
  LGA: { west: -73.89, south: 40.766, east: -73.855, north: 40.7855 },
  EWR: { west: -74.1935, south: 40.6695, east: -74.153, north: 40.7075 },
});

/** The twelve box parameters (`jfkWest`, ..., `ewrNorth`) for `bindParameters`, from `boxes` (default NYC's). */
export function airportBoxParameters(
  boxes: Readonly<Record<AirportCode, BoundingBox>> = NYC_AIRPORT_BOXES,
): Record<string, number> {
  return Object.assign({}, ...AIRPORTS.map((a) => boxParameterValues(a.prefix, boxes[a.code])));
}

/** Index parameter of each analysis's OpenSearch sink. */
export const TAXI_INDEX_PARAMETERS = Object.freeze({
  vendorStats: 'vendorStatsIndex',
  vendorTrend: 'vendorTrendIndex',
  pickupHotspots: 'pickupHotspotsIndex',
  airportTrips: 'airportTripsIndex',
  dayTotals: 'dayTotalsIndex',
} as const satisfies Record<TaxiAnalysisName, string>);

export interface TaxiAnalyticsOptions<F extends Fields, L extends boolean> {
  readonly schema: Schema<F>;
  /** Field names, when they differ from the workshop's. */
  readonly fields?: Partial<TripFieldNames<F>>;
  /** The Kinesis source (table default `trips`, bound default 5 s, control records on). */
  readonly source?: Omit<
    KinesisSourceOptions<F, L>,
    'schema' | 'eventTime' | 'outOfOrdernessSeconds' | 'controlRecords'
  > & {
    readonly outOfOrdernessSeconds?: number | 'parameter';
  };
  /** How long a trip id is remembered for deduplication, minutes. Default 1440. */
  readonly dedupRetentionMinutes?: number;
  /** Which analyses the job runs. Default all. */
  readonly analyses?: readonly TaxiAnalysisName[];
  /** `opensearch` (default): one index per analysis; `print`: rows to the job log (local debugging). */
  readonly sink?: 'opensearch' | 'print';
  /** Options of every OpenSearch sink (basic auth, bulk flushing). */
  readonly openSearch?: Omit<OpenSearchSinkOptions<boolean, string>, 'indexParameter'>;
  /** Grid cell size of the hotspots, degrees. Default 0.01 (about 1 km). */
  readonly hotspotCellDegrees?: number;
  /** Cells per window in the hotspots. Default 10. */
  readonly hotspotTop?: number;
}

/** One analysis of the job: its INSERT, its output and sink. */
export interface TaxiAnalysis {
  readonly name: TaxiAnalysisName;
  /** The INSERT statement (window aggregate or Top-N). */
  readonly insert: SqlTemplate;
  /** Output columns, key and document schema. */
  readonly output: WindowOutput;
  /** The sink DDL. */
  readonly sink: SqlTemplate;
  /** The index parameter (OpenSearch sinks). */
  readonly indexParameter?: string;
  /** The explicit index mapping (OpenSearch sinks). */
  readonly mapping?: OpenSearchMapping;
  /** The document id of an output row: key values joined by `_`. */
  documentId(row: Readonly<Record<string, unknown>>): string;
}

export interface TaxiAnalyticsJob<F extends Fields = Fields> extends SqlTemplate {
  readonly source: KinesisSourceTemplate<F>;
  /** The view every analysis reads: data rows only, one per trip id. */
  readonly trips: DeduplicateTemplate<F>;
  readonly analyses: Readonly<Partial<Record<TaxiAnalysisName, TaxiAnalysis>>>;
}

function tripMeasures<F extends Fields>(schema: Schema<F>, f: TripFieldNames<F>) {
  const distance: SqlExpression<'DOUBLE'> = greatCircleDistance(schema, {
    fromLongitude: f.pickupLongitude,
    fromLatitude: f.pickupLatitude,
    toLongitude: f.dropoffLongitude,
    toLatitude: f.dropoffLatitude,
  });
  return {
    trips: { count: true, doc: 'Trips picked up in the window' },
    passengers: { sum: f.passengers, doc: 'Passengers, persons' },
    avgDurationSeconds: { avg: f.durationSeconds, doc: 'Average trip duration, seconds' },
    avgDistanceMiles: { avg: distance, doc: 'Average great-circle distance pickup to dropoff, miles' },
  } as const;
}

const BOUNDS = { windowStartColumn: 'windowStart', windowEndColumn: 'windowEnd' } as const;

/** Per-vendor statistics per 1-minute tumbling window. Key: windowStart, vendor. */
export function vendorStatsAggregate<F extends Fields>(trips: DeduplicateTemplate<F>, f: TripFieldNames<F>) {
  return windowAggregate(trips, {
    table: 'vendor_stats',
    window: tumble(1),
    groupBy: [f.vendor as never],
    measures: tripMeasures(trips.schema, f),
    ...BOUNDS,
  });
}

/** The same statistics per 15-minute window sliding every minute (HOP). Key: windowStart, vendor. */
export function vendorTrendAggregate<F extends Fields>(trips: DeduplicateTemplate<F>, f: TripFieldNames<F>) {
  return windowAggregate(trips, {
    table: 'vendor_trend',
    window: hop(15, 1),
    groupBy: [f.vendor as never],
    measures: tripMeasures(trips.schema, f),
    ...BOUNDS,
  });
}

/** Top-N pickup grid cells per 5-minute tumbling window. Key: windowStart, rank. */
export function pickupHotspotsTopN<F extends Fields>(
  trips: DeduplicateTemplate<F>,
  f: TripFieldNames<F>,
  cellDegrees = 0.01,
  top = 10,
): WindowTopNTemplate<F> {
  const cell = gridCell(trips.schema, { longitude: f.pickupLongitude, latitude: f.pickupLatitude }, cellDegrees);
  const aggregate: WindowAggregateTemplate<F> = windowAggregate(trips, {
    table: 'pickup_cells',
    window: tumble(5),
    groupBy: [],
    keys: { cellLatIndex: cell.latIndex, cellLonIndex: cell.lonIndex },
    measures: { pickups: { count: true, doc: 'Trips picked up in the cell in the window' } },
    ...BOUNDS,
  });
  return windowTopN(aggregate, {
    table: 'pickup_hotspots',
    limit: top,
    orderBy: [{ column: 'pickups', direction: 'DESC' }],
    derived: gridCellDerived({ latIndex: 'cellLatIndex', lonIndex: 'cellLonIndex' }, cellDegrees),
  });
}

/**
 * The view of trips that start or end at an airport (boxes as parameters), with the column `airport`: the airport of
 * the pickup, else of the dropoff (JFK, LGA, EWR in that order), so a trip between two airports counts once.
 */
export function airportTripRows<F extends Fields>(trips: DeduplicateTemplate<F>, f: TripFieldNames<F>) {
  const pickup = { longitude: f.pickupLongitude, latitude: f.pickupLatitude };
  const dropoff = { longitude: f.dropoffLongitude, latitude: f.dropoffLatitude };
  const boxes = AIRPORTS.map((a) => ({
    code: a.code,
    pickup: inBoundingBox(trips.schema, pickup, a.prefix, `${a.code} box`),
    dropoff: inBoundingBox(trips.schema, dropoff, a.prefix, `${a.code} box`),
  }));
  const whens = [
    ...boxes.map((b) => `WHEN ${b.pickup.sql} THEN '${b.code}'`),
    ...boxes.map((b) => `WHEN ${b.dropoff.sql} THEN '${b.code}'`),
  ];
  const parameters: SqlParameters = Object.assign({}, ...boxes.map((b) => b.pickup.parameters));
  const any = boxes.flatMap((b) => [b.pickup.sql, b.dropoff.sql]).join('\n   OR ');
  return derivedView(trips, {
    table: 'airport_trip_rows',
    columns: {
      airport: {
        sql: `CASE\n  ${whens.join('\n  ')}\nEND`,
        type: 'STRING',
        doc: 'Airport: JFK, LGA or EWR',
        parameters,
      },
    },
    where: { sql: any, parameters },
  });
}

/** Airport trips per 15-minute tumbling window: trips, average duration and distance. Key: windowStart, airport. */
export function airportTripsAggregate<F extends Fields>(
  rows: DerivedViewTemplate<F & { readonly airport: Field }>,
  f: TripFieldNames<F>,
) {
  const { passengers: _passengers, ...measures } = tripMeasures(rows.schema as unknown as Schema<F>, f);
  return windowAggregate(rows, {
    table: 'airport_trips',
    window: tumble(15),
    groupBy: ['airport' as never],
    measures: measures as never,
    ...BOUNDS,
  });
}

/** Running totals of the UTC day, one window per minute (CUMULATE, 1-minute steps over 1 day). Key: windowStart, windowEnd. */
export function dayTotalsAggregate<F extends Fields>(trips: DeduplicateTemplate<F>, f: TripFieldNames<F>) {
  return windowAggregate(trips, {
    table: 'day_totals',
    window: cumulate(1, 1440),
    groupBy: [],
    measures: {
      trips: { count: true, doc: 'Trips picked up since the start of the day (UTC)' },
      passengers: { sum: f.passengers, doc: 'Passengers since the start of the day, persons' },
    },
    ...BOUNDS,
  });
}

/**
 * The taxi analytics job: Kinesis source (control records filtered) -> deduplication by trip id -> the chosen
 * analyses, each into its own sink. Parameters: the source's, `opensearchHosts` and one index parameter per
 * analysis (`TAXI_INDEX_PARAMETERS`), the airport boxes (`airportBoxParameters()`), and `outOfOrdernessSeconds`
 * when the bound is `'parameter'`.
 */
export function taxiAnalyticsJob<const F extends Fields, const L extends boolean = false>(
  options: TaxiAnalyticsOptions<F, L>,
): TaxiAnalyticsJob<F> {
  const f = { ...WORKSHOP_FIELDS, ...options.fields } as unknown as TripFieldNames<F>;
  const source = kinesisSourceTable<F, L>({
    table: 'trips',
    ...options.source,
    schema: options.schema,
    eventTime: f.pickupTime,
    outOfOrdernessSeconds: options.source?.outOfOrdernessSeconds ?? 5,
    controlRecords: true,
  } as KinesisSourceOptions<F, L>);
  const trips = deduplicate(source, {
    key: f.id as never,
    table: 'trips_unique',
    ...(options.dedupRetentionMinutes === undefined ? {} : { retentionMinutes: options.dedupRetentionMinutes }),
  });
  const wanted = options.analyses ?? TAXI_ANALYSES;
  const airportRows = airportTripRows(trips, f);
  const stages: Record<TaxiAnalysisName, () => SqlTemplate & WindowOutput> = {
    vendorStats: () => vendorStatsAggregate(trips, f),
    vendorTrend: () => vendorTrendAggregate(trips, f),
    pickupHotspots: () => pickupHotspotsTopN(trips, f, options.hotspotCellDegrees, options.hotspotTop),
    airportTrips: () => airportTripsAggregate(airportRows, f),
    dayTotals: () => dayTotalsAggregate(trips, f),
  };
  const analyses: Partial<Record<TaxiAnalysisName, TaxiAnalysis>> = {};
  const sinks: SqlTemplate[] = [];
  const inserts: SqlTemplate[] = [];
  for (const name of wanted) {
    if (!TAXI_ANALYSES.includes(name))
      throw new TypeError(`unknown analysis ${name}; known: ${TAXI_ANALYSES.join(', ')}`);
    const insert = stages[name]();
    let analysis: TaxiAnalysis;
    if ((options.sink ?? 'opensearch') === 'print') {
      const sink = printSinkTable(insert, { identifier: insert.table });
      analysis = {
        name,
        insert,
        output: insert,
        sink,
        documentId: (row) => insert.primaryKey.map((k) => String(row[k])).join('_'),
      };
    } else {
      const sink = openSearchSinkTable(insert, { ...options.openSearch, indexParameter: TAXI_INDEX_PARAMETERS[name] });
      analysis = {
        name,
        insert,
        output: insert,
        sink,
        indexParameter: sink.indexParameter,
        mapping: sink.mapping,
        documentId: sink.documentId,
      };
    }
    analyses[name] = analysis;
    sinks.push(analysis.sink);
    inserts.push(insert);
  }
  const views = wanted.includes('airportTrips') ? [airportRows] : [];
  const script = composeSql(source, trips, ...views, ...sinks, ...inserts);
  return {
    sql: script.sql,
    parameters: script.parameters,
    source: source as KinesisSourceTemplate<F>,
    trips,
    analyses,
  };
}
