import { md5Hex } from './md5.js';

/** Largest Kinesis hash key, `2^128 - 1`. Shards split the range `[0, MAX_HASH_KEY]`. */
export const MAX_HASH_KEY: bigint = (1n << 128n) - 1n;

/** `MAX_HASH_KEY` in decimal (39 digits). */
const MAX_HASH_KEY_DECIMAL = MAX_HASH_KEY.toString(10);

/** The Kinesis `ExplicitHashKey` pattern: a decimal integer without sign or leading zeros, at most 39 digits. */
const EXPLICIT_HASH_KEY_PATTERN = /^(0|[1-9]\d{0,38})$/;

const EXPLICIT_HASH_KEY_RULE = `an explicit hash key must match /^(0|[1-9]\\d{0,38})$/ and be <= 2^128-1 (${MAX_HASH_KEY_DECIMAL})`;

/** Thrown for an explicit hash key (or hash key) that Kinesis would reject. */
export class InvalidHashKeyError extends RangeError {
  /** The rejected value, as given (stringified). */
  readonly value: string;

  constructor(value: unknown, rule: string = EXPLICIT_HASH_KEY_RULE, what = 'explicit hash key') {
    const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
    super(`Invalid ${what} ${shown}: ${rule}`);
    this.name = 'InvalidHashKeyError';
    this.value = typeof value === 'string' ? value : String(value);
  }
}

/**
 * True when `value` is a valid Kinesis `ExplicitHashKey`: matches `/^(0|[1-9]\d{0,38})$/` and is <= `2^128 - 1`.
 * Never throws and never allocates a bigint.
 */
export function isValidExplicitHashKey(value: unknown): value is string {
  if (typeof value !== 'string' || !EXPLICIT_HASH_KEY_PATTERN.test(value)) return false;
  // Same-length digit strings without leading zeros compare like the numbers they spell.
  return value.length < 39 || value <= MAX_HASH_KEY_DECIMAL;
}

/**
 * Parses a Kinesis `ExplicitHashKey` (decimal string) into a bigint.
 *
 * @throws InvalidHashKeyError if the value does not match `/^(0|[1-9]\d{0,38})$/` or exceeds `2^128 - 1`.
 */
export function parseExplicitHashKey(value: string): bigint {
  if (typeof value !== 'string' || !EXPLICIT_HASH_KEY_PATTERN.test(value)) {
    throw new InvalidHashKeyError(value);
  }
  if (value.length === 39 && value > MAX_HASH_KEY_DECIMAL) {
    throw new InvalidHashKeyError(value, `${EXPLICIT_HASH_KEY_RULE}; the value exceeds 2^128-1`);
  }
  return BigInt(value);
}

/**
 * The hash key Kinesis derives from a partition key: MD5 of the key's UTF-8 bytes, read as a big-endian unsigned
 * 128-bit integer.
 *
 * Lone UTF-16 surrogates are encoded as U+FFFD (the WHATWG/Node rule); Java's `String.getBytes("UTF-8")` (KCL) encodes
 * them as `?`, so keys containing lone surrogates hash differently across languages. Reject them upstream.
 */
export function partitionKeyHash(partitionKey: string): bigint {
  return BigInt(`0x${md5Hex(partitionKey)}`);
}

/**
 * The hash key that routes a record: the explicit hash key when given, else `partitionKeyHash(partitionKey)`.
 *
 * @throws InvalidHashKeyError if `explicitHashKey` is given and invalid.
 */
export function effectiveHashKey(partitionKey: string, explicitHashKey?: string): bigint {
  return explicitHashKey === undefined ? partitionKeyHash(partitionKey) : parseExplicitHashKey(explicitHashKey);
}

/**
 * Formats a hash key as the decimal string Kinesis expects in `ExplicitHashKey`.
 *
 * @throws InvalidHashKeyError if the value is negative or exceeds `2^128 - 1`.
 */
export function hashKeyToDecimal(hashKey: bigint): string {
  if (typeof hashKey !== 'bigint' || hashKey < 0n || hashKey > MAX_HASH_KEY) {
    throw new InvalidHashKeyError(hashKey, 'a hash key must be a bigint in [0, 2^128-1]', 'hash key');
  }
  return hashKey.toString(10);
}
