import { deaggregate } from '@pipeline/kpl-aggregation';
import { KinesisProducer } from '@pipeline/producer';
import agg from 'aws-kinesis-agg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createStream, localClient, localClientConfig, readAll, uniqueStreamName } from '../support/stream.js';

describe.each([
  ['kinesis-mock', () => inject('kinesisMockEndpoint')],
  ['kinesalite', () => inject('kinesaliteEndpoint')],
])('producer against %s', (_engine, endpointOf) => {
  const endpoint = endpointOf();
  const client = localClient(endpoint);
  afterAll(() => client.destroy());

  it('delivers aggregated records that KPL-compatible readers (ours and aws-kinesis-agg) unpack', async () => {
    const stream = uniqueStreamName('basic');
    await createStream(client, stream, 2);
    const producer = new KinesisProducer({ streamName: stream, clientConfig: localClientConfig(endpoint) });
    const input = Array.from({ length: 1000 }, (_, i) => ({
      partitionKey: `trip-${i}`,
      data: JSON.stringify({ id: i }),
    }));
    const results = await Promise.all(input.map((r) => producer.put(r)));
    await producer.close();
    expect(results.every((r) => r.attempts.at(-1)?.success)).toBe(true);
    expect(results.some((r) => r.aggregated)).toBe(true);

    const { records } = await readAll(client, stream);
    const ours = records.flatMap((r) => deaggregate(r).map((u) => Buffer.from(u.data).toString()));
    expect(ours.sort()).toEqual(input.map((r) => r.data).sort());

    const theirs: string[] = [];
    for (const r of records) {
      agg.deaggregateSync(
        {
          data: Buffer.from(r.data).toString('base64'),
          partitionKey: r.partitionKey,
          sequenceNumber: r.sequenceNumber,
          approximateArrivalTimestamp: 0,
          kinesisSchemaVersion: '1.0',
        },
        true,
        (err, subs) => {
          if (err) throw err;
          for (const s of subs ?? []) theirs.push(Buffer.from(String(s.data), 'base64').toString());
        },
      );
    }
    expect(theirs.sort()).toEqual(ours);
    const m = producer.metrics();
    expect(m.UserRecordsPut).toBe(1000);
    expect(m.KinesisRecordsPut).toBe(records.length);
  });

  it('fails fast with ResourceNotFoundException for a missing stream', async () => {
    const producer = new KinesisProducer({
      streamName: uniqueStreamName('missing'),
      clientConfig: localClientConfig(endpoint),
    });
    const error = await producer.put({ partitionKey: 'k', data: 'x' }).catch((e) => e);
    expect(error.code).toBe('ResourceNotFoundException');
    await producer.close();
  });

  it('rejects a record over 1 MiB at put, naming the size and the limit', async () => {
    const stream = uniqueStreamName('size');
    await createStream(client, stream, 1);
    const producer = new KinesisProducer({ streamName: stream, clientConfig: localClientConfig(endpoint) });
    await producer.put({ partitionKey: 'k', data: 'warm' });
    const error = await producer.put({ partitionKey: 'key', data: new Uint8Array(1024 * 1024 - 2) }).catch((e) => e);
    expect(error.code).toBe('RecordTooLarge');
    expect(error.message).toMatch(/1048577 bytes .* limit is 1048576/);
    const fits = await producer.put({ partitionKey: 'key', data: new Uint8Array(1024 * 1024 - 3) });
    expect(fits.aggregated).toBe(false);
    await producer.close();
  });
});

describe('producer addressing the stream by ARN (kinesis-mock)', () => {
  it('lists shards, learns the record limit and puts by StreamARN', async () => {
    const endpoint = inject('kinesisMockEndpoint');
    const client = localClient(endpoint);
    const stream = uniqueStreamName('arn');
    await createStream(client, stream, 2);
    const streamARN = `arn:aws:kinesis:${inject('kinesisMockRegion')}:${inject('kinesisMockAccountId')}:stream/${stream}`;
    const producer = new KinesisProducer({ streamARN, clientConfig: localClientConfig(endpoint) });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => producer.put({ partitionKey: `k${i}`, data: `arn-${i}` })),
    );
    await producer.close();
    expect(new Set(results.map((r) => r.shardId)).size).toBe(2);
    const { records } = await readAll(client, stream);
    expect(records.flatMap((r) => deaggregate(r)).length).toBe(50);
    client.destroy();
  });
});
