/** The run's KPI documents for the dashboard's "Now" panel (index `taxi-run-metrics`), one every few seconds. */
import type { Client } from '@opensearch-project/opensearch';
import { RUN_METRICS_MAPPING, type RunMetricsDocument } from '../../src/dashboard/mappings.js';
import { DASHBOARD_INDICES } from '../../src/dashboard/panels.js';
import { createIndex } from './engines.js';
import { countDocuments } from './opensearch.js';
import type { PutCounters } from './produce.js';

const INDEX = DASHBOARD_INDICES.runMetrics;
const FIFTEEN_MINUTES = 15 * 60_000;

export class RunMetrics {
  private lastWindows = 0;
  private lastWindowClosedAt: string | null = null;

  private constructor(private readonly client: Client) {}

  static async create(client: Client, opensearchUrl: string): Promise<RunMetrics> {
    await createIndex(opensearchUrl, INDEX, RUN_METRICS_MAPPING);
    return new RunMetrics(client);
  }

  async publish(counters: PutCounters, recordsPerSecond: number, windowsArrived: number, late: number | undefined) {
    if (windowsArrived > this.lastWindows) {
      this.lastWindows = windowsArrived;
      this.lastWindowClosedAt = new Date().toISOString();
    }
    const last = counters.lastPickup;
    const recent =
      last === undefined
        ? 0
        : await countDocuments(this.client, DASHBOARD_INDICES.rawTrips, {
            range: { pickupDate: { gt: last - FIFTEEN_MINUTES, lte: last } },
          });
    const document: RunMetricsDocument = {
      at: new Date().toISOString(),
      tripsPut: counters.put,
      recordsPerSecond,
      lateRecordsDropped: late ?? null,
      windowsArrived,
      tripsLast15Minutes: recent,
      lastWindowClosedAt: this.lastWindowClosedAt,
    };
    await this.client.index({ index: INDEX, body: document } as never);
  }
}
