import {
  type FirehoseRecord,
  type FirehoseTransformHandler,
  type FirehoseTransformOptions,
  firehoseTransform,
  ok,
  type TransformResult,
} from '@pipeline/firehose-transform';
import { type EnrichedTrip, type Trip, tripSchema } from './schema.js';

/** The `source` the transformation Lambda adds to every trip (workshop Lab 3). */
export const TRIP_SOURCE = 'NYCTAXI';

/**
 * Dynamic-partitioning keys of a trip, from its pickup time (UTC): `year`, `month`, `day`, `hour`, zero-padded as in
 * the workshop's Glue partitions. Use them in the delivery stream's prefix:
 * `nyctaxitrips/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/`.
 */
export interface TripPartitionKeys {
  readonly year: string;
  readonly month: string;
  readonly day: string;
  readonly hour: string;
  readonly [key: string]: string;
}

/** Partition keys from a validated trip (its `pickupDate` is `yyyy-MM-ddTHH:mm:ss[.f]Z`). */
export function tripPartitionKeys(trip: Pick<Trip, 'pickupDate'>): TripPartitionKeys {
  const at = trip.pickupDate;
  return { year: at.slice(0, 4), month: at.slice(5, 7), day: at.slice(8, 10), hour: at.slice(11, 13) };
}

/** The trip with `source` added, fields in the Glue table's column order. */
export function enrichTrip(trip: Trip): EnrichedTrip {
  return { ...trip, source: TRIP_SOURCE };
}

/** The per-record work: the record arrives validated against `tripSchema`; enrich it and partition by pickup time. */
export function transformTrip(record: FirehoseRecord<Trip>): TransformResult {
  const trip = record.value;
  return ok(enrichTrip(trip), tripPartitionKeys(trip));
}

/** Options of `createTripTransform`: everything `firehoseTransform` takes except the validator. */
export type TripTransformOptions = Omit<FirehoseTransformOptions<typeof tripSchema>, 'validate'>;

/**
 * The Firehose transformation Lambda of the taxi pipeline (Kinesis → Firehose → this → Parquet in S3): parses each
 * record as a trip, validates it against `tripSchema` (coordinates, ISO UTC dates, ranges; a bad record becomes
 * `ProcessingFailed` naming the field), adds `source: "NYCTAXI"` and returns partition keys from the pickup date.
 * The output is one JSON object per record, which Firehose's Parquet conversion (OpenX JSON SerDe) reads.
 */
export function createTripTransform(options: TripTransformOptions = {}): FirehoseTransformHandler {
  return firehoseTransform(transformTrip, { ...options, validate: tripSchema });
}

/** The Lambda entry point (`handler` of `transform.js`). */
export const handler: FirehoseTransformHandler = createTripTransform();
