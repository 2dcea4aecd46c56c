// The engines of the analytics integration tests: the runner jar built, kinesis-mock with the given streams,
// OpenSearch, and a Kinesis client (HTTP/1.1) for the puts.
import fs from 'node:fs';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { ensureRunnerJar } from '@pipeline/flink-sql-runner';
import {
  type FlinkJob,
  type KinesisEmulator,
  type OpenSearchNode,
  startKinesis,
  startOpenSearch,
} from '@pipeline/local-stack';
import { NodeHttpHandler } from '@smithy/node-http-handler';

export interface Engines {
  readonly kinesis: KinesisEmulator;
  readonly opensearch: OpenSearchNode;
  readonly client: KinesisClient;
  /** Jobs to stop at the end. */
  readonly jobs: FlinkJob[];
  stop(): Promise<void>;
}

export async function startEngines(stateDir: string, name: string, streams: Record<string, number>): Promise<Engines> {
  await ensureRunnerJar();
  const [kinesis, opensearch] = await Promise.all([
    startKinesis({ engine: 'kinesis-mock', streams, stateDir }),
    startOpenSearch({ stateDir, name, clean: true, heap: '512m' }),
  ]);
  const client = new KinesisClient({
    endpoint: kinesis.endpoint,
    region: kinesis.region,
    credentials: kinesis.credentials,
    requestHandler: new NodeHttpHandler(),
  });
  const jobs: FlinkJob[] = [];
  return {
    kinesis,
    opensearch,
    client,
    jobs,
    async stop() {
      for (const job of jobs) await job.stop();
      client.destroy();
      await Promise.all([kinesis.stop(), opensearch.stop()]);
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
