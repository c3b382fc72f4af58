/**
 * Inspector's in-use data end to end: the real SDK and adapters against the emulator (which adds
 * ListCoverage, patch j), through `collectInUse` and `resolveInUse`. An image Inspector saw running
 * (ECS or EKS) within the window is in use by its digest, whatever its tags say.
 */
import { describe, expect, it } from 'vitest';
import { toAccountId } from '../../../src/lib/domain/types.js';
import { resolveInUse } from '../../../src/lib/inuse.js';
import { collectInUse } from '../../../src/lib/sources/index.js';
import { createRepository, daysAgo, pushImage } from '../../emulator/seed.js';
import { configFactory } from '../../helpers/factories.js';
import { useEmulator } from '../../helpers/use-emulator.js';

const { emu, ecr, region, adapters } = useEmulator();
const NOW = new Date('2026-03-01T12:00:00.000Z');
const config = configFactory({ regions: [emu.region], inUse: { scheduledTasks: false, taskDefinitionRevisions: 0, inspectorInUseDays: 14 } });

describe('Source: inspector (emulator)', () => {
  it('keeps an image only Inspector coverage saw in use within the window, by digest, and not one seen before it', async () => {
    // Prepare: an EKS workload ran `recent` two days ago; `stale` last ran 30 days ago
    await createRepository(ecr, 'team/api');
    const recent = await pushImage(ecr, emu.control, { repository: 'team/api', tags: ['v2'], pushedAt: daysAgo(NOW, 60) });
    const stale = await pushImage(ecr, emu.control, { repository: 'team/api', tags: ['v1'], pushedAt: daysAgo(NOW, 90) });
    await emu.seedCoverage([
      { repositoryName: 'team/api', imageDigest: recent.digest, lastInUseAt: daysAgo(NOW, 2), inUseCount: 3 },
      { repositoryName: 'team/api', imageDigest: stale.digest, lastInUseAt: daysAgo(NOW, 30), inUseCount: 0 },
    ]);

    // Act
    const collected = await collectInUse({ region, adapters, config, now: NOW });
    const resolved = await resolveInUse(collected.references, () => adapters.ecr, new Set([toAccountId(emu.accountId)]), config);

    // Assess
    expect(collected.complete).toBe(true);
    expect(collected.warnings).toEqual([]);
    expect(resolved.images.map((image) => [image.repository, image.digest, image.uses.map((use) => use.kind)])).toEqual([
      ['team/api', recent.digest, ['inspector']],
    ]);
    expect(resolved.images[0]?.uses[0]?.arn).toBe(`arn:aws:ecr:${emu.region}:${emu.accountId}:repository/team/api/${recent.digest}`);
  });
});
