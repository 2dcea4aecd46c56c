/** Options of `budgetedPull`. */
export interface BudgetedPullOptions<In, Out> {
  /** Where the items come from. A synchronous source is drained without a microtask per item. */
  readonly source: Iterable<In> | AsyncIterable<In>;
  /**
   * Most items taken from the source whose outcome the consumer has not read yet (in flight or waiting to be read).
   * At least 1.
   */
  readonly maxItems: number;
  /** Most bytes (by `sizeOf`) taken and not yet read. Default `Infinity`. One item is always let through. */
  readonly maxBytes?: number | undefined;
  /** The size of an item, counted against `maxBytes`. Default 0 for every item. */
  readonly sizeOf?: ((item: In) => number) | undefined;
  /**
   * Hands one item over. `settle` must be called exactly once with the item's outcome, synchronously or later.
   * `index` is the item's position in the source, from 0.
   */
  readonly submit: (item: In, index: number, settle: (outcome: Out) => void) => void;
  /**
   * Called before each item: return a promise to wait for room downstream (e.g. a sink's `ready()`), or `undefined`
   * when there is room. Default: always room.
   */
  readonly waitForRoom?: (() => Promise<void> | undefined) | undefined;
  /** Told when the pull starts and stops waiting for the consumer to read outcomes (backpressure). */
  readonly onBlocked?: ((blocked: boolean) => void) | undefined;
  /** Called once after the source ended (or threw) with the number of items taken, e.g. to flush. */
  readonly onSourceEnd?: ((taken: number) => void) | undefined;
  /** Checked before each item: `true` stops taking items (e.g. the owner is closing). */
  readonly shouldStop?: (() => boolean) | undefined;
}

/**
 * Pulls items from a source only while a budget of unread outcomes allows, hands each to `submit`, and yields the
 * outcomes in the order they settle. Stopping the iteration (`break`, `return()`) stops the pulling; items already
 * taken still settle through `submit`'s owner. A source that throws rethrows from `next()` after the outcomes of the
 * items it gave. The budget bounds memory whatever the source's length.
 */
export function budgetedPull<In, Out>(options: BudgetedPullOptions<In, Out>): AsyncIterableIterator<Out> {
  return new BudgetedPull(options);
}

class BudgetedPull<In, Out> implements AsyncIterableIterator<Out> {
  private readonly outcomes: Out[] = [];
  private readonly sizes: number[] = [];
  private head = 0;
  private open = 0;
  private openBytes = 0;
  private started = false;
  private done = false;
  private stopped = false;
  private sourceError: { error: unknown } | undefined;
  private waitingNext: { resolve(r: IteratorResult<Out>): void; reject(e: unknown): void } | undefined;
  private wakePull: (() => void) | undefined;
  private readonly maxItems: number;
  private readonly maxBytes: number;
  private readonly resumeAt: number;
  private readonly resumeBytes: number;

  constructor(private readonly options: BudgetedPullOptions<In, Out>) {
    this.maxItems = Math.max(1, options.maxItems);
    this.maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    this.resumeAt = this.maxItems - Math.ceil(this.maxItems / 4);
    this.resumeBytes = this.maxBytes * 0.75;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Out> {
    return this;
  }

  next(): Promise<IteratorResult<Out>> {
    if (!this.started) {
      this.started = true;
      void this.pull();
    }
    if (this.head < this.outcomes.length) return Promise.resolve({ value: this.take(), done: false });
    if (this.done && this.open === 0) return this.finish();
    return new Promise((resolve, reject) => {
      this.waitingNext = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Out>> {
    this.stopped = true;
    this.wake();
    return Promise.resolve({ value: undefined, done: true });
  }

  private finish(): Promise<IteratorResult<Out>> {
    if (this.sourceError !== undefined) {
      const { error } = this.sourceError;
      this.sourceError = undefined;
      return Promise.reject(error);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  private take(): Out {
    const outcome = this.outcomes[this.head] as Out;
    const size = this.sizes[this.head] as number;
    this.outcomes[this.head] = undefined as Out;
    this.head++;
    if (this.head === this.outcomes.length) {
      this.outcomes.length = 0;
      this.sizes.length = 0;
      this.head = 0;
    }
    this.release(size);
    return outcome;
  }

  private release(size: number): void {
    this.open--;
    this.openBytes -= size;
    // Resume the pull only once a quarter of the budget is free, not per item: one wake-up serves many items.
    if (this.open <= this.resumeAt && this.openBytes <= this.resumeBytes) this.wake();
  }

  private wake(): void {
    const wake = this.wakePull;
    this.wakePull = undefined;
    wake?.();
  }

  private deliver(outcome: Out, size: number): void {
    const waiting = this.waitingNext;
    if (waiting !== undefined) {
      this.waitingNext = undefined;
      this.release(size);
      waiting.resolve({ value: outcome, done: false });
    } else {
      this.outcomes.push(outcome);
      this.sizes.push(size);
    }
  }

  private settleWaitingNext(): void {
    const waiting = this.waitingNext;
    if (waiting === undefined || this.open > 0 || this.head < this.outcomes.length) return;
    this.waitingNext = undefined;
    this.finish().then(waiting.resolve, waiting.reject);
  }

  private overBudget(size: number): boolean {
    return this.open > 0 && (this.open >= this.maxItems || this.openBytes + size > this.maxBytes);
  }

  private async pull(): Promise<void> {
    const { source, sizeOf, submit, waitForRoom, onBlocked, shouldStop } = this.options;
    let index = 0;
    try {
      const isAsync = Symbol.asyncIterator in source;
      const iterator = isAsync
        ? (source as AsyncIterable<In>)[Symbol.asyncIterator]()
        : (source as Iterable<In>)[Symbol.iterator]();
      for (;;) {
        const step = isAsync ? await iterator.next() : (iterator as Iterator<In>).next();
        if (step.done) break;
        const item = step.value;
        const size = sizeOf === undefined ? 0 : sizeOf(item);
        if (this.overBudget(size)) {
          onBlocked?.(true);
          while (!this.stopped && this.overBudget(size)) {
            await new Promise<void>((resolve) => {
              this.wakePull = resolve;
            });
          }
          onBlocked?.(false);
        }
        for (let room = waitForRoom?.(); room !== undefined && !this.stopped; room = waitForRoom?.()) await room;
        if (this.stopped || shouldStop?.() === true) {
          await iterator.return?.();
          return;
        }
        const position = index++;
        this.open++;
        this.openBytes += size;
        let settled = false;
        submit(item, position, (outcome) => {
          if (settled) return;
          settled = true;
          this.deliver(outcome, size);
          this.settleWaitingNext();
        });
      }
    } catch (error) {
      this.sourceError = { error: error ?? new Error('the source failed') };
    } finally {
      this.done = true;
      this.options.onSourceEnd?.(index);
      this.settleWaitingNext();
    }
  }
}
