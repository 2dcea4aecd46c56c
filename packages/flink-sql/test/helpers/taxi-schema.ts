// A copy of the taxi trip schema of examples/taxi (src/schema.ts), so the exact DDL for it is asserted here without a
// dependency on the example (which depends on this package). Keep the two in step.
import { defineSchema, field } from '@pipeline/schema';

export const tripFields = {
  id: field.string({ pattern: /^id\d{7}$/, doc: 'Trip id: "id" followed by 7 digits' }),
  vendorId: field.int({ enum: [1, 2], doc: 'Taxi vendor: 1 or 2' }),
  pickupDate: field.timestamp({ doc: 'Pickup time, UTC' }),
  dropoffDate: field.timestamp({ doc: 'Dropoff time, UTC' }),
  passengerCount: field.int({ min: 0, max: 9, doc: 'Passengers, persons (0 occurs in the data)' }),
  pickupLongitude: field.double({ min: -180, max: 180, doc: 'Pickup longitude, degrees (WGS 84)' }),
  pickupLatitude: field.double({ min: -90, max: 90, doc: 'Pickup latitude, degrees (WGS 84)' }),
  dropoffLongitude: field.double({ min: -180, max: 180, doc: 'Dropoff longitude, degrees (WGS 84)' }),
  dropoffLatitude: field.double({ min: -90, max: 90, doc: 'Dropoff latitude, degrees (WGS 84)' }),
  storeAndFwdFlag: field.string({
    enum: ['N', 'Y'],
    doc: 'Y when the trip was stored in the vehicle and forwarded later (no server connection)',
  }),
  gcDistance: field.double({ min: 0, doc: 'Great-circle distance pickup to dropoff, miles' }),
  tripDuration: field.int({ min: 0, doc: 'Trip duration, seconds' }),
  googleDistance: field.int({ min: 0, doc: 'Road distance from Google Maps, metres' }),
  googleDuration: field.int({ min: 0, doc: 'Driving time from Google Maps, seconds' }),
} as const;

/** A trip as the producer sends it to Kinesis (the workshop's 14-field JSON record). */
export const tripSchema = defineSchema({
  name: 'trip',
  doc: 'NYC taxi trip (workshop layout)',
  fields: tripFields,
});
