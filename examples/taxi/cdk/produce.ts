/**
 * Runs the producer against the deployed stream: `pnpm --filter @pipeline/example-taxi produce:aws -- --stream <name>`
 * (the `StreamName` output of the stack). Uses the default AWS credentials chain and region. Sends the synthetic
 * trips (re-based so the first pickup is now), or a CSV file's trips with `--csv <file>`.
 *
 *   --stream NAME      the stack's StreamName output (required)
 *   --count N          synthetic trips (default 1000)
 *   --per-minute N     synthetic pickups per minute (default 60)
 *   --csv FILE         send this workshop-format CSV instead
 */
import { parseArgs } from 'node:util';
import { KinesisProducer } from '@pipeline/producer';
import { readTripCsvFile } from '../src/csv.js';
import { iterateTrips } from '../src/generator.js';
import type { Trip } from '../src/schema.js';

const { values } = parseArgs({
  options: {
    stream: { type: 'string' },
    count: { type: 'string', default: '1000' },
    'per-minute': { type: 'string', default: '60' },
    csv: { type: 'string' },
  },
});
if (!values.stream) {
  console.error('usage: produce.ts --stream <StreamName output> [--count N] [--per-minute N] [--csv FILE]');
  process.exit(2);
}

async function* trips(): AsyncIterable<Trip> {
  if (values.csv) {
    yield* readTripCsvFile(values.csv, { rebaseTo: new Date() });
    return;
  }
  yield* iterateTrips({
    count: Number(values.count),
    tripsPerMinute: Number(values['per-minute']),
    start: new Date(),
  });
}

async function* records() {
  for await (const trip of trips()) yield { partitionKey: trip.id, data: JSON.stringify(trip) };
}

const producer = new KinesisProducer({ streamName: values.stream });
let ok = 0;
let failed = 0;
for await (const outcome of producer.putAll(records())) {
  if (outcome.ok) ok++;
  else {
    failed++;
    console.error(`trip ${outcome.index} failed: ${outcome.error.code} ${outcome.error.message}`);
  }
}
await producer.flush();
const m = producer.metrics();
console.log(
  `${ok} trips put to ${values.stream} in ${m.KinesisRecordsPut} Kinesis records (${m.PutRecordsRequests} requests), ${failed} failed`,
);
await producer.close();
process.exit(failed > 0 ? 1 : 0);
