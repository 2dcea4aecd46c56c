import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

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
export function javaMajorVersion(version: string): number {
  const parts = version.split(/[.+_-]/);
  const first = Number(parts[0]);
  if (first === 1 && parts.length > 1) return Number(parts[1]);
  return first;
}

function javaBinary(home: string): string {
  return path.join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
}

/** The version of the JDK at `home`, from its `release` file, else from `java -version`; undefined if not a JDK. */
export function jdkVersion(home: string): string | undefined {
  const java = javaBinary(home);
  if (!fs.existsSync(java)) return undefined;
  try {
    const release = fs.readFileSync(path.join(home, 'release'), 'utf8');
    const match = /^JAVA_VERSION="([^"]+)"/m.exec(release);
    if (match?.[1]) return match[1];
  } catch {
    // no release file: ask the binary
  }
  const result = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 20_000 });
  const match = /version "([^"]+)"/.exec(`${result.stderr ?? ''}${result.stdout ?? ''}`);
  return match?.[1];
}

function candidateHomes(major: number): string[] {
  const homes: string[] = [];
  const env = process.env;
  if (env.LOCAL_STACK_JAVA_HOME) homes.push(env.LOCAL_STACK_JAVA_HOME);
  if (env.JAVA_HOME) homes.push(env.JAVA_HOME);
  if (env[`JAVA_HOME_${major}_X64`]) homes.push(env[`JAVA_HOME_${major}_X64`] as string);
  for (const root of ['/usr/lib/jvm', '/usr/java', '/opt/java', '/Library/Java/JavaVirtualMachines']) {
    let names: string[];
    try {
      names = fs.readdirSync(root).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (!new RegExp(`(^|\\D)${major}(\\D|$)`).test(name)) continue;
      const dir = path.join(root, name);
      homes.push(root.startsWith('/Library') ? path.join(dir, 'Contents', 'Home') : dir);
    }
  }
  return homes;
}

/**
 * Finds a JDK of the given feature version (default 17). An explicit `javaHome` must be that version (no silent
 * fallback); otherwise tries LOCAL_STACK_JAVA_HOME, JAVA_HOME, JAVA_HOME_17_X64 and the usual install folders
 * (/usr/lib/jvm/*17*, ...), skipping JDKs of other versions (a Temurin 25 on PATH is never picked).
 */
export function findJdk(options: { javaHome?: string | undefined; major?: number } = {}): JdkInfo {
  const major = options.major ?? 17;
  if (options.javaHome) {
    const home = path.resolve(options.javaHome);
    const version = jdkVersion(home);
    if (!version) throw new Error(`javaHome ${home} is not a JDK (no bin/java there)`);
    if (javaMajorVersion(version) !== major) {
      throw new Error(`javaHome ${home} is Java ${version}; a JDK ${major} is required`);
    }
    return { home, java: javaBinary(home), version, major };
  }
  const tried: string[] = [];
  const seen = new Set<string>();
  for (const candidate of candidateHomes(major)) {
    let home = path.resolve(candidate);
    try {
      home = fs.realpathSync(home);
    } catch {
      // missing: jdkVersion says so below
    }
    if (seen.has(home)) continue;
    seen.add(home);
    const version = jdkVersion(home);
    tried.push(version ? `${home} (Java ${version})` : `${home} (not a JDK)`);
    if (version && javaMajorVersion(version) === major) return { home, java: javaBinary(home), version, major };
  }
  throw new Error(
    `No JDK ${major} found. Install one (Debian/Ubuntu: apt-get install openjdk-${major}-jdk-headless) or pass ` +
      `javaHome / set LOCAL_STACK_JAVA_HOME to its folder. Tried: ${tried.length ? tried.join(', ') : 'nothing'}`,
  );
}
