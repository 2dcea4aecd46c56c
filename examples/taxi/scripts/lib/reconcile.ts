/**
 * The reconciliation at the end of a run: every count and every analysis checked against an independent source.
 *
 * - trips read = records put = Parquet rows + error-output rows, by id (DuckDB over the ids file and the bucket);
 * - raw-trip documents in OpenSearch = trips put;
 * - each analysis: the documents Flink wrote = DuckDB computing them over the Parquet rows.
 *
 * The watermark heartbeats that close the last windows are control records: no consumer stores them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Client } from '@opensearch-project/opensearch';
import type { Analysis } from './analyses.js';
import { countDocuments, scanDocuments } from './opensearch.js';
import type { PutCounters } from './produce.js';

export interface Check {
  readonly name: string;
  readonly expected: string;
  readonly actual: string;
  readonly ok: boolean;
  /** Up to a few lines saying what differs. */
  readonly details?: readonly string[];
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;

async function scalar(duck: DuckDBConnection, sql: string): Promise<number> {
  const rows = (await duck.runAndReadAll(sql)).getRowObjectsJson() as Array<Record<string, unknown>>;
  return Number(Object.values(rows[0] ?? {})[0] ?? 0);
}

/** Views over what the Firehose leg wrote: `trips` (Parquet rows), `error_rows` (error output), `sent` (ids put). */
export async function openBucketViews(duck: DuckDBConnection, bucketDir: string, idsFile: string): Promise<void> {
  await duck.run(`SET TimeZone = 'UTC'`);
  const parquet = path.join(bucketDir, 'nyctaxitrips', '**', '*.parquet');
  await duck.run(
    `CREATE OR REPLACE VIEW trips AS SELECT * EXCLUDE (year, month, day, hour)
     FROM read_parquet(${sqlString(parquet)}, hive_partitioning = true)`,
  );
  const errorsDir = path.join(bucketDir, 'errors');
  const hasErrors = fs.existsSync(errorsDir) && fs.readdirSync(errorsDir, { recursive: true }).length > 0;
  await duck.run(
    hasErrors
      ? `CREATE OR REPLACE VIEW error_rows AS
           SELECT json_extract_string(decode(from_base64(rawData)), '$.id') AS id, errorCode
           FROM read_json(${sqlString(path.join(errorsDir, '**', '*'))}, format = 'newline_delimited')`
      : `CREATE OR REPLACE VIEW error_rows AS SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS errorCode WHERE false`,
  );
  await duck.run(
    `CREATE OR REPLACE VIEW sent AS SELECT id FROM read_csv(${sqlString(idsFile)}, header = false, columns = {'id': 'VARCHAR'})`,
  );
}

/** trips read = records put = Parquet rows + error rows, and the same ids on both sides. */
export async function reconcileDelivery(duck: DuckDBConnection, counters: PutCounters): Promise<Check[]> {
  const parquetRows = await scalar(duck, 'SELECT count(*)::BIGINT FROM trips');
  const errorRows = await scalar(duck, 'SELECT count(*)::BIGINT FROM error_rows');
  const delivered = `(SELECT id FROM trips UNION ALL SELECT id FROM error_rows)`;
  const missing = await scalar(
    duck,
    `SELECT count(*)::BIGINT FROM (SELECT id FROM sent EXCEPT SELECT id FROM ${delivered})`,
  );
  const unexpected = await scalar(
    duck,
    `SELECT count(*)::BIGINT FROM (SELECT id FROM ${delivered} EXCEPT SELECT id FROM sent)`,
  );
  const duplicated = await scalar(duck, `SELECT (count(*) - count(DISTINCT id))::BIGINT FROM ${delivered}`);
  const sent = await scalar(duck, 'SELECT count(*)::BIGINT FROM sent');
  const n = (v: number) => v.toLocaleString('en-US');
  return [
    {
      name: 'trips read = records put',
      expected: n(counters.read),
      actual: `${n(counters.put)} (${n(counters.failed)} failed)`,
      ok: counters.read === counters.put && sent === counters.put,
    },
    {
      name: 'records put = Parquet rows + error rows',
      expected: n(counters.put),
      actual: `${n(parquetRows)} + ${n(errorRows)}`,
      ok: parquetRows + errorRows === counters.put,
    },
    {
      name: '  … by id: missing / duplicated / unexpected',
      expected: '0 / 0 / 0',
      actual: `${n(missing)} / ${n(duplicated)} / ${n(unexpected)}`,
      ok: missing === 0 && duplicated === 0 && unexpected === 0,
    },
  ];
}

/** Raw-trip documents in OpenSearch = trips put. */
export async function reconcileRawIndex(client: Client, index: string, counters: PutCounters): Promise<Check> {
  const count = await countDocuments(client, index);
  return {
    name: `raw-trip documents in OpenSearch (${index})`,
    expected: counters.put.toLocaleString('en-US'),
    actual: count.toLocaleString('en-US'),
    ok: count === counters.put,
  };
}

function relativelyClose(a: number, b: number, tolerance = 1e-9): boolean {
  return a === b || Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

const keyOf = (doc: Record<string, unknown>, fields: readonly string[]) => fields.map((f) => String(doc[f])).join('_');

/** How many documents the oracle of `analysis` computes. */
export function expectedDocuments(duck: DuckDBConnection, analysis: Analysis): Promise<number> {
  return scalar(duck, `SELECT count(*)::BIGINT FROM (${analysis.oracleSql})`);
}

/** The documents of one analysis in OpenSearch against its DuckDB oracle over the Parquet rows. */
export async function reconcileAnalysis(duck: DuckDBConnection, client: Client, analysis: Analysis): Promise<Check> {
  const oracle = new Map<string, Record<string, unknown>>();
  for (const row of (await duck.runAndReadAll(analysis.oracleSql)).getRowObjectsJson() as Array<
    Record<string, unknown>
  >) {
    oracle.set(keyOf(row, analysis.keyFields), row);
  }
  const expectedCount = oracle.size;
  const details: string[] = [];
  let documents = 0;
  let differing = 0;
  let unexpected = 0;
  for await (const { source } of scanDocuments(client, analysis.index, analysis.keyFields)) {
    documents++;
    const key = keyOf(source, analysis.keyFields);
    const want = oracle.get(key);
    if (want === undefined) {
      unexpected++;
      if (details.length < 5) details.push(`${key}: in OpenSearch, not in the oracle`);
      continue;
    }
    oracle.delete(key);
    const fields = new Set([...Object.keys(want), ...Object.keys(source)]);
    const wrong = [...fields].filter((f) =>
      analysis.approximateFields.includes(f)
        ? !relativelyClose(Number(source[f]), Number(want[f]))
        : String(source[f]) !== String(want[f]),
    );
    if (wrong.length > 0) {
      differing++;
      if (details.length < 5) {
        details.push(`${key}: ${wrong.map((f) => `${f} ${String(source[f])} != ${String(want[f])}`).join(', ')}`);
      }
    }
  }
  for (const key of [...oracle.keys()].slice(0, Math.max(0, 5 - details.length))) {
    details.push(`${key}: computed by DuckDB, missing in OpenSearch`);
  }
  const missing = oracle.size;
  return {
    name: `${analysis.name}: Flink documents = DuckDB over Parquet`,
    expected: `${expectedCount.toLocaleString('en-US')} documents`,
    actual: `${documents.toLocaleString('en-US')} (${missing} missing, ${differing} differ, ${unexpected} unexpected)`,
    ok: missing === 0 && differing === 0 && unexpected === 0 && expectedCount > 0,
    details,
  };
}

/** The checks as a table; returns whether all passed. */
export function printChecks(checks: readonly Check[], write: (line: string) => void): boolean {
  const w = [Math.max(...checks.map((c) => c.name.length)), 14, Math.max(...checks.map((c) => c.actual.length), 6)];
  write(
    `${'check'.padEnd(w[0] as number)}  ${'expected'.padStart(w[1] as number)}  ${'actual'.padStart(w[2] as number)}`,
  );
  for (const c of checks) {
    write(
      `${c.name.padEnd(w[0] as number)}  ${c.expected.padStart(w[1] as number)}  ${c.actual.padStart(w[2] as number)}  ${c.ok ? 'ok' : 'FAILED'}`,
    );
    if (!c.ok) for (const d of c.details ?? []) write(`    ${d}`);
  }
  return checks.every((c) => c.ok);
}
