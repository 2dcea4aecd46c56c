import { ConfigurationError, consoleWarnLogger, type Logger } from '@pipeline/commons';
import type { DeadLetter } from './errors.js';
import type { BulkAction, OpenSearchClientLike } from './types.js';

/** Amazon OpenSearch Serverless collection types; `timeseries` and `vectorsearch` generate ids on the server. */
export type ServerlessCollectionType = 'search' | 'timeseries' | 'vectorsearch';

/** Retry policy for retryable failures (429, rejected execution, 502/503/504, other 5xx, network errors). */
export interface RetryPolicy {
  /**
   * Failed attempts a document may spend, the first included. Refused connections and pushback (429, 503, rejected
   * execution: the cluster is full, and the sink slows down) do not count; they are bounded by `timeBudget`.
   * Default 10. Range 1–1000.
   */
  maxAttempts?: number;
  /** First backoff ceiling, ms; the n-th retry waits uniformly in [0, min(maxDelay, baseDelay × 2^(n−1))]. Default 100. */
  baseDelay?: number;
  /** Largest backoff ceiling, ms. Default 10000. */
  maxDelay?: number;
  /**
   * Total time a document may spend retrying, from its first send, ms: a retry that would start later is not made
   * and the document is dead-lettered (`retries-exhausted`), or, if a request carrying it lost its answer, settled by
   * a read of its id (`unknown` when that cannot tell). Pushback (429, 503, rejected execution) is limited by this
   * budget only, not by `maxAttempts`. Default 300000 (Firehose's OpenSearch default).
   */
  timeBudget?: number;
}

/** Options of `new OpenSearchSink(options)`. */
export interface OpenSearchSinkOptions<T> {
  /** An `@opensearch-project/opensearch` `Client` (e.g. one signed with SigV4). Give `client` or `node`. */
  client?: OpenSearchClientLike;
  /** Node URL(s) for a client the sink builds (and closes on `close()`). */
  node?: string | readonly string[];
  /** Target index, data stream or alias, or a function of the document (e.g. daily indices). */
  index: string | ((document: T) => string);
  /**
   * Deterministic document id. Strongly recommended: with ids, a retry or a replay overwrites (or, with `create`,
   * 409s) instead of duplicating. Return `undefined` to let OpenSearch generate one. Default: none.
   */
  id?: (document: T) => string | undefined;
  /** Bulk action, or a function choosing one per document (mixed actions are mapped exactly). Default `'index'`. */
  action?: BulkAction | ((document: T) => BulkAction);
  /**
   * External version (`version_type: external`) for `index` actions: OpenSearch keeps the highest version, and a
   * write of an older or equal version answers 409, which counts as delivered (`stale`). Closes the last ordering gap:
   * a request that timed out on the client but still runs on the server. Default: none.
   */
  version?: (document: T) => number;
  /** Custom routing value. Default: none. */
  routing?: (document: T) => string | undefined;
  /** Turns a document into its JSON source line (no newlines). Default `JSON.stringify`. */
  serialize?: (document: T) => string;

  /** Send a bulk request once this many bytes are queued. Default 5242880 (5 MiB, as Data Prepper). */
  flushBytes?: number;
  /** Send a bulk request once this many documents are queued. Default 5000. */
  flushDocuments?: number;
  /** Send what is queued at most this long after it was queued, ms. Default 1000. */
  flushInterval?: number;
  /**
   * Hard cap on one bulk request body, bytes. A document bigger than this alone is dead-lettered (`too-large`).
   * Default 10485760 (10 MiB: small Amazon OpenSearch Service instances answer 413 above it).
   */
  maxRequestBytes?: number;

  /** Max concurrent bulk requests; the adaptive limit moves between `minConcurrency` and this. Default 4. */
  concurrency?: number;
  /** Floor of the adaptive concurrency limit. Default 1. */
  minConcurrency?: number;
  /** Documents accepted and not yet settled, at most; `write()` waits beyond. Default 50000. */
  maxBufferedDocuments?: number;
  /** Bytes (bulk lines) accepted and not yet settled, at most. Default 67108864 (64 MiB). */
  maxBufferedBytes?: number;

  retry?: RetryPolicy;
  /** Timeout of one bulk request, ms. A timed-out request may still be applied (see README, ordering). Default 60000. */
  requestTimeout?: number;

  /**
   * Called once for every document that cannot be indexed, with the reason and the original document. While it
   * runs (it may be async) the document's `write()` stays pending; then it resolves `dead-lettered`. If it throws,
   * `write()` rejects with a `DocumentError` whose `cause` is the thrown error. Default: none — `write()` rejects.
   */
  onDeadLetter?: (letter: DeadLetter<T>) => void | Promise<void>;
  /** Aborting fails every unsettled document with `aborted` and stops the sink. */
  signal?: AbortSignal;
  /**
   * Amazon OpenSearch Serverless: `timeseries` and `vectorsearch` collections refuse custom ids (so `id`, `version`
   * and per-write ids are refused here), `filter_path` is not sent. Default: none (a managed domain or self-hosted).
   */
  serverless?: { collectionType: ServerlessCollectionType };
  /** Ask for a trimmed bulk response (`filter_path`). Default `true` (not on Serverless). */
  filterPath?: boolean;
  /** Default: warnings and errors to the console. */
  logger?: Logger;
  /** Random source for backoff jitter, in [0, 1). Default `Math.random`. */
  random?: () => number;
}

export const MIB = 1024 * 1024;

/** The default logger: warnings and errors to the console, prefixed `[@pipeline/opensearch-sink]`. */
export const defaultLogger: Logger = consoleWarnLogger('@pipeline/opensearch-sink');

export const DEFAULTS = {
  action: 'index',
  flushBytes: 5 * MIB,
  flushDocuments: 5000,
  flushInterval: 1000,
  maxRequestBytes: 10 * MIB,
  concurrency: 4,
  minConcurrency: 1,
  maxBufferedDocuments: 50_000,
  maxBufferedBytes: 64 * MIB,
  requestTimeout: 60_000,
  retry: { maxAttempts: 10, baseDelay: 100, maxDelay: 10_000, timeBudget: 300_000 },
} as const;

export interface ResolvedOptions<T> {
  readonly index: (document: T) => string;
  readonly id: ((document: T) => string | undefined) | undefined;
  readonly action: (document: T) => BulkAction;
  readonly version: ((document: T) => number) | undefined;
  readonly routing: ((document: T) => string | undefined) | undefined;
  readonly serialize: (document: T) => string;
  /** A custom `serialize` (its output is checked for newlines; `JSON.stringify`'s never has one). */
  readonly customSerializer: boolean;
  readonly flushBytes: number;
  readonly flushDocuments: number;
  readonly flushInterval: number;
  readonly maxRequestBytes: number;
  readonly concurrency: number;
  readonly minConcurrency: number;
  readonly maxBufferedDocuments: number;
  readonly maxBufferedBytes: number;
  readonly maxAttempts: number;
  readonly baseDelay: number;
  readonly maxDelay: number;
  readonly timeBudget: number;
  readonly requestTimeout: number;
  readonly onDeadLetter: ((letter: DeadLetter<T>) => void | Promise<void>) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly serverless: ServerlessCollectionType | undefined;
  readonly filterPath: boolean;
  readonly logger: Logger;
  readonly random: () => number;
}

const ACTIONS: readonly BulkAction[] = ['index', 'create', 'update', 'upsert', 'delete'];

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigurationError(name, `must be an integer from ${min} to ${max}, got ${String(v)}`);
  }
  return v;
}

function optionalFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new ConfigurationError(name, 'must be a function');
  return value;
}

/** Checks that a client has what the sink needs; an `@opensearch-project/opensearch` `Client` does. */
export function checkClient(client: unknown): OpenSearchClientLike {
  const transport = (client as { transport?: { request?: unknown } } | null)?.transport;
  if (typeof transport?.request !== 'function') {
    throw new ConfigurationError('client', 'must be an @opensearch-project/opensearch Client (no transport.request)');
  }
  return client as OpenSearchClientLike;
}

/** Applies defaults and checks every option's type and range. */
export function resolveOptions<T>(options: OpenSearchSinkOptions<T>): ResolvedOptions<T> {
  if (options === null || typeof options !== 'object') throw new ConfigurationError('options', 'must be an object');
  if ((options.client === undefined) === (options.node === undefined)) {
    throw new ConfigurationError('client', 'give client or node (exactly one)');
  }
  if (options.client !== undefined) checkClient(options.client);
  const { index } = options;
  if (typeof index === 'string') {
    if (index.length === 0) throw new ConfigurationError('index', 'must not be empty');
  } else if (typeof index !== 'function') {
    throw new ConfigurationError('index', 'must be a string or a function of the document');
  }
  const action = options.action ?? DEFAULTS.action;
  if (typeof action !== 'function' && !ACTIONS.includes(action)) {
    throw new ConfigurationError('action', `must be one of ${ACTIONS.join(', ')} or a function, got ${String(action)}`);
  }
  const serverless = options.serverless?.collectionType;
  if (serverless !== undefined && !['search', 'timeseries', 'vectorsearch'].includes(serverless)) {
    throw new ConfigurationError('serverless.collectionType', `must be search, timeseries or vectorsearch`);
  }
  const idFn = optionalFunction('id', options.id);
  const version = optionalFunction('version', options.version);
  if (serverless === 'timeseries' || serverless === 'vectorsearch') {
    if (idFn !== undefined) {
      throw new ConfigurationError(
        'id',
        `Amazon OpenSearch Serverless ${serverless} collections generate document ids on the server and refuse ` +
          'custom ids; remove the id function (deduplicate upstream instead)',
      );
    }
    if (version !== undefined) {
      throw new ConfigurationError('version', `needs custom ids, which ${serverless} collections refuse`);
    }
    if (action === 'update' || action === 'upsert' || action === 'delete') {
      throw new ConfigurationError('action', `'${action}' needs custom ids, which ${serverless} collections refuse`);
    }
  }
  const retry = options.retry ?? {};
  const baseDelay = integer('retry.baseDelay', retry.baseDelay, DEFAULTS.retry.baseDelay, 1, 600_000);
  const maxDelay = integer('retry.maxDelay', retry.maxDelay, DEFAULTS.retry.maxDelay, 1, 3_600_000);
  if (maxDelay < baseDelay) {
    throw new ConfigurationError('retry.maxDelay', `must be >= retry.baseDelay (${baseDelay}), got ${maxDelay}`);
  }
  const maxRequestBytes = integer(
    'maxRequestBytes',
    options.maxRequestBytes,
    DEFAULTS.maxRequestBytes,
    1024,
    2 ** 31 - 1,
  );
  const flushBytes = integer(
    'flushBytes',
    options.flushBytes,
    Math.min(DEFAULTS.flushBytes, maxRequestBytes),
    1,
    2 ** 31,
  );
  if (flushBytes > maxRequestBytes) {
    throw new ConfigurationError('flushBytes', `must be <= maxRequestBytes (${maxRequestBytes}), got ${flushBytes}`);
  }
  const concurrency = integer('concurrency', options.concurrency, DEFAULTS.concurrency, 1, 256);
  const minConcurrency = integer('minConcurrency', options.minConcurrency, DEFAULTS.minConcurrency, 1, concurrency);
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') throw new ConfigurationError('random', 'must be a function returning [0, 1)');
  const onDeadLetter = optionalFunction('onDeadLetter', options.onDeadLetter);
  const signal = options.signal;
  if (signal !== undefined && (typeof signal !== 'object' || typeof signal.aborted !== 'boolean')) {
    throw new ConfigurationError('signal', 'must be an AbortSignal');
  }
  const filterPath = options.filterPath ?? serverless === undefined;
  if (typeof filterPath !== 'boolean') throw new ConfigurationError('filterPath', 'must be a boolean');

  return {
    index: typeof index === 'string' ? () => index : index,
    id: idFn,
    action: typeof action === 'function' ? action : () => action,
    version,
    routing: optionalFunction('routing', options.routing),
    serialize: optionalFunction('serialize', options.serialize) ?? ((document: T) => JSON.stringify(document)),
    customSerializer: options.serialize !== undefined,
    flushBytes,
    flushDocuments: integer('flushDocuments', options.flushDocuments, DEFAULTS.flushDocuments, 1, 1_000_000),
    flushInterval: integer('flushInterval', options.flushInterval, DEFAULTS.flushInterval, 0, 3_600_000),
    maxRequestBytes,
    concurrency,
    minConcurrency,
    maxBufferedDocuments: integer(
      'maxBufferedDocuments',
      options.maxBufferedDocuments,
      DEFAULTS.maxBufferedDocuments,
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    maxBufferedBytes: integer(
      'maxBufferedBytes',
      options.maxBufferedBytes,
      DEFAULTS.maxBufferedBytes,
      1024,
      Number.MAX_SAFE_INTEGER,
    ),
    maxAttempts: integer('retry.maxAttempts', retry.maxAttempts, DEFAULTS.retry.maxAttempts, 1, 1000),
    baseDelay,
    maxDelay,
    timeBudget: integer('retry.timeBudget', retry.timeBudget, DEFAULTS.retry.timeBudget, 0, 86_400_000),
    requestTimeout: integer('requestTimeout', options.requestTimeout, DEFAULTS.requestTimeout, 100, 3_600_000),
    onDeadLetter,
    signal,
    serverless,
    filterPath,
    logger: options.logger ?? defaultLogger,
    random,
  };
}
