import { Fifo } from './fifo.js';
import type { Item } from './item.js';

/**
 * Bounded memory: documents accepted and not yet ended count against `maxBufferedDocuments` and `maxBufferedBytes`.
 * A document that does not fit waits in line (FIFO) and is admitted as earlier ones end; `ready()` waits for room.
 */
export class Admission<T> {
  private docs = 0;
  private bytes = 0;
  private readonly line = new Fifo<Item<T>>();
  private readonly readyWaiters: Array<() => void> = [];
  /** Admitting from the line now: an ending caused by an admission (a supersede) must not recurse into the line. */
  private admitting = false;

  constructor(
    private readonly maxDocuments: number,
    private readonly maxBytes: number,
    /** Takes an admitted document into the pipeline. */
    private readonly admit: (item: Item<T>) => void,
  ) {}

  /** Writers waiting: documents in line plus `ready()` callers. */
  get waiting(): number {
    return this.line.size;
  }

  /** Someone waits for room (a document in line or a `ready()` caller): queued documents should go now. */
  get pressed(): boolean {
    return this.line.size > 0 || this.readyWaiters.length > 0;
  }

  hasRoom(): boolean {
    return this.line.size === 0 && this.docs < this.maxDocuments && this.bytes < this.maxBytes;
  }

  /** Admits the document now if it fits and nobody waits before it, else puts it in line; `true` if admitted. */
  offer(item: Item<T>): boolean {
    if (this.line.size > 0 || !this.fits(item)) {
      item.state = 'admission';
      this.line.push(item);
      return false;
    }
    this.take(item);
    return true;
  }

  /** An admitted document ended: its room goes to those in line, then to `ready()` callers. */
  release(item: Item<T>): void {
    if (!item.admitted) return;
    item.admitted = false;
    this.docs--;
    this.bytes -= item.bytes;
    if (this.admitting) return;
    if (this.line.size > 0) {
      this.admitting = true;
      try {
        for (;;) {
          const next = this.line.peek();
          if (next === undefined || !this.fits(next)) break;
          this.line.shift();
          this.take(next);
        }
      } finally {
        this.admitting = false;
      }
    }
    if (this.readyWaiters.length > 0 && this.hasRoom()) this.wakeAll();
  }

  ready(): Promise<void> {
    return new Promise<void>((resolve) => this.readyWaiters.push(resolve));
  }

  /** Wakes every `ready()` caller (room, close or abort). */
  wakeAll(): void {
    const waiters = this.readyWaiters.splice(0, this.readyWaiters.length);
    for (const resolve of waiters) resolve();
  }

  /** Everything in line, for abort; the line is emptied. */
  drain(): Item<T>[] {
    return this.line.drain();
  }

  private fits(item: Item<T>): boolean {
    if (this.docs === 0) return true;
    return this.docs < this.maxDocuments && this.bytes + item.bytes <= this.maxBytes;
  }

  private take(item: Item<T>): void {
    item.admitted = true;
    this.docs++;
    this.bytes += item.bytes;
    this.admit(item);
  }
}
