import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Region } from '../../src/lib/domain/types.js';
import { createRegionThrottle } from '../../src/lib/rate-limit.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('Function: createRegionThrottle', () => {
  it('spaces calls per region at the configured rate, independently for each region', async () => {
    // Prepare: a fake clock; each call records when it was let through
    vi.useFakeTimers({ now: 1_000 });
    const throttle = createRegionThrottle(5);
    const passed: [Region, number][] = [];
    const call = async (region: string): Promise<void> => {
      await throttle(region as Region);
      passed.push([region as Region, Date.now()]);
    };

    // Act: three calls in one region and one in another at once, then one more after a pause
    const burst = Promise.all([call('us-east-1'), call('us-east-1'), call('us-east-1'), call('eu-west-1')]);
    await vi.runAllTimersAsync();
    await burst;
    vi.advanceTimersByTime(1_000);
    const later = call('us-east-1');
    await vi.advanceTimersByTimeAsync(0);
    await later;

    // Assess: 5/s = 200 ms apart; the other region is not delayed; after a pause no wait
    expect(passed).toEqual([
      ['us-east-1', 1_000],
      ['eu-west-1', 1_000],
      ['us-east-1', 1_200],
      ['us-east-1', 1_400],
      ['us-east-1', 2_400],
    ]);
  });
});
