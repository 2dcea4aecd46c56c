import { BootstrapError, ConfigurationError } from './errors.js';
import type { ServerlessCollectionType } from './options.js';
import type { OpenSearchClientLike } from './types.js';

/** An index's `mappings` body: `{ dynamic?, properties, ... }`. `toOpenSearchMapping(schema)` of `@pipeline/schema` returns one. */
export interface OpenSearchMappings {
  readonly dynamic?: boolean | 'strict' | 'true' | 'false' | 'runtime';
  readonly properties?: { readonly [field: string]: unknown };
  readonly [key: string]: unknown;
}

/** Anything that can produce mappings, e.g. a schema wrapper with a `toOpenSearchMapping()` method. */
export interface MappingProvider {
  toOpenSearchMapping(): OpenSearchMappings;
}

/** Raw mappings, or an object that makes them. */
export type MappingInput = OpenSearchMappings | MappingProvider;

/** What a bootstrap step did. `skipped`: the target (a Serverless collection) does not support it; see `reason`. */
export interface BootstrapResult {
  readonly resource: 'index-template' | 'index' | 'data-stream' | 'ism-policy';
  readonly name: string;
  readonly action: 'created' | 'updated' | 'unchanged' | 'exists' | 'skipped';
  readonly reason?: string;
}

/** Target of the helpers: `serverless` makes them skip what a collection of that type does not support. */
export interface BootstrapTarget {
  serverless?: { collectionType: ServerlessCollectionType };
}

export function resolveMappings(input: MappingInput): OpenSearchMappings {
  if (
    input !== null &&
    typeof input === 'object' &&
    typeof (input as MappingProvider).toOpenSearchMapping === 'function'
  ) {
    return (input as MappingProvider).toOpenSearchMapping();
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new ConfigurationError('mappings', 'must be a mappings object or have a toOpenSearchMapping() method');
  }
  return input as OpenSearchMappings;
}

interface Answer {
  status: number;
  body: unknown;
}

async function call(
  client: OpenSearchClientLike,
  method: string,
  path: string,
  body?: Record<string, unknown>,
  querystring?: Record<string, unknown>,
): Promise<Answer> {
  const params: {
    method: string;
    path: string;
    body?: Record<string, unknown>;
    querystring?: Record<string, unknown>;
  } = {
    method,
    path,
  };
  if (body !== undefined) params.body = body;
  if (querystring !== undefined) params.querystring = querystring;
  try {
    const res = await client.transport.request(params, { ignore: [400, 404], maxRetries: 3 });
    return { status: res.statusCode ?? 0, body: res.body };
  } catch (error) {
    const meta = (error as { meta?: { statusCode?: number; body?: unknown } }).meta;
    const status = meta?.statusCode ?? 0;
    throw new BootstrapError(
      `${method} ${path} failed: ${error instanceof Error ? error.message : String(error)}`,
      status,
      meta?.body,
    );
  }
}

function errorType(body: unknown): string {
  const error = (body as { error?: { type?: unknown } | string } | null)?.error;
  if (typeof error === 'string') return error;
  return typeof error?.type === 'string' ? error.type : '';
}

function fail(what: string, answer: Answer): never {
  const reason = JSON.stringify(answer.body);
  throw new BootstrapError(`${what} failed with HTTP ${answer.status}: ${reason}`, answer.status, answer.body);
}

const enc = encodeURIComponent;

/** Options of {@link putIndexTemplate}. */
export interface IndexTemplateOptions extends BootstrapTarget {
  name: string;
  indexPatterns: readonly string[];
  /** Raw mappings, or e.g. `toOpenSearchMapping(schema)` of `@pipeline/schema`. */
  mappings?: MappingInput;
  /** Index settings, e.g. `{ number_of_shards: 1, refresh_interval: '30s' }`. Not sent to Serverless (it manages them). */
  settings?: Record<string, unknown>;
  aliases?: Record<string, unknown>;
  /** Make matching names data streams (append-only, `create` only, needs `@timestamp` or `timestampField`). */
  dataStream?: boolean | { timestampField?: string };
  /** Template priority; the highest matching wins. Default 100. */
  priority?: number;
  /** For ISM rollover on plain indices: sets `plugins.index_state_management.rollover_alias`. */
  rolloverAlias?: string;
}

/** The `_index_template` body for these options (what {@link putIndexTemplate} sends). */
export function indexTemplateBody(options: IndexTemplateOptions): Record<string, unknown> {
  if (!Array.isArray(options.indexPatterns) || options.indexPatterns.length === 0) {
    throw new ConfigurationError('indexPatterns', 'must be a non-empty array of patterns');
  }
  const serverless = options.serverless !== undefined;
  const template: Record<string, unknown> = {};
  const settings: Record<string, unknown> = serverless ? {} : { ...(options.settings ?? {}) };
  if (options.rolloverAlias !== undefined && !serverless) {
    settings['plugins.index_state_management.rollover_alias'] = options.rolloverAlias;
  }
  if (Object.keys(settings).length > 0) template.settings = settings;
  if (options.mappings !== undefined) template.mappings = resolveMappings(options.mappings);
  if (options.aliases !== undefined) template.aliases = options.aliases;
  const body: Record<string, unknown> = {
    index_patterns: [...options.indexPatterns],
    priority: options.priority ?? 100,
    template,
  };
  if (options.dataStream) {
    const field = typeof options.dataStream === 'object' ? options.dataStream.timestampField : undefined;
    body.data_stream = field === undefined ? {} : { timestamp_field: { name: field } };
  }
  return body;
}

/**
 * Creates or replaces a composable index template (`PUT _index_template/<name>`). Idempotent: a template that
 * already has this exact body is left alone (`unchanged`).
 */
export async function putIndexTemplate(
  client: OpenSearchClientLike,
  options: IndexTemplateOptions,
): Promise<BootstrapResult> {
  const body = indexTemplateBody(options);
  if (options.dataStream && options.serverless !== undefined && options.serverless.collectionType !== 'timeseries') {
    throw new ConfigurationError('dataStream', 'data streams exist only in Serverless timeseries collections');
  }
  const path = `/_index_template/${enc(options.name)}`;
  const existing = await call(client, 'GET', path);
  if (existing.status === 200) {
    const current = (existing.body as { index_templates?: Array<{ index_template?: unknown }> }).index_templates?.[0]
      ?.index_template;
    if (current !== undefined && sameTemplate(current, body)) {
      return { resource: 'index-template', name: options.name, action: 'unchanged' };
    }
  } else if (existing.status !== 404) {
    fail(`GET ${path}`, existing);
  }
  const put = await call(client, 'PUT', path, body);
  if (put.status !== 200) fail(`PUT ${path}`, put);
  return { resource: 'index-template', name: options.name, action: existing.status === 200 ? 'updated' : 'created' };
}

/** Options of {@link ensureIndex}. */
export interface IndexOptions extends BootstrapTarget {
  name: string;
  mappings?: MappingInput;
  /** Not sent to Serverless (it manages shards, replicas and refresh). */
  settings?: Record<string, unknown>;
  aliases?: Record<string, unknown>;
}

/** Creates an index unless it exists (`exists`: left as is, mappings not changed). */
export async function ensureIndex(client: OpenSearchClientLike, options: IndexOptions): Promise<BootstrapResult> {
  const body: Record<string, unknown> = {};
  if (options.mappings !== undefined) body.mappings = resolveMappings(options.mappings);
  if (options.settings !== undefined && options.serverless === undefined) body.settings = options.settings;
  if (options.aliases !== undefined) body.aliases = options.aliases;
  const path = `/${enc(options.name)}`;
  const put = await call(client, 'PUT', path, body);
  if (put.status === 200) return { resource: 'index', name: options.name, action: 'created' };
  if (put.status === 400 && errorType(put.body) === 'resource_already_exists_exception') {
    return { resource: 'index', name: options.name, action: 'exists' };
  }
  return fail(`PUT ${path}`, put);
}

/** Options of {@link ensureDataStream}. */
export interface DataStreamOptions extends BootstrapTarget {
  name: string;
}

/**
 * Creates a data stream unless it exists. Needs an index template with `dataStream: true` matching the name. Skipped
 * on Serverless search and vector search collections, which have no data streams.
 */
export async function ensureDataStream(
  client: OpenSearchClientLike,
  options: DataStreamOptions,
): Promise<BootstrapResult> {
  const type = options.serverless?.collectionType;
  if (type !== undefined && type !== 'timeseries') {
    return {
      resource: 'data-stream',
      name: options.name,
      action: 'skipped',
      reason: `Serverless ${type} collections have no data streams`,
    };
  }
  const path = `/_data_stream/${enc(options.name)}`;
  const put = await call(client, 'PUT', path);
  if (put.status === 200) return { resource: 'data-stream', name: options.name, action: 'created' };
  if (put.status === 400 && errorType(put.body) === 'resource_already_exists_exception') {
    return { resource: 'data-stream', name: options.name, action: 'exists' };
  }
  return fail(`PUT ${path} (is there an index template with dataStream: true matching it?)`, put);
}

/** Options of {@link ismPolicyBody}: hot (rollover) → warm (optional) → delete (optional). */
export interface IsmPolicyOptions {
  description?: string;
  /** Rollover conditions in the hot state (any one triggers). Plain indices need a rollover alias (see README). */
  rollover?: { minSize?: string; minPrimaryShardSize?: string; minIndexAge?: string; minDocCount?: number };
  /** Move to a warm state after this index age (e.g. `'7d'`), optionally changing the replica count. */
  warm?: { after: string; replicas?: number };
  /** Delete the index after this index age (e.g. `'30d'`). */
  delete?: { after: string };
  /** Attach the policy to new indices matching these patterns (`ism_template`). */
  indexPatterns?: readonly string[];
  /** `ism_template` priority. Default 100. */
  priority?: number;
}

/** The body of `PUT _plugins/_ism/policies/<id>` for these options. */
export function ismPolicyBody(options: IsmPolicyOptions): { policy: Record<string, unknown> } {
  const states: Array<Record<string, unknown>> = [];
  const hotActions: unknown[] = [];
  const r = options.rollover;
  if (r !== undefined) {
    const rollover: Record<string, unknown> = {};
    if (r.minSize !== undefined) rollover.min_size = r.minSize;
    if (r.minPrimaryShardSize !== undefined) rollover.min_primary_shard_size = r.minPrimaryShardSize;
    if (r.minIndexAge !== undefined) rollover.min_index_age = r.minIndexAge;
    if (r.minDocCount !== undefined) rollover.min_doc_count = r.minDocCount;
    if (Object.keys(rollover).length === 0) throw new ConfigurationError('rollover', 'give at least one condition');
    hotActions.push({ rollover });
  }
  const next = options.warm !== undefined ? 'warm' : options.delete !== undefined ? 'delete' : undefined;
  const afterHot = options.warm?.after ?? options.delete?.after;
  states.push({
    name: 'hot',
    actions: hotActions,
    transitions: next === undefined ? [] : [{ state_name: next, conditions: { min_index_age: afterHot } }],
  });
  if (options.warm !== undefined) {
    const actions: unknown[] = [];
    if (options.warm.replicas !== undefined) {
      actions.push({ replica_count: { number_of_replicas: options.warm.replicas } });
    }
    states.push({
      name: 'warm',
      actions,
      transitions:
        options.delete === undefined
          ? []
          : [{ state_name: 'delete', conditions: { min_index_age: options.delete.after } }],
    });
  }
  if (options.delete !== undefined) states.push({ name: 'delete', actions: [{ delete: {} }], transitions: [] });
  const policy: Record<string, unknown> = {
    description: options.description ?? 'managed by @pipeline/opensearch-sink',
    default_state: 'hot',
    states,
  };
  if (options.indexPatterns !== undefined && options.indexPatterns.length > 0) {
    policy.ism_template = [{ index_patterns: [...options.indexPatterns], priority: options.priority ?? 100 }];
  }
  return { policy };
}

/** Options of {@link putIsmPolicy}. */
export interface PutIsmPolicyOptions extends BootstrapTarget {
  policyId: string;
  /** A body from {@link ismPolicyBody}, or your own `{ policy: … }`. */
  policy: { policy: Record<string, unknown> };
}

/**
 * Creates or updates an Index State Management policy. Idempotent: reads the policy first, leaves an equal one alone
 * (`unchanged`), updates a different one with `if_seq_no`/`if_primary_term`. Skipped on Serverless (no ISM there;
 * collections use data lifecycle policies). Throws a `BootstrapError` when the ISM plugin is missing.
 */
export async function putIsmPolicy(
  client: OpenSearchClientLike,
  options: PutIsmPolicyOptions,
): Promise<BootstrapResult> {
  if (options.serverless !== undefined) {
    return {
      resource: 'ism-policy',
      name: options.policyId,
      action: 'skipped',
      reason: 'OpenSearch Serverless has no Index State Management; use a data lifecycle policy on the collection',
    };
  }
  const path = `/_plugins/_ism/policies/${enc(options.policyId)}`;
  const existing = await call(client, 'GET', path);
  if (existing.status === 400 && JSON.stringify(existing.body).includes('no handler found')) {
    throw new BootstrapError(
      'the Index State Management plugin is not installed on this cluster (_plugins/_ism has no handler)',
      400,
      existing.body,
    );
  }
  if (existing.status === 200) {
    const found = existing.body as { _seq_no?: number; _primary_term?: number; policy?: Record<string, unknown> };
    if (found.policy !== undefined && samePolicy(found.policy, options.policy.policy)) {
      return { resource: 'ism-policy', name: options.policyId, action: 'unchanged' };
    }
    const put = await call(client, 'PUT', path, options.policy, {
      if_seq_no: found._seq_no,
      if_primary_term: found._primary_term,
    });
    if (put.status !== 200) fail(`PUT ${path}`, put);
    return { resource: 'ism-policy', name: options.policyId, action: 'updated' };
  }
  if (existing.status !== 404) fail(`GET ${path}`, existing);
  const put = await call(client, 'PUT', path, options.policy);
  if (put.status !== 200 && put.status !== 201) fail(`PUT ${path}`, put);
  return { resource: 'ism-policy', name: options.policyId, action: 'created' };
}

/** Everything {@link bootstrap} sets up, each optional, in this order: ISM policy, template, index, data stream. */
export interface BootstrapOptions extends BootstrapTarget {
  ismPolicy?: Omit<PutIsmPolicyOptions, 'serverless'>;
  template?: Omit<IndexTemplateOptions, 'serverless'>;
  index?: Omit<IndexOptions, 'serverless'>;
  dataStream?: Omit<DataStreamOptions, 'serverless'>;
}

/** Runs the helpers in dependency order; safe to run on every start (each step is idempotent). */
export async function bootstrap(client: OpenSearchClientLike, options: BootstrapOptions): Promise<BootstrapResult[]> {
  const target: BootstrapTarget = options.serverless === undefined ? {} : { serverless: options.serverless };
  const results: BootstrapResult[] = [];
  if (options.ismPolicy !== undefined) results.push(await putIsmPolicy(client, { ...options.ismPolicy, ...target }));
  if (options.template !== undefined) results.push(await putIndexTemplate(client, { ...options.template, ...target }));
  if (options.index !== undefined) results.push(await ensureIndex(client, { ...options.index, ...target }));
  if (options.dataStream !== undefined) {
    results.push(await ensureDataStream(client, { ...options.dataStream, ...target }));
  }
  return results;
}

// -------------------------------------------------------------------------------------------------------------------
// Comparison of what the server returns with what we would send (it normalises settings to strings under `index.`).

function normaliseSettings(settings: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (value: unknown, prefix: string) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, prefix === '' ? k : `${prefix}.${k}`);
    } else {
      out[prefix.startsWith('index.') ? prefix : `index.${prefix}`] = Array.isArray(value)
        ? value.join(',')
        : String(value);
    }
  };
  walk(settings ?? {}, '');
  return out;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = canonical((value as Record<string, unknown>)[key]);
    return out;
  }
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function sameTemplate(current: unknown, wanted: Record<string, unknown>): boolean {
  const c = current as {
    index_patterns?: unknown;
    priority?: unknown;
    template?: Record<string, unknown>;
    data_stream?: unknown;
  };
  const w = wanted as typeof c;
  const ct = c.template ?? {};
  const wt = w.template ?? {};
  return (
    equal(c.index_patterns, w.index_patterns) &&
    equal(c.priority, w.priority) &&
    equal(normaliseSettings(ct.settings), normaliseSettings(wt.settings)) &&
    equal(ct.mappings ?? {}, wt.mappings ?? {}) &&
    equal(ct.aliases ?? {}, wt.aliases ?? {}) &&
    (c.data_stream === undefined) === (w.data_stream === undefined)
  );
}

function samePolicy(current: Record<string, unknown>, wanted: Record<string, unknown>): boolean {
  // The server adds a default `retry` to every action; compare without it.
  const states = (value: unknown) =>
    Array.isArray(value)
      ? value.map((state: { actions?: unknown }) => ({
          ...state,
          actions: Array.isArray(state.actions)
            ? state.actions.map((action: Record<string, unknown>) => {
                const { retry: _retry, ...rest } = action;
                return rest;
              })
            : state.actions,
        }))
      : value;
  const pick = (p: Record<string, unknown>) => ({
    description: p.description,
    default_state: p.default_state,
    states: states(p.states),
    ism_template: Array.isArray(p.ism_template)
      ? p.ism_template.map((t: { index_patterns?: unknown; priority?: unknown }) => ({
          index_patterns: t.index_patterns,
          priority: t.priority,
        }))
      : undefined,
  });
  return equal(pick(current), pick(wanted));
}
