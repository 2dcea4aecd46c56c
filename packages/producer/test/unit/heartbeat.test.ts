import { describe, expect, it } from 'vitest';
import { HEARTBEAT_PARTITION_KEY, putWatermarkHeartbeats, WatermarkHeartbeatError } from '../../src/heartbeat.js';
import { InProcessKinesis } from '../support/in-process-kinesis.js';

const heartbeat = { __control: 'watermark-heartbeat', pickupDate: '2016-01-08T22:00:00Z' };

describe('putWatermarkHeartbeats', () => {
  it('puts exactly one heartbeat on every open shard, by explicit hash key', async () => {
    const kinesis = new InProcessKinesis(4);
    const placed = await putWatermarkHeartbeats({
      client: kinesis.client(),
      streamName: kinesis.streamName,
      record: heartbeat,
    });
    expect(placed.map((p) => p.shardId).sort()).toEqual(kinesis.shards.map((s) => s.shardId).sort());
    for (const shard of kinesis.shards) {
      expect(shard.records).toHaveLength(1);
      expect(shard.records[0]?.partitionKey).toBe(HEARTBEAT_PARTITION_KEY);
      expect(JSON.parse(shard.records[0]!.data.toString('utf8'))).toEqual(heartbeat);
    }
  });

  it('skips closed shards after a split', async () => {
    const kinesis = new InProcessKinesis(1);
    kinesis.splitShard('shardId-000000000000');
    const placed = await putWatermarkHeartbeats({
      client: kinesis.client(),
      streamARN: kinesis.streamARN,
      record: JSON.stringify(heartbeat),
    });
    expect(placed.map((p) => p.shardId).sort()).toEqual(['shardId-000000000001', 'shardId-000000000002']);
    expect(kinesis.shards[0]?.records).toHaveLength(0);
  });

  it('retries a failed entry and reports a shard that never got one with a typed error', async () => {
    const kinesis = new InProcessKinesis(2);
    let failures = 1;
    kinesis.hooks.entry = (_entry, index) => (index === 0 && failures-- > 0 ? 'InternalFailure' : undefined);
    const placed = await putWatermarkHeartbeats({
      client: kinesis.client(),
      streamName: kinesis.streamName,
      record: heartbeat,
      retryBaseDelayMs: 1,
    });
    expect(placed).toHaveLength(2);
    expect(kinesis.records).toHaveLength(2);

    const broken = new InProcessKinesis(2);
    broken.hooks.entry = (entry) =>
      entry.ExplicitHashKey === String(broken.shards[1]?.start) ? 'ProvisionedThroughputExceededException' : undefined;
    const error = await putWatermarkHeartbeats({
      client: broken.client(),
      streamName: broken.streamName,
      record: heartbeat,
      maxAttempts: 2,
      retryBaseDelayMs: 1,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WatermarkHeartbeatError);
    expect((error as WatermarkHeartbeatError).failures).toEqual({
      'shardId-000000000001': 'ProvisionedThroughputExceededException',
    });
    expect(broken.shards[0]?.records).toHaveLength(1);
  });

  it('refuses a call without a stream', async () => {
    const kinesis = new InProcessKinesis(1);
    await expect(putWatermarkHeartbeats({ client: kinesis.client(), record: heartbeat })).rejects.toThrow(
      /streamName or streamARN/,
    );
  });
});
