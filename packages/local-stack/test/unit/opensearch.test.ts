import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { localStackPackageRoot } from '../../src/internal/resolve.js';
import { findJdk } from '../../src/java.js';
import { OPENSEARCH_LAUNCHER_MAIN } from '../../src/opensearch/build.js';
import {
  OPENSEARCH_DEFAULT_PLUGINS,
  openSearchJvmArgs,
  openSearchNodeSettings,
  startOpenSearch,
} from '../../src/opensearch/node.js';

const packageRoot = localStackPackageRoot();

describe('java', () => {
  it('rejects an explicit javaHome that is not a JDK or not 17', () => {
    expect(() => findJdk({ javaHome: '/nonexistent-jdk' })).toThrow(/not a JDK/);
    const temurin25 = '/usr/lib/jvm/temurin-25-jdk-amd64';
    if (fs.existsSync(temurin25)) expect(() => findJdk({ javaHome: temurin25 })).toThrow(/JDK 17 is required/);
  });

  it('explains what it tried when no JDK of a version exists', () => {
    expect(() => findJdk({ major: 3 })).toThrow(/No JDK 3 found.*LOCAL_STACK_JAVA_HOME/s);
  });
});

describe('opensearch launcher files', () => {
  it('finds the package root and the Maven module', () => {
    expect(JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).name).toBe(
      '@pipeline/local-stack',
    );
    expect(fs.existsSync(path.join(packageRoot, 'java', 'opensearch-launcher', 'pom.xml'))).toBe(true);
    expect(fs.existsSync(path.join(packageRoot, 'scripts', 'build-java.mjs'))).toBe(true);
  });

  it('keeps the Java side in step: main class, default plugins, OpenSearch version', () => {
    const moduleDir = path.join(packageRoot, 'java', 'opensearch-launcher');
    const source = fs.readFileSync(
      path.join(moduleDir, 'src', 'main', 'java', ...OPENSEARCH_LAUNCHER_MAIN.split('.')) + '.java',
      'utf8',
    );
    for (const plugin of OPENSEARCH_DEFAULT_PLUGINS) expect(source).toContain(`"${plugin}"`);
    const pom = fs.readFileSync(path.join(moduleDir, 'pom.xml'), 'utf8');
    expect(pom).toMatch(/<opensearch\.version>2\.19\.\d+<\/opensearch\.version>/);
  });
});

describe('opensearch settings and JVM options', () => {
  it('writes paths and ports itself and stringifies passed-through settings', () => {
    const settings = openSearchNodeSettings('/state/os', 9201, 9301, {
      'thread_pool.write.queue_size': 2,
      'action.auto_create_index': false,
      'node.roles': ['cluster_manager', 'data', 'ingest'],
    });
    expect(settings).toEqual({
      'thread_pool.write.queue_size': '2',
      'action.auto_create_index': 'false',
      'node.roles': ['cluster_manager', 'data', 'ingest'],
      'path.home': path.join('/state/os', 'home'),
      'path.data': path.join('/state/os', 'data'),
      'path.logs': path.join('/state/os', 'logs'),
      'http.port': '9201',
      'transport.port': '9301',
      'network.host': '127.0.0.1',
    });
  });

  it('refuses settings that the options manage', () => {
    for (const key of [
      'path.data',
      'http.port',
      'transport.port',
      'path.home',
      'path.logs',
      'network.host',
      'http.host',
    ]) {
      expect(() => openSearchNodeSettings('/x', 1, 2, { [key]: 'y' })).toThrow(/managed by startOpenSearch/);
    }
  });

  it('sets the heap as both -Xms and -Xmx', () => {
    const args = openSearchJvmArgs('768m', '/tmp/x');
    expect(args).toContain('-Xms768m');
    expect(args).toContain('-Xmx768m');
    expect(args).toContain('-Djava.io.tmpdir=/tmp/x');
    expect(args).toContain('-Dlog4j.shutdownHookEnabled=false');
  });

  it('validates options before building or spawning anything', async () => {
    await expect(startOpenSearch({ heap: 'lots' })).rejects.toThrow(/heap must look like/);
    await expect(startOpenSearch({ httpPort: 70_000 })).rejects.toThrow(/httpPort must be an integer port/);
    await expect(startOpenSearch({ name: '../x' })).rejects.toThrow(/plain folder name/);
    await expect(startOpenSearch({ settings: { 'http.port': 1 } })).rejects.toThrow(/managed by startOpenSearch/);
  });
});
