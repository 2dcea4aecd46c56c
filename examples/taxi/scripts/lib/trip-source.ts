/**
 * Where the trips come from: the workshop sample or the shipped fixture (default), a CSV file, or the generator —
 * always as a stream (never an array), re-based so the first pickup is now, optionally paced in event-time order.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseTimestamp } from '@pipeline/schema';
import { readTripCsvFile } from '../../src/csv.js';
import { iterateTrips } from '../../src/generator.js';
import type { Trip } from '../../src/schema.js';
import { fixturePath, sampleExists, samplePath } from '../../test/helpers/paths.js';
import type { RunOptions } from './cli.js';

export interface TripSource {
  /** For the first lines of output, e.g. `342 trips from ../shared/data/taxi-trips-workshop.csv`. */
  readonly description: string;
  /** Known up front for generated trips; undefined for files (read as a stream). */
  readonly expectedCount: number | undefined;
  /** A fresh stream of the trips, re-based to `start`. */
  trips(start: Date): AsyncIterable<Trip>;
}

/** The trip source the options ask for. */
export function tripSource(options: RunOptions['source']): TripSource {
  if (options.kind === 'generated') {
    const { count, seed, perMinute } = options;
    return {
      description: `${count.toLocaleString('en-US')} generated trips (seed ${seed}, ${perMinute} pickups per minute)`,
      expectedCount: count,
      trips: (start) => toAsync(iterateTrips({ count, seed, start, tripsPerMinute: perMinute })),
    };
  }
  const file = options.kind === 'file' ? path.resolve(options.path) : sampleExists ? samplePath : fixturePath;
  const label = options.kind === 'file' ? 'trips' : sampleExists ? 'the workshop sample' : 'the shipped fixture';
  return {
    description: `${label} from ${path.relative(process.cwd(), file)}`,
    expectedCount: undefined,
    trips: (start) => readTripCsvFile(file, { rebaseTo: start }),
  };
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

/**
 * Puts trips on a clock: the trip picked up `d` ms after the first one is released `d / speedup` ms after the first
 * was, as the workshop's replay tool does. Trips are passed on in stream order (the sources are in pickup order).
 */
export async function* paced(trips: AsyncIterable<Trip>, speedup: number | undefined): AsyncGenerator<Trip> {
  if (speedup === undefined) {
    yield* trips;
    return;
  }
  let firstEvent: number | undefined;
  let firstWall = 0;
  for await (const trip of trips) {
    const at = parseTimestamp(trip.pickupDate);
    if (firstEvent === undefined) {
      firstEvent = at;
      firstWall = Date.now();
    }
    const due = firstWall + (at - firstEvent) / speedup;
    const wait = due - Date.now();
    if (wait > 1) await sleep(wait);
    yield trip;
  }
}
