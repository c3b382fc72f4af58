/**
 * A sweep whose time budget runs out midway (issue 8): it reports what was left, and the next run
 * finishes the work without repeating a write.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig, type KeeperConfig } from '../../src/lib/config.js';
import type { Region } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { runSweep, type SweepDeps } from '../../src/lib/sweep.js';
import { digestOf } from '../helpers/factories.js';
import { FakeBatch, FakeEcr, FakeEcs, FakeEvents, FakeInspector, FakeLambda, FakeScheduler } from '../helpers/fakes.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const REGION = 'us-east-1' as Region;
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * 86_400_000);
// One repository at a time, so "stop after the first" is deterministic.
const config: KeeperConfig = parseConfig({ ...JSON.parse(readFileSync('config/default.json', 'utf8')), concurrency: { repositories: 1 } });

describe('Function: runSweep (time budget)', () => {
  it('starts no repository once the budget is spent, reports the rest as left, and the next run finishes them without repeating a write', async () => {
    // Prepare: three repositories, each with one running image
    const ecr = new FakeEcr({ now: () => NOW });
    const ecs = new FakeEcs().withCluster('prod');
    for (const name of ['a/one', 'b/two', 'c/three']) {
      const digest = digestOf(name);
      ecr.withImage(name, { digest, tags: ['v1'], pushedAt: daysAgo(3) });
      ecs.withTask('prod', { containers: [{ image: `${HOST}/${name}:v1`, imageDigest: digest }] });
    }
    let started = 0;
    const deps: SweepDeps = {
      config,
      log: silentLog,
      now: () => NOW,
      adaptersFor: (region) => ({ region, ecr, ecs, inspector: new FakeInspector(), events: new FakeEvents(), scheduler: new FakeScheduler(), lambda: new FakeLambda(), batch: new FakeBatch() }),
    };
    const stopAfterOne: SweepDeps = { ...deps, shouldStop: () => started++ >= 1 };

    // Act
    const first = await runSweep(stopAfterOne, { mode: 'apply', regions: [REGION] });
    const writesOfFirst = ecr.writeCalls().map((c) => JSON.stringify(c));
    const second = await runSweep(deps, { mode: 'apply', regions: [REGION] });
    const writesOfSecond = ecr.writeCalls().map((c) => JSON.stringify(c)).slice(writesOfFirst.length);
    const third = await runSweep(deps, { mode: 'apply', regions: [REGION] });

    // Assess
    expect(first.totals.leftForNextRun).toBe(2);
    expect(first.repositories.filter((o) => o.status === 'skipped').map((o) => o.reasons[0])).toEqual([
      expect.stringMatching(/left for the next run/),
      expect.stringMatching(/left for the next run/),
    ]);
    // The first repository got its protection; its policy write waits for a re-check the budget no
    // longer allows, so the next run makes it, after reading every consumer again.
    expect(first.totals).toMatchObject({ tagsAdded: 2, policiesWritten: 0 });
    expect(second.totals.leftForNextRun).toBe(0);
    expect(second.totals).toMatchObject({ tagsAdded: 4, policiesWritten: 3 });
    // Nothing the first run wrote is written again.
    expect(writesOfSecond.filter((w) => writesOfFirst.includes(w))).toEqual([]);
    expect(third.totals).toMatchObject({ tagsAdded: 0, policiesWritten: 0, unchanged: 3 });
  });
});
