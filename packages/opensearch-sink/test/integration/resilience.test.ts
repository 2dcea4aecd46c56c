import { type OpenSearchNode, startOpenSearch } from '@pipeline/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenSearchSink, type PositionedOutcome } from '../../src/index.js';
import { allIds, call, count, freshIndex } from '../support/opensearch-http.js';

// A node of its own (this file restarts it) with a write pool of 1 thread and a queue of 2: 429 storms.
let node: OpenSearchNode;
beforeAll(async () => {
  node = await startOpenSearch({
    name: 'opensearch-sink-storm',
    clean: true,
    heap: '512m',
    stopTimeoutMs: 5000, // local-stack's stop() leaves its grace timer running: keep it short
    settings: { 'thread_pool.write.queue_size': 2, 'thread_pool.write.size': 1 },
  });
});
afterAll(async () => {
  await node?.stop();
});

interface Event {
  id: string;
  n: number;
  body: string;
}

function* events(n: number): Generator<Event> {
  for (let i = 0; i < n; i++) yield { id: `e${i}`, n: i, body: `event number ${i}` };
}

describe('overload and restarts', () => {
  it('survives a 429 storm (write queue 2): every document indexed, concurrency adapts down and back', async () => {
    const index = 'storm';
    await freshIndex(url(), index, undefined, { number_of_shards: 3 });
    const N = 20_000;
    const sink = new OpenSearchSink<Event>({
      node: node.url,
      index,
      id: (e) => e.id,
      flushDocuments: 100,
      concurrency: 12,
      retry: { maxAttempts: 100, baseDelay: 20, maxDelay: 1000 },
    });
    const limits: number[] = [];
    const outcomes: PositionedOutcome<Event>[] = [];
    for await (const outcome of sink.writeAll(events(N))) {
      outcomes.push(outcome);
      if (outcomes.length % 500 === 0) limits.push(sink.stats.concurrency.limit);
    }
    await sink.close();
    const s = sink.stats;
    console.log(
      `storm: ${s.throttled} throttled items, ${s.retried} retries, ${s.requests} requests, ` +
        `limit trace ${limits.join(',')}, decreases ${s.concurrency.decreases}, lowest ${s.concurrency.lowest}`,
    );
    expect(outcomes.filter((o) => o.status !== 'indexed')).toEqual([]);
    expect(s.throttled).toBeGreaterThan(0);
    expect(s.concurrency.decreases).toBeGreaterThan(0);
    expect(s.concurrency.lowest).toBeLessThan(12);
    expect(Math.max(...limits.slice(limits.indexOf(s.concurrency.lowest)))).toBeGreaterThan(s.concurrency.lowest);
    expect(s.indexed).toBe(N);
    expect(await count(url(), index)).toBe(N);
    await call(url(), 'DELETE', `/${index}`);
  });

  it('OpenSearch restarted mid-ingest: create + deterministic ids give _count N, same ids, created + 409s = N', async () => {
    const index = 'restart';
    await freshIndex(url(), index);
    const N = 30_000;
    const sink = new OpenSearchSink<Event>({
      node: node.url,
      index,
      id: (e) => e.id,
      action: 'create',
      flushDocuments: 500,
      concurrency: 4,
      requestTimeout: 20_000,
      retry: { maxAttempts: 60, baseDelay: 50, maxDelay: 2000, timeBudget: 120_000 },
    });
    let restart: Promise<void> | undefined;
    const outcomes: PositionedOutcome<Event>[] = [];
    for await (const outcome of sink.writeAll(events(N))) {
      outcomes.push(outcome);
      if (restart === undefined && outcomes.length >= 6000) restart = node.restart();
    }
    await restart;
    await sink.close();
    const s = sink.stats;
    console.log(
      `restart: created ${s.created}, exists (409) ${s.exists}, request errors ${s.requestErrors}, retries ${s.retried}`,
    );
    expect(outcomes.filter((o) => o.status !== 'indexed')).toEqual([]);
    expect(s.requestErrors).toBeGreaterThan(0);
    expect(s.created + s.exists).toBe(N);
    expect(s.deadLettered + s.failed).toBe(0);
    expect(await count(url(), index)).toBe(N);
    const ids = await allIds(url(), index);
    expect(ids).toHaveLength(N);
    expect(new Set(ids)).toEqual(new Set([...events(N)].map((e) => e.id)));
    await call(url(), 'DELETE', `/${index}`);
  });
});

function url(): string {
  return node.url;
}
