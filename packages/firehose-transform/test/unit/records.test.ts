import type { FirehoseTransformationEvent, FirehoseTransformationHandler } from 'aws-lambda';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type FirehoseRecord,
  type FirehoseTransformHandler,
  firehoseTransform,
  type KinesisRecordMetadata,
  ok,
  RecordDecodeError,
  type TransformContext,
} from '../../src/index.js';
import { assertValidResponse, buildEvent, decodeResponse } from '../../src/testing.js';
import { memoryLogger } from '../support/logger.js';

/** Runs one handler over the event and returns what fn saw. */
async function capture(event: ReturnType<typeof buildEvent>) {
  const seen: { record: FirehoseRecord; context: TransformContext }[] = [];
  const handler = firehoseTransform((record, context) => {
    seen.push({ record, context });
    return ok(record.bytes);
  });
  const response = await handler(event);
  assertValidResponse(event, response);
  return { seen, response };
}

describe('decoded records', () => {
  it('decodes base64 to bytes without touching binary data, and answers bytes as base64', async () => {
    const binary = new Uint8Array(256).map((_, i) => i);
    const { seen, response } = await capture(buildEvent([binary]));
    expect(Buffer.compare(Buffer.from(seen[0]?.record.bytes ?? []), Buffer.from(binary))).toBe(0);
    expect(response.records[0]?.data).toBe(Buffer.from(binary).toString('base64'));
  });

  it('reads multi-byte UTF-8 text and JSON', async () => {
    const { seen } = await capture(buildEvent([{ name: 'Zoë 🚕', n: 1 }]));
    const record = seen[0]?.record;
    expect(record?.text).toBe('{"name":"Zoë 🚕","n":1}');
    expect(record?.json).toEqual({ name: 'Zoë 🚕', n: 1 });
    expect(record?.value).toEqual({ name: 'Zoë 🚕', n: 1 });
    expect(record?.json).toBe(record?.json); // parsed once
  });

  it('is lazy: a record whose JSON is broken is fine as long as fn reads only bytes', async () => {
    const { response } = await capture(buildEvent(['{broken']));
    expect(response.records[0]?.result).toBe('Ok');
  });

  it('throws RecordDecodeError from the accessors, with a code', async () => {
    const errors: unknown[] = [];
    const handler = firehoseTransform((record) => {
      try {
        void record.text;
      } catch (error) {
        errors.push(error);
      }
      return ok('x');
    });
    const event = buildEvent([new Uint8Array([0xc3, 0x28])]);
    await handler(event);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RecordDecodeError);
    expect(errors[0]).toMatchObject({ code: 'NotUtf8', recordId: event.records[0]?.recordId });
  });

  it('gives the arrival time, and no Kinesis metadata for a Direct PUT source', async () => {
    const { seen } = await capture(buildEvent(['a'], { arrivalTimestamp: 1_452_286_200_000 }));
    expect(seen[0]?.record.approximateArrivalTimestamp).toBe(1_452_286_200_000);
    expect(seen[0]?.record.kinesisRecordMetadata).toBeUndefined();
    expect(seen[0]?.context.invocation).toEqual({
      invocationId: '00540a87-5050-496a-84e4-e7d92bbaf5e2',
      deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/test',
      region: 'us-east-1',
      sourceKinesisStreamArn: undefined,
    });
    expect(seen[0]?.context.deadline).toBe(Number.POSITIVE_INFINITY);
  });

  it('normalizes kinesisRecordMetadata from the numeric form (Powertools, @types/aws-lambda)', async () => {
    const event = buildEvent([{ data: 'a', kinesis: { partitionKey: 'id1178274', subsequenceNumber: 3 } }, 'b'], {
      source: 'kinesis',
      arrivalTimestamp: 1_452_286_200_000,
    });
    expect(event.records[0]?.kinesisRecordMetadata?.approximateArrivalTimestamp).toBe(1_452_286_200_000);
    const { seen } = await capture(event);
    expect(seen[0]?.context.invocation.sourceKinesisStreamArn).toBe(
      'arn:aws:kinesis:us-east-1:123456789012:stream/test',
    );
    expect(seen[0]?.record.kinesisRecordMetadata).toEqual({
      shardId: 'shardId-000000000000',
      partitionKey: 'id1178274',
      sequenceNumber: '49546986683135544286507457936321625675700192471156785154',
      subsequenceNumber: 3,
      approximateArrivalTimestamp: 1_452_286_200_000,
    } satisfies KinesisRecordMetadata);
    expect(seen[1]?.record.kinesisRecordMetadata?.subsequenceNumber).toBe(0);
  });

  it('normalizes kinesisRecordMetadata from the string form of the AWS documentation sample', async () => {
    const event = buildEvent([{ data: 'a', kinesis: { subsequenceNumber: 2 } }, 'b'], {
      source: 'kinesis',
      metadataForm: 'string',
      arrivalTimestamp: 1_452_286_200_000,
    });
    expect(event.records[0]?.kinesisRecordMetadata).toMatchObject({
      approximateArrivalTimestamp: '2016-01-08T20:50:00.000Z',
      subsequenceNumber: '2',
    });
    expect(event.records[1]?.kinesisRecordMetadata?.subsequenceNumber).toBe('');
    const { seen } = await capture(event);
    expect(seen[0]?.record.kinesisRecordMetadata).toMatchObject({
      approximateArrivalTimestamp: 1_452_286_200_000,
      subsequenceNumber: 2,
    });
    expect(seen[1]?.record.kinesisRecordMetadata).toMatchObject({
      approximateArrivalTimestamp: 1_452_286_200_001,
      subsequenceNumber: undefined,
    });
  });

  it('accepts a string top-level arrival timestamp and numeric strings', async () => {
    const event = buildEvent(['a', 'b', 'c']);
    const stamps = ['1452286200000', '2016-01-08T20:50:00Z', 'never'];
    event.records = event.records.map((r, i) => ({ ...r, approximateArrivalTimestamp: stamps[i] ?? '' }));
    const { seen } = await capture(event);
    expect(seen.map((s) => s.record.approximateArrivalTimestamp)).toEqual([
      1_452_286_200_000,
      1_452_286_200_000,
      Number.NaN,
    ]);
  });
});

describe('output', () => {
  it('serializes objects as one JSON object per record, strings as UTF-8, bytes as they are', async () => {
    const handler = firehoseTransform((record) =>
      record.index === 0 ? ok({ a: 1, é: 'ü' }) : record.index === 1 ? ok('plain text') : ok(new Uint8Array([1, 2, 3])),
    );
    const response = await handler(buildEvent(['x', 'y', 'z']));
    const decoded = decodeResponse(response);
    expect(decoded[0]?.text).toBe('{"a":1,"é":"ü"}');
    expect(decoded[1]?.text).toBe('plain text');
    expect([...(decoded[2]?.bytes ?? [])]).toEqual([1, 2, 3]);
  });

  it("frames records with a newline when framing is 'newline' (without doubling one)", async () => {
    const handler = firehoseTransform(
      (record) =>
        [ok({ a: 1 }), ok('text'), ok('line\n'), ok(new Uint8Array([65])), ok(new Uint8Array([66, 10])), ok('')][
          record.index
        ] ?? ok(''),
      { framing: 'newline' },
    );
    const response = await handler(buildEvent(['0', '1', '2', '3', '4', '5']));
    expect(decodeResponse(response).map((r) => r.text)).toEqual(['{"a":1}\n', 'text\n', 'line\n', 'A\n', 'B\n', '\n']);
    // Concatenated, the records are newline-delimited JSON.
    const ndjson = firehoseTransform((record) => ok(record.json as object), { framing: 'newline' });
    const lines = decodeResponse(await ndjson(buildEvent([{ a: 1 }, { b: 2 }])))
      .map((r) => r.text)
      .join('');
    expect(
      lines
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    ).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it('fails data that is not one JSON object, and partition keys that are not strings', async () => {
    const logger = memoryLogger();
    const outputs: unknown[] = [[1, 2], new Date(0), { n: 10n }, null, 42, { toJSON: () => 'str' }];
    const handler = firehoseTransform(
      (record) =>
        record.index < outputs.length
          ? ok(outputs[record.index] as object)
          : ok({ a: 1 }, { year: 2016 } as unknown as Record<string, string>),
      { logger },
    );
    const event = buildEvent(['0', '1', '2', '3', '4', '5', '6']);
    const response = await handler(event);
    assertValidResponse(event, response);
    expect(response.records.every((r) => r.result === 'ProcessingFailed')).toBe(true);
    expect(logger.entries.map((e) => e.context?.reason)).toEqual([
      expect.stringContaining('ok() data serializes to a JSON array, not a JSON object'),
      expect.stringContaining('ok() data serializes to a JSON string, not a JSON object'),
      'ok() data cannot be sent as JSON as it is: data.n is a BigInt (JSON cannot carry it); convert it with String() or Number()',
      'ok() data must be a JSON object, a string or a Uint8Array, got null',
      'ok() data must be a JSON object, a string or a Uint8Array, got number',
      expect.stringContaining('ok() data serializes to a JSON string, not a JSON object'),
      'partition key "year" must be a string, got number',
    ]);
  });

  it('answers partition keys as metadata.partitionKeys', async () => {
    const handler = firehoseTransform((record) => ok({ v: record.text }, { year: '2016', month: '01' }));
    const response = await handler(buildEvent(['a']));
    expect(response.records[0]?.metadata).toEqual({ partitionKeys: { year: '2016', month: '01' } });
    expect(decodeResponse(response)[0]?.partitionKeys).toEqual({ year: '2016', month: '01' });
  });
});

describe('types', () => {
  it('the handler is a FirehoseTransformationHandler and takes @types/aws-lambda events', async () => {
    const handler = firehoseTransform((record) => ok(record.bytes));
    expectTypeOf(handler).toEqualTypeOf<FirehoseTransformHandler>();
    const lambda: FirehoseTransformationHandler = handler;
    const awsEvent: FirehoseTransformationEvent = {
      invocationId: 'i',
      deliveryStreamArn: 'arn',
      region: 'us-east-1',
      records: [{ recordId: '1', approximateArrivalTimestamp: 1, data: 'QQ==' }],
    };
    const response = await handler(awsEvent);
    expect(decodeResponse(response)[0]?.text).toBe('A');
    expect(typeof lambda).toBe('function');
  });
});
