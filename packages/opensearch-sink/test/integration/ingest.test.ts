import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type DeadLetter, OpenSearchSink, type PositionedOutcome } from '../../src/index.js';
import { OpenSearchFaultProxy } from '../support/fault-proxy.js';
import { allIds, call, count, freshIndex, getSource } from '../support/opensearch-http.js';

const url = inject('opensearchUrl');

interface Trip {
  id: string;
  vendor: string;
  fare: number | string;
  pickup: string;
  extra?: string;
}

const tripMapping = {
  dynamic: 'strict',
  properties: {
    id: { type: 'keyword' },
    vendor: { type: 'keyword' },
    fare: { type: 'double' },
    pickup: { type: 'date' },
  },
} as const;

function* trips(n: number, prefix = 't'): Generator<Trip> {
  const start = Date.UTC(2024, 0, 1);
  for (let i = 0; i < n; i++) {
    yield {
      id: `${prefix}${i}`,
      vendor: `v${i % 7}`,
      fare: Math.round(i * 1.37) / 100,
      pickup: new Date(start + i * 1000).toISOString(),
    };
  }
}

describe('against the real OpenSearch node', () => {
  it('indexes 100,000 documents and _count equals 100,000', async () => {
    const index = 'it-100k';
    await freshIndex(url, index, tripMapping, { refresh_interval: '-1' });
    const sink = new OpenSearchSink<Trip>({ node: url, index, id: (t) => t.id, flushDocuments: 2000, concurrency: 3 });
    const started = performance.now();
    let indexed = 0;
    const others: PositionedOutcome<Trip>[] = [];
    for await (const outcome of sink.writeAll(trips(100_000))) {
      if (outcome.status === 'indexed') indexed++;
      else others.push(outcome);
    }
    const seconds = (performance.now() - started) / 1000;
    await sink.close();
    console.log(
      `100k: ${Math.round(100_000 / seconds)} docs/s, ${sink.stats.requests} requests, ` +
        `p50 ${sink.stats.latency.p50.toFixed(0)} ms, p99 ${sink.stats.latency.p99.toFixed(0)} ms`,
    );
    expect(others).toEqual([]);
    expect(indexed).toBe(100_000);
    expect(sink.stats).toMatchObject({ received: 100_000, indexed: 100_000, failed: 0, deadLettered: 0, pending: 0 });
    expect(await count(url, index)).toBe(100_000);
    await call(url, 'DELETE', `/${index}`);
  });

  it('dead-letters mapping-conflict documents with their reasons while the rest index', async () => {
    const index = 'it-mapping';
    await freshIndex(url, index, tripMapping);
    const letters: DeadLetter<Trip>[] = [];
    const sink = new OpenSearchSink<Trip>({
      node: url,
      index,
      id: (t) => t.id,
      flushDocuments: 100,
      onDeadLetter: (letter) => {
        letters.push(letter);
      },
    });
    const input = [...trips(1000)];
    input[10] = { ...input[10]!, fare: 'twelve dollars' };
    input[500] = { ...input[500]!, pickup: 'yesterday' };
    input[900] = { ...input[900]!, extra: 'not in the mapping' };
    const outcomes: PositionedOutcome<Trip>[] = [];
    for await (const outcome of sink.writeAll(input)) outcomes.push(outcome);
    await sink.close();
    expect(outcomes.filter((o) => o.status === 'indexed')).toHaveLength(997);
    const dead = outcomes.filter((o) => o.status === 'dead-lettered').map((o) => o.position);
    expect(dead.sort((a, b) => a - b)).toEqual([10, 500, 900]);
    const byId = new Map(letters.map((l) => [l.id, l]));
    expect(byId.get('t10')!.document).toBe(input[10]);
    expect(byId.get('t10')).toMatchObject({
      code: 'permanent-error',
      error: { status: 400, type: 'mapper_parsing_exception' },
    });
    expect(byId.get('t10')!.reason).toMatch(/failed to parse field \[fare\] of type \[double\]/);
    expect(byId.get('t500')!.reason).toMatch(/failed to parse field \[pickup\] of type \[date\]/);
    expect(byId.get('t900')!.reason).toMatch(/strict_dynamic_mapping_exception/);
    expect(await count(url, index)).toBe(997);
    await call(url, 'DELETE', `/${index}`);
  });

  it('maps responses to the right documents for mixed actions in one request', async () => {
    const index = 'it-mixed';
    await freshIndex(url, index);
    await call(url, 'PUT', `/${index}/_doc/existing?refresh=true`, { id: 'existing', n: 0 });
    await call(url, 'PUT', `/${index}/_doc/gone?refresh=true`, { id: 'gone', n: 0 });
    type Op = { id: string; n?: number | string; op: 'index' | 'create' | 'upsert' | 'delete' };
    const sink = new OpenSearchSink<Op>({
      node: url,
      index,
      id: (d) => d.id,
      action: (d) => d.op,
      serialize: ({ op: _op, ...rest }) => JSON.stringify(rest),
      flushDocuments: 100,
      flushInterval: 100,
    });
    const input: Op[] = [
      { id: 'missing', op: 'delete' },
      { id: 'existing', op: 'create', n: 1 },
      { id: 'new1', op: 'index', n: 1 },
      { id: 'gone', op: 'delete' },
      { id: 'existing', op: 'upsert', n: 2 },
      { id: 'new2', op: 'create', n: 1 },
      { id: 'up', op: 'upsert', n: 1 },
    ];
    const outcomes = await Promise.all(input.map((d) => sink.write(d)));
    await sink.close();
    expect(sink.stats.requests).toBe(2); // `existing` twice: the upsert waits for the create
    expect(
      outcomes.map((o) => (o.status === 'indexed' ? `${o.id}:${o.result}` : `${o.document.id}:${o.status}`)),
    ).toEqual([
      'missing:not_found',
      'existing:exists',
      'new1:created',
      'gone:deleted',
      'existing:updated',
      'new2:created',
      'up:created',
    ]);
    expect(await getSource(url, index, 'existing')).toEqual({ id: 'existing', n: 2 });
    expect(await getSource(url, index, 'gone')).toBeUndefined();
    await call(url, 'DELETE', `/${index}`);
  });

  describe('through a fault proxy', () => {
    let proxy: OpenSearchFaultProxy;
    beforeAll(async () => {
      proxy = await new OpenSearchFaultProxy(url).start();
    });
    afterAll(async () => {
      await proxy.stop();
    });

    it('per-id ordering: v1 held in 429 backoff, v2 written, the index ends with v2', async () => {
      const index = 'it-order';
      await freshIndex(url, index);
      proxy.rejectItem = (op) => op.id === 'k' && op.source?.v === 1;
      const sink = new OpenSearchSink<{ id: string; v: number }>({
        node: proxy.url,
        index,
        id: (d) => d.id,
        flushInterval: 0,
        retry: { baseDelay: 1500, maxDelay: 1500 },
        random: () => 0.99,
      });
      const v1 = sink.write({ id: 'k', v: 1 });
      const other = sink.write({ id: 'other', v: 1 });
      await other;
      expect(proxy.counts.rejectedItems).toBe(1); // v1 is in its backoff now
      const v2 = sink.write({ id: 'k', v: 2 });
      await expect(v2).resolves.toMatchObject({ status: 'indexed', result: 'created' });
      await expect(v1).resolves.toMatchObject({ status: 'superseded' });
      await new Promise((resolve) => setTimeout(resolve, 1600)); // past v1's backoff: nothing comes back
      await sink.close();
      expect(await getSource(url, index, 'k')).toEqual({ id: 'k', v: 2 });
      expect(proxy.counts.rejectedItems).toBe(1);
      proxy.rejectItem = undefined;
      await call(url, 'DELETE', `/${index}`);
    });

    it('5xx answers and connection resets before and after the write: every document exactly once', async () => {
      const index = 'it-faults';
      await freshIndex(url, index);
      let n = 0;
      proxy.rule = (request) => {
        if (!request.isBulk) return undefined;
        n++;
        const pick = n % 10;
        if (pick === 1) return { kind: 'status', status: 503 };
        if (pick === 3) return { kind: 'status', status: 502 };
        if (pick === 5) return { kind: 'reset-before' };
        if (pick === 7) return { kind: 'reset-after' };
        if (pick === 9) return { kind: 'status', status: 500 };
        return undefined;
      };
      const N = 5000;
      const sink = new OpenSearchSink<Trip>({
        node: proxy.url,
        index,
        id: (t) => t.id,
        action: 'create',
        flushDocuments: 250,
        concurrency: 4,
        retry: { maxAttempts: 30, baseDelay: 10, maxDelay: 200 },
      });
      const outcomes: PositionedOutcome<Trip>[] = [];
      for await (const outcome of sink.writeAll(trips(N))) outcomes.push(outcome);
      await sink.close();
      proxy.rule = undefined;
      expect(outcomes.filter((o) => o.status !== 'indexed')).toEqual([]);
      const s = sink.stats;
      expect(s.created + s.exists).toBe(N);
      expect(s.exists).toBeGreaterThan(0); // reset-after: the write happened, its retry answered 409
      expect(s.requestErrors).toBeGreaterThan(0);
      expect(s.deadLettered + s.failed).toBe(0);
      expect(await count(url, index)).toBe(N);
      expect(new Set(await allIds(url, index)).size).toBe(N);
      await call(url, 'DELETE', `/${index}`);
    });

    it('a server that answers 413 above its limit: split until it fits, one oversize document dead-lettered', async () => {
      const index = 'it-413';
      await freshIndex(url, index, tripMapping);
      proxy.maxBodyBytes = 20_000;
      let biggest = 0;
      proxy.rule = (request) => {
        biggest = Math.max(biggest, request.body.length);
        return undefined;
      };
      const letters: DeadLetter<Trip>[] = [];
      const sink = new OpenSearchSink<Trip>({
        node: proxy.url,
        index,
        id: (t) => t.id,
        flushBytes: 100_000,
        maxRequestBytes: 100_000,
        onDeadLetter: (l) => void letters.push(l),
      });
      const input = [...trips(2000)];
      input[1234] = { ...input[1234]!, vendor: 'x'.repeat(30_000) };
      for await (const _ of sink.writeAll(input)) {
        // drain
      }
      await sink.close();
      proxy.maxBodyBytes = Number.POSITIVE_INFINITY;
      proxy.rule = undefined;
      expect(biggest).toBeLessThanOrEqual(100_000);
      expect(letters.map((l) => [l.id, l.code])).toEqual([['t1234', 'too-large']]);
      expect(letters[0]!.reason).toMatch(/HTTP 413/);
      expect(sink.stats.splits).toBeGreaterThan(0);
      expect(await count(url, index)).toBe(1999);
      await call(url, 'DELETE', `/${index}`);
    });
  });
});
