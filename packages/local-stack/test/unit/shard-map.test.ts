import { createHash } from 'node:crypto';
import { MAX_HASH_KEY, partitionKeyHash as partitionKeyHashKey } from '@pipeline/kpl-aggregation';
import { describe, expect, it } from 'vitest';
import { entryHashKey, findShard, openShardRanges, streamNameOf } from '../../src/internal/shard-map.js';

describe('hash keys', () => {
  it('is MD5 of the UTF-8 partition key, big-endian', () => {
    // md5("a") = 0cc175b9c0f1b6a831c399e269772661
    expect(partitionKeyHashKey('a')).toBe(0x0cc175b9c0f1b6a831c399e269772661n);
    // UTF-8 bytes (c3 a9), not UTF-16 code units.
    const expected = BigInt(
      `0x${createHash('md5')
        .update(Buffer.from([0xc3, 0xa9]))
        .digest('hex')}`,
    );
    expect(partitionKeyHashKey('é')).toBe(expected);
  });

  it('prefers a valid ExplicitHashKey', () => {
    expect(entryHashKey('a', '42')).toBe(42n);
    expect(entryHashKey('a', MAX_HASH_KEY.toString())).toBe(MAX_HASH_KEY);
    expect(entryHashKey('a', (MAX_HASH_KEY + 1n).toString())).toBe(partitionKeyHashKey('a'));
    expect(entryHashKey('a', '007')).toBe(partitionKeyHashKey('a'));
    expect(entryHashKey('a', null)).toBe(partitionKeyHashKey('a'));
  });
});

describe('shard lookup', () => {
  const half = 2n ** 127n;
  const shards = [
    {
      ShardId: 'shardId-000000000000',
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: MAX_HASH_KEY.toString() },
      SequenceNumberRange: { StartingSequenceNumber: '1', EndingSequenceNumber: '9' },
    },
    {
      ShardId: 'shardId-000000000002',
      HashKeyRange: { StartingHashKey: half.toString(), EndingHashKey: MAX_HASH_KEY.toString() },
      SequenceNumberRange: { StartingSequenceNumber: '10', EndingSequenceNumber: null },
    },
    {
      ShardId: 'shardId-000000000001',
      HashKeyRange: { StartingHashKey: '0', EndingHashKey: (half - 1n).toString() },
      SequenceNumberRange: { StartingSequenceNumber: '10' },
    },
  ];

  it('keeps only open shards, sorted by starting hash key', () => {
    expect(openShardRanges(shards).map((r) => r.shardId)).toEqual(['shardId-000000000001', 'shardId-000000000002']);
  });

  it('finds the shard whose range contains the key, inclusive at both ends', () => {
    const ranges = openShardRanges(shards);
    expect(findShard(ranges, 0n)?.shardId).toBe('shardId-000000000001');
    expect(findShard(ranges, half - 1n)?.shardId).toBe('shardId-000000000001');
    expect(findShard(ranges, half)?.shardId).toBe('shardId-000000000002');
    expect(findShard(ranges, MAX_HASH_KEY)?.shardId).toBe('shardId-000000000002');
    expect(findShard(ranges, MAX_HASH_KEY + 1n)).toBeUndefined();
    expect(findShard([], 1n)).toBeUndefined();
  });

  it('finds keys among many shards (binary search)', () => {
    const count = 37n;
    const width = (MAX_HASH_KEY + 1n) / count;
    const many = Array.from({ length: Number(count) }, (_, i) => ({
      ShardId: `s${i}`,
      HashKeyRange: {
        StartingHashKey: (BigInt(i) * width).toString(),
        EndingHashKey: (i === Number(count) - 1 ? MAX_HASH_KEY : BigInt(i + 1) * width - 1n).toString(),
      },
      SequenceNumberRange: { StartingSequenceNumber: '1' },
    }));
    const ranges = openShardRanges(many);
    for (const pk of ['a', 'b', 'user-17', 'zzz', '']) {
      const key = partitionKeyHashKey(pk);
      const linear = ranges.find((r) => key >= r.start && key <= r.end);
      expect(findShard(ranges, key)).toBe(linear);
    }
  });

  it('reads the stream name from StreamName or StreamARN', () => {
    expect(streamNameOf({ StreamName: 'events' })).toBe('events');
    expect(streamNameOf({ StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/events' })).toBe('events');
    expect(streamNameOf({})).toBeUndefined();
  });
});
