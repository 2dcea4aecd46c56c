#!/usr/bin/env node
// Every test in one command: install, build, publish-shape checks, lint, typecheck, unit tests, then each package's
// integration suite one at a time (they start real engines; two cores are not oversubscribed). Prints each step's
// time, each suite's time, and a closing "N passed, N failed" line. A step's own output (tsup, turbo, vitest) is
// shown only when it fails; `--verbose` shows everything as it comes. Notices of the Java builds
// (`[java] …`: the one-time Maven download and its progress) are always shown.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const PNPM = ['-y', 'pnpm@10.34.9'];
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  DO_NOT_TRACK: '1',
  FORCE_COLOR: process.env.FORCE_COLOR ?? '0',
};
const verbose = process.argv.includes('--verbose');
const timings = [];
let failed = false;
/** Lines passed through even when quiet: the Java toolchain's notices (Maven download, progress, build times). */
const NOTICE = /\[(java|build-runner|build-java)\] /;

/** Runs `npx ...args`; quiet unless it fails (then its whole output is printed) or `verbose`. */
function spawnStep(args) {
  return new Promise((resolve) => {
    const child = spawn('npx', args, { cwd: root, env, stdio: verbose ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    let pending = '';
    const onData = (chunk) => {
      chunks.push(chunk);
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (NOTICE.test(line)) process.stdout.write(`    ${line.trim()}\n`);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('error', (err) => resolve({ status: null, output: String(err) }));
    child.on('close', (status) => resolve({ status, output: Buffer.concat(chunks).toString() }));
  });
}

async function run(label, args, { optional = false } = {}) {
  const started = Date.now();
  console.log(`=== ${label}: npx ${args.join(' ')}`);
  const result = await spawnStep(args);
  const seconds = (Date.now() - started) / 1000;
  const ok = result.status === 0;
  timings.push({ label, seconds, ok });
  if (!ok && !verbose) process.stdout.write(`${result.output.trimEnd()}\n`);
  console.log(`=== ${label}: ${ok ? 'ok' : `FAILED (exit ${result.status})`} in ${seconds.toFixed(1)} s`);
  if (!ok && !optional) failed = true;
  return ok;
}

/**
 * The dashboard's browser test drives Debian's Chromium. Installed with apt when missing and this user can (root with
 * apt-get, as on CI); otherwise the test itself says it was skipped and how to enable it (and fails under CI=true).
 */
function ensureChromium() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return;
  const canApt =
    process.getuid?.() === 0 && spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
  if (!canApt) {
    console.log(`    no Chromium at ${path} and no root apt-get: the dashboard browser test will be skipped`);
    return;
  }
  console.log('=== Chromium for the browser test: apt-get install -y chromium');
  const started = Date.now();
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  const installed = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], {
    stdio: verbose ? 'inherit' : 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const ok = update.status === 0 && installed.status === 0 && existsSync(path);
  const seconds = (Date.now() - started) / 1000;
  timings.push({ label: 'chromium (apt)', seconds, ok });
  console.log(`=== Chromium: ${ok ? 'installed' : 'FAILED to install'} in ${seconds.toFixed(1)} s`);
}

/** Before the first build: say that Maven is about to download the Java side once, instead of minutes of silence. */
function announceMavenDownload() {
  const repository = join(homedir(), '.m2', 'repository');
  const flink = join(repository, 'org', 'apache', 'flink', 'flink-clients');
  const opensearch = join(repository, 'org', 'opensearch', 'opensearch');
  if (existsSync(flink) && existsSync(opensearch)) return;
  console.log(
    '=== first run: Maven downloads the Java dependencies (Flink, OpenSearch, the runner jar) into ~/.m2, about ' +
      '350 MB, once; progress follows',
  );
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
  const failures = [];
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
        for (const test of suite.assertionResults ?? []) {
          if (test.status !== 'failed') continue;
          const reason = (test.failureMessages?.[0] ?? suite.message ?? '').split('\n').slice(0, 3).join(' | ');
          failures.push(`  ${pkg.name} ${name} > ${test.fullName ?? test.title}\n      ${reason.slice(0, 600)}`);
        }
        if (suite.status === 'failed' && count === 0 && suite.message) {
          failures.push(
            `  ${pkg.name} ${name}\n      ${suite.message.split('\n').slice(0, 3).join(' | ').slice(0, 600)}`,
          );
        }
      }
    }
  }
  if (failures.length > 0) {
    // printed last (with the steps) so that a log shown from its tail still names what failed and why
    console.log('\n=== Failed tests');
    for (const line of failures) console.log(line);
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
if (!(await run('install', [...PNPM, ...install]))) {
  summarize();
  process.exit(1);
}
announceMavenDownload();
if (!(await run('build', [...PNPM, 'exec', 'turbo', 'run', 'build']))) {
  summarize();
  process.exit(1);
}
await run('lint (biome)', [...PNPM, 'exec', 'biome', 'check', '.']);
await run('typecheck', [...PNPM, 'exec', 'turbo', 'run', 'typecheck']);
await run('publish shape (publint, attw)', [...PNPM, 'exec', 'turbo', 'run', 'check']);
await run('install check (packed tarballs)', [...PNPM, 'run', 'check:install']);
await run('unit tests', [...PNPM, 'exec', 'turbo', 'run', 'test', '--continue']);
ensureChromium();
for (const { dir, pkg } of packages()) {
  if (!pkg.scripts?.['test:integration']) continue;
  await run(`integration ${pkg.name}`, [...PNPM, '--dir', dir, 'run', 'test:integration']);
}
const failedTests = summarize();
process.exit(failed || failedTests > 0 ? 1 : 0);
