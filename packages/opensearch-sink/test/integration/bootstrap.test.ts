import { Client } from '@opensearch-project/opensearch';
import { describe, expect, inject, it } from 'vitest';
import {
  BootstrapError,
  bootstrap,
  ensureDataStream,
  ensureIndex,
  ismPolicyBody,
  OpenSearchSink,
  putIndexTemplate,
  putIsmPolicy,
} from '../../src/index.js';
import { call, count } from '../support/opensearch-http.js';

const url = inject('opensearchUrl');

/** The shape `@pipeline/schema` gives: an object whose toOpenSearchMapping() returns the mappings. */
const schemaLike = {
  toOpenSearchMapping: () => ({
    dynamic: 'strict' as const,
    properties: {
      '@timestamp': { type: 'date', format: 'strict_date_optional_time||epoch_millis' },
      trip: { type: 'keyword' },
      fare: { type: 'double' },
    },
  }),
};

describe('bootstrap helpers against the real node', () => {
  const client = new Client({ node: url });

  it('index template and data stream: created, then unchanged/exists; the sink writes with create', async () => {
    await call(url, 'DELETE', '/_data_stream/trips-ds');
    await call(url, 'DELETE', '/_index_template/trips-ds');
    const template = {
      name: 'trips-ds',
      indexPatterns: ['trips-ds*'],
      mappings: schemaLike,
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      dataStream: true,
    };
    expect(await putIndexTemplate(client, template)).toMatchObject({ action: 'created' });
    expect(await putIndexTemplate(client, template)).toMatchObject({ action: 'unchanged' });
    expect(await putIndexTemplate(client, { ...template, priority: 200 })).toMatchObject({ action: 'updated' });
    expect(await ensureDataStream(client, { name: 'trips-ds' })).toMatchObject({ action: 'created' });
    expect(await ensureDataStream(client, { name: 'trips-ds' })).toMatchObject({ action: 'exists' });

    const sink = new OpenSearchSink<{ '@timestamp': string; trip: string; fare: number }>({
      client,
      index: 'trips-ds',
      action: 'create',
      id: (d) => d.trip,
      flushInterval: 10,
    });
    const docs = Array.from({ length: 50 }, (_, i) => ({
      '@timestamp': new Date(Date.UTC(2024, 0, 1, 0, i)).toISOString(),
      trip: `t${i}`,
      fare: i,
    }));
    const outcomes = await Promise.all(docs.map((d) => sink.write(d)));
    expect(outcomes.every((o) => o.status === 'indexed' && o.result === 'created')).toBe(true);
    // Replaying into a data stream with deterministic ids: 409s, counted as delivered.
    const again = await Promise.all(docs.map((d) => sink.write(d)));
    expect(again.every((o) => o.status === 'indexed' && o.result === 'exists')).toBe(true);
    await sink.close();
    expect(await count(url, 'trips-ds')).toBe(50);
    await call(url, 'DELETE', '/_data_stream/trips-ds');
    await call(url, 'DELETE', '/_index_template/trips-ds');
  });

  it('ensureIndex is idempotent and a missing template for a data stream is a clear error', async () => {
    await call(url, 'DELETE', '/plain-index');
    const options = { name: 'plain-index', mappings: schemaLike, settings: { number_of_replicas: 0 } };
    expect(await ensureIndex(client, options)).toMatchObject({ action: 'created' });
    expect(await ensureIndex(client, options)).toMatchObject({ action: 'exists' });
    const mapping = await call<Record<string, { mappings: unknown }>>(url, 'GET', '/plain-index/_mapping');
    expect(mapping.body['plain-index']!.mappings).toMatchObject({
      dynamic: 'strict',
      properties: { fare: { type: 'double' } },
    });
    await expect(ensureDataStream(client, { name: 'no-template-ds' })).rejects.toThrow(
      /index template with dataStream: true/,
    );
    await call(url, 'DELETE', '/plain-index');
  });

  it('the ISM plugin is not in the embedded node: putIsmPolicy says so (request shape: see the unit tests)', async () => {
    const policy = ismPolicyBody({ rollover: { minSize: '1gb' }, delete: { after: '7d' }, indexPatterns: ['trips-*'] });
    const error = await putIsmPolicy(client, { policyId: 'trips', policy }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BootstrapError);
    expect((error as BootstrapError).message).toMatch(/Index State Management plugin is not installed/);
    // bootstrap() on Serverless skips ISM rather than failing.
    const results = await bootstrap(client, {
      serverless: { collectionType: 'timeseries' },
      ismPolicy: { policyId: 'trips', policy },
    });
    expect(results).toEqual([expect.objectContaining({ resource: 'ism-policy', action: 'skipped' })]);
    await client.close();
  });
});
