/**
 * Task definition families end to end: the real SDK and adapters against the emulator, through
 * `collectInUse` and `resolveInUse`. A job started on demand (`run-task`, Step Functions) runs
 * nothing between runs; the newest ACTIVE revisions of its family must keep its image.
 */
import { DeregisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { KeeperConfig } from '../../../src/lib/config.js';
import { toAccountId, type Digest, type InUseImage } from '../../../src/lib/domain/types.js';
import { resolveInUse } from '../../../src/lib/inuse.js';
import { collectInUse } from '../../../src/lib/sources/index.js';
import { createRepository, pushImage, registerTaskDefinition } from '../../emulator/seed.js';
import { configFactory } from '../../helpers/factories.js';
import { useEmulator } from '../../helpers/use-emulator.js';

const { emu, ecr, ecs, region, adapters } = useEmulator();
const NOW = new Date('2026-03-01T12:00:00.000Z');
const configWith = (revisions: number): KeeperConfig =>
  configFactory({ regions: [emu.region], inUse: { scheduledTasks: false, taskDefinitionRevisions: revisions, inspectorInUseDays: 0 } });

const inUseSet = async (config: KeeperConfig): Promise<{ readonly images: readonly InUseImage[]; readonly complete: boolean }> => {
  const collected = await collectInUse({ region, adapters, config, now: NOW });
  const resolved = await resolveInUse(collected.references, () => adapters.ecr, new Set([toAccountId(emu.accountId)]), config);
  return { images: resolved.images, complete: collected.complete && resolved.complete };
};

const kept = (images: readonly InUseImage[], digests: Readonly<Record<string, Digest>>): string[] =>
  Object.entries(digests)
    .filter(([, digest]) => images.some((image) => image.digest === digest && image.uses.some((use) => use.kind === 'task-definition')))
    .map(([tag]) => tag);

describe('Source: task-definitions (emulator)', () => {
  it('keeps the images of the newest N ACTIVE revisions of a family that nothing runs, and no older one', async () => {
    // Prepare: revisions 1..4 run v1..v4; revision 4 is deregistered
    const repository = await createRepository(ecr, 'jobs/migrate');
    const digests: Record<string, Digest> = {};
    for (const tag of ['v1', 'v2', 'v3', 'v4']) {
      digests[tag] = (await pushImage(ecr, emu.control, { repository: 'jobs/migrate', tags: [tag], pushedAt: NOW })).digest;
      await registerTaskDefinition(ecs, { family: 'migrate', launchType: 'FARGATE', containers: [{ name: 'job', image: `${repository.uri}:${tag}` }] });
    }
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'migrate:4' }));

    // Act
    const newest = await inUseSet(configWith(1));
    const newestTwo = await inUseSet(configWith(2));

    // Assess
    expect(newest.complete).toBe(true);
    expect(kept(newest.images, digests)).toEqual(['v3']);
    expect(newestTwo.complete).toBe(true);
    expect(kept(newestTwo.images, digests)).toEqual(['v2', 'v3']);
    expect(newestTwo.images.find((image) => image.digest === digests['v3'])?.uses.map((use) => use.arn)).toEqual([
      `arn:aws:ecs:${emu.region}:${emu.accountId}:task-definition/migrate:3`,
    ]);
  });
});
