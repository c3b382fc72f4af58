/**
 * Spaces PutImage calls evenly per region: ECR allows PutImage 10 times a second per account and
 * region, and the SDK's adaptive retry only reacts after throttling has started.
 */
import pThrottle from 'p-throttle';
import type { Region } from './domain/types.js';

/**
 * Returns `throttle(region)`, which resolves when the next call in `region` may go: at most
 * `perSecond` a second, one at a time `1000 / perSecond` ms apart (p-throttle's strict mode), each
 * region on its own.
 */
export const createRegionThrottle = (perSecond: number): ((region: Region) => Promise<void>) => {
  const slots = new Map<Region, () => Promise<void>>();
  return (region) => {
    let slot = slots.get(region);
    if (slot === undefined) {
      slot = pThrottle({ limit: 1, interval: 1000 / perSecond, strict: true })(async () => undefined);
      slots.set(region, slot);
    }
    return slot();
  };
};
