/**
 * The Flink SQL runner jar: a generic Flink 1.20 job (runner/, built by Maven) that runs SQL statements with typed
 * `${name}` parameters — on Managed Service for Apache Flink, or locally through `@pipeline/local-stack`'s
 * `startFlinkJob()` on a MiniCluster. The SQL templates that write those statements are in `@pipeline/flink-sql`.
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIfStale, findJdk, findPackageRoot, insideNodeModules, jdkTool } from '@pipeline/java-toolchain';

/** Main class of the runner jar. */
export const RUNNER_MAIN_CLASS = 'pipeline.flinksql.Runner';
/** Flink version the runner is built against (`flink.version` in runner/pom.xml, `Flink-Version` in its manifest). */
export const RUNNER_FLINK_VERSION = '1.20.3';
/**
 * The bundled Kinesis table connector. The 5.x connector (`flink-sql-connector-aws-kinesis-streams:5.x-1.20`) is not
 * served by the reachable Maven Central; this legacy one reads by stream name (`'stream'`) and unpacks KPL aggregates.
 */
export const KINESIS_CONNECTOR = 'org.apache.flink:flink-connector-kinesis:4.3.0-1.19';
/** The bundled OpenSearch table connector (`'connector' = 'opensearch-2'`); no build for Flink 1.20 exists. */
export const OPENSEARCH_CONNECTOR = 'org.apache.flink:flink-connector-opensearch2:2.0.0-1.19';

const JAR_NAME = 'flink-sql-runner.jar';
/** What goes into the jar; the Java tests (runner/src/test) run with a build but do not change it. */
const RUNNER_SOURCES = ['pom.xml', 'src/main'];

function moduleDir(): string {
  if (typeof __dirname === 'string') return __dirname;
  return path.dirname(fileURLToPath(import.meta.url));
}

let cachedRoot: string | undefined;

/** Root folder of the installed `@pipeline/flink-sql-runner` package. */
export function runnerPackageRoot(): string {
  cachedRoot ??= findPackageRoot(moduleDir(), '@pipeline/flink-sql-runner');
  return cachedRoot;
}

/** Absolute path of the runner jar this package ships (`runner/target/flink-sql-runner.jar`); throws if absent. */
export function runnerJarPath(): string {
  const jar = path.join(runnerPackageRoot(), 'runner', 'target', JAR_NAME);
  if (!fs.existsSync(jar)) {
    throw new Error(
      `${jar} does not exist: call ensureRunnerJar() or run \`pnpm --filter @pipeline/flink-sql-runner build\``,
    );
  }
  return jar;
}

export interface EnsureRunnerJarOptions {
  /** A JDK 17 home for a build. Default: found like local-stack's findJdk(). */
  javaHome?: string;
  /** Rebuild even when up to date. */
  force?: boolean;
  /** Progress of a build (Maven's first run downloads about 200 MB). Default: stderr. */
  log?: (message: string) => void;
}

/**
 * The runner jar, built first if its sources changed since the jar was built (`runner/target/pipeline-build.json`
 * records their hash). A checkout builds in place; an installed package ships the jar already built and, should it
 * be stale, builds into the cache folder (`~/.cache/pipeline`, or PIPELINE_CACHE_DIR), never into node_modules.
 * A build runs the runner's Java tests; concurrent callers wait for one build.
 */
export async function ensureRunnerJar(options: EnsureRunnerJarOptions = {}): Promise<string> {
  const sourceDir = path.join(runnerPackageRoot(), 'runner');
  const result = await buildIfStale({
    name: 'flink-sql-runner',
    sourceDir,
    sources: RUNNER_SOURCES,
    ...(insideNodeModules(sourceDir) ? { prebuiltDir: sourceDir } : { outputDir: sourceDir }),
    outputs: [path.join('target', JAR_NAME)],
    javaHome: options.javaHome,
    force: options.force ?? false,
    log: options.log,
    downloadNote: 'about 200 MB into ~/.m2',
  });
  return path.join(result.dir, 'target', JAR_NAME);
}

/**
 * Makes an application jar: a copy of the runner jar with the given SQL scripts added as `sql/<name>` (the runner runs
 * them in name order when no `--sql` is given; on Managed Flink the SQL must be inside the jar, since runtime property
 * values are capped at 2,048 characters). Uses the `jar` tool of the JDK 17.
 */
export async function packageApplicationJar(options: {
  /** Script file name (e.g. `10-pipeline.sql`) -> SQL text. */
  sql: Record<string, string>;
  /** Output jar path. */
  out: string;
  /** Runner jar to start from. Default {@link ensureRunnerJar}(). */
  jar?: string;
  /** JDK home whose `jar` tool to use. Default: the JDK 17 found like local-stack's findJdk(). */
  javaHome?: string;
}): Promise<string> {
  const names = Object.keys(options.sql);
  if (names.length === 0) throw new TypeError('sql must name at least one script');
  for (const name of names) {
    if (!/^[\w.-]+\.sql$/.test(name)) throw new TypeError(`SQL script names must look like 10-main.sql, got '${name}'`);
  }
  const tool = jdkTool(findJdk({ javaHome: options.javaHome }).home, 'jar');
  const source = options.jar ?? (await ensureRunnerJar(options.javaHome ? { javaHome: options.javaHome } : {}));
  const out = path.resolve(options.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.copyFileSync(source, out);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-sql-jar-'));
  try {
    fs.mkdirSync(path.join(staging, 'sql'));
    for (const [name, text] of Object.entries(options.sql)) fs.writeFileSync(path.join(staging, 'sql', name), text);
    await new Promise<void>((resolve, reject) => {
      const child = spawn(tool, ['uf', out, '-C', staging, 'sql'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk: Buffer) => {
        output += chunk;
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${tool} failed (${code}): ${output}`))));
    });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return out;
}
