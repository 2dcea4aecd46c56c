/**
 * Volume bench (`pnpm --filter @pipeline/example-taxi bench [-- --count N] [--speedup X] [--seed N]`): N generated
 * trips (default 1,000,000) through both legs, printing per leg records/s and wall time, each engine's peak RSS and
 * the reconciliation — the same run as `npm start -- --count N`. Exit 1 when it does not reconcile.
 */
import { parseRunArgs, USAGE, UsageError } from './lib/cli.js';
import { runPipeline } from './lib/run-pipeline.js';

const argv = process.argv.slice(2).filter((arg, i) => !(i === 0 && arg === '--'));
let options: ReturnType<typeof parseRunArgs>;
try {
  options = parseRunArgs(argv.includes('--count') || argv.includes('--file') ? argv : ['--count', '1000000', ...argv]);
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`bench: ${error.message}\nRun with --help for the options.\n`);
  process.exit(2);
}
if (options === 'help') {
  process.stdout.write(`${USAGE}\nThe bench is the same run with --count 1000000 unless --count or --file is given.\n`);
  process.exit(0);
}
process.exit(await runPipeline(options));
