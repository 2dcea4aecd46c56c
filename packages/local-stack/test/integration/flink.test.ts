import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readJarManifest } from '@pipeline/java-toolchain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FlinkJob, startFlinkJob } from '../../src/flink/job.js';
import { ensureFlinkRuntime, FLINK_VERSION } from '../../src/flink/runtime.js';
import { defaultStateDir } from '../../src/kinesis/emulator.js';
import { buildSmokeJob } from './helpers.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const smokeModule = path.join(packageRoot, 'java', 'flink-smoke-job');
let smokeJar = '';
const stateDir = path.join(defaultStateDir(), `flink-it-${process.pid}`);

/** Pids of JVMs whose command line mentions the launcher and `marker` (Linux /proc scan). */
function launcherPids(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('FlinkJobLauncher') && cmdline.includes(marker)) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
}

/** Local addresses of the TCP sockets a process listens on (Linux /proc), e.g. `127.0.0.1:8081`. */
function listeningAddresses(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      const match = /^socket:\[(\d+)\]$/.exec(link);
      if (match?.[1]) inodes.add(match[1]);
    } catch {
      // closed meanwhile
    }
  }
  const out: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      const state = fields[3];
      const inode = fields[9];
      if (state !== '0A' || !inode || !inodes.has(inode) || !local) continue;
      const [hex, portHex] = local.split(':') as [string, string];
      const port = Number.parseInt(portHex, 16);
      let address: string;
      if (hex.length === 8) {
        address = [3, 2, 1, 0].map((i) => Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
      } else if (hex.startsWith('0000000000000000FFFF0000')) {
        const v4 = hex.slice(24);
        address = [3, 2, 1, 0].map((i) => Number.parseInt(v4.slice(i * 2, i * 2 + 2), 16)).join('.');
      } else {
        address = hex === '00000000000000000000000000000000' ? '::' : `[${hex}]`;
      }
      out.push(`${address}:${port}`);
    }
  }
  return out;
}

function pomFlinkVersion(pom: string): string | undefined {
  return /<flink\.version>([^<]+)<\/flink\.version>/.exec(fs.readFileSync(pom, 'utf8'))?.[1];
}

beforeAll(async () => {
  const started = Date.now();
  smokeJar = await buildSmokeJob();
  console.log(`smoke job built in ${Date.now() - started} ms`);
}, 600_000);

afterAll(() => {
  fs.rmSync(stateDir, { recursive: true, force: true });
});

describe('Flink on a local MiniCluster', () => {
  it('pins one Flink version across the runtime module, the smoke job and its manifest', () => {
    expect(pomFlinkVersion(path.join(packageRoot, 'java', 'flink-runtime', 'pom.xml'))).toBe(FLINK_VERSION);
    expect(pomFlinkVersion(path.join(smokeModule, 'pom.xml'))).toBe(FLINK_VERSION);
    const manifest = readJarManifest(smokeJar);
    expect(manifest['Flink-Version']).toBe(FLINK_VERSION);
    expect(manifest['Main-Class']).toBe('pipeline.localstack.flinksmoke.SmokeJob');
  });

  it('resolves only Flink runtime jars (no connector, no job code)', { timeout: 600_000 }, async () => {
    const started = Date.now();
    const runtime = await ensureFlinkRuntime();
    console.log(`Flink runtime ready in ${Date.now() - started} ms (${runtime.classpath.length} jars)`);
    const names = runtime.classpath.map((jar) => path.basename(jar));
    expect(names).toContain(`flink-clients-${FLINK_VERSION}.jar`);
    expect(names).toContain(`flink-table-planner-loader-${FLINK_VERSION}.jar`);
    expect(names).toContain(`flink-table-runtime-${FLINK_VERSION}.jar`);
    expect(names).toContain(`flink-statebackend-rocksdb-${FLINK_VERSION}.jar`);
    expect(names.some((n) => /^flink-table-planner_2\.12/.test(n))).toBe(false);
    expect(names.some((n) => /connector-(kinesis|opensearch)|flink-json|flink-sql-runner/.test(n))).toBe(false);
  });

  describe('the smoke job (datagen -> print)', () => {
    let job: FlinkJob;
    let startMs = 0;

    beforeAll(async () => {
      const started = Date.now();
      job = await startFlinkJob({
        jar: smokeJar,
        args: ['20', 'tag-42'],
        stateDir,
        name: 'smoke',
        heap: '512m',
      });
      startMs = Date.now() - started;
      console.log(`smoke job RUNNING in ${startMs} ms (pid ${job.pid}, REST ${job.restUrl})`);
    }, 300_000);

    afterAll(async () => {
      await job?.stop();
    });

    it('is RUNNING, prints rows carrying its arguments, and binds only 127.0.0.1', async () => {
      const jobs = await job.jobs();
      expect(jobs).toEqual([
        expect.objectContaining({ jid: job.jobId, name: 'local-stack-smoke-job', state: 'RUNNING' }),
      ]);
      expect(job.flinkVersion).toBe(FLINK_VERSION);
      const deadline = Date.now() + 30_000;
      let rows = 0;
      while (Date.now() < deadline) {
        rows = (fs.readFileSync(job.logFile, 'utf8').match(/smoke-row> \+I\[tag-42, \d+\]/g) ?? []).length;
        if (rows >= 5) break;
        await sleep(250);
      }
      expect(rows).toBeGreaterThanOrEqual(5);
      const addresses = listeningAddresses(job.pid);
      console.log(`listening: ${addresses.join(', ')}; RSS ${rssMiB(job.pid).toFixed(0)} MiB`);
      expect(addresses).toContain(`127.0.0.1:${job.restPort}`);
      for (const address of addresses) expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    });

    it('keeps its temp files (the planner jar copy) in a scratch folder that stop() removes', async () => {
      const scratch = path.join(job.dir, 'tmp');
      expect(fs.readdirSync(scratch).some((name) => /^flink-table-planner_.*\.jar$/.test(name))).toBe(true);
      expect(launcherPids(job.dir)).toEqual([job.pid]);
      const started = Date.now();
      await job.stop();
      console.log(`smoke job stopped in ${Date.now() - started} ms`);
      expect(job.running).toBe(false);
      expect(fs.existsSync(scratch)).toBe(false);
      expect(launcherPids(job.dir)).toEqual([]);
      await job.stop(); // idempotent
    });
  });

  it('fails with the log when the job main fails, leaving no JVM behind', { timeout: 300_000 }, async () => {
    const dir = path.join(stateDir, 'flink', 'broken');
    await expect(
      startFlinkJob({ jar: smokeJar, args: ['not-a-number'], stateDir, name: 'broken', heap: '256m' }),
    ).rejects.toThrow(/exited during startup[\s\S]*NumberFormatException/);
    expect(launcherPids(dir)).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'tmp'))).toBe(false);
  });
});
