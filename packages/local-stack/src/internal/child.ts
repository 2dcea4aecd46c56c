import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';

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

/** Environment variables passed through to engines; everything else is dropped so the caller's AWS_* etc. don't leak. */
const PASS_ENV = ['PATH', 'HOME', 'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT', 'USERPROFILE'];

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export interface SpawnEngineOptions {
  script: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  logFile: string;
}

export interface EngineProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code / signal once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  hasExited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves after exit. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** Spawns `node --import <preload> script ...args` with stdout+stderr appended to `logFile`. */
export function spawnEngine(options: SpawnEngineOptions): Promise<EngineProcess> {
  const env: Record<string, string> = {};
  for (const key of PASS_ENV) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, options.env);
  const fd = fs.openSync(options.logFile, 'w');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, ['--import', PRELOAD_URL, options.script, ...options.args], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', fd, fd],
      windowsHide: true,
    });
  } finally {
    fs.closeSync(fd);
  }
  installExitHook();
  live.add(child);
  let exitedFlag = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedFlag = true;
      live.delete(child);
      resolve({ code, signal });
    });
  });
  // Don't keep the parent alive just for the engine; the exit hook kills it when the parent exits.
  child.unref();
  let stopping: Promise<void> | undefined;
  return new Promise<EngineProcess>((resolve, reject) => {
    child.once('error', (err) => {
      live.delete(child);
      reject(err);
    });
    child.once('spawn', () => {
      const pid = child.pid;
      if (pid === undefined) {
        reject(new Error('engine process has no pid'));
        return;
      }
      resolve({
        pid,
        child,
        exited,
        hasExited: () => exitedFlag,
        stop(graceMs = 5_000) {
          stopping ??= (async () => {
            if (exitedFlag) return;
            child.ref(); // keep the parent alive until the engine has really exited
            child.kill('SIGTERM');
            const timer = setTimeout(() => {
              if (!exitedFlag) child.kill('SIGKILL');
            }, graceMs);
            try {
              await exited;
            } finally {
              clearTimeout(timer);
            }
          })();
          return stopping;
        },
      });
    });
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
