#!/usr/bin/env node
// Builds the Flink SQL runner jar with Maven and JDK 17: runner/target/flink-sql-runner.jar (shaded; Java 11 bytecode).
//
// Usage: node scripts/build-runner.mjs [--java-home DIR] [--force] [--quiet]
//
// Skips Maven when the jar is newer than runner/pom.xml and every file under runner/src. Maven runs offline first
// (-o), so a rebuild with everything cached downloads nothing; only when that fails (first build) does it go online
// to Maven Central (about 200 MB into ~/.m2 the first time). Runs the runner's Java unit tests (Surefire) and the
// shaded-jar test (Failsafe).
// Exit codes: 0 built or up to date, 1 build failed, 2 no JDK 17 / no Maven.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNNER = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'runner');
const JAR = path.join(RUNNER, 'target', 'flink-sql-runner.jar');
const JAVA_MAJOR = 17;

const args = process.argv.slice(2);
const force = args.includes('--force');
const quiet = args.includes('--quiet');
const javaHomeArg = (() => {
  const i = args.indexOf('--java-home');
  return i >= 0 ? args[i + 1] : undefined;
})();
const log = (message) => {
  if (!quiet) process.stderr.write(`[build-runner] ${message}\n`);
};

function jdkVersion(home) {
  const java = path.join(home, 'bin', process.platform === 'win32' ? 'java.exe' : 'java');
  if (!fs.existsSync(java)) return undefined;
  try {
    const match = /^JAVA_VERSION="([^"]+)"/m.exec(fs.readFileSync(path.join(home, 'release'), 'utf8'));
    if (match) return match[1];
  } catch {}
  const result = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 20_000 });
  return /version "([^"]+)"/.exec(`${result.stderr ?? ''}${result.stdout ?? ''}`)?.[1];
}
function major(version) {
  const parts = version.split(/[.+_-]/);
  return Number(parts[0]) === 1 ? Number(parts[1]) : Number(parts[0]);
}
/** Same rules as @pipeline/local-stack findJdk(): a JDK 17, never a newer one on PATH. */
function findJdk() {
  const candidates = javaHomeArg
    ? [javaHomeArg]
    : [process.env.LOCAL_STACK_JAVA_HOME, process.env.JAVA_HOME, process.env.JAVA_HOME_17_X64];
  if (!javaHomeArg) {
    for (const root of ['/usr/lib/jvm', '/usr/java', '/opt/java', '/Library/Java/JavaVirtualMachines']) {
      let names = [];
      try {
        names = fs.readdirSync(root).sort();
      } catch {}
      for (const name of names) {
        if (!/(^|\D)17(\D|$)/.test(name)) continue;
        candidates.push(
          root.startsWith('/Library') ? path.join(root, name, 'Contents', 'Home') : path.join(root, name),
        );
      }
    }
  }
  const tried = [];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const version = jdkVersion(candidate);
    tried.push(`${candidate} (${version ?? 'not a JDK'})`);
    if (version && major(version) === JAVA_MAJOR) return fs.realpathSync(candidate);
  }
  throw Object.assign(
    new Error(
      `No JDK ${JAVA_MAJOR} found (install openjdk-${JAVA_MAJOR}-jdk-headless, or pass --java-home / set ` +
        `LOCAL_STACK_JAVA_HOME). Tried: ${tried.join(', ') || 'nothing'}`,
    ),
    { exitCode: 2 },
  );
}

function newestMtime(file) {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of fs.readdirSync(file)) newest = Math.max(newest, newestMtime(path.join(file, name)));
  return newest;
}
function upToDate() {
  if (!fs.existsSync(JAR)) return false;
  const built = fs.statSync(JAR).mtimeMs;
  return newestMtime(path.join(RUNNER, 'pom.xml')) <= built && newestMtime(path.join(RUNNER, 'src')) <= built;
}

function runMaven(javaHome, offline) {
  const mvn = process.env.LOCAL_STACK_MVN || (process.platform === 'win32' ? 'mvn.cmd' : 'mvn');
  const mvnArgs = ['-B', '--no-transfer-progress', '-q', ...(offline ? ['-o'] : []), 'package'];
  return new Promise((resolve, reject) => {
    const child = spawn(mvn, mvnArgs, {
      cwd: RUNNER,
      env: { ...process.env, JAVA_HOME: javaHome },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', (err) =>
      reject(
        err.code === 'ENOENT'
          ? Object.assign(new Error(`Maven (${mvn}) not found on PATH; install maven or set LOCAL_STACK_MVN`), {
              exitCode: 2,
            })
          : err,
      ),
    );
    child.on('close', (code) => resolve({ code, output }));
  });
}

try {
  if (!force && upToDate()) {
    log('runner/target/flink-sql-runner.jar: up to date');
  } else {
    const javaHome = findJdk();
    const started = Date.now();
    log(`mvn package (offline) with JAVA_HOME=${javaHome}`);
    let result = await runMaven(javaHome, true);
    if (result.code !== 0) {
      log('offline build failed; resolving from Maven Central');
      result = await runMaven(javaHome, false);
    }
    if (result.code !== 0) {
      throw new Error(`mvn package failed in ${RUNNER} (exit ${result.code}):\n${result.output.slice(-4000)}`);
    }
    const size = fs.statSync(JAR).size;
    log(
      `built ${path.relative(process.cwd(), JAR)} (${(size / 1024 / 1024).toFixed(1)} MiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }
} catch (err) {
  process.stderr.write(`[build-runner] ${err.message}\n`);
  process.exit(err.exitCode ?? 1);
}
