/**
 * Tracks puts and fails when one stays unsettled: `stalled` rejects if no tracked put settles for `stallMs` while
 * some are still open (a put that never resolves nor rejects would otherwise hang the test or pass unnoticed).
 */
export class SettlementWatchdog {
  readonly codes: Record<string, number> = {};
  private open = 0;
  private lastProgress = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private fire: ((error: Error) => void) | undefined;

  /** Rejects when progress stops; never resolves (race it against the work). */
  readonly stalled: Promise<never>;

  constructor(private readonly stallMs: number) {
    this.stalled = new Promise<never>((_, reject) => {
      this.fire = reject;
    });
    this.stalled.catch(() => {});
    this.timer = setInterval(
      () => {
        if (this.open > 0 && Date.now() - this.lastProgress > this.stallMs) {
          this.fire?.(new Error(`${this.open} puts unsettled with no settlement for ${this.stallMs} ms`));
          this.stop();
        }
      },
      Math.min(1000, this.stallMs / 4),
    );
  }

  get unsettled(): number {
    return this.open;
  }

  get settled(): number {
    let total = 0;
    for (const count of Object.values(this.codes)) total += count;
    return total;
  }

  track(promise: Promise<unknown>): void {
    this.open++;
    promise.then(
      () => this.count('ok'),
      (error: { code?: string }) => this.count(error?.code ?? 'unknown'),
    );
  }

  /** Resolves once every tracked put settled; rejects if progress stops first. */
  async allSettled(): Promise<Record<string, number>> {
    const done = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (this.open === 0) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    try {
      await Promise.race([done, this.stalled]);
    } finally {
      this.stop();
    }
    return this.codes;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private count(code: string): void {
    this.codes[code] = (this.codes[code] ?? 0) + 1;
    this.open--;
    this.lastProgress = Date.now();
  }
}
