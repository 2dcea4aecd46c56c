import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLINK_VERSION } from '@pipeline/local-stack';
import { describe, expect, it } from 'vitest';
import {
  flinkSqlPackageRoot,
  KINESIS_CONNECTOR,
  OPENSEARCH_CONNECTOR,
  packageApplicationJar,
  RUNNER_FLINK_VERSION,
  writeParamsFile,
} from '../../src/index.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const pom = fs.readFileSync(path.join(packageRoot, 'runner', 'pom.xml'), 'utf8');
const property = (name: string) => new RegExp(`<${name.replace('.', '\\.')}>([^<]+)</`).exec(pom)?.[1];

describe('runner versions', () => {
  it('pins the same Flink version as the local runtime of @pipeline/local-stack', () => {
    expect(property('flink.version')).toBe(RUNNER_FLINK_VERSION);
    expect(RUNNER_FLINK_VERSION).toBe(FLINK_VERSION);
  });

  it('states the bundled connectors as the pom does', () => {
    expect(KINESIS_CONNECTOR.endsWith(`:${property('kinesis.connector.version')}`)).toBe(true);
    expect(OPENSEARCH_CONNECTOR.endsWith(`:${property('opensearch.connector.version')}`)).toBe(true);
    expect(property('maven.compiler.release')).toBe('11');
  });

  it('finds its package root', () => {
    expect(flinkSqlPackageRoot()).toBe(packageRoot);
  });
});

describe('writeParamsFile', () => {
  it('writes typed values and refuses others', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-sql-params-'));
    try {
      const file = path.join(dir, 'p.json');
      writeParamsFile(file, { a: 'x', b: 1.5, c: true, d: null });
      expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ a: 'x', b: 1.5, c: true, d: null });
      expect(() => writeParamsFile(file, { n: Number.NaN })).toThrow(/parameter n/);
      expect(() => writeParamsFile(file, { o: {} as unknown as string })).toThrow(/parameter o/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('packageApplicationJar', () => {
  it('refuses bad script names before touching anything', async () => {
    await expect(packageApplicationJar({ sql: { '../x.sql': '' }, out: '/nonexistent/x.jar' })).rejects.toThrow(
      /names must look like/,
    );
    await expect(packageApplicationJar({ sql: {}, out: '/nonexistent/x.jar' })).rejects.toThrow(/at least one/);
  });
});
