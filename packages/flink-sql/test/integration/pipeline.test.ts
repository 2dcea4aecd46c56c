// The proof that matters: kinesis-mock (1 shard) -> Flink SQL runner jar on a local MiniCluster (1-minute tumbling
// event-time window) -> OpenSearch, with some records KPL-aggregated. Engines come from @pipeline/local-stack,
// imported from its sources by relative path until its index exports startFlinkJob().
import fs from 'node:fs';
import path from 'node:path';
import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { ensureRunnerJar, RUNNER_MAIN_CLASS, runnerJarPath } from '@pipeline/flink-sql-runner';
import { encodeAggregate } from '@pipeline/kpl-aggregation';
import {
  defaultStateDir,
  type FlinkJob,
  type KinesisEmulator,
  type OpenSearchNode,
  startFlinkJob,
  startKinesis,
  startOpenSearch,
} from '@pipeline/local-stack';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeParamsFile } from '../../src/index.js';

const stateDir = path.join(defaultStateDir(), `flink-sql-it-${process.pid}`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const STREAM = 'trips';
const INDEX = 'trip-agg';

/** The SQL under test; `${...}` are the runner's typed parameters. */
const SQL = `
SET 'table.local-time-zone' = 'UTC';

CREATE TABLE trips (
  vendor STRING,
  passengers INT,
  pickup_time TIMESTAMP_LTZ(3),
  WATERMARK FOR pickup_time AS pickup_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kinesis',
  'stream' = \${streamName},
  'aws.region' = \${region},
  'aws.endpoint' = \${kinesisEndpoint},
  'aws.credentials.provider' = 'BASIC',
  'aws.credentials.basic.accesskeyid' = \${accessKeyId},
  'aws.credentials.basic.secretkey' = \${secretKey},
  'scan.stream.initpos' = 'TRIM_HORIZON',
  'scan.shard.getrecords.intervalmillis' = '200',
  'format' = \${format},
  '\${format}.timestamp-format.standard' = 'ISO-8601'
);

-- one row per window and vendor; the primary key makes the OpenSearch sink upsert (id = window_start_vendor).
-- window_start is written as an ISO-8601 string with Z: the sink renders TIMESTAMP(3) as '2016-01-08 20:50:00',
-- which OpenSearch's dynamic mapping does not detect as a date.
CREATE TABLE trip_agg (
  window_start STRING,
  vendor STRING,
  trips BIGINT,
  passengers BIGINT,
  avg_passengers DOUBLE,
  PRIMARY KEY (window_start, vendor) NOT ENFORCED
) WITH (
  'connector' = 'opensearch-2',
  'hosts' = \${opensearchUrl},
  'index' = \${index},
  'sink.bulk-flush.interval' = '1s'
);

INSERT INTO trip_agg
SELECT DATE_FORMAT(window_start, 'yyyy-MM-dd''T''HH:mm:ss''Z'''), vendor, COUNT(*), CAST(SUM(passengers) AS BIGINT), AVG(CAST(passengers AS DOUBLE))
FROM TABLE(TUMBLE(TABLE trips, DESCRIPTOR(pickup_time), INTERVAL '1' MINUTE))
GROUP BY window_start, window_end, vendor;
`;

interface Trip {
  vendor: string;
  passengers: number;
  pickup_time: string;
}

const trip = (vendor: string, passengers: number, time: string): Trip => ({
  vendor,
  passengers,
  pickup_time: `2016-01-08T${time}Z`,
});

/** What goes into the stream, in order: plain records and KPL aggregates. */
const BATCHES: Array<{ aggregate: boolean; trips: Trip[] }> = [
  { aggregate: false, trips: [trip('V1', 2, '20:50:05'), trip('V2', 1, '20:50:10')] },
  { aggregate: true, trips: [trip('V1', 1, '20:50:20'), trip('V1', 3, '20:50:40'), trip('V2', 4, '20:50:59')] },
  { aggregate: false, trips: [trip('V1', 5, '20:51:30')] },
  { aggregate: true, trips: [trip('V2', 1, '20:51:01'), trip('V2', 2, '20:51:02')] },
  // closes the 20:50 and 20:51 windows (watermark = 20:52:55 > 20:52:00); its own window stays open
  { aggregate: false, trips: [trip('V9', 0, '20:53:00')] },
];

/** Expected documents, computed independently of Flink. */
function expectedDocs(): Array<Record<string, unknown>> {
  const groups = new Map<string, { window_start: string; vendor: string; trips: number; passengers: number }>();
  for (const { trips } of BATCHES) {
    for (const t of trips) {
      if (t.vendor === 'V9') continue;
      const windowStart = `${t.pickup_time.slice(0, 16)}:00Z`;
      const key = `${windowStart}|${t.vendor}`;
      const group = groups.get(key) ?? { window_start: windowStart, vendor: t.vendor, trips: 0, passengers: 0 };
      group.trips++;
      group.passengers += t.passengers;
      groups.set(key, group);
    }
  }
  return [...groups.values()]
    .map((g) => ({ ...g, avg_passengers: g.passengers / g.trips }))
    .sort((a, b) => `${a.window_start}${a.vendor}`.localeCompare(`${b.window_start}${b.vendor}`));
}

function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

describe('Flink SQL runner: kinesis-mock -> 1-minute window -> OpenSearch', () => {
  let kinesis: KinesisEmulator;
  let opensearch: OpenSearchNode;
  let job: FlinkJob | undefined;

  beforeAll(async () => {
    await ensureRunnerJar();
    const t0 = Date.now();
    [kinesis, opensearch] = await Promise.all([
      startKinesis({ engine: 'kinesis-mock', streams: { [STREAM]: 1 }, stateDir }),
      startOpenSearch({ stateDir, name: 'flink-sql', clean: true, heap: '512m' }),
    ]);
    console.log(`kinesis-mock + OpenSearch ready in ${Date.now() - t0} ms`);
  }, 300_000);

  afterAll(async () => {
    await job?.stop();
    await Promise.all([kinesis?.stop(), opensearch?.stop()]);
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('aggregates plain and KPL-aggregated JSON records into OpenSearch documents', async () => {
    const sqlFile = path.join(stateDir, 'pipeline.sql');
    const paramsFile = path.join(stateDir, 'params.json');
    fs.mkdirSync(stateDir, { recursive: true });
    fs.writeFileSync(sqlFile, SQL);
    writeParamsFile(paramsFile, {
      streamName: STREAM,
      region: kinesis.region,
      kinesisEndpoint: kinesis.endpoint,
      accessKeyId: kinesis.credentials.accessKeyId,
      secretKey: kinesis.credentials.secretAccessKey,
      format: 'kpl-json',
      opensearchUrl: opensearch.url,
      index: INDEX,
    });

    // Records first (TRIM_HORIZON reads them all), so the job's start-up does not race the puts.
    const client = new KinesisClient({
      endpoint: kinesis.endpoint,
      region: kinesis.region,
      credentials: kinesis.credentials,
      requestHandler: new NodeHttpHandler(),
    });
    let putCount = 0;
    for (const [i, batch] of BATCHES.entries()) {
      const entries: PutRecordsRequestEntry[] = batch.aggregate
        ? [
            {
              PartitionKey: `agg-${i}`,
              Data: encodeAggregate(
                batch.trips.map((t, j) => ({
                  partitionKey: `trip-${i}-${j}`,
                  data: Buffer.from(JSON.stringify(t)),
                })),
              ),
            },
          ]
        : batch.trips.map((t, j) => ({ PartitionKey: `trip-${i}-${j}`, Data: Buffer.from(JSON.stringify(t)) }));
      const result = await client.send(new PutRecordsCommand({ StreamName: STREAM, Records: entries }));
      expect(result.FailedRecordCount ?? 0).toBe(0);
      putCount += entries.length;
    }
    const putDone = Date.now();

    const started = Date.now();
    job = await startFlinkJob({
      jar: runnerJarPath(),
      mainClass: RUNNER_MAIN_CLASS,
      args: ['--sql', sqlFile, '--params', paramsFile],
      stateDir,
      name: 'pipeline',
      heap: '1g',
    });
    const runningMs = Date.now() - started;
    console.log(`runner job RUNNING in ${runningMs} ms (pid ${job.pid}, ${putCount} Kinesis records put)`);

    const expected = expectedDocs();
    let docs: Array<Record<string, unknown>> = [];
    const deadline = Date.now() + 240_000;
    let peakRss = 0;
    while (Date.now() < deadline) {
      peakRss = Math.max(peakRss, rssMiB(job.pid));
      const res = await fetch(`${opensearch.url}/${INDEX}/_search?size=100`, { method: 'GET' });
      if (res.ok) {
        const body = (await res.json()) as { hits: { hits: Array<{ _id: string; _source: Record<string, unknown> }> } };
        docs = body.hits.hits
          .map((hit) => hit._source)
          .sort((a, b) => `${a.window_start}${a.vendor}`.localeCompare(`${b.window_start}${b.vendor}`));
        if (docs.length >= expected.length) break;
      }
      if (!job.running) throw new Error(`the Flink job exited:\n${job.logTail(80)}`);
      await sleep(1_000);
    }
    const visibleMs = Date.now() - putDone;
    console.log(
      `aggregates visible ${visibleMs} ms after the puts (${Date.now() - started} ms after JVM start); ` +
        `Flink JVM RSS peak ${peakRss.toFixed(0)} MiB`,
    );
    if (docs.length < expected.length) {
      console.log(job.logTail(120));
    }
    expect(docs).toEqual(expected);

    // The primary key is the document id: window start and vendor joined by '_'.
    const ids = await fetch(`${opensearch.url}/${INDEX}/_search?size=100&_source=false`).then(
      (r) => r.json() as Promise<{ hits: { hits: Array<{ _id: string }> } }>,
    );
    console.log(`document ids: ${ids.hits.hits.map((h) => h._id).join(', ')}`);
    expect(ids.hits.hits.map((h) => h._id).sort()).toEqual(expected.map((d) => `${d.window_start}_${d.vendor}`));
    const mapping = await fetch(`${opensearch.url}/${INDEX}/_mapping`).then(
      (r) => r.json() as Promise<Record<string, { mappings: { properties: Record<string, { type: string }> } }>>,
    );
    expect(mapping[INDEX]?.mappings.properties.window_start?.type).toBe('date');

    const jobs = await job.jobs();
    expect(jobs.map((j) => j.state)).toEqual(['RUNNING']);

    // Flink's late-records metric (the window operator's numLateRecordsDropped) through the REST API. The REST
    // metric store is filled by a fetcher (every 10 s by default; the first request triggers it): poll.
    const detail = await job.rest<{ vertices: Array<{ id: string; name: string }> }>(`/jobs/${job.jobId}`);
    const late: Record<string, number> = {};
    const metricsDeadline = Date.now() + 30_000;
    while (Object.keys(late).length === 0 && Date.now() < metricsDeadline) {
      for (const vertex of detail.vertices) {
        const base = `/jobs/${job.jobId}/vertices/${vertex.id}/metrics`;
        const ids = (await job.rest<Array<{ id: string }>>(base))
          .map((m) => m.id)
          .filter((id) => id.endsWith('numLateRecordsDropped'));
        if (ids.length === 0) continue;
        const values = await job.rest<Array<{ id: string; value: string }>>(`${base}?get=${ids.join(',')}`);
        for (const v of values) late[v.id] = Number(v.value);
      }
      if (Object.keys(late).length === 0) await sleep(1_000);
    }
    console.log(`late-record metrics: ${JSON.stringify(late)}`);
    expect(Object.keys(late).length).toBeGreaterThan(0);
    expect(Object.values(late).every((v) => v === 0)).toBe(true);

    // Put -> aggregate-visible latency on the running job: one trip in a later window plus a record closing it.
    const t0 = Date.now();
    const more = [trip('V7', 3, '20:54:10'), trip('V9', 0, '20:56:00')];
    const put = await client.send(
      new PutRecordsCommand({
        StreamName: STREAM,
        Records: more.map((t, j) => ({ PartitionKey: `late-${j}`, Data: Buffer.from(JSON.stringify(t)) })),
      }),
    );
    expect(put.FailedRecordCount ?? 0).toBe(0);
    let latencyMs = -1;
    while (Date.now() - t0 < 60_000) {
      const res = await fetch(`${opensearch.url}/${INDEX}/_doc/2016-01-08T20:54:00Z_V7`);
      if (res.ok) {
        const body = (await res.json()) as { _source?: { trips?: number } };
        if (body._source?.trips === 1) {
          latencyMs = Date.now() - t0;
          break;
        }
      }
      await sleep(100);
    }
    client.destroy();
    console.log(`put -> aggregate visible (GET by id) on the running job: ${latencyMs} ms`);
    expect(latencyMs).toBeGreaterThan(0);
  });
});
