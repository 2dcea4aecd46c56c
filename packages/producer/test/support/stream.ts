import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { kinesisClientConfig } from '@pipeline/local-stack';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** An SDK client for a local emulator (or a proxy in front of it): HTTP/1.1, SDK retries off. */
export function localClient(endpoint: string): KinesisClient {
  return new KinesisClient({
    ...kinesisClientConfig({ endpoint }),
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000 }),
    maxAttempts: 1,
  });
}

export function localClientConfig(endpoint: string) {
  return { ...kinesisClientConfig({ endpoint }), requestHandler: new NodeHttpHandler({ connectionTimeout: 5000 }) };
}

let counter = 0;
export function uniqueStreamName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
}

export async function createStream(client: KinesisClient, name: string, shards: number): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (let i = 0; i < 200; i++) {
    const out = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

export async function listShards(client: KinesisClient, name: string): Promise<Shard[]> {
  const shards: Shard[] = [];
  let token: string | undefined;
  do {
    const out = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: name }));
    shards.push(...(out.Shards ?? []));
    token = out.NextToken;
  } while (token);
  return shards;
}

export interface ReadRecord {
  shardId: string;
  partitionKey: string;
  explicitHashKey: string | undefined;
  data: Uint8Array;
  sequenceNumber: string;
}

/** Reads every record of every shard (open and closed) from the start. */
export async function readAll(
  client: KinesisClient,
  name: string,
): Promise<{ records: ReadRecord[]; shards: Shard[] }> {
  const shards = await listShards(client, name);
  const records: ReadRecord[] = [];
  for (const shard of shards) {
    const it = await client.send(
      new GetShardIteratorCommand({ StreamName: name, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    let iterator = it.ShardIterator;
    let empty = 0;
    while (iterator && empty < 2) {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10000 }));
      const batch = out.Records ?? [];
      for (const r of batch) {
        records.push({
          shardId: shard.ShardId!,
          partitionKey: r.PartitionKey!,
          explicitHashKey: (r as { ExplicitHashKey?: string }).ExplicitHashKey,
          data: r.Data!,
          sequenceNumber: r.SequenceNumber!,
        });
      }
      empty = batch.length === 0 ? empty + 1 : 0;
      iterator = out.NextShardIterator;
    }
  }
  return { records, shards };
}
