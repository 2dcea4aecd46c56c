/** One run: engines up, trips streamed, legs awaited, reconciliation printed; `--keep` leaves it all running. */

import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Client } from '@opensearch-project/opensearch';
import { ensureRunnerJar } from '@pipeline/flink-sql-runner';
import type { FirehoseDelivery, FlinkJob, LocalStack } from '@pipeline/local-stack';
import type { KinesisProducer } from '@pipeline/producer';
import { TAXI_ANALYTICS_INDICES } from '../../src/analytics.js';
import { startDashboardServer } from '../../src/dashboard/server.js';
import { ANALYTICS } from './analyses.js';
import type { RunOptions } from './cli.js';
import { closeLastWindows } from './close-windows.js';
import { cleanRunState, lateRecordsDropped, runStateDir, STREAM, startAnalyticsJob, startEngines } from './engines.js';
import { bucketDir, startFirehoseLeg } from './firehose-leg.js';
import { type Leg, StallError, waitForLegs } from './legs.js';
import { countDocuments } from './opensearch.js';
import { createProducer, newPutCounters, type PutCounters, putTrips } from './produce.js';
import { ProgressLine } from './progress.js';
import { RAW_TRIPS_INDEX, type RawTripsLeg, startRawTripsLeg } from './raw-trips-leg.js';
import {
  type Check,
  expectedDocuments,
  openBucketViews,
  printChecks,
  reconcileAnalysis,
  reconcileDelivery,
  reconcileRawIndex,
} from './reconcile.js';
import { PeakRss } from './rss.js';
import { RunMetrics } from './run-metrics.js';
import { paced, tripSource } from './trip-source.js';

/** The windows the progress line counts: the 1-minute per-vendor statistics. */
const WINDOWS_INDEX = TAXI_ANALYTICS_INDICES.vendorStats;
const t0 = Date.now();
const log = (message: string) =>
  process.stderr.write(`[taxi +${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);

interface Running {
  stack?: LocalStack;
  job?: FlinkJob;
  delivery?: FirehoseDelivery;
  producer?: KinesisProducer;
  client?: Client;
  raw?: RawTripsLeg;
  stopExtras: Array<() => Promise<void>>;
}

async function shutdown(r: Running): Promise<void> {
  await r.producer?.close({ deadline: Date.now() + 5000 });
  for (const stop of r.stopExtras.reverse()) await stop().catch(() => {});
  await r.delivery?.stop().catch(() => {});
  await r.raw?.stop().catch(() => {});
  await r.job?.stop();
  await r.client?.close();
  await r.stack?.stop();
}

/** Polls what the progress line shows. */
function startProgress(
  r: Running,
  counters: PutCounters,
  total: number | undefined,
  late: { value: number | undefined },
  metrics: RunMetrics,
) {
  const progress = new ProgressLine();
  const client = r.client as Client;
  let busy = false;
  let ticks = 0;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const m = r.producer?.metrics();
      const windowsArrived = await countDocuments(client, WINDOWS_INDEX);
      if (ticks++ % 3 === 0 && r.job !== undefined)
        late.value = await lateRecordsDropped(r.job).catch(() => late.value);
      const seconds = ((counters.endedAt ?? Date.now()) - (counters.startedAt ?? Date.now())) / 1000;
      const recordsPerSecond = seconds > 0 ? counters.put / seconds : 0;
      if (ticks % 2 === 0) await metrics.publish(counters, recordsPerSecond, windowsArrived, late.value);
      progress.update({
        tripsPut: counters.put,
        total,
        recordsPerSecond,
        kinesisRecords: m?.KinesisRecordsPut ?? 0,
        throttled: m?.ErrorsByCode.ProvisionedThroughputExceededException ?? 0,
        retried: m?.Retries ?? 0,
        windowsArrived,
        windowsExpected: counters.windows.size,
        lateDropped: late.value,
        rawDocuments: r.raw?.sink.stats.indexed ?? 0,
        parquetRows: r.delivery?.stats.rows ?? 0,
      });
    } catch {
      // the next tick tries again
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, 1000);
  return {
    progress,
    stop: async () => {
      clearInterval(timer);
      await tick();
      progress.stop();
    },
  };
}

function legTable(legs: readonly Leg[], startedAt: number, write: (line: string) => void): void {
  write('leg                                                wall time     records/s');
  for (const leg of legs) {
    const seconds = ((leg.doneAt ?? Date.now()) - startedAt) / 1000;
    write(
      `${leg.name.padEnd(50)} ${`${seconds.toFixed(1)} s`.padStart(9)} ${Math.round(leg.trips / seconds)
        .toLocaleString('en-US')
        .padStart(13)}`,
    );
  }
}

/**
 * Waits until every analysis index holds as many documents as its oracle computes (the other analyses flush just
 * after the 1-minute windows the legs waited for); a stall is left to the reconciliation, which names what is missing.
 */
async function awaitAnalyses(duck: DuckDBConnection, client: Client, stallSeconds: number): Promise<void> {
  const legs: Leg[] = [];
  for (const analysis of ANALYTICS.analyses) {
    legs.push({
      name: analysis.name,
      target: await expectedDocuments(duck, analysis),
      trips: 0,
      delivered: () => countDocuments(client, analysis.index),
    });
  }
  await waitForLegs(legs, stallSeconds).catch((error: unknown) => {
    if (!(error instanceof StallError)) throw error;
    log(`the analyses stopped short: ${error.message}`);
  });
}

export async function runPipeline(options: RunOptions): Promise<number> {
  const r: Running = { stopExtras: [] };
  const rss = new PeakRss();
  let exitCode = 0;
  try {
    const dir = runStateDir();
    cleanRunState(dir);
    const source = tripSource(options.source);
    log('building the Flink SQL runner jar (a no-op when up to date)…');
    await ensureRunnerJar();
    log('starting kinesis-mock and OpenSearch…');
    r.stack = await startEngines(dir);
    const kinesis = r.stack.kinesis!;
    const opensearch = r.stack.opensearch!;
    r.client = new Client({ node: opensearch.url });
    const endpoints = {
      kinesisStream: STREAM,
      kinesisEndpoint: kinesis.endpoint,
      awsRegion: kinesis.region,
      opensearchUrl: opensearch.url,
    };
    log('starting the Flink SQL job on a local MiniCluster…');
    r.job = await startAnalyticsJob(dir, ANALYTICS, endpoints);
    r.delivery = await startFirehoseLeg(dir, kinesis.endpoint, STREAM);
    r.raw = await startRawTripsLeg(dir, kinesis.endpoint, STREAM, opensearch.url, log);
    const metrics = await RunMetrics.create(r.client, opensearch.url);
    const dashboard = await startDashboardServer(r.client, options.dashboardPort);
    r.stopExtras.push(() => dashboard.close());
    // The SDK's notice that its 2027 releases need Node 22 is not news to this run (the project is on Node 20).
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    r.producer = createProducer(kinesis.endpoint, kinesis.region, STREAM);
    rss.watch('kinesis-mock', kinesis.pid);
    rss.watch('OpenSearch', opensearch.pid);
    rss.watch('Flink MiniCluster', r.job.pid);
    rss.watch('this process (Node)', process.pid);
    log(`Kinesis endpoint  ${kinesis.endpoint} (stream ${STREAM})`);
    log(`OpenSearch        ${opensearch.url}`);
    log(`Flink REST        ${r.job.restUrl}`);
    log(`dashboard         ${dashboard.url}`);
    log(`trips             ${source.description}${options.speedup ? `, at ${options.speedup}x event time` : ''}`);

    const counters = newPutCounters();
    const late: { value: number | undefined } = { value: undefined };
    const shown = startProgress(r, counters, source.expectedCount, late, metrics);
    const idsFile = path.join(dir, 'sent-ids.csv');
    await putTrips(r.producer, paced(source.trips(new Date()), options.speedup), counters, idsFile, (id, message) =>
      shown.progress.log(`trip ${id} failed: ${message}`),
    );
    await r.producer.flush();
    if (counters.lastPickup !== undefined) {
      await closeLastWindows(kinesis.endpoint, kinesis.region, STREAM, counters.lastPickup);
    }
    const client = r.client;
    const delivery = r.delivery;
    const legs: Leg[] = [
      {
        name: 'Kinesis -> Flink SQL -> OpenSearch (windows)',
        target: counters.windows.size,
        trips: counters.put,
        delivered: () => countDocuments(client, WINDOWS_INDEX),
      },
      {
        name: 'Kinesis -> Lambda (opensearch-sink) -> OpenSearch',
        target: counters.put,
        trips: counters.put,
        delivered: () => countDocuments(client, RAW_TRIPS_INDEX),
      },
      {
        name: 'Kinesis -> Firehose -> Lambda -> Parquet',
        target: counters.put,
        trips: counters.put,
        delivered: async () => {
          await delivery.flush();
          const s = delivery.stats;
          return s.rows + s.processingFailed + s.formatConversionFailed + s.partitioningFailed;
        },
      },
    ];
    await waitForLegs(legs, options.stallSeconds);
    await shown.stop();

    const duck = await (await DuckDBInstance.create()).connect();
    await openBucketViews(duck, bucketDir(dir), idsFile);
    const checks: Check[] = [...(await reconcileDelivery(duck, counters))];
    checks.push(await reconcileRawIndex(client, RAW_TRIPS_INDEX, counters));
    await awaitAnalyses(duck, client, options.stallSeconds);
    for (const analysis of ANALYTICS.analyses) checks.push(await reconcileAnalysis(duck, client, analysis));
    late.value = await lateRecordsDropped(r.job);
    checks.push({
      name: 'late records dropped by Flink',
      expected: '0',
      actual: String(late.value ?? 'not reported'),
      ok: late.value === 0,
    });
    const print = (line: string) => process.stdout.write(`${line}\n`);
    print('');
    const ok = printChecks(checks, print);
    print('');
    legTable(legs, counters.startedAt ?? Date.now(), print);
    print('');
    print(`peak RSS: ${[...rss.result()].map(([name, mib]) => `${name} ${mib.toFixed(0)} MiB`).join(', ')}`);
    if (!ok) exitCode = 1;
    print(ok ? 'RECONCILED: every check passed' : 'NOT RECONCILED: see the FAILED lines above');

    if (options.keep) {
      log(`everything keeps running; the dashboard is at ${dashboard.url}; Ctrl-C stops it`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
    }
  } catch (error) {
    exitCode = 1;
    log(`FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  } finally {
    rss.stop();
    await shutdown(r);
  }
  return exitCode;
}
