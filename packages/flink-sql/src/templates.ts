/**
 * Typed Flink SQL templates built from a `@pipeline/schema` schema: a Kinesis source table with event time and a
 * watermark, a tumbling-window aggregate, and an `opensearch-2` sink that upserts by window and group key, with the
 * OpenSearch mapping of its documents. Each returns `{ sql, parameters }`: connection details are the runner's typed
 * `${name}` parameters, bound per environment with `bindParameters()` and written with `writeParamsFile()`.
 */
import {
  defineSchema,
  type Field,
  type Fields,
  field,
  flinkStringLiteral,
  flinkType,
  NAME_PATTERN,
  type OpenSearchMapping,
  quoteFlinkIdentifier,
  type Schema,
  toFlinkColumnList,
  toOpenSearchMapping,
} from '@pipeline/schema';
import type { SqlParameter, SqlParameters, SqlTemplate } from './parameters.js';

// ---------------------------------------------------------------------------------------------------------------
// Shared

/** Names of a schema's fields whose logical type is one of `T`. */
export type FieldNameOfType<F extends Fields, T extends Field['type']> = {
  [K in keyof F & string]: F[K]['type'] extends T ? K : never;
}[keyof F & string];

/** Numeric fields (int, long, double): what sums, averages, minima and maxima take. */
export type NumericFieldName<F extends Fields> = FieldNameOfType<F, 'int' | 'long' | 'double'>;

/** Fields a window can be grouped by: string, int, long, boolean (not double or timestamp). */
export type GroupFieldName<F extends Fields> = FieldNameOfType<F, 'string' | 'int' | 'long' | 'boolean'>;

/** A SQL expression over a source table's columns, with its Flink result type. */
export interface SqlExpression {
  readonly sql: string;
  readonly type: 'DOUBLE';
  /** What it computes, with unit; becomes the column comment. */
  readonly doc?: string;
}

/** `DATE_FORMAT` pattern writing a `TIMESTAMP(3)` in UTC as ISO 8601 with `Z`, e.g. `2016-01-08T20:50:00Z`. */
export const ISO_UTC_PATTERN = "yyyy-MM-dd'T'HH:mm:ss'Z'";

/** The session setting the aggregate needs: window bounds of a `TIMESTAMP_LTZ` rowtime are rendered in this zone. */
export const UTC_SESSION = "SET 'table.local-time-zone' = 'UTC';";

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new TypeError(`${kind} ${JSON.stringify(name)} must match ${NAME_PATTERN}`);
  }
}

function fieldOf(schema: Schema, name: string, kind: string, types: readonly Field['type'][]): Field {
  const f = (schema.fields as Fields)[name];
  if (f === undefined) throw new TypeError(`${kind}: schema "${schema.name}" has no field "${name}"`);
  if (!types.includes(f.type)) {
    throw new TypeError(`${kind}: field "${name}" is ${f.type}; expected ${types.join(' or ')}`);
  }
  return f;
}

const id = quoteFlinkIdentifier;

function option(key: string, value: string): string {
  return `  ${flinkStringLiteral(key)} = ${value}`;
}

const literal = (value: string | number) => flinkStringLiteral(String(value));
const param = (name: string) => `\${${name}}`;

// ---------------------------------------------------------------------------------------------------------------
// Kinesis source

/** Names of the source's parameters: stream and region always, endpoint and credentials when local. */
export type KinesisSourceParameterName<L extends boolean> =
  | 'kinesisStream'
  | 'awsRegion'
  | (L extends true ? 'kinesisEndpoint' | 'kinesisAccessKeyId' | 'kinesisSecretKey' : never);

export interface KinesisSourceOptions<F extends Fields, L extends boolean> {
  /** The record schema: one column per field, in field order. */
  readonly schema: Schema<F>;
  /** Flink table name. Default: the schema's name. */
  readonly table?: string;
  /** The timestamp field that is the event time (precision 0–3, not nullable). */
  readonly eventTime: FieldNameOfType<F, 'timestamp'>;
  /**
   * Out-of-orderness bound, whole seconds: the watermark is `eventTime - INTERVAL 'n' SECOND`, so a record more
   * than n seconds older than the newest one seen is late (dropped by a window that already fired).
   */
  readonly outOfOrdernessSeconds: number;
  /**
   * `kpl-json` (default): the runner's format, which unpacks KPL aggregates (with the bundled legacy source, which
   * unpacks them itself, it is plain JSON). `json`: Flink's JSON format. Timestamps are ISO 8601 either way.
   */
  readonly format?: 'kpl-json' | 'json';
  /**
   * Local emulator: adds the `kinesisEndpoint`, `kinesisAccessKeyId` and `kinesisSecretKey` parameters (BASIC
   * credentials). Otherwise credentials come from the environment (`AUTO`: the application's role on Managed Flink).
   */
  readonly local?: L;
  /** Where a job without state starts reading: `LATEST` (default) or `TRIM_HORIZON`. */
  readonly startPosition?: 'LATEST' | 'TRIM_HORIZON';
  /** Milliseconds between GetRecords calls per shard. Default: the connector's (200). */
  readonly pollIntervalMs?: number;
  /** Skip records that are not valid JSON (else the job fails). Default false. */
  readonly ignoreParseErrors?: boolean;
  /** Column comments from the fields' `doc`. Default true. */
  readonly comments?: boolean;
}

/** What a window aggregate needs to know about its input table. */
export interface EventTimeTable<F extends Fields = Fields> {
  readonly table: string;
  readonly schema: Schema<F>;
  /** The rowtime column (a timestamp field with a watermark). */
  readonly eventTime: FieldNameOfType<F, 'timestamp'>;
}

/** The source table: DDL, parameters, and what the aggregate needs to know about it. */
export interface KinesisSourceTemplate<F extends Fields = Fields, L extends boolean = boolean>
  extends SqlTemplate<{ readonly [K in KinesisSourceParameterName<L>]: SqlParameter<'string'> }>,
    EventTimeTable<F> {
  readonly outOfOrdernessSeconds: number;
}

/**
 * A Kinesis source table (`'connector' = 'kinesis'`, the bundled `flink-connector-kinesis:4.3.0-1.19`, which reads a
 * stream by name) with the schema's columns, event time from a timestamp field and a bounded-out-of-orderness
 * watermark. Stream, region and — when `local` — endpoint and credentials are `${parameters}`.
 */
export function kinesisSourceTable<const F extends Fields, const L extends boolean = false>(
  options: KinesisSourceOptions<F, L>,
): KinesisSourceTemplate<F, L> {
  const { schema, eventTime, outOfOrdernessSeconds } = options;
  const table = options.table ?? schema.name;
  checkName('source table name', table);
  const time = fieldOf(schema, eventTime, 'eventTime', ['timestamp']);
  if (time.type === 'timestamp' && time.precision > 3) {
    throw new TypeError(`eventTime: field "${eventTime}" has precision ${time.precision}; Flink's rowtime takes 0..3`);
  }
  if (time.nullable) throw new TypeError(`eventTime: field "${eventTime}" is nullable; event time must be present`);
  if (!Number.isSafeInteger(outOfOrdernessSeconds) || outOfOrdernessSeconds < 0) {
    throw new TypeError(`outOfOrdernessSeconds must be a whole number of seconds >= 0, got ${outOfOrdernessSeconds}`);
  }
  const format = options.format ?? 'kpl-json';
  if (format !== 'kpl-json' && format !== 'json') throw new TypeError(`format must be kpl-json or json, got ${format}`);
  const startPosition = options.startPosition ?? 'LATEST';
  if (startPosition !== 'LATEST' && startPosition !== 'TRIM_HORIZON') {
    throw new TypeError(`startPosition must be LATEST or TRIM_HORIZON, got ${startPosition}`);
  }
  if (
    options.pollIntervalMs !== undefined &&
    !(Number.isSafeInteger(options.pollIntervalMs) && options.pollIntervalMs > 0)
  ) {
    throw new TypeError(`pollIntervalMs must be a positive integer, got ${options.pollIntervalMs}`);
  }
  const local = options.local === true;

  const parameters: Record<string, SqlParameter<'string'>> = {
    kinesisStream: { type: 'string', doc: 'Kinesis stream name' },
    awsRegion: { type: 'string', doc: 'AWS region of the stream, e.g. us-east-1' },
  };
  if (local) {
    parameters.kinesisEndpoint = { type: 'string', doc: 'Kinesis endpoint URL of a local emulator' };
    parameters.kinesisAccessKeyId = { type: 'string', doc: 'Access key id for the local emulator' };
    parameters.kinesisSecretKey = { type: 'string', doc: 'Secret key for the local emulator', secret: true };
  }

  const withOptions: string[] = [
    option('connector', "'kinesis'"),
    option('stream', param('kinesisStream')),
    option('aws.region', param('awsRegion')),
    ...(local
      ? [
          option('aws.endpoint', param('kinesisEndpoint')),
          option('aws.credentials.provider', "'BASIC'"),
          option('aws.credentials.basic.accesskeyid', param('kinesisAccessKeyId')),
          option('aws.credentials.basic.secretkey', param('kinesisSecretKey')),
        ]
      : [option('aws.credentials.provider', "'AUTO'")]),
    option('scan.stream.initpos', literal(startPosition)),
    ...(options.pollIntervalMs === undefined
      ? []
      : [option('scan.shard.getrecords.intervalmillis', literal(options.pollIntervalMs))]),
    option('format', literal(format)),
    option(`${format}.timestamp-format.standard`, "'ISO-8601'"),
    ...(options.ignoreParseErrors ? [option(`${format}.ignore-parse-errors`, "'true'")] : []),
  ];
  const columns = toFlinkColumnList(schema, { comments: options.comments ?? true });
  const sql =
    `CREATE TABLE ${id(table)} (\n${columns},\n` +
    `  WATERMARK FOR ${id(eventTime)} AS ${id(eventTime)} - INTERVAL ${literal(outOfOrdernessSeconds)} SECOND\n` +
    `) WITH (\n${withOptions.join(',\n')}\n);\n`;
  return {
    sql,
    parameters: parameters as KinesisSourceTemplate<F, L>['parameters'],
    table,
    schema,
    eventTime,
    outOfOrdernessSeconds,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Tumbling-window aggregate

type MeasureKind = 'count' | 'sum' | 'avg' | 'min' | 'max';
type OneMeasure<K extends MeasureKind, V> = { readonly [P in K]: V } & {
  readonly [P in Exclude<MeasureKind, K>]?: never;
} & { readonly doc?: string };

/**
 * One measure of a window: `{ count: true }`, or `{ sum | avg | min | max: field }` of a numeric field, or
 * `{ avg: expression }`; `doc` becomes the column comment.
 */
export type Measure<F extends Fields> =
  | OneMeasure<'count', true>
  | OneMeasure<'sum', NumericFieldName<F>>
  | OneMeasure<'avg', NumericFieldName<F> | SqlExpression>
  | OneMeasure<'min', NumericFieldName<F>>
  | OneMeasure<'max', NumericFieldName<F>>;

export interface TumblingAggregateOptions<F extends Fields, G extends GroupFieldName<F>, M extends string> {
  /** Output (sink) table name, also the OpenSearch document's record name. Default `<source table>_agg`. */
  readonly table?: string;
  /** Window length in minutes. Default 1. */
  readonly windowMinutes?: number;
  /** Group keys besides the window (may be empty). */
  readonly groupBy: readonly G[];
  /**
   * Output column name -> measure. Counts are BIGINT; sums of int/long fields BIGINT (summed as BIGINT, so they do
   * not overflow), of doubles DOUBLE; averages always DOUBLE (the field is cast to DOUBLE first — Flink's AVG over an
   * INT column is an INT and truncates); min/max keep the field's type.
   */
  readonly measures: { readonly [K in M]: Measure<F> };
  /** Optional filter on the source rows (SQL over its columns), e.g. a bounding box. */
  readonly where?: string;
  /** Column of the window start (ISO 8601 UTC string, part of the key). Default `window_start`. */
  readonly windowStartColumn?: string;
  /** Column of the window end (ISO 8601 UTC string). Default `window_end`. */
  readonly windowEndColumn?: string;
}

/** One column of the aggregate's output. */
export interface AggregateColumn {
  readonly name: string;
  /** Flink SQL type of the sink column. */
  readonly type: string;
  /** Part of the primary key (window start and group keys). */
  readonly key: boolean;
  /** The SELECT expression producing it. */
  readonly expression: string;
  readonly doc: string;
}

/** The aggregate INSERT and what the sink needs: output columns, key, and the schema of the documents. */
export interface TumblingAggregateTemplate<F extends Fields = Fields> extends SqlTemplate<Record<never, never>> {
  readonly table: string;
  readonly source: EventTimeTable<F>;
  readonly windowMinutes: number;
  readonly columns: readonly AggregateColumn[];
  /** Window start column, then the group keys. */
  readonly primaryKey: readonly string[];
  /** The output rows as a `@pipeline/schema` schema (timestamps = the ISO strings the sink writes). */
  readonly documentSchema: Schema;
}

function measureColumn<F extends Fields>(
  schema: Schema<F>,
  name: string,
  measure: Measure<F>,
): { type: string; expression: string; field: Field; doc: string } {
  const m = measure as Record<string, unknown>;
  const kinds = ['count', 'sum', 'avg', 'min', 'max'].filter((k) => m[k] !== undefined);
  if (kinds.length !== 1) throw new TypeError(`measure ${name}: give exactly one of count, sum, avg, min, max`);
  const kind = kinds[0] as 'count' | 'sum' | 'avg' | 'min' | 'max';
  const doc = typeof m.doc === 'string' ? m.doc : undefined;
  if (kind === 'count') {
    if (m.count !== true) throw new TypeError(`measure ${name}: count must be true`);
    return {
      type: 'BIGINT',
      expression: 'COUNT(*)',
      field: field.long({ min: 0 }),
      doc: doc ?? 'Records in the window',
    };
  }
  const target = m[kind];
  if (kind === 'avg' && typeof target === 'object' && target !== null) {
    const expr = target as SqlExpression;
    if (typeof expr.sql !== 'string' || expr.type !== 'DOUBLE') {
      throw new TypeError(`measure ${name}: avg takes a numeric field name or a DOUBLE SqlExpression`);
    }
    return {
      type: 'DOUBLE',
      expression: `AVG(${expr.sql})`,
      field: field.double(),
      doc: doc ?? `Average of ${expr.doc ?? expr.sql}`,
    };
  }
  const f = fieldOf(schema, target as string, `measure ${name}`, ['int', 'long', 'double']);
  const col = id(target as string);
  const what = target as string;
  const nullable = { nullable: f.nullable };
  switch (kind) {
    case 'sum':
      return f.type === 'double'
        ? { type: 'DOUBLE', expression: `SUM(${col})`, field: field.double(nullable), doc: doc ?? `Sum of ${what}` }
        : {
            type: 'BIGINT',
            expression: `SUM(CAST(${col} AS BIGINT))`,
            field: field.long(nullable),
            doc: doc ?? `Sum of ${what}`,
          };
    case 'avg':
      return {
        type: 'DOUBLE',
        expression: `AVG(CAST(${col} AS DOUBLE))`,
        field: field.double(nullable),
        doc: doc ?? `Average of ${what}`,
      };
    default: {
      const type = flinkType(f);
      const out =
        f.type === 'double' ? field.double(nullable) : f.type === 'int' ? field.int(nullable) : field.long(nullable);
      return {
        type,
        expression: `${kind.toUpperCase()}(${col})`,
        field: out,
        doc: doc ?? `${kind === 'min' ? 'Smallest' : 'Largest'} ${what}`,
      };
    }
  }
}

/**
 * A tumbling event-time window aggregate (window TVF `TUMBLE(..., DESCRIPTOR(eventTime), INTERVAL 'n' MINUTE)`)
 * grouped by window and the group keys, inserted into the aggregate table (`openSearchSinkTable` makes it) with an
 * explicit column list. Window bounds are written as ISO 8601 UTC strings with `Z` (`UTC_SESSION` is part of the
 * SQL): the sink would render a TIMESTAMP as `2016-01-08 20:50:00`, which OpenSearch does not detect as a date.
 */
export function tumblingWindowAggregate<
  const F extends Fields,
  const G extends GroupFieldName<F>,
  const M extends string,
>(source: EventTimeTable<F>, options: TumblingAggregateOptions<F, G, M>): TumblingAggregateTemplate<F> {
  const schema = source.schema;
  const table = options.table ?? `${source.table}_agg`;
  checkName('aggregate table name', table);
  const windowMinutes = options.windowMinutes ?? 1;
  if (!Number.isSafeInteger(windowMinutes) || windowMinutes < 1) {
    throw new TypeError(`windowMinutes must be a whole number >= 1, got ${windowMinutes}`);
  }
  const startColumn = options.windowStartColumn ?? 'window_start';
  const endColumn = options.windowEndColumn ?? 'window_end';
  const columns: AggregateColumn[] = [
    {
      name: startColumn,
      type: 'STRING',
      key: true,
      expression: `DATE_FORMAT(window_start, ${flinkStringLiteral(ISO_UTC_PATTERN)})`,
      doc: 'Window start, UTC (ISO 8601)',
    },
    {
      name: endColumn,
      type: 'STRING',
      key: false,
      expression: `DATE_FORMAT(window_end, ${flinkStringLiteral(ISO_UTC_PATTERN)})`,
      doc: 'Window end (exclusive), UTC (ISO 8601)',
    },
  ];
  const docFields: Record<string, Field> = {
    [startColumn]: field.timestamp({ precision: 0, doc: 'Window start, UTC' }),
    [endColumn]: field.timestamp({ precision: 0, doc: 'Window end (exclusive), UTC' }),
  };
  for (const key of options.groupBy) {
    const f = fieldOf(schema, key, 'groupBy', ['string', 'int', 'long', 'boolean']);
    columns.push({ name: key, type: flinkType(f), key: true, expression: id(key), doc: f.doc ?? key });
    docFields[key] = f;
  }
  for (const [name, measure] of Object.entries(options.measures) as [string, Measure<F>][]) {
    checkName('measure name', name);
    const m = measureColumn(schema, name, measure);
    columns.push({ name, type: m.type, key: false, expression: m.expression, doc: m.doc });
    docFields[name] = m.field;
  }
  const seen = new Set<string>();
  for (const c of columns) {
    checkName('column name', c.name);
    if (seen.has(c.name)) throw new TypeError(`aggregate column "${c.name}" is defined twice`);
    seen.add(c.name);
  }
  if (options.groupBy.length !== new Set(options.groupBy).size) throw new TypeError('groupBy lists a field twice');

  const select = columns.map((c) => `  ${c.expression} AS ${id(c.name)}`).join(',\n');
  const tvf = `TABLE(TUMBLE(TABLE ${id(source.table)}, DESCRIPTOR(${id(source.eventTime)}), INTERVAL ${literal(windowMinutes)} MINUTE))`;
  const groupBy = ['window_start', 'window_end', ...options.groupBy.map((g) => id(g))].join(', ');
  const sql =
    `${UTC_SESSION}\n\n` +
    `INSERT INTO ${id(table)} (${columns.map((c) => id(c.name)).join(', ')})\n` +
    `SELECT\n${select}\n` +
    `FROM ${tvf}\n` +
    (options.where === undefined ? '' : `WHERE ${options.where}\n`) +
    `GROUP BY ${groupBy};\n`;
  const documentSchema = defineSchema({
    name: table,
    doc: `${windowMinutes}-minute tumbling-window aggregate of ${source.table}`,
    fields: docFields,
  });
  return {
    sql,
    parameters: {},
    table,
    source,
    windowMinutes,
    columns,
    primaryKey: columns.filter((c) => c.key).map((c) => c.name),
    documentSchema,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// OpenSearch sink

/** Names of the sink's parameters: hosts and index always, username and password with `basicAuth`. */
export type OpenSearchSinkParameterName<A extends boolean> =
  | 'opensearchHosts'
  | 'opensearchIndex'
  | (A extends true ? 'opensearchUsername' | 'opensearchPassword' : never);

export interface OpenSearchSinkOptions<A extends boolean> {
  /** Adds `opensearchUsername` / `opensearchPassword` parameters (basic auth; the connector has no SigV4). */
  readonly basicAuth?: A;
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
export interface OpenSearchSinkTemplate<A extends boolean = boolean>
  extends SqlTemplate<{ readonly [K in OpenSearchSinkParameterName<A>]: SqlParameter<'string'> }> {
  readonly table: string;
  /** The explicit index mapping of the aggregate documents (`dynamic: strict`); create the index with it first. */
  readonly mapping: OpenSearchMapping;
  /** The document id the sink gives a row: the key columns' values joined by the delimiter. */
  documentId(row: Readonly<Record<string, unknown>>): string;
}

/**
 * The aggregate's `opensearch-2` sink table with `PRIMARY KEY (window start, group keys) NOT ENFORCED`, so the
 * connector upserts (document id = key values joined by `_`) and a replayed window overwrites its document.
 */
export function openSearchSinkTable<F extends Fields, const A extends boolean = false>(
  aggregate: TumblingAggregateTemplate<F>,
  options: OpenSearchSinkOptions<A> = {},
): OpenSearchSinkTemplate<A> {
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
  const delimiter = options.keyDelimiter ?? '_';
  const comments = options.comments ?? true;
  const basicAuth = options.basicAuth === true;
  const parameters: Record<string, SqlParameter<'string'>> = {
    opensearchHosts: { type: 'string', doc: "OpenSearch URL(s), ';'-separated, e.g. http://127.0.0.1:9200" },
    opensearchIndex: { type: 'string', doc: 'Index of the aggregate documents' },
  };
  if (basicAuth) {
    parameters.opensearchUsername = { type: 'string', doc: 'OpenSearch user (basic auth)' };
    parameters.opensearchPassword = { type: 'string', doc: 'OpenSearch password (basic auth)', secret: true };
  }
  const lines = aggregate.columns.map(
    (c) =>
      `  ${id(c.name)} ${c.type}${c.key || c.expression === 'COUNT(*)' ? ' NOT NULL' : ''}` +
      (comments ? ` COMMENT ${flinkStringLiteral(c.doc)}` : ''),
  );
  lines.push(`  PRIMARY KEY (${aggregate.primaryKey.map((k) => id(k)).join(', ')}) NOT ENFORCED`);
  const withOptions = [
    option('connector', "'opensearch-2'"),
    option('hosts', param('opensearchHosts')),
    option('index', param('opensearchIndex')),
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
  const sql = `CREATE TABLE ${id(aggregate.table)} (\n${lines.join(',\n')}\n) WITH (\n${withOptions.join(',\n')}\n);\n`;
  const key = aggregate.primaryKey;
  return {
    sql,
    parameters: parameters as OpenSearchSinkTemplate<A>['parameters'],
    table: aggregate.table,
    mapping: toOpenSearchMapping(aggregate.documentSchema),
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

// ---------------------------------------------------------------------------------------------------------------
// Expressions and composition

/** Points of a great-circle distance: four double fields (degrees). */
export interface GreatCirclePoints<F extends Fields> {
  readonly fromLongitude: FieldNameOfType<F, 'double'>;
  readonly fromLatitude: FieldNameOfType<F, 'double'>;
  readonly toLongitude: FieldNameOfType<F, 'double'>;
  readonly toLatitude: FieldNameOfType<F, 'double'>;
}

/** Mean Earth radius in miles (the taxi data's `gcDistance` matches haversine with it). */
export const EARTH_RADIUS_MILES = 3958.8;

/**
 * Haversine great-circle distance between two coordinate pairs of a schema, as a Flink SQL DOUBLE expression, in
 * miles (or the unit of `radius`): `2 R asin(√(sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2)))`.
 */
export function greatCircleDistance<const F extends Fields>(
  schema: Schema<F>,
  points: GreatCirclePoints<F>,
  radius = EARTH_RADIUS_MILES,
): SqlExpression {
  for (const key of ['fromLongitude', 'fromLatitude', 'toLongitude', 'toLatitude'] as const) {
    fieldOf(schema, points[key], `greatCircleDistance ${key}`, ['double']);
  }
  if (!(Number.isFinite(radius) && radius > 0)) throw new TypeError(`radius must be a positive number, got ${radius}`);
  const lon1 = id(points.fromLongitude);
  const lat1 = id(points.fromLatitude);
  const lon2 = id(points.toLongitude);
  const lat2 = id(points.toLatitude);
  // Approximate-number literals (E0) keep the arithmetic in DOUBLE rather than DECIMAL. The square root is written
  // POWER(x, 0.5E0) (Math.pow, within 1 ulp of Math.sqrt): dt-sql-parser's Flink grammar does not know SQRT.
  const diameter = `${2 * radius}E0`;
  const a =
    `POWER(SIN(RADIANS(${lat2} - ${lat1}) / 2), 2) + ` +
    `COS(RADIANS(${lat1})) * COS(RADIANS(${lat2})) * POWER(SIN(RADIANS(${lon2} - ${lon1}) / 2), 2)`;
  return {
    sql: `${diameter} * ASIN(POWER(${a}, 0.5E0))`,
    type: 'DOUBLE',
    doc: `great-circle distance ${points.fromLongitude}/${points.fromLatitude} to ${points.toLongitude}/${points.toLatitude}${radius === EARTH_RADIUS_MILES ? ', miles' : ''}`,
  };
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type MergedParameters<T extends readonly SqlTemplate[]> = UnionToIntersection<T[number]['parameters']> & SqlParameters;

/**
 * Joins templates into one script (in order: DDL before the INSERTs that use it; the runner runs all DDL, then all
 * INSERTs as one statement set) and merges their parameters; a name declared twice must be declared the same way.
 */
export function composeSql<const T extends readonly SqlTemplate[]>(...templates: T): SqlTemplate<MergedParameters<T>> {
  const parameters: Record<string, SqlParameter> = {};
  for (const template of templates) {
    for (const [name, spec] of Object.entries(template.parameters)) {
      const before = parameters[name];
      if (before !== undefined && (before.type !== spec.type || before.doc !== spec.doc)) {
        throw new TypeError(`parameter ${name} is declared twice, differently`);
      }
      parameters[name] = spec;
    }
  }
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const t of templates) {
    // UTC_SESSION may come with several aggregates; keep one.
    let text = t.sql.trim();
    if (text.startsWith(UTC_SESSION)) {
      text = text.slice(UTC_SESSION.length).trim();
      if (!seen.has(UTC_SESSION)) parts.unshift(UTC_SESSION);
      seen.add(UTC_SESSION);
    }
    parts.push(text);
  }
  return { sql: `${parts.join('\n\n')}\n`, parameters: parameters as MergedParameters<T> };
}

export interface WindowedAggregatePipelineOptions<
  F extends Fields,
  L extends boolean,
  G extends GroupFieldName<F>,
  M extends string,
  A extends boolean,
> {
  readonly source: KinesisSourceOptions<F, L>;
  readonly aggregate: TumblingAggregateOptions<F, G, M>;
  readonly sink?: OpenSearchSinkOptions<A>;
}

/** The whole job: source DDL, sink DDL, the aggregate INSERT; its parameters; and the sink's index mapping. */
export interface WindowedAggregatePipeline<F extends Fields, L extends boolean, A extends boolean>
  extends SqlTemplate<{
    readonly [K in KinesisSourceParameterName<L> | OpenSearchSinkParameterName<A>]: SqlParameter<'string'>;
  }> {
  readonly source: KinesisSourceTemplate<F, L>;
  readonly aggregate: TumblingAggregateTemplate<F>;
  readonly sink: OpenSearchSinkTemplate<A>;
  /** Mapping of the aggregate index (same as `sink.mapping`). */
  readonly mapping: OpenSearchMapping;
}

/**
 * Kinesis source -> tumbling-window aggregate -> OpenSearch, as one runner script:
 *
 * ```ts
 * const job = windowedAggregatePipeline({
 *   source: { schema: tripSchema, table: 'trips', eventTime: 'pickupDate', outOfOrdernessSeconds: 5 },
 *   aggregate: { table: 'trip_stats', groupBy: ['vendorId'], measures: { trips: { count: true } } },
 * });
 * writeParamsFile('params.json', bindParameters(job, { kinesisStream: 'trips', awsRegion: 'us-east-1', ... }));
 * ```
 */
export function windowedAggregatePipeline<
  const F extends Fields,
  const G extends GroupFieldName<F>,
  const M extends string,
  const L extends boolean = false,
  const A extends boolean = false,
>(options: WindowedAggregatePipelineOptions<F, L, G, M, A>): WindowedAggregatePipeline<F, L, A> {
  const source = kinesisSourceTable(options.source);
  const aggregate = tumblingWindowAggregate(source, options.aggregate);
  const sink = openSearchSinkTable(aggregate, options.sink);
  const script = composeSql(source, sink, aggregate);
  return {
    sql: script.sql,
    parameters: script.parameters as WindowedAggregatePipeline<F, L, A>['parameters'],
    source,
    aggregate,
    sink,
    mapping: sink.mapping,
  };
}
