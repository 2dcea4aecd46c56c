import type { BatchSummary } from './summary.js';

/** Options of the `metrics` option (CloudWatch Embedded Metric Format, one line per invocation). */
export interface EmfOptions {
  /** CloudWatch namespace. Default `FirehoseTransform`. */
  readonly namespace?: string;
  /** Dimensions added to every metric, e.g. `{ DeliveryStream: 'trips' }`. Default none. */
  readonly dimensions?: Readonly<Record<string, string>>;
  /** Where each EMF JSON line goes. Default `process.stdout` (Lambda ships stdout to CloudWatch Logs). */
  readonly write?: (line: string) => void;
}

/** The metrics of one invocation, by name, in EMF order. */
function metricValues(summary: BatchSummary): Array<[string, number, string]> {
  return [
    ['Records', summary.records, 'Count'],
    ['Ok', summary.ok, 'Count'],
    ['Dropped', summary.dropped, 'Count'],
    ['ProcessingFailed', summary.failed, 'Count'],
    ['FailedByFunction', summary.failures.failed, 'Count'],
    ['Errors', summary.failures.error, 'Count'],
    ['Invalid', summary.failures.invalid, 'Count'],
    ['TimedOut', summary.failures.timeout, 'Count'],
    ['ResponseBudgetOverflow', summary.failures.overflow, 'Count'],
    ['OkBytes', summary.okBytes, 'Bytes'],
    ['ResponseBytes', summary.responseBytes, 'Bytes'],
    ['Duration', summary.durationMs, 'Milliseconds'],
  ];
}

/** Renders a batch summary as one CloudWatch Embedded Metric Format document. */
export function toEmf(
  summary: BatchSummary,
  options: Pick<EmfOptions, 'namespace' | 'dimensions'> = {},
  timestamp: number = Date.now(),
): Record<string, unknown> {
  const dimensions = options.dimensions ?? {};
  const doc: Record<string, unknown> = { ...dimensions, invocationId: summary.invocationId };
  const metrics: Array<{ Name: string; Unit: string }> = [];
  for (const [name, value, unit] of metricValues(summary)) {
    doc[name] = value;
    metrics.push({ Name: name, Unit: unit });
  }
  doc._aws = {
    Timestamp: timestamp,
    CloudWatchMetrics: [
      { Namespace: options.namespace ?? 'FirehoseTransform', Dimensions: [Object.keys(dimensions)], Metrics: metrics },
    ],
  };
  return doc;
}
