#!/usr/bin/env node
// Builds the runner jar (runner/target/flink-sql-runner.jar) unless it is up to date: `ensureRunnerJar()` of the
// built package (so run tsup first). Usage: node scripts/build-runner.mjs [--force] [--java-home DIR] [--quiet]
// Exit codes: 0 built or up to date, 1 build failed, 2 no JDK 17 / no Maven.
import { ensureRunnerJar } from '../dist/index.js';

const args = process.argv.slice(2);
const javaHome = args.includes('--java-home') ? args[args.indexOf('--java-home') + 1] : undefined;
const quiet = args.includes('--quiet');
try {
  const jar = await ensureRunnerJar({
    force: args.includes('--force'),
    ...(javaHome ? { javaHome } : {}),
    log: quiet ? () => undefined : (message) => process.stderr.write(`[build-runner] ${message}\n`),
  });
  if (!quiet) process.stderr.write(`[build-runner] ${jar}\n`);
} catch (err) {
  process.stderr.write(`[build-runner] ${err.message}\n`);
  process.exit(err.exitCode ?? 1);
}
