// @pipeline/java-toolchain: the one place that finds a JDK, runs Maven (offline first), builds a Maven module if its
// sources changed (under a lock), finds a package's root folder and reads a jar's manifest. Zero dependencies and
// plain JavaScript, so build scripts can use it before anything is compiled. Types: index.d.mts.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import zlib from 'node:zlib';

// ---------------------------------------------------------------------------------------------------------------
// JDK

/** @param {string} version */
export function javaMajorVersion(version) {
  const parts = version.split(/[.+_-]/);
  const first = Number(parts[0]);
  if (first === 1 && parts.length > 1) return Number(parts[1]);
  return first;
}

/** @param {string} home @param {string} tool */
export function jdkTool(home, tool) {
  return path.join(home, 'bin', process.platform === 'win32' ? `${tool}.exe` : tool);
}

/** @param {string} home */
export function jdkVersion(home) {
  const java = jdkTool(home, 'java');
  if (!fs.existsSync(java)) return undefined;
  try {
    const match = /^JAVA_VERSION="([^"]+)"/m.exec(fs.readFileSync(path.join(home, 'release'), 'utf8'));
    if (match?.[1]) return match[1];
  } catch {
    // no release file: ask the binary
  }
  const result = spawnSync(java, ['-version'], { encoding: 'utf8', timeout: 20_000 });
  return /version "([^"]+)"/.exec(`${result.stderr ?? ''}${result.stdout ?? ''}`)?.[1];
}

/** @param {number} major */
function candidateHomes(major) {
  const env = process.env;
  const homes = [env.LOCAL_STACK_JAVA_HOME, env.JAVA_HOME, env[`JAVA_HOME_${major}_X64`]].filter(Boolean);
  const versioned = new RegExp(`(^|\\D)${major}(\\D|$)`);
  for (const root of ['/usr/lib/jvm', '/usr/java', '/opt/java', '/Library/Java/JavaVirtualMachines']) {
    let names;
    try {
      names = fs.readdirSync(root).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      if (!versioned.test(name)) continue;
      const dir = path.join(root, name);
      homes.push(root.startsWith('/Library') ? path.join(dir, 'Contents', 'Home') : dir);
    }
  }
  return /** @type {string[]} */ (homes);
}

/** Error with an exit code for scripts (2 = toolchain missing). */
class ToolchainError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'ToolchainError';
    this.exitCode = 2;
  }
}

/** @param {{ javaHome?: string | undefined, major?: number }} [options] */
export function findJdk(options = {}) {
  const major = options.major ?? 17;
  if (options.javaHome) {
    const home = path.resolve(options.javaHome);
    const version = jdkVersion(home);
    if (!version) throw new ToolchainError(`javaHome ${home} is not a JDK (no bin/java there)`);
    if (javaMajorVersion(version) !== major) {
      throw new ToolchainError(`javaHome ${home} is Java ${version}; a JDK ${major} is required`);
    }
    return { home, java: jdkTool(home, 'java'), version, major };
  }
  const tried = [];
  const seen = new Set();
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
    if (version && javaMajorVersion(version) === major) return { home, java: jdkTool(home, 'java'), version, major };
  }
  throw new ToolchainError(
    `No JDK ${major} found. Install one (Debian/Ubuntu: apt-get install openjdk-${major}-jdk-headless) or pass ` +
      `javaHome / set LOCAL_STACK_JAVA_HOME to its folder. Tried: ${tried.length ? tried.join(', ') : 'nothing'}`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Maven

/** @param {string} message */
const stderrLog = (message) => process.stderr.write(`[java] ${message}\n`);

const SIZE_UNITS = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 };

/**
 * One Maven run; with `progress`, transfer lines are counted and summarised every few seconds.
 * @param {string} mvn @param {string[]} args @param {string} cwd @param {string} javaHome
 * @param {((message: string) => void) | undefined} progress
 * @returns {Promise<{ code: number | null, output: string }>}
 */
function mavenOnce(mvn, args, cwd, javaHome, progress) {
  return new Promise((resolve, reject) => {
    const child = spawn(mvn, args, {
      cwd,
      env: { ...process.env, JAVA_HOME: javaHome },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let pending = '';
    let files = 0;
    let bytes = 0;
    const timer = progress
      ? setInterval(() => progress(`  … ${files} files, ${(bytes / 1e6).toFixed(1)} MB downloaded`), 5_000)
      : undefined;
    /** @param {Buffer} chunk */
    const onData = (chunk) => {
      const text = chunk.toString();
      output = (output + text).slice(-64 * 1024);
      if (!progress) return;
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = /Downloaded from [^:]+: \S+ \(([\d.]+) (B|kB|KB|MB|GB)/.exec(line);
        if (!match) continue;
        files++;
        bytes += Number(match[1]) * (SIZE_UNITS[/** @type {keyof typeof SIZE_UNITS} */ (match[2])] ?? 1);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (/** @type {NodeJS.ErrnoException} */ err) => {
      clearInterval(timer);
      reject(
        err.code === 'ENOENT'
          ? new ToolchainError(`Maven (${mvn}) not found on PATH; install maven or set LOCAL_STACK_MVN`)
          : err,
      );
    });
    child.on('close', (code) => {
      clearInterval(timer);
      if (progress && files > 0) progress(`  downloaded ${files} files, ${(bytes / 1e6).toFixed(1)} MB`);
      resolve({ code, output });
    });
  });
}

/**
 * @param {{ cwd: string, javaHome: string, args: readonly string[], log?: ((message: string) => void) | undefined,
 *   downloadNote?: string | undefined }} options
 */
export async function runMaven(options) {
  const mvn = process.env.LOCAL_STACK_MVN || (process.platform === 'win32' ? 'mvn.cmd' : 'mvn');
  const log = options.log ?? stderrLog;
  const args = [...options.args];
  const offline = await mavenOnce(
    mvn,
    ['-B', '--no-transfer-progress', '-q', '-o', ...args],
    options.cwd,
    options.javaHome,
  );
  if (offline.code === 0) return;
  log(
    `${path.basename(options.cwd)}: not everything is in ~/.m2 yet, resolving from Maven Central — a one-time ` +
      `download${options.downloadNote ? ` (${options.downloadNote})` : ''}; progress every 5 s`,
  );
  const online = await mavenOnce(mvn, ['-B', ...args], options.cwd, options.javaHome, log);
  if (online.code !== 0) {
    throw new Error(
      `mvn ${args.join(' ')} failed in ${options.cwd} (exit ${online.code}):\n${online.output.slice(-4000)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Lock, source hash, build if stale

/** @param {number} pid */
export function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
}

/**
 * @template T
 * @param {string} lockDir @param {() => Promise<T>} fn @param {{ timeoutMs?: number }} [options]
 * @returns {Promise<T>}
 */
export async function withLock(lockDir, fn, options = {}) {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true });
  const deadline = Date.now() + (options.timeoutMs ?? 20 * 60_000);
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'EEXIST') throw err;
      let holder = 0;
      try {
        holder = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
      } catch {
        // being written
      }
      if (holder && !processAlive(holder)) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build lock ${lockDir} (pid ${holder})`);
      await delay(500);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

/** @param {string} dir @param {readonly string[]} paths */
export function sourceHash(dir, paths) {
  const hash = createHash('sha256');
  /** @param {string} relative */
  const visit = (relative) => {
    const file = path.join(dir, relative);
    if (!fs.existsSync(file)) return;
    if (fs.statSync(file).isDirectory()) {
      for (const name of fs.readdirSync(file).sort()) visit(path.join(relative, name));
      return;
    }
    hash.update(`${relative.split(path.sep).join('/')}\0`);
    hash.update(fs.readFileSync(file));
    hash.update('\0');
  };
  for (const relative of paths) visit(relative);
  return hash.digest('hex').slice(0, 16);
}

export function cacheRoot() {
  const env = process.env;
  if (env.PIPELINE_CACHE_DIR) return path.resolve(env.PIPELINE_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'pipeline');
  return path.join(os.homedir(), '.cache', 'pipeline');
}

/** @param {string} file */
export function readClasspathFile(file) {
  try {
    const entries = fs.readFileSync(file, 'utf8').trim().split(path.delimiter).filter(Boolean);
    return entries.length > 0 && entries.every((entry) => fs.existsSync(entry)) ? entries : undefined;
  } catch {
    return undefined;
  }
}

const STAMP = path.join('target', 'pipeline-build.json');

/**
 * @param {string} dir @param {string} hash @param {readonly string[]} outputs @param {readonly string[]} classpathFiles
 */
function fresh(dir, hash, outputs, classpathFiles) {
  try {
    if (JSON.parse(fs.readFileSync(path.join(dir, STAMP), 'utf8')).hash !== hash) return false;
  } catch {
    return false;
  }
  return (
    outputs.every((output) => fs.existsSync(path.join(dir, output))) &&
    classpathFiles.every((file) => readClasspathFile(path.join(dir, file)) !== undefined)
  );
}

/** @type {Map<string, Promise<{ dir: string, built: boolean, hash: string }>>} */
const builds = new Map();

/** @param {import('./index.d.mts').BuildIfStaleOptions} options */
export function buildIfStale(options) {
  const sources = options.sources ?? ['pom.xml', 'src'];
  const hash = sourceHash(options.sourceDir, sources);
  const dir = options.outputDir ?? path.join(options.cacheDir ?? cacheRoot(), `${options.name}-${hash}`);
  const key = `${dir}\0${hash}\0${options.force ? 'force' : ''}`;
  let build = builds.get(key);
  if (!build) {
    build = buildModule(options, sources, hash, dir);
    builds.set(key, build);
    build.catch(() => builds.delete(key));
  }
  return build;
}

/**
 * @param {import('./index.d.mts').BuildIfStaleOptions} options @param {readonly string[]} sources
 * @param {string} hash @param {string} dir
 */
async function buildModule(options, sources, hash, dir) {
  const outputs = options.outputs ?? [];
  const classpathFiles = options.classpathFiles ?? [];
  const log = options.log ?? stderrLog;
  if (!options.force && options.prebuiltDir && fresh(options.prebuiltDir, hash, outputs, classpathFiles)) {
    return { dir: options.prebuiltDir, built: false, hash };
  }
  if (!options.force && fresh(dir, hash, outputs, classpathFiles)) return { dir, built: false, hash };
  const lockDir = path.join(
    options.cacheDir ?? cacheRoot(),
    'locks',
    `${createHash('sha256').update(dir).digest('hex').slice(0, 16)}.lock`,
  );
  return withLock(lockDir, async () => {
    if (!options.force && fresh(dir, hash, outputs, classpathFiles)) return { dir, built: false, hash };
    const javaHome = findJdk({ javaHome: options.javaHome }).home;
    if (path.resolve(dir) !== path.resolve(options.sourceDir)) {
      fs.rmSync(dir, { recursive: true, force: true });
      for (const relative of sources) {
        const from = path.join(options.sourceDir, relative);
        if (fs.existsSync(from)) fs.cpSync(from, path.join(dir, relative), { recursive: true });
      }
    }
    const started = Date.now();
    log(`${options.name}: mvn ${(options.mavenArgs ?? ['package']).join(' ')} (JDK ${javaHome})`);
    await runMaven({
      cwd: dir,
      javaHome,
      args: options.mavenArgs ?? ['package'],
      log,
      downloadNote: options.downloadNote,
    });
    fs.writeFileSync(
      path.join(dir, STAMP),
      `${JSON.stringify({ hash, javaHome, builtAt: new Date().toISOString() }, null, 2)}\n`,
    );
    log(`${options.name}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { dir, built: true, hash };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Package root

/** @param {string} from @param {string} name */
export function findPackageRoot(from, name) {
  let dir = path.resolve(from);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if (JSON.parse(fs.readFileSync(manifest, 'utf8')).name === name) return dir;
      } catch {
        // unreadable package.json: keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`${name}: package root not found above ${from}`);
    dir = parent;
  }
}

/** @param {string} dir */
export function insideNodeModules(dir) {
  return path.resolve(dir).split(path.sep).includes('node_modules');
}

// ---------------------------------------------------------------------------------------------------------------
// Jar manifests (a tiny zip reader: end of central directory, zip64 aware, stored or deflated entries)

/** @param {string} file @param {string} entryName */
export function readZipEntry(file, entryName) {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    /** @param {number} position @param {number} length */
    const read = (position, length) => {
      const buffer = Buffer.alloc(length);
      let offset = 0;
      while (offset < length) {
        const n = fs.readSync(fd, buffer, offset, length - offset, position + offset);
        if (n === 0) break;
        offset += n;
      }
      return buffer;
    };
    const tailLength = Math.min(size, 65_557);
    const tail = read(size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${file} is not a zip/jar file (no end of central directory)`);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdOffset === 0xffffffff || cdSize === 0xffffffff) {
      const locator = eocd - 20;
      if (locator < 0 || tail.readUInt32LE(locator) !== 0x07064b50) throw new Error(`${file}: bad zip64 locator`);
      const zip64 = read(Number(tail.readBigUInt64LE(locator + 8)), 56);
      if (zip64.readUInt32LE(0) !== 0x06064b50) throw new Error(`${file}: bad zip64 end of central directory`);
      cdSize = Number(zip64.readBigUInt64LE(40));
      cdOffset = Number(zip64.readBigUInt64LE(48));
    }
    const cd = read(cdOffset, cdSize);
    let p = 0;
    while (p + 46 <= cd.length && cd.readUInt32LE(p) === 0x02014b50) {
      const method = cd.readUInt16LE(p + 10);
      let compressed = cd.readUInt32LE(p + 20);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      let localOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLength);
      if (name === entryName) {
        if (compressed === 0xffffffff || localOffset === 0xffffffff) {
          // zip64 extra field (id 1): uncompressed, compressed, local offset — each present only if overflowed
          let q = p + 46 + nameLength;
          const end = q + extraLength;
          while (q + 4 <= end) {
            const id = cd.readUInt16LE(q);
            const length = cd.readUInt16LE(q + 2);
            if (id === 1) {
              let r = q + 4;
              if (cd.readUInt32LE(p + 24) === 0xffffffff) r += 8;
              if (compressed === 0xffffffff) {
                compressed = Number(cd.readBigUInt64LE(r));
                r += 8;
              }
              if (localOffset === 0xffffffff) localOffset = Number(cd.readBigUInt64LE(r));
            }
            q += 4 + length;
          }
        }
        const local = read(localOffset, 30);
        if (local.readUInt32LE(0) !== 0x04034b50) throw new Error(`${file}: bad local header for ${entryName}`);
        const dataStart = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
        const data = read(dataStart, compressed);
        if (method === 0) return data;
        if (method === 8) return zlib.inflateRawSync(data);
        throw new Error(`${file}: ${entryName} uses unsupported compression method ${method}`);
      }
      p += 46 + nameLength + extraLength + commentLength;
    }
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** @param {string} jar */
export function readJarManifest(jar) {
  const data = readZipEntry(jar, 'META-INF/MANIFEST.MF');
  /** @type {Record<string, string>} */
  const attributes = {};
  if (!data) return attributes;
  /** @type {string | undefined} */
  let last;
  for (const line of data.toString('utf8').split(/\r?\n/)) {
    if (line === '') {
      if (Object.keys(attributes).length > 0) break; // end of the main section
      continue;
    }
    if (line.startsWith(' ') && last) {
      attributes[last] += line.slice(1);
      continue;
    }
    const colon = line.indexOf(': ');
    if (colon > 0) {
      last = line.slice(0, colon);
      attributes[last] = line.slice(colon + 2);
    }
  }
  return attributes;
}
