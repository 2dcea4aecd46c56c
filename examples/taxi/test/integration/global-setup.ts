import { localStackSetup } from '@pipeline/local-stack/vitest';

/** kinesis-mock with the one-shard `trips` stream, and an OpenSearch node, for the whole integration run. */
export const TRIPS_STREAM = 'trips';

export default localStackSetup({
  kinesisMock: { streams: { [TRIPS_STREAM]: 1 } },
  opensearch: { heap: '512m' },
});
