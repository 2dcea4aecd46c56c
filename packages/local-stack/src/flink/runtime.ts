import path from 'node:path';
import { buildIfStale, readClasspathFile, runMaven, withLock } from '@pipeline/java-toolchain';
import { javaModuleDir } from '../internal/resolve.js';
import { findJdk } from '../java.js';

/**
 * The pinned Flink version of the local runtime. Shared with the job jars through their manifests: the
 * `@pipeline/flink-sql` runner and `java/flink-smoke-job` write `Flink-Version: ${flink.version}` into their jar
 * manifests and {@link startFlinkJob} resolves that version's runtime; this constant, `flink.version` in
 * `java/flink-runtime/pom.xml` and in `packages/flink-sql/runner/pom.xml` must be equal (tests assert it).
 */
export const FLINK_VERSION = '1.20.3';

/** Main class of the launcher in `java/flink-runtime` that runs a job's `main` on a local MiniCluster. */
export const FLINK_LAUNCHER_MAIN = 'pipeline.localstack.flink.FlinkJobLauncher';

/**
 * JVM options Flink needs on Java 17 (flink-dist `config.yaml`, `env.java.opts.all`); without them Kryo fails with
 * `InaccessibleObjectException` (FLINK-33161).
 */
export const FLINK_JAVA17_OPTIONS: readonly string[] = Object.freeze([
  ...[
    'java.lang',
    'java.net',
    'java.io',
    'java.nio',
    'sun.nio.ch',
    'java.lang.reflect',
    'java.text',
    'java.time',
    'java.util',
    'java.util.concurrent',
    'java.util.concurrent.atomic',
    'java.util.concurrent.locks',
  ].map((pkg) => `--add-opens=java.base/${pkg}=ALL-UNNAMED`),
  ...[
    'java.base/sun.net.util',
    'java.rmi/sun.rmi.registry',
    'jdk.compiler/com.sun.tools.javac.api',
    'jdk.compiler/com.sun.tools.javac.file',
    'jdk.compiler/com.sun.tools.javac.parser',
    'jdk.compiler/com.sun.tools.javac.tree',
    'jdk.compiler/com.sun.tools.javac.util',
    'java.security.jgss/sun.security.krb5',
  ].map((pkg) => `--add-exports=${pkg}=ALL-UNNAMED`),
]);

const VERSION_PATTERN = /^\d+\.\d+(\.\d+)?$/;

// ---------------------------------------------------------------------------------------------------------------
// The Flink runtime (java/flink-runtime): launcher jar + Flink's jars from the local Maven repository

/** What {@link ensureFlinkRuntime} resolves with. */
export interface FlinkRuntime {
  /** Flink version of the jars on `classpath`. */
  version: string;
  /** The launcher jar (`FLINK_LAUNCHER_MAIN`). */
  launcherJar: string;
  /**
   * Flink's own runtime jars (clients, table API + bridge, planner loader, table runtime, the RocksDB state backend,
   * log4j), in ~/.m2.
   */
  classpath: string[];
}

const runtimeBuilds = new Map<string, Promise<FlinkRuntime>>();

/**
 * Builds `java/flink-runtime` (the launcher, and Flink's runtime classpath) with Maven and JDK 17 unless it is up to
 * date, and returns it. The build goes to the cache folder (`~/.cache/pipeline/flink-runtime-<source hash>`, or under
 * PIPELINE_CACHE_DIR), never into the installed package. The first build resolves Flink from Maven Central into ~/.m2
 * (about 165 MB of jars); later calls run no Maven at all. A `flinkVersion` other than {@link FLINK_VERSION} is
 * resolved once into `target/classpath-<version>.txt` of that folder (the launcher jar is the same).
 */
export function ensureFlinkRuntime(
  options: { flinkVersion?: string | undefined; javaHome?: string | undefined } = {},
): Promise<FlinkRuntime> {
  const version = options.flinkVersion ?? FLINK_VERSION;
  if (!VERSION_PATTERN.test(version)) throw new TypeError(`flinkVersion must look like 1.20.3, got '${version}'`);
  const javaHome = findJdk({ javaHome: options.javaHome }).home;
  const key = `${version}\0${javaHome}`;
  let build = runtimeBuilds.get(key);
  if (!build) {
    build = buildRuntime(version, javaHome);
    runtimeBuilds.set(key, build);
    build.catch(() => runtimeBuilds.delete(key));
  }
  return build;
}

async function buildRuntime(version: string, javaHome: string): Promise<FlinkRuntime> {
  const { dir } = await buildIfStale({
    name: 'flink-runtime',
    sourceDir: javaModuleDir('flink-runtime'),
    outputs: ['target/flink-runtime.jar'],
    classpathFiles: ['target/classpath.txt'],
    javaHome,
    downloadNote: 'about 165 MB into ~/.m2',
  });
  const target = path.join(dir, 'target');
  const launcherJar = path.join(target, 'flink-runtime.jar');
  if (version === FLINK_VERSION) {
    const classpath = readClasspathFile(path.join(target, 'classpath.txt'));
    if (!classpath) throw new Error(`${target}/classpath.txt is missing or lists missing jars after the build`);
    return { version, launcherJar, classpath };
  }
  // The build folder is per source hash, so a classpath file there is as fresh as the module.
  const versionClasspath = path.join(target, `classpath-${version}.txt`);
  if (!readClasspathFile(versionClasspath)) {
    await withLock(path.join(target, '.classpath-lock'), async () => {
      if (readClasspathFile(versionClasspath)) return;
      await runMaven({
        cwd: dir,
        javaHome,
        args: [
          'dependency:build-classpath',
          `-Dflink.version=${version}`,
          `-Dmdep.outputFile=${versionClasspath}`,
          '-DincludeScope=runtime',
        ],
      });
    });
  }
  const classpath = readClasspathFile(versionClasspath);
  if (!classpath) throw new Error(`${versionClasspath} is missing or lists missing jars after the build`);
  return { version, launcherJar, classpath };
}
