/**
 * THE GHOST TRIP — to be replaced by the watermark heartbeat of @pipeline/producer (packages/producer/src/heartbeat.ts)
 * when it lands. Until then, the only way to make Flink's watermark pass the last window is one more record with a
 * later event time: a copy of the first trip moved past the last window and the out-of-orderness bound. It is a real
 * trip record on the stream, so it also lands in Parquet and the raw index; the reconciliation excludes exactly
 * {@link GHOST_TRIP_ID}. Everything about it lives in this file.
 */
import { formatTimestamp } from '@pipeline/schema';
import { TRIP_OUT_OF_ORDERNESS_SECONDS } from '../../src/pipeline.js';
import type { Trip } from '../../src/schema.js';

/** The id of the ghost trip; never a generated id in practice (the reconciliation excludes it). */
export const GHOST_TRIP_ID = 'id9999999';

const MINUTE = 60_000;

/** The record that closes the last windows: `template` moved past `lastPickup`'s window and the bound. */
export function closeLastWindows(template: Trip, lastPickup: number): Trip {
  const closingAt = (Math.floor(lastPickup / MINUTE) + 1) * MINUTE + (TRIP_OUT_OF_ORDERNESS_SECONDS + 1) * 1000;
  return {
    ...template,
    id: GHOST_TRIP_ID,
    pickupDate: formatTimestamp(closingAt),
    dropoffDate: formatTimestamp(closingAt + MINUTE),
  };
}
