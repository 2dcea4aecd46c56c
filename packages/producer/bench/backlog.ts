import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type FaultRates,
  KINESIS_SHARD_LIMIT,
  KinesisFaultProxy,
  kinesisClientConfig,
  startKinesis,
} from '@pipeline/local-stack';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { KinesisProducer, type KinesisProducerOptions, type PutRecordError } from '../src/index.js';

/**
 * (c) Under backlog and throttling, on kinesalite behind the fault proxy (issue 15, defects 3 and 4):
 *   c1 random throttling at share s: confirmed records/s vs (1 − s) × the unthrottled rate of the same run (aim ≥ 0.6),
 *      and 200,000 puts at once at s = 30%, default options: none expired (aim 0);
 *   c2 the proxy enforcing per-shard capacity (1,000 records/s, 1 MiB/s) while the producer is offered 2× that:
 *      confirmed bytes/s vs capacity (aim ≥ 90%) and the share of entries throttled (aim ≤ 5%);
 *   c3 user records per Kinesis record and confirmed records/s with 50k, 200k and 1M records queued at once (20%
 *      throttled).
 */
const SHARDS = 4;

type Emulator = Awaited<ReturnType<typeof startKinesis>>;

let streams = 0;
async function newStream(client: KinesisClient, shards: number): Promise<string> {
  const name = `bench-backlog-${streams++}`;
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return name;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function record(i: number): { partitionKey: string; data: string } {
  return { partitionKey: `trip-${i}`, data: `{"id":${i},"pad":"${'x'.repeat(60)}"}` };
}

interface BurstResult {
  seconds: number;
  ok: number;
  codes: Record<string, number>;
  perKinesisRecord: number;
  limiter: string;
}

/** `count` put() calls at once, then waits for every outcome. */
async function burst(
  emulator: Emulator,
  client: KinesisClient,
  count: number,
  faults: FaultRates,
  options: Partial<KinesisProducerOptions> = {},
): Promise<BurstResult> {
  const stream = await newStream(client, SHARDS);
  const proxy = await KinesisFaultProxy.start({ target: emulator.endpoint, faults, seed: 15 });
  const producer = new KinesisProducer({
    streamName: stream,
    clientConfig: { ...kinesisClientConfig({ endpoint: proxy.endpoint }), requestHandler: new NodeHttpHandler() },
    metricsInterval: 0,
    ...options,
  });
  try {
    await producer.put(record(-1));
    const codes: Record<string, number> = {};
    let ok = 0;
    const started = process.hrtime.bigint();
    const all: Array<Promise<void>> = new Array(count);
    for (let i = 0; i < count; i++) {
      all[i] = producer.put(record(i)).then(
        () => {
          ok++;
        },
        (error: PutRecordError) => {
          codes[error.code] = (codes[error.code] ?? 0) + 1;
        },
      );
    }
    await Promise.all(all);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await producer.close();
    const m = producer.metrics();
    const limiter = m.Limiter.map(
      (l) => `${l.rateFactor.toFixed(2)}/${(100 * l.backgroundThrottleShare).toFixed(0)}%`,
    ).join(' ');
    return { seconds, ok, codes, perKinesisRecord: m.UserRecordsPerKinesisRecord.mean, limiter };
  } finally {
    await proxy.stop();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function randomThrottling(emulator: Emulator, client: KinesisClient): Promise<void> {
  const N = Number(process.env.BENCH_N ?? 100_000);
  console.log(`\n(c1) random throttling, ${SHARDS} shards, ${fmt(N)} puts at once, confirmed records/s`);
  const base = await burst(emulator, client, N, {});
  const baseRate = base.ok / base.seconds;
  console.log(`unthrottled: ${fmt(baseRate)} rec/s (${base.perKinesisRecord.toFixed(0)} user records per KR)`);
  for (const share of (process.env.BENCH_SHARES ?? '0.1,0.2,0.3').split(',').map(Number)) {
    const run = await burst(emulator, client, N, { recordThroughputExceeded: share });
    const rate = run.ok / run.seconds;
    const ratio = rate / ((1 - share) * baseRate);
    console.log(
      `s = ${share.toFixed(1)}: ${fmt(rate)} rec/s, ${run.ok} ok ${JSON.stringify(run.codes)}; ratio to (1 − s) × unthrottled ${ratio.toFixed(2)} (aim ≥ 0.60); limiter factor/background ${run.limiter}`,
    );
  }
  if (process.env.BENCH_SHARES) return;
  const big = await burst(emulator, client, 200_000, { recordThroughputExceeded: 0.3 });
  console.log(
    `200,000 puts at once, s = 0.3, default options: ${(big.seconds).toFixed(1)} s, ${big.ok} ok, expired ${big.codes.Expired ?? 0} (aim 0), other failures ${JSON.stringify({ ...big.codes, Expired: undefined })}`,
  );
}

async function capacity(emulator: Emulator, client: KinesisClient): Promise<void> {
  const shards = 2;
  const seconds = 20;
  const settleAfter = 5;
  const size = 1000;
  console.log(
    `\n(c2) proxy enforcing per-shard capacity (${KINESIS_SHARD_LIMIT.recordsPerSecond} rec/s, 1 MiB/s), ${shards} shards, ${size} B records offered at 2× capacity for ${seconds} s`,
  );
  const stream = await newStream(client, shards);
  const proxy = await KinesisFaultProxy.start({ target: emulator.endpoint, shardRateLimit: KINESIS_SHARD_LIMIT });
  const producer = new KinesisProducer({
    streamName: stream,
    clientConfig: { ...kinesisClientConfig({ endpoint: proxy.endpoint }), requestHandler: new NodeHttpHandler() },
    metricsInterval: 0,
  });
  const capacityBytes = shards * KINESIS_SHARD_LIMIT.bytesPerSecond;
  const offeredPerTick = Math.round((2 * capacityBytes) / size / 100); // every 10 ms
  const payload = 'x'.repeat(size - 12);
  let stop = false;
  async function* offered() {
    for (let i = 0; !stop; ) {
      const tick = Date.now() + 10;
      for (let j = 0; j < offeredPerTick; j++, i++) yield { partitionKey: `k${i}`, data: payload };
      const wait = tick - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
  const consume = (async () => {
    for await (const _ of producer.putAll(offered())) {
      // counted by the producer's metrics
    }
  })();
  await new Promise((r) => setTimeout(r, settleAfter * 1000));
  const before = producer.metrics();
  proxy.resetCounts();
  await new Promise((r) => setTimeout(r, (seconds - settleAfter) * 1000));
  const after = producer.metrics();
  const counts = { ...proxy.counts };
  stop = true;
  await consume;
  await producer.close();
  await proxy.stop();
  const bytesPerSecond = (after.UserRecordsDataPut - before.UserRecordsDataPut) / (seconds - settleAfter);
  const throttledShare = counts.rateLimited / Math.max(1, counts.rateLimited + counts.entriesForwarded);
  console.log(
    `settled (last ${seconds - settleAfter} s): ${(bytesPerSecond / 1e6).toFixed(2)} MB/s of ${(capacityBytes / 1e6).toFixed(2)} MB/s = ${((100 * bytesPerSecond) / capacityBytes).toFixed(0)}% of capacity (aim ≥ 90%); entries throttled ${(100 * throttledShare).toFixed(1)}% (aim ≤ 5%); limiter ${after.Limiter.map((l) => l.rateFactor.toFixed(2)).join(', ')}`,
  );
}

async function backlogAggregation(emulator: Emulator, client: KinesisClient, sizes: number[]): Promise<void> {
  console.log(`\n(c3) aggregation under backlog: N puts at once, ${SHARDS} shards, 20% throttled at random`);
  console.log('queued      | user records per Kinesis record | confirmed rec/s | outcomes');
  for (const count of sizes) {
    // A TTL long enough that the backlog is measured, not its expiry.
    const run = await burst(emulator, client, count, { recordThroughputExceeded: 0.2 }, { recordTtl: 600_000 });
    console.log(
      `${fmt(count).padStart(11)} | ${run.perKinesisRecord.toFixed(0).padStart(31)} | ${fmt(run.ok / run.seconds).padStart(15)} | ${run.ok} ok ${JSON.stringify(run.codes)}`,
    );
  }
}

export async function benchBacklog(part?: string): Promise<void> {
  const emulator = await startKinesis({ engine: 'kinesalite' });
  const client = new KinesisClient({
    ...kinesisClientConfig(emulator),
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
  try {
    if (!part || part === 'random') await randomThrottling(emulator, client);
    if (!part || part === 'capacity') await capacity(emulator, client);
    if (!part || part === 'aggregation') await backlogAggregation(emulator, client, [50_000, 200_000, 1_000_000]);
  } finally {
    client.destroy();
    await emulator.stop();
  }
}
