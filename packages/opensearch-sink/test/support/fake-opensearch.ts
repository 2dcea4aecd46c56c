import { errors } from '@opensearch-project/opensearch';
import type { OpenSearchClientLike } from '../../src/types.js';

/** One parsed bulk operation as the fake saw it. */
export interface FakeOp {
  readonly op: 'index' | 'create' | 'update' | 'delete';
  readonly index: string;
  readonly id: string | undefined;
  readonly version: number | undefined;
  readonly source: Record<string, unknown> | undefined;
  /** How many times an operation with this index/id (or this source, without id) reached the fake, this one included. */
  readonly seen: number;
}

/** What an item answers; `undefined` from a rule = apply it to the store as OpenSearch would. */
export interface FakeItemAnswer {
  status: number;
  error?: { type: string; reason: string };
  result?: string;
}

/** What a whole request does; `undefined` = process the items. */
export type FakeRequestAnswer =
  | { kind: 'status'; status: number; body?: unknown }
  | { kind: 'network'; message: string }
  /** Apply the items, then lose the answer (a connection reset after the write). */
  | { kind: 'network-after'; message: string }
  | { kind: 'timeout' }
  | { kind: 'items-mismatch' };

export interface FakeRequest {
  readonly body: string;
  readonly bytes: number;
  readonly ops: readonly FakeOp[];
  readonly querystring: Record<string, unknown> | undefined;
  readonly options: Record<string, unknown> | undefined;
}

/**
 * An in-memory OpenSearch `_bulk` endpoint behind the client's `transport.request` shape: applies index/create/
 * update(upsert)/delete to a Map like OpenSearch does (409 on create of an existing id, external versions), with
 * programmable per-item answers, whole-request failures and latency. For unit tests; integration tests use the real
 * node.
 */
export class FakeOpenSearch implements OpenSearchClientLike {
  readonly store = new Map<string, { source: Record<string, unknown>; version: number }>();
  readonly requests: FakeRequest[] = [];
  /** Per-item override (429s, mapping errors…). */
  itemRule: ((op: FakeOp) => FakeItemAnswer | undefined) | undefined;
  /** `_mget` override: `'fail'` rejects the read with a connection error. */
  mgetRule: (() => 'fail' | undefined) | undefined;
  readonly reads: Array<Array<{ _index: string; _id: string }>> = [];
  /** Per-request override (5xx, network errors, 413…). */
  requestRule: ((request: FakeRequest, n: number) => FakeRequestAnswer | undefined) | undefined;
  /** Answer `_bulk` with the raw JSON text (as a streamed answer reads), not a parsed body. */
  rawText = false;
  /** Latency of each request, ms (or a function of the request). */
  latency: number | ((request: FakeRequest) => number) = 0;
  inFlight = 0;
  maxInFlight = 0;
  /** In-flight count each time a request started. */
  readonly inFlightTrace: number[] = [];
  private readonly seen = new Map<string, number>();
  closed = false;

  readonly transport = {
    request: (
      params: {
        method: string;
        path: string;
        body?: unknown;
        bulkBody?: unknown;
        querystring?: Record<string, unknown>;
      },
      options?: Record<string, unknown>,
    ) => (params.path === '/_mget' ? this.mget(params.body) : this.handle(params, options)),
  };

  close(): void {
    this.closed = true;
  }

  key(index: string, id: string): string {
    return `${index}/${id}`;
  }

  get(index: string, id: string): Record<string, unknown> | undefined {
    return this.store.get(this.key(index, id))?.source;
  }

  private mget(body: unknown): Promise<{ body: unknown; statusCode: number }> & { abort: () => void } {
    const docs = (body as { docs: Array<{ _index: string; _id: string }> }).docs;
    this.reads.push(docs);
    const promise =
      this.mgetRule?.() === 'fail'
        ? Promise.reject(new errors.ConnectionError('socket hang up'))
        : Promise.resolve({
            body: {
              docs: docs.map((d) => {
                const stored = this.store.get(this.key(d._index, d._id));
                return stored === undefined
                  ? { _index: d._index, _id: d._id, found: false }
                  : { _index: d._index, _id: d._id, found: true, _version: stored.version, _source: stored.source };
              }),
            },
            statusCode: 200,
          });
    return Object.assign(promise, { abort: () => {} });
  }

  private handle(
    params: { method: string; path: string; bulkBody?: unknown; querystring?: Record<string, unknown> },
    options: Record<string, unknown> | undefined,
  ): Promise<{ body: unknown; statusCode: number }> & { abort: () => void } {
    let aborted = false;
    let rejectFn: ((error: unknown) => void) | undefined;
    const promise = new Promise<{ body: unknown; statusCode: number }>((resolve, reject) => {
      rejectFn = reject;
      const body = String(params.bulkBody ?? '');
      const ops = this.parse(body);
      const request: FakeRequest = {
        body,
        bytes: Buffer.byteLength(body),
        ops,
        querystring: params.querystring,
        options,
      };
      this.requests.push(request);
      const n = this.requests.length;
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      this.inFlightTrace.push(this.inFlight);
      const latency = typeof this.latency === 'function' ? this.latency(request) : this.latency;
      setTimeout(() => {
        this.inFlight--;
        if (aborted) return;
        const answer = this.requestRule?.(request, n);
        if (answer?.kind === 'network') return reject(new errors.ConnectionError(answer.message));
        if (answer?.kind === 'timeout') return reject(new errors.TimeoutError('Request timed out', {} as never));
        if (answer?.kind === 'status') {
          const meta = {
            body: answer.body ?? {
              error: { type: 'fake_error', reason: `HTTP ${answer.status}` },
              status: answer.status,
            },
            statusCode: answer.status,
            headers: {},
            warnings: null,
            meta: {},
          };
          return reject(new errors.ResponseError(meta as never));
        }
        const items = ops.map((op) => ({ [op.op]: this.apply(op) }));
        if (answer?.kind === 'network-after') return reject(new errors.ConnectionError(answer.message));
        if (answer?.kind === 'items-mismatch') items.pop();
        const errorsFlag = items.some((item) => Object.values(item)[0]!.status >= 300);
        const answerBody = { took: 1, errors: errorsFlag, items };
        resolve({ body: this.rawText ? JSON.stringify(answerBody) : answerBody, statusCode: 200 });
      }, latency);
    });
    return Object.assign(promise, {
      abort: () => {
        aborted = true;
        rejectFn?.(new errors.RequestAbortedError('Request aborted'));
      },
    });
  }

  private parse(body: string): FakeOp[] {
    const lines = body.split('\n');
    const ops: FakeOp[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      const action = JSON.parse(line) as Record<string, { _index: string; _id?: string; version?: number }>;
      const op = Object.keys(action)[0] as FakeOp['op'];
      const meta = action[op]!;
      let source: Record<string, unknown> | undefined;
      if (op !== 'delete') source = JSON.parse(lines[++i]!) as Record<string, unknown>;
      const seenKey = meta._id === undefined ? `src:${JSON.stringify(source)}` : this.key(meta._index, meta._id);
      const seen = (this.seen.get(seenKey) ?? 0) + 1;
      this.seen.set(seenKey, seen);
      ops.push({ op, index: meta._index, id: meta._id, version: meta.version, source, seen });
    }
    return ops;
  }

  private apply(op: FakeOp): FakeItemAnswer & { _id?: string } {
    const rule = this.itemRule?.(op);
    if (rule !== undefined) return rule;
    const id = op.id ?? `auto-${this.store.size + 1}-${Math.random().toString(36).slice(2)}`;
    const key = this.key(op.index, id);
    const existing = this.store.get(key);
    switch (op.op) {
      case 'create':
        if (existing !== undefined) {
          return {
            status: 409,
            error: { type: 'version_conflict_engine_exception', reason: 'document already exists' },
          };
        }
        this.store.set(key, { source: op.source!, version: 1 });
        return { status: 201, result: 'created', _id: id };
      case 'index':
        if (op.version !== undefined && existing !== undefined && existing.version >= op.version) {
          return { status: 409, error: { type: 'version_conflict_engine_exception', reason: 'version conflict' } };
        }
        this.store.set(key, { source: op.source!, version: op.version ?? (existing?.version ?? 0) + 1 });
        return { status: existing === undefined ? 201 : 200, result: existing === undefined ? 'created' : 'updated' };
      case 'update': {
        const partial = (op.source as { doc: Record<string, unknown>; doc_as_upsert?: boolean }).doc;
        if (existing === undefined) {
          if (!(op.source as { doc_as_upsert?: boolean }).doc_as_upsert) {
            return { status: 404, error: { type: 'document_missing_exception', reason: 'document missing' } };
          }
          this.store.set(key, { source: partial, version: 1 });
          return { status: 201, result: 'created' };
        }
        const merged = { ...existing.source, ...partial };
        const same = JSON.stringify(merged) === JSON.stringify(existing.source);
        this.store.set(key, { source: merged, version: existing.version + (same ? 0 : 1) });
        return { status: 200, result: same ? 'noop' : 'updated' };
      }
      case 'delete':
        if (existing === undefined) return { status: 404, result: 'not_found' };
        this.store.delete(key);
        return { status: 200, result: 'deleted' };
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A reproducible random source in [0, 1). */
export { mulberry32 as seeded } from '@pipeline/commons';
