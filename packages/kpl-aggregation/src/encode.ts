import { InvalidHashKeyError, isValidExplicitHashKey } from './hash-key.js';
import { md5 } from './md5.js';

/** A user record to aggregate. */
export interface UserRecord {
  /** Partition key. Kinesis allows 1–256 characters; its MD5 routes the record unless `explicitHashKey` is set. */
  partitionKey: string;
  /** Decimal hash key in `[0, 2^128-1]` that overrides the partition key's MD5 for routing. */
  explicitHashKey?: string | undefined;
  /** Payload. Aggregation keeps a reference (no copy) until `build()`: do not mutate it before then. */
  data: Uint8Array;
}

/** The 4-byte magic prefix of every KPL aggregated record: `F3 89 9A C2`. */
export const AGGREGATED_RECORD_MAGIC: Uint8Array = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);

/** Fixed bytes an aggregate adds around the protobuf message: 4-byte magic + 16-byte MD5 trailer. */
export const AGGREGATION_OVERHEAD_BYTES = 20;

// Private copy of the magic: the exported array is mutable.
const MAGIC_0 = 0xf3;
const MAGIC_1 = 0x89;
const MAGIC_2 = 0x9a;
const MAGIC_3 = 0xc2;

// Wire tags (field number << 3 | wire type 2 or 0).
const TAG_PARTITION_KEY_TABLE = 0x0a; // AggregatedRecord.partition_key_table = 1, length-delimited
const TAG_EXPLICIT_HASH_KEY_TABLE = 0x12; // AggregatedRecord.explicit_hash_key_table = 2, length-delimited
const TAG_RECORDS = 0x1a; // AggregatedRecord.records = 3, length-delimited
const TAG_PARTITION_KEY_INDEX = 0x08; // Record.partition_key_index = 1, varint
const TAG_EXPLICIT_HASH_KEY_INDEX = 0x10; // Record.explicit_hash_key_index = 2, varint
const TAG_DATA = 0x1a; // Record.data = 3, length-delimited

/** Pure-ASCII strings up to this length are copied by a JS loop; longer ones by one native call (measured crossover). */
const SHORT_ASCII_MAX = 24;

/** Bytes taken by `value` (a non-negative integer) as a protobuf varint. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 5;
  for (let v = Math.floor(value / 0x800000000); v > 0; v = Math.floor(v / 0x80)) size++;
  return size;
}

function writeVarint(out: Buffer, pos: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    out[pos++] = (v & 0x7f) | 0x80;
    v = v > 0xffffffff ? Math.floor(v / 0x80) : v >>> 7;
  }
  out[pos++] = v;
  return pos;
}

function writeString(out: Buffer, pos: number, value: string, byteLength: number): number {
  if (byteLength === value.length) {
    // UTF-8 length equals UTF-16 length only for pure ASCII, where latin1 and UTF-8 bytes coincide.
    if (byteLength <= SHORT_ASCII_MAX) {
      for (let i = 0; i < byteLength; i++) out[pos + i] = value.charCodeAt(i);
    } else {
      out.write(value, pos, byteLength, 'latin1');
    }
  } else {
    out.write(value, pos, byteLength, 'utf8');
  }
  return pos + byteLength;
}

function writeTable(
  out: Buffer,
  pos: number,
  tag: number,
  keys: readonly string[],
  lengths: readonly number[],
): number {
  for (let i = 0; i < keys.length; i++) {
    const len = lengths[i]!;
    out[pos++] = tag;
    pos = writeVarint(out, pos, len);
    pos = writeString(out, pos, keys[i]!, len);
  }
  return pos;
}

/**
 * Incrementally builds one KPL aggregated record.
 *
 * Partition keys and explicit hash keys are deduplicated into the protobuf tables in first-seen order (as the KPL
 * does), so `build()` is byte-identical to the KPL and `aws-kinesis-agg` for the same records. Sizes are tracked
 * exactly and in O(1) per record, so `sizeWith()` can decide whether a record still fits before `add()`.
 *
 * The builder only aggregates; it does not know about shards. Only aggregate records whose effective hash keys fall
 * in the same shard: the KCL drops the **whole** aggregate if any sub-record is outside the shard's range.
 */
export class AggregateBuilder {
  private readonly pkIndex = new Map<string, number>();
  private pkKeys: string[] = [];
  private pkLengths: number[] = [];
  private readonly ehkIndex = new Map<string, number>();
  private ehkKeys: string[] = [];
  private ehkLengths: number[] = [];
  private recordPk: number[] = [];
  /** Explicit-hash-key table index per record, -1 when the record has none. */
  private recordEhk: number[] = [];
  private recordData: Uint8Array[] = [];
  private size = AGGREGATION_OVERHEAD_BYTES;
  /** Bumped on every mutation; invalidates the probe cache. */
  private version = 0;

  // Probe cache: table lookups for the last (partitionKey, explicitHashKey) seen by sizeWith()/add(), so the usual
  // `if (b.sizeWith(r) > max) flush(); b.add(r);` pattern does the map lookups and UTF-8 measuring once.
  private probeVersion = -1;
  private probePk = '';
  private probeEhk: string | undefined = undefined;
  private probePkIdx = 0;
  /** UTF-8 length of a new partition key, -1 if it is already in the table. */
  private probePkLen = -1;
  /** -1 when the record has no explicit hash key. */
  private probeEhkIdx = -1;
  /** UTF-8 length of a new explicit hash key, -1 if absent or already in the table. */
  private probeEhkLen = -1;

  /** Number of user records added since construction or the last `reset()`. */
  get count(): number {
    return this.recordData.length;
  }

  /** Exact size in bytes of the aggregate `build()` would return now (magic + protobuf + MD5). 20 when empty. */
  get sizeBytes(): number {
    return this.size;
  }

  /** Exact size in bytes the aggregate would have after `add(record)`. O(1); does not encode or modify anything. */
  sizeWith(record: UserRecord): number {
    this.probe(record.partitionKey, record.explicitHashKey ?? undefined);
    return this.size + this.probeDelta(record.data.byteLength);
  }

  /**
   * Appends a user record (keeps a reference to `record.data`, no copy).
   *
   * @throws TypeError if `partitionKey` is not a string or `data` is not a Uint8Array.
   * @throws InvalidHashKeyError if `explicitHashKey` is given and is not a valid Kinesis explicit hash key.
   */
  add(record: UserRecord): void {
    const { partitionKey, data } = record;
    const explicitHashKey = record.explicitHashKey ?? undefined;
    if (typeof partitionKey !== 'string') {
      throw new TypeError(`UserRecord.partitionKey must be a string, got ${typeof partitionKey}`);
    }
    if (!(data instanceof Uint8Array)) {
      throw new TypeError('UserRecord.data must be a Uint8Array (or Buffer)');
    }
    this.probe(partitionKey, explicitHashKey);
    const newEhk = this.probeEhkLen >= 0;
    if (newEhk && !isValidExplicitHashKey(explicitHashKey)) {
      throw new InvalidHashKeyError(explicitHashKey);
    }
    this.size += this.probeDelta(data.byteLength);
    if (this.probePkLen >= 0) {
      this.pkIndex.set(partitionKey, this.probePkIdx);
      this.pkKeys.push(partitionKey);
      this.pkLengths.push(this.probePkLen);
    }
    if (newEhk) {
      this.ehkIndex.set(explicitHashKey as string, this.probeEhkIdx);
      this.ehkKeys.push(explicitHashKey as string);
      this.ehkLengths.push(this.probeEhkLen);
    }
    this.recordPk.push(this.probePkIdx);
    this.recordEhk.push(this.probeEhkIdx);
    this.recordData.push(data);
    this.version++;
  }

  /**
   * Encodes the aggregate: magic + protobuf `AggregatedRecord` + MD5(protobuf), in one exactly-sized buffer (a
   * `Buffer` with its own `ArrayBuffer`). Does not reset the builder.
   *
   * @throws RangeError if no record was added (an empty aggregate is not recognised by the KCL).
   */
  build(): Uint8Array {
    const count = this.recordData.length;
    if (count === 0) {
      throw new RangeError('AggregateBuilder.build(): no records added; an aggregate needs at least one user record');
    }
    const total = this.size;
    const out = Buffer.allocUnsafeSlow(total);
    out[0] = MAGIC_0;
    out[1] = MAGIC_1;
    out[2] = MAGIC_2;
    out[3] = MAGIC_3;
    let pos = writeTable(out, 4, TAG_PARTITION_KEY_TABLE, this.pkKeys, this.pkLengths);
    pos = writeTable(out, pos, TAG_EXPLICIT_HASH_KEY_TABLE, this.ehkKeys, this.ehkLengths);
    const recordPk = this.recordPk;
    const recordEhk = this.recordEhk;
    const recordData = this.recordData;
    for (let i = 0; i < count; i++) {
      const pkIdx = recordPk[i]!;
      const ehkIdx = recordEhk[i]!;
      const data = recordData[i]!;
      const dataLen = data.byteLength;
      let inner = 2 + varintSize(pkIdx) + varintSize(dataLen) + dataLen;
      if (ehkIdx >= 0) inner += 1 + varintSize(ehkIdx);
      if (pos + 1 + varintSize(inner) + inner + 16 > total) break; // data grew after add(): reported below
      out[pos++] = TAG_RECORDS;
      pos = writeVarint(out, pos, inner);
      out[pos++] = TAG_PARTITION_KEY_INDEX;
      pos = writeVarint(out, pos, pkIdx);
      if (ehkIdx >= 0) {
        out[pos++] = TAG_EXPLICIT_HASH_KEY_INDEX;
        pos = writeVarint(out, pos, ehkIdx);
      }
      out[pos++] = TAG_DATA;
      pos = writeVarint(out, pos, dataLen);
      if (dataLen > 0) out.set(data, pos);
      pos += dataLen;
    }
    if (pos + 16 !== total) {
      throw new Error(
        `AggregateBuilder.build(): encoded ${pos + 16} bytes but expected ${total}; ` +
          'a record’s data was resized or detached after add()',
      );
    }
    out.set(md5(out.subarray(4, pos)), pos);
    return out;
  }

  /** Removes all records and keys; the builder can be reused. Drops references to the added data. */
  reset(): void {
    this.pkIndex.clear();
    this.pkKeys = [];
    this.pkLengths = [];
    this.ehkIndex.clear();
    this.ehkKeys = [];
    this.ehkLengths = [];
    this.recordPk = [];
    this.recordEhk = [];
    this.recordData = [];
    this.size = AGGREGATION_OVERHEAD_BYTES;
    this.version++;
  }

  private probe(partitionKey: string, explicitHashKey: string | undefined): void {
    if (this.probeVersion === this.version && partitionKey === this.probePk && explicitHashKey === this.probeEhk) {
      return;
    }
    const pkIdx = this.pkIndex.get(partitionKey);
    if (pkIdx === undefined) {
      this.probePkIdx = this.pkKeys.length;
      this.probePkLen = Buffer.byteLength(partitionKey, 'utf8');
    } else {
      this.probePkIdx = pkIdx;
      this.probePkLen = -1;
    }
    if (explicitHashKey === undefined) {
      this.probeEhkIdx = -1;
      this.probeEhkLen = -1;
    } else {
      const ehkIdx = this.ehkIndex.get(explicitHashKey);
      if (ehkIdx === undefined) {
        this.probeEhkIdx = this.ehkKeys.length;
        this.probeEhkLen = Buffer.byteLength(explicitHashKey, 'utf8');
      } else {
        this.probeEhkIdx = ehkIdx;
        this.probeEhkLen = -1;
      }
    }
    this.probePk = partitionKey;
    this.probeEhk = explicitHashKey;
    this.probeVersion = this.version;
  }

  /** Bytes the probed keys plus a record with `dataLen` bytes of data add to the aggregate. */
  private probeDelta(dataLen: number): number {
    let delta = 0;
    const pkLen = this.probePkLen;
    if (pkLen >= 0) delta += 1 + varintSize(pkLen) + pkLen;
    let inner = 2 + varintSize(this.probePkIdx) + varintSize(dataLen) + dataLen;
    const ehkIdx = this.probeEhkIdx;
    if (ehkIdx >= 0) {
      inner += 1 + varintSize(ehkIdx);
      const ehkLen = this.probeEhkLen;
      if (ehkLen >= 0) delta += 1 + varintSize(ehkLen) + ehkLen;
    }
    return delta + 1 + varintSize(inner) + inner;
  }
}

/**
 * Encodes `records` as one KPL aggregated record (magic + protobuf + MD5).
 *
 * @throws RangeError if `records` is empty; InvalidHashKeyError for an invalid explicit hash key.
 */
export function encodeAggregate(records: readonly UserRecord[]): Uint8Array {
  const builder = new AggregateBuilder();
  for (const record of records) builder.add(record);
  return builder.build();
}
