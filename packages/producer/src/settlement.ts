import { type Attempt, PutRecordError } from './errors.js';
import type { ProducerMetrics } from './metrics.js';
import { NO_ATTEMPTS, type PendingRecord } from './pending-record.js';
import type { PutResult, UserRecordInput } from './types.js';

/** What `flush()` saw: `complete` when every record put before it settled; else how many were still pending. */
export interface FlushResult {
  readonly complete: boolean;
  readonly pending: number;
}

/** Who holds capacity for admitted records: told before a record's promise settles, and after. */
export interface CapacityHolder {
  /** Releases the record's share of the outstanding limits; true when it had been admitted. */
  release(record: PendingRecord): boolean;
  /** Capacity was released: admit what waits (one loop, never nested). */
  afterRelease(): void;
}

export interface SettlementOptions {
  readonly recordTtl: number;
  readonly fireAndForget: boolean;
  readonly logger: { error(message: string, context?: Record<string, unknown>): void };
}

interface FlushWaiter {
  readonly maxId: number;
  remaining: number;
  resolve(result: FlushResult): void;
}

/**
 * The one way a record ends: every record the producer took is created here and settles here exactly once —
 * resolved, or rejected with a `PutRecordError` — and `flush()` waits on the count of those still open.
 */
export class Settlement {
  private nextId = 0;
  private open = 0;
  private readonly flushWaiters = new Set<FlushWaiter>();
  private capacity: CapacityHolder | undefined;

  constructor(
    private readonly options: SettlementOptions,
    private readonly metrics: ProducerMetrics,
    /** Emits a `failure` event; returns whether anyone listened. */
    private readonly emitFailure: (error: PutRecordError) => boolean,
  ) {}

  /** Wires the stage that holds capacity (admission), told of every release. */
  holdCapacityWith(capacity: CapacityHolder): void {
    this.capacity = capacity;
  }

  /** Records taken and not settled yet. */
  get unsettled(): number {
    return this.open;
  }

  /** Flushes waiting now. */
  get flushing(): number {
    return this.flushWaiters.size;
  }

  create(
    input: UserRecordInput,
    resolve: (result: PutResult) => void,
    reject: (error: PutRecordError) => void,
  ): PendingRecord {
    const now = Date.now();
    const data = typeof input?.data === 'string' ? Buffer.from(input.data, 'utf8') : input?.data;
    const partitionKey = input?.partitionKey;
    this.open++;
    return {
      id: this.nextId++,
      input,
      partitionKey,
      explicitHashKey: input?.explicitHashKey,
      data,
      hashKey: 0n,
      size: (data?.length ?? 0) + (typeof partitionKey === 'string' ? Buffer.byteLength(partitionKey, 'utf8') : 0),
      putAt: now,
      expiresAt: now + this.options.recordTtl,
      waitingSince: now,
      attempts: NO_ATTEMPTS,
      admitted: false,
      settled: false,
      resolve,
      reject: reject as (error: Error) => void,
    };
  }

  resolve(record: PendingRecord, result: PutResult): void {
    if (record.settled) return;
    const admitted = this.close(record);
    record.resolve(result);
    if (admitted) this.capacity?.afterRelease();
  }

  fail(record: PendingRecord, code: string, message: string): void {
    if (record.settled) return;
    const admitted = this.close(record);
    if (admitted) this.metrics.userRecordsFailed++;
    const error = withoutStack(() => new PutRecordError(code, message, record.input, record.attempts));
    record.reject(error);
    let heard = false;
    try {
      heard = this.emitFailure(error);
    } catch (listenerError) {
      // A failure listener that throws must not leave the pipeline half way through settling records.
      this.options.logger.error('a failure listener threw', { error: String(listenerError) });
      heard = true;
    }
    if (!heard && this.options.fireAndForget) {
      this.options.logger.error('record failed', { code, message, partitionKey: record.partitionKey });
    }
    if (admitted) this.capacity?.afterRelease();
  }

  expire(record: PendingRecord): void {
    if (record.settled) return;
    const last: Attempt | undefined = record.attempts[record.attempts.length - 1];
    this.metrics.userRecordExpired++;
    this.fail(
      record,
      'Expired',
      `not accepted within recordTtl (${this.options.recordTtl} ms) after ${record.attempts.length} attempt(s)` +
        (last?.errorCode ? `; last error ${last.errorCode}: ${last.errorMessage ?? ''}` : ''),
    );
  }

  /**
   * Resolves when every record taken before this call has settled, or at `deadline` (epoch ms) with the number
   * still open.
   */
  waitForAll(deadline: number | undefined): Promise<FlushResult> {
    if (this.open === 0) return Promise.resolve({ complete: true, pending: 0 });
    return new Promise<FlushResult>((resolve) => {
      let timeout: NodeJS.Timeout | undefined;
      const waiter: FlushWaiter = {
        maxId: this.nextId - 1,
        remaining: this.open,
        resolve: (result) => {
          if (!this.flushWaiters.delete(waiter)) return;
          if (timeout) clearTimeout(timeout);
          resolve(result);
        },
      };
      this.flushWaiters.add(waiter);
      if (deadline !== undefined) {
        timeout = setTimeout(
          () => waiter.resolve({ complete: false, pending: waiter.remaining }),
          Math.max(0, deadline - Date.now()),
        );
        timeout.unref();
      }
    });
  }

  /** Bookkeeping only, so nothing can run between it and the promise settling. */
  private close(record: PendingRecord): boolean {
    record.settled = true;
    this.open--;
    if (this.flushWaiters.size > 0) {
      for (const waiter of this.flushWaiters) {
        if (record.id <= waiter.maxId && --waiter.remaining === 0) waiter.resolve({ complete: true, pending: 0 });
      }
    }
    return this.capacity?.release(record) ?? false;
  }
}

/**
 * Errors made inside the pipeline (timers, responses) have no stack worth showing, and capturing one is most of the
 * cost of failing a record: expiring a million queued records spent 7 µs each on it.
 */
function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
