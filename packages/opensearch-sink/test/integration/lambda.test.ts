import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { encodeAggregate } from '@pipeline/kpl-aggregation';
import { kinesisClientConfig } from '@pipeline/local-stack';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKinesisHandler, type DeadLetter, type KinesisStreamEvent, OpenSearchSink } from '../../src/index.js';
import { allIds, call, count, freshIndex } from '../support/opensearch-http.js';

const url = inject('opensearchUrl');
const endpoint = inject('kinesisMockEndpoint');
const region = inject('kinesisMockRegion');
const STREAM = 'sink-events';

interface Ride {
  ride: number;
  fare: number | string;
}

const encoder = new TextEncoder();
const json = (value: unknown) => encoder.encode(JSON.stringify(value));

describe('Lambda Kinesis consumer with real aggregated records from kinesis-mock', () => {
  let kinesis: KinesisClient;
  let event: KinesisStreamEvent;
  let aggregateSequences: string[];
  let badSequence: string;

  beforeAll(async () => {
    kinesis = new KinesisClient({
      ...kinesisClientConfig({ endpoint, region }),
      requestHandler: new NodeHttpHandler({ connectionTimeout: 5000 }),
    });
    // Three KPL aggregates of 5 user records each and one plain record; one sub-record has a bad fare.
    aggregateSequences = [];
    let ride = 0;
    for (let a = 0; a < 3; a++) {
      const records = [];
      for (let i = 0; i < 5; i++) {
        const fare: number | string = a === 1 && i === 2 ? 'not a number' : ride * 1.5;
        records.push({ partitionKey: `pk-${ride}`, data: json({ ride: ride++, fare }) });
      }
      const out = await kinesis.send(
        new PutRecordCommand({ StreamName: STREAM, PartitionKey: `agg-${a}`, Data: encodeAggregate(records) }),
      );
      aggregateSequences.push(out.SequenceNumber!);
    }
    badSequence = aggregateSequences[1]!;
    await kinesis.send(
      new PutRecordCommand({ StreamName: STREAM, PartitionKey: 'plain', Data: json({ ride: ride++, fare: 9 }) }),
    );

    const shards = await kinesis.send(new ListShardsCommand({ StreamName: STREAM }));
    const shardId = shards.Shards![0]!.ShardId!;
    const iterator = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: STREAM, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator.ShardIterator!, Limit: 100 }));
    expect(got.Records).toHaveLength(4);
    // The event Lambda's Kinesis event source would deliver for these records.
    event = {
      Records: got.Records!.map((r) => ({
        eventID: `${shardId}:${r.SequenceNumber}`,
        eventSourceARN: `arn:aws:kinesis:${region}:000000000000:stream/${STREAM}`,
        kinesis: {
          partitionKey: r.PartitionKey!,
          data: Buffer.from(r.Data!).toString('base64'),
          sequenceNumber: r.SequenceNumber!,
          approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? 0) / 1000,
        },
      })),
    };
  });

  afterAll(() => {
    kinesis?.destroy();
  });

  const mapping = { dynamic: 'strict', properties: { ride: { type: 'long' }, fare: { type: 'double' } } };

  it('indexes every user record; the failing sub-record reports its outer record; a replay changes nothing', async () => {
    const index = 'it-lambda';
    await freshIndex(url, index, mapping);
    const sink = new OpenSearchSink<Ride>({ node: url, index, action: 'create', flushInterval: 50 });
    const handler = createKinesisHandler({ sink });
    const context = { getRemainingTimeInMillis: () => 30_000 };

    const first = await handler(event, context);
    expect(first).toEqual({ batchItemFailures: [{ itemIdentifier: badSequence }] });
    expect(await count(url, index)).toBe(15);
    const ids = await allIds(url, index);
    expect(ids).toContain(`shardId-000000000000-${aggregateSequences[0]}-4`);
    expect(ids).not.toContain(`shardId-000000000000-${badSequence}-2`);

    // Lambda replays from the failed record on; the ids make the replay idempotent (409 = already indexed).
    const replay: KinesisStreamEvent = {
      Records: event.Records.filter((r) => BigInt(r.kinesis.sequenceNumber) >= BigInt(badSequence)),
    };
    const second = await handler(replay, context);
    expect(second.batchItemFailures).toEqual([{ itemIdentifier: badSequence }]);
    expect(await count(url, index)).toBe(15);
    expect(sink.stats.exists).toBe(4 + 5 + 1); // the good sub-records of the failing aggregate and all later ones
    await sink.close();
    await call(url, 'DELETE', `/${index}`);
  });

  it('dead-lettered sub-records count as handled: no batch item failures', async () => {
    const index = 'it-lambda-dlq';
    await freshIndex(url, index, mapping);
    const letters: DeadLetter<Ride>[] = [];
    const sink = new OpenSearchSink<Ride>({
      node: url,
      index,
      flushInterval: 50,
      onDeadLetter: (letter) => {
        letters.push(letter);
      },
    });
    const handler = createKinesisHandler({ sink });
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      id: `shardId-000000000000-${badSequence}-2`,
      document: { ride: 7, fare: 'not a number' },
    });
    expect(letters[0]!.reason).toMatch(/mapper_parsing_exception/);
    expect(await count(url, index)).toBe(15);
    await sink.close();
    await call(url, 'DELETE', `/${index}`);
  });

  it('records that are not JSON fail their outer record, or go to onInvalidRecord', async () => {
    const index = 'it-lambda-invalid';
    await freshIndex(url, index, mapping);
    const sink = new OpenSearchSink<Ride>({ node: url, index, flushInterval: 50 });
    const broken: KinesisStreamEvent = {
      Records: [
        ...event.Records.slice(0, 1),
        {
          ...event.Records[3]!,
          kinesis: { ...event.Records[3]!.kinesis, data: Buffer.from('{not json').toString('base64') },
        },
      ],
    };
    const failing = await createKinesisHandler({ sink })(broken);
    expect(failing.batchItemFailures).toEqual([{ itemIdentifier: event.Records[3]!.kinesis.sequenceNumber }]);
    const invalid: unknown[] = [];
    const handled = await createKinesisHandler({ sink, onInvalidRecord: (error) => void invalid.push(error) })(broken);
    expect(handled.batchItemFailures).toEqual([]);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toBeInstanceOf(SyntaxError);
    await sink.close();
    await call(url, 'DELETE', `/${index}`);
  });
});
