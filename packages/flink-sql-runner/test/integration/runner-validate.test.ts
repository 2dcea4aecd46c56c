// `--validate` on a real JVM with Flink's runtime classpath: the DDL registers in the catalog and the INSERTs are
// planned (explain), never executed; runtime properties come from a Managed Flink application_properties.json file.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { defaultStateDir, ensureFlinkRuntime, FLINK_JAVA17_OPTIONS, findJdk } from '@pipeline/local-stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureRunnerJar, RUNNER_MAIN_CLASS } from '../../src/index.js';

const dir = path.join(defaultStateDir(), `flink-sql-validate-${process.pid}`);
let java = '';
let classpath: string[] = [];

// A Kinesis source and an OpenSearch sink at AWS endpoints nothing here can reach: validation must not connect.
const SQL = `CREATE TABLE trips (id BIGINT, fare DOUBLE) WITH (
  'connector' = 'kinesis', 'stream' = \${stream}, 'aws.region' = 'us-east-1',
  'scan.stream.initpos' = 'TRIM_HORIZON', 'format' = 'json');
CREATE TABLE stats (id BIGINT, total DOUBLE, PRIMARY KEY (id) NOT ENFORCED) WITH (
  'connector' = 'opensearch-2', 'hosts' = \${hosts}, 'index' = 'stats',
  'username' = 'admin', 'password' = \${password});
INSERT INTO stats SELECT id, SUM(\`\${column}\`) FROM trips GROUP BY id;`;

/** Runtime properties as Managed Flink writes them (the application's EnvironmentProperties.PropertyGroups). */
function propertiesFile(name: string, map: Record<string, string>): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify([{ PropertyGroupId: 'SqlParameters', PropertyMap: map }]));
  return file;
}

const GOOD = {
  stream: 'trips',
  hosts: 'https://search-taxi-abc.us-east-1.es.amazonaws.com:443',
  password: 'secretref:arn:aws:secretsmanager:us-east-1:123456789012:secret:os-AbCdEf#password',
  column: 'fare',
};

function validate(properties: string, ...extra: string[]): { status: number | null; stderr: string; stdout: string } {
  const sql = path.join(dir, 'main.sql');
  fs.writeFileSync(sql, SQL);
  const result = spawnSync(
    java,
    [
      ...FLINK_JAVA17_OPTIONS,
      '-cp',
      classpath.join(path.delimiter),
      RUNNER_MAIN_CLASS,
      '--sql',
      sql,
      '--properties',
      properties,
      '--validate',
      ...extra,
    ],
    { encoding: 'utf8', timeout: 180_000 },
  );
  return { status: result.status, stderr: result.stderr, stdout: result.stdout };
}

beforeAll(async () => {
  const jar = await ensureRunnerJar();
  const jdk = findJdk();
  java = jdk.java;
  classpath = [...(await ensureFlinkRuntime({ javaHome: jdk.home })).classpath, jar];
  fs.mkdirSync(dir, { recursive: true });
}, 600_000);

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('runner --validate', () => {
  it('plans valid SQL with its runtime properties, checking the secret reference without reading it', () => {
    const result = validate(propertiesFile('ok.json', GOOD), '--print-sql');
    expect(result.stderr).toContain('1 secret reference(s): <secret ref ok>');
    expect(result.stderr).toContain('validated: 2 DDL statement(s) run in the catalog, 1 INSERT(s) planned');
    expect(result.stderr).not.toContain('submitted');
    // --print-sql prints the plan too: down to the stream graph, with the connectors' source and sink writer built.
    expect(result.stdout).toContain('== Physical Execution Plan ==');
    expect(result.stdout).toContain('"type" : "Source: trips[1]"');
    expect(result.stdout).toContain('"type" : "stats[4]: Writer"');
    expect(result.status).toBe(0);
  });

  it('names a missing parameter before Flink starts, exit 2', () => {
    const { column: _, ...missing } = GOOD;
    const result = validate(propertiesFile('missing.json', missing));
    expect(result.stderr).toContain('error: SQL parameters do not match the SQL: missing parameter(s) column');
    expect(result.status).toBe(2);
  });

  it("reports Flink's error for a column the table does not have, exit 1", () => {
    const result = validate(propertiesFile('column.json', { ...GOOD, column: 'tip' }));
    expect(result.stderr).toContain("Column 'tip' not found in any table");
    expect(result.status).toBe(1);
  });
});
