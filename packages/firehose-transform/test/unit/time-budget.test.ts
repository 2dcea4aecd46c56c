import { describe, expect, it } from 'vitest';
import { type BatchSummary, firehoseTransform, ok, silentLogger, TIMED_OUT_REASON } from '../../src/index.js';
import { assertValidResponse, buildEvent, countResults, lambdaContext } from '../../src/testing.js';
import { memoryLogger, sleep } from '../support/logger.js';

describe('time budget', () => {
  it('fails records a slow function has not finished a margin before the deadline, and returns in time', async () => {
    const logger = memoryLogger();
    const signals: AbortSignal[] = [];
    let summary: BatchSummary | undefined;
    const handler = firehoseTransform(
      async (record, { signal }) => {
        signals.push(signal);
        if (record.index % 4 === 1) await sleep(5_000); // stuck on a slow dependency
        return ok(record.text);
      },
      {
        logger,
        timeoutMarginMs: 300,
        onComplete: (s) => {
          summary = s;
        },
      },
    );
    const event = buildEvent(Array.from({ length: 12 }, (_, i) => `r${i}`));
    const started = Date.now();
    const response = await handler(event, lambdaContext({ remainingMs: 800 }));
    const elapsed = Date.now() - started;

    // Returned at the budget (800 − 300 ms), before Lambda's deadline.
    expect(elapsed).toBeGreaterThanOrEqual(480);
    expect(elapsed).toBeLessThan(800);
    assertValidResponse(event, response);
    const results = response.records.map((r) => r.result);
    results.forEach((result, i) => {
      expect(result, `record ${i}`).toBe(i % 4 === 1 ? 'ProcessingFailed' : 'Ok');
    });
    const warning = logger.entries.find((e) => e.context?.reason === TIMED_OUT_REASON);
    expect(warning?.message).toBe('3 record(s) failed: timed out');
    expect(warning?.context?.recordIds).toEqual([1, 5, 9].map((i) => event.records[i]?.recordId));
    expect(summary).toMatchObject({ timedOut: true, failed: 3, failures: { timeout: 3 } });
    expect(signals.every((s) => s.aborted)).toBe(true);
  });

  it('times out the records it never started as well (bounded concurrency)', async () => {
    let started = 0;
    const handler = firehoseTransform(
      async (record) => {
        started++;
        await sleep(100);
        return ok(record.text);
      },
      { concurrency: 2, timeoutMarginMs: 100, logger: silentLogger },
    );
    const event = buildEvent(Array.from({ length: 20 }, (_, i) => `r${i}`));
    const response = await handler(event, lambdaContext({ remainingMs: 450 }));
    assertValidResponse(event, response);
    const counts = countResults(response);
    // 350 ms of budget, 100 ms per record, 2 at a time: 6 at most (fewer on a loaded machine).
    expect(counts.Ok).toBeGreaterThanOrEqual(2);
    expect(counts.Ok).toBeLessThanOrEqual(6);
    expect(counts.Ok + counts.ProcessingFailed).toBe(20);
    expect(started).toBeLessThan(20);
    // Ok records are a prefix: the pool takes records in input order.
    const firstFailed = response.records.findIndex((r) => r.result === 'ProcessingFailed');
    expect(response.records.slice(firstFailed).every((r) => r.result === 'ProcessingFailed')).toBe(true);
  });

  it('stops a slow synchronous loop at the deadline', async () => {
    const handler = firehoseTransform(
      (record) => {
        const until = Date.now() + 20;
        while (Date.now() < until) {
          // busy: a synchronous transform cannot be interrupted, but the loop checks the clock between records
        }
        return ok(record.text);
      },
      { timeoutMarginMs: 200, logger: silentLogger },
    );
    const event = buildEvent(Array.from({ length: 50 }, (_, i) => `r${i}`));
    const started = Date.now();
    const response = await handler(event, lambdaContext({ remainingMs: 400 }));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(400);
    assertValidResponse(event, response);
    const counts = countResults(response);
    // 200 ms of budget at 20 ms per record: about 10 (fewer on a loaded machine).
    expect(counts.Ok).toBeGreaterThanOrEqual(1);
    expect(counts.Ok).toBeLessThanOrEqual(11);
    expect(counts.ProcessingFailed).toBe(50 - counts.Ok);
  });

  it('fails everything at once when less time is left than the margin', async () => {
    let calls = 0;
    const logger = memoryLogger();
    const handler = firehoseTransform(
      (record) => {
        calls++;
        return ok(record.text);
      },
      { logger },
    );
    const event = buildEvent(['a', 'b']);
    const response = await handler(event, lambdaContext({ remainingMs: 500 }));
    expect(calls).toBe(0);
    expect(countResults(response).ProcessingFailed).toBe(2);
    expect(logger.entries[0]?.context).toMatchObject({ reason: 'timed out', timeoutMarginMs: 1000 });
  });

  it('has no time budget without a context, and a late settlement cannot change a returned response', async () => {
    const slow = firehoseTransform(async (record) => {
      await sleep(30);
      return ok(record.text);
    });
    expect(countResults(await slow(buildEvent(['a', 'b']))).Ok).toBe(2);

    let finishLate: (() => void) | undefined;
    const handler = firehoseTransform(
      (record) =>
        new Promise((resolve) => {
          finishLate = () => resolve(ok(record.text));
        }),
      { timeoutMarginMs: 0, logger: silentLogger },
    );
    const response = await handler(buildEvent(['late']), lambdaContext({ remainingMs: 50 }));
    const before = JSON.stringify(response);
    finishLate?.();
    await sleep(5);
    expect(JSON.stringify(response)).toBe(before);
    expect(response.records[0]?.result).toBe('ProcessingFailed');
  });
});
