/** A CloudWatch metric unit as EMF accepts it (the common ones; any CloudWatch unit string is allowed). */
export type EmfUnit = 'Count' | 'Bytes' | 'Milliseconds' | 'Seconds' | 'Percent' | 'None' | (string & {});

/** One metric of an EMF document: name, value, unit. */
export type EmfMetric = readonly [name: string, value: number, unit: EmfUnit];

/** What goes into one EMF document. */
export interface EmfDocumentInput {
  /** CloudWatch namespace. */
  readonly namespace: string;
  /** Dimensions (one dimension set of all of them), e.g. `{ StreamName: 'trips' }`. Default none. */
  readonly dimensions?: Readonly<Record<string, string>> | undefined;
  readonly metrics: readonly EmfMetric[];
  /** Extra properties logged with the metrics but not metrics themselves (e.g. an invocation id). */
  readonly properties?: Readonly<Record<string, unknown>> | undefined;
  /** Epoch milliseconds. Default `Date.now()`. */
  readonly timestamp?: number | undefined;
}

/**
 * Renders one CloudWatch Embedded Metric Format document (a JSON object to write as one log line): the dimension
 * values and metric values at the top level, the `_aws` metadata naming them.
 */
export function emfDocument(input: EmfDocumentInput): Record<string, unknown> {
  const dimensions = input.dimensions ?? {};
  const doc: Record<string, unknown> = { ...dimensions, ...input.properties };
  const metrics: Array<{ Name: string; Unit: string }> = [];
  for (const [name, value, unit] of input.metrics) {
    doc[name] = value;
    metrics.push({ Name: name, Unit: unit });
  }
  doc._aws = {
    Timestamp: input.timestamp ?? Date.now(),
    CloudWatchMetrics: [{ Namespace: input.namespace, Dimensions: [Object.keys(dimensions)], Metrics: metrics }],
  };
  return doc;
}

/** Where EMF lines go by default: one line on `process.stdout` (Lambda ships stdout to CloudWatch Logs). */
export function writeEmfLine(doc: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(doc)}\n`);
}
