/** The command line of `npm start` (scripts/run.ts): options, defaults, usage and one-line errors. */
import fs from 'node:fs';
import { parseArgs } from 'node:util';

/** The usage text (a plain file, so scripts/start.mjs can print it before anything is installed). */
export const USAGE = fs.readFileSync(new URL('../usage.txt', import.meta.url), 'utf8');

export interface RunOptions {
  readonly source:
    | { readonly kind: 'default' }
    | { readonly kind: 'file'; readonly path: string }
    | { readonly kind: 'generated'; readonly count: number; readonly seed: number; readonly perMinute: number };
  /** Event-time speed-up; undefined = as fast as possible. */
  readonly speedup: number | undefined;
  readonly keep: boolean;
  readonly dashboardPort: number;
  readonly stallSeconds: number;
}

/** A bad command line; the message is one line, meant to be printed with the usage hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function positiveNumber(option: string, text: string | undefined, integer: boolean): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isSafeInteger(value))) {
    throw new UsageError(
      `--${option} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** Parses the arguments; `'help'` when help was asked for. Throws {@link UsageError} with a one-line message. */
export function parseRunArgs(argv: readonly string[]): RunOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  // `pnpm run x -- --flag` hands the script a literal `--` first.
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        count: { type: 'string' },
        seed: { type: 'string' },
        'per-minute': { type: 'string' },
        file: { type: 'string' },
        speedup: { type: 'string' },
        keep: { type: 'boolean' },
        'dashboard-port': { type: 'string' },
        'stall-seconds': { type: 'string' },
      },
    }));
  } catch (error) {
    // node:util's messages are one line already, but carry a hint about `--` we do not want.
    const message = error instanceof Error ? error.message.split('. To specify')[0] : String(error);
    throw new UsageError(message ?? 'bad arguments');
  }
  if (values.help === true) return 'help';
  const count = positiveNumber('count', values.count as string | undefined, true);
  const seedText = values.seed as string | undefined;
  const seed = seedText === undefined ? 1 : Number(seedText);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got ${JSON.stringify(seedText)}`);
  const perMinute = positiveNumber('per-minute', values['per-minute'] as string | undefined, false) ?? 300;
  const file = values.file as string | undefined;
  if (file !== undefined && count !== undefined) throw new UsageError('give --count or --file, not both');
  if (count === undefined && (values.seed !== undefined || values['per-minute'] !== undefined)) {
    throw new UsageError('--seed and --per-minute apply to generated trips: add --count N');
  }
  const portText = values['dashboard-port'] as string | undefined;
  const dashboardPort = portText === undefined ? 5173 : Number(portText);
  if (!Number.isInteger(dashboardPort) || dashboardPort < 0 || dashboardPort > 65535) {
    throw new UsageError(`--dashboard-port must be 0-65535, got ${JSON.stringify(portText)}`);
  }
  return {
    source:
      count !== undefined
        ? { kind: 'generated', count, seed, perMinute }
        : file !== undefined
          ? { kind: 'file', path: file }
          : { kind: 'default' },
    speedup: positiveNumber('speedup', values.speedup as string | undefined, false),
    keep: values.keep === true,
    dashboardPort,
    stallSeconds: positiveNumber('stall-seconds', values['stall-seconds'] as string | undefined, false) ?? 120,
  };
}
