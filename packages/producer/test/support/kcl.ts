import { deaggregate, isAggregated, subRecordsOutsideRange } from '@pipeline/kpl-aggregation';
import type { FakeShard, StoredRecord } from './in-process-kinesis.js';

/**
 * Reads stored records the way the KCL does: an aggregate with any sub-record outside the shard's hash range is
 * dropped whole. Returns the user records seen and how many aggregates were dropped.
 */
export function readLikeKcl(
  records: readonly StoredRecord[],
  rangeOf: (shardId: string) => { start: bigint; end: bigint },
): { data: string[]; droppedAggregates: number } {
  const data: string[] = [];
  let droppedAggregates = 0;
  for (const record of records) {
    const range = rangeOf(record.shardId);
    if (isAggregated(record.data) && subRecordsOutsideRange(record.data, range.start, range.end) > 0) {
      droppedAggregates++;
      continue;
    }
    for (const sub of deaggregate(record)) data.push(Buffer.from(sub.data).toString('utf8'));
  }
  return { data, droppedAggregates };
}

export function rangeFrom(shards: readonly FakeShard[]): (shardId: string) => { start: bigint; end: bigint } {
  return (shardId) => {
    const shard = shards.find((s) => s.shardId === shardId);
    if (!shard) throw new Error(`unknown shard ${shardId}`);
    return { start: shard.start, end: shard.end };
  };
}

/** Every user record's data in stored records, deaggregated without range checks (Lambda/Firehose view). */
export function allUserData(records: readonly StoredRecord[]): string[] {
  return records.flatMap((r) => deaggregate(r).map((sub) => Buffer.from(sub.data).toString('utf8')));
}
