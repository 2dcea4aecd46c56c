import { definePackageConfig } from '../../vitest.shared.ts';

// Starts one kinesis-mock and one kinesalite for the whole integration run (and exercises localStackSetup).
export default definePackageConfig({ integrationGlobalSetup: ['test/integration/global-setup.ts'] });
