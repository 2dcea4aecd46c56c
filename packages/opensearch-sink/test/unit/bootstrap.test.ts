import { Client } from '@opensearch-project/opensearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bootstrap,
  ensureDataStream,
  indexTemplateBody,
  ismPolicyBody,
  putIndexTemplate,
  putIsmPolicy,
  resolveMappings,
} from '../../src/index.js';
import { RecordingServer } from '../support/recording-server.js';

let server: RecordingServer;
let client: Client;
beforeAll(async () => {
  server = await new RecordingServer().start();
  client = new Client({ node: server.url });
});
afterAll(async () => {
  await client.close();
  await server.stop();
});

const policy = ismPolicyBody({
  description: 'trips',
  rollover: { minSize: '50gb', minIndexAge: '1d' },
  warm: { after: '7d', replicas: 0 },
  delete: { after: '30d' },
  indexPatterns: ['trips-*'],
});

describe('ISM policy helper (the plugin cannot be embedded in the local node: request shape only)', () => {
  it('builds hot → warm → delete with rollover conditions and an ism_template', () => {
    expect(policy).toEqual({
      policy: {
        description: 'trips',
        default_state: 'hot',
        states: [
          {
            name: 'hot',
            actions: [{ rollover: { min_size: '50gb', min_index_age: '1d' } }],
            transitions: [{ state_name: 'warm', conditions: { min_index_age: '7d' } }],
          },
          {
            name: 'warm',
            actions: [{ replica_count: { number_of_replicas: 0 } }],
            transitions: [{ state_name: 'delete', conditions: { min_index_age: '30d' } }],
          },
          { name: 'delete', actions: [{ delete: {} }], transitions: [] },
        ],
        ism_template: [{ index_patterns: ['trips-*'], priority: 100 }],
      },
    });
    expect(ismPolicyBody({ delete: { after: '3d' } }).policy.states).toEqual([
      { name: 'hot', actions: [], transitions: [{ state_name: 'delete', conditions: { min_index_age: '3d' } }] },
      { name: 'delete', actions: [{ delete: {} }], transitions: [] },
    ]);
    expect(() => ismPolicyBody({ rollover: {} })).toThrow(/at least one condition/);
  });

  it('creates a missing policy with one PUT', async () => {
    server.requests.length = 0;
    server.respond = (r) =>
      r.method === 'GET' ? { status: 404, body: { error: 'not found' } } : { status: 201, body: {} };
    expect(await putIsmPolicy(client, { policyId: 'trips', policy })).toMatchObject({ action: 'created' });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /_plugins/_ism/policies/trips',
      'PUT /_plugins/_ism/policies/trips',
    ]);
    expect(JSON.parse(server.requests[1]!.body)).toEqual(policy);
  });

  it('leaves an equal policy alone (ignoring the retry defaults the server adds) and updates a different one with seq_no', async () => {
    const stored = structuredClone(policy.policy) as { states: Array<{ actions: Array<Record<string, unknown>> }> };
    for (const state of stored.states)
      for (const action of state.actions) action.retry = { count: 3, backoff: 'exponential', delay: '1m' };
    server.requests.length = 0;
    server.respond = (r) =>
      r.method === 'GET'
        ? {
            status: 200,
            body: {
              _id: 'trips',
              _seq_no: 7,
              _primary_term: 2,
              policy: { ...stored, policy_id: 'trips', schema_version: 21 },
            },
          }
        : { status: 200, body: {} };
    expect(await putIsmPolicy(client, { policyId: 'trips', policy })).toMatchObject({ action: 'unchanged' });
    expect(server.requests).toHaveLength(1);
    const changed = ismPolicyBody({ rollover: { minSize: '10gb' }, indexPatterns: ['trips-*'] });
    expect(await putIsmPolicy(client, { policyId: 'trips', policy: changed })).toMatchObject({ action: 'updated' });
    expect(server.requests.at(-1)!.method).toBe('PUT');
    expect(server.requests.at(-1)!.url).toBe('/_plugins/_ism/policies/trips?if_seq_no=7&if_primary_term=2');
  });

  it('is skipped on Serverless without a request', async () => {
    server.requests.length = 0;
    const result = await putIsmPolicy(client, { policyId: 'trips', policy, serverless: { collectionType: 'search' } });
    expect(result).toMatchObject({ action: 'skipped', reason: expect.stringMatching(/no Index State Management/) });
    expect(server.requests).toHaveLength(0);
  });
});

describe('templates and mappings', () => {
  it('takes raw mappings or a toOpenSearchMapping() provider', () => {
    const raw = { dynamic: 'strict' as const, properties: { a: { type: 'keyword' } } };
    expect(resolveMappings(raw)).toBe(raw);
    expect(resolveMappings({ toOpenSearchMapping: () => raw })).toBe(raw);
    expect(() => resolveMappings(null as never)).toThrow(/mappings/);
  });

  it('builds a data stream template, with the rollover alias setting; Serverless drops index settings', () => {
    const options = {
      name: 't',
      indexPatterns: ['logs-*'],
      mappings: { properties: { a: { type: 'keyword' } } },
      settings: { number_of_shards: 2 },
      dataStream: { timestampField: 'ts' },
      rolloverAlias: 'logs',
    };
    expect(indexTemplateBody(options)).toEqual({
      index_patterns: ['logs-*'],
      priority: 100,
      template: {
        settings: { number_of_shards: 2, 'plugins.index_state_management.rollover_alias': 'logs' },
        mappings: { properties: { a: { type: 'keyword' } } },
      },
      data_stream: { timestamp_field: { name: 'ts' } },
    });
    expect(indexTemplateBody({ ...options, serverless: { collectionType: 'timeseries' } }).template).toEqual({
      mappings: { properties: { a: { type: 'keyword' } } },
    });
  });

  it('Serverless: data streams only in timeseries collections; bootstrap() skips what a collection lacks', async () => {
    await expect(
      putIndexTemplate(client, {
        name: 't',
        indexPatterns: ['x*'],
        dataStream: true,
        serverless: { collectionType: 'search' },
      }),
    ).rejects.toThrow(/only in Serverless timeseries collections/);
    server.requests.length = 0;
    const results = await bootstrap(client, {
      serverless: { collectionType: 'vectorsearch' },
      ismPolicy: { policyId: 'p', policy },
      dataStream: { name: 'ds' },
    });
    expect(results.map((r) => [r.resource, r.action])).toEqual([
      ['ism-policy', 'skipped'],
      ['data-stream', 'skipped'],
    ]);
    expect(server.requests).toHaveLength(0);
    server.respond = () => ({ status: 200, body: { acknowledged: true } });
    expect(await ensureDataStream(client, { name: 'ds', serverless: { collectionType: 'timeseries' } })).toMatchObject({
      action: 'created',
    });
  });
});
