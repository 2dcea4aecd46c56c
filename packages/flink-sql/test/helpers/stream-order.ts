// Reads a shard back in sequence order (KPL aggregates unpacked) and measures what an event-time job with a
// bounded-out-of-orderness watermark would drop: how far behind the newest event time each record lands.
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { deaggregate } from '@pipeline/kpl-aggregation';

/** Event times (epoch ms) of a stream's records in the order a reader of each shard gets them, shard by shard. */
export async function eventTimesInShardOrder(
  client: KinesisClient,
  stream: string,
  eventTime: string,
): Promise<number[][]> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const out: number[][] = [];
  for (const shard of shards) {
    const times: number[] = [];
    let iterator = (
      await client.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator;
    for (let empty = 0; iterator && empty < 3; ) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      const records = page.Records ?? [];
      empty = records.length === 0 ? empty + 1 : 0;
      for (const r of records) {
        for (const sub of deaggregate({ partitionKey: r.PartitionKey!, data: r.Data! })) {
          const value = JSON.parse(new TextDecoder().decode(sub.data)) as Record<string, string>;
          times.push(Date.parse(value[eventTime]!));
        }
      }
      iterator = page.NextShardIterator;
    }
    out.push(times);
  }
  return out;
}

export interface DisorderReport {
  readonly records: number;
  /** Records whose 1-minute window had closed when they arrived (watermark = newest - bound): what Flink drops. */
  readonly late: number;
  /** The furthest a record landed behind the newest one before it, ms. */
  readonly maxBehindMs: number;
}

/** What a 1-minute tumbling window behind a `boundSeconds` watermark would drop, reading records in this order. */
export function disorder(times: readonly number[], boundSeconds: number, windowMs = 60_000): DisorderReport {
  let newest = Number.NEGATIVE_INFINITY;
  let late = 0;
  let maxBehindMs = 0;
  for (const t of times) {
    const windowEnd = Math.floor(t / windowMs) * windowMs + windowMs;
    if (windowEnd - 1 <= newest - boundSeconds * 1000) late++;
    maxBehindMs = Math.max(maxBehindMs, newest - t);
    newest = Math.max(newest, t);
  }
  return { records: times.length, late, maxBehindMs };
}
