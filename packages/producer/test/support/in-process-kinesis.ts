import { createHash } from 'node:crypto';
import { KinesisClient, type KinesisClientConfig } from '@aws-sdk/client-kinesis';

/**
 * An in-process Kinesis for unit tests and benchmarks: a real `KinesisClient` whose request handler answers the
 * JSON 1.1 protocol from memory. Routing follows the service (explicit hash key, else MD5 of the partition key).
 */
export interface FakeShard {
  shardId: string;
  start: bigint;
  end: bigint;
  open: boolean;
  parent?: string;
  records: StoredRecord[];
}

export interface StoredRecord {
  partitionKey: string;
  explicitHashKey: string | undefined;
  data: Buffer;
  sequenceNumber: string;
  shardId: string;
}

export interface RequestContext {
  readonly operation: string;
  readonly body: Record<string, unknown>;
  readonly call: number;
}

export interface FaultHooks {
  /** Before handling: return an HTTP error, throw a network error, or undefined to go on. */
  request?: (ctx: RequestContext) => { status: number; type: string; message?: string } | undefined;
  /** Per PutRecords entry: an ErrorCode to answer instead of storing it. */
  entry?: (
    entry: { PartitionKey: string; ExplicitHashKey?: string },
    index: number,
    ctx: RequestContext,
  ) => string | undefined;
  /** Added delay per request, ms. */
  latencyMs?: number;
  /** Before handling: return a promise to hold the request until it settles (e.g. a gate the test opens). */
  hold?: (ctx: RequestContext) => Promise<void> | undefined;
  /** Called after the request was applied, before answering: throw to lose the response. */
  afterApply?: (ctx: RequestContext) => void;
}

const MAX = (1n << 128n) - 1n;

export class InProcessKinesis {
  readonly shards: FakeShard[] = [];
  readonly calls: RequestContext[] = [];
  hooks: FaultHooks = {};
  maxRecordSizeInKiB: number | undefined;
  private seq = 0n;
  private nextShard = 0;

  constructor(
    shardCount = 1,
    readonly streamName = 'test-stream',
  ) {
    for (let i = 0; i < shardCount; i++) {
      const start = (MAX / BigInt(shardCount)) * BigInt(i) + (i === 0 ? 0n : 1n);
      const end = i === shardCount - 1 ? MAX : (MAX / BigInt(shardCount)) * BigInt(i + 1);
      this.addShard(start, end);
    }
  }

  get streamARN(): string {
    return `arn:aws:kinesis:us-east-1:000000000000:stream/${this.streamName}`;
  }

  /** All stored records in arrival order per shard. */
  get records(): StoredRecord[] {
    return this.shards.flatMap((s) => s.records);
  }

  callsOf(operation: string): RequestContext[] {
    return this.calls.filter((c) => c.operation === operation);
  }

  splitShard(shardId: string, at?: bigint): [FakeShard, FakeShard] {
    const parent = this.shards.find((s) => s.shardId === shardId && s.open);
    if (!parent) throw new Error(`no open shard ${shardId}`);
    const mid = at ?? parent.start + (parent.end - parent.start) / 2n;
    parent.open = false;
    const a = this.addShard(parent.start, mid - 1n, parent.shardId);
    const b = this.addShard(mid, parent.end, parent.shardId);
    return [a, b];
  }

  client(config: KinesisClientConfig = {}): KinesisClient {
    return new KinesisClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      endpoint: 'http://in-process.invalid',
      ...config,
      requestHandler: { handle: (request: HandlerRequest) => this.handle(request) } as never,
    });
  }

  private addShard(start: bigint, end: bigint, parent?: string): FakeShard {
    const shard: FakeShard = {
      shardId: `shardId-${String(this.nextShard++).padStart(12, '0')}`,
      start,
      end,
      open: true,
      records: [],
      ...(parent ? { parent } : {}),
    };
    this.shards.push(shard);
    return shard;
  }

  private async handle(request: HandlerRequest): Promise<{ response: HandlerResponse }> {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.split('.')[1] ?? '';
    const raw = request.body;
    const text =
      typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8');
    const body = JSON.parse(text) as Record<string, unknown>;
    const ctx: RequestContext = { operation, body, call: this.calls.length };
    this.calls.push(ctx);
    if (this.hooks.latencyMs) await new Promise((r) => setTimeout(r, this.hooks.latencyMs));
    const held = this.hooks.hold?.(ctx);
    if (held) await held;
    const fault = this.hooks.request?.(ctx);
    if (fault) return respond(fault.status, { __type: fault.type, message: fault.message ?? fault.type });
    const result = this.apply(operation, body, ctx);
    this.hooks.afterApply?.(ctx);
    return result;
  }

  private apply(operation: string, body: Record<string, unknown>, ctx: RequestContext): { response: HandlerResponse } {
    switch (operation) {
      case 'ListShards':
        return respond(200, {
          Shards: this.shards.map((s) => ({
            ShardId: s.shardId,
            ...(s.parent ? { ParentShardId: s.parent } : {}),
            HashKeyRange: { StartingHashKey: s.start.toString(), EndingHashKey: s.end.toString() },
            SequenceNumberRange: { StartingSequenceNumber: '0', ...(s.open ? {} : { EndingSequenceNumber: '9' }) },
          })),
        });
      case 'DescribeStreamSummary':
        return respond(200, {
          StreamDescriptionSummary: {
            StreamName: this.streamName,
            StreamARN: this.streamARN,
            StreamStatus: 'ACTIVE',
            OpenShardCount: this.shards.filter((s) => s.open).length,
            ...(this.maxRecordSizeInKiB ? { MaxRecordSizeInKiB: this.maxRecordSizeInKiB } : {}),
          },
        });
      case 'PutRecords': {
        const entries = body.Records as Array<{ Data: string; PartitionKey: string; ExplicitHashKey?: string }>;
        let failed = 0;
        const results = entries.map((entry, index) => {
          const code = this.hooks.entry?.(entry, index, ctx);
          if (code) {
            failed++;
            return { ErrorCode: code, ErrorMessage: `${code} (injected)` };
          }
          const stored = this.store(entry);
          return { ShardId: stored.shardId, SequenceNumber: stored.sequenceNumber };
        });
        return respond(200, { FailedRecordCount: failed, Records: results });
      }
      default:
        return respond(400, { __type: 'UnknownOperationException', message: operation });
    }
  }

  private store(entry: { Data: string; PartitionKey: string; ExplicitHashKey?: string }): StoredRecord {
    const hashKey =
      entry.ExplicitHashKey !== undefined
        ? BigInt(entry.ExplicitHashKey)
        : BigInt(`0x${createHash('md5').update(entry.PartitionKey, 'utf8').digest('hex')}`);
    const shard = this.shards.find((s) => s.open && s.start <= hashKey && hashKey <= s.end);
    if (!shard) throw new Error(`no shard for ${hashKey}`);
    const record: StoredRecord = {
      partitionKey: entry.PartitionKey,
      explicitHashKey: entry.ExplicitHashKey,
      data: Buffer.from(entry.Data, 'base64'),
      sequenceNumber: (this.seq++).toString().padStart(20, '0'),
      shardId: shard.shardId,
    };
    shard.records.push(record);
    return record;
  }
}

interface HandlerRequest {
  headers: Record<string, string | undefined>;
  body: string | Uint8Array;
}

interface HandlerResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array;
}

function respond(statusCode: number, payload: unknown): { response: HandlerResponse } {
  const body = Buffer.from(JSON.stringify(payload));
  return {
    response: {
      statusCode,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(body.length) },
      body,
    },
  };
}

/** A network error as Node's HTTP client raises it. */
export function networkError(code = 'ECONNRESET'): Error {
  return Object.assign(new Error(code === 'ECONNRESET' ? 'socket hang up' : code), { code });
}
