/**
 * Profiles the sink alone against a real node (the same documents and settings as bench/run.ts):
 *   node --cpu-prof --cpu-prof-dir=prof --import tsx --conditions=@pipeline/source bench/profile-sink.ts
 * Prints client CPU µs/doc per run; the profile shows where it goes (transport included).
 */
import { Client } from '@opensearch-project/opensearch';
import { startOpenSearch } from '@pipeline/local-stack';
import { OpenSearchSink } from '../src/index.js';
import { mappings, trip } from './trips.js';

const DOCS = Number(process.env.BENCH_DOCS ?? 200_000);

async function* source() {
  for (let i = 0; i < DOCS; i++) yield trip(i);
}

const node = await startOpenSearch({ name: 'opensearch-sink-bench', clean: true, heap: '1g', stopTimeoutMs: 5000 });
const client = new Client({ node: node.url });
try {
  for (let run = 0; run < 3; run++) {
    const index = `profile-${run}`;
    await client.indices.create({
      index,
      body: {
        settings: { number_of_shards: 1, refresh_interval: '-1' },
        mappings,
      } as never,
    });
    const sink = new OpenSearchSink({
      client,
      index,
      id: (t: { id: string }) => t.id,
      flushBytes: 1_000_000,
      flushDocuments: 1_000_000,
      flushInterval: 30_000,
    });
    const cpu = process.cpuUsage();
    const started = performance.now();
    for await (const outcome of sink.writeAll(source()))
      if (outcome.status !== 'indexed') throw new Error(JSON.stringify(outcome).slice(0, 600));
    await sink.close();
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `run ${run}: ${Math.round(DOCS / seconds)} docs/s, client CPU ${((used.user + used.system) / DOCS).toFixed(2)} µs/doc`,
    );
    await client.indices.delete({ index });
  }
} finally {
  await client.close();
  await node.stop();
}
