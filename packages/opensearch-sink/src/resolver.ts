import { setTimeout as sleep } from 'node:timers/promises';
import { fullJitterDelay } from '@pipeline/commons';
import type { Item } from './item.js';
import type { ItemResult, OpenSearchClientLike } from './types.js';

/** What a read of the id says about a write whose answer was lost. */
export type Resolution =
  | { readonly kind: 'applied'; readonly result: ItemResult }
  | { readonly kind: 'not-applied'; readonly reason: string }
  | { readonly kind: 'unknown'; readonly reason: string };

interface MgetDoc {
  found?: boolean;
  _version?: number;
  _source?: unknown;
  error?: { type?: string; reason?: string };
}

const READ_ATTEMPTS = 6;
const MGET_CHUNK = 1000;

/**
 * Settles writes whose request lost its answer and whose retries ran out: an `_mget` of their ids tells whether the
 * write is in the index as sent. `create`: found means already indexed (as a retried create meeting a 409 would say).
 * `index`: found with the same source (or, with external versions, a version at least as new) means applied.
 * `delete`: missing means applied. Partial updates, writes without id and failed reads stay unknown.
 */
export class Resolver<T> {
  constructor(
    private readonly client: OpenSearchClientLike,
    private readonly requestTimeout: number,
    private readonly backoff: { baseDelay: number; maxDelay: number; random: () => number },
    private readonly settle: (item: Item<T>, resolution: Resolution) => void,
  ) {}

  resolve(items: Item<T>[]): void {
    const readable: Item<T>[] = [];
    for (const item of items) {
      item.state = 'resolving';
      if (item.id === undefined) {
        this.settle(item, {
          kind: 'unknown',
          reason: 'without an id the sink cannot look it up; writing it again may index it twice',
        });
      } else if (item.action === 'update' || item.action === 'upsert') {
        this.settle(item, {
          kind: 'unknown',
          reason: `a partial ${item.action} cannot be verified by a read; read ${item.index}/${item.id} to check, or write it again if applying it twice is harmless`,
        });
      } else {
        readable.push(item);
      }
    }
    for (let i = 0; i < readable.length; i += MGET_CHUNK) void this.read(readable.slice(i, i + MGET_CHUNK));
  }

  private async read(items: Item<T>[]): Promise<void> {
    const docs = items.map((item) => {
      const doc: Record<string, unknown> = {
        _index: item.index,
        _id: item.id,
        _source: item.action === 'index' && item.version === undefined,
      };
      if (item.routing !== undefined) doc.routing = item.routing;
      return doc;
    });
    let lastError = '';
    for (let attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      if (attempt > 1) {
        const { baseDelay, maxDelay, random } = this.backoff;
        await sleep(fullJitterDelay(attempt - 1, baseDelay, maxDelay, random));
      }
      try {
        const response = await this.client.transport.request(
          { method: 'POST', path: '/_mget', body: { docs } },
          { maxRetries: 0, requestTimeout: this.requestTimeout },
        );
        const found = (response.body as { docs?: MgetDoc[] } | null)?.docs;
        if (!Array.isArray(found) || found.length !== items.length) {
          lastError = `the _mget response has ${Array.isArray(found) ? found.length : 'no'} docs for ${items.length} ids`;
          continue;
        }
        for (let i = 0; i < items.length; i++) this.settle(items[i]!, judge(items[i]!, found[i]!));
        return;
      } catch (error) {
        lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
    for (const item of items) {
      this.settle(item, {
        kind: 'unknown',
        reason: `reading ${item.index}/${item.id} to settle it failed too (${lastError}); read it later, or write it again (safe with an id for ${item.action})`,
      });
    }
  }
}

function judge<T>(item: Item<T>, doc: MgetDoc): Resolution {
  if (doc.error !== undefined) {
    if (doc.error.type !== 'index_not_found_exception') {
      return { kind: 'unknown', reason: `reading the id failed: ${doc.error.type}: ${doc.error.reason}` };
    }
    doc = { found: false };
  }
  const found = doc.found === true;
  switch (item.action) {
    case 'create':
      return found
        ? { kind: 'applied', result: 'exists' }
        : { kind: 'not-applied', reason: 'a read finds no document with its id' };
    case 'delete':
      return found
        ? { kind: 'not-applied', reason: 'a read still finds the document' }
        : { kind: 'applied', result: 'not_found' };
    default: {
      if (!found) return { kind: 'not-applied', reason: 'a read finds no document with its id' };
      if (item.version !== undefined) {
        const stored = doc._version ?? -1;
        if (stored > item.version) return { kind: 'applied', result: 'stale' };
        if (stored === item.version) return { kind: 'applied', result: 'exists' };
        return { kind: 'not-applied', reason: `a read finds version ${stored}, older than ${item.version}` };
      }
      const sent = item.source;
      let same = false;
      try {
        same = JSON.stringify(doc._source) === JSON.stringify(JSON.parse(sent));
      } catch {
        same = false;
      }
      return same
        ? { kind: 'applied', result: 'exists' }
        : { kind: 'not-applied', reason: 'a read finds a different document under its id' };
    }
  }
}
