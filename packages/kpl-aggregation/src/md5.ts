import * as nodeCrypto from 'node:crypto';

// `crypto.hash` (Node >= 20.12) is a one-shot digest without a Hash object; fall back to `createHash` elsewhere.
const oneShot = typeof nodeCrypto.hash === 'function';

/** MD5 digest as a 16-byte Buffer. */
export const md5: (data: Uint8Array | string) => Buffer = oneShot
  ? (data) => nodeCrypto.hash('md5', data, 'buffer')
  : (data) => nodeCrypto.createHash('md5').update(data).digest();

/**
 * MD5 digest as 32 hex digits. For short inputs this is ~2.5x faster than the Buffer form (no Buffer allocation
 * across the native boundary).
 */
export const md5Hex: (data: string) => string = oneShot
  ? (data) => nodeCrypto.hash('md5', data, 'hex')
  : (data) => nodeCrypto.createHash('md5').update(data).digest('hex');
