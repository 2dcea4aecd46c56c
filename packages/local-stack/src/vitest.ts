import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';
import { type KinesisEmulator, type StartKinesisOptions, startKinesis } from './kinesis.js';

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
}

/**
 * A vitest global setup: starts the requested emulators once per run, provides their endpoints to the tests
 * (`inject('kinesisMockEndpoint')`), and stops them in the returned teardown.
 *
 * ```ts
 * // test/integration/global-setup.ts
 * import { localStackSetup } from '@pipeline/local-stack/vitest';
 * export default localStackSetup({ kinesisMock: true, kinesalite: { streams: { events: 4 } } });
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

  return async (project: TestProject) => {
    const started: KinesisEmulator[] = [];
    const teardown = async () => {
      await Promise.all(started.splice(0).map((emulator) => emulator.stop()));
    };
    try {
      const results = await Promise.allSettled(
        requests.map(async (options) => {
          const emulator = await startKinesis(options);
          started.push(emulator);
          return emulator;
        }),
      );
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
    } catch (err) {
      await teardown();
      throw err;
    }
    return teardown;
  };
}
