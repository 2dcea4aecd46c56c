import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FLINK_VERSION } from '@pipeline/local-stack';
import { describe, expect, it } from 'vitest';
import {
  KINESIS_CONNECTOR,
  OPENSEARCH_CONNECTOR,
  packageApplicationJar,
  RUNNER_FLINK_VERSION,
  runnerPackageRoot,
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
    expect(runnerPackageRoot()).toBe(packageRoot);
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
