// The local Lambda Kinesis event-source mapping against the shared kinesis-mock: real-shaped events, batch size,
// order, bisection on error with retries and a discard, ReportBatchItemFailures, checkpoint restarts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { KinesisStreamEvent } from 'aws-lambda';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { kinesisCall } from '../../src/internal/http-json.js';
import { type DiscardedBatch, startKinesisEventSource } from '../../src/kinesis/event-source.js';
import { uniqueStream } from './helpers.js';

const endpoint = () => inject('kinesisMockEndpoint');
const call = <T = Record<string, unknown>>(op: string, body: unknown) => kinesisCall<T>(endpoint(), op, body);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'event-source-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function createStream(name: string): Promise<void> {
  await call('CreateStream', { StreamName: name, ShardCount: 1 });
  for (let i = 0; i < 400; i++) {
    const s = await call<{ StreamDescriptionSummary: { StreamStatus: string } }>('DescribeStreamSummary', {
      StreamName: name,
    });
    if (s.StreamDescriptionSummary.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`stream ${name} not ACTIVE`);
}

async function put(name: string, from: number, to: number): Promise<void> {
  const records = [];
  for (let i = from; i < to; i++) {
    records.push({ Data: Buffer.from(JSON.stringify({ n: i })).toString('base64'), PartitionKey: `k${i % 7}` });
  }
  for (let i = 0; i < records.length; i += 500) {
    await call('PutRecords', { StreamName: name, Records: records.slice(i, i + 500) });
  }
}

const numbers = (event: KinesisStreamEvent) =>
  event.Records.map((r) => (JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString('utf8')) as { n: number }).n);

describe('startKinesisEventSource (kinesis-mock)', () => {
  it('invokes with real-shaped events, in order, at most batchSize records each', async () => {
    const stream = uniqueStream('es-shape');
    await createStream(stream);
    await put(stream, 0, 250);
    const events: KinesisStreamEvent[] = [];
    const source = await startKinesisEventSource({
      kinesisEndpoint: endpoint(),
      streamName: stream,
      batchSize: 100,
      handler: (event) => {
        events.push(event);
      },
    });
    await source.flush();
    await source.stop();
    expect(events.flatMap(numbers)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(Math.max(...events.map((e) => e.Records.length))).toBeLessThanOrEqual(100);
    const first = events[0]!.Records[0]!;
    expect(first).toMatchObject({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      awsRegion: 'us-east-1',
      eventSourceARN: `arn:aws:kinesis:us-east-1:000000000000:stream/${stream}`,
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'k0' },
    });
    expect(first.eventID).toBe(`shardId-000000000000:${first.kinesis.sequenceNumber}`);
    expect(typeof first.kinesis.approximateArrivalTimestamp).toBe('number');
    expect(source.stats).toMatchObject({ kinesisRecords: 250, processed: 250, discarded: 0, functionErrors: 0 });
  });

  it('bisects a failing batch down to the poison record, retries it, then discards only it', async () => {
    const stream = uniqueStream('es-bisect');
    await createStream(stream);
    await put(stream, 0, 64);
    const delivered: number[] = [];
    const discarded: DiscardedBatch[] = [];
    const source = await startKinesisEventSource({
      kinesisEndpoint: endpoint(),
      streamName: stream,
      batchSize: 64,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 2,
      retryBaseDelayMs: 1,
      onDiscard: (b) => {
        discarded.push(b);
      },
      handler: (event) => {
        const ns = numbers(event);
        if (ns.includes(37)) throw new Error('poison record 37');
        delivered.push(...ns);
      },
    });
    await source.flush();
    await source.stop();
    expect(delivered).toEqual(Array.from({ length: 64 }, (_, i) => i).filter((n) => n !== 37));
    expect(discarded).toHaveLength(1);
    expect(discarded[0]).toMatchObject({ reason: 'retries-exhausted', records: 1 });
    expect((discarded[0]!.error as Error).message).toBe('poison record 37');
    expect(source.stats.bisections).toBe(6);
    expect(source.stats.discarded).toBe(1);
  });

  it('with ReportBatchItemFailures resumes from the lowest failed record only', async () => {
    const stream = uniqueStream('es-partial');
    await createStream(stream);
    await put(stream, 0, 10);
    const seen: number[][] = [];
    let failedOnce = false;
    const source = await startKinesisEventSource({
      kinesisEndpoint: endpoint(),
      streamName: stream,
      batchSize: 10,
      reportBatchItemFailures: true,
      retryBaseDelayMs: 1,
      handler: (event) => {
        seen.push(numbers(event));
        if (failedOnce) return { batchItemFailures: [] };
        failedOnce = true;
        const at = (n: number) => event.Records[n]!.kinesis.sequenceNumber;
        return { batchItemFailures: [{ itemIdentifier: at(8) }, { itemIdentifier: at(6) }] };
      },
    });
    await source.flush();
    await source.stop();
    expect(seen).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [6, 7, 8, 9],
    ]);
    expect(source.stats).toMatchObject({ partialFailures: 1, processed: 10, discarded: 0 });
  });

  it('resumes from its checkpoint after a restart and refuses a checkpoint of another stream', async () => {
    const stream = uniqueStream('es-checkpoint');
    await createStream(stream);
    await put(stream, 0, 30);
    const checkpointFile = path.join(dir, `${stream}.json`);
    const seen: number[] = [];
    const options = {
      kinesisEndpoint: endpoint(),
      streamName: stream,
      checkpointFile,
      handler: (event: KinesisStreamEvent) => {
        seen.push(...numbers(event));
      },
    };
    const first = await startKinesisEventSource(options);
    await first.flush();
    await first.stop();
    await put(stream, 30, 40);
    const second = await startKinesisEventSource(options);
    await second.flush();
    await second.stop();
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(second.stats.processed).toBe(10);

    const other = uniqueStream('es-other');
    await createStream(other);
    await expect(startKinesisEventSource({ ...options, streamName: other })).rejects.toThrow(
      new RegExp(
        `checkpoint .* belongs to arn:aws:kinesis:us-east-1:000000000000:stream/${stream} created .*, not to .*stream/${other}`,
      ),
    );
  });
});
