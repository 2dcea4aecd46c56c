/**
 * Closing the last windows without inventing data: once every trip is put, one typed watermark heartbeat per open
 * shard (`@pipeline/schema`'s `watermarkHeartbeat`, put by `@pipeline/producer`'s `putWatermarkHeartbeats`) moves
 * Flink's event time past the last window and the out-of-orderness bound. Every consumer filters it: the Flink SQL
 * templates before any aggregate, the Firehose transform answers `Dropped`, the raw-trip indexer skips it — so
 * Parquet and the raw index hold exactly the trips read.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LOCAL_CREDENTIALS } from '@pipeline/local-stack';
import { type HeartbeatPlacement, putWatermarkHeartbeats } from '@pipeline/producer';
import { watermarkHeartbeat } from '@pipeline/schema';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { TRIP_OUT_OF_ORDERNESS_SECONDS } from '../../src/pipeline.js';
import { tripSchema } from '../../src/schema.js';

const DAY = 86_400_000;

/**
 * The event time that closes every window holding `lastPickup`: the end of its UTC day (the longest window, the day's
 * running total, ends there; the 1-, 5- and 15-minute windows end before) plus the out-of-orderness bound and a second.
 */
export function closingEventTime(lastPickup: number): number {
  return (Math.floor(lastPickup / DAY) + 1) * DAY + (TRIP_OUT_OF_ORDERNESS_SECONDS + 1) * 1000;
}

/** Puts one watermark heartbeat per open shard of `stream` at the closing time of `lastPickup`. */
export async function closeLastWindows(
  endpoint: string,
  region: string,
  stream: string,
  lastPickup: number,
): Promise<HeartbeatPlacement[]> {
  const client = new KinesisClient({
    endpoint,
    region,
    credentials: { ...LOCAL_CREDENTIALS },
    requestHandler: new NodeHttpHandler(),
  });
  try {
    const record = watermarkHeartbeat(tripSchema, 'pickupDate', closingEventTime(lastPickup));
    return await putWatermarkHeartbeats({ client, streamName: stream, record });
  } finally {
    client.destroy();
  }
}
