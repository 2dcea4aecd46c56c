/** Where the Flink SQL runner jar comes from, in ONE place: `@pipeline/flink-sql-runner`'s `ensureRunnerJar()`. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureRunnerJar, packageApplicationJar } from '@pipeline/flink-sql-runner';

/** Absolute path of the generic runner jar, built when missing or stale (Maven, offline first). */
export function runnerJar(): Promise<string> {
  return ensureRunnerJar();
}

/**
 * The application jar Managed Flink runs: the runner with the SQL scripts inside (`sql/<name>`). Cached by the
 * runner jar's size and mtime and the SQL text, so repeated synths reuse one file (and one asset hash).
 */
export async function applicationJar(sql: Record<string, string>, cacheDir = defaultCacheDir()): Promise<string> {
  const runner = await runnerJar();
  const stat = fs.statSync(runner);
  const key = createHash('sha256')
    .update(`${stat.size}:${stat.mtimeMs}\n`)
    .update(JSON.stringify(Object.entries(sql).sort(([a], [b]) => a.localeCompare(b))))
    .digest('hex')
    .slice(0, 16);
  const out = path.join(cacheDir, `taxi-application-${key}.jar`);
  if (fs.existsSync(out)) return out;
  const partial = `${out}.${process.pid}.tmp`;
  await packageApplicationJar({ sql, out: partial, jar: runner });
  fs.renameSync(partial, out);
  return out;
}

function defaultCacheDir(): string {
  return path.join(os.tmpdir(), 'pipeline-taxi-cdk');
}
