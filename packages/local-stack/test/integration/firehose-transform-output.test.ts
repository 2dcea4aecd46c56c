// Issue 15, defect 6, end to end: records through a real kinesis-mock stream, local-stack's Firehose delivery (real
// transformation events, real response checks, Parquet written by DuckDB) and a firehoseTransform handler whose
// output holds values JSON would change. Those records land under the error prefix with their original data and a
// logged reason naming the type and path; the others reach Parquet with exactly the values the handler returned,
// bytes in any holder included.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { firehoseTransform, type Logger, ok, type TransformResult } from '@pipeline/firehose-transform';
import { defineSchema, field } from '@pipeline/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KinesisEmulator, startFirehoseDelivery, startKinesis } from '../../src/index.js';

/** A logger that keeps every message. */
interface LogEntry {
  readonly level: string;
  readonly message: string;
  readonly context: Record<string, unknown> | undefined;
}
function memoryLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at = (level: string) => (message: string, context?: Record<string, unknown>) =>
    void entries.push({ level, message, context });
  return { entries, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const STREAM = 'faithful-output';
const schema = defineSchema({
  name: 'reading',
  fields: { id: field.string(), amount: field.double(), label: field.string() },
});

interface Input {
  id: string;
  amount: number;
  kind: string;
}

/** What the handler returns per kind, and the words of the reason for the ones that must fail. */
const cycle = (): object => {
  const node: Record<string, unknown> = { label: 'loop' };
  node.self = node;
  return node;
};
const OUTPUTS: Record<string, { make: (r: Input) => unknown; reason?: string }> = {
  good: { make: (r) => ({ id: r.id, amount: r.amount, label: 'plain' }) },
  date: { make: (r) => ({ id: r.id, amount: r.amount, label: { toJSON: () => 'via toJSON' } }) },
  buffer: { make: (r) => Buffer.from(JSON.stringify({ id: r.id, amount: r.amount, label: 'buffer' })) },
  arrayBuffer: {
    make: (r) =>
      new Uint8Array(Buffer.from(JSON.stringify({ id: r.id, amount: r.amount, label: 'arraybuffer' }))).buffer,
  },
  map: { make: (r) => ({ id: r.id, amount: r.amount, label: new Map([['a', 1]]) }), reason: 'data.label is a Map' },
  set: { make: () => new Set([1]), reason: 'data is a Set' },
  bigint: {
    make: (r) => ({ id: r.id, amount: BigInt(Math.floor(r.amount)), label: 'x' }),
    reason: 'data.amount is a BigInt',
  },
  nan: { make: (r) => ({ id: r.id, amount: Number.NaN, label: 'x' }), reason: 'data.amount is NaN' },
  cycle: {
    make: (r) => ({ id: r.id, amount: r.amount, label: 'x', extra: cycle() }),
    reason: 'data.extra.self is a cycle',
  },
  bytesInside: {
    make: (r) => ({ id: r.id, amount: r.amount, label: new Uint8Array([1, 2]) }),
    reason: 'data.label is a Uint8Array',
  },
};
const KINDS = Object.keys(OUTPUTS);

let kinesis: KinesisEmulator;
let duck: DuckDBInstance;
let tmp: string;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'firehose-transform-faithful-'));
  [kinesis, duck] = await Promise.all([
    startKinesis({ engine: 'kinesis-mock', streams: { [STREAM]: 2 } }),
    DuckDBInstance.create(':memory:'),
  ]);
}, 180_000);
afterAll(async () => {
  duck?.closeSync();
  await kinesis?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

async function putRecords(inputs: readonly Input[]): Promise<void> {
  const date = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const response = await fetch(kinesis.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'Kinesis_20131202.PutRecords',
      'x-amz-date': date,
      authorization: `AWS4-HMAC-SHA256 Credential=local/${date.slice(0, 8)}/${kinesis.region}/kinesis/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=0`,
    },
    body: JSON.stringify({
      StreamName: STREAM,
      Records: inputs.map((r) => ({ Data: Buffer.from(JSON.stringify(r)).toString('base64'), PartitionKey: r.id })),
    }),
  });
  const answer = (await response.json()) as { FailedRecordCount?: number };
  expect(response.status).toBe(200);
  expect(answer.FailedRecordCount ?? 0).toBe(0);
}

async function query<T>(sql: string): Promise<T[]> {
  const connection = await duck.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as T[];
  } finally {
    connection.closeSync();
  }
}

describe('output JSON cannot carry, through the local Firehose delivery', () => {
  it('fails exactly those records (original data under the error prefix, reason logged); the rest reach Parquet as returned', async () => {
    const inputs: Input[] = Array.from({ length: 200 }, (_, i) => ({
      id: `r${String(i).padStart(3, '0')}`,
      amount: i + 0.25,
      kind: KINDS[i % KINDS.length] as string,
    }));
    await putRecords(inputs);

    const logger = memoryLogger();
    const handler = firehoseTransform(
      (record) => {
        const input = record.json as Input;
        return ok((OUTPUTS[input.kind] as { make: (r: Input) => unknown }).make(input) as object) as TransformResult;
      },
      { logger },
    );
    const bucket = path.join(tmp, 'bucket');
    const delivery = await startFirehoseDelivery({
      kinesisEndpoint: kinesis.endpoint,
      streamName: STREAM,
      handler,
      schema,
      bucketDir: bucket,
      prefix: 'readings/',
      errorOutputPrefix: 'errors/!{firehose:error-output-type}/',
      bufferingHints: { sizeInMBs: 1, intervalInSeconds: 900 },
    });
    try {
      await delivery.flush();
    } finally {
      await delivery.stop();
    }

    const failing = inputs.filter((r) => OUTPUTS[r.kind]?.reason !== undefined);
    const delivered = inputs.filter((r) => OUTPUTS[r.kind]?.reason === undefined);
    const stats = delivery.stats;
    expect(stats.userRecords).toBe(inputs.length);
    expect(stats.ok).toBe(delivered.length);
    expect(stats.processingFailed).toBe(failing.length);
    expect(stats.formatConversionFailed).toBe(0);
    expect(stats.invocationErrors).toBe(0);

    // Parquet holds exactly what the handler returned for the records that could be carried.
    const rows = await query<{ id: string; amount: number; label: string }>(
      `SELECT id, amount, label FROM read_parquet('${bucket}/readings/*.parquet') ORDER BY id`,
    );
    const label: Record<string, string> = {
      good: 'plain',
      date: 'via toJSON',
      buffer: 'buffer',
      arrayBuffer: 'arraybuffer',
    };
    expect(rows).toEqual(delivered.map((r) => ({ id: r.id, amount: r.amount, label: label[r.kind] })));

    // The failed ones: original data under processing-failed, and a reason naming the type and path for each.
    const lines = fs
      .readdirSync(path.join(bucket, 'errors', 'processing-failed'), { recursive: true })
      .map((f) => path.join(bucket, 'errors', 'processing-failed', String(f)))
      .filter((f) => fs.statSync(f).isFile())
      .flatMap((f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean))
      .map((l) => JSON.parse(l) as { rawData: string });
    const raw = lines.map((l) => JSON.parse(Buffer.from(l.rawData, 'base64').toString('utf8')) as Input);
    expect(raw.sort((a, b) => a.id.localeCompare(b.id))).toEqual(failing);
    const reasons = logger.entries.filter((e) => e.context?.kind === 'error').map((e) => String(e.context?.reason));
    expect(reasons).toHaveLength(failing.length);
    for (const kind of KINDS.filter((k) => OUTPUTS[k]?.reason !== undefined)) {
      const count = failing.filter((r) => r.kind === kind).length;
      expect(reasons.filter((r) => r.includes(OUTPUTS[kind]?.reason as string))).toHaveLength(count);
    }
  });
});
