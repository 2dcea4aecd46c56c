import { definePackageConfig } from '../../vitest.shared.ts';

// The integration test runs kinesis-mock, OpenSearch (global setup) and a Flink MiniCluster on a shared machine.
export default definePackageConfig({
  integrationGlobalSetup: ['test/integration/global-setup.ts'],
  integrationTestTimeout: 300_000,
});
