import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultStateDir } from '../../src/kinesis/emulator.js';
import { type OpenSearchNode, startOpenSearch } from '../../src/opensearch/node.js';

// One state folder for this file (git-ignored .local-stack/ at the repo root), removed at the end.
const stateDir = path.join(defaultStateDir(), `opensearch-it-${process.pid}`);

/** Pids of OpenSearch launcher JVMs whose command line mentions `marker` (Linux /proc scan). */
function launcherPids(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmdline.includes('OpenSearchLauncher') && cmdline.includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

async function call<T = Record<string, unknown>>(
  node: OpenSearchNode,
  method: string,
  pathAndQuery: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${node.url}${pathAndQuery}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

afterAll(() => {
  fs.rmSync(stateDir, { recursive: true, force: true });
});

describe('embedded OpenSearch', () => {
  let node: OpenSearchNode;

  beforeAll(async () => {
    const started = Date.now();
    node = await startOpenSearch({
      stateDir,
      name: 'main',
      clean: true,
      heap: '512m',
      settings: { 'thread_pool.write.queue_size': 2 },
    });
    console.log(`OpenSearch ready in ${Date.now() - started} ms at ${node.url} (pid ${node.pid})`);
  });

  afterAll(async () => {
    await node?.stop();
  });

  it('answers on 127.0.0.1 with version 2.19.x and the expected plugins', async () => {
    expect(node.url).toBe(`http://127.0.0.1:${node.httpPort}`);
    const root = await call<{ version: { number: string } }>(node, 'GET', '/');
    expect(root.body.version.number).toMatch(/^2\.19\./);
    const plugins = await call<Array<{ component: string }>>(node, 'GET', '/_cat/plugins?format=json');
    expect(plugins.body.map((p) => p.component).sort()).toEqual([
      'org.opensearch.analysis.common.CommonAnalysisPlugin',
      'org.opensearch.index.mapper.MapperExtrasPlugin',
      'org.opensearch.index.reindex.ReindexPlugin',
      'org.opensearch.painless.PainlessPlugin',
      'org.opensearch.transport.Netty4Plugin',
    ]);
    const health = await call<{ status: string; number_of_nodes: number }>(node, 'GET', '/_cluster/health');
    expect(['yellow', 'green']).toContain(health.body.status);
    expect(health.body.number_of_nodes).toBe(1);
    const nodes = await call<{ nodes: Record<string, { http: { publish_address: string } }> }>(
      node,
      'GET',
      '/_nodes/http',
    );
    const [info] = Object.values(nodes.body.nodes);
    expect(info?.http.publish_address).toBe(`127.0.0.1:${node.httpPort}`);
  });

  it('indexes and searches a document (analysis-common, mapper-extras, painless, reindex)', async () => {
    const created = await call(node, 'PUT', '/rides', {
      settings: {
        number_of_shards: 1,
        number_of_replicas: 0,
        analysis: {
          analyzer: { folded: { type: 'custom', tokenizer: 'standard', filter: ['lowercase', 'asciifolding'] } },
        },
      },
      mappings: {
        properties: {
          zone: { type: 'text', analyzer: 'folded' },
          fare: { type: 'scaled_float', scaling_factor: 100 },
        },
      },
    });
    expect(created.status).toBe(200);
    const indexed = await call(node, 'PUT', '/rides/_doc/1?refresh=true', { zone: 'Côte Harlem', fare: 12.5 });
    expect(indexed.status).toBe(201);

    const search = await call<{ hits: { hits: Array<{ _id: string; fields: { double: number[] } }> } }>(
      node,
      'POST',
      '/rides/_search',
      {
        query: { match: { zone: 'cote' } },
        script_fields: { double: { script: { lang: 'painless', source: "doc['fare'].value * 2" } } },
      },
    );
    expect(search.body.hits.hits.map((h) => h._id)).toEqual(['1']);
    expect(search.body.hits.hits[0]?.fields.double[0]).toBeCloseTo(25);

    const reindex = await call<{ created: number }>(node, 'POST', '/_reindex?refresh=true', {
      source: { index: 'rides' },
      dest: { index: 'rides-copy' },
    });
    expect(reindex.body.created).toBe(1);
  });

  it('applies passed-through node settings (thread_pool.write.queue_size = 2)', async () => {
    const pools = await call<Array<{ name: string; queue_size: string }>>(
      node,
      'GET',
      '/_cat/thread_pool/write?format=json&h=name,queue_size',
    );
    expect(pools.body).toEqual([{ name: 'write', queue_size: '2' }]);
    const settings = await call<{
      nodes: Record<string, { settings: { thread_pool: { write: { queue_size: string } } } }>;
    }>(node, 'GET', '/_nodes/settings');
    const [nodeSettings] = Object.values(settings.body.nodes);
    expect(nodeSettings?.settings.thread_pool.write.queue_size).toBe('2');
  });

  it('restart() keeps the data and the port', async () => {
    const { httpPort, transportPort, pid } = node;
    await node.restart();
    expect(node.httpPort).toBe(httpPort);
    expect(node.transportPort).toBe(transportPort);
    expect(node.pid).not.toBe(pid);
    expect(launcherPids(stateDir)).toEqual([node.pid]);
    const doc = await call<{ found: boolean; _source: { zone: string } }>(node, 'GET', '/rides/_doc/1');
    expect(doc.body.found).toBe(true);
    expect(doc.body._source.zone).toBe('Côte Harlem');
  });
});

describe('embedded OpenSearch lifecycle', () => {
  it('start/stop three times leaves no JVM behind', { timeout: 300_000 }, async () => {
    const marker = path.join(stateDir, 'opensearch', 'cycle');
    expect(launcherPids(marker)).toEqual([]);
    for (let i = 0; i < 3; i++) {
      const node = await startOpenSearch({ stateDir, name: 'cycle', heap: '256m' });
      expect(launcherPids(marker)).toEqual([node.pid]);
      if (i === 0) {
        // A second node in the same folder is refused before it spawns anything.
        await expect(startOpenSearch({ stateDir, name: 'cycle' })).rejects.toThrow(/already running/);
        expect(launcherPids(marker)).toEqual([node.pid]);
      }
      const health = await call<{ status: string }>(node, 'GET', '/_cluster/health');
      expect(['yellow', 'green']).toContain(health.body.status);
      const started = Date.now();
      await node.stop();
      console.log(`cycle ${i + 1}: pid ${node.pid} stopped in ${Date.now() - started} ms`);
      expect(node.running).toBe(false);
      expect(launcherPids(marker)).toEqual([]);
      await node.stop(); // idempotent
    }
  });
});
