import type { Item } from './item.js';
import type { OpenSearchClientLike } from './types.js';

const FILTER_PATH = 'took,errors,items.*.status,items.*.result,items.*.error';

/** What the sender reports about one request. */
export interface SenderEvents<T> {
  onAnswer(batch: Item<T>[], body: unknown, elapsedMs: number): void;
  onError(batch: Item<T>[], error: unknown, elapsedMs: number): void;
}

/**
 * Sends one batch as one `_bulk` request (the client's own retries off: the sink counts attempts itself), and keeps
 * what is in flight so that `abort()` can cancel it.
 */
export class Sender<T> {
  private readonly inFlight = new Map<{ abort?: () => void }, Item<T>[]>();
  private readonly querystring: Record<string, unknown> | undefined;
  private readonly requestOptions: { maxRetries: number; requestTimeout: number };

  constructor(
    private readonly client: OpenSearchClientLike,
    filterPath: boolean,
    requestTimeout: number,
    private readonly events: SenderEvents<T>,
  ) {
    this.querystring = filterPath ? { filter_path: FILTER_PATH } : undefined;
    this.requestOptions = { maxRetries: 0, requestTimeout };
  }

  get requests(): number {
    return this.inFlight.size;
  }

  /** Sends the batch; returns the body's byte count. */
  send(batch: Item<T>[]): number {
    let body = '';
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      body += item.lines;
      bytes += item.bytes;
    }
    const params: { method: string; path: string; bulkBody: string; querystring?: Record<string, unknown> } = {
      method: 'POST',
      path: '/_bulk',
      bulkBody: body,
    };
    if (this.querystring !== undefined) params.querystring = this.querystring;
    const started = performance.now();
    let request: ReturnType<OpenSearchClientLike['transport']['request']>;
    try {
      request = this.client.transport.request(params, this.requestOptions);
    } catch (error) {
      queueMicrotask(() => this.events.onError(batch, error, performance.now() - started));
      return bytes;
    }
    this.inFlight.set(request, batch);
    request.then(
      (response) => {
        if (!this.inFlight.delete(request)) return;
        this.events.onAnswer(batch, response.body, performance.now() - started);
      },
      (error: unknown) => {
        if (!this.inFlight.delete(request)) return;
        this.events.onError(batch, error, performance.now() - started);
      },
    );
    return bytes;
  }

  /** Cancels every request in flight and returns their documents (their answers are ignored). */
  abortAll(): Item<T>[] {
    const out: Item<T>[] = [];
    for (const [request, batch] of this.inFlight) {
      request.abort?.();
      out.push(...batch);
    }
    this.inFlight.clear();
    return out;
  }
}
