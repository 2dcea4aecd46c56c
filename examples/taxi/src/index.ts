export { TAXI_ANALYTICS_INDICES, type TaxiAnalyticsOptions, taxiAnalytics } from './analytics.js';
export {
  parseTripCsv,
  parseTripCsvFile,
  type ReadTripsOptions,
  readTripCsv,
  readTripCsvFile,
  TripCsvError,
  type TripCsvInput,
  type TripCsvIssue,
  type TripCsvOptions,
  type TripCsvResult,
  TripCsvRowError,
} from './csv.js';
export {
  DEFAULT_START,
  formatTripCsvRow,
  type GenerateTripsOptions,
  generateTrips,
  iterateTrips,
  MAX_TRIPS,
  mulberry32,
  PLACES,
  type TripCsvWriteOptions,
  toTripCsv,
  tripCsvLines,
} from './generator.js';
export {
  TRIP_OUT_OF_ORDERNESS_SECONDS,
  TRIP_STATS_WINDOW_MINUTES,
  type TripStatsDocument,
  type TripStatsJobOptions,
  tripStatsJob,
} from './pipeline.js';
export {
  CSV_COLUMNS,
  EARTH_RADIUS_MILES,
  type EnrichedTrip,
  enrichedTripSchema,
  haversineMiles,
  NYC_BOUNDS,
  TRIP_FIELDS,
  type Trip,
  tripFields,
  tripSchema,
} from './schema.js';
export { formatCsvDate, parseCsvDate } from './time.js';
export {
  createTripTransform,
  enrichTrip,
  TRIP_SOURCE,
  type TripPartitionKeys,
  type TripTransformOptions,
  transformTrip,
  tripPartitionKeys,
} from './transform.js';
