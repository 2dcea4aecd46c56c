import { KINESIS_SHARD_LIMIT, KinesisFaultProxy } from '@pipeline/local-stack';
import { KinesisProducer } from '@pipeline/producer';
import { describe, expect, inject, it } from 'vitest';
import { createStream, localClient, localClientConfig, uniqueStreamName } from '../support/stream.js';

interface Sample {
  bytes: number;
  throttles: number;
}

describe('adaptive per-shard rate limit against a proxy that enforces the real shard limits', () => {
  it('settles near the limit, throttles become rare, and speeds up when the limit is raised', async () => {
    const endpoint = inject('kinesaliteEndpoint');
    const client = localClient(endpoint);
    const stream = uniqueStreamName('rate');
    await createStream(client, stream, 1);
    const proxy = await KinesisFaultProxy.start({ target: endpoint, shardRateLimit: KINESIS_SHARD_LIMIT });
    const producer = new KinesisProducer({ streamName: stream, clientConfig: localClientConfig(proxy.endpoint) });
    const payload = 'x'.repeat(1000);
    let stop = false;
    async function* source() {
      for (let i = 0; !stop; i++) yield { partitionKey: `k${i}`, data: payload };
    }
    const consume = (async () => {
      for await (const _ of producer.putAll(source())) {
        // outcomes are counted by the producer's metrics
      }
    })();
    const samples: Sample[] = [];
    let last = producer.metrics();
    const sample = async (seconds: number) => {
      for (let s = 0; s < seconds; s++) {
        await new Promise((r) => setTimeout(r, 1000));
        const now = producer.metrics();
        samples.push({
          bytes: now.UserRecordsDataPut - last.UserRecordsDataPut,
          throttles:
            (now.ErrorsByCode.ProvisionedThroughputExceededException ?? 0) -
            (last.ErrorsByCode.ProvisionedThroughputExceededException ?? 0),
        });
        last = now;
      }
    };
    await sample(10);
    const limited = samples.slice();
    proxy.setShardRateLimit({ bytesPerSecond: 4 * KINESIS_SHARD_LIMIT.bytesPerSecond, recordsPerSecond: 4000 });
    samples.length = 0;
    await sample(8);
    const raised = samples.slice();
    stop = true;
    await consume;
    await producer.close();
    await proxy.stop();
    client.destroy();

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const settled = limited.slice(4);
    const settledRate = mean(settled.map((s) => s.bytes));
    const limit = KINESIS_SHARD_LIMIT.bytesPerSecond;
    console.log('limited', limited, 'raised', raised, 'limiter', producer.metrics().Limiter);
    // Near the shard's limit: neither starved nor over it (the producer's default is 150% of the limit).
    expect(settledRate).toBeGreaterThan(0.5 * limit);
    expect(settledRate).toBeLessThan(1.15 * limit);
    // Throttling becomes rare: the settled seconds see far fewer throttled user records than the first ones.
    const early = limited.slice(0, 3).reduce((a, s) => a + s.throttles, 0);
    const late = settled.reduce((a, s) => a + s.throttles, 0) / settled.length;
    expect(late).toBeLessThan(Math.max(1, early / 3));
    // After the proxy's limit was raised, throughput rises (up to the producer's own 150% cap).
    const raisedRate = mean(raised.slice(3).map((s) => s.bytes));
    expect(raisedRate).toBeGreaterThan(1.2 * settledRate);
  }, 60_000);
});
