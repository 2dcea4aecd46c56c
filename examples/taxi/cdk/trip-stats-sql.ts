/**
 * The trip-statistics job as it runs on Managed Flink: the example's `tripStatsJob()` source and aggregate, with the
 * OpenSearch sink re-derived for basic auth (the domain's fine-grained access control; the SQL connector cannot sign).
 */
import { composeSql, openSearchSinkTable } from '@pipeline/flink-sql';
import { tripStatsJob } from '../src/pipeline.js';

const job = tripStatsJob({ startPosition: 'TRIM_HORIZON' });
const sink = openSearchSinkTable(job.aggregate, { basicAuth: true, bulkFlushIntervalMs: 1000 });

/** The SQL script and its parameters. */
export const tripStatsSql = composeSql(job.source, sink, job.aggregate);
/** Index mapping of the aggregate documents (create the index with it before starting the job). */
export const tripStatsMapping = sink.mapping;
/** The script's file name inside the application jar. */
export const TRIP_STATS_SCRIPT = '10-trip-stats.sql';
