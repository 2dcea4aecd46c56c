import { describe, expect, it, vi } from 'vitest';
import {
  type DeadLetter,
  DocumentError,
  OpenSearchSink,
  type OpenSearchSinkOptions,
  type PositionedOutcome,
  silentLogger,
} from '../../src/index.js';
import { FakeOpenSearch, seeded, sleep } from '../support/fake-opensearch.js';

interface Doc {
  id: string;
  v?: number;
  text?: string;
  kind?: 'index' | 'create' | 'upsert' | 'delete';
}

function sink(fake: FakeOpenSearch, options: Partial<OpenSearchSinkOptions<Doc>> = {}): OpenSearchSink<Doc> {
  return new OpenSearchSink<Doc>({
    client: fake,
    index: 'docs',
    id: (d) => d.id,
    flushInterval: 5,
    logger: silentLogger,
    random: seeded(1),
    retry: { baseDelay: 5, maxDelay: 20 },
    ...options,
  });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of iterable) out.push(value);
  return out;
}

function* docs(n: number, prefix = 'd'): Generator<Doc> {
  for (let i = 0; i < n; i++) yield { id: `${prefix}${i}`, v: i };
}

describe('happy path and batching', () => {
  it('indexes every document of a bulk source and reports every outcome with its position', async () => {
    const fake = new FakeOpenSearch();
    // No interval flushes: on a loaded machine a 1 s interval could cut a batch short and change the request count.
    const s = sink(fake, { flushDocuments: 100, flushInterval: 60_000 });
    const outcomes = await collect(s.writeAll(docs(1000)));
    expect(outcomes).toHaveLength(1000);
    expect(new Set(outcomes.map((o) => o.position)).size).toBe(1000);
    expect(outcomes.every((o) => o.status === 'indexed' && o.result === 'created')).toBe(true);
    expect(fake.store.size).toBe(1000);
    expect(fake.requests).toHaveLength(10);
    expect(fake.requests.every((r) => r.options?.maxRetries === 0)).toBe(true);
    expect(fake.requests[0]!.querystring?.filter_path).toContain('items.*.status');
    const stats = s.stats;
    expect(stats).toMatchObject({ received: 1000, indexed: 1000, created: 1000, pending: 0, requests: 10 });
    expect(stats.latency.count).toBe(10);
    expect(stats.latency.p99).toBeGreaterThanOrEqual(stats.latency.p50);
    await s.close();
    expect(fake.closed).toBe(false); // not ours to close
  });

  it('write() resolves the document outcome; flush() sends a partial batch at once', async () => {
    const fake = new FakeOpenSearch();
    const s = sink(fake, { flushInterval: 60_000 });
    const pending = s.write({ id: 'a', v: 1 });
    await sleep(20);
    expect(fake.requests).toHaveLength(0); // waiting for the interval
    await s.flush();
    await expect(pending).resolves.toMatchObject({ status: 'indexed', id: 'a', index: 'docs', result: 'created' });
    await s.close();
  });

  it('sends a partial batch after flushInterval', async () => {
    const fake = new FakeOpenSearch();
    const s = sink(fake, { flushInterval: 30 });
    const started = Date.now();
    await s.write({ id: 'a' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    await s.close();
  });

  it('never sends a request over flushBytes (or maxRequestBytes), and dead-letters one oversize document', async () => {
    const fake = new FakeOpenSearch();
    const letters: DeadLetter<Doc>[] = [];
    const s = sink(fake, {
      flushBytes: 4000,
      maxRequestBytes: 8000,
      onDeadLetter: (letter) => {
        letters.push(letter);
      },
    });
    const input: Doc[] = [];
    for (let i = 0; i < 200; i++) input.push({ id: `d${i}`, text: 'x'.repeat((i * 37) % 3000) });
    input.push({ id: 'huge', text: 'y'.repeat(9000) });
    input.push({ id: 'big-but-ok', text: 'z'.repeat(6000) }); // over flushBytes, under the cap: sent alone
    const outcomes = await collect(s.writeAll(input));
    expect(outcomes.filter((o) => o.status === 'indexed')).toHaveLength(201);
    expect(Math.max(...fake.requests.map((r) => r.bytes))).toBeLessThanOrEqual(8000);
    const alone = fake.requests.find((r) => r.ops.some((op) => op.id === 'big-but-ok'))!;
    expect(alone.ops).toHaveLength(1);
    for (const r of fake.requests) if (r.ops.length > 1) expect(r.bytes).toBeLessThanOrEqual(4000);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ code: 'too-large', id: 'huge', document: { id: 'huge' } });
    expect(letters[0]!.reason).toMatch(/more than maxRequestBytes \(8000\)/);
    await s.close();
  });
});

describe('retries, backoff and adaptive concurrency', () => {
  it('retries item-level 429s and rejected execution until indexed, lowering concurrency and recovering', async () => {
    const fake = new FakeOpenSearch();
    fake.latency = 3;
    let storm = true;
    fake.itemRule = (op) => {
      if (!storm || op.seen > 3) return undefined;
      return op.seen % 2 === 1
        ? {
            status: 429,
            error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' },
          }
        : { status: 500, error: { type: 'rejected_execution_exception', reason: 'rejected execution' } };
    };
    const s = sink(fake, { flushDocuments: 50, concurrency: 8 });
    const first = collect(s.writeAll(docs(2000)));
    const outcomes = await first;
    expect(outcomes.every((o) => o.status === 'indexed')).toBe(true);
    expect(fake.store.size).toBe(2000);
    const stats = s.stats;
    expect(stats.retried).toBeGreaterThanOrEqual(2000 * 3);
    expect(stats.throttled).toBeGreaterThanOrEqual(2000 * 3);
    expect(stats.concurrency.decreases).toBeGreaterThan(0);
    expect(stats.concurrency.lowest).toBeLessThan(8);
    // Recovery: without throttling the limit climbs back to the maximum.
    storm = false;
    await collect(s.writeAll(docs(4000, 'r')));
    expect(s.stats.concurrency.limit).toBe(8);
    await s.close();
  });

  it('dead-letters a document whose retries run out, with the last error as the reason', async () => {
    const fake = new FakeOpenSearch();
    fake.itemRule = (op) =>
      op.id === 'stuck'
        ? { status: 503, error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' } }
        : undefined;
    const letters: DeadLetter<Doc>[] = [];
    const s = sink(fake, {
      retry: { maxAttempts: 4, baseDelay: 1, maxDelay: 2 },
      onDeadLetter: (l) => void letters.push(l),
    });
    const [ok, stuck] = await Promise.all([s.write({ id: 'fine' }), s.write({ id: 'stuck' })]);
    expect(ok.status).toBe('indexed');
    expect(stuck).toMatchObject({ status: 'dead-lettered', letter: { code: 'retries-exhausted', attempts: 4 } });
    expect(letters[0]!.reason).toBe(
      'still failing after 4 attempts: unavailable_shards_exception: primary shard is not active',
    );
    expect(s.stats).toMatchObject({ deadLettered: 1, retried: 3, indexed: 1 });
    await s.close();
  });

  it('refused connections (node down) do not use up attempts, only the time budget', async () => {
    const fake = new FakeOpenSearch();
    let down = true;
    fake.requestRule = () => (down ? { kind: 'network', message: 'connect ECONNREFUSED 127.0.0.1:9200' } : undefined);
    const s = sink(fake, { retry: { maxAttempts: 3, baseDelay: 1, maxDelay: 2 } });
    const write = s.write({ id: 'a' });
    await vi.waitFor(() => expect(fake.requests.length).toBeGreaterThan(10));
    down = false;
    await expect(write).resolves.toMatchObject({ status: 'indexed' });
    await s.close();
  });

  it('respects the retry time budget', async () => {
    const fake = new FakeOpenSearch();
    fake.itemRule = () => ({ status: 429, error: { type: 'too_many_requests', reason: 'slow down' } });
    const s = sink(fake, {
      retry: { maxAttempts: 1000, baseDelay: 20, maxDelay: 20, timeBudget: 100 },
      random: () => 0.99,
    });
    const started = Date.now();
    const error = await s.write({ id: 'a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentError);
    expect((error as DocumentError).code).toBe('retries-exhausted');
    expect((error as DocumentError).message).toMatch(/time budget \(100 ms\)/);
    expect(Date.now() - started).toBeLessThan(1000);
    await s.close();
  });

  it('survives network errors, timeouts and 5xx of whole requests; splits a batch that keeps failing', async () => {
    const fake = new FakeOpenSearch();
    fake.requestRule = (_request, n) => {
      if (n === 1) return { kind: 'network', message: 'socket hang up' };
      if (n === 2) return { kind: 'timeout' };
      if (n === 3) return { kind: 'status', status: 502 };
      if (n === 4) return { kind: 'network', message: 'connect ECONNREFUSED 127.0.0.1:9200' };
      if (n === 5) return { kind: 'items-mismatch' };
      return undefined;
    };
    const s = sink(fake, {
      flushDocuments: 100,
      concurrency: 1,
      retry: { maxAttempts: 10, baseDelay: 1, maxDelay: 5 },
    });
    const outcomes = await collect(s.writeAll(docs(100)));
    expect(outcomes.every((o) => o.status === 'indexed')).toBe(true);
    expect(fake.store.size).toBe(100);
    expect(s.stats.requestErrors).toBe(5);
    expect(s.stats.splits).toBeGreaterThan(0);
    expect(fake.requests.at(-1)!.ops.length).toBeLessThan(100);
    await s.close();
  });

  it('splits on 413 down to the document that is too large for the server, and indexes the rest', async () => {
    const fake = new FakeOpenSearch();
    fake.requestRule = (request) =>
      request.bytes > 3000 || request.body.includes('"poison"')
        ? { kind: 'status', status: 413, body: 'Request size exceeded 3000 bytes' }
        : undefined;
    const letters: DeadLetter<Doc>[] = [];
    const s = sink(fake, { flushBytes: 20_000, onDeadLetter: (l) => void letters.push(l) });
    const input = [...docs(60)].map((d) => ({ ...d, text: 'x'.repeat(100) }));
    input.splice(17, 0, { id: 'poison', text: 'p' });
    const outcomes = await collect(s.writeAll(input));
    expect(outcomes.filter((o) => o.status === 'indexed')).toHaveLength(60);
    expect(letters.map((l) => [l.id, l.code])).toEqual([['poison', 'too-large']]);
    expect(letters[0]!.reason).toMatch(/413/);
    expect(s.stats.splits).toBeGreaterThan(0);
    await s.close();
  });

  it('isolates a document that makes the whole request fail with a 400 and dead-letters only that one', async () => {
    const fake = new FakeOpenSearch();
    fake.requestRule = (request) =>
      request.body.includes('"bad"')
        ? { kind: 'status', status: 400, body: { error: { type: 'parse_exception', reason: 'bad body' } } }
        : undefined;
    const s = sink(fake, { flushDocuments: 64 });
    const results = await Promise.allSettled([...docs(63), { id: 'bad' }].map((d) => s.write(d)));
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(DocumentError);
    expect((rejected[0]!.reason as DocumentError<Doc>).document.id).toBe('bad');
    expect((rejected[0]!.reason as DocumentError<Doc>).code).toBe('permanent-error');
    expect(fake.store.size).toBe(63);
    await s.close();
  });
});

describe('dead letters and typed errors', () => {
  const mappingError = {
    status: 400,
    error: {
      type: 'mapper_parsing_exception',
      reason: 'failed to parse field [v] of type [long]',
    },
  };

  it('hands permanent item errors to onDeadLetter with the original document and the reason', async () => {
    const fake = new FakeOpenSearch();
    fake.itemRule = (op) => (op.id === 'bad' ? mappingError : undefined);
    const letters: DeadLetter<Doc>[] = [];
    const s = sink(fake, {
      onDeadLetter: async (letter) => {
        await sleep(5);
        letters.push(letter);
      },
    });
    const bad = { id: 'bad', v: 1, text: 'original' };
    const [a, b] = await Promise.all([s.write({ id: 'ok' }), s.write(bad)]);
    expect(a.status).toBe('indexed');
    expect(b.status).toBe('dead-lettered');
    expect(letters).toHaveLength(1);
    expect(letters[0]!.document).toBe(bad);
    expect(letters[0]).toMatchObject({
      code: 'permanent-error',
      index: 'docs',
      id: 'bad',
      action: 'index',
      attempts: 1,
      reason: 'mapper_parsing_exception: failed to parse field [v] of type [long]',
      error: { status: 400, type: 'mapper_parsing_exception' },
    });
    expect(s.stats).toMatchObject({ deadLettered: 1, failed: 0, indexed: 1 });
    await s.close();
  });

  it('rejects with a typed DocumentError when there is no dead-letter callback', async () => {
    const fake = new FakeOpenSearch();
    fake.itemRule = () => mappingError;
    const s = sink(fake);
    const error = await s.write({ id: 'x', v: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DocumentError);
    expect(error).toMatchObject({ code: 'permanent-error', document: { id: 'x', v: 2 }, detail: { status: 400 } });
    expect(s.stats.failed).toBe(1);
    await s.close();
  });

  it('rejects with the callback error as cause when onDeadLetter throws', async () => {
    const fake = new FakeOpenSearch();
    fake.itemRule = () => mappingError;
    const boom = new Error('S3 down');
    const s = sink(fake, { onDeadLetter: () => Promise.reject(boom) });
    const error = (await s.write({ id: 'x' }).catch((e: unknown) => e)) as DocumentError;
    expect(error.code).toBe('permanent-error');
    expect(error.cause).toBe(boom);
    await s.close();
  });

  it('dead-letters documents whose functions throw (invalid-document)', async () => {
    const fake = new FakeOpenSearch();
    const s = sink(fake, {
      index: (d) => {
        if (d.id === 'no-index') throw new Error('no date');
        return 'docs';
      },
    });
    await expect(s.write({ id: 'no-index' })).rejects.toMatchObject({
      code: 'invalid-document',
      message: 'invalid document: no date',
    });
    const circular: Doc & { self?: unknown } = { id: 'c' };
    circular.self = circular;
    await expect(s.write(circular)).rejects.toMatchObject({ code: 'invalid-document' });
    await expect(s.write({ id: '' })).rejects.toMatchObject({ code: 'invalid-document' });
    await s.close();
  });
});

describe('per-id ordering', () => {
  it('v1 held in 429 backoff, v2 written: v2 replaces v1 and the index ends with v2', async () => {
    const fake = new FakeOpenSearch();
    fake.itemRule = (op) =>
      op.id === 'k' && op.source?.v === 1
        ? { status: 429, error: { type: 'too_many_requests', reason: 'busy' } }
        : undefined;
    const s = sink(fake, { retry: { baseDelay: 200, maxDelay: 200 }, random: () => 0.99 });
    const v1 = s.write({ id: 'k', v: 1 });
    await vi.waitFor(() => expect(s.stats.throttled).toBe(1)); // v1 is backing off now
    const v2 = s.write({ id: 'k', v: 2 });
    await expect(v1).resolves.toMatchObject({ status: 'superseded', attempts: 1 });
    await expect(v2).resolves.toMatchObject({ status: 'indexed' });
    await sleep(250); // past v1's backoff: it must not come back
    expect(fake.get('docs', 'k')).toEqual({ id: 'k', v: 2 });
    expect(
      fake.requests
        .flatMap((r) => r.ops)
        .filter((op) => op.id === 'k')
        .map((op) => op.source?.v),
    ).toEqual([1, 2]);
    expect(s.stats.superseded).toBe(1);
    await s.close();
  });

  it('a later write waits for the one in flight, and replaces one still queued', async () => {
    const fake = new FakeOpenSearch();
    fake.latency = 300;
    const s = sink(fake, { flushInterval: 0 });
    const v1 = s.write({ id: 'k', v: 1 });
    await vi.waitFor(() => expect(fake.inFlight).toBe(1));
    const v2 = s.write({ id: 'k', v: 2 }); // waits for v1
    const v3 = s.write({ id: 'k', v: 3 }); // replaces v2 while it waits
    await expect(v1).resolves.toMatchObject({ status: 'indexed' });
    await expect(v2).resolves.toMatchObject({ status: 'superseded' });
    await expect(v3).resolves.toMatchObject({ status: 'indexed' });
    expect(fake.get('docs', 'k')).toEqual({ id: 'k', v: 3 });
    expect(fake.requests.map((r) => r.ops.map((op) => op.source?.v))).toEqual([[1], [3]]);
    await s.close();
  });

  it('partial updates are never replaced, only ordered', async () => {
    const fake = new FakeOpenSearch();
    const s = sink(fake, { action: 'upsert', flushInterval: 50 });
    const writes = [s.write({ id: 'u', v: 1 }), s.write({ id: 'u', text: 'a' } as Doc), s.write({ id: 'u', v: 3 })];
    const outcomes = await Promise.all(writes);
    expect(outcomes.map((o) => o.status)).toEqual(['indexed', 'indexed', 'indexed']);
    expect(fake.get('docs', 'u')).toEqual({ id: 'u', v: 3, text: 'a' });
    expect(fake.requests).toHaveLength(3);
    await s.close();
  });

  it('under random 429s, the last write of every id wins', async () => {
    const fake = new FakeOpenSearch();
    const random = seeded(7);
    fake.itemRule = () => (random() < 0.3 ? { status: 429, error: { type: 'x', reason: 'busy' } } : undefined);
    const s = sink(fake, {
      flushDocuments: 20,
      concurrency: 4,
      retry: { maxAttempts: 50, baseDelay: 1, maxDelay: 10 },
    });
    const input: Doc[] = [];
    for (let i = 0; i < 3000; i++) input.push({ id: `k${i % 50}`, v: i });
    const outcomes = await collect(s.writeAll(input));
    expect(outcomes.every((o) => o.status === 'indexed' || o.status === 'superseded')).toBe(true);
    for (let k = 0; k < 50; k++) expect(fake.get('docs', `k${k}`)?.v).toBe(2950 + k);
    await s.close();
  });
});

describe('mixed actions', () => {
  it('reads raw answers: all applied by a scan (every result kept), item errors by a full parse', async () => {
    const fake = new FakeOpenSearch();
    fake.rawText = true;
    fake.store.set(fake.key('docs', 'old'), { source: { id: 'old' }, version: 1 });
    fake.store.set(fake.key('docs', 'same'), { source: { id: 'same', v: 1, kind: 'upsert' }, version: 1 });
    fake.store.set(fake.key('docs', 'old2'), { source: { id: 'old2' }, version: 1 });
    const s = sink(fake, {
      flushDocuments: 100,
      flushInterval: 60_000,
      action: (d) => (d.kind ?? 'index') as 'index',
    });
    const input: Doc[] = [
      { id: 'new' },
      { id: 'old' },
      { id: 'gone', kind: 'delete' },
      { id: 'same', v: 1, kind: 'upsert' },
      { id: 'old2', kind: 'delete' },
    ];
    const outcomes = await collect(s.writeAll(input));
    const byPosition = outcomes.sort((a, b) => a.position - b.position).map((o) => o.status === 'indexed' && o.result);
    expect(byPosition).toEqual(['created', 'updated', 'not_found', 'noop', 'deleted']);
    fake.itemRule = (op) =>
      op.id === 'bad' ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'x' } } : undefined;
    const writes = Promise.allSettled([s.write({ id: 'ok' }), s.write({ id: 'bad' })]);
    await s.flush();
    const [ok, bad] = await writes;
    expect(ok).toMatchObject({ status: 'fulfilled', value: { status: 'indexed', result: 'created' } });
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'permanent-error' } });
    expect(s.stats.tookMs).toBeGreaterThan(0);
    await s.close();
  });

  it('maps every response item to its own document across index, create, upsert and delete', async () => {
    const fake = new FakeOpenSearch();
    fake.store.set('docs/existing', { source: { id: 'existing' }, version: 1 });
    fake.store.set('docs/gone', { source: { id: 'gone' }, version: 1 });
    fake.itemRule = (op) =>
      op.id === 'bad-create' ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad' } } : undefined;
    const s = sink(fake, { action: (d) => d.kind ?? 'index', flushDocuments: 100, flushInterval: 50 });
    const input: Doc[] = [
      { id: 'missing', kind: 'delete' },
      { id: 'n1', kind: 'index' },
      { id: 'existing', kind: 'create' },
      { id: 'gone', kind: 'delete' },
      { id: 'bad-create', kind: 'create' },
      { id: 'up', kind: 'upsert', v: 1 },
      { id: 'n2', kind: 'create' },
    ];
    const outcomes = await collect(s.writeAll(input));
    expect(fake.requests).toHaveLength(1);
    const byPosition = outcomes.sort((a, b) => a.position - b.position);
    const summary = byPosition.map((o: PositionedOutcome<Doc>) =>
      o.status === 'indexed' ? `${o.document.id}:${o.result}` : `${o.document.id}:${o.status}`,
    );
    expect(summary).toEqual([
      'missing:not_found',
      'n1:created',
      'existing:exists',
      'gone:deleted',
      'bad-create:failed',
      'up:created',
      'n2:created',
    ]);
    expect(s.stats).toMatchObject({ created: 3, exists: 1, deleted: 1, notFound: 1, failed: 1 });
    await s.close();
  });

  it('external versions: an older version answering 409 counts as stale (delivered)', async () => {
    const fake = new FakeOpenSearch();
    const s = sink(fake, { version: (d) => d.v ?? 0, flushInterval: 0 });
    await s.write({ id: 'e', v: 5 });
    await expect(s.write({ id: 'e', v: 3 })).resolves.toMatchObject({ status: 'indexed', result: 'stale' });
    expect(fake.get('docs', 'e')?.v).toBe(5);
    expect(fake.requests[0]!.body).toContain('"version":5,"version_type":"external"');
    await s.close();
  });
});

describe('backpressure, flush, close and abort', () => {
  it('writeAll pulls from the source only while there is room', async () => {
    const fake = new FakeOpenSearch();
    fake.latency = 5;
    const s = sink(fake, { maxBufferedDocuments: 50, flushDocuments: 10 });
    let pulled = 0;
    let maxAhead = 0;
    function* source(): Generator<Doc> {
      for (let i = 0; i < 500; i++) {
        pulled++;
        maxAhead = Math.max(maxAhead, s.stats.pending);
        yield { id: `b${i}` };
      }
    }
    let settled = 0;
    for await (const _ of s.writeAll(source())) settled++;
    expect(settled).toBe(500);
    expect(pulled).toBe(500);
    expect(maxAhead).toBeLessThanOrEqual(50);
    await s.close();
  });

  it('write() waits for capacity: ready() and pending writes are bounded', async () => {
    const fake = new FakeOpenSearch();
    fake.latency = 20;
    const s = sink(fake, { maxBufferedDocuments: 10, flushDocuments: 5 });
    const writes = [...docs(30)].map((d) => s.write(d));
    expect(s.stats.waiting).toBe(20);
    await s.ready();
    expect(s.stats.waiting).toBeLessThan(20);
    await Promise.all(writes);
    expect(fake.store.size).toBe(30);
    await s.close();
  });

  it('close() flushes, then refuses writes with `closed`; a sink built from a node closes its client', async () => {
    const fake = new FakeOpenSearch();
    const s = sink(fake, { flushInterval: 60_000 });
    const write = s.write({ id: 'a' });
    await s.close();
    await expect(write).resolves.toMatchObject({ status: 'indexed' });
    await expect(s.write({ id: 'b' })).rejects.toMatchObject({ code: 'closed' });
    const own = new OpenSearchSink({ node: 'http://127.0.0.1:1', index: 'x', logger: silentLogger });
    await own.close();
  });

  it('an AbortSignal fails every unsettled document with `aborted`, in flight included', async () => {
    const fake = new FakeOpenSearch();
    fake.latency = 10_000;
    const controller = new AbortController();
    const s = sink(fake, { signal: controller.signal, maxBufferedDocuments: 5, flushDocuments: 2 });
    const writes = [...docs(10)].map((d) => s.write(d).catch((e: unknown) => e));
    await vi.waitFor(() => expect(fake.inFlight).toBeGreaterThan(0));
    controller.abort();
    const results = await Promise.all(writes);
    expect(results.every((r) => r instanceof DocumentError && r.code === 'aborted')).toBe(true);
    expect((results[0] as DocumentError).message).toMatch(/in flight \(it may have been indexed\)/);
    await expect(s.write({ id: 'late' })).rejects.toMatchObject({ code: 'aborted' });
    expect(s.stats).toMatchObject({ failed: 11, pending: 0 });
  });
});

describe('options', () => {
  it('refuses bad options with a ConfigurationError naming the option', () => {
    const fake = new FakeOpenSearch();
    const make = (o: Partial<OpenSearchSinkOptions<Doc>>) => () =>
      new OpenSearchSink<Doc>({ client: fake, index: 'x', ...o } as OpenSearchSinkOptions<Doc>);
    expect(make({ node: 'http://x' })).toThrow(/client: give client or node/);
    expect(make({ flushBytes: 20 * 1024 * 1024 })).toThrow(/flushBytes: must be <= maxRequestBytes/);
    expect(make({ concurrency: 0 })).toThrow(/concurrency/);
    expect(make({ action: 'merge' as never })).toThrow(/action/);
    expect(make({ retry: { baseDelay: 100, maxDelay: 10 } })).toThrow(/retry.maxDelay/);
    expect(() => new OpenSearchSink({ client: {} as never, index: 'x' })).toThrow(/transport.request/);
  });

  it('Serverless timeseries and vectorsearch collections refuse custom ids', async () => {
    const fake = new FakeOpenSearch();
    for (const collectionType of ['timeseries', 'vectorsearch'] as const) {
      expect(
        () => new OpenSearchSink<Doc>({ client: fake, index: 'x', id: (d) => d.id, serverless: { collectionType } }),
      ).toThrow(/generate document ids on the server and refuse custom ids/);
      expect(
        () => new OpenSearchSink<Doc>({ client: fake, index: 'x', action: 'upsert', serverless: { collectionType } }),
      ).toThrow(/needs custom ids/);
      const s = new OpenSearchSink<Doc>({ client: fake, index: 'x', serverless: { collectionType }, flushInterval: 0 });
      await expect(s.write({ id: 'a' }, { id: 'a' })).rejects.toThrow(/refuse custom document ids/);
      await expect(s.write({ id: 'a' })).resolves.toMatchObject({ status: 'indexed', id: undefined });
      await s.close();
    }
    // Not on Serverless: filter_path is left out (and search collections take ids).
    const search = new OpenSearchSink<Doc>({
      client: fake,
      index: 'x',
      id: (d) => d.id,
      serverless: { collectionType: 'search' },
      flushInterval: 0,
    });
    await search.write({ id: 'z' });
    expect(fake.requests.at(-1)!.querystring).toBeUndefined();
    await search.close();
  });
});
