import type { KinesisRecord } from './pending-record.js';

/** One `PutRecords` request's worth of Kinesis records. */
export interface PutRecordsBatch {
  readonly records: KinesisRecord[];
  /** Bytes counted against `collectionMaxSize`: partition keys + data. */
  size: number;
  /** Earliest deadline of its records. */
  deadline: number;
}

export interface CollectorSettings {
  readonly maxCount: number;
  readonly maxSize: number;
}

/**
 * Packs Kinesis records from any shard into `PutRecords` batches (count and byte limits) and hands sealed batches
 * to the sender while it has a free connection.
 */
export class Collector {
  private current: PutRecordsBatch | undefined;
  private readonly sealed: PutRecordsBatch[] = [];
  private pendingCount = 0;

  constructor(
    private readonly settings: CollectorSettings,
    private readonly canSend: () => boolean,
    private readonly send: (batch: PutRecordsBatch) => void,
  ) {}

  /** Kinesis records waiting to be sent. */
  get size(): number {
    return this.pendingCount;
  }

  add(record: KinesisRecord): void {
    let batch = this.current;
    if (batch !== undefined && batch.records.length > 0 && batch.size + record.size > this.settings.maxSize) {
      this.seal();
      batch = undefined;
    }
    if (batch === undefined) {
      batch = { records: [], size: 0, deadline: record.deadline };
      this.current = batch;
    }
    batch.records.push(record);
    batch.size += record.size;
    if (record.deadline < batch.deadline) batch.deadline = record.deadline;
    this.pendingCount++;
    if (batch.records.length >= this.settings.maxCount) this.seal();
  }

  /** Seals the open batch if its deadline has come (or `force`), then sends what connections allow. */
  flushDue(now: number, force = false): void {
    const batch = this.current;
    if (batch !== undefined && batch.records.length > 0 && (force || batch.deadline <= now)) this.seal();
    this.dispatch();
  }

  /** Sends sealed batches while a connection is free. */
  dispatch(): void {
    while (this.sealed.length > 0 && this.canSend()) {
      const batch = this.sealed.shift()!;
      this.pendingCount -= batch.records.length;
      this.send(batch);
    }
  }

  nextDeadline(): number | undefined {
    return this.current !== undefined && this.current.records.length > 0 ? this.current.deadline : undefined;
  }

  /** Whether sealed batches wait for a free connection. */
  get backlogged(): boolean {
    return this.sealed.length > 0;
  }

  /** Takes every waiting record out (close at its deadline). */
  takeAll(): KinesisRecord[] {
    const out: KinesisRecord[] = [];
    for (const batch of this.sealed) out.push(...batch.records);
    if (this.current) out.push(...this.current.records);
    this.sealed.length = 0;
    this.current = undefined;
    this.pendingCount = 0;
    return out;
  }

  private seal(): void {
    if (this.current !== undefined && this.current.records.length > 0) this.sealed.push(this.current);
    this.current = undefined;
  }
}
