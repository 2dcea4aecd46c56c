import fs from 'node:fs';
import path from 'node:path';
import { buildIfStale, readClasspathFile } from '@pipeline/java-toolchain';
import { javaModuleDir } from '../internal/resolve.js';
import { findJdk } from '../java.js';

/** What {@link ensureOpenSearchBuilt} resolves with. */
export interface OpenSearchLauncherBuild {
  /** The launcher's own jar. */
  jar: string;
  /** Runtime classpath: the launcher jar first, then OpenSearch and its dependencies from the local Maven repository. */
  classpath: string[];
  /** Main class to run. */
  mainClass: string;
}

export const OPENSEARCH_LAUNCHER_MAIN = 'pipeline.localstack.opensearch.OpenSearchLauncher';

/**
 * Builds the OpenSearch launcher (`java/opensearch-launcher`, Maven + JDK 17) unless it is up to date, and returns
 * its classpath. The build goes to the cache folder (`~/.cache/pipeline/opensearch-launcher-<source hash>`, or under
 * PIPELINE_CACHE_DIR), never into the installed package. The first build resolves OpenSearch 2.19.6 from Maven
 * Central into ~/.m2 (about 50 MB); later calls neither run Maven nor download anything.
 */
export async function ensureOpenSearchBuilt(
  options: { javaHome?: string | undefined } = {},
): Promise<OpenSearchLauncherBuild> {
  const javaHome = findJdk({ javaHome: options.javaHome }).home;
  const { dir } = await buildIfStale({
    name: 'opensearch-launcher',
    sourceDir: javaModuleDir('opensearch-launcher'),
    outputs: ['target/opensearch-launcher.jar'],
    classpathFiles: ['target/classpath.txt'],
    javaHome,
    downloadNote: 'about 50 MB into ~/.m2',
  });
  const jar = path.join(dir, 'target', 'opensearch-launcher.jar');
  const classpathFile = path.join(dir, 'target', 'classpath.txt');
  const deps = readClasspathFile(classpathFile);
  if (!deps || !fs.existsSync(jar)) throw new Error(`${dir}: the launcher build left no jar or classpath`);
  return { jar, classpath: [jar, ...deps], mainClass: OPENSEARCH_LAUNCHER_MAIN };
}
