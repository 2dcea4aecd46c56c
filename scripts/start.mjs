#!/usr/bin/env node
// The taxi pipeline end to end on this machine, in one command: installs the workspace (pnpm through npx), builds what
// the example needs (tsup, and Maven for the Java engines and the Flink SQL runner), then runs examples/taxi's
// `start` (kinesis-mock → producer → Flink SQL → OpenSearch). Arguments are passed on, e.g. `npm start -- --keep`.
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const PNPM = ['-y', 'pnpm@10.34.9'];
const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };

function run(label, args) {
  process.stderr.write(`\n=== ${label}\n`);
  const result = spawnSync('npx', args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    process.stderr.write(`=== ${label}: failed (exit ${result.status})\n`);
    process.exit(result.status ?? 1);
  }
}

run('install', [...PNPM, 'install', ...(process.env.CI ? ['--frozen-lockfile'] : [])]);
run('build', [...PNPM, 'exec', 'turbo', 'run', 'build', '--filter=@pipeline/example-taxi...']);
run('taxi pipeline', [...PNPM, '--filter', '@pipeline/example-taxi', 'start', ...process.argv.slice(2)]);
