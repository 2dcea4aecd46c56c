import { describeType, findJsonProblem } from './json-check.js';
import type { OkData, PartitionKeys } from './results.js';

/**
 * Size of one response entry `{"recordId":…,"result":"…","data":"…"}` without the recordId's JSON, the result and
 * the data (the order of keys the handler writes).
 */
export const ENTRY_OVERHEAD = '{"recordId":,"result":"","data":""}'.length;
/** `{"records":[` and `]}`. */
export const ENVELOPE_BYTES = '{"records":[]}'.length;

const NEWLINE = 0x0a;

/** Thrown by `encodeData` for data Firehose cannot take; the handler fails the record with kind `error`. */
export class OutputError extends Error {
  override readonly name = 'OutputError';
}

/** `ok()` data as base64, framed. */
export function encodeData(data: OkData, newline: boolean): string {
  if (typeof data === 'string') {
    return Buffer.from(newline && !data.endsWith('\n') ? `${data}\n` : data, 'utf8').toString('base64');
  }
  const bytes = asBytes(data);
  if (bytes !== undefined) {
    if (newline && (bytes.length === 0 || bytes[bytes.length - 1] !== NEWLINE)) {
      return Buffer.concat([bytes, Buffer.of(NEWLINE)]).toString('base64');
    }
    return bytes.toString('base64');
  }
  if (typeof data !== 'object' || data === null) {
    throw new OutputError(
      `ok() data must be a JSON object, a string or a Uint8Array, got ${data === null ? 'null' : typeof data}`,
    );
  }
  if (ArrayBuffer.isView(data)) {
    throw new OutputError(
      `ok() data is ${describeType(data)}, whose bytes depend on the machine's byte order: send new Uint8Array(data.buffer, data.byteOffset, data.byteLength) to deliver those bytes`,
    );
  }
  const problem = findJsonProblem(data);
  if (problem !== undefined) throw new OutputError(`ok() data cannot be sent as JSON as it is: ${problem}`);
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new OutputError(`ok() data cannot be serialized as JSON: ${detail}`);
  }
  // One JSON object per record: format conversion rejects arrays and bare values (and toJSON may return anything).
  if (json === undefined || json.charCodeAt(0) !== 0x7b) {
    throw new OutputError(
      `ok() data serializes to ${describeJson(json)}, not a JSON object: Firehose's format conversion needs one object per record (pass a string or bytes to send other text)`,
    );
  }
  return Buffer.from(newline ? `${json}\n` : json, 'utf8').toString('base64');
}

/**
 * The bytes of data that is bytes, as a view of the same memory: a `Uint8Array` (a `Buffer`), a
 * `Uint8ClampedArray`, a `DataView`, an `ArrayBuffer` or a `SharedArrayBuffer`. (Plain `instanceof` checks: they are
 * on every record's path; bytes of another realm reach the JSON check, which fails them by name.)
 */
export function asBytes(data: unknown): Buffer | undefined {
  if (ArrayBuffer.isView(data)) {
    if (data instanceof Uint8Array || data instanceof Uint8ClampedArray || data instanceof DataView) {
      return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    }
    return undefined;
  }
  if (data instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && data instanceof SharedArrayBuffer)) {
    return Buffer.from(data);
  }
  return undefined;
}

function describeJson(json: string | undefined): string {
  if (json === undefined) return 'nothing';
  if (json.startsWith('[')) return 'a JSON array';
  if (json.startsWith('"')) return 'a JSON string';
  return json.length > 40 ? `${json.slice(0, 40)}…` : json;
}

/** Partition keys copied into a plain object of strings (what the response will carry). */
export function checkPartitionKeys(keys: unknown): PartitionKeys {
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
    throw new OutputError(
      `partitionKeys must be an object of strings, got ${Array.isArray(keys) ? 'an array' : typeof keys}`,
    );
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(keys)) {
    if (typeof value !== 'string') {
      throw new OutputError(
        `partition key ${JSON.stringify(name)} must be a string, got ${value === null ? 'null' : typeof value}`,
      );
    }
    out[name] = value;
  }
  return out;
}

/** Bytes `,"metadata":{"partitionKeys":{…}}` adds to an entry. */
export function metadataBytes(keys: PartitionKeys | undefined): number {
  if (keys === undefined) return 0;
  return Buffer.byteLength(JSON.stringify({ metadata: { partitionKeys: keys } }), 'utf8') - 1;
}

const PLAIN_ASCII = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;

/** Bytes of a recordId as a JSON string (quotes and escapes included). */
export function recordIdBytes(recordId: string): number {
  return PLAIN_ASCII.test(recordId) ? recordId.length + 2 : Buffer.byteLength(JSON.stringify(recordId), 'utf8');
}

/** Decoded length of a base64 string Node produced (padded). */
export function base64DecodedLength(base64: string): number {
  const n = base64.length;
  if (n === 0) return 0;
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (n / 4) * 3 - padding;
}
