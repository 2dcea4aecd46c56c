import { describe, expect, it } from 'vitest';
import { type DeaggregateInput, deaggregate, encodeAggregate } from '../../src/index.js';

const aggregate = encodeAggregate([
  { partitionKey: 'a', data: Buffer.from('one') },
  { partitionKey: 'b', explicitHashKey: '42', data: Buffer.from('two') },
]);
const text = (data: Uint8Array) => Buffer.from(data).toString('utf8');

describe('deaggregate accepts every record shape', () => {
  it('the AWS SDK GetRecords record', () => {
    const records = deaggregate({
      PartitionKey: 'outer',
      Data: aggregate,
      SequenceNumber: '4959',
      ApproximateArrivalTimestamp: new Date(),
    });
    expect(records.map((r) => [r.partitionKey, r.explicitHashKey, text(r.data), r.subSequenceNumber])).toEqual([
      ['a', undefined, 'one', 0],
      ['b', '42', 'two', 1],
    ]);
    const plain = deaggregate({ PartitionKey: 'pk', Data: Buffer.from('{"x":1}'), SequenceNumber: '1' });
    expect(plain.map((r) => [r.partitionKey, text(r.data), r.subSequenceNumber])).toEqual([['pk', '{"x":1}', 0]]);
  });

  it('a Lambda Kinesis event record and its kinesis payload (base64 data)', () => {
    const base64 = Buffer.from(aggregate).toString('base64');
    const event = { kinesis: { partitionKey: 'outer', data: base64, sequenceNumber: '1' }, eventID: 'x' };
    expect(deaggregate(event).map((r) => text(r.data))).toEqual(['one', 'two']);
    expect(deaggregate(event.kinesis).map((r) => r.partitionKey)).toEqual(['a', 'b']);
    const plain = deaggregate({ kinesis: { partitionKey: 'pk', data: Buffer.from('hi').toString('base64') } });
    expect(plain.map((r) => [r.partitionKey, text(r.data)])).toEqual([['pk', 'hi']]);
  });

  it('raw bytes', () => {
    expect(deaggregate(aggregate).map((r) => text(r.data))).toEqual(['one', 'two']);
    expect(deaggregate(Buffer.from('raw')).map((r) => [r.partitionKey, text(r.data)])).toEqual([['', 'raw']]);
  });

  it('never throws: input without bytes yields no records', () => {
    for (const input of [null, undefined, 42, 'text', {}, { PartitionKey: 'pk' }, { kinesis: null }, { data: 5 }]) {
      expect(() => deaggregate(input as unknown as DeaggregateInput)).not.toThrow();
      expect(deaggregate(input as unknown as DeaggregateInput)).toEqual([]);
    }
  });
});
