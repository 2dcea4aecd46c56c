import type { FirehoseTransformationEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  buildTransformationEvents,
  checkTransformationResponse,
  LAMBDA_PAYLOAD_LIMIT,
  type SourceRecord,
} from '../../src/firehose/event.js';
import { type ConversionColumn, convertRow, openxTimestampMicros, parseJsonObjects } from '../../src/firehose/openx.js';
import {
  evaluateFirehosePrefix,
  FirehosePrefixError,
  formatDateTimePattern,
  MissingPartitionKeyError,
  validateFirehosePrefixes,
} from '../../src/firehose/prefix.js';

const AT = new Date('2016-01-08T20:50:07.123Z');

describe('prefix expressions', () => {
  it('formats Java DateTimeFormatter letters in UTC', () => {
    expect(formatDateTimePattern('yyyy/MM/dd/HH', AT)).toBe('2016/01/08/20');
    expect(formatDateTimePattern("yy-M-d'T'H:mm:ss.SSS", AT)).toBe('16-1-8T20:50:07.123');
    expect(formatDateTimePattern("MMM MMMM EEE EEEE DDD hh a ''", AT)).toBe("Jan January Fri Friday 008 08 PM '");
    expect(formatDateTimePattern("'year='yyyy", AT)).toBe('year=2016');
  });

  it('rejects unsupported letters by name', () => {
    expect(() => formatDateTimePattern('YYYY/MM', AT)).toThrow(/'Y' \(week-based-year\)/);
    expect(() => formatDateTimePattern('ww', AT)).toThrow(/week-of-week-based-year/);
    expect(() => formatDateTimePattern('yyyy Z', AT)).toThrow(/'Z' \(zone-offset\)/);
    expect(() => formatDateTimePattern("'open", AT)).toThrow(FirehosePrefixError);
    expect(() => validateFirehosePrefixes('a/!{timestamp:YYYY}/', 'e/')).toThrow(/week-based-year/);
  });

  it('evaluates every namespace', () => {
    const prefix = 'trips/year=!{partitionKeyFromLambda:year}/!{timestamp:yyyy/MM}/!{firehose:random-string}/';
    expect(
      evaluateFirehosePrefix(prefix, { timestamp: AT, partitionKeys: { year: '2016' }, randomString: () => 'R' }),
    ).toBe('trips/year=2016/2016/01/R/');
    expect(
      evaluateFirehosePrefix(
        'errors/!{firehose:error-output-type}/!{timestamp:yyyy}/',
        { timestamp: AT, errorOutputType: 'format-conversion-failed' },
        'errorOutputPrefix',
      ),
    ).toBe('errors/format-conversion-failed/2016/');
    expect(evaluateFirehosePrefix('x/!{firehose:random-string}', { timestamp: AT })).toMatch(/^x\/[A-Za-z0-9]{11}$/);
    expect(() =>
      evaluateFirehosePrefix('!{partitionKeyFromLambda:day}/', { timestamp: AT, partitionKeys: {} }),
    ).toThrow(MissingPartitionKeyError);
  });

  it('validates prefixes as Firehose does at creation', () => {
    expect(() => validateFirehosePrefixes('a/!{timestamp:yyyy}/', undefined)).toThrow(
      /ErrorOutputPrefix cannot be null or empty when Prefix contains expressions/,
    );
    expect(() => validateFirehosePrefixes('a/!{firehose:error-output-type}/', 'e/')).toThrow(/only in the error/);
    expect(() => validateFirehosePrefixes('a/', 'e/!{partitionKeyFromLambda:k}/')).toThrow(/not allowed in the error/);
    expect(() => validateFirehosePrefixes('a/!{nope:x}/', 'e/')).toThrow(/unknown namespace "nope"/);
    expect(() => validateFirehosePrefixes('a/!{timestamp:yyyy/', 'e/')).toThrow(/unterminated/);
    expect(() => validateFirehosePrefixes('a/!{partitionKeyFromQuery:k}/', 'e/')).toThrow(/not supported/);
    expect(() =>
      validateFirehosePrefixes('a/!{partitionKeyFromLambda:k}/', 'e/!{firehose:error-output-type}/'),
    ).not.toThrow();
    expect(() => validateFirehosePrefixes('plain/', undefined)).not.toThrow();
  });
});

describe('OpenX JSON SerDe rules', () => {
  const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

  it('converts only the documented timestamp forms', () => {
    expect(openxTimestampMicros('2016-01-08T20:50:00Z')).toBe(micros('2016-01-08T20:50:00Z'));
    expect(openxTimestampMicros('2016-01-08T20:50:00.123456Z')).toBe(micros('2016-01-08T20:50:00Z') + 123_456n);
    expect(openxTimestampMicros('2016-1-8 20:50:00')).toBe(micros('2016-01-08T20:50:00Z'));
    expect(openxTimestampMicros('2016-01-08 20:50:00.5')).toBe(micros('2016-01-08T20:50:00.500Z'));
    expect(openxTimestampMicros(1452286200)).toBe(micros('2016-01-08T20:50:00Z'));
    expect(openxTimestampMicros(1452286200123)).toBe(micros('2016-01-08T20:50:00.123Z'));
    expect(openxTimestampMicros('1452286200')).toBe(micros('2016-01-08T20:50:00Z'));
    for (const bad of [
      '2016-01-08T20:50:00',
      '2016-01-08T20:50:00+01:00',
      '2016-01-08',
      '2016-02-30T20:50:00Z',
      '2016-01-08T25:00:00Z',
      '1/8/16 20:50',
      1.5,
      true,
      null,
    ]) {
      expect(openxTimestampMicros(bad), String(bad)).toBeUndefined();
    }
  });

  const columns: ConversionColumn[] = [
    { name: 'tripId', type: 'string', nullable: false },
    { name: 'count', type: 'int', nullable: true },
    { name: 'total', type: 'long', nullable: true },
    { name: 'ok', type: 'boolean', nullable: true },
    { name: 'at', type: 'timestamp', nullable: true },
  ];

  it('matches columns case-insensitively and drops unknown keys', () => {
    expect(convertRow({ TRIPID: 'a', Count: 3, unknown: 1, ok: 'false' }, columns)).toEqual([
      'a',
      3,
      null,
      false,
      null,
    ]);
    expect(convertRow({ tripid: 7, total: '9007199254740993', at: 0 }, columns)).toEqual([
      '7',
      null,
      9007199254740993n,
      null,
      0n,
    ]);
  });

  it('rejects values that do not fit', () => {
    expect(() => convertRow({ count: 1 }, columns)).toThrow(/"tripId" is required/);
    expect(() => convertRow({ tripId: 'a', count: 2 ** 31 }, columns)).toThrow(/not a 32-bit int/);
    expect(() => convertRow({ tripId: 'a', count: 1.5 }, columns)).toThrow(/not a 32-bit int/);
    expect(() => convertRow({ tripId: 'a', ok: 'yes' }, columns)).toThrow(/not a boolean/);
    expect(() => convertRow({ tripId: 'a', at: '2016-01-08T20:50:00' }, columns)).toThrow(/"at" \(timestamp\)/);
  });

  it('reads concatenated and newline-delimited objects, not arrays', () => {
    expect(parseJsonObjects('{"a":1}{"a":"}{"}\n{"a":[3,{"b":4}]}\n')).toEqual([
      { a: 1 },
      { a: '}{' },
      { a: [3, { b: 4 }] },
    ]);
    expect(parseJsonObjects('  ')).toEqual([]);
    expect(() => parseJsonObjects('[{"a":1}]')).toThrow(/array/);
    expect(() => parseJsonObjects('{"a":1')).toThrow(/truncated/);
    expect(() => parseJsonObjects('{"a":}')).toThrow(/malformed/);
  });
});

describe('transformation events', () => {
  const record = (i: number, bytes: number, sub?: number): SourceRecord => ({
    data: Buffer.alloc(bytes, 97),
    arrivalTimestamp: 1452286200000 + i,
    shardId: 'shardId-000000000000',
    partitionKey: `pk${i}`,
    sequenceNumber: `4954698668313554428650745793632162567570019247115678515${i}`,
    subsequenceNumber: sub,
  });
  const envelope = {
    invocationId: () => 'inv',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/d',
    sourceKinesisStreamArn: 'arn:aws:kinesis:us-east-1:000000000000:stream/s',
    region: 'us-east-1',
  };

  it('builds real-shaped events split by the buffer hint and the 6 MB request limit', () => {
    const small = buildTransformationEvents([record(0, 10), record(1, 10, 3)], envelope, { bufferSizeBytes: 1 << 20 });
    expect(small).toHaveLength(1);
    const event = small[0]?.event as FirehoseTransformationEvent;
    expect(event.sourceKinesisStreamArn).toBe(envelope.sourceKinesisStreamArn);
    expect(event.records[0]).toMatchObject({
      data: Buffer.alloc(10, 97).toString('base64'),
      approximateArrivalTimestamp: 1452286200000,
      kinesisRecordMetadata: { shardId: 'shardId-000000000000', partitionKey: 'pk0', subsequenceNumber: '' },
    });
    expect(event.records[1]?.kinesisRecordMetadata?.subsequenceNumber).toBe('3');
    expect(event.records[0]?.recordId).not.toBe(event.records[1]?.recordId);

    const big = Array.from({ length: 10 }, (_, i) => record(i, 900_000));
    const byHint = buildTransformationEvents(big, envelope, { bufferSizeBytes: 3 * 1024 * 1024 });
    expect(byHint.map((p) => p.sourceIndexes.length)).toEqual([4, 4, 2]);
    const byLimit = buildTransformationEvents(big, envelope, { bufferSizeBytes: 100 * 1024 * 1024 });
    for (const p of byLimit)
      expect(Buffer.byteLength(JSON.stringify(p.event))).toBeLessThanOrEqual(LAMBDA_PAYLOAD_LIMIT);
    expect(byLimit.flatMap((p) => p.sourceIndexes)).toEqual(big.map((_, i) => i));
  });

  it('checks the response: every record id once', () => {
    const [planned] = buildTransformationEvents([record(0, 1), record(1, 1), record(2, 1), record(3, 1)], envelope, {
      bufferSizeBytes: 1 << 20,
    });
    const event = planned?.event as FirehoseTransformationEvent;
    const [a, b, c] = event.records.map((r) => r.recordId);
    const checked = checkTransformationResponse(event, {
      records: [
        { recordId: a, result: 'Ok', data: 'eyJ4IjoxfQ==', metadata: { partitionKeys: { k: 'v' } } },
        { recordId: b, result: 'Dropped' },
        { recordId: b, result: 'Dropped' },
        { recordId: 'unknown', result: 'Ok', data: '' },
        { recordId: c, result: 'Nope' },
      ],
    });
    expect(checked[0]).toMatchObject({ result: 'Ok', partitionKeys: { k: 'v' } });
    expect(Buffer.from((checked[0] as { data: Uint8Array }).data).toString()).toBe('{"x":1}');
    expect(checked[1]).toMatchObject({ result: 'ProcessingFailed', errorCode: 'Lambda.DuplicatedRecordId' });
    expect(checked[2]).toMatchObject({ result: 'ProcessingFailed', errorCode: 'Lambda.InvalidResult' });
    expect(checked[3]).toMatchObject({ result: 'ProcessingFailed', errorCode: 'Lambda.MissingRecordId' });
    expect(() => checkTransformationResponse(event, { nope: [] })).toThrow(/records/);
  });
});
