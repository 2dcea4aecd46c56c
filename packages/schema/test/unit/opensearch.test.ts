import { toOpenSearchMapping } from '@pipeline/schema';
import { describe, expect, it } from 'vitest';
import { rideSchema } from '../helpers/example.js';

describe('toOpenSearchMapping', () => {
  it('maps every logical type, strict by default', () => {
    expect(toOpenSearchMapping(rideSchema)).toEqual({
      dynamic: 'strict',
      properties: {
        tripId: { type: 'keyword' },
        vendor: { type: 'keyword' },
        passengers: { type: 'integer' },
        distanceMetres: { type: 'long' },
        pickupAt: { type: 'date', format: 'strict_date_optional_time||epoch_millis' },
        fare: { type: 'double' },
        storeAndForward: { type: 'boolean' },
      },
    });
  });

  it('takes the dynamic option', () => {
    expect(toOpenSearchMapping(rideSchema, { dynamic: false }).dynamic).toBe(false);
    expect(toOpenSearchMapping(rideSchema, { dynamic: true }).dynamic).toBe(true);
  });
});
