/**
 * Window table-valued functions: TUMBLE (fixed, non-overlapping), HOP (fixed size, sliding by a step) and CUMULATE
 * (growing by a step from the start of a fixed period, e.g. running day totals). Lengths are whole minutes.
 */
import { checkInteger, id, minutes } from './sql-text.js';

export type WindowSpec =
  | { readonly kind: 'tumble'; readonly sizeMinutes: number }
  | { readonly kind: 'hop'; readonly sizeMinutes: number; readonly slideMinutes: number }
  | { readonly kind: 'cumulate'; readonly stepMinutes: number; readonly maxSizeMinutes: number };

/** Fixed windows of `sizeMinutes`, aligned to the epoch (UTC). */
export function tumble(sizeMinutes: number): WindowSpec {
  return checkWindow({ kind: 'tumble', sizeMinutes });
}

/** Windows of `sizeMinutes` starting every `slideMinutes` (a record is in size/slide windows). */
export function hop(sizeMinutes: number, slideMinutes: number): WindowSpec {
  return checkWindow({ kind: 'hop', sizeMinutes, slideMinutes });
}

/** Windows from the start of each `maxSizeMinutes` period, growing by `stepMinutes` (1440: UTC days). */
export function cumulate(stepMinutes: number, maxSizeMinutes: number): WindowSpec {
  return checkWindow({ kind: 'cumulate', stepMinutes, maxSizeMinutes });
}

export function checkWindow(spec: WindowSpec): WindowSpec {
  switch (spec.kind) {
    case 'tumble':
      checkInteger('window sizeMinutes', spec.sizeMinutes, 1);
      break;
    case 'hop':
      checkInteger('window sizeMinutes', spec.sizeMinutes, 1);
      checkInteger('window slideMinutes', spec.slideMinutes, 1);
      if (spec.sizeMinutes % spec.slideMinutes !== 0) {
        throw new TypeError(
          `a HOP window's size (${spec.sizeMinutes}) must be a multiple of its slide (${spec.slideMinutes})`,
        );
      }
      break;
    case 'cumulate':
      checkInteger('window stepMinutes', spec.stepMinutes, 1);
      checkInteger('window maxSizeMinutes', spec.maxSizeMinutes, 1);
      if (spec.maxSizeMinutes % spec.stepMinutes !== 0) {
        throw new TypeError(
          `a CUMULATE window's max size (${spec.maxSizeMinutes}) must be a multiple of its step (${spec.stepMinutes})`,
        );
      }
      break;
    default:
      throw new TypeError(`unknown window kind ${(spec as { kind: unknown }).kind}`);
  }
  return Object.freeze({ ...spec });
}

/** `TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' MINUTE))` and its HOP / CUMULATE forms. */
export function windowTvf(input: { readonly table: string; readonly eventTime: string }, spec: WindowSpec): string {
  const head = `TABLE ${id(input.table)}, DESCRIPTOR(${id(input.eventTime)})`;
  switch (spec.kind) {
    case 'tumble':
      return `TABLE(TUMBLE(${head}, ${minutes(spec.sizeMinutes)}))`;
    case 'hop':
      return `TABLE(HOP(${head}, ${minutes(spec.slideMinutes)}, ${minutes(spec.sizeMinutes)}))`;
    case 'cumulate':
      return `TABLE(CUMULATE(${head}, ${minutes(spec.stepMinutes)}, ${minutes(spec.maxSizeMinutes)}))`;
  }
}

/**
 * The slice a record falls in: the window operator drops a record as late when its slice has already fired
 * (watermark >= slice end - 1 ms), even if a longer window containing the slice is still open.
 */
export function sliceMinutes(spec: WindowSpec): number {
  return spec.kind === 'tumble' ? spec.sizeMinutes : spec.kind === 'hop' ? spec.slideMinutes : spec.stepMinutes;
}

/** Human words for a window, for documentation: `15-minute windows sliding every 1 minute`. */
export function describeWindow(spec: WindowSpec): string {
  switch (spec.kind) {
    case 'tumble':
      return `${spec.sizeMinutes}-minute tumbling windows`;
    case 'hop':
      return `${spec.sizeMinutes}-minute windows sliding every ${spec.slideMinutes} minute(s)`;
    case 'cumulate':
      return `windows growing by ${spec.stepMinutes} minute(s) over each ${spec.maxSizeMinutes}-minute period`;
  }
}
