import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildIfStale,
  cacheRoot,
  findJdk,
  findPackageRoot,
  insideNodeModules,
  javaMajorVersion,
  jdkTool,
  readJarManifest,
  readZipEntry,
  sourceHash,
  withLock,
} from '../../index.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'java-toolchain-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('JDK', () => {
  it('parses feature versions', () => {
    expect(javaMajorVersion('17.0.15')).toBe(17);
    expect(javaMajorVersion('17')).toBe(17);
    expect(javaMajorVersion('1.8.0_402')).toBe(8);
    expect(javaMajorVersion('25+36')).toBe(25);
    expect(javaMajorVersion('25.0.1+8-LTS')).toBe(25);
  });

  it('refuses a javaHome that is not a JDK, and names what it tried when none is found', () => {
    expect(() => findJdk({ javaHome: '/nonexistent-jdk' })).toThrow(/not a JDK/);
    expect(() => findJdk({ major: 3 })).toThrow(/No JDK 3 found.*LOCAL_STACK_JAVA_HOME/s);
  });
});

describe('package root and cache', () => {
  it('walks up to the named package', () => {
    expect(findPackageRoot(here, '@pipeline/java-toolchain')).toBe(path.resolve(here, '..', '..'));
    expect(() => findPackageRoot(here, '@pipeline/no-such-package')).toThrow(/package root not found/);
  });

  it('tells installed packages from a checkout', () => {
    expect(insideNodeModules('/app/node_modules/@pipeline/local-stack')).toBe(true);
    expect(insideNodeModules('/work/packages/local-stack')).toBe(false);
  });

  it('puts the cache under PIPELINE_CACHE_DIR when set', () => {
    const saved = process.env.PIPELINE_CACHE_DIR;
    process.env.PIPELINE_CACHE_DIR = scratch;
    try {
      expect(cacheRoot()).toBe(scratch);
    } finally {
      if (saved === undefined) delete process.env.PIPELINE_CACHE_DIR;
      else process.env.PIPELINE_CACHE_DIR = saved;
    }
  });
});

describe('sourceHash', () => {
  it('changes with content and names, not with unlisted files', () => {
    const dir = path.join(scratch, 'module');
    fs.mkdirSync(path.join(dir, 'src'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pom.xml'), '<project/>');
    fs.writeFileSync(path.join(dir, 'src', 'A.java'), 'class A {}');
    const first = sourceHash(dir, ['pom.xml', 'src']);
    fs.mkdirSync(path.join(dir, 'target'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'target', 'x.jar'), 'x');
    expect(sourceHash(dir, ['pom.xml', 'src'])).toBe(first);
    fs.writeFileSync(path.join(dir, 'src', 'A.java'), 'class A { }');
    expect(sourceHash(dir, ['pom.xml', 'src'])).not.toBe(first);
  });
});

describe('withLock', () => {
  it('serialises holders and takes over a dead holder', async () => {
    const lock = path.join(scratch, 'locks', 'a.lock');
    const order: string[] = [];
    await Promise.all([
      withLock(lock, async () => {
        order.push('1 in');
        await new Promise((resolve) => setTimeout(resolve, 50));
        order.push('1 out');
      }),
      withLock(lock, async () => {
        order.push('2 in');
        order.push('2 out');
      }),
    ]);
    expect(order).toEqual(['1 in', '1 out', '2 in', '2 out']);
    fs.mkdirSync(lock);
    fs.writeFileSync(path.join(lock, 'pid'), '999999999');
    await expect(withLock(lock, async () => 'taken over')).resolves.toBe('taken over');
  });
});

describe('buildIfStale', () => {
  it('skips Maven when the stamp matches the sources', async () => {
    const dir = path.join(scratch, 'stamped');
    fs.mkdirSync(path.join(dir, 'target'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'pom.xml'), '<project/>');
    fs.writeFileSync(path.join(dir, 'target', 'out.jar'), 'jar');
    const hash = sourceHash(dir, ['pom.xml', 'src']);
    fs.writeFileSync(path.join(dir, 'target', 'pipeline-build.json'), JSON.stringify({ hash }));
    const result = await buildIfStale({
      name: 'stamped',
      sourceDir: dir,
      outputDir: dir,
      outputs: ['target/out.jar'],
      cacheDir: scratch,
      javaHome: '/nonexistent-jdk',
    });
    expect(result).toEqual({ dir, built: false, hash });
  });

  it('uses a matching prebuilt folder as it is (an installed package), without building', async () => {
    const shipped = path.join(scratch, 'stamped');
    const result = await buildIfStale({
      name: 'shipped',
      sourceDir: shipped,
      prebuiltDir: shipped,
      outputs: ['target/out.jar'],
      cacheDir: path.join(scratch, 'cache'),
      javaHome: '/nonexistent-jdk',
    });
    expect(result).toMatchObject({ dir: shipped, built: false });
    expect(fs.existsSync(path.join(scratch, 'cache'))).toBe(false);
  });

  it('builds a stale module (it needs a JDK, which is found only then)', async () => {
    const dir = path.join(scratch, 'stale');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'pom.xml'), '<project/>');
    await expect(
      buildIfStale({ name: 'stale', sourceDir: dir, cacheDir: scratch, javaHome: '/nonexistent-jdk' }),
    ).rejects.toThrow(/not a JDK/);
  });
});

describe('jar manifests', () => {
  it('reads the main section of a jar made by the JDK', () => {
    let jdk: ReturnType<typeof findJdk>;
    try {
      jdk = findJdk();
    } catch {
      return; // no JDK 17 on this machine: covered by the integration tests elsewhere
    }
    const dir = path.join(scratch, 'jar');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'manifest.txt'), 'Main-Class: a.B\nFlink-Version: 1.20.3\n');
    fs.writeFileSync(path.join(dir, 'hello.txt'), 'hello');
    const jar = path.join(dir, 'x.jar');
    const made = spawnSync(jdkTool(jdk.home, 'jar'), ['cfm', jar, 'manifest.txt', 'hello.txt'], { cwd: dir });
    expect(made.status).toBe(0);
    expect(readJarManifest(jar)).toMatchObject({ 'Main-Class': 'a.B', 'Flink-Version': '1.20.3' });
    expect(readZipEntry(jar, 'hello.txt')?.toString()).toBe('hello');
    expect(readZipEntry(jar, 'missing.txt')).toBeUndefined();
  });
});
