import { SplitShardCommand } from '@aws-sdk/client-kinesis';
import { deaggregate, isAggregated, subRecordsOutsideRange } from '@pipeline/kpl-aggregation';
import { KinesisFaultProxy } from '@pipeline/local-stack';
import { KinesisProducer } from '@pipeline/producer';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  createStream,
  listShards,
  localClient,
  localClientConfig,
  readAll,
  uniqueStreamName,
} from '../support/stream.js';

describe('a shard split between aggregation and send (kinesis-mock)', () => {
  const endpoint = inject('kinesisMockEndpoint');
  const client = localClient(endpoint);
  afterAll(() => client.destroy());

  it('re-sends misrouted aggregates whole, so a KCL-rule reader sees every record', async () => {
    const stream = uniqueStreamName('split');
    await createStream(client, stream, 1);
    const proxy = await KinesisFaultProxy.start({ target: endpoint });
    try {
      const producer = new KinesisProducer({
        streamName: stream,
        clientConfig: localClientConfig(proxy.endpoint),
        recordMaxBufferedTime: 200,
      });
      const input = Array.from({ length: 400 }, (_, i) => ({ partitionKey: `pk-${i}`, data: `record-${i}` }));
      const held = proxy.holdNext('PutRecords');
      const puts = input.map((r) => producer.put(r));
      const request = await held;
      // The producer aggregated against a one-shard map; split that shard before its request arrives.
      const [parent] = await listShards(client, stream);
      const start = BigInt(parent!.HashKeyRange!.StartingHashKey!);
      const end = BigInt(parent!.HashKeyRange!.EndingHashKey!);
      await client.send(
        new SplitShardCommand({
          StreamName: stream,
          ShardToSplit: parent!.ShardId!,
          NewStartingHashKey: ((start + end) / 2n).toString(),
        }),
      );
      for (
        let i = 0;
        i < 50 &&
        (await listShards(client, stream)).filter((s) => !s.SequenceNumberRange?.EndingSequenceNumber).length < 2;
        i++
      ) {
        await new Promise((r) => setTimeout(r, 100));
      }
      request.release();
      const results = await Promise.all(puts);
      await producer.close();
      const m = producer.metrics();
      expect(m.MisroutedAggregates).toBeGreaterThanOrEqual(1);
      expect(m.WrongShard).toBeGreaterThanOrEqual(1);
      expect(results.every((r) => r.shardId !== parent!.ShardId)).toBe(true);

      // A KCL-rule reader: drops any aggregate with a sub-record outside the shard it was read from.
      const { records, shards } = await readAll(client, stream);
      const range = new Map(
        shards.map((s) => [
          s.ShardId!,
          [BigInt(s.HashKeyRange!.StartingHashKey!), BigInt(s.HashKeyRange!.EndingHashKey!)] as const,
        ]),
      );
      const seen = new Set<string>();
      let dropped = 0;
      for (const record of records) {
        const [lo, hi] = range.get(record.shardId)!;
        if (isAggregated(record.data) && subRecordsOutsideRange(record.data, lo, hi) > 0) {
          dropped++;
          continue;
        }
        for (const sub of deaggregate(record)) seen.add(Buffer.from(sub.data).toString());
      }
      expect(dropped).toBe(m.MisroutedAggregates);
      expect([...seen].sort()).toEqual(input.map((r) => r.data).sort());
    } finally {
      await proxy.stop();
    }
  });
});
