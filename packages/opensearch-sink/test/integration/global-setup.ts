import { startOpenSearch } from '@pipeline/local-stack';
import { localStackSetup } from '@pipeline/local-stack/vitest';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** `http://127.0.0.1:<port>` of the OpenSearch node shared by the integration tests. */
    opensearchUrl: string;
  }
}

const kinesis = localStackSetup({ kinesisMock: { streams: { 'sink-events': 1 } } });

/** Starts one real OpenSearch node (fresh data) and kinesis-mock, in parallel; stops both at the end. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [node, stopKinesis] = await Promise.all([
    startOpenSearch({ name: 'opensearch-sink-it', clean: true, heap: '768m', stopTimeoutMs: 5000 }),
    kinesis(project),
  ]);
  project.provide('opensearchUrl', node.url);
  return async () => {
    await Promise.all([node.stop(), stopKinesis()]);
  };
}
