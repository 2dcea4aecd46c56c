import { definePackageConfig } from '../../vitest.shared.ts';

// The command-line test runs short JVMs against Flink's runtime classpath: give it room on 2 cores.
export default definePackageConfig({ integrationTestTimeout: 600_000 });
