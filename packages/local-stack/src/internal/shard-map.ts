import { isValidExplicitHashKey, partitionKeyHash } from '@pipeline/kpl-aggregation';

/** The hash key an entry routes by: its `ExplicitHashKey` if valid, else MD5 of the partition key. */
export function entryHashKey(partitionKey: string, explicitHashKey?: string | null): bigint {
  return isValidExplicitHashKey(explicitHashKey) ? BigInt(explicitHashKey) : partitionKeyHash(partitionKey);
}

export interface ShardRange {
  shardId: string;
  start: bigint;
  end: bigint;
}

/** The subset of a `ListShards` shard we read. */
export interface ListedShard {
  ShardId?: string;
  HashKeyRange?: { StartingHashKey?: string; EndingHashKey?: string };
  SequenceNumberRange?: { StartingSequenceNumber?: string; EndingSequenceNumber?: string | null };
}

/** Open shards (no EndingSequenceNumber) as ranges sorted by start. */
export function openShardRanges(shards: readonly ListedShard[]): ShardRange[] {
  const ranges: ShardRange[] = [];
  for (const shard of shards) {
    const ending = shard.SequenceNumberRange?.EndingSequenceNumber;
    if (ending !== undefined && ending !== null) continue;
    const start = shard.HashKeyRange?.StartingHashKey;
    const end = shard.HashKeyRange?.EndingHashKey;
    if (typeof shard.ShardId !== 'string' || typeof start !== 'string' || typeof end !== 'string') continue;
    ranges.push({ shardId: shard.ShardId, start: BigInt(start), end: BigInt(end) });
  }
  return ranges.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

/** The range containing `hashKey` (binary search over ranges sorted by start), or undefined. */
export function findShard(ranges: readonly ShardRange[], hashKey: bigint): ShardRange | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const range = ranges[mid];
    if (range === undefined) return undefined;
    if (hashKey < range.start) hi = mid - 1;
    else if (hashKey > range.end) lo = mid + 1;
    else return range;
  }
  return undefined;
}

/** Stream name from `StreamName` or a `StreamARN` (`arn:aws:kinesis:<region>:<account>:stream/<name>`). */
export function streamNameOf(body: { StreamName?: unknown; StreamARN?: unknown }): string | undefined {
  if (typeof body.StreamName === 'string' && body.StreamName.length > 0) return body.StreamName;
  if (typeof body.StreamARN === 'string') {
    const match = /:stream\/([^/]+)$/.exec(body.StreamARN);
    if (match?.[1]) return match[1];
  }
  return undefined;
}
