/** Reading OpenSearch without the 10,000-hit cap: counts, and every document through search_after. */
import type { Client } from '@opensearch-project/opensearch';

const PAGE = 5000;

/** Documents in an index matching `query` (after a refresh); 0 when the index does not exist yet. */
export async function countDocuments(client: Client, index: string, query?: unknown): Promise<number> {
  try {
    await client.indices.refresh({ index });
    const res = await client.count({ index, body: query === undefined ? {} : { query } } as never);
    return Number((res.body as { count: number }).count);
  } catch (error) {
    if ((error as { meta?: { statusCode?: number } }).meta?.statusCode === 404) return 0;
    throw error;
  }
}

/**
 * Every document of an index in the order of `sortFields` (which must identify a document), a page at a time with
 * search_after: memory holds one page, whatever the index size.
 */
export async function* scanDocuments(
  client: Client,
  index: string,
  sortFields: readonly string[],
): AsyncGenerator<{ id: string; source: Record<string, unknown> }> {
  await client.indices.refresh({ index });
  let after: unknown[] | undefined;
  for (;;) {
    const res = await client.search({
      index,
      body: {
        size: PAGE,
        query: { match_all: {} },
        sort: sortFields.map((field) => ({ [field]: 'asc' })),
        ...(after === undefined ? {} : { search_after: after }),
      },
    } as never);
    const hits = (
      res.body as { hits: { hits: Array<{ _id: string; _source: Record<string, unknown>; sort: unknown[] }> } }
    ).hits.hits;
    for (const hit of hits) yield { id: hit._id, source: hit._source };
    if (hits.length < PAGE) return;
    after = hits[hits.length - 1]?.sort;
  }
}
