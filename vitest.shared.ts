import { defineConfig, type ViteUserConfig } from 'vitest/config';

/** Tests resolve workspace packages to their TypeScript sources through this export condition. */
export const SOURCE_CONDITION = '@pipeline/source';

export interface PackageTestOptions {
  /** Global setup files for the integration project (start engines, provide endpoints). */
  integrationGlobalSetup?: string[];
  /** Per-test timeout for integration tests, ms. Default 120 000. */
  integrationTestTimeout?: number;
}

/**
 * Shared vitest config: `unit` (test/unit) and `integration` (test/integration) projects, sources resolved through
 * the `@pipeline/source` condition so tests never need a build.
 */
export function definePackageConfig(options: PackageTestOptions = {}): ViteUserConfig {
  // Ours first, then Vite's server defaults minus 'module' (the AWS SDK's dist-es cannot load in Node unbundled).
  const conditions = [SOURCE_CONDITION, 'node', 'development|production'];
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: [SOURCE_CONDITION] } },
    // Global setup files run in vitest's own `__vitest__` environment, which does not inherit the conditions above.
    environments: { __vitest__: { resolve: { conditions } } },
    test: {
      projects: [
        {
          extends: true,
          test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 },
        },
        {
          extends: true,
          test: {
            name: 'integration',
            include: ['test/integration/**/*.test.ts'],
            globalSetup: options.integrationGlobalSetup ?? [],
            testTimeout: options.integrationTestTimeout ?? 120_000,
            hookTimeout: 180_000,
            fileParallelism: false,
            passWithNoTests: true,
          },
        },
      ],
    },
  });
}
