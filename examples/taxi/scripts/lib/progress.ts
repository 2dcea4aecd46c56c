/**
 * The progress line (cli-progress): redrawn in place on a TTY, one plain line every few seconds otherwise. Other
 * output goes through {@link ProgressLine.log} so it lands above the line instead of through it.
 */
import cliProgress from 'cli-progress';

/** What the line shows. */
export interface ProgressSnapshot {
  tripsPut: number;
  /** Trips expected in total, when known up front. */
  total: number | undefined;
  recordsPerSecond: number;
  kinesisRecords: number;
  throttled: number;
  retried: number;
  windowsArrived: number;
  windowsExpected: number;
  lateDropped: number | undefined;
  rawDocuments: number;
  parquetRows: number;
}

const n = (value: number) => value.toLocaleString('en-US');

/** One line of text for a snapshot (also the non-TTY form). */
export function formatProgress(s: ProgressSnapshot): string {
  const put = s.total === undefined ? n(s.tripsPut) : `${n(s.tripsPut)}/${n(s.total)}`;
  return [
    `trips put ${put}`,
    `${n(Math.round(s.recordsPerSecond))} rec/s`,
    `Kinesis records ${n(s.kinesisRecords)}`,
    `throttled/retried ${n(s.throttled)}/${n(s.retried)}`,
    `windows ${n(s.windowsArrived)}/${n(s.windowsExpected)}`,
    `late dropped ${s.lateDropped === undefined ? '-' : n(s.lateDropped)}`,
    `raw docs ${n(s.rawDocuments)}`,
    `Parquet rows ${n(s.parquetRows)}`,
  ].join(' | ');
}

export class ProgressLine {
  /** On a TTY: a multi-bar (so messages print above the line); otherwise a single bar, one line per 5 s. */
  private readonly multi: cliProgress.MultiBar | undefined;
  private readonly bar: cliProgress.SingleBar;
  private last: ProgressSnapshot | undefined;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    const options: cliProgress.Options = {
      stream,
      format: (_options, _params, payload: { line?: string }) => payload.line ?? '',
      noTTYOutput: true,
      notTTYSchedule: 5000,
      fps: 4,
      hideCursor: false,
      linewrap: false,
      forceRedraw: true,
    };
    if (stream.isTTY) {
      this.multi = new cliProgress.MultiBar(options);
      this.bar = this.multi.create(1, 0, { line: 'starting…' });
    } else {
      this.bar = new cliProgress.SingleBar(options);
      this.bar.start(1, 0, { line: 'starting…' });
    }
  }

  update(snapshot: ProgressSnapshot): void {
    this.last = snapshot;
    this.bar.update(0, { line: formatProgress(snapshot) });
  }

  /** A message above the progress line. */
  log(message: string): void {
    if (this.multi !== undefined) this.multi.log(`${message}\n`);
    else this.stream.write(`${message}\n`);
  }

  /** Stops redrawing; the final state stays as the last line. */
  stop(): ProgressSnapshot | undefined {
    if (this.multi !== undefined) this.multi.stop();
    else this.bar.stop();
    return this.last;
  }
}
