// localStackSetup({ opensearch }) called as vitest calls a global setup — with a project that records what it
// provides — in a child Node process, so the test also sees that the process exits promptly after the teardown
// (vitest's main process runs global setups and gives up after 10 s when something keeps it alive).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { localStackSetup } from '@pipeline/local-stack/vitest';
import { describe, expect, it } from 'vitest';
import type { TestProject } from 'vitest/node';
import { defaultStateDir } from '../../src/kinesis/emulator.js';

const setupModule = pathToFileURL(fileURLToPath(new URL('../../src/vitest.ts', import.meta.url))).href;

/** Runs setup, checks OpenSearch's health, tears down; prints one JSON line, then returns (no process.exit). */
const CHILD = `
import fs from 'node:fs';
import { localStackSetup } from ${JSON.stringify(setupModule)};
const stateDir = process.env.STATE_DIR;
const provided = {};
const project = { provide: (key, value) => { provided[key] = value; } };
const teardown = await localStackSetup({ kinesisMock: { stateDir }, opensearch: { stateDir, heap: '256m' } })(project);
const nodeDir = stateDir + '/opensearch/vitest-' + process.pid;
const health = await fetch(provided.opensearchUrl + '/_cluster/health').then((r) => r.json());
const existed = fs.existsSync(nodeDir);
await teardown();
let stillAnswers = true;
try { await fetch(provided.opensearchUrl + '/'); } catch { stillAnswers = false; }
console.log(JSON.stringify({ provided, health: health.status, existed, removed: !fs.existsSync(nodeDir), stillAnswers, tornDownAt: Date.now() }));
`;

function runChild(
  stateDir: string,
): Promise<{ code: number | null; stdout: string; stderr: string; exitedAt: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--conditions=@pipeline/source', '--input-type=module', '-e', CHILD],
      { cwd: path.resolve(fileURLToPath(import.meta.url), '../../..'), env: { ...process.env, STATE_DIR: stateDir } },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr, exitedAt: Date.now() }));
  });
}

describe('localStackSetup({ opensearch })', () => {
  it('starts OpenSearch next to kinesis-mock, provides opensearchUrl, stops and removes it, and lets the process exit', async () => {
    const stateDir = path.join(defaultStateDir(), `vitest-setup-it-${process.pid}`);
    try {
      const result = await runChild(stateDir);
      expect(result.stderr.replace(/\(node:\d+\) Warning[\s\S]*$/, '')).toBe('');
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout.trim().split('\n').pop() as string) as {
        provided: Record<string, string>;
        health: string;
        existed: boolean;
        removed: boolean;
        stillAnswers: boolean;
        tornDownAt: number;
      };
      expect(Object.keys(report.provided).sort()).toEqual([
        'kinesisMockAccountId',
        'kinesisMockEndpoint',
        'kinesisMockRegion',
        'opensearchUrl',
      ]);
      expect(report.provided.opensearchUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(['green', 'yellow']).toContain(report.health);
      expect(report.existed).toBe(true);
      expect(report.removed).toBe(true);
      expect(report.stillAnswers).toBe(false);
      // Nothing (such as a stop grace timer) keeps the process alive after the teardown.
      expect(result.exitedAt - report.tornDownAt).toBeLessThan(5_000);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('provides nothing when no engine is asked for', async () => {
    const provided: Record<string, unknown> = {};
    const project = {
      provide: (key: string, value: unknown) => {
        provided[key] = value;
      },
    } as unknown as TestProject;
    const teardown = await localStackSetup({})(project);
    await teardown();
    expect(provided).toEqual({});
  });
});
