import { AggregateBuilder, hashKeyToDecimal } from '@pipeline/kpl-aggregation';
import type { KinesisRecord, PendingRecord } from './pending-record.js';
import type { ShardRange } from './shard-map.js';

/** Partition key of every aggregated record, as the KPL sends it (routing uses the explicit hash key). */
export const AGGREGATE_PARTITION_KEY = 'a';

export interface AggregatorSettings {
  readonly enabled: boolean;
  readonly maxCount: number;
  readonly maxSize: number;
  readonly maxBufferedTime: number;
  /** Current max bytes of one Kinesis record (partition key + data), from the stream. */
  readonly maxRecordSize: () => number;
}

interface ShardBuffer {
  readonly shardId: string;
  readonly builder: AggregateBuilder;
  records: PendingRecord[];
  deadline: number;
}

/**
 * Per-shard buffers of user records. Aggregates only records predicted to the same shard, so the aggregate's
 * explicit hash key (its first record's) routes it to the shard that holds all of them.
 */
export class Aggregator {
  private readonly buffers = new Map<string, ShardBuffer>();
  private buffered = 0;

  constructor(
    private readonly settings: AggregatorSettings,
    private readonly emit: (record: KinesisRecord) => void,
  ) {}

  /** User records waiting in the buffers. */
  get size(): number {
    return this.buffered;
  }

  add(record: PendingRecord, shard: ShardRange | undefined): void {
    const deadline = record.waitingSince + this.settings.maxBufferedTime;
    if (!this.settings.enabled || shard === undefined) {
      this.emit(single(record, shard?.shardId, deadline));
      return;
    }
    const maxSize = Math.min(this.settings.maxSize, this.settings.maxRecordSize() - AGGREGATE_PARTITION_KEY.length);
    let buffer = this.buffers.get(shard.shardId);
    if (buffer === undefined) {
      buffer = { shardId: shard.shardId, builder: new AggregateBuilder(), records: [], deadline };
      this.buffers.set(shard.shardId, buffer);
    }
    const builder = buffer.builder;
    if (builder.count > 0 && (builder.count >= this.settings.maxCount || builder.sizeWith(record) > maxSize)) {
      this.emitBuffer(buffer);
    }
    if (builder.count === 0 && builder.sizeWith(record) > maxSize) {
      // Too large to share an aggregate: sent alone, as the KPL does.
      this.emit(single(record, shard.shardId, deadline));
      return;
    }
    if (builder.count === 0 || deadline < buffer.deadline) buffer.deadline = deadline;
    builder.add(record);
    buffer.records.push(record);
    this.buffered++;
    if (builder.count >= this.settings.maxCount) this.emitBuffer(buffer);
  }

  /**
   * Emits every buffer whose deadline has come (all of them when `force`), except those of shards `hold` says are
   * busy (their records could not leave sooner; the buffer keeps filling instead).
   */
  flushDue(now: number, force = false, hold?: (shardId: string) => boolean): void {
    for (const buffer of this.buffers.values()) {
      if (buffer.records.length === 0 || !(force || buffer.deadline <= now)) continue;
      if (hold?.(buffer.shardId)) continue;
      this.emitBuffer(buffer);
    }
  }

  /** Earliest buffer deadline, if any record is buffered (of shards `hold` does not hold). */
  nextDeadline(hold?: (shardId: string) => boolean): number | undefined {
    let next: number | undefined;
    for (const buffer of this.buffers.values()) {
      if (buffer.records.length === 0 || (next !== undefined && buffer.deadline >= next)) continue;
      if (hold?.(buffer.shardId)) continue;
      next = buffer.deadline;
    }
    return next;
  }

  /** Takes every buffered record out (close at its deadline). */
  drain(): PendingRecord[] {
    const out: PendingRecord[] = [];
    for (const buffer of this.buffers.values()) {
      out.push(...buffer.records);
      buffer.records = [];
      buffer.builder.reset();
    }
    this.buffered = 0;
    return out;
  }

  private emitBuffer(buffer: ShardBuffer): void {
    const records = buffer.records;
    if (records.length === 0) return;
    buffer.records = [];
    this.buffered -= records.length;
    const deadline = buffer.deadline;
    if (records.length === 1) {
      buffer.builder.reset();
      this.emit(single(records[0]!, buffer.shardId, deadline));
      return;
    }
    const data = buffer.builder.build();
    buffer.builder.reset();
    this.emit({
      shardId: buffer.shardId,
      partitionKey: AGGREGATE_PARTITION_KEY,
      explicitHashKey: hashKeyToDecimal(records[0]!.hashKey),
      data,
      records,
      aggregated: true,
      size: AGGREGATE_PARTITION_KEY.length + data.length,
      deadline,
    });
  }
}

function single(record: PendingRecord, shardId: string | undefined, deadline: number): KinesisRecord {
  return {
    shardId,
    partitionKey: record.partitionKey,
    explicitHashKey: record.explicitHashKey,
    data: record.data,
    records: [record],
    aggregated: false,
    size: record.size,
    deadline,
  };
}
