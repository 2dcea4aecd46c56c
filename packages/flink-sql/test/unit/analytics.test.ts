// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the runner's ${name} placeholders are plain text here
import { FlinkSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import {
  airportBoxParameters,
  bindParameters,
  composeSql,
  cumulate,
  deduplicate,
  hop,
  KINESIS_CONNECTOR_MAJOR,
  kinesisSinkTable,
  kinesisSourceOptions,
  kinesisSourceTable,
  placeholderNames,
  printSinkTable,
  substituteParameters,
  TAXI_ANALYSES,
  TAXI_INDEX_PARAMETERS,
  taxiAnalyticsJob,
  tumble,
  windowAggregate,
  windowTopN,
} from '../../src/index.js';
import { tripSchema } from '../helpers/taxi-schema.js';

const flink = new FlinkSQL();

function localValues(extra: Record<string, number | string> = {}) {
  return {
    kinesisStream: 'trips',
    awsRegion: 'us-east-1',
    kinesisEndpoint: 'http://127.0.0.1:4567',
    kinesisAccessKeyId: 'local',
    kinesisSecretKey: 'secret',
    opensearchHosts: 'http://127.0.0.1:9200',
    ...Object.fromEntries(Object.values(TAXI_INDEX_PARAMETERS).map((p) => [p, p.toLowerCase()])),
    ...airportBoxParameters(),
    ...extra,
  };
}

function errors(sql: string): string[] {
  return flink.validate(sql).map((e) => `${e.startLine}:${e.startColumn} ${e.message}`);
}

describe('the taxi analytics job', () => {
  const job = taxiAnalyticsJob({ schema: tripSchema, source: { local: true, startPosition: 'TRIM_HORIZON' } });

  it('is the SQL in the snapshot (read it there: test/unit/__snapshots__/taxi-analytics.sql)', async () => {
    await expect(job.sql).toMatchFileSnapshot('__snapshots__/taxi-analytics.sql');
  });

  it('is valid Flink SQL for dt-sql-parser with every parameter bound, as the runner substitutes them', () => {
    const values = bindParameters(job, localValues() as never);
    const sql = substituteParameters(job.sql, values);
    expect(errors(sql)).toEqual([]);
    // 3 settings + source + 3 views + 5 sinks + 5 INSERTs
    expect(flink.splitSQLByStatement(sql)).toHaveLength(17);
    expect(sql).toContain('BETWEEN -73.8352 AND -73.74');
  });

  it('declares exactly the parameters its SQL uses: connection, one index per analysis, the airport boxes', () => {
    expect(placeholderNames(job.sql).sort()).toEqual(Object.keys(job.parameters).sort());
    expect(Object.keys(job.parameters).sort()).toEqual(Object.keys(localValues()).sort());
    expect(job.parameters.jfkWest).toEqual({ type: 'number', doc: 'JFK box: west edge, degrees of longitude' });
    expect(Object.keys(job.analyses)).toEqual([...TAXI_ANALYSES]);
  });

  it('filters control records before deduplicating, and every analysis reads the deduplicated rows', () => {
    expect(job.source.table).toBe('trips_data');
    expect(job.trips.table).toBe('trips_unique');
    expect(job.sql).toContain('WHERE `__control` IS NULL;');
    expect(job.sql).toContain('ROW_NUMBER() OVER (PARTITION BY `id` ORDER BY `pickupDate` ASC)');
    const inserts = job.sql.split(';').filter((s) => s.trim().startsWith('INSERT'));
    expect(inserts).toHaveLength(5);
    for (const insert of inserts) expect(insert).toMatch(/TABLE `(trips_unique|airport_trip_rows)`/);
    expect(job.sql).toContain('FROM `trips_unique`\nWHERE (`pickupLongitude` BETWEEN');
  });

  it('gives each analysis its window, key and document shape', () => {
    const a = job.analyses;
    expect(a.vendorStats?.output.primaryKey).toEqual(['windowStart', 'vendorId']);
    expect(a.vendorTrend?.insert.sql).toContain(
      "HOP(TABLE `trips_unique`, DESCRIPTOR(`pickupDate`), INTERVAL '1' MINUTE, INTERVAL '15' MINUTE)",
    );
    expect(a.pickupHotspots?.output.primaryKey).toEqual(['windowStart', 'rank']);
    expect(Object.keys(a.pickupHotspots?.mapping?.properties ?? {})).toEqual([
      'windowStart',
      'windowEnd',
      'cellLatIndex',
      'cellLonIndex',
      'pickups',
      'cellId',
      'cellCenterLat',
      'cellCenterLon',
      'rank',
    ]);
    expect(a.pickupHotspots?.insert.sql).toContain('WHERE `row_num` <= 10;');
    expect(a.airportTrips?.output.primaryKey).toEqual(['windowStart', 'airport']);
    expect(a.dayTotals?.insert.sql).toContain(
      "CUMULATE(TABLE `trips_unique`, DESCRIPTOR(`pickupDate`), INTERVAL '1' MINUTE, INTERVAL '1' DAY)",
    );
    expect(a.dayTotals?.output.primaryKey).toEqual(['windowStart', 'windowEnd']);
    expect(a.dayTotals?.documentId({ windowStart: '2016-01-08T00:00:00Z', windowEnd: '2016-01-08T20:51:00Z' })).toBe(
      '2016-01-08T00:00:00Z_2016-01-08T20:51:00Z',
    );
    expect(a.airportTrips?.mapping?.properties.airport).toEqual({ type: 'keyword' });
  });

  it('takes the out-of-orderness bound as a number parameter, a subset of analyses and print sinks', () => {
    const small = taxiAnalyticsJob({
      schema: tripSchema,
      source: { outOfOrdernessSeconds: 'parameter', idleTimeoutMs: 5000 },
      analyses: ['vendorStats'],
      sink: 'print',
    });
    expect(small.sql).toContain(
      "WATERMARK FOR `pickupDate` AS `pickupDate` - INTERVAL '1' SECOND * ${outOfOrdernessSeconds}",
    );
    expect(small.sql).toContain("SET 'table.exec.source.idle-timeout' = '5000 ms';");
    expect(small.sql).toContain("'connector' = 'print'");
    expect(small.sql).not.toContain('airport');
    expect(Object.keys(small.parameters).sort()).toEqual(['awsRegion', 'kinesisStream', 'outOfOrdernessSeconds']);
    const sql = substituteParameters(small.sql, {
      awsRegion: 'eu-west-1',
      kinesisStream: 's',
      outOfOrdernessSeconds: 60,
    });
    expect(sql).toContain("INTERVAL '1' SECOND * 60");
    expect(errors(sql)).toEqual([]);
    expect(() => taxiAnalyticsJob({ schema: tripSchema, analyses: ['nope' as never] })).toThrow(
      /unknown analysis nope/,
    );
  });
});

describe('template building blocks', () => {
  const source = kinesisSourceTable({
    schema: tripSchema,
    table: 'trips',
    eventTime: 'pickupDate',
    outOfOrdernessSeconds: 5,
  });

  it('checks window lengths', () => {
    expect(() => hop(15, 4)).toThrow(/multiple of its slide/);
    expect(() => cumulate(7, 1440)).toThrow(/multiple of its step/);
    expect(() => tumble(0)).toThrow(/>= 1/);
  });

  it('starts AT_TIMESTAMP with a normalised timestamp, and refuses a timestamp without it', () => {
    const at = kinesisSourceTable({
      schema: tripSchema,
      eventTime: 'pickupDate',
      outOfOrdernessSeconds: 5,
      startPosition: 'AT_TIMESTAMP',
      startTimestamp: '2016-01-08T20:50:00Z',
    });
    expect(at.sql).toContain("'scan.stream.initpos-timestamp' = '2016-01-08T20:50:00.000Z'");
    expect(() =>
      kinesisSourceTable({
        schema: tripSchema,
        eventTime: 'pickupDate',
        outOfOrdernessSeconds: 5,
        startTimestamp: '2016-01-08T20:50:00Z',
      }),
    ).toThrow(/AT_TIMESTAMP/);
    expect(
      kinesisSourceTable({
        schema: tripSchema,
        eventTime: 'pickupDate',
        outOfOrdernessSeconds: 5,
        controlRecords: false,
      }).sql,
    ).not.toContain('__control');
  });

  it('builds a Top-N over any window aggregate with keys as the tie-break, and refuses unknown order columns', () => {
    const agg = windowAggregate(source, {
      table: 'per_vendor',
      window: hop(10, 5),
      groupBy: ['vendorId'],
      measures: { n: { count: true } },
    });
    const top = windowTopN(agg, { limit: 1, orderBy: [{ column: 'n', direction: 'DESC' }] });
    expect(top.sql).toContain('ORDER BY `n` DESC, `vendorId` ASC');
    expect(top.table).toBe('per_vendor_top1');
    expect(() => windowTopN(agg, { limit: 1, orderBy: [{ column: 'x', direction: 'DESC' }] })).toThrow(
      /not a key or measure/,
    );
  });

  it('composes print and Kinesis sinks into valid SQL, and refuses one setting with two values', () => {
    const unique = deduplicate(source, { key: 'id', retentionMinutes: 60 });
    const agg = windowAggregate(unique, {
      table: 'per_vendor',
      window: tumble(1),
      groupBy: ['vendorId'],
      measures: { n: { count: true } },
    });
    const kinesis = kinesisSinkTable(agg, { local: true });
    expect(kinesis.sql).toContain('PARTITIONED BY (`window_start`, `vendorId`)');
    const printed = composeSql(source, unique, printSinkTable(agg), agg);
    const sql = substituteParameters(printed.sql, { kinesisStream: 's', awsRegion: 'r' });
    expect(errors(sql)).toEqual([]);
    const other = deduplicate(source, { key: 'id', retentionMinutes: 5 });
    expect(() => composeSql(unique, other)).toThrow(/two values/);
  });
});

describe('the Kinesis connector generation', () => {
  it('is the bundled legacy 4.x today, and the 5.x options are ready for the one-line switch', () => {
    expect(KINESIS_CONNECTOR_MAJOR).toBe(4);
    const options = {
      schema: tripSchema,
      eventTime: 'pickupDate',
      outOfOrdernessSeconds: 5,
      local: true,
      startPosition: 'AT_TIMESTAMP',
      startTimestamp: '2016-01-08T20:50:00Z',
      maxRecordsPerPoll: 1000,
    } as const;
    expect(kinesisSourceOptions(options, 4)).toContain("  'stream' = ${kinesisStream}");
    const v5 = kinesisSourceOptions(options, 5);
    expect(v5).toContain("  'stream.arn' = ${kinesisStream}");
    expect(v5).toContain("  'source.init.position' = 'AT_TIMESTAMP'");
    expect(v5).toContain("  'source.init.timestamp' = '2016-01-08T20:50:00.000Z'");
    expect(v5).toContain("  'aws.http.protocol.version' = 'HTTP1_1'");
    expect(v5).toContain("  'source.shard.get-records.max-record-count' = '1000'");
    const ddl = `CREATE TABLE t (a STRING) WITH (\n${v5.join(',\n')}\n);`;
    expect(
      errors(
        substituteParameters(ddl, {
          kinesisStream: 'arn:aws:kinesis:us-east-1:000000000000:stream/trips',
          awsRegion: 'us-east-1',
          kinesisEndpoint: 'http://127.0.0.1:4567',
          kinesisAccessKeyId: 'x',
          kinesisSecretKey: 'y',
        }),
      ),
    ).toEqual([]);
  });
});
