import { describe, expect, it } from 'vitest';
import {
  assertValidResponse,
  buildEvent,
  countResults,
  decodeResponse,
  eventBytes,
  lambdaContext,
  responseBytes,
  toBase64,
} from '../../src/testing.js';
import { sleep } from '../support/logger.js';

describe('testing helpers', () => {
  it('buildEvent makes Direct PUT events with unique ids and consecutive arrival times', () => {
    const event = buildEvent(['a', { b: 1 }, new Uint8Array([0]), [1, 2]]);
    expect(event.sourceKinesisStreamArn).toBeUndefined();
    expect(new Set(event.records.map((r) => r.recordId)).size).toBe(4);
    expect(event.records.map((r) => r.data)).toEqual([toBase64('a'), toBase64('{"b":1}'), 'AA==', toBase64('[1,2]')]);
    expect(event.records.map((r) => r.approximateArrivalTimestamp)).toEqual(
      [0, 1, 2, 3].map((i) => 1_452_286_200_000 + i),
    );
    expect(event.records.every((r) => r.kinesisRecordMetadata === undefined)).toBe(true);
    expect(eventBytes(event)).toBe(Buffer.byteLength(JSON.stringify(event)));
  });

  it('toBase64 sends bytes in any holder as they are and refuses data JSON would change', () => {
    const bytes = Uint8Array.from([1, 2, 3, 4]);
    expect(toBase64(bytes.buffer)).toBe('AQIDBA==');
    expect(toBase64(new DataView(bytes.buffer, 1, 2))).toBe(Buffer.from([2, 3]).toString('base64'));
    expect(toBase64(bytes.subarray(3))).toBe('BA==');
    expect(() => buildEvent([{ tags: new Map() }])).toThrow(
      'test record data cannot be sent as JSON as it is: data.tags is a Map (JSON writes it as {})',
    );
    expect(() => toBase64({ n: 1n })).toThrow(TypeError);
  });

  it('buildEvent takes record fields, and an object with other keys is data', () => {
    const event = buildEvent([
      { data: 'x', recordId: 'r1', approximateArrivalTimestamp: 5 },
      { data: 'y', other: true },
    ]);
    expect(event.records[0]).toEqual({ recordId: 'r1', approximateArrivalTimestamp: 5, data: toBase64('x') });
    expect(Buffer.from(event.records[1]?.data ?? '', 'base64').toString()).toBe('{"data":"y","other":true}');
  });

  it('buildEvent adds stream metadata for a Kinesis source, in either form', () => {
    const numeric = buildEvent(['a'], { source: 'kinesis', sourceKinesisStreamArn: 'arn:s' });
    expect(numeric.sourceKinesisStreamArn).toBe('arn:s');
    expect(numeric.records[0]?.kinesisRecordMetadata).toEqual({
      shardId: 'shardId-000000000000',
      partitionKey: 'key-0',
      approximateArrivalTimestamp: 1_452_286_200_000,
      sequenceNumber: '49546986683135544286507457936321625675700192471156785154',
      subsequenceNumber: 0,
    });
    const documented = buildEvent(['a'], { source: 'kinesis', metadataForm: 'string' });
    expect(documented.records[0]?.kinesisRecordMetadata).toMatchObject({
      approximateArrivalTimestamp: '2016-01-08T20:50:00.000Z',
      subsequenceNumber: '',
    });
  });

  it('decodeResponse and countResults read a response', () => {
    const response = {
      records: [
        { recordId: '1', result: 'Ok' as const, data: toBase64('{"a":1}'), metadata: { partitionKeys: { k: 'v' } } },
        { recordId: '2', result: 'Dropped' as const, data: '' },
        { recordId: '3', result: 'ProcessingFailed' as const },
      ],
    };
    const decoded = decodeResponse(response);
    expect(decoded[0]?.json()).toEqual({ a: 1 });
    expect(decoded[0]?.partitionKeys).toEqual({ k: 'v' });
    expect(decoded[1]?.text).toBe('');
    expect(decoded[2]?.bytes.length).toBe(0);
    expect(countResults(response)).toEqual({ Ok: 1, Dropped: 1, ProcessingFailed: 1 });
    expect(responseBytes(response)).toBe(Buffer.byteLength(JSON.stringify(response)));
  });

  it('assertValidResponse finds every problem Firehose would reject', () => {
    const event = buildEvent(['a', 'b', 'c'], { source: 'kinesis' });
    const [a, b, c] = event.records.map((r) => r.recordId) as [string, string, string];
    const good = { records: [a, b, c].map((recordId) => ({ recordId, result: 'Ok' as const, data: 'QQ==' })) };
    expect(() => assertValidResponse(event, good)).not.toThrow();

    const bad = {
      records: [
        { recordId: b, result: 'Ok' as const, data: 'QQ==' },
        { recordId: b, result: 'Fine' as never, data: '***' },
        { recordId: 'ghost', result: 'Ok' as const },
      ],
    };
    let message = '';
    try {
      assertValidResponse(event, bad);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`records[0]: recordId ${b} is out of input order`);
    expect(message).toContain(`records[1]: recordId "${b}" appears twice`);
    expect(message).toContain('records[1]: result "Fine" is not Ok, Dropped or ProcessingFailed');
    expect(message).toContain('records[1]: data is not base64');
    expect(message).toContain('records[2]: unknown recordId "ghost"');
    expect(message).toContain('records[2]: data is missing');
    expect(message).toContain(`recordId ${a} is missing from the response`);
    expect(message).toContain(`recordId ${c} is missing from the response`);
    expect(() => assertValidResponse(event, good, 50)).toThrow(/response is \d+ bytes, above 50/);
    expect(() => assertValidResponse(event, { records: good.records.slice(1) })).toThrow(
      'response has 2 records, the event 3',
    );
  });

  it('lambdaContext counts down in real time', async () => {
    const context = lambdaContext({ remainingMs: 1_000, functionName: 'fn' });
    expect(context.functionName).toBe('fn');
    const first = context.getRemainingTimeInMillis();
    expect(first).toBeLessThanOrEqual(1_000);
    await sleep(30);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(first - 25);
    expect(() => context.succeed('x')).toThrow('not supported');
  });
});
