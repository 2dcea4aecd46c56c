// The oracle: DuckDB computing each analysis's definition over the same rows the job read — first copy per trip id,
// rows whose window slice had fired when they arrived left out (what Flink's window operators drop as late).
import { DuckDBInstance } from '@duckdb/node-api';
import type { BoundingBox } from '../../src/index.js';
import { BOUND_SECONDS, type FixtureRecord } from './taxi-fixture.js';

export type Doc = Record<string, string | number>;
export type OracleDocs = Record<
  'vendorStats' | 'vendorTrend' | 'pickupHotspots' | 'airportTrips' | 'dayTotals',
  Map<string, Doc>
>;

const HAVERSINE =
  '7917.6 * asin(pow(pow(sin(radians(dropoffLatitude - pickupLatitude) / 2), 2) + ' +
  'cos(radians(pickupLatitude)) * cos(radians(dropoffLatitude)) * pow(sin(radians(dropoffLongitude - pickupLongitude) / 2), 2), 0.5))';
const ISO = (column: string) => `strftime(${column}, '%Y-%m-%dT%H:%M:%SZ')`;

/**
 * Whether a row counts in the window ending at `end`: Flink's window operators count a row in every window that had
 * not fired when it arrived (end - 1 ms > the watermark then). An on-time row is in all its windows; a late row is
 * dropped by a TUMBLE (its one window fired) but still counts in the later, unfired windows of a CUMULATE or HOP
 * (Flink merges it into their state), and is counted by numLateRecordsDropped only when its last window fired.
 */
const counts = (end: string) => `(epoch_ms(${end}) - 1 > wm_before)`;

export async function oracle(
  records: readonly FixtureRecord[],
  boxes: Readonly<Record<string, BoundingBox>>,
  boundSeconds = BOUND_SECONDS,
): Promise<OracleDocs> {
  const duck = await (await DuckDBInstance.create()).connect();
  await duck.run(`CREATE TABLE puts (seq INTEGER, batch INTEGER, id VARCHAR, vendorId INTEGER, pickup TIMESTAMP,
    passengerCount INTEGER, tripDuration INTEGER, pickupLongitude DOUBLE, pickupLatitude DOUBLE,
    dropoffLongitude DOUBLE, dropoffLatitude DOUBLE)`);
  const appender = await duck.createAppender('puts');
  records.forEach((r, seq) => {
    const t = r.trip;
    appender.appendInteger(seq);
    appender.appendInteger(r.batch);
    appender.appendVarchar(t.id);
    appender.appendInteger(t.vendorId);
    appender.appendVarchar(t.pickupDate.replace('T', ' ').replace('Z', ''));
    appender.appendInteger(t.passengerCount);
    appender.appendInteger(t.tripDuration);
    appender.appendDouble(t.pickupLongitude);
    appender.appendDouble(t.pickupLatitude);
    appender.appendDouble(t.dropoffLongitude);
    appender.appendDouble(t.dropoffLatitude);
    appender.endRow();
  });
  appender.flushSync();
  appender.closeSync();
  // wm_before: the watermark when the row's batch was read = newest event time of the earlier batches - the bound.
  await duck.run(`CREATE TABLE trips AS
    WITH firsts AS (SELECT * FROM puts QUALIFY row_number() OVER (PARTITION BY id ORDER BY pickup, seq) = 1),
    batch_max AS (SELECT batch, max(epoch_ms(pickup)) AS m FROM puts GROUP BY batch)
    SELECT f.*, coalesce((SELECT max(m) FROM batch_max b WHERE b.batch < f.batch), -9e18) - ${boundSeconds * 1000} AS wm_before
    FROM firsts f`);
  const inBox = (prefix: 'pickup' | 'dropoff', b: BoundingBox) =>
    `(${prefix}Longitude BETWEEN ${b.west} AND ${b.east} AND ${prefix}Latitude BETWEEN ${b.south} AND ${b.north})`;
  const codes = Object.keys(boxes);
  const airportCase = `CASE ${[
    ...codes.map((c) => `WHEN ${inBox('pickup', boxes[c]!)} THEN '${c}'`),
    ...codes.map((c) => `WHEN ${inBox('dropoff', boxes[c]!)} THEN '${c}'`),
  ].join(' ')} END`;
  const stats = `count(*)::BIGINT AS trips, sum(passengerCount)::BIGINT AS passengers,
    avg(tripDuration::DOUBLE) AS avgDurationSeconds, avg(${HAVERSINE}) AS avgDistanceMiles`;

  const queries: Record<keyof OracleDocs, { sql: string; key: string[] }> = {
    vendorStats: {
      key: ['windowStart', 'vendorId'],
      sql: `SELECT ${ISO('ws')} AS windowStart, ${ISO("ws + INTERVAL '1 minute'")} AS windowEnd, vendorId, ${stats}
        FROM (SELECT *, time_bucket(INTERVAL '1 minute', pickup) AS ws FROM trips)
        WHERE ${counts("ws + INTERVAL '1 minute'")} GROUP BY ws, vendorId`,
    },
    vendorTrend: {
      key: ['windowStart', 'vendorId'],
      sql: `SELECT ${ISO('ws')} AS windowStart, ${ISO("ws + INTERVAL '15 minutes'")} AS windowEnd, vendorId, ${stats}
        FROM (SELECT t.*, time_bucket(INTERVAL '1 minute', pickup) - to_minutes(k) AS ws
              FROM trips t, range(0, 15) r(k))
        WHERE ${counts("ws + INTERVAL '15 minutes'")} GROUP BY ws, vendorId`,
    },
    pickupHotspots: {
      key: ['windowStart', 'rank'],
      sql: `SELECT ${ISO('ws')} AS windowStart, ${ISO("ws + INTERVAL '5 minutes'")} AS windowEnd, cellLatIndex, cellLonIndex,
          pickups, cellLatIndex::VARCHAR || '_' || cellLonIndex::VARCHAR AS cellId,
          (cellLatIndex::DOUBLE + 0.5) * 0.01 AS cellCenterLat, (cellLonIndex::DOUBLE + 0.5) * 0.01 AS cellCenterLon, rank
        FROM (SELECT *, row_number() OVER (PARTITION BY ws ORDER BY pickups DESC, cellLatIndex, cellLonIndex) AS rank
              FROM (SELECT time_bucket(INTERVAL '5 minutes', pickup) AS ws, floor(pickupLatitude / 0.01)::BIGINT AS cellLatIndex,
                      floor(pickupLongitude / 0.01)::BIGINT AS cellLonIndex, count(*)::BIGINT AS pickups
                    FROM trips WHERE ${counts("time_bucket(INTERVAL '5 minutes', pickup) + INTERVAL '5 minutes'")} GROUP BY ALL))
        WHERE rank <= 10`,
    },
    airportTrips: {
      key: ['windowStart', 'airport'],
      sql: `SELECT ${ISO('ws')} AS windowStart, ${ISO("ws + INTERVAL '15 minutes'")} AS windowEnd, airport,
          count(*)::BIGINT AS trips, avg(tripDuration::DOUBLE) AS avgDurationSeconds, avg(${HAVERSINE}) AS avgDistanceMiles
        FROM (SELECT *, time_bucket(INTERVAL '15 minutes', pickup) AS ws, ${airportCase} AS airport FROM trips)
        WHERE airport IS NOT NULL AND ${counts("ws + INTERVAL '15 minutes'")} GROUP BY ws, airport`,
    },
    dayTotals: {
      key: ['windowStart', 'windowEnd'],
      sql: `SELECT ${ISO('day')} AS windowStart, ${ISO('e')} AS windowEnd, count(*)::BIGINT AS trips, sum(passengerCount)::BIGINT AS passengers
        FROM (SELECT *, time_bucket(INTERVAL '1 day', pickup) AS day FROM trips) t,
             (SELECT unnest(generate_series(TIMESTAMP '2016-01-08 00:01:00', TIMESTAMP '2016-01-09 00:00:00', INTERVAL '1 minute')) AS e) ends
        WHERE t.pickup < ends.e AND ends.e <= t.day + INTERVAL '1 day' AND ${counts('ends.e')} GROUP BY day, e`,
    },
  };
  const out = {} as OracleDocs;
  for (const [name, q] of Object.entries(queries) as [keyof OracleDocs, { sql: string; key: string[] }][]) {
    const rows = (await duck.runAndReadAll(q.sql)).getRowObjectsJson() as Record<string, string | number | null>[];
    const docs = new Map<string, Doc>();
    for (const row of rows) {
      const doc: Doc = {};
      for (const [k, v] of Object.entries(row))
        doc[k] =
          typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) && k !== 'cellId' ? Number(v) : (v as string | number);
      docs.set(q.key.map((k) => String(doc[k])).join('_'), doc);
    }
    out[name] = docs;
  }
  duck.closeSync();
  return out;
}

/** Differences between the documents and the oracle: missing, extra, and fields off by more than 1e-9 (relative). */
export function compareDocs(expected: Map<string, Doc>, actual: Map<string, Doc>): string[] {
  const problems: string[] = [];
  for (const [id, want] of expected) {
    const got = actual.get(id);
    if (!got) {
      problems.push(`missing ${id}`);
      continue;
    }
    for (const [k, v] of Object.entries(want)) {
      const g = got[k];
      const same =
        typeof v === 'number' && typeof g === 'number' ? Math.abs(v - g) <= 1e-9 * Math.max(1, Math.abs(v)) : v === g;
      if (!same) problems.push(`${id}.${k}: expected ${v}, got ${g}`);
    }
    for (const k of Object.keys(got)) if (!(k in want)) problems.push(`${id}: unexpected field ${k}`);
  }
  for (const id of actual.keys()) if (!expected.has(id)) problems.push(`unexpected document ${id}`);
  return problems;
}
