/**
 * The `opensearch-2` sink: `PRIMARY KEY (window bounds, keys) NOT ENFORCED`, so the connector upserts with document
 * id = the key values joined by `_`, and a replayed window (after a restart) overwrites its document.
 */
import { flinkStringLiteral, type OpenSearchMapping, toOpenSearchMapping } from '@pipeline/schema';
import type { WindowOutput } from '../aggregate.js';
import type { SqlParameter, SqlTemplate } from '../parameters.js';
import { checkName, id, literal, option, param } from '../sql-text.js';
import { sinkColumnLines } from './columns.js';

/** Names of the sink's parameters: hosts and index always, username and password with `basicAuth`. */
export type OpenSearchSinkParameterName<A extends boolean, I extends string = 'opensearchIndex'> =
  | 'opensearchHosts'
  | I
  | (A extends true ? 'opensearchUsername' | 'opensearchPassword' : never);

export interface OpenSearchSinkOptions<A extends boolean, I extends string = 'opensearchIndex'> {
  /** Adds `opensearchUsername` / `opensearchPassword` parameters (basic auth; the connector has no SigV4). */
  readonly basicAuth?: A;
  /** Name of the index parameter (several sinks in one job need one each). Default `opensearchIndex`. */
  readonly indexParameter?: I;
  /** `sink.bulk-flush.interval` in ms. Default 1000. */
  readonly bulkFlushIntervalMs?: number;
  /** `sink.bulk-flush.max-actions`. Default 1000. */
  readonly bulkFlushMaxActions?: number;
  /** Retries of a failed bulk request (exponential backoff from 1 s) before the job fails. Default 5. */
  readonly bulkFlushMaxRetries?: number;
  /** Separator of the key fields in the document id. Default `_`. */
  readonly keyDelimiter?: string;
  /** Column comments. Default true. */
  readonly comments?: boolean;
}

/** The sink table: DDL, parameters, the index mapping and how document ids are formed. */
export interface OpenSearchSinkTemplate<A extends boolean = boolean, I extends string = string>
  extends SqlTemplate<{ readonly [K in OpenSearchSinkParameterName<A, I>]: SqlParameter<'string'> }> {
  readonly table: string;
  /** The explicit index mapping of the documents (`dynamic: strict`); create the index with it first. */
  readonly mapping: OpenSearchMapping;
  /** The index parameter's name. */
  readonly indexParameter: I;
  /** The document id the sink gives a row: the key columns' values joined by the delimiter. */
  documentId(row: Readonly<Record<string, unknown>>): string;
}

/** The stage's `opensearch-2` sink table (upsert by primary key). */
export function openSearchSinkTable<const A extends boolean = false, const I extends string = 'opensearchIndex'>(
  output: WindowOutput,
  options: OpenSearchSinkOptions<A, I> = {},
): OpenSearchSinkTemplate<A, I> {
  const interval = options.bulkFlushIntervalMs ?? 1000;
  const maxActions = options.bulkFlushMaxActions ?? 1000;
  const retries = options.bulkFlushMaxRetries ?? 5;
  for (const [name, v, min] of [
    ['bulkFlushIntervalMs', interval, 1],
    ['bulkFlushMaxActions', maxActions, 1],
    ['bulkFlushMaxRetries', retries, 0],
  ] as const) {
    if (!Number.isSafeInteger(v) || v < min) throw new TypeError(`${name} must be an integer >= ${min}, got ${v}`);
  }
  const indexParameter = (options.indexParameter ?? 'opensearchIndex') as I;
  checkName('indexParameter', indexParameter);
  const delimiter = options.keyDelimiter ?? '_';
  const basicAuth = options.basicAuth === true;
  const parameters: Record<string, SqlParameter<'string'>> = {
    opensearchHosts: { type: 'string', doc: "OpenSearch URL(s), ';'-separated, e.g. http://127.0.0.1:9200" },
    [indexParameter]: { type: 'string', doc: `Index of the ${output.table} documents` },
  };
  if (indexParameter === 'opensearchIndex')
    parameters[indexParameter] = { type: 'string', doc: 'Index of the aggregate documents' };
  if (basicAuth) {
    parameters.opensearchUsername = { type: 'string', doc: 'OpenSearch user (basic auth)' };
    parameters.opensearchPassword = { type: 'string', doc: 'OpenSearch password (basic auth)', secret: true };
  }
  const lines = sinkColumnLines(output, options.comments ?? true);
  lines.push(`  PRIMARY KEY (${output.primaryKey.map((k) => id(k)).join(', ')}) NOT ENFORCED`);
  const withOptions = [
    option('connector', "'opensearch-2'"),
    option('hosts', param('opensearchHosts')),
    option('index', param(indexParameter)),
    ...(basicAuth
      ? [option('username', param('opensearchUsername')), option('password', param('opensearchPassword'))]
      : []),
    option('document-id.key-delimiter', flinkStringLiteral(delimiter)),
    option('sink.bulk-flush.interval', literal(`${interval}ms`)),
    option('sink.bulk-flush.max-actions', literal(maxActions)),
    ...(retries > 0
      ? [
          option('sink.bulk-flush.backoff.strategy', "'EXPONENTIAL'"),
          option('sink.bulk-flush.backoff.max-retries', literal(retries)),
          option('sink.bulk-flush.backoff.delay', "'1s'"),
        ]
      : []),
  ];
  const sql = `CREATE TABLE ${id(output.table)} (\n${lines.join(',\n')}\n) WITH (\n${withOptions.join(',\n')}\n);\n`;
  const key = output.primaryKey;
  return {
    sql,
    parameters: parameters as OpenSearchSinkTemplate<A, I>['parameters'],
    table: output.table,
    mapping: toOpenSearchMapping(output.documentSchema),
    indexParameter,
    documentId: (row) =>
      key
        .map((k) => {
          const v = row[k];
          if (v === undefined || v === null) throw new TypeError(`documentId: key column ${k} is missing`);
          return String(v);
        })
        .join(delimiter),
  };
}
