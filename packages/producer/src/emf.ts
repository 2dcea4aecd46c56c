import { type EmfMetric, emfDocument } from '@pipeline/commons';
import type { MetricsSnapshot } from './metrics.js';
import type { KinesisProducer } from './producer.js';

/** Options of `reportMetricsAsEmf`. */
export interface EmfReporterOptions {
  /** CloudWatch namespace. Default `KinesisProducerLibrary` (the KPL's). */
  namespace?: string;
  /** Dimensions added to every metric, e.g. `{ StreamName: 'trips' }`. */
  dimensions?: Record<string, string>;
  /** Where each EMF JSON line goes. Default `process.stdout` (Lambda ships stdout to CloudWatch Logs). */
  write?: (line: string) => void;
}

const COUNTERS = [
  'UserRecordsReceived',
  'UserRecordsPending',
  'UserRecordsPut',
  'UserRecordsDataPut',
  'UserRecordExpired',
  'UserRecordsFailed',
  'KinesisRecordsPut',
  'KinesisRecordsDataPut',
  'PutRecordsRequests',
  'AllErrors',
  'Retries',
  'AmbiguousRetries',
  'WrongShard',
  'MisroutedAggregates',
] as const satisfies ReadonlyArray<keyof MetricsSnapshot>;

const UNITS: Partial<Record<string, string>> = {
  UserRecordsDataPut: 'Bytes',
  KinesisRecordsDataPut: 'Bytes',
  BufferingTime: 'Milliseconds',
  RequestTime: 'Milliseconds',
};

/**
 * Renders a snapshot as one CloudWatch Embedded Metric Format document. Counters are cumulative since the producer
 * started, reported as the change since `previous` when given.
 */
export function toEmf(
  snapshot: MetricsSnapshot,
  options: Pick<EmfReporterOptions, 'namespace' | 'dimensions'> = {},
  previous?: MetricsSnapshot,
): Record<string, unknown> {
  const metrics: EmfMetric[] = [];
  for (const name of COUNTERS) {
    const value = snapshot[name] - (previous && name !== 'UserRecordsPending' ? previous[name] : 0);
    metrics.push([name, value, UNITS[name] ?? 'Count']);
  }
  for (const name of ['BufferingTime', 'RequestTime', 'RetriesPerRecord', 'UserRecordsPerKinesisRecord'] as const) {
    metrics.push([name, snapshot[name].mean, UNITS[name] ?? 'Count']);
  }
  return emfDocument({
    namespace: options.namespace ?? 'KinesisProducerLibrary',
    dimensions: options.dimensions ?? {},
    metrics,
    timestamp: snapshot.timestamp,
  });
}

/** Writes the producer's periodic `metrics` events as EMF lines. Returns a function that stops reporting. */
export function reportMetricsAsEmf(producer: KinesisProducer, options: EmfReporterOptions = {}): () => void {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  let previous: MetricsSnapshot | undefined;
  const listener = (snapshot: MetricsSnapshot): void => {
    write(JSON.stringify(toEmf(snapshot, options, previous)));
    previous = snapshot;
  };
  producer.on('metrics', listener);
  return () => producer.off('metrics', listener);
}
