/**
 * The Flink SQL analyses the run deploys and reconciles: each is a template from @pipeline/flink-sql (bound to the
 * local engines) plus an oracle — DuckDB SQL over the Parquet rows of the Firehose leg that must give exactly the
 * documents the job wrote to OpenSearch. More analyses plug in by adding an entry to {@link ANALYSES}.
 */
import type { SqlParamInput } from '@pipeline/flink-sql';
import { bindParameters } from '@pipeline/flink-sql';
import { LOCAL_CREDENTIALS } from '@pipeline/local-stack';
import type { OpenSearchMapping } from '@pipeline/schema';
import { tripStatsJob } from '../../src/pipeline.js';

/** Where the engines are, for binding the templates' parameters. */
export interface EngineEndpoints {
  readonly kinesisStream: string;
  readonly kinesisEndpoint: string;
  readonly awsRegion: string;
  readonly opensearchUrl: string;
}

export interface Analysis {
  /** Short name, e.g. `trip-stats` (also the OpenSearch index). */
  readonly name: string;
  readonly index: string;
  /** File name inside the application jar; the runner executes the files in name order. */
  readonly sqlFile: string;
  readonly sql: string;
  /** The index mapping the job's sink writes (created before the job starts). */
  readonly mapping: OpenSearchMapping;
  parameters(endpoints: EngineEndpoints): Record<string, SqlParamInput>;
  /** Fields that identify a document and sort it (scanned with search_after in this order). */
  readonly keyFields: readonly string[];
  /** Fields compared with a relative tolerance (floating-point sums in a different order); the rest exactly. */
  readonly approximateFields: readonly string[];
  /** DuckDB SQL over the view `trips` (the Parquet rows) giving the expected documents with the index's fields. */
  readonly oracleSql: string;
}

const MILES = 3958.8;
const haversineSql = (lon1: string, lat1: string, lon2: string, lat2: string) =>
  `2 * ${MILES} * asin(sqrt(pow(sin(radians(${lat2} - ${lat1}) / 2), 2) + cos(radians(${lat1})) * cos(radians(${lat2})) * pow(sin(radians(${lon2} - ${lon1}) / 2), 2)))`;

const isoMinute = (ts: string) => `strftime(${ts}, '%Y-%m-%dT%H:%M:%SZ')`;

function tripStatsAnalysis(): Analysis {
  const job = tripStatsJob({ local: true, startPosition: 'TRIM_HORIZON' });
  const index = 'trip-stats';
  return {
    name: 'trip-stats',
    index,
    sqlFile: '10-trip-stats.sql',
    sql: job.sql,
    mapping: job.mapping,
    parameters: (e) =>
      bindParameters(job, {
        kinesisStream: e.kinesisStream,
        awsRegion: e.awsRegion,
        kinesisEndpoint: e.kinesisEndpoint,
        kinesisAccessKeyId: LOCAL_CREDENTIALS.accessKeyId,
        kinesisSecretKey: LOCAL_CREDENTIALS.secretAccessKey,
        opensearchHosts: e.opensearchUrl,
        opensearchIndex: index,
      }),
    keyFields: ['windowStart', 'vendorId'],
    approximateFields: ['avgDurationSeconds', 'avgDistanceMiles'],
    oracleSql: `
      SELECT ${isoMinute('w')} AS windowStart, ${isoMinute('w + INTERVAL 1 MINUTE')} AS windowEnd,
             vendorId::INTEGER AS vendorId, count(*)::BIGINT AS trips, sum(passengerCount)::BIGINT AS passengers,
             avg(tripDuration::DOUBLE) AS avgDurationSeconds,
             avg(${haversineSql('pickupLongitude', 'pickupLatitude', 'dropoffLongitude', 'dropoffLatitude')}) AS avgDistanceMiles
      FROM (SELECT *, time_bucket(INTERVAL 1 MINUTE, pickupDate) AS w FROM trips)
      GROUP BY w, vendorId ORDER BY w, vendorId`,
  };
}

/** Every analysis of the run (today: the 1-minute per-vendor trip statistics). */
export const ANALYSES: readonly Analysis[] = [tripStatsAnalysis()];

/** The parameters of all analyses in one params file; a name bound to two different values is an error. */
export function mergedParameters(
  analyses: readonly Analysis[],
  endpoints: EngineEndpoints,
): Record<string, SqlParamInput> {
  const merged: Record<string, SqlParamInput> = {};
  for (const analysis of analyses) {
    for (const [name, value] of Object.entries(analysis.parameters(endpoints))) {
      if (name in merged && JSON.stringify(merged[name]) !== JSON.stringify(value)) {
        throw new Error(`analysis ${analysis.name}: parameter ${name} is bound twice with different values`);
      }
      merged[name] = value;
    }
  }
  return merged;
}
