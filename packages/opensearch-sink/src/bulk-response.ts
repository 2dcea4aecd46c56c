import type { BulkItemResponse } from './classify.js';
import type { Item } from './item.js';
import type { Counters } from './stats.js';

/**
 * The items of a `_bulk` response in request order, each checked against the action sent (mixed actions map
 * exactly: item i answers document i); a string says what is wrong with the response.
 */
export function readItems<T>(batch: Item<T>[], body: unknown, counters: Counters): BulkItemResponse[] | string {
  const response = (body ?? {}) as { items?: unknown; took?: unknown };
  if (typeof response.took === 'number') counters.tookMs += response.took;
  const items = response.items;
  if (!Array.isArray(items)) return 'the bulk response has no items array';
  if (items.length !== batch.length) {
    return `the bulk response has ${items.length} items for ${batch.length} documents`;
  }
  for (let i = 0; i < items.length; i++) {
    const entry = items[i] as Record<string, BulkItemResponse> | null;
    const action = batch[i]!.action;
    const op = action === 'upsert' ? 'update' : action;
    const result = entry?.[op];
    if (result === undefined || result === null) {
      return `bulk response item ${i} is ${JSON.stringify(entry)}, expected a "${op}" result`;
    }
    items[i] = result;
  }
  return items as BulkItemResponse[];
}
