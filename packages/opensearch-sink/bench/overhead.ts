/**
 * Client-side CPU per document, without a server: the transport answers every bulk at once with all items created.
 * Shows what the sink itself costs (serialization, bookkeeping, outcomes).
 *   tsx --conditions=@pipeline/source bench/overhead.ts        (NOID=1: without ids, i.e. without the per-id ordering map)
 */
import { type OpenSearchClientLike, OpenSearchSink } from '../src/index.js';

const DOCS = Number(process.env.BENCH_DOCS ?? 300_000);
/** Answer latency, ms: with a server's latency, documents stay buffered long enough to reach the old generation. */
const LATENCY = Number(process.env.BENCH_LATENCY ?? 0);

const client: OpenSearchClientLike = {
  transport: {
    request(params) {
      const body = String(params.bulkBody);
      let n = 0;
      for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) n++;
      const items = new Array(n / 2);
      for (let i = 0; i < items.length; i++) items[i] = { index: { status: 201, result: 'created' } };
      // Raw text, as a streamed answer reads (what the real client hands the sink).
      const parsed = { took: 1, errors: false, items };
      const answer = process.env.PARSED ? parsed : JSON.stringify(parsed);
      const response = { body: answer, statusCode: 200 };
      const promise =
        LATENCY > 0
          ? new Promise<typeof response>((resolve) => setTimeout(() => resolve(response), LATENCY))
          : Promise.resolve(response);
      return Object.assign(promise, { abort: () => {} });
    },
  },
};

async function* source() {
  for (let i = 0; i < DOCS; i++) {
    yield {
      id: `trip-${i}`,
      vendor: `v${i % 3}`,
      fare: i / 100,
      zone: `zone-${i % 263}`,
      pickup: '2024-01-01T00:00:00.000Z',
    };
  }
}

for (let round = 0; round < 3; round++) {
  const sink = new OpenSearchSink<{ id: string }>({
    client,
    index: 'x',
    ...(process.env.NOID ? {} : { id: (d: { id: string }) => d.id }),
    flushBytes: 1_000_000,
    flushDocuments: 1_000_000,
  });
  const cpu = process.cpuUsage();
  const t = performance.now();
  let n = 0;
  for await (const _ of sink.writeAll(source())) n++;
  await sink.close();
  const used = process.cpuUsage(cpu);
  console.log(
    `${n} docs, ${Math.round(n / ((performance.now() - t) / 1000))} docs/s, ${((used.user + used.system) / n).toFixed(2)} µs/doc CPU`,
  );
}
