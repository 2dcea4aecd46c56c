/** Small fetch helpers for assertions against the real node (independent of the sink and the client). */
export async function call<T = Record<string, unknown>>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** Refreshes the index and returns `_count`. */
export async function count(url: string, index: string): Promise<number> {
  await call(url, 'POST', `/${index}/_refresh`);
  const res = await call<{ count: number }>(url, 'GET', `/${index}/_count`);
  if (res.status !== 200) throw new Error(`_count ${index}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.count;
}

/** Every `_id` of an index (scroll). */
export async function allIds(url: string, index: string): Promise<string[]> {
  await call(url, 'POST', `/${index}/_refresh`);
  const ids: string[] = [];
  type Page = { _scroll_id: string; hits: { hits: Array<{ _id: string }> } };
  let page = await call<Page>(url, 'POST', `/${index}/_search?scroll=1m`, {
    size: 10_000,
    _source: false,
    sort: ['_doc'],
  });
  while (page.body.hits.hits.length > 0) {
    for (const hit of page.body.hits.hits) ids.push(hit._id);
    page = await call<Page>(url, 'POST', '/_search/scroll', { scroll: '1m', scroll_id: page.body._scroll_id });
  }
  await call(url, 'DELETE', '/_search/scroll', { scroll_id: page.body._scroll_id });
  return ids;
}

export async function getSource<T = Record<string, unknown>>(
  url: string,
  index: string,
  id: string,
): Promise<T | undefined> {
  const res = await call<{ _source?: T }>(url, 'GET', `/${index}/_doc/${encodeURIComponent(id)}`);
  return res.status === 200 ? res.body._source : undefined;
}

/** Creates an index (deleting an old one) with one shard, no replicas, and the given mappings. */
export async function freshIndex(
  url: string,
  index: string,
  mappings?: unknown,
  settings: Record<string, unknown> = {},
): Promise<void> {
  await call(url, 'DELETE', `/${index}`);
  const res = await call(url, 'PUT', `/${index}`, {
    settings: { number_of_shards: 1, number_of_replicas: 0, ...settings },
    ...(mappings === undefined ? {} : { mappings }),
  });
  if (res.status !== 200) throw new Error(`create ${index}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}
