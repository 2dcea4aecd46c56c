/**
 * The raw-trips leg: every trip indexed into OpenSearch by @pipeline/opensearch-sink's Kinesis consumer — the same
 * `createKinesisHandler` a Lambda runs on AWS — driven by local-stack's Lambda event-source poller (batch size,
 * bisect on error, retries, ReportBatchItemFailures, checkpoint). Document id = trip id, so a replay overwrites.
 */
import path from 'node:path';
import { type KinesisEventSource, startKinesisEventSource } from '@pipeline/local-stack';
import { createKinesisHandler, OpenSearchSink } from '@pipeline/opensearch-sink';
import { isControlRecord, parse, toOpenSearchMapping } from '@pipeline/schema';
import { DASHBOARD_INDICES } from '../../src/dashboard/panels.js';
import { type Trip, tripSchema } from '../../src/schema.js';
import { createIndex } from './engines.js';

/** The raw-trip index (one document per trip, the trip schema's explicit mapping). */
export const RAW_TRIPS_INDEX = DASHBOARD_INDICES.rawTrips;

export interface RawTripsLeg {
  readonly source: KinesisEventSource;
  readonly sink: OpenSearchSink<Trip>;
  stop(): Promise<void>;
}

export async function startRawTripsLeg(
  dir: string,
  kinesisEndpoint: string,
  stream: string,
  opensearchUrl: string,
  onProblem: (message: string) => void,
): Promise<RawTripsLeg> {
  await createIndex(opensearchUrl, RAW_TRIPS_INDEX, toOpenSearchMapping(tripSchema));
  const sink = new OpenSearchSink<Trip>({ node: opensearchUrl, index: RAW_TRIPS_INDEX, id: (trip) => trip.id });
  const decoder = new TextDecoder();
  const handler = createKinesisHandler<Trip>({
    sink,
    // Watermark heartbeats are control records: skipped, never indexed.
    toDocument: (record) => {
      const value: unknown = JSON.parse(decoder.decode(record.data));
      return isControlRecord(value) ? undefined : parse(tripSchema, value);
    },
    id: (_record, trip) => trip.id,
  });
  const source = await startKinesisEventSource({
    kinesisEndpoint,
    streamName: stream,
    handler: (event, context) => handler(event, context),
    batchSize: 100,
    startingPosition: 'TRIM_HORIZON',
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: 10,
    reportBatchItemFailures: true,
    checkpointFile: path.join(dir, 'event-source-checkpoint.json'),
    pollIntervalMs: 250,
    onDiscard: (batch) =>
      onProblem(
        `raw trips: ${batch.records} Kinesis records of ${batch.shardId} discarded (${batch.reason}): ${String(batch.error)}`,
      ),
    onError: (error) => onProblem(`raw trips: ${String(error)}`),
  });
  return {
    source,
    sink,
    async stop() {
      await source.stop();
      await sink.close();
    },
  };
}
