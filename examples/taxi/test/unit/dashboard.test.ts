import fs from 'node:fs';
import { parse as parseVega } from 'vega';
import { compile } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { dashboardMappings } from '../../src/dashboard/mappings.js';
import { DASHBOARD_INDICES, PANELS } from '../../src/dashboard/panels.js';
import { pick } from '../../src/dashboard/query.js';
import { savedObjects, savedObjectsNdjson } from '../../src/dashboard/saved-objects.js';

/** Every document field a query body names: aggregation `field`s (also weighted_avg's value/weight) and sort keys. */
function queryFields(body: unknown): string[] {
  const fields: string[] = [];
  const walk = (node: unknown, key?: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) walk(item, key);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'field' && typeof v === 'string') fields.push(v);
      else if (key === 'sort' && typeof v === 'string') fields.push(k);
      else walk(v, k);
    }
  };
  walk(body);
  return fields;
}

describe('dashboard panels', () => {
  it.each(PANELS.map((p) => [p.id, p] as const))('%s compiles with Vega-Lite and parses as Vega', (_id, panel) => {
    const compiled = compile(panel.spec as never).spec;
    expect(() => parseVega(compiled)).not.toThrow();
    // OpenSearch Dashboards' form: data.url is an OpenSearch query on a dashboard index, format.property picks rows.
    expect(Object.values(DASHBOARD_INDICES)).toContain(panel.spec.data.url.index);
    expect(typeof panel.spec.data.format.property).toBe('string');
    expect(compiled.data?.some((d) => d.name === 'panel')).toBe(true);
  });

  it.each(PANELS.map((p) => [p.id, p] as const))('%s queries only mapped fields', (_id, panel) => {
    const mapping = dashboardMappings()[panel.spec.data.url.index];
    expect(mapping, `mapping of ${panel.spec.data.url.index}`).toBeDefined();
    const fields = queryFields(panel.spec.data.url.body);
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) expect(Object.keys(mapping!.properties), field).toContain(field);
  });

  it('every panel has its own grid place', () => {
    expect(new Set(PANELS.map((p) => p.id)).size).toBe(PANELS.length);
    for (const p of PANELS) expect(p.grid.x + p.grid.w).toBeLessThanOrEqual(48);
  });
});

describe('saved objects export', () => {
  const lines = savedObjectsNdjson().trimEnd().split('\n');

  it('is one JSON object per line: index patterns, one Vega visualization per panel, a dashboard', () => {
    const objects = lines.map((line) => JSON.parse(line) as { type: string; id: string });
    expect(objects.filter((o) => o.type === 'index-pattern')).toHaveLength(Object.keys(DASHBOARD_INDICES).length);
    expect(objects.filter((o) => o.type === 'visualization')).toHaveLength(PANELS.length);
    expect(objects.filter((o) => o.type === 'dashboard')).toHaveLength(1);
  });

  it('carries each spec unchanged and references every visualization from the dashboard', () => {
    const objects = savedObjects() as Array<{ type: string; id: string; attributes: Record<string, string> }>;
    for (const panel of PANELS) {
      const vis = objects.find((o) => o.id === `taxi-${panel.id}`)!;
      const state = JSON.parse(vis.attributes.visState!) as { type: string; params: { spec: string } };
      expect(state.type).toBe('vega');
      expect(JSON.parse(state.params.spec)).toEqual(panel.spec);
    }
    const dashboard = objects.find((o) => o.type === 'dashboard') as unknown as {
      references: Array<{ id: string }>;
      attributes: { panelsJSON: string };
    };
    expect(dashboard.references.map((r) => r.id)).toEqual(PANELS.map((p) => `taxi-${p.id}`));
    expect(JSON.parse(dashboard.attributes.panelsJSON)).toHaveLength(PANELS.length);
  });

  it('the committed dashboard/taxi-dashboard.ndjson is up to date (pnpm run dashboard:export)', () => {
    const committed = fs.readFileSync(new URL('../../dashboard/taxi-dashboard.ndjson', import.meta.url), 'utf8');
    expect(committed).toBe(savedObjectsNdjson());
  });

  it('pick follows format.property', () => {
    expect(pick({ aggregations: { buckets: { buckets: [1] } } }, 'aggregations.buckets.buckets')).toEqual([1]);
    expect(pick({}, 'hits.hits')).toBeUndefined();
  });
});
