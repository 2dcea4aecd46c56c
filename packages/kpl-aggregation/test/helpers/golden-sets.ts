/** Deterministic record sets shared by the golden-vector tests and the fixture generator. */
import type { UserRecord } from '@pipeline/kpl-aggregation';

const EHK_MAX = '340282366920938463463374607431768211455'; // 2^128-1
const EHK_MID = '170141183460469231731687303715884105728'; // 2^127
const EHK_LOW = '4294967296'; // 2^32, the smallest value aws-kinesis-agg keeps in insertion order

function text(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

/** `length` bytes where byte i = (i * mul + add) mod 256. */
export function patternBytes(length: number, mul = 31, add = 7): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (i * mul + add) & 0xff;
  return out;
}

export interface GoldenSet {
  name: string;
  records: UserRecord[];
  /** Whether test/fixtures/golden-vectors.json stores the full hex (small sets) or only a SHA-256 (large sets). */
  fixture: 'hex' | 'sha256';
}

export function goldenSets(): GoldenSet[] {
  return [
    {
      name: 'single record',
      fixture: 'hex',
      records: [{ partitionKey: 'partition-1', data: text('hello world') }],
    },
    {
      name: 'two records, distinct keys',
      fixture: 'hex',
      records: [
        { partitionKey: 'alpha', data: text('{"n":1}') },
        { partitionKey: 'beta', data: text('{"n":2}') },
      ],
    },
    {
      name: 'repeated partition keys',
      fixture: 'hex',
      records: Array.from({ length: 9 }, (_, i) => ({
        partitionKey: ['alpha', 'beta', 'gamma'][i % 3] as string,
        data: text(`event-${i}`),
      })),
    },
    {
      name: 'explicit hash keys, mixed with records without one',
      fixture: 'hex',
      records: [
        { partitionKey: 'a-key', explicitHashKey: EHK_MID, data: text('one') },
        { partitionKey: 'b-key', data: text('two') },
        { partitionKey: 'a-key', explicitHashKey: EHK_MAX, data: text('three') },
        { partitionKey: 'c-key', explicitHashKey: EHK_MID, data: text('four') },
        { partitionKey: 'b-key', explicitHashKey: EHK_LOW, data: text('five') },
      ],
    },
    {
      name: 'unicode keys and data',
      fixture: 'hex',
      records: [
        { partitionKey: 'ключ', data: text('значение') },
        { partitionKey: '日本語キー', data: text('データ') },
        { partitionKey: '🚀rocket', explicitHashKey: EHK_LOW, data: text('👍🏽 emoji') },
        { partitionKey: 'ключ', data: text('ещё') },
      ],
    },
    {
      name: 'empty data',
      fixture: 'hex',
      records: [
        { partitionKey: 'empty-1', data: Buffer.alloc(0) },
        { partitionKey: 'empty-2', data: Buffer.alloc(0) },
        { partitionKey: 'empty-1', data: text('x') },
      ],
    },
    {
      name: 'many records (200, unique keys)',
      fixture: 'sha256',
      records: Array.from({ length: 200 }, (_, i) => ({
        partitionKey: `user-${i.toString(36)}-${(i * 7919) % 1000}`,
        data: text(JSON.stringify({ i, ts: 1_700_000_000_000 + i, v: 'x'.repeat(i % 50) })),
      })),
    },
    {
      name: 'varint boundaries (130 keys, data lengths 127/128/16383/16384)',
      fixture: 'sha256',
      records: [
        ...Array.from({ length: 130 }, (_, i) => ({ partitionKey: `pk${i}x`, data: patternBytes(i % 5) })),
        { partitionKey: 'pk129x', data: patternBytes(127) },
        { partitionKey: 'pk0x', data: patternBytes(128) },
        { partitionKey: 'len16383', data: patternBytes(16383) },
        { partitionKey: 'len16384', data: patternBytes(16384, 13, 1) },
      ],
    },
    {
      name: '~50 KB aggregate (one 50,000-byte record plus small ones)',
      fixture: 'sha256',
      records: [
        { partitionKey: 'big', explicitHashKey: EHK_MID, data: patternBytes(50_000) },
        { partitionKey: 'small-1', data: text('tiny') },
        { partitionKey: 'small-2', explicitHashKey: EHK_MID, data: patternBytes(300, 3, 3) },
      ],
    },
  ];
}
