import { appendLines } from './bulk-lines.js';
import type { Item } from './item.js';
import type { OpenSearchClientLike } from './types.js';

const FILTER_PATH = 'took,errors,items.*.status,items.*.result,items.*.error';

/** What the sender reports about one request. */
export interface SenderEvents<T> {
  /** A 2xx answer: its raw text (or the body the client parsed, for clients that do not stream). */
  onAnswer(batch: Item<T>[], body: unknown, elapsedMs: number): void;
  onError(batch: Item<T>[], error: unknown, elapsedMs: number): void;
}

/** A non-2xx answer of a streamed request, shaped like the client's `ResponseError` for `classifyRequestError`. */
export class BulkResponseError extends Error {
  override readonly name = 'ResponseError';
  readonly meta: { readonly statusCode: number; readonly body: unknown };
  constructor(statusCode: number, body: unknown) {
    super(`bulk request answered HTTP ${statusCode}`);
    this.meta = { statusCode, body };
  }
}

interface StreamLike {
  setEncoding(encoding: 'utf8'): void;
  on(event: string, listener: (arg: never) => void): unknown;
}

function isStream(body: unknown): body is StreamLike {
  return typeof (body as { on?: unknown } | null)?.on === 'function';
}

/** The whole body of a streamed answer as one string. */
function readText(stream: StreamLike): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      text += chunk;
    });
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
    stream.on('aborted', () => reject(new Error('the bulk response was aborted while being read')));
  });
}

/**
 * Sends one batch as one `_bulk` request (the client's own retries off: the sink counts attempts itself), and keeps
 * what is in flight so that `abort()` can cancel it. The answer is streamed and handed over as raw text, so the
 * common all-applied answer is scanned rather than parsed into a JSON tree.
 */
export class Sender<T> {
  private readonly inFlight = new Map<{ abort?: () => void }, Item<T>[]>();
  private readonly querystring: Record<string, unknown> | undefined;
  private readonly requestOptions: { maxRetries: number; requestTimeout: number; asStream: boolean };

  constructor(
    private readonly client: OpenSearchClientLike,
    filterPath: boolean,
    requestTimeout: number,
    private readonly events: SenderEvents<T>,
  ) {
    this.querystring = filterPath ? { filter_path: FILTER_PATH } : undefined;
    this.requestOptions = { maxRetries: 0, requestTimeout, asStream: true };
  }

  get requests(): number {
    return this.inFlight.size;
  }

  /** Sends the batch; returns the body's byte count. */
  send(batch: Item<T>[]): number {
    // A rope of the documents' flat parts, flattened once when the request is written.
    let body = '';
    let bytes = 0;
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i]!;
      body = appendLines(body, item);
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
    const failed = (error: unknown) => {
      if (!this.inFlight.delete(request)) return;
      this.events.onError(batch, error, performance.now() - started);
    };
    request.then((response) => {
      const status = response.statusCode ?? 200;
      const answered = (body: unknown) => {
        if (status >= 300) return failed(new BulkResponseError(status, parseError(body)));
        if (!this.inFlight.delete(request)) return;
        this.events.onAnswer(batch, body, performance.now() - started);
      };
      if (isStream(response.body)) readText(response.body).then(answered, failed);
      else answered(response.body);
    }, failed);
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

/** The error body of a non-2xx answer: JSON when it is, else the text. */
function parseError(body: unknown): unknown {
  if (typeof body !== 'string') return body;
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}
