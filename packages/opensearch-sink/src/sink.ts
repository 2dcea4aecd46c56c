import { Client } from '@opensearch-project/opensearch';
import { budgetedPull } from '@pipeline/commons';
import { Admission } from './admission.js';
import { Batcher } from './batcher.js';
import { BulkLines, looseItem, type WriteOptions } from './bulk-lines.js';
import { AdaptiveConcurrency } from './concurrency.js';
import { DeadLetters } from './dead-letters.js';
import { ConfigurationError, type DocumentErrorCode } from './errors.js';
import type { Item } from './item.js';
import { IdLanes } from './lanes.js';
import { checkClient, type OpenSearchSinkOptions, type ResolvedOptions, resolveOptions } from './options.js';
import type { IndexedOutcome, PositionedOutcome, WriteOutcome, WriteResult } from './outcomes.js';
import { type Resolution, Resolver } from './resolver.js';
import { Retrier } from './retrier.js';
import { Sender } from './sender.js';
import { Counters, type SinkStats } from './stats.js';
import type { ItemResult, OpenSearchClientLike } from './types.js';

interface FlushWaiter {
  readonly maxSeq: number;
  remaining: number;
  resolve(): void;
}

/**
 * Bulk indexing into OpenSearch that never loses a document and never reports an outcome that is not true: every
 * write ends indexed, superseded by a later write of its id, dead-lettered with the reason, unknown (a lost answer
 * the sink could not settle), or rejected with a typed error. See the package README.
 *
 * The facade only wires the stages: bulk lines → admission → per-id lanes → batcher → sender → retrier (→ resolver,
 * dead letters); every document ends through `end()`.
 */
export class OpenSearchSink<T = Record<string, unknown>> {
  /** The client in use (the given one, or the one the sink built from `node`). */
  readonly client: OpenSearchClientLike;
  private readonly options: ResolvedOptions<T>;
  private readonly ownsClient: boolean;
  private readonly counters = new Counters();
  private readonly concurrency: AdaptiveConcurrency;
  private readonly lines: BulkLines<T>;
  private readonly admission: Admission<T>;
  private readonly lanes: IdLanes<T>;
  private readonly batcher: Batcher<T>;
  private readonly sender: Sender<T>;
  private readonly retrier: Retrier<T>;
  private readonly resolver: Resolver<T>;
  private readonly deadLetters: DeadLetters<T>;

  private seq = 0;
  private unsettled = 0;
  private readonly flushWaiters = new Set<FlushWaiter>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private pumpScheduled = false;
  private closing = false;
  private aborted = false;
  private closePromise: Promise<void> | undefined;

  constructor(options: OpenSearchSinkOptions<T>) {
    const o = resolveOptions(options);
    this.options = o;
    if (options.client !== undefined) {
      this.client = checkClient(options.client);
      this.ownsClient = false;
    } else {
      const nodes = options.node as string | readonly string[];
      this.client = new Client({ node: typeof nodes === 'string' ? nodes : [...nodes] }) as OpenSearchClientLike;
      this.ownsClient = true;
    }
    this.concurrency = new AdaptiveConcurrency(o.minConcurrency, o.concurrency, o.baseDelay, o.maxDelay);
    this.lines = new BulkLines(o);
    this.deadLetters = new DeadLetters(o.onDeadLetter, o.logger, (item, outcome) => this.end(item, outcome));
    this.lanes = new IdLanes((item) => this.supersede(item));
    this.admission = new Admission(o.maxBufferedDocuments, o.maxBufferedBytes, (item) => this.enterLane(item));
    this.batcher = new Batcher(o);
    this.sender = new Sender(this.client, o.filterPath, o.requestTimeout, {
      onAnswer: (batch, body, ms) => {
        this.answered(ms);
        this.retrier.onAnswer(batch, body);
      },
      onError: (batch, error, ms) => {
        this.answered(ms);
        this.retrier.onError(batch, error);
      },
    });
    this.resolver = new Resolver(this.client, o.requestTimeout, o, (item, resolution) =>
      this.resolved(item, resolution),
    );
    this.retrier = new Retrier(o, this.concurrency, this.counters, o.logger, {
      deliver: (item, result) => this.deliver(item, result),
      reject: (item, code, reason) => this.reject(item, code, reason),
      resolve: (items) => this.resolver.resolve(items),
      requeue: (item) => this.batcher.add(item),
      requeueIsolated: (items) => this.batcher.addIsolated(items),
      replaceInBackoff: (item) => this.lanes.replaceInBackoff(item),
      pump: () => this.pump(),
    });
    const signal = o.signal;
    if (signal !== undefined) {
      if (signal.aborted) this.abort();
      else signal.addEventListener('abort', () => this.abort(), { once: true });
    }
  }

  /** Live counters: documents by result, retries, dead letters, bytes, requests, concurrency, latency. */
  get stats(): SinkStats {
    const c = this.counters;
    return {
      received: c.received,
      indexed: c.created + c.updated + c.noop + c.deleted + c.notFound + c.exists + c.stale,
      created: c.created,
      updated: c.updated,
      noop: c.noop,
      deleted: c.deleted,
      notFound: c.notFound,
      exists: c.exists,
      stale: c.stale,
      superseded: c.superseded,
      unknown: c.unknown,
      retried: c.retried,
      throttled: c.throttled,
      failed: c.failed,
      deadLettered: this.deadLetters.handed,
      pending: this.unsettled,
      waiting: this.admission.waiting,
      bytes: c.bytes,
      requests: c.requests,
      requestErrors: c.requestErrors,
      splits: c.splits,
      concurrency: this.concurrency.state(),
      latency: c.latency.snapshot(),
      tookMs: c.tookMs,
    };
  }

  /**
   * Writes one document. Waits for capacity when `maxBufferedDocuments`/`maxBufferedBytes` are reached, and
   * resolves with the document's outcome: `indexed`, `superseded` (a later write of its id replaced it before it
   * was sent), `dead-lettered`, or `unknown` (a lost answer the sink could not settle: it may have been applied).
   * Rejects with a `DocumentError` when it was not indexed and no `onDeadLetter` takes it. To write many documents
   * without awaiting each, use `writeAll()` or `await sink.ready()` before each.
   */
  write(document: T, options?: WriteOptions): Promise<WriteResult<T>> {
    return new Promise<WriteResult<T>>((resolve, reject) => {
      this.submit(document, options, (outcome) => {
        if (outcome.status === 'failed') reject(outcome.error);
        else resolve(outcome);
      });
    });
  }

  /**
   * Bulk path with backpressure: pulls documents from `source` only while the sink has capacity (outcomes not read
   * yet count too), and yields every document's outcome (failures included, never thrown) in completion order with
   * its `position` in the source. Stopping the iteration stops the pulling; documents already taken are still
   * delivered. A source that throws rethrows here after the outcomes of the documents it gave.
   */
  writeAll(source: Iterable<T> | AsyncIterable<T>): AsyncIterableIterator<PositionedOutcome<T>> {
    return budgetedPull<T, PositionedOutcome<T>>({
      source,
      maxItems: this.options.maxBufferedDocuments,
      submit: (document, position, settle) =>
        this.submit(document, undefined, settle as (outcome: WriteOutcome<T>) => void, position),
      waitForRoom: () => (this.admission.hasRoom() || this.aborted || this.closing ? undefined : this.ready()),
      // Nothing more will come: send what is queued now rather than at the interval.
      onSourceEnd: (taken) => {
        if (taken > 0) this.flush().catch(() => {});
      },
      shouldStop: () => this.aborted || this.closing,
    });
  }

  /** Resolves when the sink can take another document without waiting (at once if it can now). */
  ready(): Promise<void> {
    if (this.admission.hasRoom() || this.aborted || this.closing) return Promise.resolve();
    const ready = this.admission.ready();
    this.schedulePump(); // a writer waits: queued documents go now
    return ready;
  }

  /** Sends everything queued now and resolves when every document written before the call has settled. */
  flush(): Promise<void> {
    if (this.unsettled === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.flushWaiters.add({ maxSeq: this.seq, remaining: this.unsettled, resolve });
      this.schedulePump();
    });
  }

  /** Flushes, then stops: later writes reject with `closed`. Closes the client if the sink built it. Idempotent. */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.closing = true;
      this.admission.wakeAll();
      await this.flush();
      this.clearTimer();
      this.retrier.drain();
      if (this.ownsClient) await this.client.close?.();
    })();
    return this.closePromise;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Into the pipeline

  private submit(
    document: T,
    writeOptions: WriteOptions | undefined,
    settle: (outcome: WriteOutcome<T>) => void,
    position = -1,
  ): void {
    const o = this.options;
    if (writeOptions?.id != null && (o.serverless === 'timeseries' || o.serverless === 'vectorsearch')) {
      throw new ConfigurationError(
        'id',
        `Amazon OpenSearch Serverless ${o.serverless} collections refuse custom document ids`,
      );
    }
    this.counters.received++;
    const seq = ++this.seq;
    this.unsettled++;
    if (this.aborted || this.closing) {
      const code: DocumentErrorCode = this.aborted ? 'aborted' : 'closed';
      const letter = DeadLetters.letter(document, code, `the sink is ${code}`, undefined, {});
      this.deadLetters.fail(looseItem(seq, position, document, settle), letter);
      return;
    }
    let item: Item<T>;
    try {
      item = this.lines.encode(seq, position, document, writeOptions, settle);
    } catch (error) {
      const reason = `invalid document: ${error instanceof Error ? error.message : String(error)}`;
      const letter = DeadLetters.letter(document, 'invalid-document', reason, undefined, {});
      this.deadLetters.hand(looseItem(seq, position, document, settle), letter);
      return;
    }
    if (item.bytes > o.maxRequestBytes) {
      const reason =
        `the document's bulk lines are ${item.bytes} bytes, more than maxRequestBytes (${o.maxRequestBytes}); ` +
        'it can never be sent';
      this.deadLetters.hand(item, DeadLetters.letter(document, 'too-large', reason, undefined, item));
      return;
    }
    if (!this.admission.offer(item)) this.schedulePump();
  }

  /** An admitted document: queued now, or held behind the current write of its id. */
  private enterLane(item: Item<T>): void {
    if (this.lanes.enter(item)) this.batcher.add(item);
    this.schedulePump();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Sending

  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.aborted) return;
    const now = Date.now();
    const urgent = this.flushWaiters.size > 0 || this.closing || this.admission.pressed;
    while (this.concurrency.available) {
      const sendAt = this.concurrency.sendAt;
      if (sendAt > now) {
        this.wakeAt(sendAt);
        return;
      }
      const batch = this.batcher.next(now, urgent);
      if (batch === undefined) break;
      this.send(batch, now);
    }
    if (this.batcher.queued > 0 && this.concurrency.available) this.wakeAt(this.batcher.dueAt);
  }

  private send(batch: Item<T>[], now: number): void {
    const c = this.counters;
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      item.state = 'inflight';
      if (++item.attempts === 1) item.firstSentAt = now;
      else c.retried++;
    }
    c.requests++;
    this.concurrency.onSend(now);
    c.bytes += this.sender.send(batch);
  }

  private answered(elapsedMs: number): void {
    this.concurrency.inFlight--;
    this.counters.latency.add(elapsedMs);
  }

  private wakeAt(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Endings: every document ends through end()

  private deliver(item: Item<T>, result: ItemResult): void {
    const outcome: IndexedOutcome<T> & { position?: number } = {
      status: 'indexed',
      document: item.document,
      index: item.index,
      id: item.id,
      action: item.action,
      result,
      attempts: item.attempts,
    };
    if (item.position >= 0) outcome.position = item.position;
    this.end(item, outcome);
  }

  private supersede(item: Item<T>): void {
    this.end(item, {
      status: 'superseded',
      document: item.document,
      index: item.index,
      id: item.id,
      attempts: item.attempts,
    });
  }

  private reject(item: Item<T>, code: DocumentErrorCode, reason: string): void {
    this.deadLetters.hand(item, DeadLetters.letter(item.document, code, reason, item.lastError, item));
  }

  private resolved(item: Item<T>, resolution: Resolution): void {
    if (item.state !== 'resolving') return; // aborted meanwhile
    const last = item.lastError === undefined ? 'unknown error' : `${item.lastError.type}: ${item.lastError.reason}`;
    if (resolution.kind === 'applied') {
      this.deliver(item, resolution.result);
    } else if (resolution.kind === 'not-applied') {
      this.reject(
        item,
        'retries-exhausted',
        `still failing after ${item.attempts} attempts: ${last}; ${resolution.reason}`,
      );
    } else {
      this.end(item, {
        status: 'unknown',
        document: item.document,
        index: item.index,
        id: item.id,
        action: item.action,
        attempts: item.attempts,
        reason:
          `a bulk request carrying it lost its answer and the retries ran out after ${item.attempts} attempts ` +
          `(last error ${last}): it may have been applied; ${resolution.reason}`,
        error: item.lastError,
      });
    }
  }

  /** The one way a document ends: its lane goes to the next write of its id, its room to the next writer. */
  private end(item: Item<T>, outcome: WriteOutcome<T>): void {
    if (item.state === 'done') return;
    if (!this.aborted) this.batcher.forget(item);
    item.state = 'done';
    this.count(outcome);
    const next = this.lanes.leave(item);
    if (next !== undefined) {
      this.batcher.add(next);
      this.schedulePump();
    }
    this.admission.release(item);
    this.unsettled--;
    if (this.flushWaiters.size > 0) {
      for (const waiter of this.flushWaiters) {
        if (item.seq <= waiter.maxSeq && --waiter.remaining <= 0) {
          this.flushWaiters.delete(waiter);
          waiter.resolve();
        }
      }
    }
    try {
      item.settle(item.position < 0 || outcome.status === 'indexed' ? outcome : positioned(outcome, item.position));
    } catch (error) {
      this.options.logger.error('an outcome callback threw', { error: String(error) });
    }
  }

  private count(outcome: WriteOutcome<T>): void {
    const c = this.counters;
    switch (outcome.status) {
      case 'indexed':
        c[outcome.result === 'not_found' ? 'notFound' : outcome.result]++;
        break;
      case 'superseded':
        c.superseded++;
        break;
      case 'unknown':
        c.unknown++;
        break;
      case 'failed':
        c.failed++;
        break;
      default:
        break;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Abort

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.clearTimer();
    const inFlight = new Set(this.sender.abortAll());
    const items = new Set<Item<T>>([
      ...this.admission.drain(),
      ...this.batcher.drain(),
      ...inFlight,
      ...this.retrier.drain(),
      ...this.lanes.drain(),
    ]);
    for (const item of items) {
      if (item.state === 'done' || item.state === 'ending') continue;
      const reason =
        item.state === 'inflight' || item.state === 'resolving'
          ? 'the sink was aborted while the document was in flight (it may have been indexed)'
          : 'the sink was aborted before the document was indexed';
      this.deadLetters.fail(item, DeadLetters.letter(item.document, 'aborted', reason, item.lastError, item));
    }
    this.admission.wakeAll();
  }
}

/** Adds the `writeAll()` position to an outcome (only for documents that came from a `writeAll()` source). */
function positioned<T>(outcome: WriteOutcome<T>, position: number): WriteOutcome<T> {
  if ((outcome as { position?: number }).position !== undefined) return outcome;
  return { ...outcome, position } as PositionedOutcome<T>;
}
