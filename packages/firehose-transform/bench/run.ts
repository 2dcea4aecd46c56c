import { defineSchema, field } from '@pipeline/schema';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { firehoseTransform, LAMBDA_RESPONSE_LIMIT, ok, silentLogger } from '../src/index.js';
import { buildEvent, countResults, eventBytes, lambdaContext, responseBytes } from '../src/testing.js';
import { type BenchTrip, benchTrips } from './trips.js';

/**
 * Transform throughput on one core (Node runs the handler on one thread): a 6 MB Firehose batch of taxi records
 * through `firehoseTransform` versus a plain hand-written handler doing the same work (decode, parse, enrich,
 * encode), alternated in the same run. The ratio is what the library's safety costs: lazy record objects, result
 * checks, the response budget, the time budget and per-record error isolation.
 */

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const WARMUP = 5;

/** The largest batch of trips whose event fits Lambda's 6 MB request limit. */
function sixMegabyteEvent(): { event: FirehoseTransformationEvent; trips: number } {
  const trips = benchTrips(12_000);
  let lo = 1;
  let hi = trips.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (eventBytes(buildEvent(trips.slice(0, mid))) <= LAMBDA_RESPONSE_LIMIT) lo = mid;
    else hi = mid - 1;
  }
  return { event: buildEvent(trips.slice(0, lo)) as FirehoseTransformationEvent, trips: lo };
}

/** What a careful hand-written transformation Lambda does, minus the safety. */
async function plainHandler(event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> {
  return {
    records: event.records.map((record) => {
      const trip = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8')) as BenchTrip & { source?: string };
      trip.source = 'NYCTAXI';
      return {
        recordId: record.recordId,
        result: 'Ok' as const,
        data: Buffer.from(JSON.stringify(trip), 'utf8').toString('base64'),
      };
    }),
  };
}

const libraryHandler = firehoseTransform(
  (record) => {
    const trip = record.json as BenchTrip & { source?: string };
    trip.source = 'NYCTAXI';
    return ok(trip);
  },
  { logger: silentLogger },
);

const tripSchema = defineSchema({
  name: 'trip',
  fields: {
    id: field.string({ pattern: /^id\d{7}$/ }),
    vendorId: field.int({ enum: [1, 2] }),
    pickupDate: field.timestamp(),
    dropoffDate: field.timestamp(),
    passengerCount: field.int({ min: 0, max: 9 }),
    pickupLongitude: field.double({ min: -180, max: 180 }),
    pickupLatitude: field.double({ min: -90, max: 90 }),
    dropoffLongitude: field.double({ min: -180, max: 180 }),
    dropoffLatitude: field.double({ min: -90, max: 90 }),
    storeAndFwdFlag: field.string({ enum: ['N', 'Y'] }),
    gcDistance: field.double({ min: 0 }),
    tripDuration: field.int({ min: 0 }),
    googleDistance: field.int({ min: 0 }),
    googleDuration: field.int({ min: 0 }),
  },
});

const validatingHandler = firehoseTransform((record) => ok({ ...record.value, source: 'NYCTAXI' }), {
  logger: silentLogger,
  validate: tripSchema,
});

type Runner = (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function main(): Promise<void> {
  const { event, trips } = sixMegabyteEvent();
  const bytes = eventBytes(event);
  const runners: Array<[string, Runner]> = [
    ['plain handler', plainHandler],
    ['firehoseTransform', (e) => libraryHandler(e, lambdaContext({ remainingMs: 300_000 }))],
    ['firehoseTransform + schema', (e) => validatingHandler(e, lambdaContext({ remainingMs: 300_000 }))],
  ];

  // Same output from all three (the validating one writes `source` after the validated fields, like the others).
  for (const [name, run] of runners) {
    const response = await run(structuredClone(event));
    const counts = countResults(response);
    if (counts.Ok !== trips) throw new Error(`${name}: ${counts.Ok} of ${trips} records Ok`);
    console.log(`${name}: response ${responseBytes(response)} bytes`);
  }

  const times = new Map<string, number[]>(runners.map(([name]) => [name, []]));
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    // Alternate (and rotate the order) so drift and GC hit every runner alike.
    const order = runners.map((_, i) => runners[(i + round) % runners.length] as [string, Runner]);
    for (const [name, run] of order) {
      const started = process.hrtime.bigint();
      await run(event);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (round >= WARMUP) times.get(name)?.push(ms);
    }
  }

  console.log(
    `\nbatch: ${trips} taxi records, event ${(bytes / 1e6).toFixed(2)} MB; median of ${ROUNDS} rounds after ${WARMUP} warm-up`,
  );
  const base = median(times.get('plain handler') ?? []);
  for (const [name] of runners) {
    const ms = median(times.get(name) ?? []);
    const ratio = ms / base;
    const perSecond = Math.round(trips / (ms / 1000)).toLocaleString('en-US');
    const megabytesPerSecond = (bytes / 1e6 / (ms / 1000)).toFixed(1);
    const cost = `${((ratio - 1) * 100).toFixed(1)}% vs plain`;
    console.log(
      `${name.padEnd(28)} ${ms.toFixed(1).padStart(7)} ms  ${perSecond.padStart(9)} records/s  ` +
        `${megabytesPerSecond.padStart(6)} MB/s  ×${ratio.toFixed(3)} (${cost})`,
    );
  }
}

await main();
