import fs from 'node:fs';
import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';
import { type KinesisEmulator, type StartKinesisOptions, startKinesis } from './kinesis/emulator.js';
import { type OpenSearchNode, type StartOpenSearchOptions, startOpenSearch } from './opensearch/node.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the kinesis-mock started by `localStackSetup({ kinesisMock })`. */
    kinesisMockEndpoint: string;
    kinesisMockRegion: string;
    kinesisMockAccountId: string;
    /** Endpoint of the kinesalite started by `localStackSetup({ kinesalite })`. */
    kinesaliteEndpoint: string;
    kinesaliteRegion: string;
    kinesaliteAccountId: string;
    /** `http://127.0.0.1:<port>` of the OpenSearch node started by `localStackSetup({ opensearch })`. */
    opensearchUrl: string;
  }
}

/** The values {@link localStackSetup} provides (each only if that emulator was requested). */
export type LocalStackProvidedContext = Pick<
  ProvidedContext,
  | 'kinesisMockEndpoint'
  | 'kinesisMockRegion'
  | 'kinesisMockAccountId'
  | 'kinesaliteEndpoint'
  | 'kinesaliteRegion'
  | 'kinesaliteAccountId'
  | 'opensearchUrl'
>;

export interface LocalStackSetupConfig {
  /** Start kinesis-mock (`true` = defaults). Provided as `kinesisMockEndpoint`, `kinesisMockRegion`, `kinesisMockAccountId`. */
  kinesisMock?: StartKinesisOptions | true;
  /** Start kinesalite (`true` = defaults). Provided as `kinesaliteEndpoint`, `kinesaliteRegion`, `kinesaliteAccountId`. */
  kinesalite?: StartKinesisOptions | true;
  /**
   * Alias: start the engine named by `engine` (default kinesis-mock) and provide it under that engine's keys.
   * Must not name the same engine as `kinesisMock` / `kinesalite`.
   */
  kinesis?: StartKinesisOptions | true;
  /**
   * Start an OpenSearch node (`true` = defaults). Provided as `opensearchUrl`. Unless a `name` is given, the node gets
   * a folder of its own (`vitest-<pid>`), cleaned before the start and removed after the stop.
   */
  opensearch?: StartOpenSearchOptions | true;
}

/**
 * A vitest global setup: starts the requested emulators (and OpenSearch) once per run, in parallel, provides their
 * endpoints to the tests (`inject('kinesisMockEndpoint')`, `inject('opensearchUrl')`), and stops them in the returned
 * teardown.
 *
 * ```ts
 * // test/integration/global-setup.ts
 * import { localStackSetup } from '@pipeline/local-stack/vitest';
 * export default localStackSetup({ kinesisMock: true, kinesalite: { streams: { events: 4 } }, opensearch: true });
 * ```
 */
export function localStackSetup(config: LocalStackSetupConfig): (project: TestProject) => Promise<() => Promise<void>> {
  const requests: StartKinesisOptions[] = [];
  const add = (options: StartKinesisOptions | true | undefined, engine?: StartKinesisOptions['engine']) => {
    if (options === undefined) return;
    const base: StartKinesisOptions = options === true ? {} : { ...options };
    const resolved: StartKinesisOptions = { ...base, engine: engine ?? base.engine ?? 'kinesis-mock' };
    if (requests.some((r) => r.engine === resolved.engine)) {
      throw new Error(`localStackSetup: ${String(resolved.engine)} is requested twice`);
    }
    requests.push(resolved);
  };
  add(config.kinesisMock, 'kinesis-mock');
  add(config.kinesalite, 'kinesalite');
  add(config.kinesis);

  const opensearchRequest: StartOpenSearchOptions | undefined =
    config.opensearch === undefined ? undefined : config.opensearch === true ? {} : { ...config.opensearch };

  return async (project: TestProject) => {
    const started: KinesisEmulator[] = [];
    let opensearch: OpenSearchNode | undefined;
    let removeOpenSearchDir = false;
    const teardown = async () => {
      const node = opensearch;
      opensearch = undefined;
      await Promise.all([...started.splice(0).map((emulator) => emulator.stop()), node?.stop()]);
      if (node && removeOpenSearchDir) fs.rmSync(node.dir, { recursive: true, force: true });
    };
    try {
      const kinesisStarts = requests.map(async (options) => {
        const emulator = await startKinesis(options);
        started.push(emulator);
        return emulator;
      });
      const opensearchStart = opensearchRequest
        ? (async () => {
            const own = opensearchRequest.name === undefined;
            const options: StartOpenSearchOptions = own
              ? { ...opensearchRequest, name: `vitest-${process.pid}`, clean: true }
              : opensearchRequest;
            opensearch = await startOpenSearch(options);
            removeOpenSearchDir = own;
          })()
        : Promise.resolve();
      const results = await Promise.allSettled([...kinesisStarts, opensearchStart]);
      const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
      for (const emulator of started) {
        if (emulator.engine === 'kinesis-mock') {
          project.provide('kinesisMockEndpoint', emulator.endpoint);
          project.provide('kinesisMockRegion', emulator.region);
          project.provide('kinesisMockAccountId', emulator.accountId);
        } else {
          project.provide('kinesaliteEndpoint', emulator.endpoint);
          project.provide('kinesaliteRegion', emulator.region);
          project.provide('kinesaliteAccountId', emulator.accountId);
        }
      }
      if (opensearch) project.provide('opensearchUrl', opensearch.url);
    } catch (err) {
      await teardown();
      throw err;
    }
    return teardown;
  };
}
