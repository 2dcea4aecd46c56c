/**
 * The taxi analytics as they run on Managed Flink: the example's `taxiAnalytics()` job (five analyses, one statement
 * set) with basic auth on the OpenSearch sinks (the domain's fine-grained access control; the SQL connector cannot sign).
 */
import { airportBoxParameters, TAXI_INDEX_PARAMETERS, type TaxiAnalysisName } from '@pipeline/flink-sql';
import { TAXI_ANALYTICS_INDICES, taxiAnalytics } from '../src/analytics.js';

/** The SQL script and its parameters. */
export const analyticsSql = taxiAnalytics({ startPosition: 'TRIM_HORIZON', basicAuth: true });
/** The script's file name inside the application jar. */
export const ANALYTICS_SCRIPT = '10-taxi-analytics.sql';

/** The parameters that do not depend on the deployment: one index per analysis and the airport boxes. */
export function analyticsFixedParameters(): Record<string, string | number> {
  return {
    ...Object.fromEntries(
      Object.entries(TAXI_INDEX_PARAMETERS).map(([analysis, parameter]) => [
        parameter,
        TAXI_ANALYTICS_INDICES[analysis as TaxiAnalysisName],
      ]),
    ),
    ...airportBoxParameters(),
  };
}
