import { defineSchema, field, type InferRecord } from '@pipeline/schema';

/**
 * The 14 fields of one NYC taxi trip, in the workshop's CSV column order and with its JSON names (`trip.Trip`'s
 * `@JsonPropertyOrder`, which the workshop's Glue table also uses). Times are UTC instants in the wire form
 * `2016-01-08T20:50:00Z`; the workshop sent zone-less local times, which Firehose's Parquet conversion rejects.
 */
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

/** A trip after the Firehose transformation Lambda added `source`. */
export const enrichedTripSchema = defineSchema({
  name: 'enriched_trip',
  doc: 'NYC taxi trip with the source added by the Firehose transformation Lambda',
  fields: {
    ...tripFields,
    source: field.string({ enum: ['NYCTAXI'], doc: 'Record source, set by the Firehose Lambda' }),
  },
});

export type Trip = InferRecord<typeof tripSchema>;
export type EnrichedTrip = InferRecord<typeof enrichedTripSchema>;

/** Field names in CSV column order. */
export const TRIP_FIELDS = Object.keys(tripFields) as (keyof typeof tripFields)[];

/** The workshop's snake_case CSV header names, in column order (Lab 2 notebook; coordinate order from `Trip.java`). */
export const CSV_COLUMNS = [
  'id',
  'vendor_id',
  'pickup_datetime',
  'dropoff_datetime',
  'passenger_count',
  'pickup_longitude',
  'pickup_latitude',
  'dropoff_longitude',
  'dropoff_latitude',
  'store_and_fwd_flag',
  'gc_distance',
  'trip_duration',
  'google_distance',
  'google_duration',
] as const;

/** Rough bounding box of New York City (lon −74.26…−73.70, lat 40.49…40.92), for filters and the generator. */
export const NYC_BOUNDS = { minLon: -74.26, maxLon: -73.7, minLat: 40.49, maxLat: 40.92 } as const;

/** Mean Earth radius in miles used for `gcDistance` (the data matches haversine with this radius within 0.1 %). */
export const EARTH_RADIUS_MILES = 3958.8;

/** Great-circle (haversine) distance between two points, miles. */
export function haversineMiles(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_MILES * Math.asin(Math.min(1, Math.sqrt(a)));
}
