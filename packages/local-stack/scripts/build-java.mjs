#!/usr/bin/env node
// Builds the Java launchers of @pipeline/local-stack (OpenSearch, Flink runtime) unless they are up to date, into the
// cache folder (~/.cache/pipeline or PIPELINE_CACHE_DIR): `ensureOpenSearchBuilt()` and `ensureFlinkRuntime()` of the
// built package (so run tsup first). startOpenSearch()/startFlinkJob() do the same on demand; this only builds ahead.
// Usage: node scripts/build-java.mjs [--java-home DIR]
// Exit codes: 0 built or up to date, 1 build failed, 2 no JDK 17 / no Maven.
import { ensureFlinkRuntime, ensureOpenSearchBuilt } from '../dist/index.js';

const args = process.argv.slice(2);
const javaHome = args.includes('--java-home') ? args[args.indexOf('--java-home') + 1] : undefined;
try {
  await ensureOpenSearchBuilt({ javaHome });
  await ensureFlinkRuntime({ javaHome });
} catch (err) {
  process.stderr.write(`[build-java] ${err.message}\n`);
  process.exit(err.exitCode ?? 1);
}
