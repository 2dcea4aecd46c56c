import {
  AggregateDecodeError,
  type AggregateDecodeErrorCode,
  deaggregate,
  decodeAggregate,
  encodeAggregate,
  isAggregated,
} from '@pipeline/kpl-aggregation';
import { describe, expect, it } from 'vitest';
import { bytesField, recordBody, tag, varint, varintField, wrap } from '../helpers/protobuf.js';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

function decodeError(data: Uint8Array): AggregateDecodeError {
  try {
    decodeAggregate(data);
  } catch (error) {
    expect(error).toBeInstanceOf(AggregateDecodeError);
    return error as AggregateDecodeError;
  }
  throw new Error('decodeAggregate did not throw');
}

function expectRejected(data: Uint8Array, code: AggregateDecodeErrorCode, message?: RegExp): void {
  const error = decodeError(data);
  expect(error.code).toBe(code);
  expect(error.name).toBe('AggregateDecodeError');
  if (message) expect(error.message).toMatch(message);
}

function summary(data: Uint8Array): [string, string | undefined, string][] {
  return decodeAggregate(data).map((r) => [r.partitionKey, r.explicitHashKey, Buffer.from(r.data).toString()]);
}

const valid = encodeAggregate([
  { partitionKey: 'p1', data: text('one') },
  { partitionKey: 'p2', explicitHashKey: '123', data: text('two') },
]);

describe('isAggregated (KCL outer checks)', () => {
  it('accepts a valid aggregate', () => {
    expect(isAggregated(valid)).toBe(true);
  });

  it('rejects data without the magic, too short, or with a bad MD5', () => {
    expect(isAggregated(text('{"plain":"json"}'))).toBe(false);
    expect(isAggregated(new Uint8Array(0))).toBe(false);
    expect(isAggregated(Uint8Array.of(0xf3, 0x89, 0x9a))).toBe(false);
    expect(isAggregated(wrap([]))).toBe(false); // exactly 20 bytes: magic + MD5 of nothing
    const corrupt = Buffer.from(valid);
    corrupt[corrupt.length - 1]! ^= 1;
    expect(isAggregated(corrupt)).toBe(false);
    const flipped = Buffer.from(valid);
    flipped[10]! ^= 0x40;
    expect(isAggregated(flipped)).toBe(false);
  });

  it('does not parse the protobuf (a garbage body with a correct MD5 passes)', () => {
    expect(isAggregated(wrap([0xff, 0xff]))).toBe(true);
  });
});

describe('decodeAggregate', () => {
  it('returns views into the input, no copies', () => {
    const decoded = decodeAggregate(valid);
    expect(decoded[0]!.data.buffer).toBe(valid.buffer);
    expect(decoded[1]!.data.byteOffset).toBeGreaterThan(decoded[0]!.data.byteOffset);
  });

  it('works on plain Uint8Arrays and offset views', () => {
    const backing = new Uint8Array(valid.length + 13);
    backing.set(valid, 7);
    const view = backing.subarray(7, 7 + valid.length);
    expect(Buffer.isBuffer(view)).toBe(false);
    expect(summary(view)).toEqual([
      ['p1', undefined, 'one'],
      ['p2', '123', 'two'],
    ]);
    expect(decodeAggregate(view)[0]!.data.buffer).toBe(backing.buffer);
  });

  it('reports each outer failure with a code and a clear message', () => {
    expectRejected(text('{"plain":"json"}'), 'bad-magic', /expected magic \[f3 89 9a c2\]/);
    expectRejected(Uint8Array.of(1, 2), 'too-short');
    expectRejected(wrap([]), 'too-short', /20 bytes/);
    const corrupt = Buffer.from(valid);
    corrupt[corrupt.length - 3]! ^= 0xff;
    expectRejected(corrupt, 'checksum-mismatch', /MD5/);
    expectRejected(valid.subarray(0, valid.length - 1), 'checksum-mismatch');
  });

  it('accepts any field order (records before the tables)', () => {
    const pb = [
      ...bytesField(3, recordBody(1, 'second-key', 0)),
      ...bytesField(3, recordBody(0, 'first-key')),
      ...bytesField(1, 'pk-a'),
      ...bytesField(2, '99'),
      ...bytesField(1, 'pk-b'),
    ];
    expect(summary(wrap(pb))).toEqual([
      ['pk-b', '99', 'second-key'],
      ['pk-a', undefined, 'first-key'],
    ]);
  });

  it('skips unknown fields of every wire type, at the top level and inside records', () => {
    const unknowns = [
      ...varintField(9, 300),
      ...tag(10, 1),
      ...[1, 2, 3, 4, 5, 6, 7, 8],
      ...bytesField(11, 'ignored'),
      ...tag(12, 5),
      ...[1, 2, 3, 4],
      ...tag(13, 3), // group with nested content
      ...varintField(1, 5),
      ...tag(14, 3),
      ...tag(14, 4),
      ...tag(13, 4),
    ];
    const pb = [
      ...unknowns,
      ...bytesField(1, 'pk'),
      ...unknowns,
      ...bytesField(3, [...unknowns, ...recordBody(0, 'data'), ...unknowns]),
    ];
    expect(summary(wrap(pb))).toEqual([['pk', undefined, 'data']]);
  });

  it('treats known field numbers with an unexpected wire type as unknown (protobuf-java behaviour)', () => {
    const pb = [
      ...varintField(1, 7), // partition_key_table as a varint: skipped
      ...bytesField(1, 'pk'),
      ...bytesField(3, [...bytesField(1, 'x'), ...recordBody(0, 'data'), ...varintField(3, 1)]),
    ];
    expect(summary(wrap(pb))).toEqual([['pk', undefined, 'data']]);
  });

  it('ignores tags and requires Tag.key', () => {
    const withTags = [
      ...bytesField(1, 'pk'),
      ...bytesField(3, [
        ...recordBody(0, 'data'),
        ...bytesField(4, [...bytesField(1, 'k'), ...bytesField(2, 'v')]),
        ...bytesField(4, bytesField(1, 'only-key')),
      ]),
    ];
    expect(summary(wrap(withTags))).toEqual([['pk', undefined, 'data']]);
    const tagWithoutKey = [
      ...bytesField(1, 'pk'),
      ...bytesField(3, [...recordBody(0, 'data'), ...bytesField(4, bytesField(2, 'v'))]),
    ];
    expectRejected(wrap(tagWithoutKey), 'missing-required-field', /Tag/);
  });

  it('accepts properly nested groups up to the depth limit', () => {
    const nested = [...new Array(50).fill(tag(9, 3)).flat(), ...new Array(50).fill(tag(9, 4)).flat()];
    expect(summary(wrap([...nested, ...bytesField(1, 'pk'), ...bytesField(3, recordBody(0, 'd'))]))).toEqual([
      ['pk', undefined, 'd'],
    ]);
  });

  it('keeps the last value of a repeated singular field', () => {
    const pb = [
      ...bytesField(1, 'a'),
      ...bytesField(1, 'b'),
      ...bytesField(3, [...varintField(1, 0), ...bytesField(3, 'old'), ...varintField(1, 1), ...bytesField(3, 'new')]),
    ];
    expect(summary(wrap(pb))).toEqual([['b', undefined, 'new']]);
  });

  it('decodes an aggregate without records to []', () => {
    expect(decodeAggregate(wrap(bytesField(1, 'lonely')))).toEqual([]);
    expect(deaggregate({ partitionKey: 'o', data: wrap(bytesField(1, 'lonely')) })).toEqual([]);
  });

  it('rejects missing required fields', () => {
    expectRejected(
      wrap([...bytesField(1, 'pk'), ...bytesField(3, bytesField(3, 'no-index'))]),
      'missing-required-field',
      /record 0 has no partition_key_index/,
    );
    expectRejected(
      wrap([...bytesField(1, 'pk'), ...bytesField(3, varintField(1, 0))]),
      'missing-required-field',
      /record 0 has no data/,
    );
  });

  it('rejects table indexes out of range', () => {
    expectRejected(
      wrap([...bytesField(1, 'pk'), ...bytesField(3, recordBody(1, 'x'))]),
      'index-out-of-range',
      /partition_key_index 1 but the partition key table has 1 entries/,
    );
    expectRejected(
      wrap([...bytesField(1, 'pk'), ...bytesField(3, recordBody(0, 'x', 0))]),
      'index-out-of-range',
      /explicit_hash_key_index 0/,
    );
    expectRejected(
      wrap([...bytesField(1, 'pk'), ...bytesField(3, [...varintField(1, 2n ** 64n - 1n), ...bytesField(3, 'x')])]),
      'index-out-of-range',
    );
  });

  const malformed: [string, number[]][] = [
    ['a truncated varint tag', [0x80]],
    ['a truncated length', [...tag(1, 2), 0x85]],
    ['a length past the end', [...tag(1, 2), 10, 0x61, 0x62]],
    ['a truncated fixed64', [...tag(9, 1), 1, 2, 3]],
    ['a truncated fixed32', [...tag(9, 5), 1, 2]],
    ['a varint longer than 10 bytes', [...tag(9, 0), ...new Array(10).fill(0xff), 0x01]],
    ['wire type 6', [...tag(9, 6), 0]],
    ['wire type 7', [...tag(9, 7), 0]],
    ['field number 0', [0x02, 0x00]],
    ['a stray end-group', [...tag(9, 4)]],
    ['a mismatched end-group', [...tag(9, 3), ...tag(8, 4)]],
    ['an unterminated group', [...tag(9, 3), ...varintField(1, 1)]],
    [
      'a record whose inner length runs past the record',
      [...bytesField(1, 'pk'), ...bytesField(3, [...tag(3, 2), 50, 1])],
    ],
    ['a truncated varint inside a record', [...bytesField(1, 'pk'), ...bytesField(3, [...tag(1, 0), 0x80])]],
    ['a tag varint wider than 32 bits', [...varint(2n ** 35n + 2n), 0]],
    [
      'groups nested deeper than 100',
      [...new Array(150).fill(tag(9, 3)).flat(), ...new Array(150).fill(tag(9, 4)).flat()],
    ],
  ];
  for (const [name, pb] of malformed) {
    it(`rejects a protobuf with ${name}`, () => {
      expectRejected(wrap(pb), 'malformed-protobuf', /Malformed KPL aggregate protobuf/);
      // The KCL passes such records through raw.
      const raw = wrap(pb);
      expect(deaggregate({ partitionKey: 'outer', data: raw })).toEqual([
        { partitionKey: 'outer', explicitHashKey: undefined, data: raw, subSequenceNumber: 0 },
      ]);
    });
  }

  it('rejects a truncated protobuf (valid aggregate cut short, MD5 recomputed)', () => {
    const pb = valid.subarray(4, valid.length - 16);
    for (let cut = 1; cut < pb.length; cut++) {
      const truncated = wrap(pb.subarray(0, cut));
      let result: unknown;
      try {
        result = decodeAggregate(truncated);
      } catch (error) {
        expect(error).toBeInstanceOf(AggregateDecodeError);
        continue;
      }
      // Cutting exactly between two fields leaves a valid, shorter message.
      expect(Array.isArray(result)).toBe(true);
    }
    expectRejected(wrap(pb.subarray(0, pb.length - 1)), 'malformed-protobuf');
  });
});

describe('deaggregate (KCL pass-through rules)', () => {
  it('returns sub-records with subSequenceNumber = index', () => {
    expect(deaggregate({ partitionKey: 'a', explicitHashKey: '1', data: valid })).toEqual([
      { partitionKey: 'p1', explicitHashKey: undefined, data: text('one'), subSequenceNumber: 0 },
      { partitionKey: 'p2', explicitHashKey: '123', data: text('two'), subSequenceNumber: 1 },
    ]);
  });

  it('passes a non-aggregated record through unchanged', () => {
    const data = text('{"plain":true}');
    expect(deaggregate({ partitionKey: 'pk', explicitHashKey: '42', data })).toEqual([
      { partitionKey: 'pk', explicitHashKey: '42', data, subSequenceNumber: 0 },
    ]);
    expect(deaggregate({ partitionKey: 'pk', data })[0]!.data).toBe(data);
    expect(deaggregate({ partitionKey: 'pk', data: new Uint8Array(0) })).toHaveLength(1);
  });

  it('passes a record with a corrupt MD5 through raw', () => {
    const corrupt = Buffer.from(valid);
    corrupt[corrupt.length - 1]! ^= 1;
    const out = deaggregate({ partitionKey: 'outer', data: corrupt });
    expect(out).toHaveLength(1);
    expect(out[0]!.data).toBe(corrupt);
    expect(out[0]!.partitionKey).toBe('outer');
    expect(out[0]!.subSequenceNumber).toBe(0);
  });

  it('passes through an aggregate with out-of-range indexes (documented divergence from the KCL)', () => {
    const bad = wrap([...bytesField(1, 'pk'), ...bytesField(3, recordBody(3, 'x'))]);
    expect(deaggregate({ partitionKey: 'outer', data: bad })).toEqual([
      { partitionKey: 'outer', explicitHashKey: undefined, data: bad, subSequenceNumber: 0 },
    ]);
  });

  it('passes through a too-short record that starts with the magic', () => {
    const data = wrap([]);
    expect(deaggregate({ partitionKey: 'o', data })[0]!.data).toBe(data);
  });
});
