// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the runner's ${name} placeholders are plain text here
import { defineSchema, field } from '@pipeline/schema';
import { FlinkSQL } from 'dt-sql-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  bindParameters,
  composeSql,
  greatCircleDistance,
  kinesisSourceTable,
  openSearchSinkTable,
  placeholderNames,
  type SqlParamInput,
  type SqlTemplate,
  substituteParameters,
  tumblingWindowAggregate,
  windowedAggregatePipeline,
} from '../../src/index.js';
import { tripSchema } from '../helpers/taxi-schema.js';

const flink = new FlinkSQL();
afterEach(() => {
  vi.restoreAllMocks();
});

/** dt-sql-parser's syntax errors of the SQL the runner would run (placeholders substituted as the runner does). */
function syntaxErrors(template: SqlTemplate, values: Record<string, SqlParamInput>): string[] {
  const sql = substituteParameters(template.sql, values);
  return flink.validate(sql).map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
}

const LOCAL_VALUES = {
  kinesisStream: 'trips',
  awsRegion: 'us-east-1',
  kinesisEndpoint: 'http://127.0.0.1:4567',
  kinesisAccessKeyId: 'local',
  kinesisSecretKey: "it's secret",
  opensearchHosts: 'http://127.0.0.1:9200',
  opensearchIndex: 'trip-stats',
} as const;

const distance = greatCircleDistance(tripSchema, {
  fromLongitude: 'pickupLongitude',
  fromLatitude: 'pickupLatitude',
  toLongitude: 'dropoffLongitude',
  toLatitude: 'dropoffLatitude',
});

function taxiJob() {
  return windowedAggregatePipeline({
    source: {
      schema: tripSchema,
      table: 'trips',
      eventTime: 'pickupDate',
      outOfOrdernessSeconds: 5,
      local: true,
      startPosition: 'TRIM_HORIZON',
    },
    aggregate: {
      groupBy: ['vendorId'],
      measures: {
        trip_count: { count: true },
        passenger_sum: { sum: 'passengerCount' },
        avg_duration_s: { avg: 'tripDuration' },
        avg_distance_miles: { avg: distance },
      },
    },
  });
}

const TAXI_SOURCE_DDL = `CREATE TABLE \`trips\` (
  \`id\` STRING NOT NULL COMMENT 'Trip id: "id" followed by 7 digits',
  \`vendorId\` INT NOT NULL COMMENT 'Taxi vendor: 1 or 2',
  \`pickupDate\` TIMESTAMP_LTZ(3) NOT NULL COMMENT 'Pickup time, UTC',
  \`dropoffDate\` TIMESTAMP_LTZ(3) NOT NULL COMMENT 'Dropoff time, UTC',
  \`passengerCount\` INT NOT NULL COMMENT 'Passengers, persons (0 occurs in the data)',
  \`pickupLongitude\` DOUBLE NOT NULL COMMENT 'Pickup longitude, degrees (WGS 84)',
  \`pickupLatitude\` DOUBLE NOT NULL COMMENT 'Pickup latitude, degrees (WGS 84)',
  \`dropoffLongitude\` DOUBLE NOT NULL COMMENT 'Dropoff longitude, degrees (WGS 84)',
  \`dropoffLatitude\` DOUBLE NOT NULL COMMENT 'Dropoff latitude, degrees (WGS 84)',
  \`storeAndFwdFlag\` STRING NOT NULL COMMENT 'Y when the trip was stored in the vehicle and forwarded later (no server connection)',
  \`gcDistance\` DOUBLE NOT NULL COMMENT 'Great-circle distance pickup to dropoff, miles',
  \`tripDuration\` INT NOT NULL COMMENT 'Trip duration, seconds',
  \`googleDistance\` INT NOT NULL COMMENT 'Road distance from Google Maps, metres',
  \`googleDuration\` INT NOT NULL COMMENT 'Driving time from Google Maps, seconds',
  \`__control\` STRING COMMENT 'Control marker (watermark-heartbeat); NULL on data rows',
  WATERMARK FOR \`pickupDate\` AS \`pickupDate\` - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kinesis',
  'stream' = \${kinesisStream},
  'aws.region' = \${awsRegion},
  'aws.endpoint' = \${kinesisEndpoint},
  'aws.credentials.provider' = 'BASIC',
  'aws.credentials.basic.accesskeyid' = \${kinesisAccessKeyId},
  'aws.credentials.basic.secretkey' = \${kinesisSecretKey},
  'scan.stream.initpos' = 'TRIM_HORIZON',
  'format' = 'kpl-json',
  'kpl-json.timestamp-format.standard' = 'ISO-8601'
);

-- data rows only: control records (watermark heartbeats) moved the watermark above and stop here
CREATE VIEW \`trips_data\` AS
SELECT \`id\`, \`vendorId\`, \`pickupDate\`, \`dropoffDate\`, \`passengerCount\`, \`pickupLongitude\`, \`pickupLatitude\`, \`dropoffLongitude\`, \`dropoffLatitude\`, \`storeAndFwdFlag\`, \`gcDistance\`, \`tripDuration\`, \`googleDistance\`, \`googleDuration\`
FROM \`trips\`
WHERE \`__control\` IS NULL;
`;

const TAXI_SINK_DDL = `CREATE TABLE \`trips_agg\` (
  \`window_start\` STRING NOT NULL COMMENT 'Window start, UTC (ISO 8601)',
  \`window_end\` STRING COMMENT 'Window end (exclusive), UTC (ISO 8601)',
  \`vendorId\` INT NOT NULL COMMENT 'Taxi vendor: 1 or 2',
  \`trip_count\` BIGINT NOT NULL COMMENT 'Records in the window',
  \`passenger_sum\` BIGINT COMMENT 'Sum of passengerCount',
  \`avg_duration_s\` DOUBLE COMMENT 'Average of tripDuration',
  \`avg_distance_miles\` DOUBLE COMMENT 'Average of great-circle distance pickupLongitude/pickupLatitude to dropoffLongitude/dropoffLatitude, miles',
  PRIMARY KEY (\`window_start\`, \`vendorId\`) NOT ENFORCED
) WITH (
  'connector' = 'opensearch-2',
  'hosts' = \${opensearchHosts},
  'index' = \${opensearchIndex},
  'document-id.key-delimiter' = '_',
  'sink.bulk-flush.interval' = '1000ms',
  'sink.bulk-flush.max-actions' = '1000',
  'sink.bulk-flush.backoff.strategy' = 'EXPONENTIAL',
  'sink.bulk-flush.backoff.max-retries' = '5',
  'sink.bulk-flush.backoff.delay' = '1s'
);
`;

const HAVERSINE =
  '7917.6E0 * ASIN(POWER(POWER(SIN(RADIANS(`dropoffLatitude` - `pickupLatitude`) / 2), 2) + ' +
  'COS(RADIANS(`pickupLatitude`)) * COS(RADIANS(`dropoffLatitude`)) * ' +
  'POWER(SIN(RADIANS(`dropoffLongitude` - `pickupLongitude`) / 2), 2), 0.5E0))';

const TAXI_INSERT = `SET 'table.local-time-zone' = 'UTC';

INSERT INTO \`trips_agg\` (\`window_start\`, \`window_end\`, \`vendorId\`, \`trip_count\`, \`passenger_sum\`, \`avg_duration_s\`, \`avg_distance_miles\`)
SELECT
  DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS \`window_start\`,
  DATE_FORMAT(window_end, 'yyyy-MM-dd''T''HH:mm:ss''Z''') AS \`window_end\`,
  \`vendorId\` AS \`vendorId\`,
  COUNT(*) AS \`trip_count\`,
  SUM(CAST(\`passengerCount\` AS BIGINT)) AS \`passenger_sum\`,
  AVG(CAST(\`tripDuration\` AS DOUBLE)) AS \`avg_duration_s\`,
  AVG(${HAVERSINE}) AS \`avg_distance_miles\`
FROM TABLE(TUMBLE(TABLE \`trips_data\`, DESCRIPTOR(\`pickupDate\`), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, \`vendorId\`;
`;

describe('Flink SQL templates for the taxi schema', () => {
  it('generates the exact source DDL, sink DDL and aggregate INSERT', () => {
    const job = taxiJob();
    expect(job.source.sql).toBe(TAXI_SOURCE_DDL);
    expect(job.sink.sql).toBe(TAXI_SINK_DDL);
    expect(job.aggregate.sql).toBe(TAXI_INSERT);
    // One script: the session setting first, then the DDL, then the INSERT.
    expect(job.sql).toBe(
      `SET 'table.local-time-zone' = 'UTC';\n\n${TAXI_SOURCE_DDL.trim()}\n\n${TAXI_SINK_DDL.trim()}\n\n` +
        `${TAXI_INSERT.replace("SET 'table.local-time-zone' = 'UTC';\n\n", '')}`,
    );
  });

  it('declares exactly the parameters the SQL uses, typed', () => {
    const job = taxiJob();
    expect(Object.keys(job.parameters).sort()).toEqual(Object.keys(LOCAL_VALUES).sort());
    expect(placeholderNames(job.sql).sort()).toEqual(Object.keys(job.parameters).sort());
    expect(Object.values(job.parameters).every((p) => p.type === 'string')).toBe(true);
    expect(job.parameters.kinesisSecretKey.secret).toBe(true);
  });

  it('is valid Flink SQL for dt-sql-parser, locally and on AWS', () => {
    const local = taxiJob();
    expect(syntaxErrors(local, bindParameters(local, LOCAL_VALUES))).toEqual([]);
    // the setting, the source table, its control-free view, the sink, the INSERT
    expect(flink.splitSQLByStatement(substituteParameters(local.sql, LOCAL_VALUES))).toHaveLength(5);

    const aws = windowedAggregatePipeline({
      source: { schema: tripSchema, eventTime: 'dropoffDate', outOfOrdernessSeconds: 120, format: 'json' },
      aggregate: {
        table: 'stats_5m',
        windowMinutes: 5,
        groupBy: ['vendorId', 'storeAndFwdFlag'],
        measures: {
          n: { count: true },
          longest: { max: 'tripDuration' },
          shortest: { min: 'gcDistance' },
          distance: { sum: 'gcDistance' },
          road: { avg: 'googleDistance', doc: 'metres' },
        },
        where: '`pickupLongitude` BETWEEN -74.26 AND -73.7',
      },
      sink: { basicAuth: true, bulkFlushIntervalMs: 5000, bulkFlushMaxRetries: 0, comments: false },
    });
    const values = {
      kinesisStream: 'trips',
      awsRegion: 'eu-west-1',
      opensearchHosts: 'https://search.example:443',
      opensearchIndex: 'stats',
      opensearchUsername: 'flink',
      opensearchPassword: 'p@ss',
    };
    expect(Object.keys(aws.parameters).sort()).toEqual(Object.keys(values).sort());
    expect(placeholderNames(aws.sql).sort()).toEqual(Object.keys(values).sort());
    expect(syntaxErrors(aws, bindParameters(aws, values))).toEqual([]);
    expect(aws.source.sql).toContain("'aws.credentials.provider' = 'AUTO'");
    expect(aws.source.sql).not.toContain('aws.endpoint');
    expect(aws.source.sql).toContain("'scan.stream.initpos' = 'LATEST'");
    expect(aws.source.sql).toContain("'json.timestamp-format.standard' = 'ISO-8601'");
    expect(aws.source.sql).toContain("WATERMARK FOR `dropoffDate` AS `dropoffDate` - INTERVAL '1' SECOND * 120");
    expect(aws.aggregate.sql).toContain("INTERVAL '5' MINUTE");
    expect(aws.aggregate.sql).toContain('WHERE `pickupLongitude` BETWEEN -74.26 AND -73.7\n');
    expect(aws.aggregate.sql).toContain('MAX(`tripDuration`) AS `longest`');
    expect(aws.aggregate.sql).toContain('SUM(`gcDistance`) AS `distance`');
    expect(aws.aggregate.sql).toContain('AVG(CAST(`googleDistance` AS DOUBLE)) AS `road`');
    expect(aws.sink.sql).toContain('PRIMARY KEY (`window_start`, `vendorId`, `storeAndFwdFlag`) NOT ENFORCED');
    expect(aws.sink.sql).toContain("'password' = ${opensearchPassword}");
    expect(aws.sink.sql).not.toContain('COMMENT');
    expect(aws.sink.sql).not.toContain('backoff');
    expect(aws.sink.documentId({ window_start: '2016-01-08T20:50:00Z', vendorId: 2, storeAndFwdFlag: 'N' })).toBe(
      '2016-01-08T20:50:00Z_2_N',
    );
  });

  it('is caught by the validator when broken (the check is not vacuous)', () => {
    const sql = substituteParameters(taxiJob().sql, LOCAL_VALUES);
    vi.spyOn(console, 'error').mockImplementation(() => undefined); // antlr's console listener
    expect(flink.validate(sql.replace('GROUP BY window_start', 'GROUP window_start'))).not.toEqual([]);
    expect(flink.validate(sql.replace('NOT ENFORCED\n)', 'NOT ENFORCED,\n)'))).not.toEqual([]);
  });

  it('maps the aggregate documents explicitly for OpenSearch', () => {
    const job = taxiJob();
    expect(job.mapping).toEqual({
      dynamic: 'strict',
      properties: {
        window_start: { type: 'date', format: 'strict_date_optional_time||epoch_millis' },
        window_end: { type: 'date', format: 'strict_date_optional_time||epoch_millis' },
        vendorId: { type: 'integer' },
        trip_count: { type: 'long' },
        passenger_sum: { type: 'long' },
        avg_duration_s: { type: 'double' },
        avg_distance_miles: { type: 'double' },
      },
    });
    expect(job.aggregate.primaryKey).toEqual(['window_start', 'vendorId']);
    expect(job.sink.documentId({ window_start: '2016-01-08T20:50:00Z', vendorId: 1 })).toBe('2016-01-08T20:50:00Z_1');
    // The documents validate against the aggregate's schema.
    const doc = {
      window_start: '2016-01-08T20:50:00Z',
      window_end: '2016-01-08T20:51:00Z',
      vendorId: 1,
      trip_count: 3,
      passenger_sum: 4,
      avg_duration_s: 300.5,
      avg_distance_miles: 1.25,
    };
    expect(job.aggregate.documentSchema['~standard'].validate(doc)).toEqual({ value: doc });
  });

  it('computes the haversine distance in miles (the SQL expression evaluated in JavaScript)', () => {
    const row = {
      pickupLongitude: -73.95500183,
      pickupLatitude: 40.77325058,
      dropoffLongitude: -73.95793152,
      dropoffLatitude: 40.78216553,
    };
    const js = distance.sql
      .replace(/`(\w+)`/g, (_, name: string) => `(${row[name as keyof typeof row]})`)
      .replace(/POWER\(/g, 'Math.pow(')
      .replace(/ASIN\(/g, 'Math.asin(')
      .replace(/SIN\(/g, 'Math.sin(')
      .replace(/COS\(/g, 'Math.cos(')
      .replace(/RADIANS\(/g, '(Math.PI / 180) * (');
    const miles = Function(`return ${js};`)() as number;
    // Row 1 of the workshop sample: gcDistance 0.634928219 miles (haversine, R = 3958.8, within 0.1 %).
    expect(Math.abs(miles - 0.634928219) / 0.634928219).toBeLessThan(1e-3);
  });
});

describe('template options are checked', () => {
  const schema = defineSchema({
    name: 'event',
    fields: {
      key: field.string(),
      at: field.timestamp(),
      fine: field.timestamp({ precision: 6 }),
      maybe: field.timestamp({ nullable: true }),
      score: field.double(),
      n: field.int(),
    },
  });

  it('needs a non-null timestamp field of precision <= 3 as event time, and a whole-second bound', () => {
    // @ts-expect-error -- not a timestamp field
    expect(() => kinesisSourceTable({ schema, eventTime: 'n', outOfOrdernessSeconds: 1 })).toThrow(
      /expected timestamp/,
    );
    expect(() => kinesisSourceTable({ schema, eventTime: 'fine', outOfOrdernessSeconds: 1 })).toThrow(/precision 6/);
    expect(() => kinesisSourceTable({ schema, eventTime: 'maybe', outOfOrdernessSeconds: 1 })).toThrow(/nullable/);
    expect(() => kinesisSourceTable({ schema, eventTime: 'at', outOfOrdernessSeconds: -1 })).toThrow(/whole number/);
    expect(() => kinesisSourceTable({ schema, eventTime: 'at', outOfOrdernessSeconds: 1.5 })).toThrow(/whole number/);
    expect(() => kinesisSourceTable({ schema, table: 'a-b', eventTime: 'at', outOfOrdernessSeconds: 1 })).toThrow(
      /table name/,
    );
  });

  it('groups by string/int/long/boolean fields only and refuses clashing or empty measures', () => {
    const source = kinesisSourceTable({ schema, eventTime: 'at', outOfOrdernessSeconds: 0 });
    // @ts-expect-error -- a double is no group key
    expect(() => tumblingWindowAggregate(source, { groupBy: ['score'], measures: {} })).toThrow(/expected string/);
    expect(() => tumblingWindowAggregate(source, { groupBy: ['key'], measures: { key: { count: true } } })).toThrow(
      /defined twice/,
    );
    expect(() => tumblingWindowAggregate(source, { groupBy: [], measures: { window_start: { count: true } } })).toThrow(
      /defined twice/,
    );
    // @ts-expect-error -- a string cannot be summed
    expect(() => tumblingWindowAggregate(source, { groupBy: [], measures: { s: { sum: 'key' } } })).toThrow(
      /expected int or long or double/,
    );
    expect(() =>
      // @ts-expect-error -- one kind per measure
      tumblingWindowAggregate(source, { groupBy: [], measures: { s: { sum: 'n', avg: 'n' } } }),
    ).toThrow(/exactly one/);
    expect(() => tumblingWindowAggregate(source, { groupBy: [], windowMinutes: 0, measures: {} })).toThrow(
      /windowMinutes/,
    );
  });

  it('keeps min/max types and nullability, and composes several templates', () => {
    const source = kinesisSourceTable({ schema, eventTime: 'at', outOfOrdernessSeconds: 0 });
    const agg = tumblingWindowAggregate(source, {
      table: 'events_by_key',
      groupBy: ['key'],
      measures: { top: { max: 'n' }, low: { min: 'score' } },
    });
    expect(agg.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'window_start:STRING',
      'window_end:STRING',
      'key:STRING',
      'top:INT',
      'low:DOUBLE',
    ]);
    const sink = openSearchSinkTable(agg, { keyDelimiter: '|' });
    expect(sink.mapping.properties.top).toEqual({ type: 'integer' });
    expect(sink.documentId({ window_start: 'w', key: 'k' })).toBe('w|k');
    const second = tumblingWindowAggregate(source, {
      table: 'events_count',
      groupBy: [],
      measures: { n: { count: true } },
    });
    const script = composeSql(source, sink, openSearchSinkTable(second), agg, second);
    expect(script.sql.match(/SET 'table.local-time-zone'/g)).toHaveLength(1);
    expect(script.sql.startsWith("SET 'table.local-time-zone' = 'UTC';")).toBe(true);
    expect(Object.keys(script.parameters).sort()).toEqual([
      'awsRegion',
      'kinesisStream',
      'opensearchHosts',
      'opensearchIndex',
    ]);
    const values = { kinesisStream: 's', awsRegion: 'r', opensearchHosts: 'h', opensearchIndex: 'i' };
    expect(syntaxErrors(script, values)).toEqual([]);
    expect(() =>
      composeSql(source, { sql: 'SELECT ${awsRegion}', parameters: { awsRegion: { type: 'number', doc: 'x' } } }),
    ).toThrow(/declared twice/);
  });
});

describe('bindParameters', () => {
  const template = {
    sql: "SELECT ${a}, ${b}, ${c} FROM t WHERE x = '${a}'",
    parameters: {
      a: { type: 'string', doc: 'a' },
      b: { type: 'number', doc: 'b' },
      c: { type: 'boolean', doc: 'c' },
    },
  } as const;

  it('returns the values when every parameter has one of its type', () => {
    expect(bindParameters(template, { a: 'x', b: 2, c: false })).toEqual({ a: 'x', b: 2, c: false });
  });

  it('names missing, unknown and mistyped parameters at once', () => {
    const bad = { b: Number.NaN, c: 'yes', d: 1 } as unknown as { a: string; b: number; c: boolean };
    expect(() => bindParameters(template, bad)).toThrow(
      'SQL parameters do not match: missing a; unknown d; b must be a finite number, got number; c must be a boolean, got string',
    );
    // @ts-expect-error -- b must be a number
    expect(() => bindParameters(template, { a: 'x', b: '2', c: true })).toThrow(/b must be a finite number/);
    // @ts-expect-error -- c is missing
    expect(() => bindParameters(template, { a: 'x', b: 2 })).toThrow(/missing c/);
  });
});

describe('substituteParameters (mirrors the runner)', () => {
  it('renders typed literals, escaped text in strings and identifiers, and leaves comments alone', () => {
    const sql =
      "-- ${notAParam}\nSELECT ${s}, ${n}, ${t}, ${z}, 'pre-${s}', `col_${s}` /* ${alsoNot} */ FROM x WHERE y = '$${literal}';";
    expect(substituteParameters(sql, { s: "it's `q`", n: -1.5, t: true, z: null })).toBe(
      "-- ${notAParam}\nSELECT 'it''s `q`', -1.5, TRUE, NULL, 'pre-it''s `q`', `col_it's ``q``` /* ${alsoNot} */ FROM x WHERE y = '${literal}';",
    );
  });

  it('fails naming missing and unknown parameters, and nulls inside quotes', () => {
    expect(() => substituteParameters('SELECT ${a}, ${b}', { a: 1, c: 2 })).toThrow(
      'SQL parameters do not match the SQL: missing parameter(s) b; unknown parameter(s) c (not used by the SQL)',
    );
    expect(() => substituteParameters("SELECT '${a}'", { a: null })).toThrow(/null but used inside a string/);
    expect(() => substituteParameters('SELECT ${a', {})).toThrow(/unterminated/);
    expect(() => substituteParameters('SELECT ${1a}', {})).toThrow(/bad placeholder name/);
  });
});
