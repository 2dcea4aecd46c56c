import type { ListShardsCommandInput, ListShardsCommandOutput, Shard } from '@aws-sdk/client-kinesis';
import type { Logger } from './logger.js';

export interface ShardRange {
  readonly shardId: string;
  readonly startingHashKey: bigint;
  readonly endingHashKey: bigint;
  readonly open: boolean;
}

export type ListShards = (input: ListShardsCommandInput) => Promise<ListShardsCommandOutput>;

/**
 * The stream's shards by hash-key range, from `ListShards`. Predicts the shard of a hash key from the open shards and
 * keeps closed shards' ranges so a record that landed in a parent or child can be checked against its range.
 */
export class ShardMap {
  private open: ShardRange[] = [];
  private byId = new Map<string, ShardRange>();
  private refreshing: Promise<void> | undefined;
  private lastRefreshAt = 0;
  private generation = 0;

  constructor(
    private readonly listShards: ListShards,
    private readonly stream: { readonly StreamName?: string; readonly StreamARN?: string },
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  get ready(): boolean {
    return this.open.length > 0;
  }

  /** Increments on every successful refresh. */
  get version(): number {
    return this.generation;
  }

  get shardCount(): number {
    return this.open.length;
  }

  /** The open shard whose range holds `hashKey`. */
  predict(hashKey: bigint): ShardRange | undefined {
    const shards = this.open;
    let lo = 0;
    let hi = shards.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (shards[mid]!.endingHashKey < hashKey) lo = mid + 1;
      else hi = mid;
    }
    const shard = shards[lo];
    return shard !== undefined && shard.startingHashKey <= hashKey && hashKey <= shard.endingHashKey
      ? shard
      : undefined;
  }

  /** Range of any shard the last refresh listed, open or closed. */
  range(shardId: string): ShardRange | undefined {
    return this.byId.get(shardId);
  }

  /** Reloads the map; concurrent calls share one `ListShards` walk. Rejects with the service error. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /** A refresh for a resharding signal; at most one per `minIntervalMs`, errors logged, never thrown. */
  invalidate(minIntervalMs = 1000): Promise<void> {
    if (this.refreshing) return this.refreshing.catch(() => {});
    if (this.now() - this.lastRefreshAt < minIntervalMs) return Promise.resolve();
    return this.refresh().catch((error: unknown) => {
      this.logger.warn('shard map refresh failed', { error: String(error) });
    });
  }

  private async load(): Promise<void> {
    const shards: Shard[] = [];
    let nextToken: string | undefined;
    do {
      const input: ListShardsCommandInput = nextToken
        ? { NextToken: nextToken, MaxResults: 1000 }
        : { ...this.stream, MaxResults: 1000 };
      const page = await this.listShards(input);
      shards.push(...(page.Shards ?? []));
      nextToken = page.NextToken;
    } while (nextToken);
    const ranges = shards.map(
      (shard): ShardRange => ({
        shardId: shard.ShardId ?? '',
        startingHashKey: BigInt(shard.HashKeyRange?.StartingHashKey ?? '0'),
        endingHashKey: BigInt(shard.HashKeyRange?.EndingHashKey ?? '0'),
        open: shard.SequenceNumberRange?.EndingSequenceNumber === undefined,
      }),
    );
    const open = ranges
      .filter((r) => r.open)
      .sort((a, b) => (a.endingHashKey < b.endingHashKey ? -1 : a.endingHashKey > b.endingHashKey ? 1 : 0));
    if (open.length === 0) throw new Error('ListShards returned no open shard');
    this.open = open;
    this.byId = new Map(ranges.map((r) => [r.shardId, r]));
    this.lastRefreshAt = this.now();
    this.generation++;
    this.logger.debug('shard map refreshed', { openShards: open.length, shards: ranges.length });
  }
}
