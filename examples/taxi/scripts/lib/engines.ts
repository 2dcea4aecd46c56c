/**
 * The engines of a run: kinesis-mock and OpenSearch from @pipeline/local-stack, the analyses' Flink SQL job on a local
 * MiniCluster (the same runner jar Managed Flink runs), and the clean state folder they live in.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeParamsFile } from '@pipeline/flink-sql';
import { packageApplicationJar, RUNNER_MAIN_CLASS } from '@pipeline/flink-sql-runner';
import { defaultStateDir, type FlinkJob, type LocalStack, startFlinkJob, startStack } from '@pipeline/local-stack';
import type { AnalyticsJob, EngineEndpoints } from './analyses.js';

export const STREAM = 'trips';

/** `.local-stack/taxi-run` at the repository root. */
export function runStateDir(): string {
  return path.join(defaultStateDir(), 'taxi-run');
}

/**
 * Removes everything a previous run left (OpenSearch data, the Firehose checkpoint and bucket, Flink's folder), so each
 * run starts clean against fresh engines: a checkpoint of an earlier kinesis-mock would point at records that are gone.
 */
export function cleanRunState(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
}

/** kinesis-mock with a one-shard stream (one shard keeps pickup order, so no record is late) and OpenSearch. */
export function startEngines(dir: string): Promise<LocalStack> {
  return startStack({
    stateDir: dir,
    kinesis: { engine: 'kinesis-mock', streams: { [STREAM]: 1 } },
    opensearch: { name: 'taxi-run', clean: true, heap: '512m' },
  });
}

/** Creates an index with one shard, no replicas and the given mapping. */
export async function createIndex(url: string, index: string, mappings: unknown): Promise<void> {
  const res = await fetch(`${url}/${index}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings }),
  });
  if (!res.ok) throw new Error(`creating index ${index}: ${res.status} ${await res.text()}`);
}

/**
 * The analytics job in one application jar and one Flink job (parallelism 1), its indexes created first. State in
 * RocksDB, as on Managed Flink: the deduplication remembers every trip id of the day (about 100 bytes each in a
 * checkpoint, several times that as heap objects), so its state grows with the volume; on the heap, a 1 GB JVM
 * stalled in garbage collection at about half a million trips (when four copies of the deduplication ran).
 */
export async function startAnalyticsJob(dir: string, job: AnalyticsJob, endpoints: EngineEndpoints): Promise<FlinkJob> {
  for (const analysis of job.analyses) await createIndex(endpoints.opensearchUrl, analysis.index, analysis.mapping);
  const appJar = await packageApplicationJar({ sql: { [job.sqlFile]: job.sql }, out: path.join(dir, 'app.jar') });
  const paramsFile = path.join(dir, 'params.json');
  writeParamsFile(paramsFile, job.parameters(endpoints));
  return startFlinkJob({
    jar: appJar,
    mainClass: RUNNER_MAIN_CLASS,
    args: ['--params', paramsFile],
    stateDir: dir,
    name: 'taxi-run',
    heap: '1g',
    stateBackend: 'rocksdb',
    flinkConf: { 'parallelism.default': 1 },
  });
}

/**
 * Flink's `numLateRecordsDropped` of every operator that reports it, by `<operator>: <metric id>` (REST metrics;
 * the REST metric store is refreshed every 10 s, so it is empty at first).
 */
export async function lateRecordMetrics(job: FlinkJob): Promise<Record<string, number>> {
  const detail = await job.rest<{ vertices: Array<{ id: string; name: string }> }>(`/jobs/${job.jobId}`);
  const late: Record<string, number> = {};
  for (const vertex of detail.vertices) {
    const base = `/jobs/${job.jobId}/vertices/${vertex.id}/metrics`;
    const ids = (await job.rest<Array<{ id: string }>>(base))
      .map((m) => m.id)
      .filter((metric) => metric.endsWith('numLateRecordsDropped'));
    if (ids.length === 0) continue;
    const values = await job.rest<Array<{ id: string; value: string }>>(`${base}?get=${ids.join(',')}`);
    for (const v of values) late[`${vertex.name.slice(0, 40)}: ${v.id}`] = Number(v.value);
  }
  return late;
}

/** The late records dropped by all operators; undefined while no operator reports the metric yet. */
export async function lateRecordsDropped(job: FlinkJob): Promise<number | undefined> {
  const values = Object.values(await lateRecordMetrics(job));
  return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
}
