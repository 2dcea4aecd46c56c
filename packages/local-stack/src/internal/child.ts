import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { processAlive } from '@pipeline/java-toolchain';

/**
 * Preloaded into every engine process (`node --import data:...`):
 * - binds servers that were asked for "all interfaces" (listen(port) without host) to 127.0.0.1 instead — neither
 *   kinesis-mock nor kinesalite's CLI has a host option;
 * - exits when the parent process is gone (reparented), so a crashed or SIGKILLed test runner leaves no orphan.
 */
const PRELOAD = `
import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (typeof first === 'number' || (typeof first === 'string' && /^\\d+$/.test(first))) {
    if (args.length === 1 || typeof args[1] === 'function') args.splice(1, 0, '127.0.0.1');
  } else if (first && typeof first === 'object' && first.host === undefined && first.path === undefined &&
      first.fd === undefined && first._handle === undefined && first.handle === undefined) {
    args[0] = { ...first, host: '127.0.0.1' };
  }
  return listen.apply(this, args);
};
const ppid = process.ppid;
setInterval(() => { if (process.ppid !== ppid) process.exit(0); }, 500).unref();
`;

export const PRELOAD_URL = `data:text/javascript,${encodeURIComponent(PRELOAD)}`;

/**
 * Environment variables passed through to every child (engines and JVMs); everything else is dropped so the caller's
 * AWS_* etc. don't leak. TMPDIR/TMP/TEMP keep the children's temporary files where the caller wants them.
 */
const PASS_ENV = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT', 'USERPROFILE'];

/** The environment of a child: {@link PASS_ENV} from this process, then `extra`. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of PASS_ENV) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return Object.assign(env, extra);
}

export { processAlive } from '@pipeline/java-toolchain';

/**
 * The pid recorded in `pidFile` if that process is alive and (where /proc can tell, and a `marker` is given) its
 * command line contains `marker`; else undefined.
 */
export function readLivePid(pidFile: string, marker?: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!(Number.isInteger(pid) && pid > 0 && processAlive(pid))) return undefined;
  if (marker === undefined) return pid;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker) ? pid : undefined;
  } catch {
    return process.platform !== 'linux' ? pid : undefined;
  }
}

interface LiveChild {
  /** Signal sent when this process exits with the child still running. */
  readonly exitSignal: NodeJS.Signals;
  /** Cleanup at this process's exit (e.g. a scratch folder). */
  readonly onParentExit: (() => void) | undefined;
}

const live = new Map<ChildProcess, LiveChild>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [child, entry] of live) {
      try {
        child.kill(entry.exitSignal);
      } catch {
        // already gone
      }
      try {
        entry.onParentExit?.();
      } catch {
        // best effort
      }
    }
  });
}

export interface SpawnChildOptions {
  command: string;
  args: readonly string[];
  /** Variables on top of {@link childEnv}'s pass-through list. */
  env?: Record<string, string>;
  cwd: string;
  /** stdout + stderr go here. */
  logFile: string;
  /** Append to the log (with `logHeader` first) instead of truncating it. Default false. */
  appendLog?: boolean;
  logHeader?: string;
  /**
   * `pipe`: the child gets a stdin pipe that closes when this process goes away (the JVM launchers exit on that);
   * `ignore` (default): no stdin.
   */
  stdin?: 'pipe' | 'ignore';
  /** Sent when this process exits with the child still running. Default SIGKILL. */
  exitSignal?: NodeJS.Signals;
  onParentExit?: () => void;
}

export interface ChildHandle {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code / signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves after exit. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns a child with the pass-through environment and its output in `logFile`. Neither the child nor its stdin
 * keeps this process alive; an exit hook sends `exitSignal` to every child still running when this process exits.
 * Resolves once the process has started, rejects if it cannot start.
 */
export function spawnChild(options: SpawnChildOptions): Promise<ChildHandle> {
  const fd = fs.openSync(options.logFile, options.appendLog ? 'a' : 'w');
  let child: ChildProcess;
  try {
    if (options.logHeader) fs.writeSync(fd, options.logHeader);
    child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: childEnv(options.env),
      stdio: [options.stdin ?? 'ignore', fd, fd],
      windowsHide: true,
    });
  } finally {
    fs.closeSync(fd);
  }
  installExitHook();
  live.set(child, { exitSignal: options.exitSignal ?? 'SIGKILL', onParentExit: options.onParentExit });
  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      live.delete(child);
      resolve({ code, signal });
    });
  });
  // Don't keep the parent alive just for the child; the exit hook (or the closed stdin pipe) ends it.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.stdin?.on('error', () => undefined);
  let stopping: Promise<void> | undefined;
  return new Promise<ChildHandle>((resolve, reject) => {
    child.once('error', (err) => {
      exitedFlag = true;
      live.delete(child);
      reject(new Error(`could not start ${options.command}: ${err.message}`));
    });
    child.once('spawn', () => {
      const pid = child.pid;
      if (pid === undefined) {
        reject(new Error(`${options.command} has no pid`));
        return;
      }
      resolve({
        pid,
        child,
        exited,
        hasExited: () => exitedFlag,
        stop(graceMs = 5_000) {
          stopping ??= (async () => {
            if (!exitedFlag) {
              child.ref(); // keep the parent alive until the child has really exited
              child.kill('SIGTERM');
              const timer = setTimeout(() => {
                if (!exitedFlag) child.kill('SIGKILL');
              }, graceMs);
              try {
                await exited;
              } finally {
                clearTimeout(timer);
              }
            }
            child.stdin?.destroy();
          })();
          return stopping;
        },
      });
    });
  });
}

export interface SpawnEngineOptions {
  script: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
}

/** Spawns `node --import <preload> script ...args` (see PRELOAD) with stdout+stderr written to `logFile`. */
export function spawnEngine(options: SpawnEngineOptions): Promise<ChildHandle> {
  return spawnChild({
    command: process.execPath,
    args: ['--import', PRELOAD_URL, options.script, ...options.args],
    env: options.env,
    cwd: options.cwd,
    logFile: options.logFile,
  });
}

/** Last `maxLines` lines (read from at most the last `maxBytes`) of a log file, or '' if unreadable. */
export function logTail(file: string, maxLines = 40, maxBytes = 16_384): string {
  try {
    const stat = fs.statSync(file);
    const length = Math.min(stat.size, maxBytes);
    const buffer = Buffer.alloc(length);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buffer, 0, length, stat.size - length);
    } finally {
      fs.closeSync(fd);
    }
    return buffer.toString('utf8').split('\n').slice(-maxLines).join('\n').trim();
  } catch {
    return '';
  }
}
