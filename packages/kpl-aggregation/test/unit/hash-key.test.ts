import {
  effectiveHashKey,
  hashKeyToDecimal,
  InvalidHashKeyError,
  isValidExplicitHashKey,
  MAX_HASH_KEY,
  parseExplicitHashKey,
  partitionKeyHash,
} from '@pipeline/kpl-aggregation';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../helpers/random.js';

const MAX_DECIMAL = '340282366920938463463374607431768211455';
const TWO_128 = '340282366920938463463374607431768211456';

describe('MAX_HASH_KEY', () => {
  it('is 2^128 - 1', () => {
    expect(MAX_HASH_KEY).toBe(2n ** 128n - 1n);
    expect(MAX_HASH_KEY.toString()).toBe(MAX_DECIMAL);
  });
});

describe('partitionKeyHash', () => {
  // Values from Python hashlib.md5(key.encode('utf-8')).
  const known: [string, string][] = [
    ['', 'd41d8cd98f00b204e9800998ecf8427e'],
    ['a', '0cc175b9c0f1b6a831c399e269772661'],
    ['The quick brown fox jumps over the lazy dog', '9e107d9d372bb6826bd81d3542a419d6'],
    ['partition-1', '94f940e6c2a31703d6be067b87d67968'],
    ['ключ', 'c3657b66c60a307292aae11f07b04ae7'],
    ['🚀', '107040754cae44f639957714f9eb5711'],
  ];
  for (const [key, md5hex] of known) {
    it(`MD5(${JSON.stringify(key)}) as a big-endian unsigned integer`, () => {
      expect(partitionKeyHash(key)).toBe(BigInt(`0x${md5hex}`));
    });
  }

  it('matches decimal values computed independently', () => {
    expect(partitionKeyHash('a')).toBe(16955237001963240173058271559858726497n);
    expect(partitionKeyHash('')).toBe(281949768489412648962353822266799178366n);
  });

  it('is always within [0, 2^128-1]', () => {
    for (let i = 0; i < 200; i++) {
      const h = partitionKeyHash(`key-${i}`);
      expect(h >= 0n && h <= MAX_HASH_KEY).toBe(true);
    }
  });
});

describe('parseExplicitHashKey', () => {
  it('parses the boundaries', () => {
    expect(parseExplicitHashKey('0')).toBe(0n);
    expect(parseExplicitHashKey('1')).toBe(1n);
    expect(parseExplicitHashKey(MAX_DECIMAL)).toBe(MAX_HASH_KEY);
    expect(parseExplicitHashKey('340282366920938463463374607431768211454')).toBe(MAX_HASH_KEY - 1n);
    expect(parseExplicitHashKey('99999999999999999999999999999999999999')).toBe(10n ** 38n - 1n); // 38 digits
    expect(parseExplicitHashKey('100000000000000000000000000000000000000')).toBe(10n ** 38n); // 39 digits
  });

  const invalid: [string, string][] = [
    ['01', 'leading zero'],
    ['00', 'leading zero'],
    ['-1', 'sign'],
    ['+1', 'sign'],
    ['1e3', 'exponent'],
    ['1.0', 'decimal point'],
    ['0x10', 'hex'],
    ['', 'empty'],
    [' 1', 'whitespace'],
    ['1 ', 'whitespace'],
    ['١٢٣', 'non-ASCII digits'],
    [TWO_128, '2^128'],
    ['999999999999999999999999999999999999999', '39 nines > 2^128-1'],
    [`1${'0'.repeat(39)}`, '40 digits'],
  ];
  for (const [value, why] of invalid) {
    it(`rejects ${JSON.stringify(value)} (${why}) with InvalidHashKeyError`, () => {
      let caught: unknown;
      try {
        parseExplicitHashKey(value);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InvalidHashKeyError);
      expect(caught).toBeInstanceOf(RangeError);
      const error = caught as InvalidHashKeyError;
      expect(error.name).toBe('InvalidHashKeyError');
      expect(error.value).toBe(value);
      expect(error.message).toContain(JSON.stringify(value));
      expect(error.message).toContain('/^(0|[1-9]\\d{0,38})$/');
      expect(error.message).toContain('2^128-1');
      expect(isValidExplicitHashKey(value)).toBe(false);
    });
  }

  it('says when the value is too large', () => {
    expect(() => parseExplicitHashKey(TWO_128)).toThrow(/exceeds 2\^128-1/);
  });

  it('rejects non-strings from untyped callers', () => {
    expect(() => parseExplicitHashKey(42 as unknown as string)).toThrow(InvalidHashKeyError);
    expect(isValidExplicitHashKey(42)).toBe(false);
    expect(isValidExplicitHashKey(undefined)).toBe(false);
  });

  it('agrees with isValidExplicitHashKey on random 39-digit strings', () => {
    const rng = mulberry32(7);
    for (let i = 0; i < 500; i++) {
      let s = String(1 + Math.floor(rng() * 4)); // leading 1-4: about half the values exceed 2^128-1
      for (let j = 1; j < 39; j++) s += String(Math.floor(rng() * 10));
      const valid = BigInt(s) <= MAX_HASH_KEY;
      expect(isValidExplicitHashKey(s)).toBe(valid);
      if (valid) expect(parseExplicitHashKey(s)).toBe(BigInt(s));
      else expect(() => parseExplicitHashKey(s)).toThrow(InvalidHashKeyError);
    }
  });
});

describe('effectiveHashKey', () => {
  it('uses the explicit hash key when given', () => {
    expect(effectiveHashKey('a', '42')).toBe(42n);
    expect(effectiveHashKey('a', '0')).toBe(0n);
  });

  it('falls back to MD5 of the partition key', () => {
    expect(effectiveHashKey('a')).toBe(partitionKeyHash('a'));
    expect(effectiveHashKey('a', undefined)).toBe(partitionKeyHash('a'));
  });

  it('throws InvalidHashKeyError for an invalid explicit hash key', () => {
    expect(() => effectiveHashKey('a', '01')).toThrow(InvalidHashKeyError);
  });
});

describe('hashKeyToDecimal', () => {
  it('formats boundaries', () => {
    expect(hashKeyToDecimal(0n)).toBe('0');
    expect(hashKeyToDecimal(MAX_HASH_KEY)).toBe(MAX_DECIMAL);
    expect(hashKeyToDecimal(2n ** 127n)).toBe('170141183460469231731687303715884105728');
  });

  it('round-trips with parseExplicitHashKey', () => {
    for (const key of ['x', 'y', 'ключ']) {
      const h = partitionKeyHash(key);
      expect(parseExplicitHashKey(hashKeyToDecimal(h))).toBe(h);
    }
  });

  it('rejects values outside [0, 2^128-1]', () => {
    expect(() => hashKeyToDecimal(-1n)).toThrow(InvalidHashKeyError);
    expect(() => hashKeyToDecimal(MAX_HASH_KEY + 1n)).toThrow(/\[0, 2\^128-1\]/);
  });
});
