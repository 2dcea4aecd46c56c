/** Resident memory of engine processes (Linux /proc), sampled to a peak while a run goes on. */
import fs from 'node:fs';

/** RSS of a process and all its descendants, MiB; 0 when the process is gone. */
export function treeRssMiB(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  let kb = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.pop() as number;
    try {
      kb += Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
    queue.push(...(children.get(p) ?? []));
  }
  return kb / 1024;
}

/** Samples the RSS of named processes every `intervalMs` and keeps each one's peak. */
export class PeakRss {
  private readonly peaks = new Map<string, number>();
  private readonly pids = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 1000) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  watch(name: string, pid: number): void {
    this.pids.set(name, pid);
    this.sample();
  }

  sample(): void {
    for (const [name, pid] of this.pids) {
      const rss = name === 'this process (Node)' ? process.memoryUsage.rss() / 1024 / 1024 : treeRssMiB(pid);
      this.peaks.set(name, Math.max(this.peaks.get(name) ?? 0, rss));
    }
  }

  /** Peak RSS per name, MiB. */
  result(): ReadonlyMap<string, number> {
    this.sample();
    return this.peaks;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
