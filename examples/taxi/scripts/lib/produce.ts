/**
 * The producer side of a run: streams trips into @pipeline/producer (KPL aggregation, one connection so the shard
 * keeps pickup order) and keeps only counters, the pickup range and the set of windows the trips fall in — never the
 * trips. The id of every trip Kinesis accepted goes to a file the reconciliation reads with DuckDB.
 */

import { once } from 'node:events';
import fs from 'node:fs';
import { LOCAL_CREDENTIALS } from '@pipeline/local-stack';
import { KinesisProducer } from '@pipeline/producer';
import { parseTimestamp } from '@pipeline/schema';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Trip } from '../../src/schema.js';

const MINUTE = 60_000;

/** What the put loop saw, updated as it goes (the progress line reads it). */
export interface PutCounters {
  /** Trips read from the source. */
  read: number;
  /** Trips Kinesis accepted. */
  put: number;
  failed: number;
  firstPickup: number | undefined;
  lastPickup: number | undefined;
  /** The first trip read (the template of the closing record). */
  first: Trip | undefined;
  /** `<window start ms>|<vendorId>` of every 1-minute window with an accepted trip: the documents trip-stats must write. */
  readonly windows: Set<string>;
  startedAt: number | undefined;
  endedAt: number | undefined;
}

export function newPutCounters(): PutCounters {
  return {
    read: 0,
    put: 0,
    failed: 0,
    firstPickup: undefined,
    lastPickup: undefined,
    first: undefined,
    windows: new Set(),
    startedAt: undefined,
    endedAt: undefined,
  };
}

export function createProducer(endpoint: string, region: string, stream: string): KinesisProducer {
  return new KinesisProducer({
    streamName: stream,
    clientConfig: { endpoint, region, credentials: { ...LOCAL_CREDENTIALS }, requestHandler: new NodeHttpHandler() },
    aggregationEnabled: true,
    maxConnections: 1,
    // The workshop's KPL settings wait 60 s for a request; an emulator on a busy laptop needs them too (a timed-out
    // request may still have been applied, and its retry would duplicate records).
    requestTimeout: 60_000,
    recordTtl: 180_000,
  });
}

/** Puts every trip of the stream; failures are reported through `onFailure` and counted, never dropped silently. */
export async function putTrips(
  producer: KinesisProducer,
  trips: AsyncIterable<Trip>,
  counters: PutCounters,
  idsFile: string,
  onFailure: (id: string, message: string) => void,
): Promise<void> {
  const ids = fs.createWriteStream(idsFile);
  // Window keys of the records in flight, by source position: a window counts once a trip in it was accepted.
  const inFlight = new Map<number, string>();
  let position = 0;
  async function* records() {
    for await (const trip of trips) {
      counters.read++;
      counters.startedAt ??= Date.now();
      counters.first ??= trip;
      const pickup = parseTimestamp(trip.pickupDate);
      counters.firstPickup = Math.min(counters.firstPickup ?? pickup, pickup);
      counters.lastPickup = Math.max(counters.lastPickup ?? pickup, pickup);
      inFlight.set(position++, `${Math.floor(pickup / MINUTE) * MINUTE}|${trip.vendorId}`);
      yield { partitionKey: trip.id, data: JSON.stringify(trip) };
    }
  }
  try {
    for await (const outcome of producer.putAll(records())) {
      const window = inFlight.get(outcome.index);
      inFlight.delete(outcome.index);
      if (outcome.ok) {
        counters.put++;
        if (window !== undefined) counters.windows.add(window);
        if (!ids.write(`${outcome.record.partitionKey}\n`)) await once(ids, 'drain');
      } else {
        counters.failed++;
        onFailure(outcome.record.partitionKey, `${outcome.error.code}: ${outcome.error.message}`);
      }
    }
    await producer.flush();
    counters.endedAt = Date.now();
  } finally {
    ids.end();
    await once(ids, 'close');
  }
}
