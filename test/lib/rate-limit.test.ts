import { describe, expect, it } from 'vitest';
import { createIntervalLimiter } from '../../src/lib/rate-limit.js';

describe('Function: createIntervalLimiter', () => {
  it('spaces calls per key at the configured rate, independently for each key', async () => {
    // Prepare: a fake clock that records requested sleeps
    let now = 1_000;
    const sleeps: number[] = [];
    const wait = createIntervalLimiter(5, { now: () => now, sleep: async (ms) => void sleeps.push(ms) });

    // Act
    await wait('us-east-1');
    await wait('us-east-1');
    await wait('us-east-1');
    await wait('eu-west-1');
    now += 1_000;
    await wait('us-east-1');

    // Assess: 5/s = 200 ms apart; the other region is not delayed; after a pause no wait
    expect(sleeps).toEqual([200, 400]);
  });
});
