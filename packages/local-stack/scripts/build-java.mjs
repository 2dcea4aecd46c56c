#!/usr/bin/env node
// Builds the Java launcher(s) of @pipeline/local-stack with Maven and JDK 17:
//   java/opensearch-launcher/target/opensearch-launcher.jar + target/classpath.txt (jars in ~/.m2, no fat jar).
//
// Usage: node scripts/build-java.mjs [--java-home DIR] [--force] [--quiet]
//
// Skips Maven when the build is up to date (a stamp newer than pom.xml and every source file, and every classpath jar
// still in the local repository). Maven runs offline first (-o), so a rebuild with everything cached downloads
// nothing; only when that fails (first build) does it go online to Maven Central. Concurrent runs (several test
// workers) are serialised with a lock folder. startOpenSearch() runs this script itself when needed.
// Exit codes: 0 built or up to date, 1 build failed, 2 no JDK 17 / no Maven.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODULES = ['java/opensearch-launcher', 'java/flink-runtime'];
const JAVA_MAJOR = 17;

const args = process.argv.slice(2);
const force = args.includes('--force');
const quiet = args.includes('--quiet');
const javaHomeArg = (() => {
  const i = args.indexOf('--java-home');
  return i >= 0 ? args[i + 1] : undefined;
})();

const log = (message) => {
  if (!quiet) process.stderr.write(`[build-java] ${message}\n`);
};

// ---- JDK 17 (same rules as src/java.ts findJdk) ----
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
function findJdk() {
  if (javaHomeArg) {
    const home = path.resolve(javaHomeArg);
    const version = jdkVersion(home);
    if (!version || major(version) !== JAVA_MAJOR) {
      throw new Error(`--java-home ${home} is ${version ? `Java ${version}` : 'not a JDK'}; JDK ${JAVA_MAJOR} needed`);
    }
    return home;
  }
  const candidates = [process.env.LOCAL_STACK_JAVA_HOME, process.env.JAVA_HOME, process.env.JAVA_HOME_17_X64];
  for (const root of ['/usr/lib/jvm', '/usr/java', '/opt/java', '/Library/Java/JavaVirtualMachines']) {
    let names = [];
    try {
      names = fs.readdirSync(root).sort();
    } catch {}
    for (const name of names) {
      if (!/(^|\D)17(\D|$)/.test(name)) continue;
      candidates.push(root.startsWith('/Library') ? path.join(root, name, 'Contents', 'Home') : path.join(root, name));
    }
  }
  const tried = [];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const version = jdkVersion(candidate);
    tried.push(`${candidate} (${version ?? 'not a JDK'})`);
    if (version && major(version) === JAVA_MAJOR) return fs.realpathSync(candidate);
  }
  throw new Error(
    `No JDK ${JAVA_MAJOR} found (install openjdk-${JAVA_MAJOR}-jdk-headless, or pass --java-home / set ` +
      `LOCAL_STACK_JAVA_HOME). Tried: ${tried.join(', ') || 'nothing'}`,
  );
}

// ---- up-to-date check ----
function newestMtime(file) {
  const stat = fs.statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of fs.readdirSync(file)) newest = Math.max(newest, newestMtime(path.join(file, name)));
  return newest;
}
function upToDate(moduleDir) {
  const target = path.join(moduleDir, 'target');
  const stamp = path.join(target, 'build-stamp');
  const classpath = path.join(target, 'classpath.txt');
  const jar = path.join(target, `${path.basename(moduleDir)}.jar`);
  if (!fs.existsSync(stamp) || !fs.existsSync(classpath) || !fs.existsSync(jar)) return false;
  const built = fs.statSync(stamp).mtimeMs;
  if (newestMtime(path.join(moduleDir, 'pom.xml')) > built) return false;
  if (newestMtime(path.join(moduleDir, 'src')) > built) return false;
  const entries = fs.readFileSync(classpath, 'utf8').trim().split(path.delimiter).filter(Boolean);
  return entries.length > 0 && entries.every((entry) => fs.existsSync(entry));
}

// ---- lock (a folder; holder's pid inside; stale locks of dead processes are taken over) ----
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
async function withLock(dir, fn) {
  const lock = path.join(dir, '.build-lock');
  fs.mkdirSync(dir, { recursive: true });
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      let holder = 0;
      try {
        holder = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
      } catch {}
      if (holder && !alive(holder)) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lock} (pid ${holder})`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

// ---- maven ----
function runMaven(moduleDir, javaHome, offline) {
  const mvn = process.env.LOCAL_STACK_MVN || (process.platform === 'win32' ? 'mvn.cmd' : 'mvn');
  const mvnArgs = ['-B', '--no-transfer-progress', '-q', ...(offline ? ['-o'] : []), 'package'];
  return new Promise((resolve, reject) => {
    const child = spawn(mvn, mvnArgs, {
      cwd: moduleDir,
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

async function buildModule(relative, javaHome) {
  const moduleDir = path.join(PACKAGE_ROOT, relative);
  const target = path.join(moduleDir, 'target');
  if (!force && upToDate(moduleDir)) {
    log(`${relative}: up to date`);
    return;
  }
  await withLock(target, async () => {
    if (!force && upToDate(moduleDir)) {
      log(`${relative}: up to date (built by another process)`);
      return;
    }
    const started = Date.now();
    log(`${relative}: mvn package (offline) with JAVA_HOME=${javaHome}`);
    let result = await runMaven(moduleDir, javaHome, true);
    if (result.code !== 0) {
      log(`${relative}: offline build failed; resolving from Maven Central (first build downloads ~50 MB)`);
      result = await runMaven(moduleDir, javaHome, false);
    }
    if (result.code !== 0) {
      throw new Error(`mvn package failed in ${moduleDir} (exit ${result.code}):\n${result.output.slice(-4000)}`);
    }
    fs.writeFileSync(path.join(target, 'build-stamp'), `${new Date().toISOString()} java ${javaHome}\n`);
    log(`${relative}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });
}

try {
  const javaHome = findJdk();
  for (const relative of MODULES) await buildModule(relative, javaHome);
} catch (err) {
  process.stderr.write(`[build-java] ${err.message}\n`);
  process.exit(err.exitCode ?? (/No JDK|JDK 17 needed/.test(err.message) ? 2 : 1));
}
