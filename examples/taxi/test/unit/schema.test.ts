import { type EnrichedTrip, enrichedTripSchema, type Trip, tripSchema } from '@pipeline/example-taxi';
import {
  toFlinkColumnList,
  toGlueColumns,
  toOpenSearchMapping,
  toParquetMessageType,
  toParquetSchema,
  validate,
} from '@pipeline/schema';
import { describe, expect, expectTypeOf, it } from 'vitest';

describe('taxi trip schema', () => {
  it('has the workshop JSON fields in CSV column order, and infers their types', () => {
    expect(Object.keys(tripSchema.fields)).toEqual([
      'id',
      'vendorId',
      'pickupDate',
      'dropoffDate',
      'passengerCount',
      'pickupLongitude',
      'pickupLatitude',
      'dropoffLongitude',
      'dropoffLatitude',
      'storeAndFwdFlag',
      'gcDistance',
      'tripDuration',
      'googleDistance',
      'googleDuration',
    ]);
    expectTypeOf<Trip['vendorId']>().toEqualTypeOf<1 | 2>();
    expectTypeOf<Trip['storeAndFwdFlag']>().toEqualTypeOf<'N' | 'Y'>();
    expectTypeOf<EnrichedTrip['source']>().toEqualTypeOf<'NYCTAXI'>();
  });

  it('documents units on every field', () => {
    for (const [name, f] of Object.entries(tripSchema.fields)) expect(f.doc, name).toBeTruthy();
    expect(tripSchema.fields.gcDistance.doc).toContain('miles');
    expect(tripSchema.fields.googleDistance.doc).toContain('metres');
    expect(tripSchema.fields.tripDuration.doc).toContain('seconds');
  });

  it('rejects zone-less times, as Firehose would', () => {
    const issues = validate(tripSchema, {
      id: 'id1178274',
      vendorId: 1,
      pickupDate: '2016-01-08T20:50:00',
      dropoffDate: '2016-01-08T20:54:00Z',
      passengerCount: 2,
      pickupLongitude: -73.955,
      pickupLatitude: 40.773,
      dropoffLongitude: -73.958,
      dropoffLatitude: 40.782,
      storeAndFwdFlag: 'N',
      gcDistance: 0.63,
      tripDuration: 228,
      googleDistance: 1897,
      googleDuration: 491,
    }).issues;
    expect(issues?.map((i) => i.message)).toEqual([
      `pickupDate: "2016-01-08T20:50:00" has no time zone; send UTC with a trailing Z, e.g. 2016-01-08T20:50:00Z (Firehose's Parquet conversion rejects zone-less 'T' timestamps)`,
    ]);
  });

  it('maps to every target', () => {
    expect(toFlinkColumnList(tripSchema, { comments: false })).toBe(
      [
        '  `id` STRING NOT NULL',
        '  `vendorId` INT NOT NULL',
        '  `pickupDate` TIMESTAMP_LTZ(3) NOT NULL',
        '  `dropoffDate` TIMESTAMP_LTZ(3) NOT NULL',
        '  `passengerCount` INT NOT NULL',
        '  `pickupLongitude` DOUBLE NOT NULL',
        '  `pickupLatitude` DOUBLE NOT NULL',
        '  `dropoffLongitude` DOUBLE NOT NULL',
        '  `dropoffLatitude` DOUBLE NOT NULL',
        '  `storeAndFwdFlag` STRING NOT NULL',
        '  `gcDistance` DOUBLE NOT NULL',
        '  `tripDuration` INT NOT NULL',
        '  `googleDistance` INT NOT NULL',
        '  `googleDuration` INT NOT NULL',
      ].join(',\n'),
    );
    // The workshop's Glue table, with real timestamps instead of strings.
    expect(toGlueColumns(enrichedTripSchema, { comments: false })).toEqual([
      { name: 'id', type: 'string' },
      { name: 'vendorid', type: 'int' },
      { name: 'pickupdate', type: 'timestamp' },
      { name: 'dropoffdate', type: 'timestamp' },
      { name: 'passengercount', type: 'int' },
      { name: 'pickuplongitude', type: 'double' },
      { name: 'pickuplatitude', type: 'double' },
      { name: 'dropofflongitude', type: 'double' },
      { name: 'dropofflatitude', type: 'double' },
      { name: 'storeandfwdflag', type: 'string' },
      { name: 'gcdistance', type: 'double' },
      { name: 'tripduration', type: 'int' },
      { name: 'googledistance', type: 'int' },
      { name: 'googleduration', type: 'int' },
      { name: 'source', type: 'string' },
    ]);
    expect(toParquetMessageType(toParquetSchema(tripSchema)).split('\n').slice(0, 4)).toEqual([
      'message trip {',
      '  required binary id (STRING);',
      '  required int32 vendorId;',
      '  required int64 pickupDate (TIMESTAMP(MILLIS,true));',
    ]);
    expect(toOpenSearchMapping(tripSchema).properties.pickupDate).toEqual({
      type: 'date',
      format: 'strict_date_optional_time||epoch_millis',
    });
  });
});
