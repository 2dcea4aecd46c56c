import {
  DescribeStreamSummaryCommand,
  type DescribeStreamSummaryCommandOutput,
  KinesisClient,
  type KinesisClientConfig,
  ListShardsCommand,
  type ListShardsCommandInput,
  type ListShardsCommandOutput,
  PutRecordsCommand,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
} from '@aws-sdk/client-kinesis';

/** Replaces the SDK's retry middleware for one command, so every try is the producer's own and counted. */
const NO_RETRY_OPTIONS = {
  name: 'retryMiddleware',
  tags: ['RETRY'],
  step: 'finalizeRequest',
  priority: 'high',
  override: true,
} as const;

interface StackedCommand {
  middlewareStack: {
    add(
      middleware: (next: (args: unknown) => unknown) => (args: unknown) => unknown,
      options: typeof NO_RETRY_OPTIONS,
    ): void;
  };
}

function withoutSdkRetries<C>(command: C): C {
  (command as unknown as StackedCommand).middlewareStack.add((next) => (args) => next(args), NO_RETRY_OPTIONS);
  return command;
}

/** The three Kinesis calls the producer makes, each a single try with a timeout. */
export class KinesisApi {
  readonly client: KinesisClient;
  private readonly owned: boolean;

  constructor(client: KinesisClient | undefined, config: KinesisClientConfig | undefined) {
    this.owned = client === undefined;
    this.client = client ?? new KinesisClient({ ...config, maxAttempts: 1 });
  }

  putRecords(input: PutRecordsCommandInput, timeoutMs: number): Promise<PutRecordsCommandOutput> {
    return this.client.send(withoutSdkRetries(new PutRecordsCommand(input)), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
  }

  listShards(input: ListShardsCommandInput, timeoutMs: number): Promise<ListShardsCommandOutput> {
    return this.client.send(withoutSdkRetries(new ListShardsCommand(input)), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
  }

  describeStreamSummary(
    stream: { streamName?: string; streamARN?: string },
    timeoutMs: number,
  ): Promise<DescribeStreamSummaryCommandOutput> {
    const input = { StreamName: stream.streamName, StreamARN: stream.streamARN };
    return this.client.send(withoutSdkRetries(new DescribeStreamSummaryCommand(input)), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
  }

  /** Destroys the client if the producer built it. */
  destroy(): void {
    if (this.owned) this.client.destroy();
  }
}
