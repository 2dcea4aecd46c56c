/**
 * Waiting for the legs after the last put: no fixed deadline — each leg is watched for progress, and a run fails
 * only when nothing moved for `stallSeconds` (so a million trips get the time they need, a stuck engine is named).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface Leg {
  readonly name: string;
  /** What the leg must deliver (trips, or window documents), in the unit of `delivered()`. */
  readonly target: number;
  /** Trips the leg carries, for records/s. */
  readonly trips: number;
  /** Records delivered so far. */
  delivered(): Promise<number> | number;
  /** Set once `delivered() >= target`: epoch ms. */
  doneAt?: number;
}

export class StallError extends Error {
  override readonly name = 'StallError';
}

/** Resolves when every leg reached its target; rejects with a {@link StallError} naming the stuck legs. */
export async function waitForLegs(legs: Leg[], stallSeconds: number, pollMs = 500): Promise<void> {
  const last = new Map<string, { value: number; changedAt: number }>();
  for (;;) {
    const now = Date.now();
    let pending = 0;
    for (const leg of legs) {
      if (leg.doneAt !== undefined) continue;
      const value = await leg.delivered();
      if (value >= leg.target) {
        leg.doneAt = now;
        continue;
      }
      pending++;
      const seen = last.get(leg.name);
      if (seen === undefined || seen.value !== value) last.set(leg.name, { value, changedAt: now });
    }
    if (pending === 0) return;
    const stuck = legs.filter(
      (l) => l.doneAt === undefined && now - (last.get(l.name)?.changedAt ?? now) > stallSeconds * 1000,
    );
    if (stuck.length > 0 && stuck.length === pending) {
      throw new StallError(
        `no progress for ${stallSeconds} s: ${stuck.map((l) => `${l.name} at ${last.get(l.name)?.value}/${l.target}`).join(', ')}`,
      );
    }
    await sleep(pollMs);
  }
}
