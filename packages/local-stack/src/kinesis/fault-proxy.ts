import http from 'node:http';
import { mulberry32 } from '@pipeline/commons';
import { kinesisCall } from '../internal/http-json.js';
import {
  type InjectedFailure,
  mergeResults,
  type PutRecordsResultEntry,
  splitEntries,
} from '../internal/put-records.js';
import {
  entryHashKey,
  findShard,
  type ListedShard,
  openShardRanges,
  type ShardRange,
  streamNameOf,
} from '../internal/shard-map.js';
import { ShardBudget } from '../internal/token-bucket.js';
import {
  type FaultCounts,
  type FaultProxyOptions,
  type FaultRates,
  type HeldRequest,
  type ShardRateLimit,
  validateFaults,
  validateLimit,
  zeroCounts,
} from './fault-options.js';
import { AMZ_JSON, filterHeaders, isRecord, parseMaybe, readBody, sendError, sendJson } from './proxy-http.js';

export {
  type FaultCounts,
  type FaultProxyOptions,
  type FaultRates,
  type HeldRequest,
  KINESIS_SHARD_LIMIT,
  type ShardRateLimit,
} from './fault-options.js';

type RequestFault = 'resetBeforeForward' | 'http500' | 'http503' | 'resetAfterForward';
const REQUEST_FAULTS: readonly RequestFault[] = ['resetBeforeForward', 'http500', 'http503', 'resetAfterForward'];

interface EntryDecision {
  kind: 'recordThroughputExceeded' | 'recordInternalFailure' | 'rateLimited';
  shardId?: string;
}

const PUT_OPERATIONS = new Set(['PutRecords', 'PutRecord']);
const SHARD_MAP_TTL_MS = 1_000;

function entryBytes(entry: Record<string, unknown>): number {
  const data = typeof entry.Data === 'string' ? Buffer.byteLength(entry.Data, 'base64') : 0;
  const key = typeof entry.PartitionKey === 'string' ? Buffer.byteLength(entry.PartitionKey, 'utf8') : 0;
  return data + key;
}

function accountOf(body: Record<string, unknown>): string | undefined {
  if (typeof body.StreamARN !== 'string') return undefined;
  return body.StreamARN.split(':')[4];
}

function failureFor(decision: EntryDecision, stream: string, account: string | undefined): InjectedFailure {
  if (decision.kind === 'recordInternalFailure') {
    return { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure.' };
  }
  return {
    ErrorCode: 'ProvisionedThroughputExceededException',
    ErrorMessage: throughputMessage(decision, stream, account),
  };
}

function throughputMessage(decision: EntryDecision, stream: string, account: string | undefined): string {
  const shard = decision.shardId ? `shard ${decision.shardId}` : 'shard';
  const under = account ? ` under account ${account}` : '';
  const why = decision.kind === 'rateLimited' ? 'shard rate limit' : 'injected';
  return `Rate exceeded for ${shard} in stream ${stream}${under}. (@pipeline/local-stack fault proxy: ${why})`;
}

interface ShardMapEntry {
  ranges?: ShardRange[];
  fetchedAt: number;
  inflight?: Promise<ShardRange[] | undefined>;
}

/**
 * A protocol-aware HTTP/1.1 proxy in front of a Kinesis emulator that injects per-entry PutRecords failures, 5xx
 * answers, latency and connection resets, enforces per-shard write limits, and can hold a request until released.
 * Binds to 127.0.0.1.
 */
export class KinesisFaultProxy {
  readonly endpoint: string;
  readonly port: number;
  /** Live counters; reset with {@link resetCounts}. */
  readonly counts: FaultCounts = zeroCounts();

  private faults: FaultRates;
  private rateLimit: ShardRateLimit | null;
  private readonly operations: ReadonlySet<string>;
  private readonly random: () => number;
  private readonly target: URL;
  private readonly holdWaiters: Array<{
    operation: string;
    resolve: (held: HeldRequest) => void;
    reject: (err: Error) => void;
  }> = [];
  private readonly heldReleases = new Set<() => void>();
  private readonly shardMaps = new Map<string, ShardMapEntry>();
  private readonly budgets = new Map<string, ShardBudget>();
  private closed = false;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly server: http.Server,
    port: number,
    target: URL,
    options: FaultProxyOptions,
  ) {
    this.port = port;
    this.endpoint = `http://127.0.0.1:${port}`;
    this.target = target;
    this.faults = validateFaults(options.faults ?? {});
    this.rateLimit = validateLimit(options.shardRateLimit);
    this.operations = new Set(options.operations ?? ['PutRecords', 'PutRecord']);
    this.random = mulberry32(options.seed ?? Math.floor(Math.random() * 2 ** 32));
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      res.on('error', () => {}); // the client may be gone (reset faults, aborted requests)
      this.handle(req, res).catch((err: unknown) => {
        const message = err instanceof Error ? err.message : String(err);
        if (!res.headersSent && !res.destroyed && !req.socket.destroyed) {
          sendError(res, 502, 'InternalFailure', `@pipeline/local-stack fault proxy: ${message}`);
        } else {
          res.destroy();
        }
      });
    });
  }

  static async start(options: FaultProxyOptions): Promise<KinesisFaultProxy> {
    const target = new URL(options.target);
    if (target.protocol !== 'http:') throw new TypeError(`target must be an http:// endpoint, got ${options.target}`);
    const server = http.createServer();
    // Long idle timeout: an SDK client reusing a socket the server just closed would see a spurious ECONNRESET.
    server.keepAliveTimeout = 60_000;
    server.headersTimeout = 65_000;
    server.requestTimeout = 0;
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: options.port ?? 0, host: '127.0.0.1' }, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    return new KinesisFaultProxy(server, port, target, options);
  }

  /** Replaces all fault rates (omitted ones become 0). */
  setFaults(faults: FaultRates): void {
    this.faults = validateFaults(faults);
  }

  /** Sets (or with null removes) the per-shard write limit; buckets restart full. */
  setShardRateLimit(limit: ShardRateLimit | null): void {
    this.rateLimit = validateLimit(limit);
    this.budgets.clear();
  }

  /**
   * Holds the next request of `operation` (default 'PutRecords') un-forwarded. Resolves when it arrives; call
   * `release()` to let it continue. Rejects if the proxy stops first.
   */
  holdNext(operation = 'PutRecords'): Promise<HeldRequest> {
    if (this.closed) return Promise.reject(new Error('KinesisFaultProxy is stopped'));
    const promise = new Promise<HeldRequest>((resolve, reject) => {
      this.holdWaiters.push({ operation, resolve, reject });
    });
    promise.catch(() => {}); // a rejection at stop() must not become an unhandled rejection
    return promise;
  }

  resetCounts(): void {
    Object.assign(this.counts, zeroCounts());
  }

  /** Closes the server and every connection; releases held requests. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      this.closed = true;
      for (const waiter of this.holdWaiters.splice(0)) waiter.reject(new Error('KinesisFaultProxy stopped'));
      for (const release of [...this.heldReleases]) release();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.stopping;
  }

  // ---------------------------------------------------------------------------------------------------------------

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const targetHeader = req.headers['x-amz-target'];
    const amzTarget = typeof targetHeader === 'string' ? targetHeader : '';
    const dot = amzTarget.indexOf('.');
    const operation = dot >= 0 ? amzTarget.slice(dot + 1) : amzTarget;
    this.counts.requests++;

    let body: Buffer | undefined;
    const waiterIndex = this.holdWaiters.findIndex((w) => w.operation === operation);
    if (waiterIndex >= 0) {
      const [waiter] = this.holdWaiters.splice(waiterIndex, 1);
      const held = await readBody(req);
      body = held;
      await new Promise<void>((resolve) => {
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          this.heldReleases.delete(release);
          resolve();
        };
        this.heldReleases.add(release);
        waiter?.resolve({ operation, body: parseMaybe(held), release });
      });
      if (this.closed) {
        req.socket.destroy();
        return;
      }
    }

    const faults = this.faults;
    const faultOp = this.operations.has(operation);
    if (faultOp && (faults.latencyMs ?? 0) > 0) {
      await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
    }
    const requestFault = faultOp ? this.pickRequestFault(faults) : undefined;
    if (requestFault === 'resetBeforeForward') {
      this.counts.resetBeforeForward++;
      req.socket.destroy();
      return;
    }
    if (requestFault === 'http500' || requestFault === 'http503') {
      if (body === undefined) await readBody(req);
      if (requestFault === 'http500') {
        this.counts.http500++;
        sendError(res, 500, 'InternalFailure', 'Internal service failure. (@pipeline/local-stack fault proxy)');
      } else {
        this.counts.http503++;
        sendError(res, 503, 'ServiceUnavailable', 'Service Unavailable. (@pipeline/local-stack fault proxy)');
      }
      return;
    }
    const resetAfter = requestFault === 'resetAfterForward';

    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim();
    if (PUT_OPERATIONS.has(operation) && contentType === AMZ_JSON) {
      body ??= await readBody(req);
      await this.handlePut(operation, req, res, body, faultOp ? faults : {}, resetAfter);
      return;
    }

    const upstream = await this.forward(req, res, body);
    this.counts.forwarded++;
    if (resetAfter) {
      await readBody(upstream);
      this.counts.resetAfterForward++;
      req.socket.destroy();
      return;
    }
    this.pipeResponse(upstream, res);
  }

  private async handlePut(
    operation: string,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    faults: FaultRates,
    resetAfter: boolean,
  ): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    const single = operation === 'PutRecord';
    const entries: unknown[] | undefined = isRecord(parsed)
      ? single
        ? [parsed]
        : Array.isArray(parsed.Records)
          ? parsed.Records
          : undefined
      : undefined;
    if (!isRecord(parsed) || entries === undefined) {
      // Not something we understand: let the target produce its own validation error.
      return this.forwardAndAnswer(req, res, body, 0, resetAfter);
    }
    const stream = streamNameOf(parsed) ?? '';
    const account = accountOf(parsed);

    const decisions: (EntryDecision | undefined)[] = entries.map(() => this.pickEntryFault(faults));
    const limit = this.rateLimit;
    if (limit !== null && stream !== '') {
      await this.applyRateLimit(limit, stream, entries, decisions, req);
    }

    for (const decision of decisions) {
      if (decision) this.counts[decision.kind]++;
    }

    if (single) {
      const decision = decisions[0];
      if (decision?.kind === 'recordInternalFailure') {
        sendError(res, 500, 'InternalFailure', 'Internal service failure. (@pipeline/local-stack fault proxy)');
        return;
      }
      if (decision) {
        sendError(res, 400, 'ProvisionedThroughputExceededException', throughputMessage(decision, stream, account));
        return;
      }
      return this.forwardAndAnswer(req, res, body, 1, resetAfter);
    }

    const split = splitEntries(entries, (_entry, index) => {
      const decision = decisions[index];
      return decision ? failureFor(decision, stream, account) : undefined;
    });
    if (split.injected.size === 0) return this.forwardAndAnswer(req, res, body, entries.length, resetAfter);
    if (split.forward.length === 0) {
      const merged = mergeResults(entries.length, [], [], split.injected);
      sendJson(res, 200, { ...merged, EncryptionType: 'NONE' });
      return;
    }

    const forwardBody = Buffer.from(JSON.stringify({ ...parsed, Records: split.forward }), 'utf8');
    const upstream = await this.forward(req, res, forwardBody);
    this.counts.forwarded++;
    this.counts.entriesForwarded += split.forward.length;
    const answer = await readBody(upstream);
    if (resetAfter) {
      this.counts.resetAfterForward++;
      this.counts.entriesInResetAfterForward += split.forward.length;
      req.socket.destroy();
      return;
    }
    const status = upstream.statusCode ?? 502;
    let answerJson: unknown;
    try {
      answerJson = JSON.parse(answer.toString('utf8'));
    } catch {
      answerJson = undefined;
    }
    if (status === 200 && isRecord(answerJson) && Array.isArray(answerJson.Records)) {
      const merged = mergeResults(
        entries.length,
        split.forwardIndexes,
        answerJson.Records as PutRecordsResultEntry[],
        split.injected,
      );
      const headers = filterHeaders(upstream.headers);
      delete headers['content-length'];
      delete headers['x-amzn-requestid'];
      sendJson(res, 200, { ...answerJson, ...merged }, headers);
      return;
    }
    // The whole request failed at the target (e.g. ResourceNotFound): its answer wins.
    const headers = filterHeaders(upstream.headers);
    headers['content-length'] = String(answer.length);
    res.writeHead(status, upstream.statusMessage, headers);
    res.end(answer);
  }

  private async forwardAndAnswer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer,
    entryCount: number,
    resetAfter: boolean,
  ): Promise<void> {
    const upstream = await this.forward(req, res, body);
    this.counts.forwarded++;
    this.counts.entriesForwarded += entryCount;
    if (resetAfter) {
      await readBody(upstream);
      this.counts.resetAfterForward++;
      this.counts.entriesInResetAfterForward += entryCount;
      req.socket.destroy();
      return;
    }
    this.pipeResponse(upstream, res);
  }

  private async applyRateLimit(
    limit: ShardRateLimit,
    stream: string,
    entries: readonly unknown[],
    decisions: (EntryDecision | undefined)[],
    req: http.IncomingMessage,
  ): Promise<void> {
    let ranges = await this.shardRanges(stream, req, false);
    if (ranges === undefined) return; // no shard map (e.g. unknown stream): the target will answer
    const hashKeys = entries.map((entry) =>
      isRecord(entry) && typeof entry.PartitionKey === 'string'
        ? entryHashKey(entry.PartitionKey, typeof entry.ExplicitHashKey === 'string' ? entry.ExplicitHashKey : null)
        : undefined,
    );
    const missing = hashKeys.some((key, i) => key !== undefined && !decisions[i] && !findShard(ranges ?? [], key));
    if (missing) ranges = (await this.shardRanges(stream, req, true)) ?? ranges;
    const now = performance.now();
    entries.forEach((entry, i) => {
      const hashKey = hashKeys[i];
      if (decisions[i] || hashKey === undefined || !isRecord(entry)) return;
      const shard = findShard(ranges ?? [], hashKey);
      if (!shard) return;
      const budgetKey = `${stream}/${shard.shardId}`;
      let budget = this.budgets.get(budgetKey);
      if (!budget) {
        budget = new ShardBudget(limit.bytesPerSecond, limit.recordsPerSecond, now);
        this.budgets.set(budgetKey, budget);
      }
      if (!budget.tryCharge(entryBytes(entry), now)) decisions[i] = { kind: 'rateLimited', shardId: shard.shardId };
    });
  }

  private shardRanges(stream: string, req: http.IncomingMessage, force: boolean): Promise<ShardRange[] | undefined> {
    const cached = this.shardMaps.get(stream);
    if (cached?.inflight) return cached.inflight;
    if (cached?.ranges && !force && Date.now() - cached.fetchedAt < SHARD_MAP_TTL_MS) {
      return Promise.resolve(cached.ranges);
    }
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'x-amz-date']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const inflight = this.fetchShards(stream, headers).then(
      (ranges) => {
        this.shardMaps.set(stream, { ranges, fetchedAt: Date.now() });
        return ranges;
      },
      () => {
        this.shardMaps.delete(stream);
        return undefined;
      },
    );
    this.shardMaps.set(stream, { ...cached, fetchedAt: cached?.fetchedAt ?? 0, inflight });
    return inflight;
  }

  private async fetchShards(stream: string, headers: Record<string, string>): Promise<ShardRange[]> {
    const shards: ListedShard[] = [];
    let request: Record<string, unknown> = { StreamName: stream };
    for (let page = 0; page < 1000; page++) {
      const answer = await kinesisCall<{ Shards?: ListedShard[]; NextToken?: string | null }>(
        this.target.origin,
        'ListShards',
        request,
        { headers, timeoutMs: 10_000 },
      );
      shards.push(...(answer.Shards ?? []));
      if (!answer.NextToken) break;
      request = { NextToken: answer.NextToken };
    }
    return openShardRanges(shards);
  }

  private pickRequestFault(faults: FaultRates): RequestFault | undefined {
    let total = 0;
    for (const kind of REQUEST_FAULTS) total += faults[kind] ?? 0;
    if (total <= 0) return undefined;
    const draw = this.random();
    let cumulative = 0;
    for (const kind of REQUEST_FAULTS) {
      cumulative += faults[kind] ?? 0;
      if (draw < cumulative) return kind;
    }
    return undefined;
  }

  private pickEntryFault(faults: FaultRates): EntryDecision | undefined {
    const throughput = faults.recordThroughputExceeded ?? 0;
    const internal = faults.recordInternalFailure ?? 0;
    if (throughput + internal <= 0) return undefined;
    const draw = this.random();
    if (draw < throughput) return { kind: 'recordThroughputExceeded' };
    if (draw < throughput + internal) return { kind: 'recordInternalFailure' };
    return undefined;
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    body: Buffer | undefined,
  ): Promise<http.IncomingMessage> {
    const headers = filterHeaders(req.headers);
    headers.host = this.target.host;
    if (body !== undefined) headers['content-length'] = String(body.length);
    const upstream = http.request({
      protocol: 'http:',
      hostname: this.target.hostname,
      port: this.target.port,
      path: req.url ?? '/',
      method: req.method ?? 'POST',
      headers,
      // One connection per forwarded request: no race with the emulator's idle keep-alive timeout.
      agent: false,
    });
    const onClientGone = () => {
      if (!res.writableFinished) upstream.destroy();
    };
    res.once('close', onClientGone);
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      upstream.once('response', resolve);
      // `on`, not `once`: a second error (e.g. mid-response) must not become an uncaught exception.
      upstream.on('error', reject);
      if (body !== undefined) upstream.end(body);
      else req.pipe(upstream);
    });
  }

  private pipeResponse(upstream: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage, filterHeaders(upstream.headers));
    upstream.pipe(res);
  }
}
