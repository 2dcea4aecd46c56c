/**
 * The taxi pipeline end to end on this machine (`npm start` at the repository root runs this after installing and
 * building; `--help` prints the options):
 *
 *   trips ─► @pipeline/producer (KPL) ─► kinesis-mock ─┬─► Flink SQL analyses ─► OpenSearch (trip-stats, …)
 *                                                      ├─► event-source poller ─► opensearch-sink's Lambda handler
 *                                                      │     ─► OpenSearch (raw trips)
 *                                                      └─► local Firehose ─► taxi transform Lambda ─► Parquet
 *
 * then a reconciliation of every count and analysis (exit 1 when anything does not reconcile).
 */
import { parseRunArgs, USAGE, UsageError } from './lib/cli.js';
import { runPipeline } from './lib/run-pipeline.js';

let options: ReturnType<typeof parseRunArgs>;
try {
  options = parseRunArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`taxi: ${error.message}\nRun with --help for the options.\n`);
  process.exit(2);
}
if (options === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}
process.exit(await runPipeline(options));
