// What the trip-statistics tests and the measure script share: replaying trips in shifted copies, the expected
// aggregates computed independently of Flink, and reading OpenSearch and Flink's metrics.
import fs from 'node:fs';
import type { FlinkJob } from '@pipeline/local-stack';
import { formatTimestamp, parseTimestamp } from '@pipeline/schema';
import { lateRecordMetrics } from '../../scripts/lib/engines.js';
import type { Trip } from '../../src/schema.js';

const MINUTE = 60_000;

const epoch = (timestamp: string): number => parseTimestamp(timestamp);

/**
 * `repeats` copies of `trips`, copy r shifted by r × `shiftMinutes` (whole windows) with fresh ids (`id` + a 7-digit
 * counter). `shiftMinutes` must leave a gap of more than the out-of-orderness bound between the copies.
 */
export function replay(trips: readonly Trip[], repeats: number, shiftMinutes: number): Trip[][] {
  const copies: Trip[][] = [];
  let n = 0;
  for (let r = 0; r < repeats; r++) {
    const shift = r * shiftMinutes * MINUTE;
    copies.push(
      trips.map((t) => {
        n++;
        return {
          ...t,
          id: `id${String(n).padStart(7, '0')}`,
          pickupDate: formatTimestamp(epoch(t.pickupDate) + shift),
          dropoffDate: formatTimestamp(epoch(t.dropoffDate) + shift),
        };
      }),
    );
  }
  if (n >= 10_000_000) throw new Error('too many trips for 7-digit ids');
  return copies;
}

/** Whole minutes from the first pickup's window start to the last pickup's window end. */
export function spanMinutes(trips: readonly Trip[]): number {
  const times = trips.map((t) => epoch(t.pickupDate));
  const first = Math.floor(Math.min(...times) / MINUTE);
  const last = Math.floor(Math.max(...times) / MINUTE);
  return last - first + 1;
}

/** The latest pickup, epoch ms. */
export function lastPickup(trips: readonly Trip[]): number {
  return Math.max(...trips.map((t) => epoch(t.pickupDate)));
}

/** Haversine distance in miles (R = 3958.8), written out here so the test does not share Flink's expression. */
export function haversine(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const toRad = (deg: number) => (deg * Math.PI) / 180;
  const h =
    Math.sin(toRad(lat2 - lat1) / 2) ** 2 +
    Math.cos(toRad(lat1)) * Math.cos(toRad(lat2)) * Math.sin(toRad(lon2 - lon1) / 2) ** 2;
  return 2 * 3958.8 * Math.asin(Math.sqrt(h));
}

/** An aggregate document as the test expects it. */
export interface ExpectedStats {
  windowStart: string;
  windowEnd: string;
  vendorId: number;
  trips: number;
  passengers: number;
  avgDurationSeconds: number;
  avgDistanceMiles: number;
}

/** Per 1-minute pickup window and vendor: count, passenger sum, mean duration, mean great-circle distance. */
export function expectedStats(trips: Iterable<Trip>): Map<string, ExpectedStats> {
  const groups = new Map<string, { start: number; vendorId: number; n: number; p: number; d: number; g: number }>();
  for (const t of trips) {
    const start = Math.floor(epoch(t.pickupDate) / MINUTE) * MINUTE;
    const key = `${start}|${t.vendorId}`;
    let g = groups.get(key);
    if (!g) {
      g = { start, vendorId: t.vendorId, n: 0, p: 0, d: 0, g: 0 };
      groups.set(key, g);
    }
    g.n++;
    g.p += t.passengerCount;
    g.d += t.tripDuration;
    g.g += haversine(t.pickupLongitude, t.pickupLatitude, t.dropoffLongitude, t.dropoffLatitude);
  }
  const out = new Map<string, ExpectedStats>();
  for (const g of groups.values()) {
    const windowStart = formatTimestamp(g.start);
    out.set(`${windowStart}_${g.vendorId}`, {
      windowStart,
      windowEnd: formatTimestamp(g.start + MINUTE),
      vendorId: g.vendorId,
      trips: g.n,
      passengers: g.p,
      avgDurationSeconds: g.d / g.n,
      avgDistanceMiles: g.g / g.n,
    });
  }
  return out;
}

/** |a − b| ≤ tolerance × max(|a|, |b|) (exact zeros equal). */
export function relativelyClose(a: number, b: number, tolerance = 1e-9): boolean {
  if (a === b) return true;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

/** Differences between expected and actual documents (by id), as readable lines; empty when they match. */
export function compareStats(
  expected: Map<string, ExpectedStats>,
  actual: Map<string, Record<string, unknown>>,
  tolerance = 1e-9,
): string[] {
  const problems: string[] = [];
  for (const [id, e] of expected) {
    const a = actual.get(id);
    if (!a) {
      problems.push(`${id}: missing`);
      continue;
    }
    for (const key of ['windowStart', 'windowEnd', 'vendorId', 'trips', 'passengers'] as const) {
      if (a[key] !== e[key]) problems.push(`${id}: ${key} ${JSON.stringify(a[key])} != ${JSON.stringify(e[key])}`);
    }
    for (const key of ['avgDurationSeconds', 'avgDistanceMiles'] as const) {
      if (typeof a[key] !== 'number' || !relativelyClose(a[key] as number, e[key], tolerance)) {
        problems.push(`${id}: ${key} ${String(a[key])} != ${e[key]}`);
      }
    }
    const extra = Object.keys(a).filter((k) => !(k in e));
    if (extra.length > 0) problems.push(`${id}: unexpected fields ${extra.join(', ')}`);
  }
  for (const id of actual.keys()) if (!expected.has(id)) problems.push(`${id}: unexpected document`);
  return problems;
}

/** Creates an index with one shard, no replicas and the given mapping (deleting any index of that name first). */
export async function createIndex(url: string, index: string, mappings: unknown): Promise<void> {
  await fetch(`${url}/${index}`, { method: 'DELETE' });
  const res = await fetch(`${url}/${index}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ settings: { number_of_shards: 1, number_of_replicas: 0 }, mappings }),
  });
  if (!res.ok) throw new Error(`creating index ${index}: ${res.status} ${await res.text()}`);
}

/** Every document of an index by id (refreshes first; up to 10,000 documents). */
export async function fetchDocs(url: string, index: string): Promise<Map<string, Record<string, unknown>>> {
  await fetch(`${url}/${index}/_refresh`, { method: 'POST' });
  const res = await fetch(`${url}/${index}/_search?size=10000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: { match_all: {} }, track_total_hits: true }),
  });
  if (!res.ok) throw new Error(`search ${index}: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as {
    hits: { total: { value: number }; hits: Array<{ _id: string; _source: Record<string, unknown> }> };
  };
  if (body.hits.total.value > 10_000) throw new Error(`${index} holds ${body.hits.total.value} documents (> 10,000)`);
  return new Map(body.hits.hits.map((h) => [h._id, h._source]));
}

/** Number of documents in an index (after a refresh). */
export async function countDocs(url: string, index: string): Promise<number> {
  await fetch(`${url}/${index}/_refresh`, { method: 'POST' });
  const res = await fetch(`${url}/${index}/_count`);
  if (!res.ok) return 0;
  return ((await res.json()) as { count: number }).count;
}

/**
 * Flink's `numLateRecordsDropped` of every operator that reports it, through the REST API. The REST metric store is
 * filled by a fetcher (every 10 s; the first request triggers it), so this polls until a value shows up.
 */
export async function lateRecordsDropped(job: FlinkJob, timeoutMs = 30_000): Promise<Record<string, number>> {
  const deadline = Date.now() + timeoutMs;
  let late = await lateRecordMetrics(job);
  while (Object.keys(late).length === 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1_000));
    late = await lateRecordMetrics(job);
  }
  return late;
}

/** Resident set size of a process, MiB (Linux /proc); NaN when unknown. */
export function rssMiB(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? Number.NaN) / 1024;
  } catch {
    return Number.NaN;
  }
}
