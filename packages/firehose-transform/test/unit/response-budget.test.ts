import { describe, expect, it } from 'vitest';
import {
  type BatchSummary,
  dropped,
  failed,
  firehoseTransform,
  LAMBDA_RESPONSE_LIMIT,
  type OverflowRecord,
  ok,
  RESPONSE_BUDGET_REASON,
  silentLogger,
} from '../../src/index.js';
import {
  assertValidResponse,
  buildEvent,
  countResults,
  decodeResponse,
  eventBytes,
  lambdaContext,
  responseBytes,
} from '../../src/testing.js';
import { memoryLogger, sleep } from '../support/logger.js';

/** A taxi-like record padded to about `size` bytes of JSON. */
function trip(i: number, size: number): Record<string, unknown> {
  const base = {
    id: `id${String(i).padStart(7, '0')}`,
    vendorId: 1 + (i % 2),
    pickupDate: '2016-01-08T20:50:00Z',
    dropoffDate: '2016-01-08T20:54:00Z',
    passengerCount: 1,
    pickupLongitude: -73.95500183,
    pickupLatitude: 40.77325058,
  };
  const pad = size - JSON.stringify(base).length - 10;
  return { ...base, note: 'x'.repeat(Math.max(0, pad)) };
}

describe('response size budget', () => {
  it('keeps a response within 6 MB when enrichment would push it over, failing the overflow visibly', async () => {
    const logger = memoryLogger();
    let overflowSeen: readonly OverflowRecord[] = [];
    let summary: BatchSummary | undefined;
    const enrichment = 'y'.repeat(400);
    const handler = firehoseTransform((record) => ok({ ...(record.json as object), source: 'NYCTAXI', enrichment }), {
      logger,
      onOverflow: (records) => {
        overflowSeen = records;
      },
      onComplete: (s) => {
        summary = s;
      },
    });
    const event = buildEvent(Array.from({ length: 3_200 }, (_, i) => trip(i, 1_300)));
    const requestSize = eventBytes(event);
    // Within Lambda's 6 MB request limit …
    expect(requestSize).toBeLessThanOrEqual(LAMBDA_RESPONSE_LIMIT);
    expect(requestSize).toBeGreaterThan(5_800_000);

    const response = await handler(event, lambdaContext());
    const size = responseBytes(response);
    // … the response stays within the same limit, and the handler's own count is exact.
    expect(size).toBeLessThanOrEqual(LAMBDA_RESPONSE_LIMIT);
    expect(summary?.responseBytes).toBe(size);
    assertValidResponse(event, response);

    const counts = countResults(response);
    expect(counts.ProcessingFailed).toBeGreaterThan(100);
    expect(counts.Ok + counts.ProcessingFailed).toBe(3_200);
    // Without the budget the enriched response would not have fit.
    const overflowBytes = overflowSeen.reduce((sum, r) => sum + Math.ceil(r.output.length / 3) * 4, 0);
    expect(size + overflowBytes).toBeGreaterThan(LAMBDA_RESPONSE_LIMIT);
    // The budget is used: the first record that did not fit would have crossed the limit.
    const firstOverflowB64 = Math.ceil((overflowSeen[0]?.output.length ?? 0) / 3) * 4;
    expect(size + firstOverflowB64 - 'ProcessingFailed'.length + 'Ok'.length).toBeGreaterThan(LAMBDA_RESPONSE_LIMIT);

    // Overflow records are the tail, failed with the documented reason, counted, logged and given to the hook.
    const firstFailed = response.records.findIndex((r) => r.result === 'ProcessingFailed');
    expect(response.records.slice(firstFailed).every((r) => r.result === 'ProcessingFailed')).toBe(true);
    expect(summary?.failures.overflow).toBe(counts.ProcessingFailed);
    expect(overflowSeen.map((r) => r.record.recordId)).toEqual(
      response.records.slice(firstFailed).map((r) => r.recordId),
    );
    const firstOverflow = overflowSeen[0];
    expect(firstOverflow?.record.base64).toBe(event.records[firstFailed]?.data);
    expect(JSON.parse(Buffer.from(firstOverflow?.output ?? []).toString())).toMatchObject({ source: 'NYCTAXI' });
    const warning = logger.entries.find((e) => e.context?.reason === RESPONSE_BUDGET_REASON);
    expect(warning?.message).toBe(`${counts.ProcessingFailed} record(s) failed: response size budget`);
    expect(warning?.context?.recordIds).toHaveLength(counts.ProcessingFailed);
  });

  it('counts every entry shape exactly (dropped, failed, partition keys, escaped and non-ASCII ids)', async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 30; round++) {
      const n = 1 + Math.floor(random() * 60);
      const inputs = Array.from({ length: n }, (_, i) => ({
        recordId: i % 7 === 3 ? `id-"quoted"\\-é-${i}` : `49546986683135544286507457936321625675700192471156785154${i}`,
        data: 'z'.repeat(Math.floor(random() * 300)),
      }));
      const event = buildEvent(inputs);
      let summary: BatchSummary | undefined;
      // Never below what an all-failed response needs (about 115 bytes per record here).
      const maxResponseBytes = Math.max(1024, n * 130 + Math.floor(random() * 20_000));
      const handler = firehoseTransform(
        (record) => {
          const roll = (record.index * 31 + round) % 5;
          if (roll === 0) return dropped();
          if (roll === 1) return failed('no');
          if (roll === 2) return ok(record.text, { year: '2016', zone: `ü-${record.index}` });
          return ok({ text: record.text, n: record.index });
        },
        {
          maxResponseBytes,
          logger: silentLogger,
          framing: round % 2 === 0 ? 'newline' : 'none',
          onComplete: (s) => {
            summary = s;
          },
        },
      );
      const response = await handler(event);
      const size = responseBytes(response);
      expect(summary?.responseBytes, `round ${round}`).toBe(size);
      expect(size).toBeLessThanOrEqual(maxResponseBytes);
      assertValidResponse(event, response, maxResponseBytes);
    }
  });

  it('lets a smaller ceiling be set, and fits later small records after a large one overflowed', async () => {
    const handler = firehoseTransform((record) => ok(record.text), { maxResponseBytes: 2_048, logger: silentLogger });
    const event = buildEvent(['a'.repeat(600), 'b'.repeat(900), 'c'.repeat(10)]);
    const response = await handler(event);
    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'ProcessingFailed', 'Ok']);
    expect(responseBytes(response)).toBeLessThanOrEqual(2_048);
  });

  it('returns even when onOverflow hangs or throws', async () => {
    const logger = memoryLogger();
    const hanging = firehoseTransform((record) => ok(record.text), {
      maxResponseBytes: 1_024,
      timeoutMarginMs: 200,
      logger,
      onOverflow: () => new Promise<void>(() => {}),
    });
    const started = Date.now();
    const response = await hanging(buildEvent(['a'.repeat(2_000)]), lambdaContext({ remainingMs: 400 }));
    expect(Date.now() - started).toBeLessThan(400);
    expect(response.records[0]?.result).toBe('ProcessingFailed');
    expect(
      logger.entries.some((e) => e.message === 'onOverflow did not finish before the deadline; returning without it'),
    ).toBe(true);

    const throwing = firehoseTransform((record) => ok(record.text), {
      maxResponseBytes: 1_024,
      logger,
      onOverflow: async () => {
        await sleep(1);
        throw new Error('re-send failed');
      },
    });
    await throwing(buildEvent(['a'.repeat(2_000)]));
    expect(logger.entries.some((e) => e.message === 'onOverflow threw Error: re-send failed')).toBe(true);
  });

  it('decodes overflowed output for re-sending', async () => {
    const seen: string[] = [];
    const handler = firehoseTransform((record) => ok(record.text, { day: '08' }), {
      maxResponseBytes: 1_024,
      logger: silentLogger,
      framing: 'newline',
      onOverflow: (records) => {
        for (const r of records) seen.push(`${Buffer.from(r.output).toString()}|${r.partitionKeys?.day}`);
      },
    });
    const response = await handler(buildEvent(['q'.repeat(1_500)]));
    expect(decodeResponse(response)[0]?.result).toBe('ProcessingFailed');
    expect(seen).toEqual([`${'q'.repeat(1_500)}\n|08`]);
  });
});
