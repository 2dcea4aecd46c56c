import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startStack } from '@pipeline/local-stack';
import { afterAll, describe, expect, it } from 'vitest';
import { buildSmokeJob } from './helpers.js';

const run = promisify(execFile);
const cli = path.resolve(__dirname, '../../src/cli.ts');
const tsx = path.resolve(__dirname, '../../../../node_modules/.bin/tsx');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the whole stack', () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-stack-stack-'));
  afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  it('starts Kinesis and OpenSearch together, restarts OpenSearch with its data, and stops both', async () => {
    const stack = await startStack({ stateDir, kinesis: { streams: { trips: 1 } }, opensearch: { name: 'stack' } });
    const described = stack.describe();
    expect(described.kinesis?.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(described.opensearch?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const url = stack.opensearch!.url;
    await fetch(`${url}/kept/_doc/1?refresh=true`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kept: true }),
    });
    await stack.restart('opensearch');
    expect(stack.opensearch!.url).toBe(url);
    const doc = (await (await fetch(`${url}/kept/_doc/1`)).json()) as { found: boolean };
    expect(doc.found).toBe(true);
    const pids = [stack.kinesis!.pid, stack.opensearch!.pid];
    await stack.stop();
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it('adds a Flink job once the other engines run, probes it, restarts it and stops everything', {
    timeout: 600_000,
  }, async () => {
    const smokeJar = await buildSmokeJob();
    const stack = await startStack({
      stateDir,
      opensearch: false,
      kinesis: { engine: 'kinesalite' },
      flink: ({ kinesis }) => {
        expect(kinesis?.endpoint).toBeDefined();
        return { jar: smokeJar, name: 'stack-smoke', heap: '512m' };
      },
    });
    const described = stack.describe();
    expect(described.flink?.restUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { probeStack } = await import('@pipeline/local-stack');
    const status = await probeStack(described);
    expect(status.find((s) => s.engine === 'flink')).toMatchObject({ ready: true });
    const firstPid = stack.flink!.pid;
    await stack.restart('flink');
    expect(stack.flink!.pid).not.toBe(firstPid);
    expect(stack.flink!.restUrl).toBe(described.flink!.restUrl);
    const pids = [stack.kinesis!.pid, firstPid, stack.flink!.pid];
    await stack.stop();
    for (const pid of pids) expect(alive(pid)).toBe(false);
  });

  it('CLI: up in the background, status probes for real, logs, down leaves no process behind', async () => {
    const dir = path.join(stateDir, 'cli');
    const up = await run(tsx, [cli, 'up', '--stream', 'trips:2', '--heap', '384m', '--state-dir', dir], {
      timeout: 300_000,
    });
    const described = JSON.parse(up.stdout.trim().split('\n').at(-1)!);
    expect(described.kinesis.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const status = await run(tsx, [cli, 'status', '--state-dir', dir]);
    const parsed = JSON.parse(status.stdout);
    expect(parsed.status.map((s: { ready: boolean }) => s.ready)).toEqual([true, true]);
    expect(parsed.status[0].detail).toContain('trips');
    const logs = await run(tsx, [cli, 'logs', 'stack', '--state-dir', dir]);
    expect(logs.stdout).toContain('stack.log');
    await run(tsx, [cli, 'down', '--state-dir', dir], { timeout: 120_000 });
    for (const pid of [described.ownerPid, described.kinesis.pid, described.opensearch.pid]) {
      expect(alive(pid), `pid ${pid} still alive`).toBe(false);
    }
    const after = await run(tsx, [cli, 'status', '--state-dir', dir]).catch((e: { code: number; stdout: string }) => e);
    expect((after as { code: number }).code).toBe(3);
  });
});
