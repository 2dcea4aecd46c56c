import { mergeConfig } from 'vitest/config';
import { definePackageConfig, SOURCE_CONDITION } from '../../vitest.shared';

export default mergeConfig(
  definePackageConfig({
    // Starts one kinesis-mock and one kinesalite for the whole integration run (and exercises localStackSetup).
    integrationGlobalSetup: ['test/integration/global-setup.ts'],
  }),
  {
    // Global setup files run in vitest's own `__vitest__` Vite environment, which does not inherit the
    // `@pipeline/source` condition from the shared config; without this, `@pipeline/local-stack/vitest` would
    // resolve to dist/ (needs a build).
    environments: {
      __vitest__: {
        resolve: { conditions: [SOURCE_CONDITION, 'module', 'node', 'development|production'] },
      },
    },
  },
);
