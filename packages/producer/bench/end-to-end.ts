import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  KinesisClient,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { kinesisClientConfig, startKinesis } from '@pipeline/local-stack';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { KinesisProducer } from '../src/index.js';

/**
 * (b) End-to-end confirmed records/s against kinesalite: the producer at default settings versus a naive loop of
 * 500-record SDK `PutRecords` calls, same run, same stream shape. Also peak RSS and CPU time per 10k records.
 */
const SHARDS = 32;
const RECORDS = 200_000;
const NAIVE_RECORDS = 20_000;
const SIZE = 200;

interface Measure {
  seconds: number;
  peakRssMb: number;
  cpuMsPer10k: number;
}

async function measure(count: number, work: () => Promise<void>): Promise<Measure> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  return { seconds, peakRssMb: peak / 1e6, cpuMsPer10k: ((used.user + used.system) / 1000 / count) * 10_000 };
}

async function createStream(client: KinesisClient, name: string): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: SHARDS }));
  for (;;) {
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function benchEndToEnd(): Promise<void> {
  const emulator = await startKinesis({ engine: 'kinesalite' });
  const config = { ...kinesisClientConfig(emulator), requestHandler: new NodeHttpHandler() };
  const client = new KinesisClient({ ...config, maxAttempts: 1 });
  const payload = Buffer.alloc(SIZE, 'x');
  try {
    await createStream(client, 'naive');
    await createStream(client, 'producer');
    const naive = await measure(NAIVE_RECORDS, async () => {
      for (let i = 0; i < NAIVE_RECORDS; i += 500) {
        const Records = Array.from({ length: 500 }, (_, j) => ({ PartitionKey: `trip-${i + j}`, Data: payload }));
        const out = await client.send(new PutRecordsCommand({ StreamName: 'naive', Records }));
        if (out.FailedRecordCount) throw new Error(`${out.FailedRecordCount} records failed`);
      }
    });
    const producer = new KinesisProducer({ streamName: 'producer', clientConfig: config, metricsInterval: 0 });
    let failures = 0;
    const run = await measure(RECORDS, async () => {
      function* source() {
        for (let i = 0; i < RECORDS; i++) yield { partitionKey: `trip-${i}`, data: payload };
      }
      for await (const outcome of producer.putAll(source())) if (!outcome.ok) failures++;
    });
    await producer.close();
    const m = producer.metrics();
    const naiveRate = NAIVE_RECORDS / naive.seconds;
    const rate = RECORDS / run.seconds;
    console.log(`\n(b) end to end against kinesalite, ${SHARDS} shards, ${SIZE} B records, confirmed records/s`);
    console.log(
      `naive 500-record PutRecords loop: ${Math.round(naiveRate).toLocaleString('en-US')} rec/s, peak RSS ${naive.peakRssMb.toFixed(0)} MB, CPU ${naive.cpuMsPer10k.toFixed(0)} ms / 10k`,
    );
    console.log(
      `@pipeline/producer (defaults)  : ${Math.round(rate).toLocaleString('en-US')} rec/s, peak RSS ${run.peakRssMb.toFixed(0)} MB, CPU ${run.cpuMsPer10k.toFixed(0)} ms / 10k, failures ${failures}`,
    );
    console.log(
      `ratio: ${(rate / naiveRate).toFixed(1)}× (aim ≥ 10×); client CPU ${(run.cpuMsPer10k / 10).toFixed(1)} µs per confirmed record (aim ≤ 3 µs; naive ${(naive.cpuMsPer10k / 10).toFixed(1)} µs); user records per Kinesis record ${m.UserRecordsPerKinesisRecord.mean.toFixed(0)}, requests ${m.PutRecordsRequests}, throttled ${m.ErrorsByCode.ProvisionedThroughputExceededException ?? 0}`,
    );
    const limiter = m.Limiter;
    const cap = limiter.reduce((sum, l) => sum + l.bytesPerSecond, 0);
    console.log(
      `limiter: ${limiter.length} shards × ${((limiter[0]?.bytesPerSecond ?? 0) / 1e6).toFixed(2)} MB/s = ${(cap / 1e6).toFixed(0)} MB/s allowed vs ${((rate * SIZE) / 1e6).toFixed(1)} MB/s sent — ${rate * SIZE > 0.8 * cap ? 'the limiter is the bottleneck' : 'not the bottleneck'}`,
    );
  } finally {
    client.destroy();
    await emulator.stop();
  }
}
