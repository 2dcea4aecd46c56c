/** The Firehose leg: the same stream through the local Firehose and the taxi transform Lambda into Parquet. */
import path from 'node:path';
import { type FirehoseDelivery, startFirehoseDelivery } from '@pipeline/local-stack';
import { enrichedTripSchema } from '../../src/schema.js';
import { handler as transformHandler } from '../../src/transform.js';

export const PARQUET_PREFIX =
  'nyctaxitrips/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/';

export function startFirehoseLeg(dir: string, kinesisEndpoint: string, stream: string): Promise<FirehoseDelivery> {
  return startFirehoseDelivery({
    kinesisEndpoint,
    streamName: stream,
    handler: transformHandler,
    schema: enrichedTripSchema,
    bucketDir: bucketDir(dir),
    prefix: PARQUET_PREFIX,
    errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
    // Locally smaller than Firehose's 64 MiB minimum, so Parquet objects (and the progress line) move during a run.
    bufferingHints: { sizeInMBs: 16, intervalInSeconds: 30 },
    checkpointFile: path.join(dir, 'firehose-checkpoint.json'),
  });
}

export function bucketDir(dir: string): string {
  return path.join(dir, 'bucket');
}
