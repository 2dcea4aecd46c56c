/**
 * Exponential backoff with full jitter (the AWS Architecture Blog's "Full Jitter"): a delay uniform in
 * `[0, min(maxMs, baseMs × 2^(attempt − 1)))`, in whole milliseconds. `attempt` counts from 1 (the first retry).
 */
export function fullJitterDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
  return Math.floor(random() * ceiling);
}
