import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findJdk } from './java.js';

/** Folder of this module: `src/` under vitest, `dist/` when built (CJS has `__dirname`; ESM uses `import.meta.url`). */
function moduleDir(): string {
  if (typeof __dirname === 'string') return __dirname;
  return path.dirname(fileURLToPath(import.meta.url));
}

let cachedRoot: string | undefined;

/** Root folder of the installed `@pipeline/local-stack` package (walks up from this module to its package.json). */
export function localStackPackageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = moduleDir();
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        const name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name;
        if (name === '@pipeline/local-stack') {
          cachedRoot = dir;
          return dir;
        }
      } catch {
        // unreadable package.json: keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`@pipeline/local-stack: package root not found above ${moduleDir()}`);
    dir = parent;
  }
}

/** What {@link ensureOpenSearchBuilt} resolves with. */
export interface OpenSearchLauncherBuild {
  /** The launcher's own jar. */
  jar: string;
  /** Runtime classpath: the launcher jar first, then OpenSearch and its dependencies from the local Maven repository. */
  classpath: string[];
  /** Main class to run. */
  mainClass: string;
}

export const OPENSEARCH_LAUNCHER_MAIN = 'pipeline.localstack.opensearch.OpenSearchLauncher';

const builds = new Map<string, Promise<OpenSearchLauncherBuild>>();

/**
 * Builds the OpenSearch launcher (`java/opensearch-launcher`, Maven + JDK 17) unless it is up to date, and returns
 * its classpath. The first build resolves OpenSearch 2.19.6 from Maven Central into ~/.m2 (about 50 MB); later calls
 * neither run Maven nor download anything. Runs `scripts/build-java.mjs`, once per process.
 */
export function ensureOpenSearchBuilt(
  options: { javaHome?: string | undefined } = {},
): Promise<OpenSearchLauncherBuild> {
  const javaHome = findJdk({ javaHome: options.javaHome }).home;
  let build = builds.get(javaHome);
  if (!build) {
    build = runBuild(javaHome);
    builds.set(javaHome, build);
    build.catch(() => builds.delete(javaHome));
  }
  return build;
}

async function runBuild(javaHome: string): Promise<OpenSearchLauncherBuild> {
  const root = localStackPackageRoot();
  const script = path.join(root, 'scripts', 'build-java.mjs');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [script, '--java-home', javaHome], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`building the OpenSearch launcher failed (exit ${code}):\n${text.slice(-4000)}`));
    });
  });
  const target = path.join(root, 'java', 'opensearch-launcher', 'target');
  const jar = path.join(target, 'opensearch-launcher.jar');
  const deps = fs.readFileSync(path.join(target, 'classpath.txt'), 'utf8').trim().split(path.delimiter).filter(Boolean);
  return { jar, classpath: [jar, ...deps], mainClass: OPENSEARCH_LAUNCHER_MAIN };
}
