// The dashboard in a real browser: seeded trips through the stack (kinesis-mock -> Flink SQL -> OpenSearch, and the
// raw trips through the OpenSearch sink's Lambda consumer), the local page in headless Chromium (Debian's chromium via
// playwright-core; never `playwright install`), each panel's rendered data read from its Vega view and compared with
// the direct OpenSearch query and with an expectation computed here from the trips; a screenshot is saved.

import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateStreamCommand, KinesisClient, waitUntilStreamExists } from '@aws-sdk/client-kinesis';
import { Client } from '@opensearch-project/opensearch';
import { ensureRunnerJar } from '@pipeline/flink-sql-runner';
import { defaultStateDir, type FlinkJob, LOCAL_CREDENTIALS } from '@pipeline/local-stack';
import { parseTimestamp } from '@pipeline/schema';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ANALYSES } from '../../scripts/lib/analyses.js';
import { closeLastWindows } from '../../scripts/lib/close-windows.js';
import { startAnalysesJob } from '../../scripts/lib/engines.js';
import { countDocuments } from '../../scripts/lib/opensearch.js';
import { createProducer, newPutCounters, putTrips } from '../../scripts/lib/produce.js';
import { RAW_TRIPS_INDEX, type RawTripsLeg, startRawTripsLeg } from '../../scripts/lib/raw-trips-leg.js';
import { RunMetrics } from '../../scripts/lib/run-metrics.js';
import { DASHBOARD_INDICES, PANELS } from '../../src/dashboard/panels.js';
import { pick } from '../../src/dashboard/query.js';
import { type DashboardServer, startDashboardServer } from '../../src/dashboard/server.js';
import { iterateTrips } from '../../src/generator.js';
import type { Trip } from '../../src/schema.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = fs.existsSync(CHROMIUM);
const STREAM = 'dashboard-trips';
const MINUTE = 60_000;
const dir = path.join(defaultStateDir(), `taxi-dashboard-it-${process.pid}`);
const screenshot = new URL('../../test-results/dashboard.png', import.meta.url).pathname;

if (!hasChromium) {
  const how = `no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`;
  if (process.env.CI === 'true') {
    describe('dashboard in headless Chromium', () => {
      it('needs a Chromium under CI', () => {
        throw new Error(`the browser test cannot run: ${how}`);
      });
    });
  } else {
    console.warn(`[dashboard test] SKIPPED the browser test: ${how}`);
    describe.skip(`dashboard in headless Chromium — SKIPPED: ${how}`, () => {
      it('renders every panel', () => {});
    });
  }
} else {
  describe('dashboard in headless Chromium', () => {
    let job: FlinkJob | undefined;
    let raw: RawTripsLeg | undefined;
    let server: DashboardServer | undefined;
    let browser: Browser | undefined;
    const client = new Client({ node: inject('opensearchUrl') });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await raw?.stop();
      await job?.stop();
      await client.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('shows exactly what OpenSearch holds and what the trips say', async () => {
      const opensearchUrl = inject('opensearchUrl');
      const endpoint = inject('kinesisMockEndpoint');
      const region = inject('kinesisMockRegion');
      fs.mkdirSync(dir, { recursive: true });
      const kinesis = new KinesisClient({
        endpoint,
        region,
        credentials: { ...LOCAL_CREDENTIALS },
        requestHandler: new NodeHttpHandler(),
      });
      await kinesis.send(new CreateStreamCommand({ StreamName: STREAM, ShardCount: 1 }));
      await waitUntilStreamExists({ client: kinesis, maxWaitTime: 60 }, { StreamName: STREAM });
      kinesis.destroy();
      for (const index of Object.values(DASHBOARD_INDICES)) {
        await client.indices.delete({ index, ignore_unavailable: true } as never);
      }

      await ensureRunnerJar();
      const endpoints = { kinesisStream: STREAM, kinesisEndpoint: endpoint, awsRegion: region, opensearchUrl };
      job = await startAnalysesJob(dir, ANALYSES, endpoints);
      raw = await startRawTripsLeg(dir, endpoint, STREAM, opensearchUrl, (m) => console.warn(m));
      const metrics = await RunMetrics.create(client, opensearchUrl);

      // 600 seeded trips over about 20 minutes, kept here for the expectations.
      const trips: Trip[] = [
        ...iterateTrips({ count: 600, seed: 11, start: new Date('2024-03-01T08:00:00Z'), tripsPerMinute: 30 }),
      ];
      async function* source() {
        yield* trips;
      }
      const counters = newPutCounters();
      const producer = createProducer(endpoint, region, STREAM);
      await putTrips(producer, source(), counters, path.join(dir, 'ids.csv'), (id, m) => {
        throw new Error(`${id}: ${m}`);
      });
      await producer.close();
      await closeLastWindows(endpoint, region, STREAM, counters.lastPickup!);

      // The data is complete when every window and every trip is indexed (the heartbeats never are).
      for (;;) {
        const windows = await countDocuments(client, DASHBOARD_INDICES.tripStats);
        const rawDocs = await countDocuments(client, RAW_TRIPS_INDEX);
        if (windows >= counters.windows.size && rawDocs >= trips.length) break;
        if (!job.running) throw new Error(`the Flink job exited:\n${job.logTail(40)}`);
        await sleep(500);
      }
      await metrics.publish(counters, 1234, counters.windows.size, 0);
      await client.indices.refresh({ index: DASHBOARD_INDICES.runMetrics });

      server = await startDashboardServer(client, 0);
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      await page.goto(server.url);
      // In the page: window.taxiDashboard.panels[id] = { view (the Vega View), ready, error, … }.
      await page.waitForFunction(
        `Object.values(window.taxiDashboard?.panels ?? {}).filter((p) => p.ready).length === ${PANELS.length}`,
        undefined,
        { timeout: 60_000 },
      );
      const rendered = (await page.evaluate(`Object.fromEntries(
        Object.entries(window.taxiDashboard.panels).map(([id, p]) => [id, {
          rows: p.view.data('panel'),
          error: p.error,
          status: document.querySelector('[data-panel="' + id + '"] .status')?.textContent,
        }]))`)) as Record<string, { rows: Array<Record<string, unknown>>; error: string | null; status: string }>;
      fs.mkdirSync(path.dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
      if (process.env.TAXI_UPDATE_SCREENSHOT === '1') {
        fs.copyFileSync(screenshot, new URL('../../docs/dashboard.png', import.meta.url));
      }
      expect(pageErrors).toEqual([]);

      // 1. Every panel shows exactly the direct OpenSearch answer to its query.
      for (const panel of PANELS) {
        const direct = (await client
          .search({ index: panel.spec.data.url.index, body: panel.spec.data.url.body } as never)
          .catch(() => ({ body: {} }))) as { body: unknown };
        const expected = (pick(direct.body, panel.spec.data.format.property) as unknown[] | undefined) ?? [];
        const shown = rendered[panel.id]!;
        expect(shown.error, panel.id).toBeNull();
        expect(shown.rows.map(strip), panel.id).toEqual(expected.map(strip));
      }

      // 2. And what the trips themselves say (computed here, without OpenSearch).
      const perVendor = new Map<string, { trips: number; passengers: number }>();
      const perMinute = new Map<number, { n: number; duration: number }>();
      for (const t of trips) {
        const minute = Math.floor(parseTimestamp(t.pickupDate) / MINUTE) * MINUTE;
        const v = perVendor.get(`${minute}|${t.vendorId}`) ?? { trips: 0, passengers: 0 };
        v.trips++;
        v.passengers += t.passengerCount;
        perVendor.set(`${minute}|${t.vendorId}`, v);
        const m = perMinute.get(minute) ?? { n: 0, duration: 0 };
        m.n++;
        m.duration += t.tripDuration;
        perMinute.set(minute, m);
      }
      const keyed = (rows: Array<Record<string, unknown>>, value: string) =>
        new Map(
          rows.map((r) => {
            const key = r.key as { windowStart: number; vendorId: number };
            return [`${key.windowStart}|${key.vendorId}`, (r[value] as { value: number }).value];
          }),
        );
      expect(keyed(rendered['trips-per-minute']!.rows, 'trips')).toEqual(
        new Map([...perVendor].map(([k, v]) => [k, v.trips])),
      );
      expect(keyed(rendered.passengers!.rows, 'passengers')).toEqual(
        new Map([...perVendor].map(([k, v]) => [k, v.passengers])),
      );
      const durations = rendered['distance-duration']!.rows.map((r) => [
        (r.key as { windowStart: number }).windowStart,
        (r.duration as { value: number }).value,
      ]);
      expect(durations.length).toBe(perMinute.size);
      for (const [minute, avg] of durations) {
        const m = perMinute.get(minute as number)!;
        expect(Math.abs((avg as number) - m.duration / m.n)).toBeLessThan(1e-6 * (m.duration / m.n));
      }
      // The raw-trip percentiles: one bucket per pickup minute (the heartbeats that closed the windows are never indexed).
      expect(rendered['p95-duration']!.rows.length).toBe(perMinute.size);
      // The templates not deployed here show "no data yet".
      for (const id of ['hotspots', 'airports', 'running-total']) {
        expect(rendered[id]!.rows, id).toEqual([]);
        expect(rendered[id]!.status, id).toBe('no data yet');
      }
      const kpi = rendered.kpis!.rows[0] as { _source: { tripsPut: number; tripsLast15Minutes: number } };
      expect(kpi._source.tripsPut).toBe(trips.length);
      const last = counters.lastPickup!;
      expect(kpi._source.tripsLast15Minutes).toBe(
        trips.filter((t) => parseTimestamp(t.pickupDate) > last - 15 * MINUTE).length,
      );
      console.log(`dashboard screenshot: ${screenshot}`);
    });
  });
}

/** Vega adds a `Symbol(vega_id)` to each row; compare the plain data. */
function strip(row: unknown): unknown {
  return JSON.parse(JSON.stringify(row));
}
