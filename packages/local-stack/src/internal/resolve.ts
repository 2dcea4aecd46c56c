import { createRequire } from 'node:module';

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
