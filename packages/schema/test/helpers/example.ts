import { defineSchema, field } from '@pipeline/schema';

/** The schema most tests use: one field of every logical type, nullable and not, with constraints. */
export const rideSchema = defineSchema({
  name: 'ride',
  doc: 'A test ride',
  fields: {
    tripId: field.string({ pattern: /^id\d{7}$/, maxLength: 9, doc: 'Trip id' }),
    vendor: field.string({ enum: ['1', '2'] }),
    passengers: field.int({ min: 0, max: 9, doc: 'Passengers, persons' }),
    distanceMetres: field.long({ min: 0 }),
    pickupAt: field.timestamp({ doc: "Pickup time, UTC (driver's clock)" }),
    fare: field.double({ nullable: true, min: 0, doc: 'Fare, USD' }),
    storeAndForward: field.boolean(),
  },
});

export const validRide = {
  tripId: 'id1178274',
  vendor: '1',
  passengers: 2,
  distanceMetres: 1897,
  pickupAt: '2016-01-08T20:50:00Z',
  fare: 7.5,
  storeAndForward: false,
};
