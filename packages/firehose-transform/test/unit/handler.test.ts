import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  DEFAULTS,
  dropped,
  FirehoseEventError,
  type FirehoseRecord,
  failed,
  firehoseTransform,
  ok,
  silentLogger,
  type TransformResult,
} from '../../src/index.js';
import { assertValidResponse, buildEvent, countResults, decodeResponse, lambdaContext } from '../../src/testing.js';
import { memoryLogger, sleep } from '../support/logger.js';

const trips = Array.from({ length: 20 }, (_, i) => ({ id: `id${String(i).padStart(7, '0')}`, n: i }));

describe('firehoseTransform: one answer per record', () => {
  it('answers every recordId exactly once, in input order, with the transformed data', async () => {
    const handler = firehoseTransform((record) => ok({ ...(record.json as object), source: 'NYCTAXI' }));
    const event = buildEvent(trips);
    const response = await handler(event);
    assertValidResponse(event, response);
    expect(response.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    expect(decodeResponse(response).map((r) => r.json())).toEqual(trips.map((t) => ({ ...t, source: 'NYCTAXI' })));
    expect(response.records.every((r) => r.result === 'Ok')).toBe(true);
  });

  it('keeps input order when async records finish out of order', async () => {
    const handler = firehoseTransform(
      async (record) => {
        await sleep((20 - record.index) * 2);
        return ok(record.text);
      },
      { concurrency: 20 },
    );
    const event = buildEvent(trips.map((t) => t.id));
    const response = await handler(event);
    assertValidResponse(event, response);
    expect(decodeResponse(response).map((r) => r.text)).toEqual(trips.map((t) => t.id));
  });

  it('fails only the record that throws or rejects, and logs the reason with its recordId', async () => {
    const logger = memoryLogger();
    const handler = firehoseTransform(
      async (record): Promise<TransformResult> => {
        if (record.index === 3) throw new TypeError('boom on 3');
        if (record.index === 7) return Promise.reject(new Error('rejected 7'));
        if (record.index === 9) throw 'a string';
        return ok(record.text);
      },
      { logger },
    );
    const event = buildEvent(trips.map((t) => t.id));
    const response = await handler(event);
    assertValidResponse(event, response);
    const results = response.records.map((r) => r.result);
    expect(results.filter((r) => r === 'ProcessingFailed')).toHaveLength(3);
    expect([results[3], results[7], results[9]]).toEqual(['ProcessingFailed', 'ProcessingFailed', 'ProcessingFailed']);
    expect(response.records[3]?.data).toBe('');
    const id3 = event.records[3]?.recordId;
    const entry = logger.entries.find((e) => e.context?.recordId === id3);
    expect(entry?.level).toBe('warn');
    expect(entry?.message).toBe(`record ${id3} failed (error): threw TypeError: boom on 3`);
    expect(entry?.context).toMatchObject({ kind: 'error', reason: 'threw TypeError: boom on 3' });
    const id7 = event.records[7]?.recordId;
    expect(logger.entries.find((e) => e.context?.recordId === id7)?.context?.reason).toBe('threw Error: rejected 7');
    expect(logger.entries.find((e) => e.context?.recordId === event.records[9]?.recordId)?.context?.reason).toBe(
      'threw a string',
    );
  });

  it('fails a synchronous throw the same way', async () => {
    const handler = firehoseTransform(
      (record) => {
        if (record.index === 0) throw new RangeError('sync');
        return ok(record.text);
      },
      { logger: silentLogger },
    );
    const response = await handler(buildEvent(['a', 'b']));
    expect(response.records.map((r) => r.result)).toEqual(['ProcessingFailed', 'Ok']);
  });

  it('supports dropped() and failed(reason); both answer with empty data', async () => {
    const logger = memoryLogger();
    const handler = firehoseTransform(
      (record) => {
        if (record.text === 'drop') return dropped();
        if (record.text === 'fail') return failed('not a trip');
        if (record.text === 'fail-error') return failed(new RangeError('out of range'));
        return ok(record.text);
      },
      { logger },
    );
    const event = buildEvent(['keep', 'drop', 'fail', 'fail-error']);
    const response = await handler(event);
    assertValidResponse(event, response);
    expect(response.records.map((r) => [r.result, r.data])).toEqual([
      ['Ok', Buffer.from('keep').toString('base64')],
      ['Dropped', ''],
      ['ProcessingFailed', ''],
      ['ProcessingFailed', ''],
    ]);
    expect(logger.entries.map((e) => e.context?.reason)).toEqual(['not a trip', 'RangeError: out of range']);
    expect(logger.entries.map((e) => e.context?.kind)).toEqual(['failed', 'failed']);
  });

  it('fails a record whose function returns something that is not a result', async () => {
    const logger = memoryLogger();
    const handler = firehoseTransform(
      ((record: FirehoseRecord) => (record.index === 0 ? undefined : { result: 'Maybe' })) as never,
      { logger },
    );
    const response = await handler(buildEvent(['a', 'b']));
    expect(countResults(response)).toEqual({ Ok: 0, Dropped: 0, ProcessingFailed: 2 });
    expect(logger.entries[0]?.message).toContain('returned undefined instead of ok(), dropped() or failed()');
    expect(logger.entries[1]?.message).toContain('returned {"result":"Maybe"} instead of ok()');
  });

  it('runs async functions with bounded concurrency', async () => {
    let active = 0;
    let peak = 0;
    const handler = firehoseTransform(
      async (record) => {
        active++;
        peak = Math.max(peak, active);
        await sleep(3);
        active--;
        return ok(record.text);
      },
      { concurrency: 4 },
    );
    const event = buildEvent(Array.from({ length: 40 }, (_, i) => `r${i}`));
    const response = await handler(event);
    assertValidResponse(event, response);
    expect(peak).toBe(4);
    expect(countResults(response).Ok).toBe(40);
  });

  it('defaults to a concurrency of 16', async () => {
    expect(DEFAULTS.concurrency).toBe(16);
    let active = 0;
    let peak = 0;
    const handler = firehoseTransform(async (record) => {
      active++;
      peak = Math.max(peak, active);
      await sleep(2);
      active--;
      return ok(record.text);
    });
    await handler(buildEvent(Array.from({ length: 50 }, (_, i) => `r${i}`)));
    expect(peak).toBe(16);
  });

  it('mixes sync and async results', async () => {
    const handler = firehoseTransform((record) =>
      record.index % 2 === 0 ? ok(record.text) : Promise.resolve(ok(record.text.toUpperCase())),
    );
    const response = await handler(buildEvent(['a', 'b', 'c', 'd']));
    expect(decodeResponse(response).map((r) => r.text)).toEqual(['a', 'B', 'c', 'D']);
  });

  it('answers an empty batch with an empty list and a warning', async () => {
    const logger = memoryLogger();
    const handler = firehoseTransform((record) => ok(record.text), { logger });
    expect(await handler(buildEvent([]))).toEqual({ records: [] });
    expect(logger.entries[0]?.message).toContain('no records');
  });

  it('throws FirehoseEventError for something that is not a transformation event', async () => {
    const handler = firehoseTransform((record) => ok(record.text));
    await expect(handler({} as never)).rejects.toThrow(FirehoseEventError);
    await expect(handler({ records: [{ data: 'AA==' }] } as never)).rejects.toThrow(
      'records[0] has no string recordId',
    );
  });

  it('fails a record without data and keeps the others', async () => {
    const event = buildEvent(['a', 'b']);
    const broken = { ...event, records: [{ ...event.records[0], data: undefined }, event.records[1]] };
    const logger = memoryLogger();
    const handler = firehoseTransform((record) => ok(record.text), { logger });
    const response = await handler(broken as never);
    expect(response.records.map((r) => r.result)).toEqual(['ProcessingFailed', 'Ok']);
    expect(logger.entries[0]?.context).toMatchObject({
      kind: 'invalid',
      reason: 'record has no base64 data (got undefined)',
    });
  });

  it('validates its options with ConfigurationError naming the option', () => {
    const fn = (record: FirehoseRecord) => ok(record.text);
    expect(() => firehoseTransform(fn, { concurrency: 0 })).toThrow(ConfigurationError);
    expect(() => firehoseTransform(fn, { concurrency: 1.5 })).toThrow('concurrency: must be an integer ≥ 1, got 1.5');
    expect(() => firehoseTransform(fn, { timeoutMarginMs: -1 })).toThrow('timeoutMarginMs');
    expect(() => firehoseTransform(fn, { framing: 'lines' as never })).toThrow("framing: must be 'none' or 'newline'");
    expect(() => firehoseTransform(fn, { maxResponseBytes: 7_000_000 })).toThrow(
      'maxResponseBytes: must be an integer in 1024..6291456',
    );
    expect(() => firehoseTransform(fn, { validate: 42 as never })).toThrow('validate: must be a Standard Schema');
    expect(() => firehoseTransform(fn, { onOverflow: 'x' as never })).toThrow('onOverflow: must be a function');
    expect(() => firehoseTransform(fn, { logger: {} as never })).toThrow(
      'logger: must have debug, info, warn and error',
    );
    expect(() => firehoseTransform('nope' as never)).toThrow('fn: the transform function must be a function');
    try {
      firehoseTransform(fn, { concurrency: -1 });
    } catch (error) {
      expect((error as ConfigurationError).option).toBe('concurrency');
    }
  });

  it('reports a summary to onComplete and as an EMF line', async () => {
    const lines: string[] = [];
    let summary: unknown;
    const handler = firehoseTransform(
      (record) => (record.text === 'x' ? failed('x') : record.text === 'd' ? dropped() : ok(record.text)),
      {
        logger: silentLogger,
        onComplete: (s) => {
          summary = s;
        },
        metrics: { namespace: 'Test', dimensions: { DeliveryStream: 'trips' }, write: (line) => lines.push(line) },
      },
    );
    const response = await handler(buildEvent(['a', 'x', 'd', 'bb']));
    expect(summary).toMatchObject({
      invocationId: '00540a87-5050-496a-84e4-e7d92bbaf5e2',
      records: 4,
      ok: 2,
      dropped: 1,
      failed: 1,
      failures: { failed: 1, error: 0, invalid: 0, timeout: 0, overflow: 0 },
      okBytes: 3,
      responseBytes: Buffer.byteLength(JSON.stringify(response)),
      timedOut: false,
    });
    expect(lines).toHaveLength(1);
    const emf = JSON.parse(lines[0] ?? '{}') as Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } };
    expect(emf).toMatchObject({
      DeliveryStream: 'trips',
      Records: 4,
      Ok: 2,
      ProcessingFailed: 1,
      ResponseBudgetOverflow: 0,
    });
    expect(emf._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'Test', Dimensions: [['DeliveryStream']] });
  });

  it('keeps going when onComplete throws', async () => {
    const logger = memoryLogger();
    const handler = firehoseTransform((record) => ok(record.text), {
      logger,
      onComplete: () => {
        throw new Error('hook bug');
      },
    });
    const response = await handler(buildEvent(['a']));
    expect(response.records[0]?.result).toBe('Ok');
    expect(logger.entries[0]).toMatchObject({ level: 'error', message: 'onComplete threw Error: hook bug' });
  });
});

describe('robustness', () => {
  it('a throwing logger does not fail the batch', async () => {
    const throwing = {
      debug: () => {},
      info: () => {},
      warn: () => {
        throw new Error('log sink down');
      },
      error: () => {
        throw new Error('log sink down');
      },
    };
    const handler = firehoseTransform((record) => (record.index === 0 ? failed('bad') : ok(record.text)), {
      logger: throwing,
    });
    const response = await handler(buildEvent(['a', 'b']));
    expect(response.records.map((r) => r.result)).toEqual(['ProcessingFailed', 'Ok']);
  });
});

describe('control records', () => {
  const heartbeat = { __control: 'watermark-heartbeat', pickupDate: '2024-01-01T10:02:06Z' };
  const trip = { id: 'a', pickupDate: '2024-01-01T10:00:00Z' };

  it('answers a watermark heartbeat Dropped before the function, by default', async () => {
    const seen: unknown[] = [];
    const handler = firehoseTransform((record) => {
      seen.push(record.json);
      return ok(record.json as object);
    });
    const response = await handler(buildEvent([heartbeat, trip]), lambdaContext());
    expect(response.records.map((r) => r.result)).toEqual(['Dropped', 'Ok']);
    expect(seen).toEqual([trip]);
  });

  it("hands control records to the function with controlRecords: 'pass'", async () => {
    const handler = firehoseTransform((record) => ok(record.json as object), { controlRecords: 'pass' });
    const response = await handler(buildEvent([heartbeat]), lambdaContext());
    expect(response.records[0]?.result).toBe('Ok');
  });

  it('keeps a record that only mentions the control field in its data', async () => {
    const handler = firehoseTransform((record) => ok(record.json as object));
    const response = await handler(buildEvent([{ note: '__control' }, { __control: 'other' }]), lambdaContext());
    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'Ok']);
  });

  it('rejects an unknown controlRecords mode naming the option', () => {
    expect(() => firehoseTransform((r) => ok(r.json as object), { controlRecords: 'keep' as never })).toThrow(
      /controlRecords: must be 'drop' or 'pass'/,
    );
  });
});
