import { describe, expect, it } from 'vitest';
import { parseRunArgs, USAGE, UsageError } from '../../scripts/lib/cli.js';
import { closingEventTime } from '../../scripts/lib/close-windows.js';
import { type Leg, StallError, waitForLegs } from '../../scripts/lib/legs.js';
import { formatProgress } from '../../scripts/lib/progress.js';
import { paced } from '../../scripts/lib/trip-source.js';
import { iterateTrips } from '../../src/generator.js';

describe('npm start options', () => {
  it('defaults to the sample or fixture, both legs, no pacing', () => {
    expect(parseRunArgs([])).toEqual({
      source: { kind: 'default' },
      speedup: undefined,
      keep: false,
      dashboardPort: 5173,
      stallSeconds: 120,
    });
  });

  it('reads --count, --seed, --per-minute, --speedup, --keep', () => {
    const o = parseRunArgs(['--count', '1000', '--seed', '7', '--per-minute', '60', '--speedup', '600', '--keep']);
    expect(o).toMatchObject({
      source: { kind: 'generated', count: 1000, seed: 7, perMinute: 60 },
      speedup: 600,
      keep: true,
    });
  });

  it('ignores the `--` pnpm passes on', () => {
    expect(parseRunArgs(['--', '--count', '3'])).toMatchObject({ source: { kind: 'generated', count: 3 } });
  });

  it('asks for help with --help and -h', () => {
    expect(parseRunArgs(['--help'])).toBe('help');
    expect(parseRunArgs(['-h'])).toBe('help');
    expect(USAGE).toContain('--count N');
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--count', 'many'], '--count must be a positive integer, got "many"'],
    [['--count', '5', '--file', 'x.csv'], 'give --count or --file, not both'],
    [['--seed', '3'], '--seed and --per-minute apply to generated trips: add --count N'],
    [['--speedup', '0'], '--speedup must be a positive number, got "0"'],
  ])('rejects %j with one line', (argv, message) => {
    let caught: unknown;
    try {
      parseRunArgs(argv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toBe(message);
    expect((caught as Error).message).not.toContain('\n');
  });
});

describe('run helpers', () => {
  it('the closing heartbeat lies past the end of the last day (the running total) and the out-of-orderness bound', () => {
    expect(new Date(closingEventTime(Date.parse('2024-01-01T10:00:30Z'))).toISOString()).toBe(
      '2024-01-02T00:00:06.000Z',
    );
    expect(new Date(closingEventTime(Date.parse('2024-01-01T23:59:59.999Z'))).toISOString()).toBe(
      '2024-01-02T00:00:06.000Z',
    );
  });

  it('the generator never hands out the closing id', () => {
    // The bit for id9999999 is reserved; the same seed still gives the same trips.
    const ids = [...iterateTrips({ count: 1000, seed: 3 })].map((t) => t.id);
    expect(ids).not.toContain('id9999999');
    expect(new Set(ids).size).toBe(1000);
  });

  it('paces trips in event time, in stream order', async () => {
    const trips = [...iterateTrips({ count: 3, tripsPerMinute: 60 })];
    async function* source() {
      yield* trips;
    }
    const out: string[] = [];
    for await (const t of paced(source(), 1000)) out.push(t.id);
    expect(out).toEqual(trips.map((t) => t.id));
  });

  it('formats the progress line', () => {
    const line = formatProgress({
      tripsPut: 1500,
      total: 2000,
      recordsPerSecond: 1234.4,
      kinesisRecords: 12,
      throttled: 1,
      retried: 2,
      windowsArrived: 3,
      windowsExpected: 4,
      lateDropped: 0,
      rawDocuments: 1499,
      parquetRows: 1000,
    });
    expect(line).toBe(
      'trips put 1,500/2,000 | 1,234 rec/s | Kinesis records 12 | throttled/retried 1/2 | windows 3/4 | late dropped 0 | raw docs 1,499 | Parquet rows 1,000',
    );
  });

  it('waits for legs by progress and names a stalled one', async () => {
    let n = 0;
    const moving: Leg = { name: 'moving', target: 3, trips: 3, delivered: () => ++n };
    await waitForLegs([moving], 1, 1);
    expect(moving.doneAt).toBeDefined();
    const stuck: Leg = { name: 'stuck', target: 3, trips: 3, delivered: () => 1 };
    await expect(waitForLegs([stuck], 0.05, 5)).rejects.toThrow(new StallError('no progress for 0.05 s: stuck at 1/3'));
  });
});
