import { definePackageConfig } from '../../vitest.shared.ts';

export default definePackageConfig({ integrationGlobalSetup: ['test/integration/global-setup.ts'] });
