/**
 * In-use discovery end to end for services whose revisions say nothing: the real SDK, adapters and
 * sweep against the emulator. A service deployed before ECS recorded service revisions, or one an
 * external controller deploys through task sets, still runs its task definition when scaled back up.
 */
import { CreateServiceCommand, CreateTaskSetCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { Digest } from '../../src/lib/domain/types.js';
import { parsePolicyOrThrow } from '../../src/lib/policy/parse.js';
import { runSweep } from '../../src/lib/sweep.js';
import { forgetServiceRevisions } from '../emulator/control.js';
import { createCluster, createRepository, createService, currentRevisionArns, daysAgo, pushImage, registerTaskDefinition } from '../emulator/seed.js';
import { agreedVerdicts, type VerdictKind } from '../helpers/agreed-verdicts.js';
import { byOperation, emulatorAccount, storedImages, storedPolicy, storedTags } from '../helpers/emulator-account.js';
import { useEmulator } from '../helpers/use-emulator.js';

const { emu, ecr: seedEcr, ecs: seedEcs } = useEmulator();
/** The sweep's clock; every seeded time is relative to it (whole seconds: the emulator stores push times to the second). */
const NOW = new Date('2026-03-01T12:00:00.000Z');
const KEEP_TAG = /^prod-keep-[0-9a-f]{64}$/;

const push = async (tags: readonly string[], ageDays: number): Promise<Digest> =>
  (await pushImage(seedEcr, emu.control, { repository: 'shop/batch', tags, pushedAt: daysAgo(NOW, ageDays) })).digest;

/** The verdict of the stored policy on one image, with or without its protection tags, by the simulator and the reference evaluator alike. */
const verdictOf = async (digest: Digest, withProtection: boolean): Promise<VerdictKind | undefined> => {
  const text = await storedPolicy(seedEcr, 'shop/batch');
  if (text === undefined) throw new Error('no lifecycle policy stored on shop/batch');
  const images = (await storedImages(seedEcr, 'shop/batch')).map((image) =>
    withProtection ? image : { ...image, tags: image.tags.filter((t) => !KEEP_TAG.test(t)) },
  );
  return agreedVerdicts(parsePolicyOrThrow(text), images, NOW).get(digest);
};

describe('Function: collectReferences through runSweep (emulator)', () => {
  it('keeps protected the task definition images of services scaled to zero that report no revision', async () => {
    // Prepare: two old releases beyond "keep the newest 30 prod-*", each named only by a task definition
    const batch = await createRepository(seedEcr, 'shop/batch');
    const legacyImage = await push(['prod-1'], 200);
    const externalImage = await push(['prod-2'], 190);
    for (let day = 1; day <= 30; day += 1) await push([`prod-${100 + day}`], day);
    const prod = await createCluster(seedEcs, 'green', { environment: 'prod' });
    // `nightly`: created before ECS recorded service revisions, scaled to zero since.
    const nightly = await registerTaskDefinition(seedEcs, { family: 'nightly', launchType: 'EC2', containers: [{ name: 'app', image: `${batch.uri}:prod-1` }] });
    await createService(seedEcs, emu.control, { cluster: prod, serviceName: 'nightly', taskDefinition: nightly, desiredCount: 0, launchType: 'EC2' });
    await forgetServiceRevisions(emu.control, { cluster: 'green', service: 'nightly' });
    // Newer revisions registered since but never deployed: the family's newest is not what these services run.
    await registerTaskDefinition(seedEcs, { family: 'nightly', launchType: 'EC2', containers: [{ name: 'app', image: `${batch.uri}:prod-101` }] });
    // `reindex`: deployed by an external controller through a task set, scaled to zero.
    const reindex = await registerTaskDefinition(seedEcs, { family: 'reindex', launchType: 'EC2', containers: [{ name: 'app', image: `${batch.uri}:prod-2` }] });
    await seedEcs.send(new CreateServiceCommand({ cluster: prod, serviceName: 'reindex', desiredCount: 0, deploymentController: { type: 'EXTERNAL' } }));
    await seedEcs.send(new CreateTaskSetCommand({ cluster: prod, service: 'reindex', taskDefinition: reindex, launchType: 'EC2' }));
    await registerTaskDefinition(seedEcs, { family: 'reindex', launchType: 'EC2', containers: [{ name: 'app', image: `${batch.uri}:prod-101` }] });
    expect([...(await currentRevisionArns(seedEcs, prod, 'nightly')), ...(await currentRevisionArns(seedEcs, prod, 'reindex'))]).toEqual([]);
    const account = emulatorAccount(emu, { now: NOW });

    // Act
    const report = await runSweep(account.deps, { mode: 'apply', regions: [account.region] });

    // Assess
    expect(report.inUse.complete).toBe(true);
    const uses = new Map(report.inUse.images.map((image) => [image.digest, image.uses.map((u) => `${u.kind} ${u.service ?? ''} ${u.arn}`)]));
    expect(uses.get(legacyImage)).toEqual([`task-definition nightly ${nightly}`]);
    expect(uses.get(externalImage)).toEqual([`task-definition reindex ${reindex}`]);
    expect(await storedTags(seedEcr, 'shop/batch', legacyImage)).toContain(`prod-keep-${legacyImage.slice('sha256:'.length)}`);
    expect(await storedTags(seedEcr, 'shop/batch', externalImage)).toContain(`prod-keep-${externalImage.slice('sha256:'.length)}`);
    // The stored policy keeps both, and only because of their protection tags.
    for (const digest of [legacyImage, externalImage]) {
      expect(await verdictOf(digest, true)).toBe('keep');
      expect(await verdictOf(digest, false)).toBe('expire');
    }
    expect(byOperation(account.counts)['ECS:DescribeTaskDefinition']).toBeGreaterThan(0);
  });
});
