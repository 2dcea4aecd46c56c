import fs from 'node:fs';
import { bindParameters, placeholderNames, substituteParameters } from '@pipeline/flink-sql';
import { FlinkSQL } from 'dt-sql-parser';
import { describe, expect, it } from 'vitest';
import { TRIP_OUT_OF_ORDERNESS_SECONDS, type TripStatsDocument, tripStatsJob } from '../../src/pipeline.js';
import { tripSchema } from '../../src/schema.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

describe('the trip-statistics job', () => {
  it('is the SQL in test/fixtures/trip-stats.sql (Managed Flink form: AUTO credentials, LATEST)', () => {
    expect(tripStatsJob().sql).toBe(fixture('trip-stats.sql'));
  });

  it('adds the endpoint and credential parameters when local', () => {
    const local = tripStatsJob({ local: true, startPosition: 'TRIM_HORIZON' });
    expect(Object.keys(local.parameters).sort()).toEqual([
      'awsRegion',
      'kinesisAccessKeyId',
      'kinesisEndpoint',
      'kinesisSecretKey',
      'kinesisStream',
      'opensearchHosts',
      'opensearchIndex',
    ]);
    expect(placeholderNames(local.sql).sort()).toEqual(Object.keys(local.parameters).sort());
    expect(local.sql).toContain("'aws.credentials.provider' = 'BASIC'");
    expect(local.sql).toContain("'scan.stream.initpos' = 'TRIM_HORIZON'");
    expect(local.sql.replace(/\n {2}'aws\.(endpoint|credentials\.basic\.\w+)' = \$\{\w+\},/g, '')).toBe(
      fixture('trip-stats.sql')
        .replace("'AUTO'", "'BASIC'")
        .replace("'scan.stream.initpos' = 'LATEST'", "'scan.stream.initpos' = 'TRIM_HORIZON'"),
    );
  });

  it('parses as Flink SQL (dt-sql-parser), with the parameters substituted as the runner does', () => {
    const job = tripStatsJob();
    const values = bindParameters(job, {
      kinesisStream: 'trips',
      awsRegion: 'us-east-1',
      opensearchHosts: 'https://search-trips.us-east-1.es.amazonaws.com:443',
      opensearchIndex: 'trip-stats',
    });
    expect(new FlinkSQL().validate(substituteParameters(job.sql, values))).toEqual([]);
  });

  it('uses the pickup time as event time with the stated bound, and the schema as columns', () => {
    const job = tripStatsJob();
    expect(job.source.eventTime).toBe('pickupDate');
    expect(job.source.outOfOrdernessSeconds).toBe(TRIP_OUT_OF_ORDERNESS_SECONDS);
    for (const name of Object.keys(tripSchema.fields)) expect(job.source.sql).toContain(`\n  \`${name}\` `);
  });

  it('maps exactly the fields of TripStatsDocument, window bounds as dates', () => {
    const { mapping } = tripStatsJob();
    const doc: TripStatsDocument = {
      windowStart: '2016-01-08T20:50:00Z',
      windowEnd: '2016-01-08T20:51:00Z',
      vendorId: 2,
      trips: 3,
      passengers: 5,
      avgDurationSeconds: 412.5,
      avgDistanceMiles: 1.2,
    };
    expect(Object.keys(mapping.properties)).toEqual(Object.keys(doc));
    expect(mapping.dynamic).toBe('strict');
    expect(mapping.properties.windowStart).toEqual({ type: 'date', format: 'strict_date_optional_time||epoch_millis' });
    expect(mapping.properties.trips).toEqual({ type: 'long' });
    expect(mapping.properties.avgDistanceMiles).toEqual({ type: 'double' });
    expect(tripStatsJob().sink.documentId({ ...doc })).toBe('2016-01-08T20:50:00Z_2');
  });
});
