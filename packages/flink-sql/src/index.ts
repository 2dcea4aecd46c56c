/**
 * The Flink SQL runner: a generic jar (runner/, built by Maven) that runs SQL statements with typed `${name}`
 * parameters on Flink 1.20 — on Managed Service for Apache Flink, or locally through `@pipeline/local-stack`'s
 * `startFlinkJob()` on a MiniCluster.
 *
 * @packageDocumentation
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { paramsFileContent, type SqlParamInput } from './parameters.js';

export {
  bindParameters,
  isSecretRef,
  paramsFileContent,
  placeholderNames,
  RUNTIME_PROPERTY_VALUE_MAX_LENGTH,
  SECRET_REF_PROPERTY_PREFIX,
  type SecretRef,
  type SqlParameter,
  SqlParameterError,
  type SqlParameters,
  type SqlParameterType,
  type SqlParameterValues,
  type SqlParamInput,
  type SqlParamValue,
  type SqlTemplate,
  secretMarker,
  secretRef,
  substituteParameters,
  toRuntimeProperties,
} from './parameters.js';
export * from './templates.js';

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
/** Identifier of the runner's KPL-unpacking JSON format (`'format' = 'kpl-json'`, options `kpl-json.*`). */
export const KPL_JSON_FORMAT = 'kpl-json';
/** Runtime property group the runner reads its parameters from on Managed Flink. */
export const PARAMS_PROPERTY_GROUP = 'SqlParameters';

function moduleDir(): string {
  if (typeof __dirname === 'string') return __dirname;
  return path.dirname(fileURLToPath(import.meta.url));
}

let cachedRoot: string | undefined;

/** Root folder of the installed `@pipeline/flink-sql` package. */
export function flinkSqlPackageRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = moduleDir();
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === '@pipeline/flink-sql') {
          cachedRoot = dir;
          return dir;
        }
      } catch {
        // keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`@pipeline/flink-sql: package root not found above ${moduleDir()}`);
    dir = parent;
  }
}

/** Absolute path of the generic runner jar (`runner/target/flink-sql-runner.jar`); throws if it was not built. */
export function runnerJarPath(): string {
  const jar = path.join(flinkSqlPackageRoot(), 'runner', 'target', 'flink-sql-runner.jar');
  if (!fs.existsSync(jar)) {
    throw new Error(`${jar} does not exist: build it with \`pnpm --filter @pipeline/flink-sql build:runner\``);
  }
  return jar;
}

/**
 * Writes the runner's `--params` JSON file (values checked to be strings, finite numbers, booleans, null or secret
 * references, which are written as `{"secretRef": "<id>", "jsonKey": "<key>"}`; see `paramsFileContent`).
 */
export function writeParamsFile(file: string, params: Readonly<Record<string, SqlParamInput>>): void {
  const content = paramsFileContent(params);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
}

function findJarTool(javaHome?: string): string {
  const exe = process.platform === 'win32' ? 'jar.exe' : 'jar';
  const homes = [javaHome, process.env.LOCAL_STACK_JAVA_HOME, process.env.JAVA_HOME].filter(Boolean) as string[];
  try {
    for (const name of fs.readdirSync('/usr/lib/jvm').sort()) homes.push(path.join('/usr/lib/jvm', name));
  } catch {
    // not Debian-like
  }
  for (const home of homes) {
    const tool = path.join(home, 'bin', exe);
    if (fs.existsSync(tool)) return tool;
  }
  return exe; // PATH
}

/**
 * Makes an application jar: a copy of the runner jar with the given SQL scripts added as `sql/<name>` (the runner runs
 * them in name order when no `--sql` is given; on Managed Flink the SQL must be inside the jar, since runtime property
 * values are capped at 2,048 characters). Uses the JDK's `jar` tool.
 */
export async function packageApplicationJar(options: {
  /** Script file name (e.g. `10-pipeline.sql`) -> SQL text. */
  sql: Record<string, string>;
  /** Output jar path. */
  out: string;
  /** Runner jar to start from. Default {@link runnerJarPath}(). */
  jar?: string;
  /** JDK home whose `jar` tool to use. Default: LOCAL_STACK_JAVA_HOME, JAVA_HOME, /usr/lib/jvm/*, PATH. */
  javaHome?: string;
}): Promise<string> {
  const names = Object.keys(options.sql);
  if (names.length === 0) throw new TypeError('sql must name at least one script');
  for (const name of names) {
    if (!/^[\w.-]+\.sql$/.test(name)) throw new TypeError(`SQL script names must look like 10-main.sql, got '${name}'`);
  }
  const out = path.resolve(options.out);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.copyFileSync(options.jar ?? runnerJarPath(), out);
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'flink-sql-jar-'));
  try {
    fs.mkdirSync(path.join(staging, 'sql'));
    for (const [name, text] of Object.entries(options.sql)) fs.writeFileSync(path.join(staging, 'sql', name), text);
    const tool = findJarTool(options.javaHome);
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
