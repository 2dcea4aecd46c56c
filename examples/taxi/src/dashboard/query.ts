/**
 * Answers a panel's `data.url` (`{ index, body }`) with the OpenSearch client, the way OpenSearch Dashboards would —
 * except that a composite aggregation is followed page by page (`after_key`) to its end, so no bucket cap applies.
 * A missing index (a template not deployed yet) answers an empty result, which the page shows as "no data yet".
 */
import type { Client } from '@opensearch-project/opensearch';

interface CompositeResult {
  buckets: unknown[];
  after_key?: Record<string, unknown>;
}

const EMPTY = { hits: { total: { value: 0 }, hits: [] }, aggregations: {} };

export async function answerPanelQuery(
  client: Client,
  index: string,
  body: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  let response: Record<string, unknown>;
  try {
    response = (await client.search({ index, body } as never)).body as Record<string, unknown>;
  } catch (error) {
    if ((error as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return EMPTY;
    throw error;
  }
  const aggs = (body.aggs ?? {}) as Record<string, { composite?: Record<string, unknown> }>;
  for (const [name, agg] of Object.entries(aggs)) {
    if (agg.composite === undefined) continue;
    const result = (response.aggregations as Record<string, CompositeResult> | undefined)?.[name];
    if (result === undefined) continue;
    const size = Number(agg.composite.size ?? 10);
    let page = result;
    while (page.buckets.length >= size && page.after_key !== undefined) {
      const next = await client.search({
        index,
        body: { ...body, aggs: { [name]: { ...agg, composite: { ...agg.composite, after: page.after_key } } } },
      } as never);
      page = (next.body as { aggregations: Record<string, CompositeResult> }).aggregations[name] as CompositeResult;
      result.buckets.push(...page.buckets);
    }
    delete result.after_key;
  }
  return response;
}

/** `a.b.c` of an object (Vega's `format.property`). */
export function pick(value: unknown, property: string): unknown {
  let current = value;
  for (const key of property.split('.')) current = (current as Record<string, unknown> | undefined)?.[key];
  return current;
}
