// The proof (issue 3, item 7): kinesis-mock (1 shard) -> the runner jar with the trip-statistics SQL generated from
// tripSchema, on a Flink MiniCluster (parallelism 1) -> OpenSearch. Over 5,000 trips go through @pipeline/producer
// with KPL aggregation on; the documents must equal aggregates computed here, independently of Flink.
import fs from 'node:fs';
import path from 'node:path';
import { bindParameters, packageApplicationJar, RUNNER_MAIN_CLASS, writeParamsFile } from '@pipeline/flink-sql';
import { defaultStateDir, type FlinkJob, LOCAL_CREDENTIALS, startFlinkJob } from '@pipeline/local-stack';
import { KinesisProducer } from '@pipeline/producer';
import { formatTimestamp } from '@pipeline/schema';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildRunnerJar } from '../../scripts/lib/engines.js';
import { readTripCsvFile } from '../../src/csv.js';
import { TRIP_OUT_OF_ORDERNESS_SECONDS, tripStatsJob } from '../../src/pipeline.js';
import type { Trip } from '../../src/schema.js';
import { collect, fixturePath, sampleExists, samplePath } from '../helpers/paths.js';
import {
  compareStats,
  countDocs,
  createIndex,
  expectedStats,
  fetchDocs,
  lastPickup,
  lateRecordsDropped,
  replay,
  rssMiB,
  spanMinutes,
} from '../helpers/stats.js';
import { TRIPS_STREAM } from './global-setup.js';

/** At least this many trips go through the pipeline. */
const MIN_TRIPS = 5_000;
/** All aggregates must be in OpenSearch, equal to the expected ones, this long after the closing record's flush. */
const AGGREGATES_DEADLINE_MS = 60_000;
const INDEX = 'trip-stats';
const dir = path.join(defaultStateDir(), `taxi-it-${process.pid}`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('trip statistics: kinesis-mock -> Flink SQL (1-minute windows) -> OpenSearch', () => {
  let job: FlinkJob | undefined;
  let producer: KinesisProducer | undefined;

  beforeAll(() => {
    // The runner jar (Maven, offline when cached; a no-op when it is up to date).
    buildRunnerJar();
    fs.mkdirSync(dir, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await producer?.close();
    await job?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it(`aggregates >= ${MIN_TRIPS} KPL-aggregated trips into per-window, per-vendor documents`, async () => {
    const opensearchUrl = inject('opensearchUrl');
    const endpoint = inject('kinesisMockEndpoint');
    const region = inject('kinesisMockRegion');

    // The trips: the real workshop sample when present, else the shipped fixture, repeated with fresh ids. Each copy
    // is shifted by whole windows, leaving a gap of more than the out-of-orderness bound after the previous copy.
    // (TAXI_IT_TRIPS=fixture forces the fixture, as on a machine without the sample.)
    const source = sampleExists && process.env.TAXI_IT_TRIPS !== 'fixture' ? samplePath : fixturePath;
    const base = await collect(readTripCsvFile(source));
    const repeats = Math.ceil(MIN_TRIPS / base.length);
    const gapMinutes = Math.ceil(TRIP_OUT_OF_ORDERNESS_SECONDS / 60) + 1;
    const shiftMinutes = spanMinutes(base) + gapMinutes;
    const copies = replay(base, repeats, shiftMinutes);
    const all = copies.flat();
    expect(all.length).toBeGreaterThanOrEqual(MIN_TRIPS);
    expect(new Set(all.map((t) => t.id)).size).toBe(all.length);
    const expected = expectedStats(all);
    console.log(
      `${all.length} trips: ${base.length} from ${path.basename(source)} x ${repeats}, shifted by ${shiftMinutes} min; ` +
        `${expected.size} expected documents`,
    );

    // The job: SQL generated from tripSchema, bundled into the jar as on Managed Flink; parameters from a file.
    const stats = tripStatsJob({ local: true, startPosition: 'TRIM_HORIZON' });
    const appJar = await packageApplicationJar({
      sql: { '10-trip-stats.sql': stats.sql },
      out: path.join(dir, 'app.jar'),
    });
    const paramsFile = path.join(dir, 'params.json');
    writeParamsFile(
      paramsFile,
      bindParameters(stats, {
        kinesisStream: TRIPS_STREAM,
        awsRegion: region,
        kinesisEndpoint: endpoint,
        kinesisAccessKeyId: LOCAL_CREDENTIALS.accessKeyId,
        kinesisSecretKey: LOCAL_CREDENTIALS.secretAccessKey,
        opensearchHosts: opensearchUrl,
        opensearchIndex: INDEX,
      }),
    );
    await createIndex(opensearchUrl, INDEX, stats.mapping);

    const t0 = Date.now();
    job = await startFlinkJob({
      jar: appJar,
      mainClass: RUNNER_MAIN_CLASS,
      args: ['--params', paramsFile],
      stateDir: dir,
      name: 'trip-stats',
      heap: '1g',
      flinkConf: { 'parallelism.default': 1 },
    });
    console.log(`Flink job RUNNING ${Date.now() - t0} ms after JVM start (pid ${job.pid})`);

    // The puts, while the job runs. One connection keeps the shard in put order (as the workshop's KPL setting).
    const kinesis = new KinesisProducer({
      streamName: TRIPS_STREAM,
      clientConfig: { endpoint, region, credentials: { ...LOCAL_CREDENTIALS }, requestHandler: new NodeHttpHandler() },
      aggregationEnabled: true,
      maxConnections: 1,
    });
    producer = kinesis;
    const tPut = Date.now();
    let aggregatedTrips = 0;
    const failures: string[] = [];
    const put = async (trips: readonly Trip[]) => {
      const records = trips.map((t) => ({ partitionKey: t.id, data: JSON.stringify(t) }));
      for await (const outcome of kinesis.putAll(records)) {
        if (!outcome.ok) failures.push(`${outcome.record.partitionKey}: ${outcome.error.message}`);
        else if (outcome.result.aggregated) aggregatedTrips++;
      }
      const flushed = await kinesis.flush();
      expect(flushed.complete).toBe(true);
    };
    for (const copy of copies) await put(copy);
    // A closing record past the last window (and past the bound), so the watermark passes every window end.
    const closingAt = (Math.floor(lastPickup(all) / 60_000) + 1) * 60_000 + (TRIP_OUT_OF_ORDERNESS_SECONDS + 60) * 1000;
    const closing: Trip = {
      ...(base[0] as Trip),
      id: 'id9999999',
      pickupDate: formatTimestamp(closingAt),
      dropoffDate: formatTimestamp(closingAt + 60_000),
    };
    await put([closing]);
    const putMs = Date.now() - tPut;
    expect(failures).toEqual([]);
    console.log(`put ${all.length + 1} trips in ${putMs} ms (${aggregatedTrips} inside KPL aggregates)`);
    expect(aggregatedTrips).toBeGreaterThan(all.length / 2);

    // Within the deadline, OpenSearch holds exactly the expected documents.
    const deadline = Date.now() + AGGREGATES_DEADLINE_MS;
    let problems: string[] = ['not read yet'];
    let peakRss = 0;
    while (Date.now() < deadline) {
      peakRss = Math.max(peakRss, rssMiB(job.pid));
      if (!job.running) throw new Error(`the Flink job exited:\n${job.logTail(80)}`);
      if ((await countDocs(opensearchUrl, INDEX)) >= expected.size) {
        problems = compareStats(expected, await fetchDocs(opensearchUrl, INDEX));
        if (problems.length === 0) break;
      }
      await sleep(500);
    }
    const visibleMs = Date.now() - tPut - putMs;
    if (problems.length > 0) console.log(job.logTail(60));
    expect(problems.slice(0, 20)).toEqual([]);
    console.log(
      `all ${expected.size} documents equal the expected aggregates ${visibleMs} ms after the closing flush ` +
        `(deadline ${AGGREGATES_DEADLINE_MS} ms); Flink RSS peak ${peakRss.toFixed(0)} MiB`,
    );

    // The index has the explicit mapping (window bounds are dates), and document ids are window start + vendor.
    const mapping = (await fetch(`${opensearchUrl}/${INDEX}/_mapping`).then((r) => r.json())) as Record<
      string,
      { mappings: { dynamic: string; properties: Record<string, { type: string }> } }
    >;
    expect(mapping[INDEX]?.mappings.properties.windowStart?.type).toBe('date');
    expect(mapping[INDEX]?.mappings.dynamic).toBe('strict');
    const first = [...expected.values()][0] as unknown as Record<string, unknown>;
    expect(stats.sink.documentId(first)).toBe(`${first.windowStart}_${first.vendorId}`);

    // Nothing was late: Flink's dropped-late-records metric of the window operator is 0.
    const late = await lateRecordsDropped(job);
    console.log(`late-record metrics: ${JSON.stringify(late)}`);
    expect(Object.keys(late).length).toBeGreaterThan(0);
    expect(Object.values(late).every((v) => v === 0)).toBe(true);
    expect((await job.jobs()).map((j) => j.state)).toEqual(['RUNNING']);

    // The primary key makes the sink upsert: a second job reading the stream again from TRIM_HORIZON recomputes
    // every window into the same document ids (an append-only sink would double the count). A probe trip in a new
    // window, closed by a record after it, shows when the replay has passed everything before it; the replay also
    // closes the window of the first closing record.
    await job.stop();
    const t1 = Date.now();
    job = await startFlinkJob({
      jar: appJar,
      mainClass: RUNNER_MAIN_CLASS,
      args: ['--params', paramsFile],
      stateDir: dir,
      name: 'trip-stats-replay',
      heap: '1g',
      flinkConf: { 'parallelism.default': 1 },
    });
    const probeAt = Math.floor(closingAt / 60_000) * 60_000 + 2 * 60_000;
    const probe: Trip = { ...closing, id: 'id9999998', pickupDate: formatTimestamp(probeAt) };
    const closingAgain: Trip = { ...closing, id: 'id9999997', pickupDate: formatTimestamp(probeAt + 2 * 60_000) };
    await put([probe, closingAgain]);
    const afterReplay = expectedStats([...all, closing, probe]);
    const probeId = stats.sink.documentId({ windowStart: formatTimestamp(probeAt), vendorId: probe.vendorId });
    expect(afterReplay.has(probeId)).toBe(true);
    const replayDeadline = Date.now() + AGGREGATES_DEADLINE_MS;
    problems = ['not read yet'];
    while (Date.now() < replayDeadline) {
      if (!job.running) throw new Error(`the replay job exited:\n${job.logTail(80)}`);
      if ((await fetch(`${opensearchUrl}/${INDEX}/_doc/${encodeURIComponent(probeId)}`)).ok) {
        problems = compareStats(afterReplay, await fetchDocs(opensearchUrl, INDEX));
        if (problems.length === 0) break;
      }
      await sleep(500);
    }
    expect(problems.slice(0, 20)).toEqual([]);
    console.log(
      `replay from TRIM_HORIZON upserted into the same ${expected.size} ids (+2 new windows) ` +
        `${Date.now() - t1} ms after the second JVM start`,
    );
  });
});
