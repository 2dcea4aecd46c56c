import { setTimeout as delay } from 'node:timers/promises';
import {
  type KinesisClient,
  ListShardsCommand,
  type ListShardsCommandInput,
  PutRecordsCommand,
  type PutRecordsRequestEntry,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';

/** Partition key of every heartbeat entry (routing uses the explicit hash key of the target shard). */
export const HEARTBEAT_PARTITION_KEY = 'watermark-heartbeat';

export interface PutWatermarkHeartbeatsOptions {
  /** The Kinesis client (for a local emulator: with `requestHandler: new NodeHttpHandler()`). */
  readonly client: Pick<KinesisClient, 'send'>;
  /** Stream to write to. Give `streamName` or `streamARN`. */
  readonly streamName?: string;
  readonly streamARN?: string;
  /**
   * The heartbeat record, e.g. `watermarkHeartbeat(schema, 'pickupDate', at)` from `@pipeline/schema`; objects are
   * written as JSON. The same record goes to every open shard.
   */
  readonly record: object | string;
  /** Tries per shard before giving up. Default 3. */
  readonly maxAttempts?: number;
  /** First retry delay, ms (doubled per try). Default 100. */
  readonly retryBaseDelayMs?: number;
}

/** Where one heartbeat landed. */
export interface HeartbeatPlacement {
  readonly shardId: string;
  readonly sequenceNumber: string;
}

/** A heartbeat that did not reach its shard (or reached another one: a resharding in flight). */
export class WatermarkHeartbeatError extends Error {
  override readonly name = 'WatermarkHeartbeatError';
  constructor(
    message: string,
    /** Shard id -> the last error code (`WrongShard` when Kinesis put it on another shard). */
    readonly failures: Readonly<Record<string, string>>,
  ) {
    super(message);
  }
}

interface OpenShard {
  readonly shardId: string;
  readonly startingHashKey: string;
}

/** The open shards of the stream (no ending sequence number), from `ListShards`, following `NextToken`. */
export async function listOpenShards(
  client: Pick<KinesisClient, 'send'>,
  stream: { readonly streamName?: string | undefined; readonly streamARN?: string | undefined },
): Promise<OpenShard[]> {
  const shards: OpenShard[] = [];
  let nextToken: string | undefined;
  do {
    const input: ListShardsCommandInput = nextToken
      ? { NextToken: nextToken }
      : { StreamName: stream.streamName, StreamARN: stream.streamARN };
    const page = await client.send(new ListShardsCommand(input));
    for (const shard of page.Shards ?? []) {
      if (shard.SequenceNumberRange?.EndingSequenceNumber !== undefined) continue;
      if (!shard.ShardId || !shard.HashKeyRange?.StartingHashKey) continue;
      shards.push({ shardId: shard.ShardId, startingHashKey: shard.HashKeyRange.StartingHashKey });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return shards;
}

/**
 * Puts one watermark heartbeat on every open shard of the stream: the shard map comes from `ListShards`, and each
 * entry carries the shard's starting hash key as its explicit hash key, so it lands on that shard. Call it after the
 * data is flushed (`producer.flush()`): a heartbeat moves the consumer's event time to its timestamp, so data put
 * after it with an older event time is late. Failed entries are retried; resolves with where each landed, or rejects
 * with a {@link WatermarkHeartbeatError} naming every shard that did not get one.
 */
export async function putWatermarkHeartbeats(options: PutWatermarkHeartbeatsOptions): Promise<HeartbeatPlacement[]> {
  const { client, streamName, streamARN } = options;
  if (!streamName && !streamARN) throw new TypeError('putWatermarkHeartbeats: give streamName or streamARN');
  const maxAttempts = options.maxAttempts ?? 3;
  const baseDelay = options.retryBaseDelayMs ?? 100;
  if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
    throw new TypeError(`putWatermarkHeartbeats: maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  }
  const data = Buffer.from(typeof options.record === 'string' ? options.record : JSON.stringify(options.record));
  let pending = await listOpenShards(client, { streamName, streamARN });
  if (pending.length === 0) throw new WatermarkHeartbeatError('the stream has no open shard', {});
  const placed: HeartbeatPlacement[] = [];
  const failures: Record<string, string> = {};
  for (let attempt = 1; pending.length > 0 && attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await delay(baseDelay * 2 ** (attempt - 2));
    const entries: PutRecordsRequestEntry[] = pending.map((shard) => ({
      PartitionKey: HEARTBEAT_PARTITION_KEY,
      ExplicitHashKey: shard.startingHashKey,
      Data: data,
    }));
    let results: PutRecordsResultEntry[];
    try {
      const out = await client.send(
        new PutRecordsCommand({ StreamName: streamName, StreamARN: streamARN, Records: entries }),
      );
      results = out.Records ?? [];
    } catch (error) {
      const code = (error as { name?: string }).name ?? 'Error';
      for (const shard of pending) failures[shard.shardId] = code;
      continue;
    }
    const retry: OpenShard[] = [];
    pending.forEach((shard, i) => {
      const result = results[i];
      if (result?.SequenceNumber && result.ShardId === shard.shardId) {
        placed.push({ shardId: shard.shardId, sequenceNumber: result.SequenceNumber });
        delete failures[shard.shardId];
      } else {
        failures[shard.shardId] = result?.ErrorCode ?? (result?.SequenceNumber ? 'WrongShard' : 'NoResult');
        // Landed elsewhere: that shard has one more heartbeat (harmless); this one still needs its own.
        retry.push(shard);
      }
    });
    pending = retry;
  }
  if (pending.length > 0) {
    const list = pending.map((s) => `${s.shardId} (${failures[s.shardId]})`).join(', ');
    throw new WatermarkHeartbeatError(`no watermark heartbeat reached ${list} after ${maxAttempts} tries`, failures);
  }
  return placed;
}
