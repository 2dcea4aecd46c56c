#!/usr/bin/env node
// The taxi pipeline end to end on this machine, in one command: installs the workspace (pnpm through npx), builds what
// the example needs (tsup, and Maven for the Java engines and the Flink SQL runner), then runs examples/taxi's
// `start`. Arguments are passed on, e.g. `npm start -- --count 100000 --keep`; `npm start -- --help` lists them.
// Install and build output is shown only when a step fails (or while Maven downloads on the first run).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const PNPM = ['-y', 'pnpm@10.34.9'];
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
const args = process.argv.slice(2);

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(fs.readFileSync(path.join(root, 'examples/taxi/scripts/usage.txt'), 'utf8'));
  process.exit(0);
}

/** Runs a step quietly: its output is printed only when it fails (or always, with `show`). */
function run(label, stepArgs, { show = false } = {}) {
  const started = Date.now();
  process.stderr.write(`[start] ${label}…\n`);
  const result = spawnSync('npx', stepArgs, {
    cwd: root,
    env,
    stdio: show ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) {
    if (!show) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    process.stderr.write(`[start] ${label}: failed (exit ${result.status})\n`);
    process.exit(result.status ?? 1);
  }
  process.stderr.write(`[start] ${label}: done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

/** The Maven artefacts of the Java engines are cached in ~/.m2 after the first build. */
function mavenCacheIsWarm() {
  const repo = path.join(os.homedir(), '.m2', 'repository');
  return ['org/apache/flink/flink-table-runtime/1.20.3', 'org/opensearch/opensearch/2.19.6'].every((p) =>
    fs.existsSync(path.join(repo, p)),
  );
}

run('installing the workspace (pnpm)', [...PNPM, 'install', ...(process.env.CI ? ['--frozen-lockfile'] : [])]);
const firstBuild = !mavenCacheIsWarm();
if (firstBuild) {
  process.stderr.write(
    '[start] first run: Maven downloads the Flink and OpenSearch jars (about 350 MB) into ~/.m2 once; ' +
      'this takes a few minutes, its progress follows.\n',
  );
}
run(
  'building the packages (tsup, Maven)',
  [...PNPM, 'exec', 'turbo', 'run', 'build', '--output-logs=errors-only', '--filter=@pipeline/example-taxi...'],
  {
    show: firstBuild,
  },
);
const taxi = spawnSync('npx', [...PNPM, '--silent', '--filter', '@pipeline/example-taxi', 'start', ...args], {
  cwd: root,
  env,
  stdio: 'inherit',
});
process.exit(taxi.status ?? 1);
