/**
 * Writes synthetic trips in the workshop CSV format.
 *
 *   pnpm run fixture                                   # regenerate test/fixtures/trips.csv (seed 42, 300 trips)
 *   pnpm run generate -- --count 5000 --seed 7 [--start 2024-05-01T08:00:00Z] [--header] [--out trips.csv]
 *
 * Without --out the CSV goes to stdout. Large counts stream; nothing is held in memory.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { iterateTrips, tripCsvLines } from '../src/index.js';

const FIXTURE = { seed: 42, count: 300 } as const;
const FIXTURE_PATH = new URL('../test/fixtures/trips.csv', import.meta.url);

const { values } = parseArgs({
  options: {
    fixture: { type: 'boolean', default: false },
    count: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    start: { type: 'string' },
    header: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});

const options = values.fixture
  ? { count: FIXTURE.count, seed: FIXTURE.seed }
  : {
      count: Number(values.count),
      seed: Number(values.seed),
      ...(values.start === undefined ? {} : { start: new Date(values.start) }),
    };
const out = values.fixture ? FIXTURE_PATH : values.out;
const lines = Readable.from(tripCsvLines(iterateTrips(options), { header: values.header }));
if (out === undefined) {
  await pipeline(lines, process.stdout);
} else {
  await pipeline(lines, createWriteStream(out));
  console.error(`wrote ${options.count} trips (seed ${options.seed}) to ${out instanceof URL ? out.pathname : out}`);
}
