/**
 * The taxi pipeline end to end on this machine (`npm start` at the repository root runs this after installing and
 * building):
 *
 *   trips CSV ─► @pipeline/producer (KPL aggregation) ─► kinesis-mock ─┬─► Flink SQL job (1-minute windows per vendor)
 *                                                                      │     ─► OpenSearch index `trip-stats`
 *                                                                      └─► local Firehose delivery ─► the taxi
 *                                                                            transform Lambda ─► Parquet (Snappy)
 *
 * It starts the engines with @pipeline/local-stack, generates the job's SQL from the trip schema
 * (@pipeline/flink-sql templates) and runs the same runner jar Managed Flink runs, puts the trips (the real workshop
 * sample when ../shared has it, else the project's fixture; times re-based to now), waits until every window's
 * aggregate is in OpenSearch, checks them against aggregates computed here, and prints them; the Firehose leg delivers
 * the same trips through the transform Lambda into date-partitioned Parquet under `.local-stack/taxi-run/bucket/`,
 * counted with DuckDB.
 *
 *   pnpm --filter @pipeline/example-taxi start [-- --keep] [--file trips.csv]
 *
 * `--keep` leaves the engines running (Ctrl-C stops them) so you can query OpenSearch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { bindParameters, writeParamsFile } from '@pipeline/flink-sql';
import { ensureRunnerJar, packageApplicationJar, RUNNER_MAIN_CLASS } from '@pipeline/flink-sql-runner';
import {
  defaultStateDir,
  type FirehoseDelivery,
  type FlinkJob,
  LOCAL_CREDENTIALS,
  type LocalStack,
  startFirehoseDelivery,
  startFlinkJob,
  startStack,
} from '@pipeline/local-stack';
import { KinesisProducer } from '@pipeline/producer';
import { formatTimestamp, parseTimestamp } from '@pipeline/schema';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readTripCsvFile } from '../src/csv.js';
import { TRIP_OUT_OF_ORDERNESS_SECONDS, tripStatsJob } from '../src/pipeline.js';
import { enrichedTripSchema, type Trip } from '../src/schema.js';
import { handler as transformHandler } from '../src/transform.js';
import { collect, fixturePath, sampleExists, samplePath } from '../test/helpers/paths.js';
import { compareStats, createIndex, expectedStats, fetchDocs } from '../test/helpers/stats.js';

const { values: args } = parseArgs({ options: { keep: { type: 'boolean' }, file: { type: 'string' } } });
const STREAM = 'trips';
const INDEX = 'trip-stats';
const MINUTE = 60_000;
const DEADLINE_MS = 120_000;
const stateDir = path.join(defaultStateDir(), 'taxi-run');
const log = (message: string) => process.stderr.write(`[taxi] ${message}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let stack: LocalStack | undefined;
let job: FlinkJob | undefined;
let producer: KinesisProducer | undefined;
let delivery: FirehoseDelivery | undefined;
let exitCode = 0;

async function shutdown(): Promise<void> {
  await producer?.close({ deadline: Date.now() + 5000 });
  await delivery?.stop();
  await job?.stop();
  await stack?.stop();
}

try {
  const file = args.file ?? (sampleExists ? samplePath : fixturePath);
  log(`building the Flink SQL runner jar (first run: Maven downloads)…`);
  await ensureRunnerJar();

  log('starting kinesis-mock and OpenSearch…');
  fs.mkdirSync(stateDir, { recursive: true });
  stack = await startStack({
    stateDir,
    kinesis: { engine: 'kinesis-mock', streams: { [STREAM]: 1 } },
    opensearch: { name: 'taxi-run', clean: true },
  });
  const kinesis = stack.kinesis!;
  const opensearch = stack.opensearch!;

  const stats = tripStatsJob({ local: true, startPosition: 'TRIM_HORIZON' });
  const appJar = await packageApplicationJar({
    sql: { '10-trip-stats.sql': stats.sql },
    out: path.join(stateDir, 'app.jar'),
  });
  const paramsFile = path.join(stateDir, 'params.json');
  writeParamsFile(
    paramsFile,
    bindParameters(stats, {
      kinesisStream: STREAM,
      awsRegion: kinesis.region,
      kinesisEndpoint: kinesis.endpoint,
      kinesisAccessKeyId: LOCAL_CREDENTIALS.accessKeyId,
      kinesisSecretKey: LOCAL_CREDENTIALS.secretAccessKey,
      opensearchHosts: opensearch.url,
      opensearchIndex: INDEX,
    }),
  );
  await createIndex(opensearch.url, INDEX, stats.mapping);
  log('starting the Flink SQL job on a local MiniCluster…');
  job = await startFlinkJob({
    jar: appJar,
    mainClass: RUNNER_MAIN_CLASS,
    args: ['--params', paramsFile],
    stateDir,
    name: 'taxi-run',
    flinkConf: { 'parallelism.default': 1 },
  });

  // Re-based so the first pickup is now: the windows are this minute's and the next ones.
  const trips: Trip[] = await collect(readTripCsvFile(file, { rebaseTo: new Date() }));
  log(`putting ${trips.length} trips from ${path.relative(process.cwd(), file)} through @pipeline/producer…`);
  producer = new KinesisProducer({
    streamName: STREAM,
    clientConfig: {
      endpoint: kinesis.endpoint,
      region: kinesis.region,
      credentials: { ...LOCAL_CREDENTIALS },
      requestHandler: new NodeHttpHandler(),
    },
  });
  let failed = 0;
  for await (const outcome of producer.putAll(trips.map((t) => ({ partitionKey: t.id, data: JSON.stringify(t) })))) {
    if (!outcome.ok) {
      failed++;
      log(`trip ${outcome.index} failed: ${outcome.error.code} ${outcome.error.message}`);
    }
  }
  // A closing record past the last window (and the out-of-orderness bound) lets the watermark close it.
  const last = Math.max(...trips.map((t) => parseTimestamp(t.pickupDate)));
  const closingAt = (Math.floor(last / MINUTE) + 1) * MINUTE + (TRIP_OUT_OF_ORDERNESS_SECONDS + 1) * 1000;
  const closing: Trip = {
    ...trips[0]!,
    id: 'id9999999',
    pickupDate: formatTimestamp(closingAt),
    dropoffDate: formatTimestamp(closingAt + 60_000),
  };
  await producer.put({ partitionKey: closing.id, data: JSON.stringify(closing) });
  await producer.flush();
  const m = producer.metrics();
  log(
    `producer: ${m.UserRecordsPut} records in ${m.KinesisRecordsPut} Kinesis records (${m.PutRecordsRequests} requests), ${failed} failed`,
  );

  const expected = expectedStats(trips);
  log(`waiting for ${expected.size} window aggregates in OpenSearch (${opensearch.url}/${INDEX})…`);
  const started = Date.now();
  let docs = await fetchDocs(opensearch.url, INDEX);
  while (docs.size < expected.size && Date.now() - started < DEADLINE_MS) {
    await sleep(500);
    docs = await fetchDocs(opensearch.url, INDEX);
  }
  const mismatches = compareStats(expected, docs);
  if (docs.size < expected.size || mismatches.length > 0) {
    exitCode = 1;
    log(`FAILED: ${docs.size}/${expected.size} aggregates after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    for (const mismatch of mismatches.slice(0, 10)) log(`  ${mismatch}`);
  } else {
    log(
      `all ${docs.size} aggregates arrived ${((Date.now() - started) / 1000).toFixed(1)} s after the last put, equal to ours`,
    );
  }
  const rows = [...docs.values()].sort((a, b) => String(a.windowStart).localeCompare(String(b.windowStart)));
  console.log('window start (UTC)        vendor  trips  passengers  avg duration s  avg distance mi');
  for (const d of rows) {
    console.log(
      `${String(d.windowStart).padEnd(25)} ${String(d.vendorId).padStart(6)} ${String(d.trips).padStart(6)} ${String(d.passengers).padStart(11)} ${Number(d.avgDurationSeconds).toFixed(1).padStart(15)} ${Number(d.avgDistanceMiles).toFixed(2).padStart(16)}`,
    );
  }

  // The Firehose leg: the same stream, through the taxi transform Lambda, into Parquet partitioned by pickup hour.
  const bucketDir = path.join(stateDir, 'bucket');
  fs.rmSync(bucketDir, { recursive: true, force: true });
  delivery = await startFirehoseDelivery({
    kinesisEndpoint: kinesis.endpoint,
    streamName: STREAM,
    handler: transformHandler,
    schema: enrichedTripSchema,
    bucketDir,
    prefix:
      'nyctaxitrips/year=!{partitionKeyFromLambda:year}/month=!{partitionKeyFromLambda:month}/day=!{partitionKeyFromLambda:day}/hour=!{partitionKeyFromLambda:hour}/',
    errorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
    bufferingHints: { sizeInMBs: 1, intervalInSeconds: 900 },
    checkpointFile: path.join(stateDir, 'firehose-checkpoint.json'),
  });
  await delivery.flush();
  const duck = await (await DuckDBInstance.create()).connect();
  const counted = await duck.runAndReadAll(
    `SELECT count(*)::INTEGER AS n, count(DISTINCT hour)::INTEGER AS hours FROM read_parquet('${bucketDir}/nyctaxitrips/**/*.parquet', hive_partitioning = true)`,
  );
  const [row] = counted.getRowObjectsJson() as Array<{ n: number; hours: number }>;
  const f = delivery.stats;
  log(
    `Firehose leg: ${f.ok} trips Ok, ${f.processingFailed} failed in the Lambda, ${f.formatConversionFailed} failed conversion; ` +
      `Parquet holds ${row?.n ?? 0} rows in ${row?.hours ?? 0} hour partitions under ${path.relative(process.cwd(), bucketDir)}`,
  );
  // The closing record is a trip too, so it is in Parquet as well.
  if (row?.n !== trips.length + 1) {
    exitCode = 1;
    log(`FAILED: expected ${trips.length + 1} Parquet rows`);
  }

  if (args.keep && exitCode === 0) {
    log(
      `running: OpenSearch ${opensearch.url} (index ${INDEX}), Kinesis ${kinesis.endpoint}, Flink REST ${job.restUrl}`,
    );
    log('Ctrl-C stops everything');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
  }
} catch (error) {
  exitCode = 1;
  log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await shutdown();
}
process.exit(exitCode);
