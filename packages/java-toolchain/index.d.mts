/** A JDK found by {@link findJdk}. */
export interface JdkInfo {
  /** The JDK's home folder (use it as JAVA_HOME). */
  home: string;
  /** Absolute path of its `java` binary. */
  java: string;
  /** Full version, e.g. `17.0.15`. */
  version: string;
  /** Feature (major) version, e.g. 17. */
  major: number;
}

/** Parses `17.0.15`, `17`, `1.8.0_402` into the feature version (17, 17, 8). */
export function javaMajorVersion(version: string): number;
/** Path of a JDK tool (`java`, `jar`, …) under `home/bin`. */
export function jdkTool(home: string, tool: string): string;
/** The version of the JDK at `home`, from its `release` file, else from `java -version`; undefined if not a JDK. */
export function jdkVersion(home: string): string | undefined;
/**
 * Finds a JDK of the given feature version (default 17). An explicit `javaHome` must be that version (no silent
 * fallback); otherwise tries LOCAL_STACK_JAVA_HOME, JAVA_HOME, JAVA_HOME_17_X64 and the usual install folders
 * (/usr/lib/jvm/*17*, ...), skipping JDKs of other versions (a Temurin 25 on PATH is never picked). Errors carry
 * `exitCode: 2`.
 */
export function findJdk(options?: { javaHome?: string | undefined; major?: number }): JdkInfo;

export interface RunMavenOptions {
  cwd: string;
  javaHome: string;
  /** Goals and flags, e.g. `['package']`. */
  args: readonly string[];
  /** Progress and notices. Default: stderr with a `[java]` prefix. */
  log?: ((message: string) => void) | undefined;
  /** Said when Maven has to go online, e.g. `about 125 MB`. */
  downloadNote?: string | undefined;
}
/**
 * Runs Maven (LOCAL_STACK_MVN, else `mvn`) with JDK `javaHome`: offline and quiet first; only if that fails (the
 * first build) online, announcing the one-time download and logging its progress every 5 s. Throws with the end of
 * Maven's output when the online run fails too.
 */
export function runMaven(options: RunMavenOptions): Promise<void>;

/** Whether a process with that pid exists. */
export function processAlive(pid: number): boolean;
/**
 * Runs `fn` holding a lock folder (`mkdir`, the holder's pid inside); a lock whose holder died is taken over.
 * Default timeout 20 minutes.
 */
export function withLock<T>(lockDir: string, fn: () => Promise<T>, options?: { timeoutMs?: number }): Promise<T>;
/** 16 hex digits of SHA-256 over the relative paths and contents of the files under `paths` (relative to `dir`). */
export function sourceHash(dir: string, paths: readonly string[]): string;
/** PIPELINE_CACHE_DIR, else `$XDG_CACHE_HOME/pipeline`, else `~/.cache/pipeline`. */
export function cacheRoot(): string;
/** Entries of a Maven `build-classpath` file if every one of them exists, else undefined. */
export function readClasspathFile(file: string): string[] | undefined;

export interface BuildIfStaleOptions {
  /** Short name for logs and the cache folder, e.g. `opensearch-launcher`. */
  name: string;
  /** The Maven module (its pom.xml). */
  sourceDir: string;
  /** Files and folders (relative to `sourceDir`) that make up the build's input. Default `['pom.xml', 'src']`. */
  sources?: readonly string[];
  /**
   * Where the build runs: `sourceDir` itself to build in place; default `<cacheDir>/<name>-<source hash>`, a copy of
   * the sources (so nothing is ever written into an installed package).
   */
  outputDir?: string;
  /** Default {@link cacheRoot}(). */
  cacheDir?: string;
  /**
   * A build shipped with the sources (e.g. a jar in an installed package): used as it is when its stamp matches the
   * sources and its outputs exist; never written to.
   */
  prebuiltDir?: string;
  /** Files (relative to the build folder) that must exist, e.g. `target/x.jar`. */
  outputs?: readonly string[];
  /** Maven classpath files (relative to the build folder) whose every entry must still exist in ~/.m2. */
  classpathFiles?: readonly string[];
  /** Default `['package']`. */
  mavenArgs?: readonly string[];
  /** A JDK 17 home. Default: {@link findJdk}(). */
  javaHome?: string | undefined;
  /** Build even when up to date. */
  force?: boolean;
  log?: ((message: string) => void) | undefined;
  downloadNote?: string | undefined;
}
export interface BuildResult {
  /** The build folder (holds `target/`). */
  dir: string;
  /** False when it was up to date (no Maven run). */
  built: boolean;
  /** The source hash the build is stamped with (`target/pipeline-build.json`). */
  hash: string;
}
/**
 * Builds a Maven module unless the build folder's stamp matches the current source hash and all outputs (and the
 * jars of the classpath files) exist. Concurrent callers (processes, test workers) are serialised with a lock; calls
 * in one process share one build.
 */
export function buildIfStale(options: BuildIfStaleOptions): Promise<BuildResult>;

/** Walks up from `from` to the folder whose package.json has this `name`. */
export function findPackageRoot(from: string, name: string): string;
/** True if `dir` is inside a `node_modules` folder (an installed package: never build there). */
export function insideNodeModules(dir: string): boolean;

/** The bytes of one entry of a zip/jar file, or undefined if it has no such entry. */
export function readZipEntry(file: string, entryName: string): Buffer | undefined;
/** Main attributes of a jar's `META-INF/MANIFEST.MF` (e.g. `Main-Class`, `Flink-Version`); {} if it has none. */
export function readJarManifest(jar: string): Record<string, string>;
