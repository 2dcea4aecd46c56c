import { localStackSetup } from '@pipeline/local-stack/vitest';

export default localStackSetup({ kinesisMock: true, kinesalite: true });
