/**
 * Throughput of the KPL aggregation codec versus baselines measured in the same process:
 * - encode: AggregateBuilder (sizeWith/add/build per ~50 KiB aggregate) vs aws-kinesis-agg's RecordAggregator
 *   (calculateUserRecordSize/addUserRecord/build), same records, same 51,200-byte limit;
 * - decode: decodeAggregate vs aws-kinesis-agg's deaggregateSync (checksums on, SDK v3 shape with a Buffer);
 * - hash: partitionKeyHash vs createHash('md5').digest() read as two big-endian uint64s.
 *
 * Run: pnpm bench  (tsx --conditions=@pipeline/source bench/run.ts). Prints numbers, asserts nothing.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { AggregateBuilder, decodeAggregate, partitionKeyHash, type UserRecord } from '@pipeline/kpl-aggregation';

interface TheirAggregator {
  totalBytes: number;
  length(): number;
  calculateUserRecordSize(record: { partitionKey: string; data: Buffer }): number;
  addUserRecord(record: { partitionKey: string; data: Buffer }): void;
  build(): { data: Buffer } | undefined;
}
interface AwsKinesisAgg {
  RecordAggregator: new () => TheirAggregator;
  deaggregateSync(
    record: { PartitionKey: string; SequenceNumber: string; Data: Buffer },
    computeChecksums: boolean,
    callback: (err: Error | null | undefined, records?: unknown[]) => void,
  ): void;
}
const awsKinesisAgg = createRequire(import.meta.url)('aws-kinesis-agg') as AwsKinesisAgg;

const AGGREGATE_LIMIT = 51_200; // the KPL's AggregationMaxSize default
const MEASURE_MS = Number(process.env.BENCH_MS ?? 300);
const WARMUP_MS = 150;
const ROUNDS = 3;

let sink = 0; // defeats dead-code elimination

function makeRecords(count: number, dataBytes: number): { records: UserRecord[]; userBytes: number } {
  const records: UserRecord[] = [];
  let userBytes = 0;
  let seed = 12345;
  for (let i = 0; i < count; i++) {
    const data = Buffer.allocUnsafe(dataBytes);
    for (let j = 0; j < dataBytes; j++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      data[j] = 32 + (seed % 95);
    }
    // A uuid-like key per record, as most producers use.
    const partitionKey = `${(seed >>> 0).toString(16).padStart(8, '0')}-${i.toString(16).padStart(4, '0')}-4a1b-9c2d-${(i * 2654435761).toString(16).slice(-12).padStart(12, '0')}`;
    records.push({ partitionKey, data });
    userBytes += dataBytes + Buffer.byteLength(partitionKey);
  }
  return { records, userBytes };
}

function warmup(fn: () => void): void {
  const warmupEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmupEnd) fn();
}

/** Runs `fn` (one pass over the record set) repeatedly for ~MEASURE_MS; returns passes per second. */
function measure(fn: () => void): number {
  let passes = 0;
  const start = performance.now();
  let now = start;
  while (now - start < MEASURE_MS) {
    fn();
    passes++;
    now = performance.now();
  }
  return (passes * 1000) / (now - start);
}

function encodeOurs(records: readonly UserRecord[], out?: Uint8Array[]): void {
  const builder = new AggregateBuilder();
  for (const record of records) {
    if (builder.count > 0 && builder.sizeWith(record) > AGGREGATE_LIMIT) {
      const aggregate = builder.build();
      sink += aggregate.length;
      out?.push(aggregate);
      builder.reset();
    }
    builder.add(record);
  }
  const aggregate = builder.build();
  sink += aggregate.length;
  out?.push(aggregate);
}

function encodeTheirs(records: readonly UserRecord[]): void {
  const aggregator = new awsKinesisAgg.RecordAggregator();
  for (const record of records) {
    const r = record as { partitionKey: string; data: Buffer };
    if (
      aggregator.length() > 0 &&
      aggregator.totalBytes + aggregator.calculateUserRecordSize(r) > AGGREGATE_LIMIT - 20
    ) {
      sink += aggregator.build()?.data.length ?? 0;
    }
    aggregator.addUserRecord(r);
  }
  sink += aggregator.build()?.data.length ?? 0;
}

function decodeOurs(aggregates: readonly Uint8Array[]): void {
  for (const aggregate of aggregates) sink += decodeAggregate(aggregate).length;
}

function decodeTheirs(aggregates: readonly Uint8Array[]): void {
  for (const aggregate of aggregates) {
    awsKinesisAgg.deaggregateSync(
      { PartitionKey: 'a', SequenceNumber: '1', Data: aggregate as Buffer },
      true,
      (err, records) => {
        if (err) throw err;
        sink += records?.length ?? 0;
      },
    );
  }
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

interface Row {
  op: string;
  size: string;
  oursRecords: number;
  oursMBps: number;
  baseRecords: number;
  baseMBps: number;
}
const rows: Row[] = [];

/** Warms both up, then alternates ours/base for ROUNDS windows each and keeps each side's best (machine noise). */
function bestOf(ours: () => void, base: () => void): [number, number] {
  warmup(ours);
  warmup(base);
  let oursRate = 0;
  let baseRate = 0;
  for (let round = 0; round < ROUNDS; round++) {
    oursRate = Math.max(oursRate, measure(ours));
    baseRate = Math.max(baseRate, measure(base));
  }
  return [oursRate, baseRate];
}

function compare(op: string, size: string, count: number, userBytes: number, ours: () => void, base: () => void): void {
  const [oursRate, baseRate] = bestOf(ours, base);
  rows.push({
    op,
    size,
    oursRecords: oursRate * count,
    oursMBps: (oursRate * userBytes) / 1e6,
    baseRecords: baseRate * count,
    baseMBps: (baseRate * userBytes) / 1e6,
  });
  const row = rows[rows.length - 1]!;
  console.log(
    `${op.padEnd(7)} ${size.padStart(6)}  ours ${fmt(row.oursRecords).padStart(11)} rec/s ${fmt(row.oursMBps, 1).padStart(7)} MB/s` +
      `   baseline ${fmt(row.baseRecords).padStart(11)} rec/s ${fmt(row.baseMBps, 1).padStart(7)} MB/s   ratio ${fmt(oursRate / baseRate, 2)}x`,
  );
}

const started = performance.now();
console.log(
  `@pipeline/kpl-aggregation bench (Node ${process.version}, ~${AGGREGATE_LIMIT.toLocaleString('en-US')}-byte aggregates; MB/s = user data + key bytes)`,
);
console.log('baseline: aws-kinesis-agg 4.2.8 (RecordAggregator for encode, deaggregateSync for decode)\n');

for (const [label, dataBytes, count] of [
  ['100 B', 100, 20_000],
  ['200 B', 200, 10_000],
  ['1 KiB', 1024, 4_000],
] as const) {
  const { records, userBytes } = makeRecords(count, dataBytes);
  const aggregates: Uint8Array[] = [];
  encodeOurs(records, aggregates);
  compare(
    'encode',
    label,
    count,
    userBytes,
    () => encodeOurs(records),
    () => encodeTheirs(records),
  );
  compare(
    'decode',
    label,
    count,
    userBytes,
    () => decodeOurs(aggregates),
    () => decodeTheirs(aggregates),
  );
  console.log(
    `        ${' '.repeat(6)}  (${aggregates.length} aggregates, ${fmt(count / aggregates.length)} records each, ${fmt(aggregates.reduce((s, a) => s + a.length, 0) / aggregates.length)} bytes avg)`,
  );
}

{
  const keys = makeRecords(10_000, 0).records.map((r) => r.partitionKey);
  const ours = (): void => {
    for (const k of keys) sink += Number(partitionKeyHash(k) & 1n);
  };
  const base = (): void => {
    for (const k of keys) {
      const digest = createHash('md5').update(k).digest();
      sink += Number(((digest.readBigUInt64BE(0) << 64n) | digest.readBigUInt64BE(8)) & 1n);
    }
  };
  const [oursRate, baseRate] = bestOf(ours, base);
  console.log(
    `\nhash    ${'36 ch'.padStart(6)}  ours ${fmt(oursRate * keys.length).padStart(11)} keys/s` +
      `   baseline (createHash+digest+readBigUInt64BE) ${fmt(baseRate * keys.length).padStart(11)} keys/s   ratio ${fmt(oursRate / baseRate, 2)}x`,
  );
}

console.log(`\ndone in ${fmt((performance.now() - started) / 1000, 1)} s (sink ${sink % 10})`);
