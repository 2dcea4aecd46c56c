/**
 * The local dashboard: a small Node http server (127.0.0.1 only) that serves the page, Vega / Vega-Lite / vega-embed
 * from node_modules (no CDN), the panel specs, the saved-objects export, and answers the panels' queries against
 * OpenSearch (only the dashboard's indices).
 */
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Client } from '@opensearch-project/opensearch';
import { DASHBOARD_INDICES, PANELS } from './panels.js';
import { answerPanelQuery } from './query.js';
import { savedObjectsNdjson } from './saved-objects.js';

const require = createRequire(import.meta.url);
const vendorFile = (pkg: string, file: string) => path.join(path.dirname(require.resolve(pkg)), file);
const VENDOR: Record<string, string> = {
  '/vendor/vega.js': vendorFile('vega', 'vega.min.js'),
  '/vendor/vega-lite.js': vendorFile('vega-lite', 'vega-lite.min.js'),
  '/vendor/vega-embed.js': vendorFile('vega-embed', 'vega-embed.min.js'),
};
const PAGE_FILE = new URL('./page.html', import.meta.url);
const ALLOWED = new Set<string>(Object.values(DASHBOARD_INDICES));

export interface DashboardServer {
  readonly url: string;
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function route(client: Client, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'GET' && url.pathname === '/') {
    return send(res, 200, 'text/html; charset=utf-8', fs.readFileSync(PAGE_FILE));
  }
  const vendor = VENDOR[url.pathname];
  if (req.method === 'GET' && vendor !== undefined) {
    return send(res, 200, 'text/javascript; charset=utf-8', fs.readFileSync(vendor));
  }
  if (req.method === 'GET' && url.pathname === '/api/panels') {
    return send(res, 200, 'application/json', JSON.stringify(PANELS));
  }
  if (req.method === 'GET' && url.pathname === '/saved-objects.ndjson') {
    return send(res, 200, 'application/x-ndjson', savedObjectsNdjson());
  }
  if (req.method === 'POST' && url.pathname === '/api/search') {
    const { index, body } = (await readJson(req)) as { index?: unknown; body?: unknown };
    if (typeof index !== 'string' || !ALLOWED.has(index) || typeof body !== 'object' || body === null) {
      return send(res, 400, 'application/json', JSON.stringify({ error: 'index must be a dashboard index' }));
    }
    const answer = await answerPanelQuery(client, index, body as Record<string, unknown>);
    return send(res, 200, 'application/json', JSON.stringify(answer));
  }
  send(res, 404, 'text/plain', 'not found');
}

/** Starts the server on 127.0.0.1 (`port` 0 = a free port). */
export function startDashboardServer(client: Client, port: number): Promise<DashboardServer> {
  const server = http.createServer((req, res) => {
    route(client, req, res).catch((error: unknown) => {
      send(res, 500, 'application/json', JSON.stringify({ error: String(error) }));
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      resolve({
        url: `http://127.0.0.1:${address.port}/`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
