import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startKinesis, startOpenSearch } from '../src/index.js';

/**
 * Cold start (spawn → really ready) and resident memory of each engine, measured twice in the same run. The ratio
 * column compares each engine with kinesalite, the lightest one, measured alongside.
 */
function rssMb(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

interface Row {
  engine: string;
  startMs: number;
  rssMb: number;
}

async function measure(engine: string, start: () => Promise<{ pid: number; stop(): Promise<void> }>): Promise<Row> {
  const t0 = performance.now();
  const handle = await start();
  const startMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 500));
  const rss = rssMb(handle.pid);
  await handle.stop();
  return { engine, startMs, rssMb: rss };
}

const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-stack-bench-'));
const rows: Row[] = [];
try {
  for (let round = 0; round < 2; round++) {
    rows.push(await measure('kinesalite', () => startKinesis({ engine: 'kinesalite', stateDir })));
    rows.push(await measure('kinesis-mock', () => startKinesis({ engine: 'kinesis-mock', stateDir })));
    rows.push(await measure('opensearch 2.19.6', () => startOpenSearch({ stateDir, name: `bench-${round}` })));
  }
} finally {
  fs.rmSync(stateDir, { recursive: true, force: true });
}
const best = (engine: string) => {
  const mine = rows.filter((r) => r.engine === engine);
  return { startMs: Math.min(...mine.map((r) => r.startMs)), rssMb: Math.max(...mine.map((r) => r.rssMb)) };
};
const base = best('kinesalite');
console.log('engine             | cold start (best of 2) | RSS after ready | start vs kinesalite');
for (const engine of ['kinesalite', 'kinesis-mock', 'opensearch 2.19.6']) {
  const b = best(engine);
  console.log(
    `${engine.padEnd(18)} | ${`${b.startMs.toFixed(0)} ms`.padStart(22)} | ${`${b.rssMb.toFixed(0)} MB`.padStart(15)} | ${(b.startMs / base.startMs).toFixed(1)}×`,
  );
}
