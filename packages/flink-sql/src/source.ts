/**
 * The Kinesis source table: the schema's columns, event time with a bounded-out-of-orderness watermark, start
 * position, idle-source timeout, and the control-record column whose rows are filtered out right after the watermark
 * is assigned (so a watermark heartbeat moves event time but is never counted).
 */
import {
  CONTROL_FIELD,
  type Fields,
  formatTimestamp,
  parseTimestamp,
  type Schema,
  toFlinkColumnList,
  WATERMARK_HEARTBEAT,
} from '@pipeline/schema';
import type { SqlParameter, SqlTemplate } from './parameters.js';
import {
  checkInteger,
  checkName,
  type FieldNameOfType,
  fieldOf,
  id,
  literal,
  option,
  param,
  setStatement,
} from './sql-text.js';

/** Names of the source's parameters: stream and region always, endpoint and credentials when local. */
export type KinesisSourceParameterName<L extends boolean> =
  | 'kinesisStream'
  | 'awsRegion'
  | (L extends true ? 'kinesisEndpoint' | 'kinesisAccessKeyId' | 'kinesisSecretKey' : never);

/** Name of the number parameter that holds the out-of-orderness bound when it is `'parameter'`. */
export const OUT_OF_ORDERNESS_PARAMETER = 'outOfOrdernessSeconds';

export interface KinesisSourceOptions<F extends Fields, L extends boolean> {
  /** The record schema: one column per field, in field order. */
  readonly schema: Schema<F>;
  /** Flink table name. Default: the schema's name. */
  readonly table?: string;
  /** The timestamp field that is the event time (precision 0–3, not nullable). */
  readonly eventTime: FieldNameOfType<F, 'timestamp'>;
  /**
   * Out-of-orderness bound, whole seconds: the watermark is `eventTime - INTERVAL 'n' SECOND`, so a record more
   * than n seconds older than the newest one seen is late (dropped by a window that already fired). `'parameter'`
   * makes it the runner's number parameter `outOfOrdernessSeconds` (changeable on a restart from a savepoint).
   */
  readonly outOfOrdernessSeconds: number | 'parameter';
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
  /**
   * Where a job without state starts reading: `LATEST` (default), `TRIM_HORIZON`, or `AT_TIMESTAMP` (then
   * `startTimestamp`). A job restored from a snapshot resumes at the snapshot's shard positions instead.
   */
  readonly startPosition?: 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP';
  /** With `AT_TIMESTAMP`: the first arrival time to read, ISO 8601 UTC (`2016-01-08T20:50:00Z`). */
  readonly startTimestamp?: string;
  /**
   * `table.exec.source.idle-timeout`, ms: a source subtask without records for this long stops holding the watermark
   * back (it is marked idle). Needed when the parallelism exceeds the shards (a subtask without a shard never emits
   * a watermark). Default: not set (Flink's default, 0: never idle).
   */
  readonly idleTimeoutMs?: number;
  /** Milliseconds between GetRecords calls per shard. Default: the connector's (200). */
  readonly pollIntervalMs?: number;
  /** Most records per GetRecords call. Default: the connector's (10,000). */
  readonly maxRecordsPerPoll?: number;
  /** Skip records that are not valid JSON (else the job fails). Default false. */
  readonly ignoreParseErrors?: boolean;
  /**
   * Control records (`@pipeline/schema` watermark heartbeats): adds the nullable `__control` column and the view
   * `<table>_data` without control rows, which is what every stage downstream reads. Default true.
   */
  readonly controlRecords?: boolean;
  /** Column comments from the fields' `doc`. Default true. */
  readonly comments?: boolean;
}

/** What a window stage needs to know about its input. */
export interface EventTimeTable<F extends Fields = Fields> {
  /** Table or view the next stage reads. */
  readonly table: string;
  readonly schema: Schema<F>;
  /** The rowtime column (a timestamp field with a watermark). */
  readonly eventTime: FieldNameOfType<F, 'timestamp'>;
}

/** The source: DDL (table, and the control-free view), parameters, and what the next stage reads. */
export interface KinesisSourceTemplate<F extends Fields = Fields, L extends boolean = boolean>
  extends SqlTemplate<{ readonly [K in KinesisSourceParameterName<L>]: SqlParameter<'string'> }>,
    EventTimeTable<F> {
  /** The Kinesis table itself (with the `__control` column when `controlRecords`). */
  readonly sourceTable: string;
  readonly outOfOrdernessSeconds: number | 'parameter';
  readonly controlRecords: boolean;
}

/** A Kinesis table's parameters: the stream, the region, and the local emulator's endpoint and credentials. */
export function kinesisParameters(
  stream: string,
  streamDoc: string,
  local: boolean,
): Record<string, SqlParameter<'string'>> {
  return {
    [stream]: { type: 'string', doc: streamDoc },
    awsRegion: { type: 'string', doc: 'AWS region of the stream, e.g. us-east-1' },
    ...(local
      ? {
          kinesisEndpoint: { type: 'string', doc: 'Kinesis endpoint URL of a local emulator' },
          kinesisAccessKeyId: { type: 'string', doc: 'Access key id for the local emulator' },
          kinesisSecretKey: { type: 'string', doc: 'Secret key for the local emulator', secret: true },
        }
      : {}),
  };
}

function checkOptions<F extends Fields, L extends boolean>(options: KinesisSourceOptions<F, L>): void {
  const { schema, eventTime, outOfOrdernessSeconds } = options;
  const time = fieldOf(schema, eventTime, 'eventTime', ['timestamp']);
  if (time.type === 'timestamp' && time.precision > 3) {
    throw new TypeError(`eventTime: field "${eventTime}" has precision ${time.precision}; Flink's rowtime takes 0..3`);
  }
  if (time.nullable) throw new TypeError(`eventTime: field "${eventTime}" is nullable; event time must be present`);
  if (
    outOfOrdernessSeconds !== 'parameter' &&
    !(Number.isSafeInteger(outOfOrdernessSeconds) && outOfOrdernessSeconds >= 0)
  ) {
    throw new TypeError(`outOfOrdernessSeconds must be a whole number of seconds >= 0, got ${outOfOrdernessSeconds}`);
  }
  const format = options.format ?? 'kpl-json';
  if (format !== 'kpl-json' && format !== 'json') throw new TypeError(`format must be kpl-json or json, got ${format}`);
  const start = options.startPosition ?? 'LATEST';
  if (!['LATEST', 'TRIM_HORIZON', 'AT_TIMESTAMP'].includes(start)) {
    throw new TypeError(`startPosition must be LATEST, TRIM_HORIZON or AT_TIMESTAMP, got ${start}`);
  }
  if ((start === 'AT_TIMESTAMP') !== (options.startTimestamp !== undefined)) {
    throw new TypeError('startTimestamp goes with startPosition AT_TIMESTAMP, and only with it');
  }
  if (
    options.startTimestamp !== undefined &&
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/.test(options.startTimestamp)
  ) {
    throw new TypeError(`startTimestamp must be ISO 8601 UTC like 2016-01-08T20:50:00Z, got ${options.startTimestamp}`);
  }
  for (const key of ['pollIntervalMs', 'maxRecordsPerPoll', 'idleTimeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined) checkInteger(key, value, 1);
  }
  if (Object.hasOwn(schema.fields, CONTROL_FIELD)) {
    throw new TypeError(`schema "${schema.name}" has a field ${CONTROL_FIELD}, which is reserved for control records`);
  }
}

/**
 * Which Kinesis table connector the runner jar bundles: 4 = `flink-connector-kinesis:4.3.0-1.19` (legacy source, by
 * stream name, unpacks KPL aggregates itself); 5 = `flink-sql-connector-aws-kinesis-streams:5.x-1.20` (by ARN). The
 * switch to 5.x is this line plus the dependency in the runner's pom (README: Connectors); the `kinesisStream`
 * parameter then takes the stream's ARN.
 */
export const KINESIS_CONNECTOR_MAJOR: 4 | 5 = 4;

function connectorOptions<F extends Fields, L extends boolean>(
  options: KinesisSourceOptions<F, L>,
  major: 4 | 5 = KINESIS_CONNECTOR_MAJOR,
): string[] {
  const format = options.format ?? 'kpl-json';
  const start = options.startPosition ?? 'LATEST';
  const local = options.local === true;
  const legacy = major === 4;
  const startAt =
    options.startTimestamp === undefined
      ? undefined
      : formatTimestamp(parseTimestamp(options.startTimestamp), 'millis');
  return [
    option('connector', "'kinesis'"),
    option(legacy ? 'stream' : 'stream.arn', param('kinesisStream')),
    option('aws.region', param('awsRegion')),
    ...(local
      ? [
          option('aws.endpoint', param('kinesisEndpoint')),
          ...(legacy
            ? []
            : [option('aws.trust.all.certificates', "'true'"), option('aws.http.protocol.version', "'HTTP1_1'")]),
          option('aws.credentials.provider', "'BASIC'"),
          option('aws.credentials.basic.accesskeyid', param('kinesisAccessKeyId')),
          option('aws.credentials.basic.secretkey', param('kinesisSecretKey')),
        ]
      : [option('aws.credentials.provider', "'AUTO'")]),
    option(legacy ? 'scan.stream.initpos' : 'source.init.position', literal(start)),
    // the legacy connector's default timestamp format is yyyy-MM-dd'T'HH:mm:ss.SSSXXX
    ...(startAt === undefined
      ? []
      : [option(legacy ? 'scan.stream.initpos-timestamp' : 'source.init.timestamp', literal(startAt))]),
    ...(options.pollIntervalMs === undefined
      ? []
      : legacy
        ? [option('scan.shard.getrecords.intervalmillis', literal(options.pollIntervalMs))]
        : [option('source.reader.type', "'POLLING'")]),
    ...(options.maxRecordsPerPoll === undefined
      ? []
      : [
          option(
            legacy ? 'scan.shard.getrecords.maxrecordcount' : 'source.shard.get-records.max-record-count',
            literal(options.maxRecordsPerPoll),
          ),
        ]),
    option('format', literal(format)),
    option(`${format}.timestamp-format.standard`, "'ISO-8601'"),
    ...(options.ignoreParseErrors ? [option(`${format}.ignore-parse-errors`, "'true'")] : []),
  ];
}

/** The `WITH` options of the source for connector generation `major` (to look at the 5.x form before switching). */
export function kinesisSourceOptions<F extends Fields, L extends boolean>(
  options: KinesisSourceOptions<F, L>,
  major: 4 | 5,
): string[] {
  checkOptions(options);
  return connectorOptions(options, major);
}

/**
 * A Kinesis source table (`'connector' = 'kinesis'`, the bundled `flink-connector-kinesis:4.3.0-1.19`, which reads a
 * stream by name) with the schema's columns, event time from a timestamp field and a bounded-out-of-orderness
 * watermark. Stream, region and — when `local` — endpoint and credentials are `${parameters}`. With
 * `controlRecords` (default) the next stage reads the view `<table>_data`, which drops watermark heartbeats: they
 * pass the watermark assigner (which runs on the table's rows) and are gone before any aggregate.
 */
export function kinesisSourceTable<const F extends Fields, const L extends boolean = false>(
  options: KinesisSourceOptions<F, L>,
): KinesisSourceTemplate<F, L> {
  checkOptions(options);
  const { schema, eventTime, outOfOrdernessSeconds } = options;
  const sourceTable = options.table ?? schema.name;
  checkName('source table name', sourceTable);
  const controlRecords = options.controlRecords ?? true;
  const local = options.local === true;

  const parameters: Record<string, SqlParameter> = kinesisParameters('kinesisStream', 'Kinesis stream name', local);
  if (outOfOrdernessSeconds === 'parameter') {
    parameters[OUT_OF_ORDERNESS_PARAMETER] = {
      type: 'number',
      doc: 'Out-of-orderness bound of the watermark, whole seconds',
    };
  }
  // INTERVAL 'n' SECOND takes at most 99 (the SECOND(2) default precision; SECOND(p) is not in dt-sql-parser's grammar):
  // larger and parameter bounds are written INTERVAL '1' SECOND * n.
  const interval =
    outOfOrdernessSeconds === 'parameter'
      ? `INTERVAL '1' SECOND * ${param(OUT_OF_ORDERNESS_PARAMETER)}`
      : outOfOrdernessSeconds < 100
        ? `INTERVAL ${literal(outOfOrdernessSeconds)} SECOND`
        : `INTERVAL '1' SECOND * ${outOfOrdernessSeconds}`;
  const comments = options.comments ?? true;
  const columns = toFlinkColumnList(schema, { comments });
  const control = controlRecords
    ? `,\n  ${id(CONTROL_FIELD)} STRING${comments ? ` COMMENT 'Control marker (${WATERMARK_HEARTBEAT}); NULL on data rows'` : ''}`
    : '';
  const settings =
    options.idleTimeoutMs === undefined
      ? ''
      : `${setStatement('table.exec.source.idle-timeout', `${options.idleTimeoutMs} ms`)}\n\n`;
  let sql =
    settings +
    `CREATE TABLE ${id(sourceTable)} (\n${columns}${control},\n` +
    `  WATERMARK FOR ${id(eventTime)} AS ${id(eventTime)} - ${interval}\n` +
    `) WITH (\n${connectorOptions(options).join(',\n')}\n);\n`;
  let table = sourceTable;
  if (controlRecords) {
    table = `${sourceTable}_data`;
    const names = Object.keys(schema.fields)
      .map((name) => id(name))
      .join(', ');
    sql +=
      `\n-- data rows only: control records (watermark heartbeats) moved the watermark above and stop here\n` +
      `CREATE VIEW ${id(table)} AS\nSELECT ${names}\nFROM ${id(sourceTable)}\nWHERE ${id(CONTROL_FIELD)} IS NULL;\n`;
  }
  return {
    sql,
    parameters: parameters as KinesisSourceTemplate<F, L>['parameters'],
    table,
    sourceTable,
    schema,
    eventTime,
    outOfOrdernessSeconds,
    controlRecords,
  };
}
