#!/usr/bin/env node
// Every test in one command: install, build, publish-shape checks, lint, typecheck, unit tests, then each package's
// integration suite one at a time (they start real engines; two cores are not oversubscribed). Prints each step's
// time, each suite's time, and a closing "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const PNPM = ['-y', 'pnpm@10.34.9'];
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  FORCE_COLOR: process.env.FORCE_COLOR ?? '0',
};
const timings = [];
let failed = false;

function run(label, args, { optional = false } = {}) {
  const started = Date.now();
  console.log(`\n=== ${label}: npx ${args.join(' ')}`);
  const result = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env });
  const seconds = (Date.now() - started) / 1000;
  const ok = result.status === 0;
  timings.push({ label, seconds, ok });
  console.log(`=== ${label}: ${ok ? 'ok' : `FAILED (exit ${result.status})`} in ${seconds.toFixed(1)} s`);
  if (!ok && !optional) failed = true;
  return ok;
}

function packages() {
  const dirs = [];
  for (const group of ['packages', 'examples']) {
    const base = join(root, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const pkgFile = join(base, name, 'package.json');
      if (existsSync(pkgFile)) dirs.push({ dir: join(base, name), pkg: JSON.parse(readFileSync(pkgFile, 'utf8')) });
    }
  }
  return dirs;
}

function summarize() {
  let passed = 0;
  let failedTests = 0;
  let skipped = 0;
  console.log('\n=== Test suites');
  for (const { dir, pkg } of packages()) {
    for (const kind of ['unit', 'integration']) {
      const file = join(dir, 'test-results', `${kind}.json`);
      if (!existsSync(file)) continue;
      const report = JSON.parse(readFileSync(file, 'utf8'));
      passed += report.numPassedTests ?? 0;
      failedTests += report.numFailedTests ?? 0;
      skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
      for (const suite of report.testResults ?? []) {
        const seconds = ((suite.endTime ?? 0) - (suite.startTime ?? 0)) / 1000;
        const name = suite.name.replace(`${dir}/`, '');
        const count = suite.assertionResults?.length ?? 0;
        console.log(
          `  ${pkg.name} ${kind.padEnd(11)} ${name.padEnd(52)} ${String(count).padStart(4)} tests ${seconds.toFixed(1).padStart(7)} s  ${suite.status}`,
        );
      }
    }
  }
  console.log('\n=== Steps');
  for (const t of timings)
    console.log(`  ${t.label.padEnd(40)} ${t.seconds.toFixed(1).padStart(7)} s  ${t.ok ? 'ok' : 'FAILED'}`);
  console.log('');
  console.log(`${passed} passed, ${failedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failedTests;
}

for (const { dir } of packages()) rmSync(join(dir, 'test-results'), { recursive: true, force: true });

const install = process.env.CI ? ['install', '--frozen-lockfile'] : ['install'];
if (!run('install', [...PNPM, ...install])) {
  summarize();
  process.exit(1);
}
if (!run('build', [...PNPM, 'exec', 'turbo', 'run', 'build'])) {
  summarize();
  process.exit(1);
}
run('lint (biome)', [...PNPM, 'exec', 'biome', 'check', '.']);
run('typecheck', [...PNPM, 'exec', 'turbo', 'run', 'typecheck']);
run('publish shape (publint, attw)', [...PNPM, 'exec', 'turbo', 'run', 'check']);
run('unit tests', [...PNPM, 'exec', 'turbo', 'run', 'test']);
for (const { dir, pkg } of packages()) {
  if (!pkg.scripts?.['test:integration']) continue;
  run(`integration ${pkg.name}`, [...PNPM, '--dir', dir, 'run', 'test:integration']);
}
const failedTests = summarize();
process.exit(failed || failedTests > 0 ? 1 : 0);
