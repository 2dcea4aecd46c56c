/**
 * Documents/s into a local OpenSearch node: OpenSearchSink vs `client.helpers.bulk` with equal flush settings, and vs
 * the raw `_bulk` ceiling (pre-serialized bodies of the same size sent in a loop at the same concurrency), same run.
 *
 *   pnpm bench                      # starts a node (.local-stack/opensearch/opensearch-sink-bench)
 *   OPENSEARCH_URL=http://127.0.0.1:9200 BENCH_DOCS=300000 BENCH_ROUNDS=5 BENCH_VERBOSE=1 pnpm bench
 *
 * Every method gets its input ready before its clock starts (raw: the serialized bodies; the libraries: the
 * documents). Prints docs/s and client CPU µs/doc per run, then best and median ratios. On a small shared machine the client's
 * CPU competes with OpenSearch's; compare the CPU column when the docs/s numbers are noisy.
 */
import { Client } from '@opensearch-project/opensearch';
import { type OpenSearchNode, startOpenSearch } from '@pipeline/local-stack';
import { OpenSearchSink } from '../src/index.js';
import { mappings, type Trip, trip } from './trips.js';

const DOCS = Number(process.env.BENCH_DOCS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const FLUSH_BYTES = Number(process.env.BENCH_FLUSH_BYTES ?? 1_000_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const FLUSH_INTERVAL = 30_000;

async function freshIndex(client: Client, index: string): Promise<void> {
  await client.indices.delete({ index }, { ignore: [404] });
  await client.indices.create({
    index,
    body: { settings: { number_of_shards: 1, number_of_replicas: 0, refresh_interval: '-1' }, mappings } as never,
  });
}

async function countOf(client: Client, index: string): Promise<number> {
  await client.indices.refresh({ index });
  const res = await client.count({ index });
  return (res.body as { count: number }).count;
}

function* source(): Generator<Trip> {
  for (let i = 0; i < DOCS; i++) yield trip(i);
}

/**
 * The documents, built before the clock starts (as the raw ceiling's bodies are): making 200,000 trips (two
 * `toISOString()` each) costs about 2 µs/doc, which is the bench's, not the libraries'.
 */
let prepared: Trip[] = [];

/** helpers.bulk takes arrays, buffers, streams or async iterators; both libraries get this same async source. */
async function* asyncSource(): AsyncGenerator<Trip> {
  for (const doc of prepared) yield doc;
}

async function runSink(client: Client, index: string): Promise<void> {
  const sink = new OpenSearchSink<Trip>({
    client,
    index,
    id: (t) => t.id,
    flushBytes: FLUSH_BYTES,
    flushDocuments: 1_000_000, // bytes decide, as in helpers.bulk
    flushInterval: FLUSH_INTERVAL,
    concurrency: CONCURRENCY,
  });
  let bad = 0;
  for await (const outcome of sink.writeAll(asyncSource())) if (outcome.status !== 'indexed') bad++;
  await sink.close();
  if (bad > 0) throw new Error(`sink: ${bad} documents not indexed`);
}

async function runHelpers(client: Client, index: string): Promise<void> {
  let dropped = 0;
  const result = await client.helpers.bulk({
    datasource: asyncSource(),
    onDocument: (doc: Trip) => ({ index: { _index: index, _id: doc.id } }),
    flushBytes: FLUSH_BYTES,
    flushInterval: FLUSH_INTERVAL,
    concurrency: CONCURRENCY,
    onDrop: () => {
      dropped++;
    },
  });
  if (dropped > 0 || result.failed > 0) throw new Error(`helpers.bulk: ${dropped} dropped`);
}

/** The same NDJSON the sink sends, cut at the same byte size, serialized before the clock starts. */
function preSerialize(index: string): string[] {
  const bodies: string[] = [];
  let parts: string[] = [];
  let bytes = 0;
  for (const doc of source()) {
    const lines = `{"index":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(doc.id)}}}\n${JSON.stringify(doc)}\n`;
    const size = Buffer.byteLength(lines);
    if (parts.length > 0 && bytes + size > FLUSH_BYTES) {
      bodies.push(parts.join(''));
      parts = [];
      bytes = 0;
    }
    parts.push(lines);
    bytes += size;
  }
  if (parts.length > 0) bodies.push(parts.join(''));
  return bodies;
}

async function runRaw(client: Client, bodies: string[]): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      const res = await client.transport.request({ method: 'POST', path: '/_bulk', bulkBody: body }, { maxRetries: 0 });
      if ((res.body as { errors?: boolean }).errors) throw new Error('raw: item errors');
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function main(): Promise<void> {
  let node: OpenSearchNode | undefined;
  let url = process.env.OPENSEARCH_URL;
  if (url === undefined) {
    const t0 = performance.now();
    node = await startOpenSearch({ name: 'opensearch-sink-bench', clean: true, heap: '1g', stopTimeoutMs: 5000 });
    url = node.url;
    console.log(`OpenSearch started in ${Math.round(performance.now() - t0)} ms`);
  }
  const client = new Client({ node: url });
  try {
    console.log(
      `${DOCS} docs (~${Math.round(Buffer.byteLength(JSON.stringify(trip(1))))} B each), flushBytes ${FLUSH_BYTES}, ` +
        `concurrency ${CONCURRENCY}, ${ROUNDS} rounds (order rotated)`,
    );
    const best = { raw: 0, helpers: 0, sink: 0 };
    const rates: Record<'raw' | 'helpers' | 'sink', number[]> = { raw: [], helpers: [], sink: [] };
    const cpuPerDoc = {
      raw: Number.POSITIVE_INFINITY,
      helpers: Number.POSITIVE_INFINITY,
      sink: Number.POSITIVE_INFINITY,
    };
    // Warm-up, not measured: a fresh JVM compiles for tens of seconds and the first requests are several times
    // slower. Each method runs once into a throwaway index.
    const warmupStarted = performance.now();
    await freshIndex(client, 'bench-warmup');
    await runRaw(client, preSerialize('bench-warmup'));
    prepared = [...source()];
    await runHelpers(client, 'bench-warmup');
    await runSink(client, 'bench-warmup');
    await client.indices.delete({ index: 'bench-warmup' }, { ignore: [404] });
    console.log(`warm-up ${Math.round(performance.now() - warmupStarted)} ms`);
    const methods = ['raw', 'helpers', 'sink'] as const;
    for (let round = 1; round <= ROUNDS; round++) {
      // Rotate the order so that no method always runs first (or right after another one's merges).
      const order = methods.map((_, i) => methods[(i + round - 1) % methods.length]!);
      for (const name of order) {
        const index = `bench-${name}`;
        const setupStarted = performance.now();
        await freshIndex(client, index);
        const setupMs = performance.now() - setupStarted;
        const bodies = name === 'raw' ? preSerialize(index) : [];
        prepared = name === 'raw' ? [] : [...source()];
        const cpu = process.cpuUsage();
        const started = performance.now();
        if (name === 'raw') await runRaw(client, bodies);
        else if (name === 'helpers') await runHelpers(client, index);
        else await runSink(client, index);
        const seconds = (performance.now() - started) / 1000;
        const used = process.cpuUsage(cpu);
        const cpuUs = (used.user + used.system) / DOCS;
        const verifyStarted = performance.now();
        const count = await countOf(client, index);
        if (count !== DOCS) throw new Error(`${name}: _count ${count}, expected ${DOCS}`);
        const rate = DOCS / seconds;
        best[name] = Math.max(best[name], rate);
        rates[name].push(rate);
        cpuPerDoc[name] = Math.min(cpuPerDoc[name], cpuUs);
        console.log(
          `round ${round} ${name.padEnd(8)} ${Math.round(rate).toString().padStart(7)} docs/s, ` +
            `client CPU ${cpuUs.toFixed(2)} µs/doc`,
        );
        await client.indices.delete({ index });
        if (process.env.BENCH_VERBOSE) {
          const verifyMs = Math.round(performance.now() - verifyStarted);
          console.log(`  (index setup ${Math.round(setupMs)} ms, count + delete ${verifyMs} ms)`);
        }
      }
    }
    console.log('');
    console.log(`raw _bulk ceiling  ${Math.round(best.raw)} docs/s, client CPU ${cpuPerDoc.raw.toFixed(2)} µs/doc`);
    console.log(
      `helpers.bulk       ${Math.round(best.helpers)} docs/s, client CPU ${cpuPerDoc.helpers.toFixed(2)} µs/doc`,
    );
    console.log(`OpenSearchSink     ${Math.round(best.sink)} docs/s, client CPU ${cpuPerDoc.sink.toFixed(2)} µs/doc`);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const med = { raw: median(rates.raw), helpers: median(rates.helpers), sink: median(rates.sink) };
    console.log(
      `medians: raw ${Math.round(med.raw)}, helpers.bulk ${Math.round(med.helpers)}, sink ${Math.round(med.sink)} docs/s`,
    );
    console.log(
      `sink / helpers.bulk = ${(best.sink / best.helpers).toFixed(2)}x best, ` +
        `${(med.sink / med.helpers).toFixed(2)}x median (aim >= 1.15x)`,
    );
    console.log(
      `sink / raw ceiling  = ${((best.sink / best.raw) * 100).toFixed(1)}% best, ` +
        `${((med.sink / med.raw) * 100).toFixed(1)}% median (aim >= 95%)`,
    );
    console.log(
      `sink client CPU    = ${cpuPerDoc.sink.toFixed(2)} µs/doc (aim <= 3), ` +
        `${(cpuPerDoc.sink / cpuPerDoc.helpers).toFixed(2)}x helpers.bulk, ${(cpuPerDoc.sink / cpuPerDoc.raw).toFixed(2)}x raw`,
    );
  } finally {
    await client.close();
    await node?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
