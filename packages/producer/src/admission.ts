import { effectiveHashKey, InvalidHashKeyError } from '@pipeline/kpl-aggregation';
import type { ProducerMetrics } from './metrics.js';
import type { PendingRecord } from './pending-record.js';
import type { CapacityHolder, Settlement } from './settlement.js';

export interface AdmissionOptions {
  readonly maxOutstandingRecords: number;
  readonly maxOutstandingBytes: number;
  readonly whenFull: 'wait' | 'reject';
}

/** Records shorter than this many queued slots are compacted at once; longer queues in steps. */
const COMPACT_AFTER = 4096;

/**
 * The gate into the pipeline: checks each record, holds it while the stream's metadata loads or the outstanding
 * limits are reached, and admits records in order as capacity is released. Admission is one loop: a record that
 * settles while the loop runs (an expiry, a rejection) asks for another pass instead of nesting one, so a million
 * records expiring in the queue take a million iterations and constant stack.
 */
export class Admission implements CapacityHolder {
  private records = 0;
  private bytes = 0;
  private readonly queue: PendingRecord[] = [];
  private head = 0;
  private readonly capacityWaiters: Array<() => void> = [];
  private admitting = false;
  private admitAgain = false;
  private isShut = false;

  constructor(
    private readonly options: AdmissionOptions,
    private readonly metrics: ProducerMetrics,
    private readonly settlement: Settlement,
    /** The record size limit in force (bytes of partition key + data). */
    private readonly recordLimit: () => number,
    /** An admitted record enters the pipeline (the aggregator). */
    private readonly enter: (record: PendingRecord) => void,
  ) {}

  get outstandingRecords(): number {
    return this.records;
  }

  get outstandingBytes(): number {
    return this.bytes;
  }

  /** Records waiting to be admitted. */
  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** Whether someone waits for capacity (queued records or `waitForCapacity()` callers). */
  get blocked(): boolean {
    return this.head < this.queue.length || this.capacityWaiters.length > 0;
  }

  /**
   * Checks the record and sets its hash key; returns [code, message] when invalid. The size is checked only once the
   * stream's limit is known (`sizeKnown`); queued records are checked when admitted.
   */
  validate(record: PendingRecord, sizeKnown: boolean): [string, string] | undefined {
    const { partitionKey, data, explicitHashKey } = record;
    if (typeof partitionKey !== 'string' || partitionKey.length === 0) {
      return ['InvalidPartitionKey', 'partitionKey must be a non-empty string'];
    }
    if (partitionKey.length > 256 && countCodePoints(partitionKey) > 256) {
      return [
        'InvalidPartitionKey',
        `partitionKey has ${countCodePoints(partitionKey)} characters; the limit is 256 (Kinesis PartitionKey)`,
      ];
    }
    if (!(partitionKey as unknown as { isWellFormed(): boolean }).isWellFormed()) {
      return ['InvalidPartitionKey', 'partitionKey is not valid Unicode (lone surrogate); it cannot be sent as UTF-8'];
    }
    if (!(data instanceof Uint8Array)) {
      return ['InvalidData', `data must be a Uint8Array or a string, got ${data === null ? 'null' : typeof data}`];
    }
    if (explicitHashKey !== undefined && typeof explicitHashKey !== 'string') {
      return ['InvalidExplicitHashKey', `explicitHashKey must be a decimal string, got ${typeof explicitHashKey}`];
    }
    try {
      (record as { hashKey: bigint }).hashKey = effectiveHashKey(partitionKey, explicitHashKey);
    } catch (error) {
      if (error instanceof InvalidHashKeyError) return ['InvalidExplicitHashKey', error.message];
      throw error;
    }
    if (sizeKnown) {
      const tooLarge = this.sizeError(record);
      if (tooLarge !== undefined) return ['RecordTooLarge', tooLarge];
    }
    return undefined;
  }

  /** Takes a valid record: admits it now if `open` and nothing waits before it, else queues it. */
  offer(record: PendingRecord, open: boolean): void {
    if (this.isShut) {
      this.settlement.fail(record, 'ProducerClosed', 'the producer is closed');
      return;
    }
    if (!open || this.head < this.queue.length) {
      this.queue.push(record);
      if (open) this.admitWaiting();
      return;
    }
    if (!this.tryAdmit(record)) this.queue.push(record);
  }

  /** Resolves when another record can be taken without waiting. */
  waitForCapacity(): Promise<void> {
    if (this.hasCapacity(0) && this.head === this.queue.length) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  /** Admits queued records in order while capacity allows (one loop; a nested call asks for another pass). */
  admitWaiting(): void {
    if (this.isShut) return;
    if (this.admitting) {
      this.admitAgain = true;
      return;
    }
    this.admitting = true;
    try {
      do {
        this.admitAgain = false;
        this.admitPass();
      } while (this.admitAgain);
    } finally {
      this.admitting = false;
    }
    if (this.head === this.queue.length && this.hasCapacity(0)) this.wakeWaiters();
  }

  release(record: PendingRecord): boolean {
    if (!record.admitted) return false;
    this.records--;
    this.bytes -= record.size;
    return true;
  }

  afterRelease(): void {
    if (this.head < this.queue.length || this.capacityWaiters.length > 0) this.admitWaiting();
  }

  /** Takes every queued record out (the stream cannot be used, or close at its deadline). */
  takeQueued(): PendingRecord[] {
    const queued = this.queue.splice(this.head);
    this.queue.length = 0;
    this.head = 0;
    return queued;
  }

  /** Admits nothing more (close at its deadline): takes every queued record out and wakes capacity waiters. */
  shut(): PendingRecord[] {
    this.isShut = true;
    const queued = this.takeQueued();
    this.wakeWaiters();
    return queued;
  }

  wakeWaiters(): void {
    for (const waiter of this.capacityWaiters.splice(0)) waiter();
  }

  private admitPass(): void {
    const queue = this.queue;
    while (this.head < queue.length) {
      const record = queue[this.head]!;
      if (!record.settled) {
        const tooLarge = this.sizeError(record);
        if (tooLarge !== undefined) this.settlement.fail(record, 'RecordTooLarge', tooLarge);
        else if (!this.tryAdmit(record)) break;
      }
      queue[this.head++] = undefined as unknown as PendingRecord;
    }
    if (this.head === queue.length) {
      queue.length = 0;
      this.head = 0;
    } else if (this.head > COMPACT_AFTER) {
      queue.splice(0, this.head);
      this.head = 0;
    }
  }

  private sizeError(record: PendingRecord): string | undefined {
    const limit = this.recordLimit();
    if (record.size <= limit) return undefined;
    return `record is ${record.size} bytes (partition key ${record.size - record.data.length} + data ${record.data.length}); the limit is ${limit} bytes (maxUserRecordSize / the stream's MaxRecordSizeInKiB)`;
  }

  private hasCapacity(size: number): boolean {
    if (this.records === 0) return true;
    return this.records < this.options.maxOutstandingRecords && this.bytes + size <= this.options.maxOutstandingBytes;
  }

  private tryAdmit(record: PendingRecord): boolean {
    if (!this.hasCapacity(record.size)) {
      if (this.options.whenFull === 'reject') {
        this.settlement.fail(
          record,
          'BufferFull',
          `buffer full: ${this.records} records / ${this.bytes} bytes outstanding (maxOutstandingRecords ${this.options.maxOutstandingRecords}, maxOutstandingBytes ${this.options.maxOutstandingBytes})`,
        );
        return true;
      }
      return false;
    }
    this.admit(record);
    return true;
  }

  private admit(record: PendingRecord): void {
    record.admitted = true;
    this.records++;
    this.bytes += record.size;
    if (this.records > this.metrics.outstandingHighWaterMark) this.metrics.outstandingHighWaterMark = this.records;
    this.metrics.userRecordsReceived++;
    const now = Date.now();
    if (now >= record.expiresAt) {
      this.settlement.expire(record);
      return;
    }
    record.waitingSince = now;
    this.enter(record);
  }
}

function countCodePoints(value: string): number {
  let count = 0;
  for (const _ of value) count++;
  return count;
}
