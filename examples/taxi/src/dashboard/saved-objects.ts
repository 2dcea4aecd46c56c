/**
 * The dashboard as OpenSearch Dashboards saved objects (ndjson, for Dashboards Management → Saved objects →
 * Import): an index pattern per index, one Vega visualization per panel (its spec unchanged), and the dashboard.
 */
import { DASHBOARD_INDICES, PANELS } from './panels.js';

/** Time field of each index pattern. */
const TIME_FIELDS: Record<string, string> = {
  [DASHBOARD_INDICES.tripStats]: 'windowStart',
  [DASHBOARD_INDICES.rawTrips]: 'pickupDate',
  [DASHBOARD_INDICES.hotspots]: 'windowStart',
  [DASHBOARD_INDICES.airports]: 'windowStart',
  [DASHBOARD_INDICES.runningTotal]: 'windowEnd',
  [DASHBOARD_INDICES.runMetrics]: 'at',
};

const searchSource = JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] });

/** The saved objects, one JSON object each. */
export function savedObjects(): Array<Record<string, unknown>> {
  const patterns = Object.values(DASHBOARD_INDICES).map((index) => ({
    id: `taxi-${index}`,
    type: 'index-pattern',
    attributes: { title: index, timeFieldName: TIME_FIELDS[index] },
    references: [],
  }));
  const visualizations = PANELS.map((panel) => ({
    id: `taxi-${panel.id}`,
    type: 'visualization',
    attributes: {
      title: `Taxi: ${panel.title}`,
      description: '',
      version: 1,
      uiStateJSON: '{}',
      visState: JSON.stringify({
        title: `Taxi: ${panel.title}`,
        type: 'vega',
        aggs: [],
        params: { spec: JSON.stringify(panel.spec, null, 2) },
      }),
      kibanaSavedObjectMeta: { searchSourceJSON: searchSource },
    },
    references: [],
  }));
  const dashboard = {
    id: 'taxi-dashboard',
    type: 'dashboard',
    attributes: {
      title: 'NYC taxi trips (live)',
      description: 'The @pipeline taxi example: Flink SQL windows, raw trips and run KPIs',
      hits: 0,
      timeRestore: false,
      version: 1,
      optionsJSON: JSON.stringify({ hidePanelTitles: false, useMargins: true }),
      panelsJSON: JSON.stringify(
        PANELS.map((panel, i) => ({
          panelIndex: String(i + 1),
          gridData: { ...panel.grid, i: String(i + 1) },
          embeddableConfig: {},
          panelRefName: `panel_${i}`,
        })),
      ),
      refreshInterval: { pause: false, value: 5000 },
      kibanaSavedObjectMeta: { searchSourceJSON: searchSource },
    },
    references: PANELS.map((panel, i) => ({ name: `panel_${i}`, type: 'visualization', id: `taxi-${panel.id}` })),
  };
  return [...patterns, ...visualizations, dashboard];
}

/** The saved objects as ndjson (one object per line, newline-terminated). */
export function savedObjectsNdjson(): string {
  return `${savedObjects()
    .map((o) => JSON.stringify(o))
    .join('\n')}\n`;
}
