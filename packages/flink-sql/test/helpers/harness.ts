// What the analytics integration tests share: putting fixture batches on chosen shards, the job's REST metrics
// (records read, watermark, late records), and reading an index back.
import { setTimeout as sleep } from 'node:timers/promises';
import { type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { FlinkJob } from '@pipeline/local-stack';
import { listOpenShards } from '@pipeline/producer';
import type { Doc } from './oracle.js';
import type { FixtureRecord } from './taxi-fixture.js';

/** Puts records on the shard each names (by the shard's starting hash key), one PutRecords per shard and call. */
export async function putOnShards(
  client: KinesisClient,
  stream: string,
  records: readonly FixtureRecord[],
): Promise<void> {
  const shards = (await listOpenShards(client, { streamName: stream })).sort((a, b) =>
    a.shardId.localeCompare(b.shardId),
  );
  if (shards.length < 2) throw new Error(`stream ${stream} needs 2 shards, has ${shards.length}`);
  for (let start = 0; start < records.length; start += 500) {
    const entries = records.slice(start, start + 500).map((r) => ({
      PartitionKey: r.trip.id,
      ExplicitHashKey: shards[r.shard]!.startingHashKey,
      Data: Buffer.from(JSON.stringify(r.trip)),
    }));
    const out = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
    if ((out.FailedRecordCount ?? 0) > 0) throw new Error(`${out.FailedRecordCount} records failed`);
    out.Records?.forEach((res, i) => {
      const want = shards[records[start + i]!.shard]!.shardId;
      if (res.ShardId !== want) throw new Error(`record landed on ${res.ShardId}, not ${want}`);
    });
  }
}

interface JobDetail {
  vertices: Array<{ id: string; name: string; metrics: Record<string, number> }>;
}

/**
 * Records the Kinesis source operator emitted (data and control records; the vertex's own write-records counts each
 * once per consumer).
 */
export async function sourceRecordsOut(job: FlinkJob): Promise<number> {
  const detail = await job.rest<JobDetail>(`/jobs/${job.jobId}`);
  const source = detail.vertices.find((v) => v.name.includes('Source'));
  if (!source) return 0;
  const base = `/jobs/${job.jobId}/vertices/${source.id}/metrics`;
  const ids = (await job.rest<Array<{ id: string }>>(base))
    .map((m) => m.id)
    .filter((id) => /^\d+\.Source.*\.numRecordsOut$/.test(id));
  if (ids.length === 0) return 0;
  const values = await job.rest<Array<{ id: string; value: string }>>(`${base}?get=${ids.join(',')}`);
  return values.reduce((sum, v) => sum + Number(v.value), 0);
}

/** Rows the sinks received (each sink writer's numRecordsIn, e.g. `0.vendor_stats[11]__Writer.numRecordsIn`, summed). */
export async function sinkRecordsIn(job: FlinkJob): Promise<number> {
  const detail = await job.rest<JobDetail>(`/jobs/${job.jobId}`);
  let total = 0;
  for (const vertex of detail.vertices) {
    const base = `/jobs/${job.jobId}/vertices/${vertex.id}/metrics`;
    const ids = (await job.rest<Array<{ id: string }>>(base))
      .map((m) => m.id)
      .filter((id) => /^\d+\..*__Writer\.numRecordsIn$/.test(id));
    if (ids.length === 0) continue;
    for (const v of await job.rest<Array<{ id: string; value: string }>>(`${base}?get=${ids.join(',')}`))
      total += Number(v.value);
  }
  return total;
}

/** The lowest input watermark of the vertices after the source (epoch ms), or -Infinity before the first. */
export async function inputWatermark(job: FlinkJob): Promise<number> {
  const detail = await job.rest<JobDetail>(`/jobs/${job.jobId}`);
  let low = Number.POSITIVE_INFINITY;
  for (const v of detail.vertices.filter((x) => !x.name.includes('Source'))) {
    const marks = await job.rest<Array<{ id: string; value: string }>>(
      `/jobs/${job.jobId}/vertices/${v.id}/watermarks`,
    );
    for (const m of marks) low = Math.min(low, Number(m.value));
  }
  return Number.isFinite(low) ? low : Number.NEGATIVE_INFINITY;
}

/** Every operator's numLateRecordsDropped (metric id -> value). */
export async function lateRecordCounts(job: FlinkJob): Promise<Record<string, number>> {
  const detail = await job.rest<JobDetail>(`/jobs/${job.jobId}`);
  const late: Record<string, number> = {};
  for (const vertex of detail.vertices) {
    const base = `/jobs/${job.jobId}/vertices/${vertex.id}/metrics`;
    const ids = (await job.rest<Array<{ id: string }>>(base))
      .map((m) => m.id)
      .filter((id) => id.endsWith('numLateRecordsDropped'));
    if (ids.length === 0) continue;
    for (const v of await job.rest<Array<{ id: string; value: string }>>(`${base}?get=${ids.join(',')}`)) {
      late[`${vertex.name.slice(0, 40)}/${v.id}`] = Number(v.value);
    }
  }
  return late;
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  job?: FlinkJob,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (job && !job.running) throw new Error(`the Flink job exited while waiting for ${what}:\n${job.logTail(80)}`);
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${job ? `:\n${job.logTail(40)}` : ''}`);
    await sleep(300);
  }
}

/** All documents of an index by id (after a refresh). */
export async function fetchIndex(url: string, index: string): Promise<Map<string, Doc>> {
  await fetch(`${url}/${index}/_refresh`, { method: 'POST' });
  const res = await fetch(`${url}/${index}/_search?size=10000`);
  if (!res.ok) throw new Error(`search ${index}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { hits: { hits: Array<{ _id: string; _source: Doc }> } };
  return new Map(body.hits.hits.map((h) => [h._id, h._source]));
}

/** Documents in an index and the sum of one numeric field over them (no 10,000-hit search window). */
export async function indexTotals(
  url: string,
  index: string,
  field: string,
): Promise<{ documents: number; sum: number }> {
  await fetch(`${url}/${index}/_refresh`, { method: 'POST' });
  const res = await fetch(`${url}/${index}/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ size: 0, track_total_hits: true, aggs: { total: { sum: { field } } } }),
  });
  if (!res.ok) throw new Error(`search ${index}: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { hits: { total: { value: number } }; aggregations: { total: { value: number } } };
  return { documents: body.hits.total.value, sum: body.aggregations.total.value };
}

export async function createIndex(url: string, index: string, mapping: object): Promise<void> {
  await fetch(`${url}/${index}`, { method: 'DELETE' });
  const res = await fetch(`${url}/${index}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings: mapping }),
  });
  if (!res.ok) throw new Error(`create ${index}: HTTP ${res.status} ${await res.text()}`);
}
