import { defineSchema, field, toParquetMessageType, toParquetSchema } from '@pipeline/schema';
import { describe, expect, it } from 'vitest';
import { rideSchema } from '../helpers/example.js';

describe('toParquetSchema', () => {
  it('describes each column with physical type, logical type and repetition', () => {
    expect(toParquetSchema(rideSchema)).toEqual({
      name: 'ride',
      columns: [
        { name: 'tripId', physicalType: 'BYTE_ARRAY', logicalType: { type: 'STRING' }, repetition: 'REQUIRED' },
        { name: 'vendor', physicalType: 'BYTE_ARRAY', logicalType: { type: 'STRING' }, repetition: 'REQUIRED' },
        { name: 'passengers', physicalType: 'INT32', repetition: 'REQUIRED' },
        { name: 'distanceMetres', physicalType: 'INT64', repetition: 'REQUIRED' },
        {
          name: 'pickupAt',
          physicalType: 'INT64',
          logicalType: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
          repetition: 'REQUIRED',
        },
        { name: 'fare', physicalType: 'DOUBLE', repetition: 'OPTIONAL' },
        { name: 'storeAndForward', physicalType: 'BOOLEAN', repetition: 'REQUIRED' },
      ],
    });
  });

  it('picks the timestamp unit from the precision, or INT96', () => {
    const s = defineSchema({
      name: 't',
      fields: {
        s: field.timestamp({ precision: 0 }),
        us: field.timestamp({ precision: 6 }),
        ns: field.timestamp({ precision: 9, nullable: true }),
      },
    });
    expect(toParquetSchema(s).columns.map((c) => c.logicalType)).toEqual([
      { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
      { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'NANOS' },
    ]);
    expect(toParquetSchema(s, { timestamps: 'int96' }).columns).toEqual([
      { name: 's', physicalType: 'INT96', repetition: 'REQUIRED' },
      { name: 'us', physicalType: 'INT96', repetition: 'REQUIRED' },
      { name: 'ns', physicalType: 'INT96', repetition: 'OPTIONAL' },
    ]);
  });

  it('renders the message type text', () => {
    expect(toParquetMessageType(toParquetSchema(rideSchema, { lowercase: true }))).toBe(
      [
        'message ride {',
        '  required binary tripid (STRING);',
        '  required binary vendor (STRING);',
        '  required int32 passengers;',
        '  required int64 distancemetres;',
        '  required int64 pickupat (TIMESTAMP(MILLIS,true));',
        '  optional double fare;',
        '  required boolean storeandforward;',
        '}',
      ].join('\n'),
    );
  });
});
