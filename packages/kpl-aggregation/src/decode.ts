import { partitionKeyHash } from './hash-key.js';
import { md5 } from './md5.js';

/** A user record recovered from an aggregate (or a non-aggregated record passed through). */
export interface DeaggregatedRecord {
  partitionKey: string;
  /** The sub-record's explicit hash key, `undefined` if it had none (routing then uses MD5 of the partition key). */
  explicitHashKey: string | undefined;
  /** A view into the aggregate's bytes (no copy). Copy it if you keep it longer than the aggregate buffer. */
  data: Uint8Array;
  /** Index of the sub-record in the aggregate; 0 for a record that was not aggregated. */
  subSequenceNumber: number;
}

/** Why `decodeAggregate` rejected its input. */
export type AggregateDecodeErrorCode =
  | 'too-short'
  | 'bad-magic'
  | 'checksum-mismatch'
  | 'malformed-protobuf'
  | 'missing-required-field'
  | 'index-out-of-range';

/** Thrown by `decodeAggregate` when the input is not a valid KPL aggregated record. */
export class AggregateDecodeError extends Error {
  readonly code: AggregateDecodeErrorCode;

  constructor(code: AggregateDecodeErrorCode, message: string) {
    super(message);
    this.name = 'AggregateDecodeError';
    this.code = code;
  }
}

const MAGIC_LENGTH = 4;
const DIGEST_LENGTH = 16;
const MAX_GROUP_DEPTH = 100; // protobuf-java's default recursion limit

interface Failure {
  readonly failed: true;
  readonly code: AggregateDecodeErrorCode;
  readonly message: string;
}

function failure(code: AggregateDecodeErrorCode, message: string): Failure {
  return { failed: true, code, message };
}

/** A parsed aggregate, sub-records kept as parallel arrays (indexes already validated against the tables). */
interface Parsed {
  readonly failed: false;
  readonly pkTable: string[];
  readonly ehkTable: string[];
  readonly recordPk: number[];
  /** -1 when the sub-record has no explicit hash key. */
  readonly recordEhk: number[];
  readonly dataStart: number[];
  readonly dataEnd: number[];
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}

/** Cheap pre-check: at least 4 bytes and the magic matches. */
function hasMagic(data: Uint8Array): boolean {
  return data.length >= MAGIC_LENGTH && data[0] === 0xf3 && data[1] === 0x89 && data[2] === 0x9a && data[3] === 0xc2;
}

function checksumMatches(data: Uint8Array): boolean {
  const end = data.length - DIGEST_LENGTH;
  const digest = md5(data.subarray(MAGIC_LENGTH, end));
  for (let i = 0; i < DIGEST_LENGTH; i++) {
    if (digest[i] !== data[end + i]) return false;
  }
  return true;
}

/**
 * True when `data` is a KPL aggregated record by the KCL's outer checks: the magic matches, it is longer than
 * magic + MD5 (20 bytes) and the trailing MD5 matches the protobuf bytes. Whether the protobuf parses is checked by
 * `decodeAggregate`.
 */
export function isAggregated(data: Uint8Array): boolean {
  return hasMagic(data) && data.length > MAGIC_LENGTH + DIGEST_LENGTH && checksumMatches(data);
}

// ---------------------------------------------------------------------------------------------------------------
// Minimal protobuf reader. Functions return the new position, or a negative error code; the varint value read
// last is left in `varint` (module state, to avoid allocating a result object per read).

const ERR_TRUNCATED = -1;
const ERR_OVERLONG = -2;
const ERR_LENGTH = -3;
const ERR_WIRE_TYPE = -4;
const ERR_GROUP = -5;
const ERR_TAG = -6;

let varint = 0;

function readVarint(buf: Uint8Array, pos: number, end: number): number {
  if (pos >= end) return ERR_TRUNCATED;
  let b = buf[pos++]!;
  if (b < 0x80) {
    varint = b;
    return pos;
  }
  let value = b & 0x7f;
  let multiplier = 0x80;
  for (let i = 1; i < 10; i++) {
    if (pos >= end) return ERR_TRUNCATED;
    b = buf[pos++]!;
    value += (b & 0x7f) * multiplier;
    if (b < 0x80) {
      varint = value; // exact below 2^53; larger values only need to compare as "too large"
      return pos;
    }
    multiplier *= 0x80;
  }
  return ERR_OVERLONG;
}

/** Wire type of the tag read last by `readTag`. */
let lastWireType = 0;

/** Reads a tag; leaves the field number in `varint`, the wire type in `lastWireType`; returns the position or an error. */
function readTag(buf: Uint8Array, pos: number, end: number): number {
  const next = readVarint(buf, pos, end);
  if (next < 0) return next;
  const tag = varint;
  if (tag > 0xffffffff) return ERR_TAG;
  lastWireType = tag & 7;
  varint = tag >>> 3;
  if (varint === 0) return ERR_TAG;
  return next;
}

/** Skips the value of a field with the given wire type whose tag ended at `pos`. */
function skipField(buf: Uint8Array, pos: number, end: number, wireType: number, field: number, depth: number): number {
  switch (wireType) {
    case 0:
      return readVarint(buf, pos, end);
    case 1:
      return pos + 8 <= end ? pos + 8 : ERR_TRUNCATED;
    case 2: {
      const next = readVarint(buf, pos, end);
      if (next < 0) return next;
      return varint <= end - next ? next + varint : ERR_LENGTH;
    }
    case 3: {
      if (depth >= MAX_GROUP_DEPTH) return ERR_GROUP;
      // Skip fields until the matching end-group tag.
      let p = pos;
      for (;;) {
        p = readTag(buf, p, end);
        if (p < 0) return p;
        const f = varint;
        const wt = lastWireType;
        if (wt === 4) return f === field ? p : ERR_GROUP;
        p = skipField(buf, p, end, wt, f, depth + 1);
        if (p < 0) return p;
      }
    }
    case 5:
      return pos + 4 <= end ? pos + 4 : ERR_TRUNCATED;
    case 4:
      return ERR_GROUP; // end-group without a start-group
    default:
      return ERR_WIRE_TYPE;
  }
}

function describe(code: number, at: number): string {
  switch (code) {
    case ERR_TRUNCATED:
      return `truncated field at byte ${at}`;
    case ERR_OVERLONG:
      return `varint longer than 10 bytes at byte ${at}`;
    case ERR_LENGTH:
      return `length-delimited field at byte ${at} runs past the end of its message`;
    case ERR_WIRE_TYPE:
      return `invalid wire type at byte ${at}`;
    case ERR_GROUP:
      return `unmatched or too deeply nested group at byte ${at}`;
    default:
      return `invalid field tag at byte ${at}`;
  }
}

function malformed(code: number, at: number): Failure {
  return failure('malformed-protobuf', `Malformed KPL aggregate protobuf: ${describe(code, at)}`);
}

/** Validates a `Tag { required string key = 1; optional string value = 2; }` message in [pos, end). */
function checkTag(buf: Uint8Array, pos: number, end: number): number | Failure {
  let hasKey = false;
  while (pos < end) {
    const at = pos;
    pos = readTag(buf, pos, end);
    if (pos < 0) return malformed(pos, at);
    if (varint === 1 && lastWireType === 2) hasKey = true;
    pos = skipField(buf, pos, end, lastWireType, varint, 0);
    if (pos < 0) return malformed(pos, at);
  }
  return hasKey ? pos : failure('missing-required-field', 'Malformed KPL aggregate protobuf: a Tag has no key');
}

/**
 * Parses the protobuf `AggregatedRecord` in `buf[start, end)`. Any field order, unknown fields and tags are accepted
 * (as protobuf-java, which the KCL uses, does); required fields and table indexes are checked.
 */
function parseAggregatedRecord(buf: Buffer, start: number, end: number): Parsed | Failure {
  const pkTable: string[] = [];
  const ehkTable: string[] = [];
  const recordPk: number[] = [];
  const recordEhk: number[] = [];
  const dataStart: number[] = [];
  const dataEnd: number[] = [];
  let pos = start;
  while (pos < end) {
    const at = pos;
    pos = readTag(buf, pos, end);
    if (pos < 0) return malformed(pos, at);
    const field = varint;
    const wireType = lastWireType;
    if (wireType !== 2 || field > 3) {
      pos = skipField(buf, pos, end, wireType, field, 0);
      if (pos < 0) return malformed(pos, at);
      continue;
    }
    pos = readVarint(buf, pos, end);
    if (pos < 0) return malformed(pos, at);
    if (varint > end - pos) return malformed(ERR_LENGTH, at);
    const valueStart = pos;
    pos += varint;
    if (field === 1) {
      pkTable.push(buf.toString('utf8', valueStart, pos));
    } else if (field === 2) {
      ehkTable.push(buf.toString('utf8', valueStart, pos));
    } else {
      // Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
      //          required bytes data = 3; repeated Tag tags = 4; }
      let pkIdx = -1;
      let ehkIdx = -1;
      let dStart = -1;
      let dEnd = -1;
      let p = valueStart;
      while (p < pos) {
        const fieldAt = p;
        p = readTag(buf, p, pos);
        if (p < 0) return malformed(p, fieldAt);
        const f = varint;
        const wt = lastWireType;
        if (f === 1 && wt === 0) {
          p = readVarint(buf, p, pos);
          if (p < 0) return malformed(p, fieldAt);
          pkIdx = varint;
        } else if (f === 2 && wt === 0) {
          p = readVarint(buf, p, pos);
          if (p < 0) return malformed(p, fieldAt);
          ehkIdx = varint;
        } else if ((f === 3 || f === 4) && wt === 2) {
          p = readVarint(buf, p, pos);
          if (p < 0) return malformed(p, fieldAt);
          if (varint > pos - p) return malformed(ERR_LENGTH, fieldAt);
          const s = p;
          p += varint;
          if (f === 3) {
            dStart = s;
            dEnd = p;
          } else {
            const checked = checkTag(buf, s, p);
            if (typeof checked !== 'number') return checked;
          }
        } else {
          p = skipField(buf, p, pos, wt, f, 0);
          if (p < 0) return malformed(p, fieldAt);
        }
      }
      const n = recordPk.length;
      if (pkIdx < 0) {
        return failure(
          'missing-required-field',
          `Malformed KPL aggregate protobuf: record ${n} has no partition_key_index (field 1)`,
        );
      }
      if (dStart < 0) {
        return failure('missing-required-field', `Malformed KPL aggregate protobuf: record ${n} has no data (field 3)`);
      }
      recordPk.push(pkIdx);
      recordEhk.push(ehkIdx);
      dataStart.push(dStart);
      dataEnd.push(dEnd);
    }
  }
  // Tables may come after the records on the wire, so indexes are checked once everything is read.
  for (let i = 0; i < recordPk.length; i++) {
    const pkIdx = recordPk[i]!;
    if (pkIdx >= pkTable.length) {
      return failure(
        'index-out-of-range',
        `Invalid KPL aggregate: record ${i} has partition_key_index ${pkIdx} but the partition key table has ${pkTable.length} entries`,
      );
    }
    const ehkIdx = recordEhk[i]!;
    if (ehkIdx >= ehkTable.length) {
      return failure(
        'index-out-of-range',
        `Invalid KPL aggregate: record ${i} has explicit_hash_key_index ${ehkIdx} but the explicit hash key table has ${ehkTable.length} entries`,
      );
    }
  }
  return { failed: false, pkTable, ehkTable, recordPk, recordEhk, dataStart, dataEnd };
}

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Outer checks (magic, length, MD5) then the protobuf parse. Never throws. */
function parse(data: Uint8Array): Parsed | Failure {
  if (!(data instanceof Uint8Array)) {
    return failure('bad-magic', 'Not a KPL aggregated record: data is not a Uint8Array');
  }
  if (!hasMagic(data)) {
    const head = data.subarray(0, MAGIC_LENGTH);
    return failure(
      data.length < MAGIC_LENGTH ? 'too-short' : 'bad-magic',
      `Not a KPL aggregated record: starts with [${hex(head)}], expected magic [f3 89 9a c2]`,
    );
  }
  if (data.length <= MAGIC_LENGTH + DIGEST_LENGTH) {
    return failure(
      'too-short',
      `Not a KPL aggregated record: ${data.length} bytes; an aggregate is longer than the 4-byte magic + 16-byte MD5`,
    );
  }
  if (!checksumMatches(data)) {
    return failure(
      'checksum-mismatch',
      `Not a valid KPL aggregated record: the trailing MD5 does not match the ${data.length - MAGIC_LENGTH - DIGEST_LENGTH}-byte protobuf (corrupted or truncated)`,
    );
  }
  return parseAggregatedRecord(asBuffer(data), MAGIC_LENGTH, data.length - DIGEST_LENGTH);
}

/**
 * Decodes a KPL aggregated record into its user records. `data` of each result is a view into `data` (no copy).
 *
 * Accepts any protobuf field order, unknown fields and tags. An aggregate with an empty record list decodes to `[]`.
 *
 * @throws AggregateDecodeError (with `code`) if `data` is not a valid aggregate: too short, wrong magic, MD5
 *   mismatch, malformed protobuf (truncated varint, length past the end, bad wire type), a missing required field,
 *   or a table index out of range.
 */
export function decodeAggregate(data: Uint8Array): DeaggregatedRecord[] {
  const parsed = parse(data);
  if (parsed.failed) throw new AggregateDecodeError(parsed.code, parsed.message);
  return toRecords(parsed, data);
}

function toRecords(parsed: Parsed, data: Uint8Array): DeaggregatedRecord[] {
  const { pkTable, ehkTable, recordPk, recordEhk, dataStart, dataEnd } = parsed;
  const count = recordPk.length;
  const out: DeaggregatedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const ehkIdx = recordEhk[i]!;
    out.push({
      partitionKey: pkTable[recordPk[i]!]!,
      explicitHashKey: ehkIdx < 0 ? undefined : ehkTable[ehkIdx],
      data: data.subarray(dataStart[i]!, dataEnd[i]!),
      subSequenceNumber: i,
    });
  }
  return out;
}

/** A Kinesis record in this package's shape (`data` may also be a base64 string, as in a Lambda event). */
export interface KinesisRecordInput {
  partitionKey: string;
  explicitHashKey?: string | undefined;
  data: Uint8Array | string;
}

/** A record as the AWS SDK's `GetRecords` returns it (`Data` bytes; a base64 string, as raw JSON has it, works too). */
export interface SdkKinesisRecord {
  PartitionKey?: string | undefined;
  Data?: Uint8Array | string | undefined;
  ExplicitHashKey?: string | undefined;
  SequenceNumber?: string | undefined;
  ApproximateArrivalTimestamp?: Date | number | undefined;
  EncryptionType?: string | undefined;
}

/** A record of a Lambda Kinesis event (`event.Records[i]`): the payload is under `kinesis`, `data` in base64. */
export interface LambdaKinesisRecord {
  kinesis: { partitionKey: string; data: string; explicitHashKey?: string | undefined; sequenceNumber?: string };
}

/** What {@link deaggregate} accepts: any of the record shapes above, or the record's raw bytes. */
export type DeaggregateInput = KinesisRecordInput | SdkKinesisRecord | LambdaKinesisRecord | Uint8Array;

interface NormalizedRecord {
  partitionKey: string;
  explicitHashKey: string | undefined;
  data: Uint8Array;
}

function bytesOf(value: unknown): Uint8Array | undefined {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return Buffer.from(value, 'base64');
  return undefined;
}

function textOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The partition key, explicit hash key and bytes of any accepted shape; undefined when there are no bytes. */
function normalize(input: unknown): NormalizedRecord | undefined {
  if (input instanceof Uint8Array) return { partitionKey: '', explicitHashKey: undefined, data: input };
  if (typeof input !== 'object' || input === null) return undefined;
  const record = input as Record<string, unknown>;
  const payload = typeof record.kinesis === 'object' && record.kinesis !== null ? record.kinesis : record;
  const fields = payload as Record<string, unknown>;
  const data = bytesOf(fields.data ?? fields.Data);
  if (data === undefined) return undefined;
  return {
    partitionKey: textOf(fields.partitionKey) ?? textOf(fields.PartitionKey) ?? '',
    explicitHashKey: textOf(fields.explicitHashKey) ?? textOf(fields.ExplicitHashKey),
    data,
  };
}

/**
 * Deaggregates a Kinesis record the way the KCL does: a valid aggregate yields its user records (subSequenceNumber =
 * index); anything else (no magic, too short, MD5 mismatch, protobuf that does not parse) is returned unchanged as a
 * single record with subSequenceNumber 0. Never throws.
 *
 * Takes this package's shape (`{ partitionKey, data }`), the AWS SDK's `GetRecords` record (`{ PartitionKey, Data,
 * SequenceNumber, … }`), a Lambda Kinesis event record (`{ kinesis: { partitionKey, data: base64 } }`) or its
 * `kinesis` payload, or the raw bytes (partition key `''` when the record is passed through). Input without any
 * bytes (null, a record without data) yields no records.
 *
 * Differences from the KCL: no shard-range filtering (use `subRecordsOutsideRange`), and an aggregate whose MD5 and
 * protobuf are valid but whose table indexes are out of range is passed through raw (the KCL logs an error and loses
 * the sub-records from the bad one on).
 */
export function deaggregate(record: DeaggregateInput): DeaggregatedRecord[] {
  const normalized = normalize(record);
  if (normalized === undefined) return [];
  const data = normalized.data;
  const parsed = hasMagic(data) ? parse(data) : undefined;
  if (parsed !== undefined && !parsed.failed) return toRecords(parsed, data);
  return [
    {
      partitionKey: normalized.partitionKey,
      explicitHashKey: normalized.explicitHashKey,
      data,
      subSequenceNumber: 0,
    },
  ];
}

const LENIENT_DECIMAL = /^[+-]?\d+$/;

/**
 * Counts the sub-records of an aggregate whose effective hash key (explicit hash key, else MD5 of the partition key)
 * lies outside `[startingHashKey, endingHashKey]` (a shard's range).
 *
 * The KCL discards the **whole** aggregate if this is > 0, so a producer must re-send every sub-record of such an
 * aggregate. Returns 0 for data that is not a valid aggregate (the KCL passes those through without a range check).
 * An explicit hash key that does not parse as an integer counts as outside (the KCL fails on it).
 */
export function subRecordsOutsideRange(data: Uint8Array, startingHashKey: bigint, endingHashKey: bigint): number {
  if (!hasMagic(data)) return 0;
  const parsed = parse(data);
  if (parsed.failed) return 0;
  const { pkTable, ehkTable, recordPk, recordEhk } = parsed;
  const pkHashes: (bigint | undefined)[] = [];
  const ehkValues: (bigint | null | undefined)[] = [];
  let outside = 0;
  for (let i = 0; i < recordPk.length; i++) {
    const ehkIdx = recordEhk[i]!;
    let key: bigint | null;
    if (ehkIdx >= 0) {
      let value = ehkValues[ehkIdx];
      if (value === undefined) {
        const text = ehkTable[ehkIdx]!;
        value = LENIENT_DECIMAL.test(text) ? BigInt(text) : null;
        ehkValues[ehkIdx] = value;
      }
      key = value;
    } else {
      const pkIdx = recordPk[i]!;
      let value = pkHashes[pkIdx];
      if (value === undefined) {
        value = partitionKeyHash(pkTable[pkIdx]!);
        pkHashes[pkIdx] = value;
      }
      key = value;
    }
    if (key === null || key < startingHashKey || key > endingHashKey) outside++;
  }
  return outside;
}
