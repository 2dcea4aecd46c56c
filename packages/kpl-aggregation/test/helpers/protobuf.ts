/** Tiny protobuf writer for hand-crafting (possibly malformed) aggregates in tests. */
import { createHash } from 'node:crypto';

export function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

export function tag(field: number, wireType: number): number[] {
  return varint((field << 3) | wireType);
}

export function bytesField(field: number, payload: Uint8Array | number[] | string): number[] {
  const bytes = typeof payload === 'string' ? [...Buffer.from(payload, 'utf8')] : [...payload];
  return [...tag(field, 2), ...varint(bytes.length), ...bytes];
}

export function varintField(field: number, value: number | bigint): number[] {
  return [...tag(field, 0), ...varint(value)];
}

/** magic + protobuf + MD5(protobuf). */
export function wrap(protobuf: number[] | Uint8Array): Buffer {
  const pb = Buffer.from(protobuf);
  return Buffer.concat([Buffer.from([0xf3, 0x89, 0x9a, 0xc2]), pb, createHash('md5').update(pb).digest()]);
}

/** Serialises a Record message body. */
export function recordBody(pkIndex: number, data: string | number[], ehkIndex?: number): number[] {
  return [
    ...varintField(1, pkIndex),
    ...(ehkIndex === undefined ? [] : varintField(2, ehkIndex)),
    ...bytesField(3, data),
  ];
}
