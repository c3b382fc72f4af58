/**
 * Spaces calls evenly per key (region): ECR allows PutImage 10 times a second per account and
 * region, and the SDK's adaptive retry only reacts after throttling has started.
 */

/** Returns `wait(key)`, which resolves when the next call for `key` may go, at most `perSecond` a second. */
export const createIntervalLimiter = (
  perSecond: number,
  clock: { now: () => number; sleep: (ms: number) => Promise<void> } = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
): ((key: string) => Promise<void>) => {
  const interval = 1000 / perSecond;
  const next = new Map<string, number>();
  return async (key) => {
    const now = clock.now();
    const slot = Math.max(now, next.get(key) ?? now);
    next.set(key, slot + interval);
    if (slot > now) await clock.sleep(slot - now);
  };
};
