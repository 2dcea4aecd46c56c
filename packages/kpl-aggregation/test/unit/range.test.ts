import {
  effectiveHashKey,
  encodeAggregate,
  MAX_HASH_KEY,
  partitionKeyHash,
  subRecordsOutsideRange,
  type UserRecord,
} from '@pipeline/kpl-aggregation';
import { describe, expect, it } from 'vitest';
import { bytesField, recordBody, wrap } from '../helpers/protobuf.js';
import { mulberry32, randomRecords } from '../helpers/random.js';

const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('subRecordsOutsideRange', () => {
  const withEhks = encodeAggregate([
    { partitionKey: 'a', explicitHashKey: '10', data: text('1') },
    { partitionKey: 'b', explicitHashKey: '20', data: text('2') },
    { partitionKey: 'c', explicitHashKey: '30', data: text('3') },
    { partitionKey: 'd', explicitHashKey: '20', data: text('4') },
  ]);

  it('counts explicit hash keys outside the inclusive range', () => {
    expect(subRecordsOutsideRange(withEhks, 10n, 30n)).toBe(0);
    expect(subRecordsOutsideRange(withEhks, 0n, MAX_HASH_KEY)).toBe(0);
    expect(subRecordsOutsideRange(withEhks, 11n, 30n)).toBe(1);
    expect(subRecordsOutsideRange(withEhks, 10n, 29n)).toBe(1);
    expect(subRecordsOutsideRange(withEhks, 20n, 20n)).toBe(2);
    expect(subRecordsOutsideRange(withEhks, 0n, 9n)).toBe(4);
    expect(subRecordsOutsideRange(withEhks, 31n, MAX_HASH_KEY)).toBe(4);
  });

  it('uses MD5 of the partition key when there is no explicit hash key', () => {
    const keys = ['alpha', 'beta', 'gamma', 'alpha'];
    const data = encodeAggregate(keys.map((k) => ({ partitionKey: k, data: text(k) })));
    const hashes = keys.map(partitionKeyHash);
    let min = hashes[0]!;
    let max = min;
    for (const h of hashes) {
      if (h < min) min = h;
      if (h > max) max = h;
    }
    expect(subRecordsOutsideRange(data, min, max)).toBe(0);
    expect(subRecordsOutsideRange(data, min + 1n, max)).toBe(hashes.filter((h) => h === min).length);
    const alpha = partitionKeyHash('alpha');
    expect(subRecordsOutsideRange(data, alpha, alpha)).toBe(2);
  });

  it('returns 0 for data that is not a valid aggregate (the KCL passes it through)', () => {
    expect(subRecordsOutsideRange(text('plain'), 0n, 0n)).toBe(0);
    const corrupt = Buffer.from(withEhks);
    corrupt[corrupt.length - 1]! ^= 1;
    expect(subRecordsOutsideRange(corrupt, 0n, 0n)).toBe(0);
    expect(subRecordsOutsideRange(wrap([0xff]), 0n, 0n)).toBe(0);
  });

  it('parses explicit hash keys like Java BigInteger and counts unparseable ones as outside', () => {
    const data = wrap([
      ...bytesField(1, 'pk'),
      ...bytesField(2, '007'),
      ...bytesField(2, 'not-a-number'),
      ...bytesField(3, recordBody(0, 'x', 0)),
      ...bytesField(3, recordBody(0, 'y', 1)),
    ]);
    expect(subRecordsOutsideRange(data, 7n, 7n)).toBe(1);
    expect(subRecordsOutsideRange(data, 0n, MAX_HASH_KEY)).toBe(1);
    expect(subRecordsOutsideRange(data, 8n, MAX_HASH_KEY)).toBe(2);
  });

  it('agrees with a per-record effectiveHashKey computation on random aggregates', () => {
    const rng = mulberry32(42);
    for (let i = 0; i < 60; i++) {
      const records: UserRecord[] = randomRecords(rng, { maxRecords: 40, maxDataBytes: 20 });
      const data = encodeAggregate(records);
      const keys = records.map((r) => effectiveHashKey(r.partitionKey, r.explicitHashKey));
      const start = BigInt(Math.floor(rng() * 2 ** 32)) << 96n;
      const end = start + (BigInt(Math.floor(rng() * 2 ** 32)) << 96n);
      const expected = keys.filter((k) => k < start || k > end).length;
      expect(subRecordsOutsideRange(data, start, end)).toBe(expected);
    }
  });
});
