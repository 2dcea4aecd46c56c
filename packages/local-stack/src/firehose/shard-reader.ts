import { deaggregate, isAggregated } from '@pipeline/kpl-aggregation';
import { KinesisApiError } from '../internal/http-json.js';
import type { ShardCheckpoint, StreamIdentity } from './checkpoint.js';
import type { SourceRecord } from './event.js';

/** One Kinesis API call (JSON 1.1) against the emulator. */
export type KinesisCall = <T>(operation: string, body: unknown) => Promise<T>;

interface KinesisShard {
  ShardId: string;
  ParentShardId?: string;
  AdjacentParentShardId?: string;
}

interface KinesisRecord {
  Data: string;
  PartitionKey: string;
  SequenceNumber: string;
  ApproximateArrivalTimestamp?: number;
}

interface ShardState {
  readonly shardId: string;
  readonly parents: string[];
  iterator: string | undefined;
  /** Last sequence number read. */
  readSeq: string | undefined;
  readClosed: boolean;
}

/** What one round over the shards read. */
export interface ReadRound {
  /** User records after de-aggregation, in shard order. */
  records: SourceRecord[];
  /** Kinesis records read (an aggregate counts once). */
  kinesisRecords: number;
  /** True if a shard said it is behind the tip (MillisBehindLatest > 0) after returning records. */
  behind: boolean;
}

/** How often the shard list is re-read without a reason (a closed shard is a reason). */
const REFRESH_INTERVAL_MS = 5_000;

/** The stream's ARN and creation time (DescribeStreamSummary), which a checkpoint is tied to. */
export async function describeStream(call: KinesisCall, streamName: string): Promise<StreamIdentity> {
  const summary = await call<{
    StreamDescriptionSummary?: { StreamARN?: string; StreamCreationTimestamp?: number };
  }>('DescribeStreamSummary', { StreamName: streamName });
  const description = summary.StreamDescriptionSummary;
  return {
    streamName,
    streamArn: description?.StreamARN ?? '',
    creationTimestamp: Number(description?.StreamCreationTimestamp ?? 0),
  };
}

/**
 * Reads every shard of a stream from its checkpointed position (TRIM_HORIZON if none), after its parents are read to
 * their end (a split or merge), and de-aggregates KPL records. Not safe for concurrent use: one round at a time.
 */
export class ShardReader {
  private readonly shards = new Map<string, ShardState>();
  private needRefresh = true;
  private lastRefresh = 0;

  constructor(
    private readonly call: KinesisCall,
    private readonly streamName: string,
    private readonly saved: Readonly<Record<string, ShardCheckpoint>>,
  ) {}

  /** True when a shard was closed since the last ListShards (its children may be new). */
  get refreshPending(): boolean {
    return this.needRefresh;
  }

  async refresh(): Promise<void> {
    let token: string | undefined;
    do {
      const page = await this.call<{ Shards?: KinesisShard[]; NextToken?: string | null }>(
        'ListShards',
        token === undefined ? { StreamName: this.streamName } : { NextToken: token },
      );
      for (const s of page.Shards ?? []) {
        if (this.shards.has(s.ShardId)) continue;
        const saved = this.saved[s.ShardId];
        this.shards.set(s.ShardId, {
          shardId: s.ShardId,
          parents: [s.ParentShardId, s.AdjacentParentShardId].filter((p): p is string => p !== undefined),
          iterator: undefined,
          readSeq: saved?.sequenceNumber,
          readClosed: saved?.closed === true,
        });
      }
      token = (page.Shards ?? []).length > 0 ? (page.NextToken ?? undefined) : undefined;
    } while (token !== undefined);
    this.needRefresh = false;
    this.lastRefresh = Date.now();
  }

  /** One GetRecords per readable shard. */
  async poll(): Promise<ReadRound> {
    if (this.needRefresh || Date.now() - this.lastRefresh > REFRESH_INTERVAL_MS) await this.refresh();
    const round: ReadRound = { records: [], kinesisRecords: 0, behind: false };
    for (const s of [...this.shards.values()]) {
      if (this.readable(s)) await this.readShard(s, round);
    }
    return round;
  }

  /** Positions read so far, per shard (what a checkpoint records after the records are delivered). */
  positions(): Record<string, ShardCheckpoint> {
    const out: Record<string, ShardCheckpoint> = {};
    for (const s of this.shards.values()) {
      const entry: ShardCheckpoint = {};
      if (s.readSeq !== undefined) entry.sequenceNumber = s.readSeq;
      if (s.readClosed) entry.closed = true;
      out[s.shardId] = entry;
    }
    return out;
  }

  private readable(s: ShardState): boolean {
    return !s.readClosed && s.parents.every((p) => this.shards.get(p) === undefined || this.shards.get(p)?.readClosed);
  }

  private async readShard(s: ShardState, round: ReadRound): Promise<void> {
    if (s.iterator === undefined) {
      const answer = await this.call<{ ShardIterator: string }>(
        'GetShardIterator',
        s.readSeq === undefined
          ? { StreamName: this.streamName, ShardId: s.shardId, ShardIteratorType: 'TRIM_HORIZON' }
          : {
              StreamName: this.streamName,
              ShardId: s.shardId,
              ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
              StartingSequenceNumber: s.readSeq,
            },
      );
      s.iterator = answer.ShardIterator;
    }
    let page: { Records?: KinesisRecord[]; NextShardIterator?: string | null; MillisBehindLatest?: number };
    try {
      page = await this.call('GetRecords', { ShardIterator: s.iterator, Limit: 10_000 });
    } catch (err) {
      if (err instanceof KinesisApiError && err.type === 'ExpiredIteratorException') {
        s.iterator = undefined;
        round.behind = true;
        return;
      }
      throw err;
    }
    const records = page.Records ?? [];
    for (const r of records) {
      const data = Buffer.from(r.Data, 'base64');
      const arrival = Math.round((r.ApproximateArrivalTimestamp ?? Date.now() / 1000) * 1000);
      const aggregated = isAggregated(data);
      for (const sub of deaggregate({ partitionKey: r.PartitionKey, data })) {
        round.records.push({
          data: Buffer.from(sub.data),
          arrivalTimestamp: arrival,
          shardId: s.shardId,
          partitionKey: sub.partitionKey,
          sequenceNumber: r.SequenceNumber,
          subsequenceNumber: aggregated ? sub.subSequenceNumber : undefined,
        });
      }
      round.kinesisRecords++;
      s.readSeq = r.SequenceNumber;
    }
    if (page.NextShardIterator === undefined || page.NextShardIterator === null) {
      s.readClosed = true;
      s.iterator = undefined;
      this.needRefresh = true;
    } else {
      s.iterator = page.NextShardIterator;
    }
    if (records.length > 0 && (page.MillisBehindLatest ?? 0) > 0) round.behind = true;
  }
}
