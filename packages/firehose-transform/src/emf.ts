import { type EmfMetric, emfDocument } from '@pipeline/commons';
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
function metricValues(summary: BatchSummary): EmfMetric[] {
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
  return emfDocument({
    namespace: options.namespace ?? 'FirehoseTransform',
    dimensions: options.dimensions,
    metrics: metricValues(summary),
    properties: { invocationId: summary.invocationId },
    timestamp,
  });
}
