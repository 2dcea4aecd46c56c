import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPackageRoot } from '@pipeline/java-toolchain';

/**
 * `require` that works from both builds: the CommonJS build has a real `require`; the ESM build (and vitest running
 * the TypeScript sources) derives one from `import.meta.url` (tsup's `shims` keep `import.meta.url` valid in CJS too).
 */
function localRequire(): NodeJS.Require {
  if (typeof require === 'function' && typeof require.resolve === 'function') return require;
  return createRequire(import.meta.url);
}

/** Absolute path of a file inside one of this package's dependencies, e.g. `kinesalite/cli.js`. */
export function resolvePackageFile(specifier: string): string {
  return localRequire().resolve(specifier);
}

/** Folder of this module: `src/internal/` under vitest, `dist/` when built. */
function moduleDir(): string {
  if (typeof __dirname === 'string') return __dirname;
  return path.dirname(fileURLToPath(import.meta.url));
}

let cachedRoot: string | undefined;

/** Root folder of the installed `@pipeline/local-stack` package. */
export function localStackPackageRoot(): string {
  cachedRoot ??= findPackageRoot(moduleDir(), '@pipeline/local-stack');
  return cachedRoot;
}

/** A Maven module of this package's `java/` folder (sources only; builds go to the cache folder). */
export function javaModuleDir(name: string): string {
  return path.join(localStackPackageRoot(), 'java', name);
}
