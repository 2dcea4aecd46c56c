import { defineSchema, field, SchemaDefinitionError, toGlueColumns } from '@pipeline/schema';
import { describe, expect, it } from 'vitest';
import { rideSchema } from '../helpers/example.js';

describe('toGlueColumns', () => {
  it('maps every logical type, lower-cases names and keeps docs as comments', () => {
    expect(toGlueColumns(rideSchema)).toEqual([
      { name: 'tripid', type: 'string', comment: 'Trip id' },
      { name: 'vendor', type: 'string' },
      { name: 'passengers', type: 'int', comment: 'Passengers, persons' },
      { name: 'distancemetres', type: 'bigint' },
      { name: 'pickupat', type: 'timestamp', comment: "Pickup time, UTC (driver's clock)" },
      { name: 'fare', type: 'double', comment: 'Fare, USD' },
      { name: 'storeandforward', type: 'boolean' },
    ]);
  });

  it('can keep case and drop comments', () => {
    expect(toGlueColumns(rideSchema, { lowercase: false, comments: false }).slice(0, 2)).toEqual([
      { name: 'tripId', type: 'string' },
      { name: 'vendor', type: 'string' },
    ]);
  });

  it('rejects names that collide once lower-cased', () => {
    const s = defineSchema({ name: 's', fields: { vendorId: field.int(), vendorid: field.int() } });
    expect(() => toGlueColumns(s)).toThrow(
      new SchemaDefinitionError('schema "s": fields "vendorId" and "vendorid" both become Glue column "vendorid"'),
    );
    expect(toGlueColumns(s, { lowercase: false }).map((c) => c.name)).toEqual(['vendorId', 'vendorid']);
  });

  it('cuts comments to 255 characters', () => {
    const s = defineSchema({ name: 's', fields: { a: field.int({ doc: 'x'.repeat(300) }) } });
    expect(toGlueColumns(s)[0]?.comment).toBe(`${'x'.repeat(254)}…`);
  });
});
