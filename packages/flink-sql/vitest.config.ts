import { definePackageConfig } from '../../vitest.shared.ts';

// The integration test starts kinesis-mock, OpenSearch and a Flink MiniCluster: give it room on 2 cores.
export default definePackageConfig({ integrationTestTimeout: 600_000 });
