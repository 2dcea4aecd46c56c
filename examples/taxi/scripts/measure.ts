/**
 * Measures the local trip-statistics pipeline (issue 3, item 8):
 *
 *   pnpm run measure [-- --samples 20]
 *
 * - cold start of each engine, one after the other so they do not compete: kinesis-mock (spawn -> ListStreams answers
 *   and the stream is ACTIVE), OpenSearch (spawn -> cluster health yellow, fresh data folder), and the Flink job
 *   (JVM spawn -> job RUNNING with all tasks running; the runner jar with the SQL generated from tripSchema);
 * - resident memory (RSS, the process and its children) of each right after it is ready, and after the run;
 * - put -> aggregate-visible latency on the running job: put one trip in a new 1-minute window plus a closing record
 *   past it (one `putAll` + `flush()` through @pipeline/producer, aggregation on), then time until the window's
 *   document can be read by id (GET is real-time) and until a search finds it (after the index refresh, 1 s).
 *
 * Needs JDK 17 and the cached Maven artefacts (as the integration tests). Prints a table.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bindParameters, writeParamsFile } from '@pipeline/flink-sql';
import { ensureRunnerJar, packageApplicationJar, RUNNER_MAIN_CLASS } from '@pipeline/flink-sql-runner';
import {
  defaultStateDir,
  type FlinkJob,
  type KinesisEmulator,
  LOCAL_CREDENTIALS,
  type OpenSearchNode,
  startFlinkJob,
  startKinesis,
  startOpenSearch,
} from '@pipeline/local-stack';
import { KinesisProducer } from '@pipeline/producer';
import { formatTimestamp } from '@pipeline/schema';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { readTripCsvFile } from '../src/csv.js';
import { TRIP_OUT_OF_ORDERNESS_SECONDS, tripStatsJob } from '../src/pipeline.js';
import type { Trip } from '../src/schema.js';
import { collect, fixturePath } from '../test/helpers/paths.js';
import { createIndex } from '../test/helpers/stats.js';
import { treeRssMiB } from './lib/rss.js';

const { values: args } = parseArgs({ options: { samples: { type: 'string', default: '20' } } });
const SAMPLES = Number(args.samples);
if (!Number.isInteger(SAMPLES) || SAMPLES < 1) throw new Error('--samples must be a positive integer');

const STREAM = 'trips';
const INDEX = 'trip-stats';
const MINUTE = 60_000;
const stateDir = path.join(defaultStateDir(), `taxi-measure-${process.pid}`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

interface EngineRow {
  engine: string;
  startMs: number;
  rssReady: number;
  pid: number;
}

const rows: EngineRow[] = [];
let kinesis: KinesisEmulator | undefined;
let opensearch: OpenSearchNode | undefined;
let job: FlinkJob | undefined;
let producer: KinesisProducer | undefined;

async function timed<T extends { pid: number }>(engine: string, start: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const handle = await start();
  const startMs = performance.now() - t0;
  await sleep(500);
  rows.push({ engine, startMs, rssReady: treeRssMiB(handle.pid), pid: handle.pid });
  console.error(`${engine}: ready in ${startMs.toFixed(0)} ms`);
  return handle;
}

try {
  await ensureRunnerJar();
  fs.mkdirSync(stateDir, { recursive: true });

  kinesis = await timed('kinesis-mock', () =>
    startKinesis({ engine: 'kinesis-mock', streams: { [STREAM]: 1 }, stateDir }),
  );
  opensearch = await timed('OpenSearch 2.19.6', () =>
    startOpenSearch({ stateDir, name: 'measure', clean: true, heap: '512m' }),
  );

  const stats = tripStatsJob({ local: true, startPosition: 'TRIM_HORIZON' });
  const appJar = await packageApplicationJar({
    sql: { '10-trip-stats.sql': stats.sql },
    out: path.join(stateDir, 'app.jar'),
  });
  const paramsFile = path.join(stateDir, 'params.json');
  const endpoint = kinesis.endpoint;
  const opensearchUrl = opensearch.url;
  writeParamsFile(
    paramsFile,
    bindParameters(stats, {
      kinesisStream: STREAM,
      awsRegion: kinesis.region,
      kinesisEndpoint: endpoint,
      kinesisAccessKeyId: LOCAL_CREDENTIALS.accessKeyId,
      kinesisSecretKey: LOCAL_CREDENTIALS.secretAccessKey,
      opensearchHosts: opensearchUrl,
      opensearchIndex: INDEX,
    }),
  );
  await createIndex(opensearchUrl, INDEX, stats.mapping);
  job = await timed('Flink job (MiniCluster)', () =>
    startFlinkJob({
      jar: appJar,
      mainClass: RUNNER_MAIN_CLASS,
      args: ['--params', paramsFile],
      stateDir,
      name: 'measure',
      heap: '1g',
      flinkConf: { 'parallelism.default': 1 },
    }),
  );

  const kinesisProducer = new KinesisProducer({
    streamName: STREAM,
    clientConfig: {
      endpoint,
      region: kinesis.region,
      credentials: { ...LOCAL_CREDENTIALS },
      requestHandler: new NodeHttpHandler(),
    },
    aggregationEnabled: true,
    maxConnections: 1,
  });
  producer = kinesisProducer;
  const template = (await collect(readTripCsvFile(fixturePath)))[0] as Trip;
  const trip = (n: number, vendorId: 1 | 2, at: number): Trip => ({
    ...template,
    id: `id${String(n).padStart(7, '0')}`,
    vendorId,
    pickupDate: formatTimestamp(at),
    dropoffDate: formatTimestamp(at + template.tripDuration * 1000),
  });

  // One warm-up window (the first records through a fresh job pay for class loading and code generation).
  const base = Date.UTC(2024, 0, 1, 8, 0, 0);
  const getVisible: number[] = [];
  const searchVisible: number[] = [];
  for (let i = 0; i <= SAMPLES; i++) {
    const windowStart = base + i * 3 * MINUTE;
    const closingAt = windowStart + MINUTE + (TRIP_OUT_OF_ORDERNESS_SECONDS + 1) * 1000;
    const id = `${formatTimestamp(windowStart)}_1`;
    const t0 = performance.now();
    for await (const outcome of kinesisProducer.putAll([
      { partitionKey: `m${i}`, data: JSON.stringify(trip(2 * i + 1, 1, windowStart + 10_000)) },
      { partitionKey: `c${i}`, data: JSON.stringify(trip(2 * i + 2, 2, closingAt)) },
    ])) {
      if (!outcome.ok) throw outcome.error;
    }
    await kinesisProducer.flush();
    let got: number | undefined;
    let found: number | undefined;
    const deadline = t0 + 30_000;
    while ((got === undefined || found === undefined) && performance.now() < deadline) {
      if (got === undefined) {
        const res = await fetch(`${opensearchUrl}/${INDEX}/_doc/${encodeURIComponent(id)}`);
        if (res.ok && ((await res.json()) as { _source?: { trips?: number } })._source?.trips === 1) {
          got = performance.now() - t0;
        }
      }
      if (found === undefined) {
        const res = await fetch(`${opensearchUrl}/${INDEX}/_search`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: { ids: { values: [id] } } }),
        });
        if (res.ok && ((await res.json()) as { hits: { total: { value: number } } }).hits.total.value === 1) {
          found = performance.now() - t0;
        }
      }
      await sleep(10);
    }
    if (got === undefined || found === undefined) {
      throw new Error(`window ${id} not visible within 30 s:\n${job.logTail(40)}`);
    }
    if (i === 0) {
      console.error(
        `warm-up window: GET-visible after ${got.toFixed(0)} ms, search-visible after ${found.toFixed(0)} ms`,
      );
    } else {
      getVisible.push(got);
      searchVisible.push(found);
    }
  }

  const after = new Map(rows.map((r) => [r.engine, treeRssMiB(r.pid)]));
  const line = (cells: string[], widths: number[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ');
  const widths = [24, 12, 17, 21];
  console.log(line(['engine', 'cold start', 'RSS when ready', `RSS after ${SAMPLES + 1} windows`], widths));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) {
    console.log(
      line(
        [
          r.engine,
          `${(r.startMs / 1000).toFixed(1)} s`,
          `${r.rssReady.toFixed(0)} MiB`,
          `${(after.get(r.engine) ?? Number.NaN).toFixed(0)} MiB`,
        ],
        widths,
      ),
    );
  }
  console.log('');
  console.log(
    `put -> aggregate visible, ${SAMPLES} windows (one trip + a closing record each, after a warm-up window):`,
  );
  for (const [label, samples] of [
    ['GET by id (real-time)', getVisible],
    ['search (after refresh)', searchVisible],
  ] as const) {
    const sorted = [...samples].sort((a, b) => a - b);
    console.log(
      `  ${label.padEnd(24)} p50 ${percentile(sorted, 50).toFixed(0)} ms, p95 ${percentile(sorted, 95).toFixed(0)} ms ` +
        `(min ${sorted[0]?.toFixed(0)}, max ${sorted.at(-1)?.toFixed(0)})`,
    );
  }
} finally {
  await producer?.close();
  await job?.stop();
  await Promise.all([kinesis?.stop(), opensearch?.stop()]);
  fs.rmSync(stateDir, { recursive: true, force: true });
}
// FlinkJob.stop() leaves its grace timer (20 s) pending after the JVM exited; do not wait for it.
process.exit(0);
