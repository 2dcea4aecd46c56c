/** Seeded PRNG and random record generators for property tests. */
import type { UserRecord } from '@pipeline/kpl-aggregation';

/** mulberry32: small, fast, deterministic. */
export { mulberry32 } from '@pipeline/commons';

export type Rng = () => number;

export function int(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick from empty list');
  return item;
}

export function randomBytes(rng: Rng, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rng() * 256);
  return out;
}

const ALPHABETS = [
  'abcdefghijklmnopqrstuvwxyz0123456789-_:',
  'абвгдеёжзийклмнопрстуфхцчшщъыьэюя',
  '日本語のキー漢字',
  'éàüß€',
];
const EMOJI = ['🚀', '🦀', '👍🏽', '🇯🇵'];

/** A partition key that is never integer-like (aws-kinesis-agg mis-orders those). */
export function randomPartitionKey(rng: Rng): string {
  const length = int(rng, 1, 24);
  let s = 'k';
  for (let i = 0; i < length; i++) {
    s += rng() < 0.05 ? pick(rng, EMOJI) : pick(rng, [...pick(rng, ALPHABETS)]);
  }
  return s;
}

/** A random 128-bit hash key >= 2^32 in decimal (never an array-index-like string). */
export function randomExplicitHashKey(rng: Rng): string {
  let v = 0n;
  for (let i = 0; i < 4; i++) v = (v << 32n) | BigInt(Math.floor(rng() * 2 ** 32));
  if (v < 2n ** 32n) v += 2n ** 32n;
  return v.toString();
}

export interface RandomRecordOptions {
  maxRecords?: number;
  maxDataBytes?: number;
}

/** A random record set with repeated keys, optional explicit hash keys and occasionally large data. */
export function randomRecords(rng: Rng, options: RandomRecordOptions = {}): UserRecord[] {
  const count = int(rng, 1, options.maxRecords ?? 60);
  const pkPool = Array.from({ length: int(rng, 1, count) }, () => randomPartitionKey(rng));
  const ehkPool = Array.from({ length: int(rng, 1, 6) }, () => randomExplicitHashKey(rng));
  const ehkRate = pick(rng, [0, 0.3, 1]);
  const maxData = options.maxDataBytes ?? 400;
  const records: UserRecord[] = [];
  for (let i = 0; i < count; i++) {
    const length = rng() < 0.05 ? int(rng, 0, maxData * 40) : rng() < 0.1 ? 0 : int(rng, 0, maxData);
    const record: UserRecord = { partitionKey: pick(rng, pkPool), data: randomBytes(rng, length) };
    if (rng() < ehkRate) record.explicitHashKey = pick(rng, ehkPool);
    records.push(record);
  }
  return records;
}
