import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the proxy saw it. */
export interface ProxiedRequest {
  readonly n: number;
  readonly method: string;
  readonly url: string;
  readonly body: Buffer;
  readonly isBulk: boolean;
}

/** What the proxy does with one request; `undefined` (or `forward`) passes it to OpenSearch. */
export type ProxyAction =
  | { kind: 'forward' }
  /** Answer with this status without forwarding. */
  | { kind: 'status'; status: number; body?: string }
  /** Destroy the client socket without forwarding (the request never arrived). */
  | { kind: 'reset-before' }
  /** Forward, wait for OpenSearch's answer, then destroy the client socket (the write happened). */
  | { kind: 'reset-after' };

/** One bulk operation, for `rejectItem`. */
export interface ProxiedOp {
  readonly action: string;
  readonly index: string | undefined;
  readonly id: string | undefined;
  readonly source: Record<string, unknown> | undefined;
}

export interface FaultProxyCounts {
  requests: number;
  forwarded: number;
  status: number;
  resetBefore: number;
  resetAfter: number;
  /** Items answered 429 by the proxy instead of OpenSearch. */
  rejectedItems: number;
  /** Requests reset because the link was cut (before forwarding, or after OpenSearch answered). */
  cutBefore: number;
  cutAfter: number;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of a real OpenSearch node that injects what the engine cannot produce on
 * demand: 5xx answers, connection resets before or after the write, 413 for large bodies, and item-level 429s for
 * chosen documents (those lines are cut from the forwarded `_bulk` body and their 429 items spliced back in order).
 */
export class OpenSearchFaultProxy {
  readonly counts: FaultProxyCounts = {
    requests: 0,
    forwarded: 0,
    status: 0,
    resetBefore: 0,
    resetAfter: 0,
    rejectedItems: 0,
    cutBefore: 0,
    cutAfter: 0,
  };
  /** Per-request fault. */
  rule: ((request: ProxiedRequest) => ProxyAction | undefined) | undefined;
  /** Answer 413 to bodies over this many bytes. */
  maxBodyBytes = Number.POSITIVE_INFINITY;
  /** Answer 429 (not forwarded) for these bulk operations. */
  rejectItem: ((op: ProxiedOp) => boolean) | undefined;
  private server: http.Server | undefined;
  private cutUntil = 0;
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly target: URL;

  constructor(target: string) {
    this.target = new URL(target);
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (address === undefined) throw new Error('the proxy is not started');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
          res.destroy(error instanceof Error ? error : new Error(String(error)));
        });
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /**
   * Cuts the link for `ms`: open connections are dropped at once (answers of requests already forwarded are lost),
   * and every request that arrives (or whose answer arrives) before the link is back is reset.
   */
  cut(ms: number): void {
    this.cutUntil = Date.now() + ms;
    this.server?.closeAllConnections();
  }

  private get linkCut(): boolean {
    return Date.now() < this.cutUntil;
  }

  async stop(): Promise<void> {
    this.agent.destroy();
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void> {
    const request: ProxiedRequest = {
      n: ++this.counts.requests,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      body,
      isBulk: /\/_bulk(\?|$)/.test(req.url ?? ''),
    };
    if (body.length > this.maxBodyBytes) {
      this.counts.status++;
      res.writeHead(413, { 'content-type': 'text/plain' });
      res.end(`Request size exceeded ${this.maxBodyBytes} bytes`);
      return;
    }
    if (this.linkCut) {
      this.counts.cutBefore++;
      req.socket.destroy();
      return;
    }
    const action = this.rule?.(request) ?? { kind: 'forward' };
    if (action.kind === 'status') {
      this.counts.status++;
      res.writeHead(action.status, { 'content-type': 'application/json' });
      res.end(
        action.body ??
          JSON.stringify({
            error: { type: 'proxy_fault', reason: `injected ${action.status}` },
            status: action.status,
          }),
      );
      return;
    }
    if (action.kind === 'reset-before') {
      this.counts.resetBefore++;
      req.socket.destroy();
      return;
    }
    let forwardBody = body;
    let rejected: Array<string | false> | undefined;
    if (request.isBulk && this.rejectItem !== undefined) {
      const split = this.cutRejected(body);
      if (split.rejected.some((r) => r !== false)) {
        rejected = split.rejected;
        forwardBody = split.body;
      }
    }
    let answer: { status: number; headers: http.IncomingHttpHeaders; body: Buffer };
    if (rejected !== undefined && forwardBody.length === 0) {
      answer = {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from('{"took":0,"errors":false,"items":[]}'),
      };
    } else {
      answer = await this.forward(req, forwardBody);
      this.counts.forwarded++;
    }
    if (action.kind === 'reset-after') {
      this.counts.resetAfter++;
      req.socket.destroy();
      return;
    }
    if (this.linkCut || req.socket.destroyed) {
      this.counts.cutAfter++;
      req.socket.destroy();
      return;
    }
    let out = answer.body;
    if (rejected !== undefined && answer.status === 200) out = this.splice(answer.body, rejected);
    const headers = { ...answer.headers };
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    headers['content-length'] = String(out.length);
    res.writeHead(answer.status, headers);
    res.end(out);
  }

  private forward(
    req: http.IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: this.target.host, 'content-length': String(body.length) };
      const upstream = http.request(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path: req.url,
          headers,
          agent: this.agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 502, headers: response.headers, body: Buffer.concat(chunks) }),
          );
          response.on('error', reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  /** Cuts the operations `rejectItem` picks out of an NDJSON bulk body. */
  private cutRejected(body: Buffer): { body: Buffer; rejected: Array<string | false> } {
    const lines = body.toString('utf8').split('\n');
    const kept: string[] = [];
    const rejected: Array<string | false> = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      const meta = JSON.parse(line) as Record<string, { _index?: string; _id?: string }>;
      const action = Object.keys(meta)[0]!;
      const hasSource = action !== 'delete';
      const sourceLine = hasSource ? lines[++i]! : undefined;
      const op: ProxiedOp = {
        action,
        index: meta[action]?._index,
        id: meta[action]?._id,
        source: sourceLine === undefined ? undefined : (JSON.parse(sourceLine) as Record<string, unknown>),
      };
      const reject = this.rejectItem!(op);
      rejected.push(reject ? action : false);
      if (reject) {
        this.counts.rejectedItems++;
      } else {
        kept.push(line);
        if (sourceLine !== undefined) kept.push(sourceLine);
      }
    }
    return { body: Buffer.from(kept.length === 0 ? '' : `${kept.join('\n')}\n`), rejected };
  }

  /** Puts 429 items back where the cut operations were. */
  private splice(body: Buffer, rejected: Array<string | false>): Buffer {
    const parsed = JSON.parse(body.toString('utf8')) as { items?: unknown[]; errors?: boolean };
    const forwarded = parsed.items ?? [];
    const items: unknown[] = [];
    let next = 0;
    for (const action of rejected) {
      if (action !== false) {
        items.push({
          [action]: {
            status: 429,
            error: {
              type: 'es_rejected_execution_exception',
              reason: 'rejected execution (injected by the test proxy)',
            },
          },
        });
      } else {
        items.push(forwarded[next++]);
      }
    }
    return Buffer.from(JSON.stringify({ ...parsed, errors: true, items }));
  }
}
