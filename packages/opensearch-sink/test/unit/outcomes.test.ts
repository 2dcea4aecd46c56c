import { describe, expect, it } from 'vitest';
import {
  type BulkAction,
  type DeadLetter,
  OpenSearchSink,
  type OpenSearchSinkOptions,
  silentLogger,
} from '../../src/index.js';
import { FakeOpenSearch, seeded } from '../support/fake-opensearch.js';

// Issue 15, defect 5: a lost answer is not a failure. Every outcome is true: applied, not applied, or unknown.

interface Doc {
  id: string;
  v?: number;
}

function sink(fake: FakeOpenSearch, options: Partial<OpenSearchSinkOptions<Doc>> = {}): OpenSearchSink<Doc> {
  return new OpenSearchSink<Doc>({
    client: fake,
    index: 'docs',
    id: (d) => d.id,
    flushInterval: 1,
    logger: silentLogger,
    random: seeded(3),
    // A lone document whose every request fails looks like an outage (no attempts spent): the time budget ends it.
    retry: { maxAttempts: 3, baseDelay: 1, maxDelay: 2, timeBudget: 150 },
    ...options,
  });
}

/** Every request carrying `id` is applied, then its answer is lost (or lost before it is applied). */
function loseAnswers(fake: FakeOpenSearch, id: string, when: 'after' | 'before'): void {
  fake.requestRule = (request) =>
    request.ops.some((op) => op.id === id)
      ? { kind: when === 'after' ? 'network-after' : 'network', message: 'socket hang up' }
      : undefined;
}

describe('a lost answer is settled by a read of the id', () => {
  for (const action of ['index', 'create'] as const satisfies readonly BulkAction[]) {
    it(`${action}: applied, every answer lost → indexed (exists) after an _mget finds it as sent`, async () => {
      const fake = new FakeOpenSearch();
      loseAnswers(fake, 'a', 'after');
      const s = sink(fake, { action });
      const outcome = await s.write({ id: 'a', v: 7 });
      expect(outcome).toMatchObject({ status: 'indexed', result: 'exists' });
      expect(fake.get('docs', 'a')).toEqual({ id: 'a', v: 7 });
      expect(fake.reads).toEqual([[expect.objectContaining({ _index: 'docs', _id: 'a' })]]);
      expect(s.stats).toMatchObject({ indexed: 1, exists: 1, deadLettered: 0, failed: 0, unknown: 0 });
      await s.close();
    });
  }

  it('never applied (answers lost before the write) → retries-exhausted, and the read is why it is true', async () => {
    const fake = new FakeOpenSearch();
    loseAnswers(fake, 'a', 'before');
    const letters: DeadLetter<Doc>[] = [];
    const s = sink(fake, { onDeadLetter: (l) => void letters.push(l) });
    const outcome = await s.write({ id: 'a' });
    expect(outcome.status).toBe('dead-lettered');
    expect(letters[0]).toMatchObject({ code: 'retries-exhausted', id: 'a' });
    expect(letters[0]!.attempts).toBeGreaterThan(1);
    expect(letters[0]!.reason).toMatch(/a read finds no document with its id/);
    expect(fake.store.size).toBe(0);
    await s.close();
  });

  it('index: the stored document differs from the one sent → not applied', async () => {
    const fake = new FakeOpenSearch();
    fake.store.set(fake.key('docs', 'a'), { source: { id: 'a', v: 1 }, version: 1 });
    loseAnswers(fake, 'a', 'before');
    const s = sink(fake, { onDeadLetter: () => {} });
    const outcome = await s.write({ id: 'a', v: 2 });
    expect(outcome).toMatchObject({ status: 'dead-lettered', letter: { code: 'retries-exhausted' } });
    expect(outcome.status === 'dead-lettered' && outcome.letter.reason).toMatch(/a different document/);
    await s.close();
  });

  it('delete: gone after lost answers → indexed (not_found); external version at least as new → exists', async () => {
    const fake = new FakeOpenSearch();
    fake.store.set(fake.key('docs', 'gone'), { source: { id: 'gone' }, version: 1 });
    loseAnswers(fake, 'gone', 'after');
    const deletes = sink(fake, { action: 'delete' });
    await expect(deletes.write({ id: 'gone' })).resolves.toMatchObject({ status: 'indexed', result: 'not_found' });
    await deletes.close();

    const versioned = new FakeOpenSearch();
    loseAnswers(versioned, 'a', 'after');
    const s = sink(versioned, { version: (d) => d.v ?? 0 });
    await expect(s.write({ id: 'a', v: 5 })).resolves.toMatchObject({ status: 'indexed', result: 'exists' });
    await s.close();
  });
});

describe('what a read cannot settle ends unknown, with what to do about it', () => {
  it('no id', async () => {
    const fake = new FakeOpenSearch();
    fake.requestRule = () => ({ kind: 'network-after', message: 'socket hang up' });
    const s = new OpenSearchSink<Doc>({
      client: fake,
      index: 'docs',
      logger: silentLogger,
      retry: { maxAttempts: 3, baseDelay: 1, maxDelay: 2, timeBudget: 150 },
    });
    const outcome = await s.write({ id: 'x' });
    expect(outcome).toMatchObject({ status: 'unknown', id: undefined });
    expect(outcome.status === 'unknown' && outcome.reason).toMatch(/may have been applied.*without an id/);
    expect(fake.reads).toEqual([]);
    expect(s.stats).toMatchObject({ unknown: 1, deadLettered: 0, failed: 0, indexed: 0, pending: 0 });
    await s.close();
  });

  it('a partial update', async () => {
    const fake = new FakeOpenSearch();
    loseAnswers(fake, 'a', 'after');
    const s = sink(fake, { action: 'upsert' });
    const outcome = await s.write({ id: 'a', v: 1 });
    expect(outcome.status === 'unknown' && outcome.reason).toMatch(/partial upsert cannot be verified/);
    await s.close();
  });

  it('the read fails too', async () => {
    const fake = new FakeOpenSearch();
    loseAnswers(fake, 'a', 'after');
    fake.mgetRule = () => 'fail';
    const s = sink(fake);
    const outcome = await s.write({ id: 'a', v: 1 });
    expect(outcome).toMatchObject({ status: 'unknown', error: { status: 0 } });
    expect(outcome.status === 'unknown' && outcome.reason).toMatch(/reading docs\/a to settle it failed too/);
    expect(fake.reads.length).toBeGreaterThan(1);
    await s.close();
  });
});

describe('pushback and outages cost time, not attempts', () => {
  it('item 429s beyond maxAttempts still end indexed within the time budget', async () => {
    const fake = new FakeOpenSearch();
    fake.itemRule = (op) =>
      op.seen <= 8
        ? { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'queue full' } }
        : undefined;
    const s = sink(fake, { retry: { maxAttempts: 3, baseDelay: 1, maxDelay: 2 } });
    await expect(s.write({ id: 'a' })).resolves.toMatchObject({ status: 'indexed', attempts: 9 });
    await s.close();
  });

  it('whole-request 429/503 beyond maxAttempts still end indexed; pushback that follows the rate slows the sink', async () => {
    const fake = new FakeOpenSearch();
    fake.requestRule = (_r, n) => (n <= 8 ? { kind: 'status', status: n % 2 === 0 ? 429 : 503 } : undefined);
    const s = sink(fake, { concurrency: 4, retry: { maxAttempts: 3, baseDelay: 1, maxDelay: 2 } });
    await expect(s.write({ id: 'a' })).resolves.toMatchObject({ status: 'indexed', attempts: 9 });
    expect(s.stats.concurrency.decreases).toBeGreaterThan(0);
    await s.close();
  });

  it('a link that is down (every request failing) does not spend attempts; the documents are delivered after it', async () => {
    const fake = new FakeOpenSearch();
    let down = true;
    fake.requestRule = () => (down ? { kind: 'network', message: 'socket hang up' } : undefined);
    const s = sink(fake, { flushDocuments: 10, retry: { maxAttempts: 3, baseDelay: 1, maxDelay: 2 } });
    const writes = Array.from({ length: 50 }, (_, i) => s.write({ id: `d${i}` }));
    while (fake.requests.length < 40) await new Promise((resolve) => setTimeout(resolve, 5));
    down = false;
    const outcomes = await Promise.all(writes);
    expect(outcomes.every((o) => o.status === 'indexed')).toBe(true);
    await s.close();
  });
});
