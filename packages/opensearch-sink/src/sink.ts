import { Client } from '@opensearch-project/opensearch';
import { backoffDelay } from './backoff.js';
import {
  type BulkItemResponse,
  classifyItem,
  classifyRequestError,
  describe,
  type RequestFailure,
} from './classify.js';
import { AdaptiveConcurrency } from './concurrency.js';
import {
  ConfigurationError,
  type DeadLetter,
  DocumentError,
  type DocumentErrorCode,
  type ItemErrorDetail,
} from './errors.js';
import { checkClient, type OpenSearchSinkOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { Counters, type SinkStats } from './stats.js';
import type { BulkAction, ItemResult, OpenSearchClientLike } from './types.js';

/** The document was indexed (or already there: `exists`, `stale`). */
export interface IndexedOutcome<T> {
  readonly status: 'indexed';
  readonly document: T;
  readonly index: string;
  readonly id: string | undefined;
  readonly action: BulkAction;
  readonly result: ItemResult;
  /** Bulk requests that carried the document. */
  readonly attempts: number;
}

/** A later write of the same id replaced this document before it was sent (or while it was backing off). */
export interface SupersededOutcome<T> {
  readonly status: 'superseded';
  readonly document: T;
  readonly index: string;
  readonly id: string | undefined;
  readonly attempts: number;
}

/** The document could not be indexed and `onDeadLetter` took it. */
export interface DeadLetteredOutcome<T> {
  readonly status: 'dead-lettered';
  readonly document: T;
  readonly letter: DeadLetter<T>;
}

/** The document could not be indexed and nobody took it (no `onDeadLetter`, or it threw). `write()` rejects instead. */
export interface FailedOutcome<T> {
  readonly status: 'failed';
  readonly document: T;
  readonly error: DocumentError<T>;
}

/** What `write()` resolves to. */
export type WriteResult<T> = IndexedOutcome<T> | SupersededOutcome<T> | DeadLetteredOutcome<T>;
/** Every possible end of a document, as `writeAll()` reports it. */
export type WriteOutcome<T> = WriteResult<T> | FailedOutcome<T>;
/** An outcome of `writeAll()`, with the document's position in the source. */
export type PositionedOutcome<T> = WriteOutcome<T> & { readonly position: number };

/** Per-write overrides of the sink's functions. */
export interface WriteOptions {
  /** Document id for this write (`null`: none, let OpenSearch generate one). Default: the sink's `id` function. */
  id?: string | null;
  /** Target index for this write. Default: the sink's `index`. */
  index?: string;
}

type State = 'admission' | 'held' | 'ready' | 'isolated' | 'inflight' | 'backoff' | 'dead-letter' | 'done';

interface Item<T> {
  readonly seq: number;
  /** Position in a `writeAll()` source; -1 for `write()`. */
  readonly position: number;
  readonly document: T;
  readonly index: string;
  readonly id: string | undefined;
  readonly action: BulkAction;
  readonly external: boolean;
  readonly lines: string;
  readonly bytes: number;
  /** A full-document write (index, create, delete): a later one may replace it before it is sent. */
  readonly replaceable: boolean;
  state: State;
  /** Later writes of this id waiting for this one (only on the current write of an id; allocated on first use). */
  waiting: Item<T>[] | undefined;
  attempts: number;
  /** Attempts whose connection was refused (never reached a server): they do not count against `maxAttempts`. */
  refused: number;
  firstSentAt: number;
  lastError: ItemErrorDetail | undefined;
  readonly settle: (outcome: WriteOutcome<T>) => void;
}

interface FlushWaiter {
  readonly maxSeq: number;
  remaining: number;
  resolve(): void;
}

const FILTER_PATH = 'took,errors,items.*.status,items.*.result,items.*.error';
const MAX_ID_BYTES = 512;

/** A FIFO with O(1) shift (head index, compacted now and then). */
class Fifo<V> {
  private items: V[] = [];
  private head = 0;
  get size(): number {
    return this.items.length - this.head;
  }
  push(value: V): void {
    this.items.push(value);
  }
  peek(): V | undefined {
    return this.items[this.head];
  }
  shift(): V | undefined {
    if (this.head >= this.items.length) return undefined;
    const value = this.items[this.head++];
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return value;
  }
  drain(): V[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}

/**
 * Bulk indexing into OpenSearch that never loses a document: every write ends indexed, superseded by a later write
 * of its id, dead-lettered with the reason, or rejected with a typed error. See the package README.
 */
export class OpenSearchSink<T = Record<string, unknown>> {
  /** The client in use (the given one, or the one the sink built from `node`). */
  readonly client: OpenSearchClientLike;
  private readonly options: ResolvedOptions<T>;
  private readonly ownsClient: boolean;
  private readonly counters = new Counters();
  private readonly concurrency: AdaptiveConcurrency;

  private seq = 0;
  private unsettled = 0;
  private bufferedDocs = 0;
  private bufferedBytes = 0;
  private readonly admission = new Fifo<Item<T>>();
  private readonly capacityWaiters: Array<() => void> = [];
  private readonly flushWaiters = new Set<FlushWaiter>();
  /** index → id → the current write of that id (queued, in flight or backing off); later writes wait on it. */
  private readonly keys = new Map<string, Map<string, Item<T>>>();
  private keysIndex = '';
  private keysById: Map<string, Item<T>> | undefined;

  /** Retried documents go before new ones. */
  private readonly priority = new Fifo<Item<T>>();
  private readonly readyQueue = new Fifo<Item<T>>();
  private readyCount = 0;
  private readyBytes = 0;
  private readySince = 0;
  /** Halves of failed requests, sent as requests of their own. */
  private readonly dueIsolated: Item<T>[][] = [];

  private readonly inFlight = new Set<{ abort?: () => void }>();
  /** What abort() must fail: batches in flight and documents backing off. */
  private readonly inFlightBatches = new Set<Item<T>[]>();
  private readonly retryGroups = new Set<Item<T>[]>();
  private lastIndex = '';
  private lastIndexJson = '""';
  private readonly timers = new Set<NodeJS.Timeout>();
  private flushTimer: NodeJS.Timeout | undefined;
  private flushTimerAt = Number.POSITIVE_INFINITY;
  private pumpScheduled = false;
  private closing = false;
  private aborted = false;
  private closePromise: Promise<void> | undefined;

  constructor(options: OpenSearchSinkOptions<T>) {
    this.options = resolveOptions(options);
    if (options.client !== undefined) {
      this.client = checkClient(options.client);
      this.ownsClient = false;
    } else {
      const nodes = options.node as string | readonly string[];
      this.client = new Client({ node: typeof nodes === 'string' ? nodes : [...nodes] }) as OpenSearchClientLike;
      this.ownsClient = true;
    }
    this.concurrency = new AdaptiveConcurrency(this.options.minConcurrency, this.options.concurrency);
    const signal = this.options.signal;
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
      retried: c.retried,
      throttled: c.throttled,
      failed: c.failed,
      deadLettered: c.deadLettered,
      pending: this.unsettled,
      waiting: this.admission.size,
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
   * was sent) or `dead-lettered`. Rejects with a `DocumentError` when it cannot be indexed and no `onDeadLetter`
   * takes it. To write many documents without awaiting each, use `writeAll()` or `await sink.ready()` before each.
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
   * Bulk path with backpressure: pulls documents from `source` only while the sink has capacity, and yields every
   * document's outcome (failures included, never thrown) in completion order with its `position` in the source.
   * Stopping the iteration stops the pulling; documents already taken are still delivered. A source that throws
   * rethrows here after the outcomes of the documents it gave.
   */
  async *writeAll(source: Iterable<T> | AsyncIterable<T>): AsyncGenerator<PositionedOutcome<T>, void, undefined> {
    const outcomes: PositionedOutcome<T>[] = [];
    // Two sleepers: the consumer (waits for outcomes) and the puller (waits for outcomes to be read).
    let wakeConsumer: (() => void) | undefined;
    let wakePuller: (() => void) | undefined;
    const wake = () => {
      const c = wakeConsumer;
      const p = wakePuller;
      wakeConsumer = undefined;
      wakePuller = undefined;
      c?.();
      p?.();
    };
    let outstanding = 0;
    let sourceDone = false;
    let stopped = false;
    let sourceError: { error: unknown } | undefined;
    const limit = this.options.maxBufferedDocuments;
    const onOutcome = (outcome: WriteOutcome<T>) => {
      outstanding--;
      outcomes.push(outcome as PositionedOutcome<T>);
      wake();
    };
    const pull = async () => {
      let position = 0;
      try {
        for await (const document of source as AsyncIterable<T>) {
          // Room in the sink; and outcomes the consumer has not read yet count against the same limit.
          for (;;) {
            if (stopped || this.aborted || this.closing) break;
            if (!this.hasRoom()) await this.ready();
            else if (outstanding + outcomes.length >= limit) {
              await new Promise<void>((resolve) => {
                wakePuller = resolve;
              });
            } else break;
          }
          if (stopped) break;
          outstanding++;
          this.submit(document, undefined, onOutcome, position++);
        }
      } catch (error) {
        sourceError = { error };
      } finally {
        sourceDone = true;
        // Nothing more will come: send what is queued now rather than at the interval.
        if (outstanding > 0) this.flush().catch(() => {});
        wake();
      }
    };
    const pulling = pull();
    try {
      for (;;) {
        while (outcomes.length > 0) {
          const batch = outcomes.splice(0, outcomes.length);
          wake();
          for (const outcome of batch) yield outcome;
        }
        if (sourceDone && outstanding === 0) break;
        await new Promise<void>((resolve) => {
          wakeConsumer = resolve;
        });
      }
      await pulling;
      if (sourceError !== undefined) throw sourceError.error;
    } finally {
      stopped = true;
      wake();
    }
  }

  /** Resolves when the sink can take another document without waiting (at once if it can now). */
  ready(): Promise<void> {
    if (this.hasRoom() || this.aborted || this.closing) return Promise.resolve();
    return new Promise<void>((resolve) => this.capacityWaiters.push(resolve));
  }

  /** Sends everything queued now and resolves when every document written before the call has settled. */
  flush(): Promise<void> {
    if (this.unsettled === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.flushWaiters.add({ maxSeq: this.seq, remaining: this.unsettled, resolve });
      this.schedulePump();
    });
  }

  /**
   * Flushes, then stops: later writes reject with `closed`. Closes the client if the sink built it. Idempotent.
   */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      this.closing = true;
      this.releaseCapacityWaiters();
      await this.flush();
      this.clearTimers();
      if (this.ownsClient) await this.client.close?.();
    })();
    return this.closePromise;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Admission

  private hasRoom(): boolean {
    return (
      this.admission.size === 0 &&
      this.bufferedDocs < this.options.maxBufferedDocuments &&
      this.bufferedBytes < this.options.maxBufferedBytes
    );
  }

  private fits(item: Item<T>): boolean {
    if (this.bufferedDocs === 0) return true;
    return (
      this.bufferedDocs < this.options.maxBufferedDocuments &&
      this.bufferedBytes + item.bytes <= this.options.maxBufferedBytes
    );
  }

  /** @internal Takes one document with a settle callback: the core of `write()` and `writeAll()`. */
  submit(
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
      const letter = this.letterFor(document, code, `the sink is ${code}`, undefined, {});
      this.counters.failed++;
      this.settleWith(
        seq,
        settle,
        positioned({ status: 'failed', document, error: new DocumentError(letter) }, position),
      );
      return;
    }
    let item: Item<T>;
    try {
      item = this.build(seq, position, document, writeOptions, settle);
    } catch (error) {
      const reason = `invalid document: ${error instanceof Error ? error.message : String(error)}`;
      const letter = this.letterFor(document, 'invalid-document', reason, undefined, {});
      this.deadLetterLoose(seq, position, document, settle, letter);
      return;
    }
    if (item.bytes > o.maxRequestBytes) {
      const reason =
        `the document's bulk lines are ${item.bytes} bytes, more than maxRequestBytes (${o.maxRequestBytes}); ` +
        'it can never be sent';
      this.deadLetterLoose(
        seq,
        position,
        document,
        settle,
        this.letterFor(document, 'too-large', reason, undefined, item),
      );
      return;
    }
    if (this.admission.size > 0 || !this.fits(item)) {
      item.state = 'admission';
      this.admission.push(item);
      this.schedulePump();
      return;
    }
    this.admit(item);
  }

  private build(
    seq: number,
    position: number,
    document: T,
    writeOptions: WriteOptions | undefined,
    settle: (outcome: WriteOutcome<T>) => void,
  ): Item<T> {
    const o = this.options;
    const index = writeOptions?.index ?? o.index(document);
    if (typeof index !== 'string' || index.length === 0) throw new Error(`index must be a non-empty string`);
    const idOption = writeOptions?.id;
    const id = idOption === null ? undefined : (idOption ?? o.id?.(document));
    if (
      id !== undefined &&
      (typeof id !== 'string' ||
        id.length === 0 ||
        (id.length * 3 > MAX_ID_BYTES && Buffer.byteLength(id) > MAX_ID_BYTES))
    ) {
      throw new Error(`id must be a non-empty string of at most ${MAX_ID_BYTES} bytes, got ${String(id)}`);
    }
    const action = o.action(document);
    if (
      action !== 'index' &&
      action !== 'create' &&
      action !== 'update' &&
      action !== 'upsert' &&
      action !== 'delete'
    ) {
      throw new Error(`action must be index, create, update, upsert or delete, got ${String(action)}`);
    }
    if (id === undefined && (action === 'update' || action === 'upsert' || action === 'delete')) {
      throw new Error(`the ${action} action needs a document id`);
    }
    if (index !== this.lastIndex) {
      this.lastIndex = index;
      this.lastIndexJson = JSON.stringify(index);
    }
    let meta = `"_index":${this.lastIndexJson}`;
    if (id !== undefined) meta += `,"_id":${JSON.stringify(id)}`;
    const routing = o.routing?.(document);
    if (routing !== undefined) meta += `,"routing":${JSON.stringify(routing)}`;
    let external = false;
    if (o.version !== undefined && action === 'index') {
      const version = o.version(document);
      if (!Number.isSafeInteger(version) || version < 0) {
        throw new Error(`version must be a non-negative safe integer, got ${String(version)}`);
      }
      meta += `,"version":${version},"version_type":"external"`;
      external = true;
    }
    const op = action === 'upsert' ? 'update' : action;
    let lines = `{"${op}":{${meta}}}\n`;
    if (action !== 'delete') {
      const source = o.serialize(document);
      if (typeof source !== 'string' || source.length === 0) throw new Error('serialize must return a JSON string');
      if (o.customSerializer && source.includes('\n')) throw new Error('the serialized document contains a newline');
      if (action === 'index' || action === 'create') lines += `${source}\n`;
      else if (action === 'update') lines += `{"doc":${source}}\n`;
      else lines += `{"doc":${source},"doc_as_upsert":true}\n`;
    }
    return {
      seq,
      position,
      document,
      index,
      id,
      action,
      external,
      lines,
      bytes: Buffer.byteLength(lines),
      replaceable: action === 'index' || action === 'create' || action === 'delete',
      state: 'admission',
      waiting: undefined,
      attempts: 0,
      refused: 0,
      firstSentAt: 0,
      lastError: undefined,
      settle,
    };
  }

  private admit(item: Item<T>): void {
    this.bufferedDocs++;
    this.bufferedBytes += item.bytes;
    const id = item.id;
    if (id === undefined) {
      this.enqueueReady(item);
    } else {
      const byId = this.idsOf(item.index, true)!;
      const current = byId.get(id);
      if (current === undefined) {
        byId.set(id, item);
        this.enqueueReady(item);
      } else {
        const waiting = current.waiting;
        if (
          (waiting === undefined || waiting.length === 0) &&
          item.replaceable &&
          current.replaceable &&
          (current.state === 'ready' || current.state === 'isolated' || current.state === 'backoff')
        ) {
          // The older version was never sent (or failed and waits for a retry): the newer one takes its place.
          this.supersede(current);
          byId.set(id, item);
          this.enqueueReady(item);
        } else {
          item.state = 'held';
          if (waiting === undefined) {
            current.waiting = [item];
          } else {
            const last = waiting[waiting.length - 1];
            if (last?.replaceable && item.replaceable) {
              this.supersede(last);
              waiting[waiting.length - 1] = item;
            } else {
              waiting.push(item);
            }
          }
        }
      }
    }
    this.schedulePump();
  }

  /** The id map of an index (cached for the last index used). */
  private idsOf(index: string, create: boolean): Map<string, Item<T>> | undefined {
    if (index === this.keysIndex && this.keysById !== undefined) return this.keysById;
    let byId = this.keys.get(index);
    if (byId === undefined) {
      if (!create) return undefined;
      byId = new Map();
      this.keys.set(index, byId);
    }
    this.keysIndex = index;
    this.keysById = byId;
    return byId;
  }

  /** The next write of an id takes over from `item` (which is done or superseded). */
  private promote(byId: Map<string, Item<T>>, item: Item<T>): boolean {
    const waiting = item.waiting;
    const next = waiting?.shift();
    item.waiting = undefined;
    if (next === undefined) {
      byId.delete(item.id!);
      if (byId.size === 0 && this.keys.size > 64) {
        this.keys.delete(item.index);
        if (this.keysById === byId) this.keysById = undefined;
      }
      return false;
    }
    next.waiting = waiting !== undefined && waiting.length > 0 ? waiting : undefined;
    byId.set(item.id!, next);
    this.enqueueReady(next);
    return true;
  }

  private admitWaiting(): void {
    for (;;) {
      const next = this.admission.peek();
      if (next === undefined || !this.fits(next)) break;
      this.admission.shift();
      this.admit(next);
    }
    if (this.hasRoom()) this.releaseCapacityWaiters();
  }

  private releaseCapacityWaiters(): void {
    const waiters = this.capacityWaiters.splice(0, this.capacityWaiters.length);
    for (const resolve of waiters) resolve();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Queues and sending

  private enqueueReady(item: Item<T>): void {
    item.state = 'ready';
    if (item.attempts > 0) this.priority.push(item);
    else this.readyQueue.push(item);
    if (this.readyCount === 0) this.readySince = Date.now();
    this.readyCount++;
    this.readyBytes += item.bytes;
  }

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
    while (this.concurrency.available) {
      const batch = this.nextBatch(now);
      if (batch === undefined) break;
      this.send(batch, now);
    }
    if (this.readyCount > 0 && this.concurrency.available) {
      this.armFlushTimer(this.readySince + this.options.flushInterval);
    }
  }

  private armFlushTimer(at: number): void {
    if (this.flushTimer !== undefined && this.flushTimerAt <= at) return;
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimerAt = at;
    this.flushTimer = setTimeout(
      () => {
        this.flushTimer = undefined;
        this.flushTimerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private nextBatch(now: number): Item<T>[] | undefined {
    while (this.dueIsolated.length > 0) {
      const batch = this.dueIsolated.shift()!.filter((item) => item.state === 'isolated');
      if (batch.length > 0) return batch;
    }
    if (this.readyCount === 0) return undefined;
    const o = this.options;
    const full = this.readyCount >= o.flushDocuments || this.readyBytes >= o.flushBytes;
    const urgent =
      this.flushWaiters.size > 0 ||
      this.closing ||
      this.admission.size > 0 ||
      this.capacityWaiters.length > 0 ||
      now - this.readySince >= o.flushInterval;
    if (!full && !urgent) return undefined;
    const batch: Item<T>[] = [];
    let bytes = 0;
    const limitBytes = o.flushBytes;
    for (const queue of [this.priority, this.readyQueue]) {
      for (;;) {
        const item = queue.peek();
        if (item === undefined) break;
        if (item.state !== 'ready') {
          queue.shift();
          continue;
        }
        if (batch.length >= o.flushDocuments) break;
        if (batch.length > 0 && bytes + item.bytes > limitBytes) break;
        queue.shift();
        batch.push(item);
        bytes += item.bytes;
        this.readyCount--;
        this.readyBytes -= item.bytes;
      }
      if (batch.length >= o.flushDocuments || (batch.length > 0 && bytes >= limitBytes)) break;
    }
    if (this.readyCount > 0) this.readySince = now;
    return batch.length > 0 ? batch : undefined;
  }

  private send(batch: Item<T>[], now: number): void {
    const o = this.options;
    let body = '';
    let bytes = 0;
    for (const item of batch) {
      item.state = 'inflight';
      item.attempts++;
      if (item.attempts === 1) item.firstSentAt = now;
      else this.counters.retried++;
      body += item.lines;
      bytes += item.bytes;
    }
    this.counters.requests++;
    this.counters.bytes += bytes;
    this.concurrency.inFlight++;
    const started = performance.now();
    const params: { method: string; path: string; bulkBody: string; querystring?: Record<string, unknown> } = {
      method: 'POST',
      path: '/_bulk',
      bulkBody: body,
    };
    if (o.filterPath) params.querystring = { filter_path: FILTER_PATH };
    let request: ReturnType<OpenSearchClientLike['transport']['request']>;
    try {
      request = this.client.transport.request(params, { maxRetries: 0, requestTimeout: o.requestTimeout });
    } catch (error) {
      queueMicrotask(() => this.onRequestError(batch, error, started));
      return;
    }
    this.inFlight.add(request);
    this.inFlightBatches.add(batch);
    request.then(
      (response) => {
        this.inFlight.delete(request);
        this.inFlightBatches.delete(batch);
        this.onResponse(batch, response.body, started);
      },
      (error: unknown) => {
        this.inFlight.delete(request);
        this.inFlightBatches.delete(batch);
        this.onRequestError(batch, error, started);
      },
    );
  }

  private onResponse(batch: Item<T>[], body: unknown, started: number): void {
    this.concurrency.inFlight--;
    this.counters.latency.add(performance.now() - started);
    if (this.aborted) return;
    const response = (body ?? {}) as { items?: unknown; took?: unknown };
    const items = response.items;
    if (typeof response.took === 'number') this.counters.tookMs += response.took;
    const unwrapped = this.unwrapItems(batch, items);
    if (typeof unwrapped === 'string') {
      this.counters.requestErrors++;
      this.onRequestFailure(batch, {
        error: { status: 200, type: 'invalid_bulk_response', reason: unwrapped },
        retryable: true,
        throttled: false,
        tooLarge: false,
        neverSent: false,
      });
      return;
    }
    const retry: Item<T>[] = [];
    let throttled = false;
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      const verdict = classifyItem(unwrapped[i]!, item.action, item.external);
      if (verdict.kind === 'delivered') {
        this.deliver(item, verdict.result);
      } else if (verdict.kind === 'retry') {
        item.lastError = verdict.error;
        if (verdict.throttled) {
          throttled = true;
          this.counters.throttled++;
        }
        retry.push(item);
      } else {
        item.lastError = verdict.error;
        this.deadLetter(item, 'permanent-error', describe(verdict.error));
      }
    }
    if (throttled) this.concurrency.onThrottled(Date.now());
    else this.concurrency.onSuccess();
    if (retry.length > 0) this.scheduleRetry(retry, false);
    this.schedulePump();
  }

  /** The response items in request order, each checked against the action sent; a string says what is wrong. */
  private unwrapItems(batch: Item<T>[], items: unknown): BulkItemResponse[] | string {
    if (!Array.isArray(items)) return 'the bulk response has no items array';
    if (items.length !== batch.length) {
      return `the bulk response has ${items.length} items for ${batch.length} documents`;
    }
    const out: BulkItemResponse[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const entry = items[i] as Record<string, BulkItemResponse> | null;
      const item = batch[i]!;
      const op = item.action === 'upsert' ? 'update' : item.action;
      const result = entry?.[op];
      if (result === undefined || result === null) {
        return `bulk response item ${i} is ${JSON.stringify(entry)}, expected a "${op}" result`;
      }
      out[i] = result;
    }
    return out;
  }

  private onRequestError(batch: Item<T>[], error: unknown, started: number): void {
    this.concurrency.inFlight--;
    this.counters.latency.add(performance.now() - started);
    this.counters.requestErrors++;
    if (this.aborted) return;
    const failure = classifyRequestError(error);
    this.options.logger.debug('bulk request failed', {
      status: failure.error.status,
      error: describe(failure.error),
      documents: batch.length,
    });
    this.onRequestFailure(batch, failure);
  }

  private onRequestFailure(batch: Item<T>[], failure: RequestFailure): void {
    for (const item of batch) {
      item.lastError = failure.error;
      // Nothing was sent: a node that is down (restarting) is limited by the time budget, not by attempts.
      if (failure.neverSent) item.refused++;
    }
    if (failure.throttled) this.concurrency.onThrottled(Date.now());
    if (failure.tooLarge || !failure.retryable) {
      // Deterministic: the same body gets the same answer. Split at once to isolate the document(s) at fault.
      if (batch.length === 1) {
        const item = batch[0]!;
        const code: DocumentErrorCode = failure.tooLarge ? 'too-large' : 'permanent-error';
        const status = failure.error.status;
        this.deadLetter(
          item,
          code,
          `the bulk request carrying only this document failed with HTTP ${status}: ${describe(failure.error)}`,
        );
      } else {
        this.counters.splits++;
        for (const half of halves(batch)) {
          for (const item of half) {
            item.attempts--; // not the document's fault (yet): a split costs no attempt
            item.state = 'isolated';
          }
          this.dueIsolated.push(half);
        }
      }
      this.schedulePump();
      return;
    }
    // Retryable. A second failure of the same documents splits them (a bad document can break a whole request, e.g.
    // a proxy resetting large bodies); a refused connection or throttling says nothing about the documents.
    const attempts = batch.reduce((max, item) => Math.max(max, item.attempts), 0);
    if (batch.length > 1 && attempts >= 2 && !failure.neverSent && failure.error.status !== 429) {
      this.counters.splits++;
      for (const half of halves(batch)) this.scheduleRetry(half, true);
    } else {
      this.scheduleRetry(batch, false);
    }
    this.schedulePump();
  }

  /** Backs the documents off with one full-jitter delay, or dead-letters those out of attempts or time. */
  private scheduleRetry(items: Item<T>[], isolated: boolean): void {
    const o = this.options;
    const now = Date.now();
    const attempts = items.reduce((max, item) => Math.max(max, item.attempts), 0);
    const delay = backoffDelay(attempts, o.baseDelay, o.maxDelay, o.random);
    const waiting: Item<T>[] = [];
    for (const item of items) {
      if (item.attempts - item.refused >= o.maxAttempts) {
        this.deadLetter(item, 'retries-exhausted', this.exhausted(item, `${item.attempts} attempts`));
      } else if (now + delay - item.firstSentAt > o.timeBudget) {
        this.deadLetter(item, 'retries-exhausted', this.exhausted(item, `the retry time budget (${o.timeBudget} ms)`));
      } else {
        item.state = 'backoff';
        if (!this.supersedeByPending(item)) waiting.push(item);
      }
    }
    if (waiting.length === 0) return;
    this.retryGroups.add(waiting);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.retryGroups.delete(waiting);
      const due = waiting.filter((item) => item.state === 'backoff');
      if (due.length === 0) return;
      if (isolated) {
        for (const item of due) item.state = 'isolated';
        this.dueIsolated.push(due);
      } else {
        for (const item of due) this.enqueueReady(item);
      }
      this.pump();
    }, delay);
    this.timers.add(timer);
  }

  private exhausted(item: Item<T>, what: string): string {
    const last = item.lastError === undefined ? 'unknown error' : describe(item.lastError);
    return `still failing after ${what}: ${last}`;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Settling

  private deliver(item: Item<T>, result: ItemResult): void {
    this.counters[result === 'not_found' ? 'notFound' : result]++;
    this.finish(item);
    const outcome: IndexedOutcome<T> =
      item.position < 0
        ? {
            status: 'indexed',
            document: item.document,
            index: item.index,
            id: item.id,
            action: item.action,
            result,
            attempts: item.attempts,
          }
        : ({
            status: 'indexed',
            document: item.document,
            index: item.index,
            id: item.id,
            action: item.action,
            result,
            attempts: item.attempts,
            position: item.position,
          } as IndexedOutcome<T>);
    this.complete(item, outcome);
  }

  /** Replaces a document that is queued, held or backing off with a later write of its id. */
  private supersede(item: Item<T>): void {
    if (item.state === 'ready') {
      this.readyCount--;
      this.readyBytes -= item.bytes;
    }
    item.state = 'done';
    this.counters.superseded++;
    this.complete(item, {
      status: 'superseded',
      document: item.document,
      index: item.index,
      id: item.id,
      attempts: item.attempts,
    });
  }

  /** A document going into backoff is replaced by the next write of its id, if that one may replace it. */
  private supersedeByPending(item: Item<T>): boolean {
    if (item.id === undefined || !item.replaceable) return false;
    const next = item.waiting?.[0];
    if (next === undefined || !next.replaceable) return false;
    const byId = this.idsOf(item.index, false);
    if (byId === undefined || byId.get(item.id) !== item) return false;
    this.supersede(item);
    this.promote(byId, item);
    return true;
  }

  /** The document left the pipeline: the next write of its id may go. */
  private finish(item: Item<T>): void {
    item.state = 'done';
    if (item.id === undefined) return;
    const byId = this.idsOf(item.index, false);
    if (byId === undefined || byId.get(item.id) !== item) return;
    this.promote(byId, item);
  }

  private letterFor(
    document: T,
    code: DocumentErrorCode,
    reason: string,
    error: ItemErrorDetail | undefined,
    item: { index?: string; id?: string | undefined; action?: BulkAction; attempts?: number },
  ): DeadLetter<T> {
    return {
      document,
      code,
      reason,
      error,
      index: item.index,
      id: item.id,
      action: item.action,
      attempts: item.attempts ?? 0,
      timestamp: Date.now(),
    };
  }

  private deadLetter(item: Item<T>, code: DocumentErrorCode, reason: string): void {
    this.finish(item);
    const letter = this.letterFor(item.document, code, reason, item.lastError, item);
    const handler = this.options.onDeadLetter;
    if (handler === undefined) {
      this.counters.failed++;
      this.complete(item, { status: 'failed', document: item.document, error: new DocumentError(letter) });
      return;
    }
    this.counters.deadLettered++;
    // The document keeps its capacity until the callback is done (bounded memory with a slow dead-letter queue).
    item.state = 'dead-letter';
    (async () => handler(letter))().then(
      () => this.complete(item, { status: 'dead-lettered', document: item.document, letter }),
      (cause: unknown) => {
        this.counters.failed++;
        this.options.logger.error('onDeadLetter threw; the write rejects', { reason, error: String(cause) });
        this.complete(item, { status: 'failed', document: item.document, error: new DocumentError(letter, { cause }) });
      },
    );
  }

  /** Dead-letters a document that never entered the pipeline (invalid, too large). */
  private deadLetterLoose(
    seq: number,
    position: number,
    document: T,
    settle: (outcome: WriteOutcome<T>) => void,
    letter: DeadLetter<T>,
  ): void {
    const handler = this.options.onDeadLetter;
    if (handler === undefined) {
      this.counters.failed++;
      queueMicrotask(() =>
        this.settleWith(
          seq,
          settle,
          positioned({ status: 'failed', document, error: new DocumentError(letter) }, position),
        ),
      );
      return;
    }
    this.counters.deadLettered++;
    (async () => handler(letter))().then(
      () => this.settleWith(seq, settle, positioned({ status: 'dead-lettered', document, letter }, position)),
      (cause: unknown) => {
        this.counters.failed++;
        const error = new DocumentError(letter, { cause });
        this.settleWith(seq, settle, positioned({ status: 'failed', document, error }, position));
      },
    );
  }

  /** Settles a document that held capacity. */
  private complete(item: Item<T>, outcome: WriteOutcome<T>): void {
    if (item.state !== 'admission') {
      this.bufferedDocs--;
      this.bufferedBytes -= item.bytes;
    }
    item.state = 'done';
    this.settleWith(item.seq, item.settle, item.position < 0 ? outcome : positioned(outcome, item.position));
    if (this.admission.size > 0) this.admitWaiting();
    else if (this.capacityWaiters.length > 0 && this.hasRoom()) this.releaseCapacityWaiters();
  }

  private settleWith(seq: number, settle: (outcome: WriteOutcome<T>) => void, outcome: WriteOutcome<T>): void {
    this.unsettled--;
    if (this.flushWaiters.size > 0) {
      for (const waiter of this.flushWaiters) {
        if (seq <= waiter.maxSeq && --waiter.remaining <= 0) {
          this.flushWaiters.delete(waiter);
          waiter.resolve();
        }
      }
    }
    try {
      settle(outcome);
    } catch (error) {
      this.options.logger.error('an outcome callback threw', { error: String(error) });
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Abort

  private clearTimers(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.flushTimer !== undefined) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    this.flushTimerAt = Number.POSITIVE_INFINITY;
  }

  private abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.clearTimers();
    for (const request of this.inFlight) request.abort?.();
    this.inFlight.clear();
    const items = new Set<Item<T>>();
    const add = (list: Iterable<Item<T>>) => {
      for (const item of list) items.add(item);
    };
    add(this.admission.drain());
    add(this.priority.drain());
    add(this.readyQueue.drain());
    for (const batch of this.dueIsolated) add(batch);
    for (const batch of this.inFlightBatches) add(batch);
    for (const group of this.retryGroups) add(group);
    for (const byId of this.keys.values()) {
      for (const current of byId.values()) {
        items.add(current);
        if (current.waiting !== undefined) add(current.waiting);
      }
    }
    this.dueIsolated.length = 0;
    this.inFlightBatches.clear();
    this.retryGroups.clear();
    this.keys.clear();
    this.keysById = undefined;
    this.readyCount = 0;
    this.readyBytes = 0;
    for (const item of items) {
      if (item.state === 'done' || item.state === 'dead-letter') continue;
      const reason =
        item.state === 'inflight'
          ? 'the sink was aborted while the document was in flight (it may have been indexed)'
          : 'the sink was aborted before the document was indexed';
      const letter = this.letterFor(item.document, 'aborted', reason, item.lastError, item);
      this.counters.failed++;
      this.complete(item, { status: 'failed', document: item.document, error: new DocumentError(letter) });
    }
    this.releaseCapacityWaiters();
  }
}

/** Adds the `writeAll()` position to an outcome (only for documents that came from a `writeAll()` source). */
function positioned<T>(outcome: WriteOutcome<T>, position: number): WriteOutcome<T> {
  if (position < 0 || (outcome as { position?: number }).position !== undefined) return outcome;
  return { ...outcome, position } as PositionedOutcome<T>;
}

function halves<V>(values: V[]): V[][] {
  const middle = Math.ceil(values.length / 2);
  return [values.slice(0, middle), values.slice(middle)];
}
