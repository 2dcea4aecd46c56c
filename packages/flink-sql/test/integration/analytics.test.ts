// The taxi analytics, proven: one Flink job (all five analyses as one statement set, the runner jar on a MiniCluster)
// reads a fixed input from two kinesis-mock shards — out-of-order trips within the bound, duplicates, trips past the
// bound — and its OpenSearch documents equal DuckDB computing the same definitions over the same rows (to 1e-9),
// with the late trips counted by the window operators' numLateRecordsDropped. Watermark heartbeats close the last
// windows and are never counted.
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { defaultStateDir, type FlinkJob, type KinesisEmulator, type OpenSearchNode } from '@pipeline/local-stack';
import { putWatermarkHeartbeats } from '@pipeline/producer';
import { watermarkHeartbeat } from '@pipeline/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NYC_AIRPORT_BOXES, TAXI_ANALYSES } from '../../src/index.js';
import { indexName, startAnalytics } from '../helpers/analytics-job.js';
import { type Engines, startEngines } from '../helpers/engines.js';
import {
  fetchIndex,
  inputWatermark,
  lateRecordCounts,
  putOnShards,
  sinkRecordsIn,
  sourceRecordsOut,
  waitUntil,
} from '../helpers/harness.js';
import { compareDocs, type OracleDocs, oracle } from '../helpers/oracle.js';
import { analyticsFixture, BOUND_SECONDS, batches, type FixtureRecord } from '../helpers/taxi-fixture.js';
import { tripSchema } from '../helpers/taxi-schema.js';

const stateDir = path.join(defaultStateDir(), `flink-sql-analytics-${process.pid}`);
const HEARTBEAT_AT = Date.UTC(2016, 0, 9, 0, 5, 0);

let engines: Engines;
let kinesis: KinesisEmulator;
let opensearch: OpenSearchNode;
let client: KinesisClient;
let jobs: FlinkJob[];

beforeAll(async () => {
  engines = await startEngines(stateDir, 'flink-sql-analytics', { oracle: 2, crash: 2, savepoint: 2 });
  ({ kinesis, opensearch, client, jobs } = engines);
}, 300_000);

afterAll(async () => {
  await engines?.stop();
});

interface FeedOptions {
  /** Batches [from, until) of the fixture. */
  readonly from?: number;
  readonly until?: number;
  /** Records the job's source already read again after a restore (its count starts at 0). */
  readonly baseline?: number;
  readonly boundSeconds?: number;
}

/**
 * Puts the batches one at a time, each after the job has read the previous one (so the shards' interleaving inside a
 * batch, at most two minutes of event time, is all the disorder there is), and before the late batch waits until
 * the watermark passed its windows. Resolves with the records put.
 */
async function feed(
  job: FlinkJob,
  stream: string,
  records: readonly FixtureRecord[],
  options: FeedOptions = {},
): Promise<number> {
  const bound = options.boundSeconds ?? BOUND_SECONDS;
  let read = options.baseline ?? 0;
  let put = 0;
  for (const batch of batches(records).slice(options.from ?? 0, options.until)) {
    if (batch.some((r) => r.late)) {
      const newest = Math.max(...records.filter((r) => !r.late).map((r) => Date.parse(r.trip.pickupDate)));
      await waitUntil(
        'the watermark to pass the regular batches',
        async () => (await inputWatermark(job)) >= newest - bound * 1000,
        60_000,
        job,
      );
    }
    await putOnShards(client, stream, batch);
    put += batch.length;
    read += batch.length;
    const target = read;
    await waitUntil(
      `the source to read ${target} records`,
      async () => (await sourceRecordsOut(job)) >= target,
      60_000,
      job,
    );
  }
  return put;
}

async function heartbeat(stream: string): Promise<void> {
  const placed = await putWatermarkHeartbeats({
    client,
    streamName: stream,
    record: watermarkHeartbeat(tripSchema, 'pickupDate', HEARTBEAT_AT),
  });
  expect(placed).toHaveLength(2);
}

async function documentsEqualOracle(expected: OracleDocs, prefix: string, job: FlinkJob): Promise<void> {
  let problems: string[] = [];
  await waitUntil(
    'the documents to equal the oracle',
    async () => {
      problems = [];
      for (const analysis of TAXI_ANALYSES) {
        const docs = await fetchIndex(opensearch.url, indexName(prefix, analysis));
        problems.push(...compareDocs(expected[analysis], docs).map((p) => `${analysis}: ${p}`));
      }
      return problems.length === 0;
    },
    120_000,
    job,
  ).catch((error: Error) => {
    throw new Error(
      `${error.message.split('\n')[0]}; ${problems.length} differences:\n${problems.slice(0, 30).join('\n')}`,
    );
  });
}

describe('the taxi analytics on a Flink MiniCluster equal DuckDB over the same rows', () => {
  const records = analyticsFixture();
  let expected: OracleDocs;

  beforeAll(async () => {
    expected = await oracle(records, NYC_AIRPORT_BOXES);
  });

  it('has an input that exercises every case', () => {
    expect(records.filter((r) => r.duplicate).length).toBeGreaterThanOrEqual(10);
    expect(records.filter((r) => r.late)).toHaveLength(3);
    expect(new Set(records.map((r) => r.shard))).toEqual(new Set([0, 1]));
    for (const analysis of TAXI_ANALYSES) expect(expected[analysis].size).toBeGreaterThan(0);
    expect([...expected.airportTrips.values()].map((d) => d.airport)).toEqual(
      expect.arrayContaining(['JFK', 'LGA', 'EWR']),
    );
  });

  it('every analysis: documents = oracle, late trips counted by the metric, duplicates and heartbeats never counted', async () => {
    const job = await startAnalytics({
      stateDir,
      name: 'oracle',
      kinesis,
      opensearch,
      stream: 'oracle',
      indexPrefix: 'oracle',
      boundSeconds: BOUND_SECONDS,
    });
    jobs.push(job);
    // one deduplication for the five analyses: its state (every trip id of the day) is held once, not per statement
    const { vertices } = await job.rest<{ vertices: Array<{ name: string }> }>(`/jobs/${job.jobId}`);
    expect(vertices.flatMap((v) => v.name.match(/Deduplicate\[\d+\]/g) ?? [])).toHaveLength(1);
    const put = await feed(job, 'oracle', records);
    expect(put).toBe(records.length);
    await heartbeat('oracle');
    await documentsEqualOracle(expected, 'oracle', job);

    // 3 late trips, dropped by each TUMBLE and HOP operator they reach (3 analyses read every trip, the airport one the
    // JFK trip); the day totals' CUMULATE counts them in its windows that had not fired yet (as the oracle does).
    let late: Record<string, number> = {};
    await waitUntil(
      'the late-record metrics',
      async () => {
        late = await lateRecordCounts(job);
        return Object.values(late).reduce((a, b) => a + b, 0) >= 10;
      },
      30_000,
      job,
    ).catch(() => undefined);
    console.log(`late-record metrics: ${JSON.stringify(late)}`);
    expect(
      Object.values(late)
        .filter((v) => v > 0)
        .sort(),
    ).toEqual([1, 3, 3, 3]);
    // the heartbeats moved the watermark to the day after, and were filtered before the deduplication
    expect(await inputWatermark(job)).toBeGreaterThanOrEqual(HEARTBEAT_AT - BOUND_SECONDS * 1000 - 1);
    expect(await sourceRecordsOut(job)).toBe(records.length + 2);
  });
});

/** Triggers a checkpoint through REST and waits until it completed; resolves with its folder (`.../chk-N`). */
async function checkpointNow(job: FlinkJob): Promise<string> {
  const res = await fetch(`${job.restUrl}/jobs/${job.jobId}/checkpoints`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  if (!res.ok) throw new Error(`POST checkpoints: HTTP ${res.status} ${await res.text()}`);
  const { 'request-id': trigger } = (await res.json()) as { 'request-id': string };
  let location = '';
  await waitUntil(
    'the checkpoint',
    async () => {
      const state = await job.rest<{ status: { id: string }; operation?: { checkpointId?: number } }>(
        `/jobs/${job.jobId}/checkpoints/${trigger}`,
      );
      if (state.status.id !== 'COMPLETED' || state.operation?.checkpointId === undefined) return false;
      const detail = await job.rest<{ external_path: string }>(
        `/jobs/${job.jobId}/checkpoints/details/${state.operation.checkpointId}`,
      );
      location = detail.external_path;
      return true;
    },
    60_000,
    job,
  );
  return location;
}

/** Documents in the analyses' indexes. */
async function documentCount(prefix: string): Promise<number> {
  let n = 0;
  for (const analysis of TAXI_ANALYSES) n += (await fetchIndex(opensearch.url, indexName(prefix, analysis))).size;
  return n;
}

/** Waits until the analyses' document count is the same on three reads 1.5 s apart (the sinks flushed); resolves with it. */
async function documentsSettled(prefix: string): Promise<number> {
  let last = -1;
  let same = 0;
  for (let i = 0; i < 40 && same < 2; i++) {
    const n = await documentCount(prefix);
    same = n === last ? same + 1 : 0;
    last = n;
    if (same < 2) await sleep(1_500);
  }
  return last;
}

describe('the taxi analytics survive a crash and a restart from a savepoint', () => {
  const records = analyticsFixture();
  const all = batches(records);
  const half = Math.floor(all.length / 2);

  it('SIGKILL mid-stream, restart from the retained checkpoint: documents = oracle, re-emitted windows upserted', async () => {
    const expected = await oracle(records, NYC_AIRPORT_BOXES);
    const checkpointDir = path.join(stateDir, 'checkpoints-crash');
    const run = {
      stateDir,
      kinesis,
      opensearch,
      stream: 'crash',
      indexPrefix: 'crash',
      boundSeconds: BOUND_SECONDS,
      checkpointDir,
    };
    // checkpoints only when asked (interval 1 h), so the records after the checkpoint are known: one batch
    const first = await startAnalytics({ ...run, name: 'crash-1', checkpointMs: 3_600_000 });
    jobs.push(first);
    await feed(first, 'crash', records, { until: half });
    const checkpoint = await checkpointNow(first);
    const emittedAtCheckpoint = await sinkRecordsIn(first);
    const replayed = all[half]!.length;
    await feed(first, 'crash', records, { from: half, until: half + 1, baseline: await sourceRecordsOut(first) });
    // Kill only once windows fired after the checkpoint and the sinks flushed them (the restored job fires them
    // again): on a slow machine the watermark or the 1 s bulk flush can lag the source.
    await waitUntil(
      'windows fired after the checkpoint',
      async () => (await sinkRecordsIn(first)) > emittedAtCheckpoint,
      60_000,
      first,
    );
    const docsAtKill = await documentsSettled('crash');
    process.kill(first.pid, 'SIGKILL');
    const exit = await first.exited;
    expect(exit.signal).toBe('SIGKILL');
    await first.stop();
    console.log(`killed with ${docsAtKill} documents written; restoring ${checkpoint}`);

    const second = await startAnalytics({
      ...run,
      name: 'crash-2',
      createIndexes: false,
      restoreFrom: checkpoint,
      checkpointMs: 3_600_000,
    });
    jobs.push(second);
    // the restored source reads the batch after the checkpoint again, then the rest
    await waitUntil('the replay', async () => (await sourceRecordsOut(second)) >= replayed, 60_000, second);
    await feed(second, 'crash', records, { from: half + 1, baseline: replayed });
    await heartbeat('crash');
    await documentsEqualOracle(expected, 'crash', second);
    // The restored job emitted more rows than it added documents: the windows it fired again (they had fired
    // between the checkpoint and the kill) were upserts of existing ids with the same values.
    const added = (await documentCount('crash')) - docsAtKill;
    // The REST metric store refreshes on its own clock: wait until the sinks' counts include every flushed row.
    await waitUntil('the sink metrics caught up', async () => (await sinkRecordsIn(second)) > added, 30_000, second);
    const emitted = await sinkRecordsIn(second);
    console.log(`after the restore: ${emitted} rows emitted, ${added} documents added, ${emitted - added} re-emitted`);
    expect(emitted - added).toBeGreaterThan(0);
  });

  it('stop with a savepoint, resume with a changed out-of-orderness bound: documents = oracle', async () => {
    const changedBound = BOUND_SECONDS + 30;
    const expected = await oracle(records, NYC_AIRPORT_BOXES, changedBound);
    const run = { stateDir, kinesis, opensearch, stream: 'savepoint', indexPrefix: 'savepoint' };
    const first = await startAnalytics({ ...run, name: 'savepoint-1', boundSeconds: BOUND_SECONDS });
    jobs.push(first);
    await feed(first, 'savepoint', records, { until: half });
    const savepoint = await first.stopWithSavepoint(path.join(stateDir, 'savepoints'));
    expect(first.running).toBe(false);
    console.log(`savepoint ${savepoint}`);

    const second = await startAnalytics({
      ...run,
      name: 'savepoint-2',
      boundSeconds: changedBound,
      createIndexes: false,
      restoreFrom: savepoint,
    });
    jobs.push(second);
    expect(fs.readFileSync(path.join(stateDir, 'savepoint-2', 'params.json'), 'utf8')).toContain(
      `"outOfOrdernessSeconds": ${changedBound}`,
    );
    await feed(second, 'savepoint', records, { from: half, boundSeconds: changedBound });
    await heartbeat('savepoint');
    await documentsEqualOracle(expected, 'savepoint', second);
  });
});
