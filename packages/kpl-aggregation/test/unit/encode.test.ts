import { createHash } from 'node:crypto';
import {
  AGGREGATED_RECORD_MAGIC,
  AGGREGATION_OVERHEAD_BYTES,
  AggregateBuilder,
  decodeAggregate,
  encodeAggregate,
  InvalidHashKeyError,
  type UserRecord,
} from '@pipeline/kpl-aggregation';
import { describe, expect, it } from 'vitest';
import { patternBytes } from '../helpers/golden-sets.js';
import { mulberry32, randomRecords } from '../helpers/random.js';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('constants', () => {
  it('magic is F3 89 9A C2 and the overhead is 20 bytes', () => {
    expect([...AGGREGATED_RECORD_MAGIC]).toEqual([0xf3, 0x89, 0x9a, 0xc2]);
    expect(AGGREGATION_OVERHEAD_BYTES).toBe(20);
  });
});

describe('encodeAggregate layout (hand-derived bytes)', () => {
  it('writes pk table, then EHK table, then records; omits field 2 for records without an EHK', () => {
    const records: UserRecord[] = [
      { partitionKey: 'a', data: text('xyz') },
      { partitionKey: 'b', explicitHashKey: '9', data: new Uint8Array(0) },
      { partitionKey: 'a', explicitHashKey: '9', data: text('Q') },
    ];
    // biome-ignore format: one protobuf field per line
    const protobuf = Buffer.from([
      0x0a, 0x01, 0x61, // partition_key_table "a"
      0x0a, 0x01, 0x62, // partition_key_table "b"
      0x12, 0x01, 0x39, // explicit_hash_key_table "9"
      0x1a, 0x07, 0x08, 0x00, 0x1a, 0x03, 0x78, 0x79, 0x7a, // record { pk 0, data "xyz" }
      0x1a, 0x06, 0x08, 0x01, 0x10, 0x00, 0x1a, 0x00, // record { pk 1, ehk 0, data "" }
      0x1a, 0x07, 0x08, 0x00, 0x10, 0x00, 0x1a, 0x01, 0x51, // record { pk 0, ehk 0, data "Q" }
    ]);
    const expected = Buffer.concat([
      Buffer.from([0xf3, 0x89, 0x9a, 0xc2]),
      protobuf,
      createHash('md5').update(protobuf).digest(),
    ]);
    const ours = encodeAggregate(records);
    expect(Buffer.from(ours).toString('hex')).toBe(expected.toString('hex'));
    expect(ours.length).toBe(55);
  });

  it('returns a Buffer that owns its ArrayBuffer exactly', () => {
    const out = encodeAggregate([{ partitionKey: 'k', data: text('v') }]);
    expect(Buffer.isBuffer(out)).toBe(true);
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(out.length);
  });
});

describe('AggregateBuilder', () => {
  it('starts empty at 20 bytes and refuses to build', () => {
    const b = new AggregateBuilder();
    expect(b.count).toBe(0);
    expect(b.sizeBytes).toBe(AGGREGATION_OVERHEAD_BYTES);
    expect(() => b.build()).toThrow(RangeError);
    expect(() => encodeAggregate([])).toThrow(/no records/);
  });

  it('sizeWith predicts exactly and does not modify the builder', () => {
    const b = new AggregateBuilder();
    const r: UserRecord = { partitionKey: 'key', data: text('data') };
    const predicted = b.sizeWith(r);
    expect(b.sizeWith(r)).toBe(predicted);
    expect(b.count).toBe(0);
    expect(b.sizeBytes).toBe(20);
    b.add(r);
    expect(b.sizeBytes).toBe(predicted);
    expect(b.count).toBe(1);
    // A repeated key costs only the record.
    expect(b.sizeWith(r)).toBe(predicted + (predicted - 20 - (1 + 1 + 3)));
  });

  it('stays exact when the record passed to add() differs from the one probed', () => {
    const b = new AggregateBuilder();
    b.add({ partitionKey: 'one', data: text('1') });
    const probe: UserRecord = { partitionKey: 'two', data: text('2') };
    b.sizeWith(probe);
    // Mutating the probed record between sizeWith() and add() must not reuse stale lookups.
    probe.partitionKey = 'one';
    probe.explicitHashKey = '12345';
    const predicted = b.sizeWith(probe);
    b.add(probe);
    expect(b.sizeBytes).toBe(predicted);
    const other: UserRecord = { partitionKey: 'three', data: text('333') };
    b.sizeWith({ partitionKey: 'four', data: text('4') });
    const predictedOther = b.sizeWith(other);
    b.add(other);
    expect(b.sizeBytes).toBe(predictedOther);
    const out = b.build();
    expect(out.length).toBe(b.sizeBytes);
    expect(decodeAggregate(out).map((r) => [r.partitionKey, r.explicitHashKey])).toEqual([
      ['one', undefined],
      ['one', '12345'],
      ['three', undefined],
    ]);
  });

  it('dedupes partition keys and explicit hash keys in first-seen order', () => {
    const b = new AggregateBuilder();
    for (const [pk, ehk] of [
      ['b', '20'],
      ['a', undefined],
      ['b', '10'],
      ['c', '20'],
      ['a', '10'],
    ] as const) {
      b.add({ partitionKey: pk, explicitHashKey: ehk, data: text(pk) });
    }
    const out = Buffer.from(b.build());
    // Tables: "b", "a", "c" then "20", "10".
    expect(out.subarray(4, 4 + 9 + 8).toString('hex')).toBe('0a01620a01610a0163' + '12023230' + '12023130');
  });

  it('build() does not reset and is repeatable; reset() empties the builder', () => {
    const b = new AggregateBuilder();
    const records: UserRecord[] = [
      { partitionKey: 'x', data: text('1') },
      { partitionKey: 'y', explicitHashKey: '7', data: text('2') },
    ];
    for (const r of records) b.add(r);
    const first = b.build();
    expect(Buffer.from(b.build()).equals(Buffer.from(first))).toBe(true);
    expect(b.count).toBe(2);
    b.reset();
    expect(b.count).toBe(0);
    expect(b.sizeBytes).toBe(20);
    expect(() => b.build()).toThrow(RangeError);
    for (const r of records) b.add(r);
    expect(Buffer.from(b.build()).equals(Buffer.from(first))).toBe(true);
    b.reset();
    b.add({ partitionKey: 'z', data: text('3') });
    expect(decodeAggregate(b.build()).map((r) => r.partitionKey)).toEqual(['z']);
  });

  it('rejects an invalid explicit hash key and leaves the builder unchanged', () => {
    const b = new AggregateBuilder();
    b.add({ partitionKey: 'ok', data: text('1') });
    const before = b.sizeBytes;
    for (const bad of ['01', '-1', '1e3', '340282366920938463463374607431768211456', '']) {
      expect(() => b.add({ partitionKey: 'p', explicitHashKey: bad, data: text('2') })).toThrow(InvalidHashKeyError);
    }
    expect(b.count).toBe(1);
    expect(b.sizeBytes).toBe(before);
    expect(decodeAggregate(b.build())).toHaveLength(1);
  });

  it('rejects non-string partition keys and non-Uint8Array data', () => {
    const b = new AggregateBuilder();
    expect(() => b.add({ partitionKey: 1 as unknown as string, data: text('x') })).toThrow(TypeError);
    expect(() => b.add({ partitionKey: 'k', data: 'text' as unknown as Uint8Array })).toThrow(TypeError);
    expect(b.count).toBe(0);
  });

  it('treats a null explicit hash key from untyped callers as absent', () => {
    const out = encodeAggregate([
      { partitionKey: 'k', explicitHashKey: null as unknown as undefined, data: text('x') },
    ]);
    expect(decodeAggregate(out)[0]!.explicitHashKey).toBeUndefined();
  });

  it('handles keys that break object-based tables (__proto__, hasOwnProperty, integer-like)', () => {
    const keys = ['__proto__', 'hasOwnProperty', 'constructor', '5', '2', '0', 'toString'];
    const records = keys.map((k, i) => ({ partitionKey: k, explicitHashKey: String(100 - i), data: text(k) }));
    const decoded = decodeAggregate(encodeAggregate(records));
    expect(decoded.map((r) => [r.partitionKey, r.explicitHashKey])).toEqual(
      records.map((r) => [r.partitionKey, r.explicitHashKey]),
    );
  });

  it('accepts Uint8Array views with a byte offset', () => {
    const backing = new Uint8Array(64).map((_, i) => i);
    const view = backing.subarray(10, 20);
    const decoded = decodeAggregate(encodeAggregate([{ partitionKey: 'k', data: view }]));
    expect([...decoded[0]!.data]).toEqual([...view]);
  });

  it('is exact across varint boundaries (indexes >= 128, lengths 127/128/16383/16384, 2-byte key lengths)', () => {
    const b = new AggregateBuilder();
    const records: UserRecord[] = [];
    for (let i = 0; i < 300; i++) records.push({ partitionKey: `k${i}`, data: patternBytes(i % 3) });
    for (const n of [127, 128, 16383, 16384, 2_097_151, 2_097_152])
      records.push({ partitionKey: 'k1', data: patternBytes(n) });
    records.push({ partitionKey: 'x'.repeat(127), data: text('a') });
    records.push({ partitionKey: 'y'.repeat(128), data: text('b') });
    records.push({ partitionKey: 'é'.repeat(64), data: text('c') }); // 128 UTF-8 bytes, 64 UTF-16 units
    for (const r of records) {
      const predicted = b.sizeWith(r);
      b.add(r);
      expect(b.sizeBytes).toBe(predicted);
    }
    const out = b.build();
    expect(out.length).toBe(b.sizeBytes);
    const decoded = decodeAggregate(out);
    expect(decoded).toHaveLength(records.length);
    decoded.forEach((d, i) => {
      expect(d.partitionKey).toBe(records[i]!.partitionKey);
      expect(d.data.length).toBe(records[i]!.data.length);
    });
  });

  it('detects data detached after add()', () => {
    const data = new Uint8Array(100).fill(1);
    const b = new AggregateBuilder();
    b.add({ partitionKey: 'k', data });
    structuredClone(data.buffer, { transfer: [data.buffer] });
    expect(data.byteLength).toBe(0);
    expect(() => b.build()).toThrow(/resized or detached/);
  });

  it('sizeWith and sizeBytes equal build().length for random record sets', () => {
    const rng = mulberry32(0xc0ffee);
    for (let iteration = 0; iteration < 150; iteration++) {
      const records = randomRecords(rng);
      const b = new AggregateBuilder();
      for (const r of records) {
        const predicted = b.sizeWith(r);
        b.add(r);
        expect(b.sizeBytes).toBe(predicted);
      }
      expect(b.count).toBe(records.length);
      expect(b.build().length).toBe(b.sizeBytes);
    }
  });
});

describe('varintSize (internal)', () => {
  it('matches the protobuf varint length for every boundary', async () => {
    const { varintSize } = await import('../../src/encode.js');
    const { varint } = await import('../helpers/protobuf.js');
    for (let bits = 0; bits <= 52; bits++) {
      for (const value of [2 ** bits - 1, 2 ** bits, 2 ** bits + 1]) {
        if (value < 0 || value > Number.MAX_SAFE_INTEGER) continue;
        expect(varintSize(value)).toBe(varint(value).length);
      }
    }
  });
});
