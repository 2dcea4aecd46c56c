// The engines of the analytics integration tests: the runner jar built, kinesis-mock with the given streams,
// OpenSearch, and a Kinesis client (HTTP/1.1) for the puts.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type FlinkJob,
  type KinesisEmulator,
  type OpenSearchNode,
  startKinesis,
  startOpenSearch,
} from '@pipeline/local-stack';
import { NodeHttpHandler } from '@smithy/node-http-handler';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface Engines {
  readonly kinesis: KinesisEmulator;
  readonly opensearch: OpenSearchNode;
  readonly client: KinesisClient;
  /** Jobs to stop at the end. */
  readonly jobs: FlinkJob[];
  stop(): Promise<void>;
}

export async function startEngines(stateDir: string, name: string, streams: Record<string, number>): Promise<Engines> {
  const built = spawnSync(process.execPath, [path.join(packageRoot, 'scripts', 'build-runner.mjs'), '--quiet'], {
    encoding: 'utf8',
  });
  if (built.status !== 0) throw new Error(`runner build failed:\n${built.stderr}`);
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
