import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pidAlive } from './helpers.js';

const fixture = path.join(import.meta.dirname, 'fixtures', 'start-and-leave.ts');

/** Runs the fixture; resolves with the runner process and the emulator pid it printed. */
function runFixture(engine: string, mode: 'exit' | 'hang') {
  const runner = spawn(process.execPath, ['--import', 'tsx', fixture, engine, mode], {
    cwd: path.join(import.meta.dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  runner.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => runner.once('exit', () => resolve()));
  const pid = new Promise<number>((resolve, reject) => {
    let out = '';
    runner.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^(\d+)\n/.exec(out);
      if (match?.[1]) resolve(Number(match[1]));
    });
    runner.once('exit', (code) => reject(new Error(`fixture exited (${code}) without a pid: ${stderr}`)));
  });
  return { runner, pid, exited };
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !pidAlive(pid);
}

describe('no orphaned engines', () => {
  it.each(['kinesalite', 'kinesis-mock'])('%s dies when its parent exits without stop()', async (engine) => {
    const { pid, exited } = runFixture(engine, 'exit');
    const enginePid = await pid;
    await exited;
    expect(await waitGone(enginePid, 5_000)).toBe(true);
  });

  it('kinesalite dies when its parent is SIGKILLed (no exit hook runs)', async () => {
    const { runner, pid, exited } = runFixture('kinesalite', 'hang');
    const enginePid = await pid;
    expect(pidAlive(enginePid)).toBe(true);
    runner.kill('SIGKILL');
    await exited;
    expect(await waitGone(enginePid, 5_000)).toBe(true);
  });
});
