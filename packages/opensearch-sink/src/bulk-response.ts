import type { BulkItemResponse } from './classify.js';
import type { Item } from './item.js';
import type { Counters } from './stats.js';
import type { ItemResult } from './types.js';

/** A `_bulk` answer, read as far as needed. */
export type BulkAnswer =
  /** `errors: false`: every item applied; only the results were read (a scan, no JSON tree). */
  | { readonly kind: 'applied'; readonly results: readonly ItemResult[] }
  /** Some items failed: every item, in request order, checked against the action sent. */
  | { readonly kind: 'items'; readonly items: readonly BulkItemResponse[] }
  | { readonly kind: 'invalid'; readonly reason: string };

const RESULT = '"result":"';

/**
 * Reads a 2xx `_bulk` answer (the raw text, or a body the client already parsed). The common answer, `errors:
 * false`, is scanned for its results without building a JSON tree; anything else is parsed and each item mapped to
 * its document (item i answers document i; mixed actions are checked).
 */
export function readBulkAnswer<T>(batch: readonly Item<T>[], body: unknown, counters: Counters): BulkAnswer {
  if (typeof body === 'string') {
    const fast = scanApplied(body, batch.length, counters);
    if (fast !== undefined) return { kind: 'applied', results: fast };
    try {
      body = JSON.parse(body);
    } catch (error) {
      return { kind: 'invalid', reason: `the bulk response is not JSON: ${(error as Error).message}` };
    }
  }
  const response = (body ?? {}) as { items?: unknown; took?: unknown };
  if (typeof response.took === 'number') counters.tookMs += response.took;
  const items = response.items;
  if (!Array.isArray(items)) return { kind: 'invalid', reason: 'the bulk response has no items array' };
  if (items.length !== batch.length) {
    return { kind: 'invalid', reason: `the bulk response has ${items.length} items for ${batch.length} documents` };
  }
  const out: BulkItemResponse[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const entry = items[i] as Record<string, BulkItemResponse> | null;
    const action = batch[i]!.action;
    const op = action === 'upsert' ? 'update' : action;
    const result = entry?.[op];
    if (result === undefined || result === null) {
      return {
        kind: 'invalid',
        reason: `bulk response item ${i} is ${JSON.stringify(entry)}, expected a "${op}" result`,
      };
    }
    out[i] = result;
  }
  return { kind: 'items', items: out };
}

/**
 * The results of an `errors: false` answer with exactly `count` items, or `undefined` to parse it in full. Safe to
 * scan: outside string values (where JSON escapes every quote) `"result":"` only occurs as an item's result key.
 */
function scanApplied(text: string, count: number, counters: Counters): ItemResult[] | undefined {
  const errorsAt = text.indexOf('"errors":');
  if (errorsAt < 0 || errorsAt > 64 || !text.startsWith('false', errorsAt + 9)) return undefined;
  const tookAt = text.indexOf('"took":');
  if (tookAt >= 0 && tookAt < errorsAt) {
    let took = 0;
    for (let p = tookAt + 7, c = text.charCodeAt(p); c >= 48 && c <= 57; c = text.charCodeAt(++p))
      took = took * 10 + c - 48;
    counters.tookMs += took;
  }
  const results: ItemResult[] = new Array(count);
  let at = errorsAt;
  for (let i = 0; i < count; i++) {
    at = text.indexOf(RESULT, at);
    if (at < 0) return undefined;
    at += RESULT.length;
    const result = resultAt(text, at);
    if (result === undefined) return undefined;
    results[i] = result;
  }
  return text.indexOf(RESULT, at) < 0 ? results : undefined;
}

function resultAt(text: string, at: number): ItemResult | undefined {
  switch (text.charCodeAt(at)) {
    case 99: // c
      return text.startsWith('created"', at) ? 'created' : undefined;
    case 117: // u
      return text.startsWith('updated"', at) ? 'updated' : undefined;
    case 100: // d
      return text.startsWith('deleted"', at) ? 'deleted' : undefined;
    case 110: // n
      if (text.startsWith('noop"', at)) return 'noop';
      return text.startsWith('not_found"', at) ? 'not_found' : undefined;
    default:
      return undefined;
  }
}
