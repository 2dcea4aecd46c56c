import { Fifo } from './fifo.js';
import type { Item } from './item.js';

/** Limits of one bulk request. */
export interface BatchLimits {
  readonly flushDocuments: number;
  readonly flushBytes: number;
  readonly flushInterval: number;
}

/**
 * The queues in front of the sender: halves of split requests first (sent as requests of their own), then retried
 * documents, then new ones. A batch is cut when `flushDocuments` or `flushBytes` is reached, or when it is urgent
 * (a flush, close, a writer waiting for room) or the oldest queued document waited `flushInterval`.
 */
export class Batcher<T> {
  private readonly isolated: Item<T>[][] = [];
  private readonly retried = new Fifo<Item<T>>();
  private readonly fresh = new Fifo<Item<T>>();
  private count = 0;
  private bytes = 0;
  /** When the oldest document still queued was queued (or the last batch was cut), epoch ms. */
  private since = 0;

  constructor(private readonly limits: BatchLimits) {}

  /** Documents queued (not counting halves of split requests). */
  get queued(): number {
    return this.count;
  }

  /** When the queued documents are due by `flushInterval`, epoch ms (`Infinity` if none). */
  get dueAt(): number {
    return this.count === 0 ? Number.POSITIVE_INFINITY : this.since + this.limits.flushInterval;
  }

  add(item: Item<T>): void {
    item.state = 'ready';
    if (item.attempts > 0) this.retried.push(item);
    else this.fresh.push(item);
    if (this.count === 0) this.since = Date.now();
    this.count++;
    this.bytes += item.bytes;
  }

  /** A half of a split request: sent alone, as soon as there is room. */
  addIsolated(items: Item<T>[]): void {
    for (const item of items) item.state = 'isolated';
    this.isolated.push(items);
  }

  /** A queued document left without being sent (superseded, aborted): it no longer counts. */
  forget(item: Item<T>): void {
    if (item.state !== 'ready') return;
    this.count--;
    this.bytes -= item.bytes;
  }

  /** The next request's documents, or `undefined` if none is due. */
  next(now: number, urgent: boolean): Item<T>[] | undefined {
    while (this.isolated.length > 0) {
      const batch = this.isolated.shift()!.filter((item) => item.state === 'isolated');
      if (batch.length > 0) return batch;
    }
    if (this.count === 0) return undefined;
    const { flushDocuments, flushBytes, flushInterval } = this.limits;
    const full = this.count >= flushDocuments || this.bytes >= flushBytes;
    if (!full && !urgent && now - this.since < flushInterval) return undefined;
    const batch: Item<T>[] = [];
    let bytes = 0;
    for (const queue of [this.retried, this.fresh]) {
      for (;;) {
        const item = queue.peek();
        if (item === undefined) break;
        if (item.state !== 'ready') {
          queue.shift();
          continue;
        }
        if (batch.length >= flushDocuments || (batch.length > 0 && bytes + item.bytes > flushBytes)) break;
        queue.shift();
        batch.push(item);
        bytes += item.bytes;
      }
      if (batch.length >= flushDocuments || (batch.length > 0 && bytes >= flushBytes)) break;
    }
    this.count -= batch.length;
    this.bytes -= bytes;
    if (this.count > 0) this.since = now;
    return batch.length > 0 ? batch : undefined;
  }

  /** Everything queued, for abort; the queues are emptied. */
  drain(): Item<T>[] {
    const out = [...this.retried.drain(), ...this.fresh.drain()];
    for (const half of this.isolated) out.push(...half);
    this.isolated.length = 0;
    this.count = 0;
    this.bytes = 0;
    return out;
  }
}
