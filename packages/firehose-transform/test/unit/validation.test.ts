import { defineSchema, field } from '@pipeline/schema';
import * as v from 'valibot';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  firehoseTransform,
  formatIssue,
  formatPath,
  ok,
  parseWith,
  RecordValidationError,
  type Validator,
  type ValidatorFunction,
} from '../../src/index.js';
import { assertValidResponse, buildEvent, decodeResponse } from '../../src/testing.js';
import { memoryLogger } from '../support/logger.js';

const pointSchema = defineSchema({
  name: 'point',
  fields: {
    id: field.string({ pattern: /^p\d+$/ }),
    lat: field.double({ min: -90, max: 90 }),
    seenAt: field.timestamp(),
  },
});

const good = { id: 'p1', lat: 40.7, seenAt: '2016-01-08T20:50:00Z' };

/** The logged reason of each record that failed (undefined for Ok records). */
async function reasons(validate: Validator, inputs: unknown[]): Promise<(string | undefined)[]> {
  const logger = memoryLogger();
  const handler = firehoseTransform((record) => ok(record.value as object), { validate, logger });
  const event = buildEvent(inputs.map((data) => (typeof data === 'string' ? data : { data: data as object })));
  const response = await handler(event);
  assertValidResponse(event, response);
  return event.records.map((r, i) =>
    response.records[i]?.result === 'Ok'
      ? undefined
      : String(logger.entries.find((e) => e.context?.recordId === r.recordId)?.context?.reason),
  );
}

describe('validation', () => {
  it('with a @pipeline/schema schema: valid records reach fn typed, invalid ones fail naming field and rule', async () => {
    const seen: unknown[] = [];
    const handler = firehoseTransform(
      (record) => {
        expectTypeOf(record.value).toEqualTypeOf<{ id: string; lat: number; seenAt: string }>();
        seen.push(record.value);
        return ok(record.value);
      },
      { validate: pointSchema, logger: memoryLogger() },
    );
    const response = await handler(buildEvent([good, { ...good, lat: 91 }]));
    expect(response.records.map((r) => r.result)).toEqual(['Ok', 'ProcessingFailed']);
    expect(seen).toEqual([good]);

    expect(
      await reasons(pointSchema, [
        good,
        { ...good, lat: 91 },
        { ...good, seenAt: '2016-01-08T20:50:00' },
        { ...good, id: 'x', extra: 1 },
        'not json',
      ]),
    ).toEqual([
      undefined,
      'invalid record: lat: 91 is above max 90',
      expect.stringMatching(/^invalid record: seenAt: "2016-01-08T20:50:00" .*/),
      'invalid record: id: "x" does not match pattern /^p\\d+$/; extra: unknown field (schema "point" does not define it)',
      expect.stringMatching(/^data is not valid JSON: /),
    ]);
  });

  it('with zod: paths into nested objects and arrays', async () => {
    const schema = z.object({
      id: z.string(),
      stops: z.array(z.object({ lat: z.number().max(90) })),
    });
    const handler = firehoseTransform(
      (record) => {
        expectTypeOf(record.value).toEqualTypeOf<{ id: string; stops: { lat: number }[] }>();
        return ok(record.value);
      },
      { validate: schema },
    );
    const response = await handler(buildEvent([{ id: 'a', stops: [{ lat: 1 }] }]));
    expect(decodeResponse(response)[0]?.json()).toEqual({ id: 'a', stops: [{ lat: 1 }] });

    const [okReason, bad, wrongType] = await reasons(schema, [
      { id: 'a', stops: [] },
      { id: 'a', stops: [{ lat: 1 }, { lat: 100 }] },
      { id: 5, stops: [] },
    ]);
    expect(okReason).toBeUndefined();
    expect(bad).toBe('invalid record: stops[1].lat: Too big: expected number to be <=90');
    expect(wrongType).toBe('invalid record: id: Invalid input: expected string, received number');
  });

  it('with valibot', async () => {
    const schema = v.object({ id: v.string(), count: v.pipe(v.number(), v.integer()) });
    const [fine, bad] = await reasons(schema, [
      { id: 'a', count: 1 },
      { id: 'a', count: 1.5 },
    ]);
    expect(fine).toBeUndefined();
    expect(bad).toBe('invalid record: count: Invalid integer: Received 1.5');
  });

  it('with an async Standard Schema (zod refine)', async () => {
    const schema = z
      .object({ id: z.string() })
      .refine(async (x) => x.id !== 'taken', { message: 'id is taken', path: ['id'] });
    expect(await reasons(schema, [{ id: 'free' }, { id: 'taken' }])).toEqual([
      undefined,
      'invalid record: id: id is taken',
    ]);
  });

  it('with a function returning a Standard Schema result (sync or async), or throwing', async () => {
    const fn: ValidatorFunction<{ n: number }> = (value) => {
      const n = (value as { n?: unknown }).n;
      if (typeof n !== 'number') return { issues: [{ message: 'must be a number', path: ['n'] }] };
      if (n < 0) throw new RangeError('negative');
      return { value: { n: n * 2 } };
    };
    const handler = firehoseTransform(
      (record) => {
        expectTypeOf(record.value).toEqualTypeOf<{ n: number }>();
        return ok(record.value);
      },
      { validate: fn },
    );
    expect(decodeResponse(await handler(buildEvent([{ n: 2 }])))[0]?.json()).toEqual({ n: 4 });
    expect(await reasons(fn, [{ n: 1 }, { n: 'x' }, { n: -1 }])).toEqual([
      undefined,
      'invalid record: n: must be a number',
      'invalid record: validator threw RangeError: negative',
    ]);
    const asyncFn = async (value: unknown) =>
      (value as { ok?: boolean }).ok ? { value } : { issues: [{ message: 'not ok', path: [{ key: 'ok' }] }] };
    expect(await reasons(asyncFn, [{ ok: true }, { ok: false }])).toEqual([undefined, 'invalid record: ok: not ok']);
    const broken = (() => 'yes') as never;
    expect(await reasons(broken, [{}])).toEqual([
      'invalid record: validator function must return { value } or { issues } (a Standard Schema result)',
    ]);
  });

  it('fails records whose data is not UTF-8 or not JSON before validation', async () => {
    const logger = memoryLogger();
    const handler = firehoseTransform((record) => ok(record.value as object), { validate: pointSchema, logger });
    const response = await handler(buildEvent([new Uint8Array([0xff, 0xfe, 0x7b]), '{"id":']));
    expect(response.records.map((r) => r.result)).toEqual(['ProcessingFailed', 'ProcessingFailed']);
    expect(logger.entries.map((e) => [e.context?.kind, e.context?.reason])).toEqual([
      ['invalid', 'data is not valid UTF-8 (3 bytes)'],
      ['invalid', expect.stringMatching(/^data is not valid JSON: /)],
    ]);
  });

  it('formats paths and issues', () => {
    expect(formatPath(['trip', 'stops', 2, { key: 'lat' }])).toBe('trip.stops[2].lat');
    expect(formatPath(['a-b', 0])).toBe('["a-b"][0]');
    expect(formatPath(undefined)).toBe('');
    expect(formatIssue({ message: 'required', path: ['id'] })).toBe('id: required');
    expect(formatIssue({ message: 'id: required field is missing', path: ['id'] })).toBe(
      'id: required field is missing',
    );
    expect(formatIssue({ message: 'not an object' })).toBe('not an object');
  });

  it('parseWith validates inside a transform function and throws RecordValidationError', () => {
    expect(parseWith(pointSchema, good)).toEqual(good);
    expect(() => parseWith(pointSchema, { ...good, lat: 'x' })).toThrow(RecordValidationError);
    expect(() => parseWith(pointSchema, { ...good, lat: 'x' })).toThrow('invalid record: lat: expected double');
    expect(() =>
      parseWith(
        z.string().refine(async () => true),
        'a',
      ),
    ).toThrow(TypeError);
  });
});
