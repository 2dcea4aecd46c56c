/**
 * The Flink SQL job the run deploys and reconciles: `@pipeline/flink-sql`'s taxi analytics (five analyses in one
 * statement set, bound to the local engines), and per analysis an oracle — DuckDB SQL over the Parquet rows of the
 * Firehose leg that must give exactly the documents the job wrote to its OpenSearch index.
 */
import {
  AIRPORTS,
  airportBoxParameters,
  bindParameters,
  NYC_AIRPORT_BOXES,
  type SqlParamInput,
  TAXI_INDEX_PARAMETERS,
  type TaxiAnalysisName,
} from '@pipeline/flink-sql';
import { LOCAL_CREDENTIALS } from '@pipeline/local-stack';
import type { OpenSearchMapping } from '@pipeline/schema';
import { TAXI_ANALYTICS_INDICES, taxiAnalytics } from '../../src/analytics.js';

/** Where the engines are, for binding the job's parameters. */
export interface EngineEndpoints {
  readonly kinesisStream: string;
  readonly kinesisEndpoint: string;
  readonly awsRegion: string;
  readonly opensearchUrl: string;
}

export interface Analysis {
  readonly name: TaxiAnalysisName;
  readonly index: string;
  /** The index mapping the job's sink writes (created before the job starts). */
  readonly mapping: OpenSearchMapping;
  /** Fields that identify a document and sort it (scanned with search_after in this order). */
  readonly keyFields: readonly string[];
  /** Fields compared with a relative tolerance (floating-point sums in a different order); the rest exactly. */
  readonly approximateFields: readonly string[];
  /** DuckDB SQL over the view `trips` (the Parquet rows) giving the expected documents with the index's fields. */
  readonly oracleSql: string;
}

export interface AnalyticsJob {
  /** File name inside the application jar. */
  readonly sqlFile: string;
  readonly sql: string;
  readonly analyses: readonly Analysis[];
  parameters(endpoints: EngineEndpoints): Record<string, SqlParamInput>;
}

const MILES = 3958.8;
const distanceSql = `2 * ${MILES} * asin(sqrt(pow(sin(radians(dropoffLatitude - pickupLatitude) / 2), 2) + cos(radians(pickupLatitude)) * cos(radians(dropoffLatitude)) * pow(sin(radians(dropoffLongitude - pickupLongitude) / 2), 2)))`;
const iso = (ts: string) => `strftime(${ts}, '%Y-%m-%dT%H:%M:%SZ')`;
/** What every analysis reads: one row per trip id (the job deduplicates the stream the same way). */
const UNIQUE = '(SELECT * FROM trips QUALIFY row_number() OVER (PARTITION BY id ORDER BY pickupDate) = 1)';
const STATS = `count(*)::BIGINT AS trips, sum(passengerCount)::BIGINT AS passengers,
  avg(tripDuration::DOUBLE) AS avgDurationSeconds, avg(${distanceSql}) AS avgDistanceMiles`;
const APPROXIMATE = ['avgDurationSeconds', 'avgDistanceMiles', 'cellCenterLat', 'cellCenterLon'];
const CELL_DEGREES = 0.01;

const inBox = (prefix: 'pickup' | 'dropoff', code: keyof typeof NYC_AIRPORT_BOXES) => {
  const b = NYC_AIRPORT_BOXES[code];
  return `(${prefix}Longitude BETWEEN ${b.west} AND ${b.east} AND ${prefix}Latitude BETWEEN ${b.south} AND ${b.north})`;
};
/** The pickup's airport, else the dropoff's, in the template's order (a trip between two airports counts once). */
const AIRPORT_CASE = `CASE ${[
  ...AIRPORTS.map((a) => `WHEN ${inBox('pickup', a.code)} THEN '${a.code}'`),
  ...AIRPORTS.map((a) => `WHEN ${inBox('dropoff', a.code)} THEN '${a.code}'`),
].join(' ')} END`;

/** DuckDB's definition of each analysis (all windows closed: the run's heartbeat passes the end of the last day). */
const ORACLES: Record<TaxiAnalysisName, { keyFields: string[]; sql: string }> = {
  vendorStats: {
    keyFields: ['windowStart', 'vendorId'],
    sql: `SELECT ${iso('ws')} AS windowStart, ${iso("ws + INTERVAL '1 minute'")} AS windowEnd, vendorId::INTEGER AS vendorId, ${STATS}
      FROM (SELECT *, time_bucket(INTERVAL '1 minute', pickupDate) AS ws FROM ${UNIQUE}) GROUP BY ws, vendorId`,
  },
  vendorTrend: {
    keyFields: ['windowStart', 'vendorId'],
    sql: `SELECT ${iso('ws')} AS windowStart, ${iso("ws + INTERVAL '15 minutes'")} AS windowEnd, vendorId::INTEGER AS vendorId, ${STATS}
      FROM (SELECT t.*, time_bucket(INTERVAL '1 minute', pickupDate) - to_minutes(k) AS ws FROM ${UNIQUE} t, range(0, 15) r(k))
      GROUP BY ws, vendorId`,
  },
  pickupHotspots: {
    keyFields: ['windowStart', 'rank'],
    sql: `SELECT ${iso('ws')} AS windowStart, ${iso("ws + INTERVAL '5 minutes'")} AS windowEnd, cellLatIndex, cellLonIndex,
        pickups, cellLatIndex::VARCHAR || '_' || cellLonIndex::VARCHAR AS cellId,
        (cellLatIndex::DOUBLE + 0.5) * ${CELL_DEGREES} AS cellCenterLat, (cellLonIndex::DOUBLE + 0.5) * ${CELL_DEGREES} AS cellCenterLon, rank
      FROM (SELECT *, row_number() OVER (PARTITION BY ws ORDER BY pickups DESC, cellLatIndex, cellLonIndex) AS rank
            FROM (SELECT time_bucket(INTERVAL '5 minutes', pickupDate) AS ws,
                    floor(pickupLatitude / ${CELL_DEGREES})::BIGINT AS cellLatIndex,
                    floor(pickupLongitude / ${CELL_DEGREES})::BIGINT AS cellLonIndex, count(*)::BIGINT AS pickups
                  FROM ${UNIQUE} GROUP BY ALL))
      WHERE rank <= 10`,
  },
  airportTrips: {
    keyFields: ['windowStart', 'airport'],
    sql: `SELECT ${iso('ws')} AS windowStart, ${iso("ws + INTERVAL '15 minutes'")} AS windowEnd, airport,
        count(*)::BIGINT AS trips, avg(tripDuration::DOUBLE) AS avgDurationSeconds, avg(${distanceSql}) AS avgDistanceMiles
      FROM (SELECT *, time_bucket(INTERVAL '15 minutes', pickupDate) AS ws, ${AIRPORT_CASE} AS airport FROM ${UNIQUE})
      WHERE airport IS NOT NULL GROUP BY ws, airport`,
  },
  dayTotals: {
    keyFields: ['windowStart', 'windowEnd'],
    // One cumulative window per minute end of each day with trips, from the day's first pickup on.
    sql: `SELECT ${iso('day')} AS windowStart, ${iso('e')} AS windowEnd, count(*)::BIGINT AS trips, sum(passengerCount)::BIGINT AS passengers
      FROM (SELECT *, time_bucket(INTERVAL '1 day', pickupDate) AS day FROM ${UNIQUE}) t,
           (SELECT unnest(generate_series(min(d) + INTERVAL '1 minute', max(d) + INTERVAL '1 day', INTERVAL '1 minute')) AS e
            FROM (SELECT time_bucket(INTERVAL '1 day', pickupDate) AS d FROM trips)) ends
      WHERE t.pickupDate < ends.e AND ends.e <= t.day + INTERVAL '1 day' GROUP BY day, e`,
  },
};

/** The run's Flink job: every taxi analysis, reading the stream from TRIM_HORIZON. */
export function analyticsJob(): AnalyticsJob {
  const job = taxiAnalytics({ local: true, startPosition: 'TRIM_HORIZON' });
  const analyses = Object.values(job.analyses).map((analysis): Analysis => {
    const oracle = ORACLES[analysis.name];
    if (analysis.mapping === undefined) throw new Error(`analysis ${analysis.name} has no OpenSearch sink`);
    return {
      name: analysis.name,
      index: TAXI_ANALYTICS_INDICES[analysis.name],
      mapping: analysis.mapping,
      keyFields: oracle.keyFields,
      approximateFields: APPROXIMATE,
      oracleSql: oracle.sql,
    };
  });
  const indexes = Object.fromEntries(analyses.map((a) => [TAXI_INDEX_PARAMETERS[a.name], a.index]));
  return {
    sqlFile: '10-taxi-analytics.sql',
    sql: job.sql,
    analyses,
    parameters: (e) =>
      bindParameters(job, {
        kinesisStream: e.kinesisStream,
        awsRegion: e.awsRegion,
        kinesisEndpoint: e.kinesisEndpoint,
        kinesisAccessKeyId: LOCAL_CREDENTIALS.accessKeyId,
        kinesisSecretKey: LOCAL_CREDENTIALS.secretAccessKey,
        opensearchHosts: e.opensearchUrl,
        ...indexes,
        ...airportBoxParameters(),
      } as never),
  };
}

/** The job every run deploys. */
export const ANALYTICS: AnalyticsJob = analyticsJob();
