import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeAggregate } from '@pipeline/kpl-aggregation';
// The taxi example is used by relative path from the bench only; local-stack does not depend on it.
import { generateTrips } from '../../../examples/taxi/src/generator.js';
import { enrichedTripSchema } from '../../../examples/taxi/src/schema.js';
import { handler as taxiHandler } from '../../../examples/taxi/src/transform.js';
import { startFirehoseDelivery, startKinesis } from '../src/index.js';
import { kinesisCall } from '../src/internal/http-json.js';

/**
 * Local delivery throughput into Parquet: N taxi trips (KPL-aggregated, 100 per Kinesis record) are put into a
 * kinesis-mock stream first; then one `flush()` reads them, runs the taxi transform Lambda handler and writes Snappy
 * Parquet. Reported: records/s of the whole flush (read + de-aggregate + Lambda + conversion + Parquet), and the delivery
 * alone (Lambda + conversion + Parquet, without kinesis-mock's slow GetRecords), for the taxi transform and for a
 * plain hand-written handler doing the same work without validation. Usage: `pnpm bench:firehose [trips]`.
 */
const TRIPS = Number(process.argv[2] ?? 50_000);
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-stack-bench-firehose-'));
const emulator = await startKinesis({ stateDir });

async function putTrips(stream: string): Promise<number> {
  await emulator.createStream(stream, 2);
  const trips = generateTrips({ count: TRIPS, seed: 11 });
  let bytes = 0;
  const records: { Data: string; PartitionKey: string }[] = [];
  for (let i = 0; i < trips.length; i += 100) {
    const users = trips.slice(i, i + 100).map((t) => ({ partitionKey: t.id, data: Buffer.from(JSON.stringify(t)) }));
    for (const u of users) bytes += u.data.byteLength;
    records.push({
      Data: Buffer.from(encodeAggregate(users)).toString('base64'),
      PartitionKey: users[0]?.partitionKey ?? 'x',
    });
  }
  for (let i = 0; i < records.length; i += 100) {
    await kinesisCall(emulator.endpoint, 'PutRecords', { StreamName: stream, Records: records.slice(i, i + 100) });
  }
  return bytes;
}

type Handler = Parameters<typeof startFirehoseDelivery>[0]['handler'];
/** A plain handler doing the same work as the taxi transform minus validation: decode, parse, enrich, encode. */
const plain: Handler = (event) => ({
  records: event.records.map((r) => {
    const trip = JSON.parse(Buffer.from(r.data, 'base64').toString('utf8'));
    const data = Buffer.from(JSON.stringify({ ...trip, source: 'NYCTAXI' })).toString('base64');
    return { recordId: r.recordId, result: 'Ok', data };
  }),
});

async function run(label: string, handler: Handler): Promise<void> {
  const stream = `bench-${label}-${Date.now()}`;
  const bytes = await putTrips(stream);
  const bucketDir = path.join(stateDir, label);
  const delivery = await startFirehoseDelivery({
    kinesisEndpoint: emulator.endpoint,
    streamName: stream,
    handler,
    schema: enrichedTripSchema,
    bucketDir,
    prefix: 'trips/',
    bufferingHints: { sizeInMBs: 128, intervalInSeconds: 900 },
    processor: { bufferSizeInMBs: 3 },
  });
  const t0 = performance.now();
  await delivery.flush();
  const seconds = (performance.now() - t0) / 1000;
  await delivery.stop();
  const { rows, invocations, parquetObjects, readMs, lambdaMs, deliverMs } = delivery.stats;
  const deliverRate = Math.round(rows / (deliverMs / 1000)).toLocaleString('en-US');
  const share =
    `read ${(readMs / 1000).toFixed(2)} s, deliver ${(deliverMs / 1000).toFixed(2)} s (handler ` +
    `${(lambdaMs / 1000).toFixed(2)} s) = ${deliverRate} records/s excluding the emulator`;
  console.log(
    `${label.padEnd(13)} ${String(rows).padStart(7)} rows  ${seconds.toFixed(2).padStart(6)} s  ` +
      `${Math.round(rows / seconds)
        .toLocaleString('en-US')
        .padStart(8)} records/s  ` +
      `${(bytes / 1024 / 1024 / seconds).toFixed(1).padStart(5)} MB/s JSON  ${invocations} invocations, ${parquetObjects} objects\n              ${share}`,
  );
}

try {
  console.log(`local Firehose delivery, ${TRIPS} taxi trips (KPL-aggregated), kinesis-mock → Parquet (Snappy)`);
  // The plain run goes first, so it also warms DuckDB and the emulator.
  await run('plain', plain);
  await run('taxi', (event, context) => taxiHandler(event, context));
} finally {
  await emulator.stop();
  fs.rmSync(stateDir, { recursive: true, force: true });
}
