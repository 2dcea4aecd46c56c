// The runner jar's command line on a real JVM, without engines: bundled SQL, parameter errors (--dry-run stops before
// Flink starts a cluster, so each case costs one short JVM).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { defaultStateDir, ensureFlinkRuntime, FLINK_JAVA17_OPTIONS, findJdk } from '@pipeline/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRunnerJar, packageApplicationJar, RUNNER_MAIN_CLASS, runnerJarPath } from '../../src/index.js';

const dir = path.join(defaultStateDir(), `flink-sql-cli-${process.pid}`);
let java = '';
let runtimeClasspath: string[] = [];

const SQL = `CREATE TABLE src (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '\${rows}');
CREATE TABLE dst (id BIGINT, tag STRING) WITH ('connector' = 'blackhole');
INSERT INTO dst SELECT id, \${tag} FROM src WHERE id > \${minId};`;

/** The runner's `--params` file (plain values; `@pipeline/flink-sql`'s writeParamsFile writes the same JSON). */
function writeParamsFile(file: string, params: Record<string, string | number>): void {
  fs.writeFileSync(file, JSON.stringify(params));
}

function run(jar: string, args: string[]): { status: number | null; stderr: string; stdout: string } {
  const result = spawnSync(
    java,
    [...FLINK_JAVA17_OPTIONS, '-cp', [...runtimeClasspath, jar].join(path.delimiter), RUNNER_MAIN_CLASS, ...args],
    { encoding: 'utf8', timeout: 120_000 },
  );
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

beforeAll(async () => {
  await ensureRunnerJar();
  const jdk = findJdk();
  java = jdk.java;
  runtimeClasspath = (await ensureFlinkRuntime({ javaHome: jdk.home })).classpath;
  fs.mkdirSync(dir, { recursive: true });
}, 600_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('runner command line', () => {
  it('runs SQL bundled into an application jar, with typed parameters', async () => {
    const appJar = await packageApplicationJar({ sql: { '10-main.sql': SQL }, out: path.join(dir, 'app.jar') });
    const params = path.join(dir, 'ok.json');
    writeParamsFile(params, { rows: 3, tag: "it's", minId: -1 });
    const result = run(appJar, ['--params', params, '--dry-run', '--print-sql']);
    expect(result.stderr).toContain('SQL from sql/10-main.sql: 3 statement(s), 3 parameter(s)');
    expect(result.stdout).toContain("'number-of-rows' = '3'");
    expect(result.stdout).toContain("SELECT id, 'it''s' FROM src WHERE id > -1");
    expect(result.status).toBe(0);
  });

  it('names missing and unknown parameters and exits 2', () => {
    const sql = path.join(dir, 'main.sql');
    fs.writeFileSync(sql, SQL);
    const params = path.join(dir, 'bad.json');
    writeParamsFile(params, { rows: 3, minId: 0, tga: 'x' });
    const result = run(runnerJarPath(), ['--sql', sql, '--params', params, '--dry-run']);
    expect(result.stderr).toContain(
      'error: SQL parameters do not match the SQL: missing parameter(s) tag; unknown parameter(s) tga (not used by the SQL)',
    );
    expect(result.status).toBe(2);
  });

  it('refuses SQL without an INSERT and a jar without SQL', () => {
    const sql = path.join(dir, 'ddl-only.sql');
    fs.writeFileSync(sql, "CREATE TABLE t (x INT) WITH ('connector' = 'blackhole');");
    expect(run(runnerJarPath(), ['--sql', sql, '--dry-run']).stderr).toContain('has no INSERT statement');
    const noSql = run(runnerJarPath(), ['--dry-run']);
    expect(noSql.stderr).toContain('no SQL: pass --sql FILE');
    expect(noSql.status).toBe(2);
  });
});
