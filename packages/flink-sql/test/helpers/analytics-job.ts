// Starts the taxi analytics job (all five analyses, one statement set) on a MiniCluster against a stream and one set
// of indexes, with fast metrics and, when asked, retained checkpoints.
import fs from 'node:fs';
import path from 'node:path';
import { RUNNER_MAIN_CLASS, runnerJarPath } from '@pipeline/flink-sql-runner';
import { type FlinkJob, type KinesisEmulator, type OpenSearchNode, startFlinkJob } from '@pipeline/local-stack';
import {
  airportBoxParameters,
  bindParameters,
  TAXI_INDEX_PARAMETERS,
  type TaxiAnalysisName,
  taxiAnalyticsJob,
  writeParamsFile,
} from '../../src/index.js';
import { createIndex } from './harness.js';
import { tripSchema } from './taxi-schema.js';

export const analyticsJob = () =>
  taxiAnalyticsJob({
    schema: tripSchema,
    source: { local: true, startPosition: 'TRIM_HORIZON', outOfOrdernessSeconds: 'parameter', pollIntervalMs: 200 },
  });

export const indexName = (prefix: string, analysis: TaxiAnalysisName) =>
  `${prefix}-${analysis.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

export interface AnalyticsRun {
  readonly stateDir: string;
  readonly name: string;
  readonly kinesis: KinesisEmulator;
  readonly opensearch: OpenSearchNode;
  readonly stream: string;
  readonly indexPrefix: string;
  readonly boundSeconds: number;
  /** Create the indexes (first start only). */
  readonly createIndexes?: boolean;
  /** Retain checkpoints in this folder, one every `checkpointMs`. */
  readonly checkpointDir?: string;
  readonly checkpointMs?: number;
  readonly restoreFrom?: string;
}

export async function startAnalytics(run: AnalyticsRun): Promise<FlinkJob> {
  const job = analyticsJob();
  const dir = path.join(run.stateDir, run.name);
  fs.mkdirSync(dir, { recursive: true });
  const sqlFile = path.join(dir, 'analytics.sql');
  const paramsFile = path.join(dir, 'params.json');
  fs.writeFileSync(sqlFile, job.sql);
  const indexes = Object.fromEntries(
    Object.entries(TAXI_INDEX_PARAMETERS).map(([analysis, parameter]) => [
      parameter,
      indexName(run.indexPrefix, analysis as TaxiAnalysisName),
    ]),
  );
  writeParamsFile(
    paramsFile,
    bindParameters(job, {
      kinesisStream: run.stream,
      awsRegion: run.kinesis.region,
      kinesisEndpoint: run.kinesis.endpoint,
      kinesisAccessKeyId: run.kinesis.credentials.accessKeyId,
      kinesisSecretKey: run.kinesis.credentials.secretAccessKey,
      opensearchHosts: run.opensearch.url,
      outOfOrdernessSeconds: run.boundSeconds,
      ...indexes,
      ...airportBoxParameters(),
    } as never),
  );
  if (run.createIndexes ?? true) {
    for (const analysis of Object.values(job.analyses)) {
      await createIndex(run.opensearch.url, indexName(run.indexPrefix, analysis.name), analysis.mapping ?? {});
    }
  }
  const checkpointing: Record<string, string | number> = run.checkpointDir
    ? {
        'execution.checkpointing.interval': `${run.checkpointMs ?? 2000} ms`,
        'state.checkpoints.dir': `file://${path.resolve(run.checkpointDir)}`,
        'execution.checkpointing.externalized-checkpoint-retention': 'RETAIN_ON_CANCELLATION',
        'state.checkpoints.num-retained': 3,
      }
    : {};
  return startFlinkJob({
    jar: runnerJarPath(),
    mainClass: RUNNER_MAIN_CLASS,
    args: ['--sql', sqlFile, '--params', paramsFile],
    stateDir: run.stateDir,
    name: run.name,
    heap: '1g',
    flinkConf: { 'parallelism.default': 1, 'metrics.fetcher.update-interval': 500, ...checkpointing },
    ...(run.restoreFrom === undefined ? {} : { restoreFrom: run.restoreFrom }),
  });
}
