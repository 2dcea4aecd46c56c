import type { SourceRecord } from './event.js';
import type { ReadRound } from './shard-reader.js';
import type { FirehoseDeliveryStats } from './types.js';

/** The stages the loop drives. */
export interface LoopStages {
  /** One read round over the shards; `refreshPending` when the shard list must be read again. */
  read(): Promise<ReadRound & { refreshPending: boolean }>;
  /** Delivers a whole buffer; a throw keeps the buffer for the next attempt. */
  deliver(batch: readonly SourceRecord[]): Promise<void>;
  /** Records the read positions (after a delivery, or on a forced flush with nothing buffered). */
  checkpoint(): void;
}

export interface LoopSettings {
  /** Buffering hint: deliver once the buffered user data reaches this many bytes. */
  sizeBytes: number;
  /** Buffering hint: deliver once the oldest buffered record waited this long, ms. */
  intervalMs: number;
  /** Idle wait between read rounds that found nothing, ms. */
  pollIntervalMs: number;
  /** Wait after a failed round, ms. Default 1 000. */
  errorBackoffMs?: number;
  onError?: ((error: unknown) => void) | undefined;
}

/** All counters at zero. */
export function emptyStats(): FirehoseDeliveryStats {
  return {
    kinesisRecords: 0,
    userRecords: 0,
    invocations: 0,
    invocationErrors: 0,
    ok: 0,
    dropped: 0,
    processingFailed: 0,
    formatConversionFailed: 0,
    partitioningFailed: 0,
    rows: 0,
    parquetObjects: 0,
    errorObjects: 0,
    deliveries: 0,
    readMs: 0,
    lambdaMs: 0,
    deliverMs: 0,
  };
}

/** Upper bound of read rounds one flush() makes to catch up with the stream. */
const FLUSH_MAX_ROUNDS = 10_000;

/**
 * Firehose's buffer: reads in the background, delivers when a buffering hint is reached (size or interval), and
 * checkpoints after each delivery. One operation at a time: the background loop and flush() share the shard
 * iterators and the buffer.
 */
export class DeliveryLoop {
  private buffer: SourceRecord[] = [];
  private bufferBytes = 0;
  private bufferStartedAt = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private stopping = false;
  private wake: (() => void) | undefined;
  private running: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;
  lastError: unknown;

  constructor(
    private readonly stages: LoopStages,
    private readonly settings: LoopSettings,
    private readonly stats: FirehoseDeliveryStats,
  ) {}

  /** Runs `fn` after every operation queued before it. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Reads until the stream has nothing more (all shards, children after a split), then delivers and checkpoints. */
  flush(): Promise<void> {
    return this.exclusive(async () => {
      for (let round = 0; round < FLUSH_MAX_ROUNDS; round++) {
        const r = await this.readOnce();
        if (r.kinesisRecords === 0 && !r.behind && !r.refreshPending) break;
      }
      await this.maybeDeliver(true);
    });
  }

  /** Stops reading; delivers what is buffered first unless `flush` is false (a crash). */
  stop(flush = true): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping = true;
      this.wake?.();
      await this.running;
      if (flush) await this.exclusive(() => this.maybeDeliver(true));
    })();
    return this.stopped;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let got = 0;
      try {
        await this.exclusive(async () => {
          if (this.stopping) return;
          got = (await this.readOnce()).kinesisRecords;
          await this.maybeDeliver(false);
        });
      } catch (err) {
        this.lastError = err;
        this.settings.onError?.(err);
        if (!this.stopping) await this.sleep(this.settings.errorBackoffMs ?? 1_000);
      }
      if (!this.stopping && got === 0) await this.sleep(this.settings.pollIntervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async readOnce(): Promise<ReadRound & { refreshPending: boolean }> {
    const t0 = performance.now();
    try {
      const round = await this.stages.read();
      if (round.records.length > 0) {
        if (this.buffer.length === 0) this.bufferStartedAt = Date.now();
        for (const record of round.records) {
          this.buffer.push(record);
          this.bufferBytes += record.data.byteLength;
        }
      }
      this.stats.kinesisRecords += round.kinesisRecords;
      this.stats.userRecords += round.records.length;
      return round;
    } finally {
      this.stats.readMs += performance.now() - t0;
    }
  }

  private async maybeDeliver(force: boolean): Promise<void> {
    if (this.buffer.length === 0) {
      if (force) this.stages.checkpoint();
      return;
    }
    const full = this.bufferBytes >= this.settings.sizeBytes;
    const due = Date.now() - this.bufferStartedAt >= this.settings.intervalMs;
    if (force || full || due) await this.deliver();
  }

  private async deliver(): Promise<void> {
    const t0 = performance.now();
    const batch = this.buffer;
    this.buffer = [];
    this.bufferBytes = 0;
    try {
      try {
        await this.stages.deliver(batch);
      } catch (err) {
        this.buffer = batch.concat(this.buffer);
        this.bufferBytes = this.buffer.reduce((n, r) => n + r.data.byteLength, 0);
        throw err;
      }
      this.stats.deliveries++;
      this.stages.checkpoint();
    } finally {
      this.stats.deliverMs += performance.now() - t0;
    }
  }
}
