import { mulberry32 } from '@pipeline/commons';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type BulkAction, type DeadLetter, OpenSearchSink, type PositionedOutcome } from '../../src/index.js';
import { OpenSearchFaultProxy, type ProxyAction } from '../support/fault-proxy.js';
import { allIds, call, freshIndex } from '../support/opensearch-http.js';

// Issue 15, defect 5: every outcome must be true. Indexed means in the index; dead-lettered means not in it;
// `unknown` is the only outcome allowed when the sink cannot tell (a lost response it could not resolve).

const url = inject('opensearchUrl');

interface Event {
  id: string;
  n: number;
  body: string;
}

function* events(n: number, prefix: string): Generator<Event> {
  for (let i = 0; i < n; i++) yield { id: `${prefix}${i}`, n: i, body: `event number ${i}` };
}

/** 429s and 503s on a share of bulk requests, connection resets before and after forwarding. */
function faultyRequests(seed: number, shares: { s429: number; s503: number; before: number; after: number }) {
  const random = mulberry32(seed);
  return (request: { isBulk: boolean }): ProxyAction | undefined => {
    if (!request.isBulk) return undefined;
    const r = random();
    let edge = shares.s429;
    if (r < edge) return { kind: 'status', status: 429 };
    edge += shares.s503;
    if (r < edge) return { kind: 'status', status: 503 };
    edge += shares.before;
    if (r < edge) return { kind: 'reset-before' };
    edge += shares.after;
    if (r < edge) return { kind: 'reset-after' };
    return undefined;
  };
}

interface Tally {
  indexed: Set<string>;
  deadLettered: Set<string>;
  unknown: Set<string>;
  other: PositionedOutcome<Event>[];
}

async function run(sink: OpenSearchSink<Event>, source: Iterable<Event>, onProgress?: (n: number) => void) {
  const tally: Tally = { indexed: new Set(), deadLettered: new Set(), unknown: new Set(), other: [] };
  let n = 0;
  for await (const outcome of sink.writeAll(source)) {
    const id = outcome.document.id;
    if (outcome.status === 'indexed') tally.indexed.add(id);
    else if (outcome.status === 'dead-lettered') tally.deadLettered.add(id);
    else if (outcome.status === 'unknown') tally.unknown.add(id);
    else tally.other.push(outcome);
    onProgress?.(++n);
  }
  await sink.close();
  return tally;
}

/** Asserts the outcomes against the real index. */
async function expectTrue(index: string, N: number, tally: Tally): Promise<void> {
  const stored = new Set(await allIds(url, index));
  const indexedMissing = [...tally.indexed].filter((id) => !stored.has(id));
  const deadLetteredStored = [...tally.deadLettered].filter((id) => stored.has(id));
  const storedWithoutTrueOutcome = [...stored].filter((id) => !tally.indexed.has(id) && !tally.unknown.has(id));
  console.log(
    `${index}: ${stored.size} stored, ${tally.indexed.size} indexed, ${tally.deadLettered.size} dead-lettered, ` +
      `${tally.unknown.size} unknown; dead-lettered but stored: ${deadLetteredStored.length}`,
  );
  expect(tally.other).toEqual([]);
  expect(tally.indexed.size + tally.deadLettered.size + tally.unknown.size).toBe(N);
  expect(indexedMissing).toEqual([]);
  expect(deadLetteredStored).toEqual([]);
  expect(storedWithoutTrueOutcome).toEqual([]);
}

describe('true outcomes through a faulty link (429, 503, resets before and after forwarding, link cut)', () => {
  let proxy: OpenSearchFaultProxy;
  beforeAll(async () => {
    proxy = await new OpenSearchFaultProxy(url).start();
  });
  afterAll(async () => {
    await proxy.stop();
  });

  for (const action of ['index', 'create'] as const satisfies readonly BulkAction[]) {
    it(`${action}: 50,000 writes with ids: indexed + dead-lettered + unknown = N, the index agrees`, async () => {
      const index = `faults-${action}`;
      await freshIndex(url, index);
      const N = 50_000;
      proxy.rule = faultyRequests(action === 'index' ? 15 : 16, { s429: 0.08, s503: 0.08, before: 0.06, after: 0.08 });
      proxy.rejectItem = (() => {
        const random = mulberry32(action === 'index' ? 5 : 6);
        return () => random() < 0.05;
      })();
      const letters: DeadLetter<Event>[] = [];
      const sink = new OpenSearchSink<Event>({
        node: proxy.url,
        index,
        id: (e) => e.id,
        action,
        flushDocuments: 500,
        concurrency: 4,
        requestTimeout: 10_000,
        retry: { baseDelay: 20, maxDelay: 500, timeBudget: 20_000 },
        onDeadLetter: (letter) => {
          letters.push(letter);
        },
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      });
      let cut = false;
      const tally = await run(sink, events(N, action[0]!), (n) => {
        if (!cut && n >= N / 3) {
          cut = true;
          proxy.cut(3000);
        }
      });
      proxy.rule = undefined;
      proxy.rejectItem = undefined;
      const codes: Record<string, number> = {};
      for (const letter of letters) codes[letter.code] = (codes[letter.code] ?? 0) + 1;
      console.log(`${action}: proxy ${JSON.stringify(proxy.counts)}, dead-letter codes ${JSON.stringify(codes)}`);
      await expectTrue(index, N, tally);
      await call(url, 'DELETE', `/${index}`);
    }, 300_000);
  }

  it('while the cluster only pushes back (item 429 rejected_execution on 60%), the default attempt count does not dead-letter', async () => {
    const index = 'faults-pushback';
    await freshIndex(url, index);
    const N = 20_000;
    const random = mulberry32(9);
    proxy.rule = faultyRequests(10, { s429: 0.1, s503: 0.1, before: 0, after: 0 });
    proxy.rejectItem = () => random() < 0.6;
    const sink = new OpenSearchSink<Event>({
      node: proxy.url,
      index,
      id: (e) => e.id,
      flushDocuments: 500,
      retry: { baseDelay: 10, maxDelay: 200 }, // maxAttempts: the default 10
      onDeadLetter: () => {},
    });
    const tally = await run(sink, events(N, 'p'));
    proxy.rule = undefined;
    proxy.rejectItem = undefined;
    const s = sink.stats;
    console.log(
      `pushback: ${s.throttled} throttled items, ${s.retried} retries, ${s.requests} requests, ` +
        `lowest concurrency ${s.concurrency.lowest}`,
    );
    expect(tally.deadLettered.size).toBe(0);
    expect(tally.indexed.size).toBe(N);
    expect(s.throttled).toBeGreaterThan(0);
    await expectTrue(index, N, tally);
    await call(url, 'DELETE', `/${index}`);
  }, 300_000);

  for (const when of ['after', 'before'] as const) {
    it(`answers always lost ${when} the write: a read of the real index settles each (${when === 'after' ? 'applied → indexed' : 'missing → dead-lettered'})`, async () => {
      const index = `faults-lost-${when}`;
      await freshIndex(url, index);
      const N = 3000;
      const lost = new Set(['l100', 'l1500', 'l2999']);
      proxy.rule = (request) => {
        if (!request.isBulk) return undefined;
        const body = request.body.toString('utf8');
        for (const id of lost) if (body.includes(`"_id":"${id}"`)) return { kind: `reset-${when}` };
        return undefined;
      };
      const letters: DeadLetter<Event>[] = [];
      const sink = new OpenSearchSink<Event>({
        node: proxy.url,
        index,
        id: (e) => e.id,
        flushDocuments: 100,
        concurrency: 2,
        retry: { maxAttempts: 4, baseDelay: 10, maxDelay: 100, timeBudget: 10_000 },
        onDeadLetter: (letter) => {
          letters.push(letter);
        },
        logger: { debug() {}, info() {}, warn() {}, error() {} },
      });
      const tally = await run(sink, events(N, 'l'));
      proxy.rule = undefined;
      if (when === 'after') {
        expect(tally.deadLettered.size).toBe(0);
        expect(sink.stats.exists).toBe(lost.size);
      } else {
        expect(tally.deadLettered).toEqual(lost);
        for (const letter of letters) expect(letter.reason).toMatch(/a read finds no document with its id/);
      }
      await expectTrue(index, N, tally);
      await call(url, 'DELETE', `/${index}`);
    }, 120_000);
  }
});
