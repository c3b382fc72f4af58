/**
 * The safety core of issue 6, end to end: `runSweep` in apply mode over the real adapters and the
 * real SDK against the emulator, with faults injected by wrapping one real port (a refused call, an
 * unreadable consumer region, the world changing between two reads of one sweep). Every test reads
 * back what ECR stores afterwards (DescribeImages, GetLifecyclePolicy) and judges the stored policy
 * on the stored images with the project's simulator and, independently, the naive reference evaluator.
 */
import { PutImageCommand, PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { parseConfig, DEFAULT_CONFIG, type KeeperConfig } from '../../src/lib/config.js';
import { toRegion, type Digest, type ImageRecord } from '../../src/lib/domain/types.js';
import { parsePolicyOrThrow } from '../../src/lib/policy/parse.js';
import { runSweep, type RepositoryOutcome, type SweepReport } from '../../src/lib/sweep.js';
import {
  createCluster,
  createRepository,
  createService,
  daysAgo,
  pushImage,
  registerTaskDefinition,
  runTask,
  setDeploymentStatus,
  updateService,
  type PushedImage,
} from '../emulator/seed.js';
import { agreedVerdicts, type VerdictKind } from '../helpers/agreed-verdicts.js';
import { byOperation, runContainer, storedImages, storedPolicy, storedTags } from '../helpers/emulator-account.js';
import {
  accessDenied,
  ecrWithFaults,
  ecsClientIn,
  ecsWithDiscoveryHook,
  multiRegionAccount,
  unreadableEcs,
} from '../helpers/emulator-faults.js';
import { useEmulator } from '../helpers/use-emulator.js';

const { emu, ecr: seedEcr, ecs: seedEcs } = useEmulator();
/** The sweep's clock; every seeded time is relative to it (whole seconds: the emulator stores push times to the second). */
const NOW = new Date('2026-03-01T12:00:00.000Z');
const US = toRegion('us-east-1');
const EU = toRegion('eu-west-1');
const PROTECTION = /^(?:prod|dev)-keep-[0-9a-f]{64}$/;
const HOME = /^(?:prod|dev)-kept-[0-9a-f]{64}$/;

const hex = (digest: Digest): string => digest.slice('sha256:'.length);
const keepTag = (environment: 'prod' | 'dev', digest: Digest): string => `${environment}-keep-${hex(digest)}`;
const homeTag = (environment: 'prod' | 'dev', digest: Digest): string => `${environment}-kept-${hex(digest)}`;
const outcome = (report: SweepReport, repository: string): RepositoryOutcome | undefined => report.repositories.find((o) => o.repository === repository);

/** The default config (config/default.json) with `overrides` on top. */
const config = (overrides: Record<string, unknown> = {}): KeeperConfig =>
  parseConfig({ ...(DEFAULT_CONFIG as Record<string, unknown>), ...overrides });

/** Pushes an image with `tags`, pushed `ageDays` ago and (when given) last pulled `pulledDaysAgo` ago. */
const push = async (repository: string, tags: readonly string[], ageDays: number, pulledDaysAgo?: number): Promise<PushedImage> =>
  pushImage(seedEcr, emu.control, {
    repository,
    tags,
    pushedAt: daysAgo(NOW, ageDays),
    ...(pulledDaysAgo === undefined ? {} : { lastPulledAt: daysAgo(NOW, pulledDaysAgo) }),
  });

/** Adds `tag` to a pushed image as any client does (PutImage of the same bytes), e.g. a protection tag from an earlier sweep. */
const addTag = async (repository: string, image: PushedImage, tag: string): Promise<void> => {
  await seedEcr.send(
    new PutImageCommand({ repositoryName: repository, imageManifest: image.manifest, imageManifestMediaType: image.mediaType, imageDigest: image.digest, imageTag: tag }),
  );
};

/** The stored policy, parsed; fails the test when the repository has none. */
const storedPolicyOf = async (repository: string) => {
  const text = await storedPolicy(seedEcr, repository);
  if (text === undefined) throw new Error(`no lifecycle policy stored on ${repository}`);
  return parsePolicyOrThrow(text);
};

/** The stored policy's verdict on each stored image (optionally edited first), now, by the simulator and the reference evaluator alike. */
const storedVerdicts = async (repository: string, edit: (images: ImageRecord[]) => ImageRecord[] = (i) => i): Promise<ReadonlyMap<Digest, VerdictKind>> =>
  agreedVerdicts(await storedPolicyOf(repository), edit(await storedImages(seedEcr, repository)), NOW);

const verdict = (verdicts: ReadonlyMap<Digest, VerdictKind>, digest: Digest): VerdictKind | undefined => verdicts.get(digest);

/** The listing with every ecr-keeper tag (protection and home) taken off `digest`. */
const withoutKeeperTags = (digest: Digest) => (images: ImageRecord[]): ImageRecord[] =>
  images.map((i) => (i.digest === digest ? { ...i, tags: i.tags.filter((t) => !PROTECTION.test(t) && !HOME.test(t)) } : i));

const keeperTagCount = async (repository: string): Promise<number> =>
  (await storedImages(seedEcr, repository)).flatMap((i) => i.tags).filter((t) => PROTECTION.test(t) || HOME.test(t)).length;

describe('Function: runSweep, safety of issue 6 (emulator)', () => {
  describe.each([
    { where: 'a configured region', twoRegions: config({ regions: [US, EU] }) },
    { where: 'a consumer region', twoRegions: config({ regions: [US], consumerRegions: [EU] }) },
  ])('finding 1: a narrowed sweep still reads every consumer region (eu-west-1 as $where)', ({ twoRegions }) => {

    /** shop/api in us-east-1: `running` (protected by an earlier sweep, last pulled 40 days ago) and `spare` (never used). */
    const seed = async () => {
      const api = await createRepository(seedEcr, 'shop/api');
      const running = await push('shop/api', ['v1'], 100, 40);
      await addTag('shop/api', running, keepTag('prod', running.digest));
      await emu.setImageTimes({ repositoryName: 'shop/api', imageDigest: running.digest, imagePushedAt: daysAgo(NOW, 100), lastRecordedPullTime: daysAgo(NOW, 40) });
      const spare = await push('shop/api', ['v0'], 120);
      return { api, running, spare };
    };

    it('keeps the protection of a us-east-1 image whose only consumer is a task in eu-west-1, when only us-east-1 is swept', async () => {
      // Prepare: the only workload on `running` is a Fargate task in eu-west-1 pulling from us-east-1
      const { api, running } = await seed();
      const euEcs = ecsClientIn(emu, EU);
      const cluster = await createCluster(euEcs, 'green', { environment: 'prod' });
      const taskDefinition = await registerTaskDefinition(euEcs, { family: 'api-eu', launchType: 'FARGATE', containers: [{ name: 'app', image: `${api.uri}:v1` }] });
      await runTask(euEcs, emu.control, { cluster, taskDefinition, launchType: 'FARGATE', region: EU });
      const account = multiRegionAccount(emu, { now: NOW, regions: [US, EU], config: twoRegions });

      // Act
      const report = await runSweep(account.deps, { mode: 'apply', regions: [US] });

      // Assess
      expect(report.failures).toEqual([]);
      expect(report.inUse.complete).toBe(true);
      expect(report.regions).toEqual(
        expect.arrayContaining([expect.objectContaining({ region: US, planned: true, ok: true }), expect.objectContaining({ region: EU, planned: false, ok: true })]),
      );
      const seen = report.inUse.images.find((i) => i.digest === running.digest);
      expect(seen?.uses.map((u) => u.region)).toContain(EU);
      expect(await storedTags(seedEcr, 'shop/api', running.digest)).toContain(keepTag('prod', running.digest));
      expect(outcome(report, 'shop/api')?.applied.tagsReleased).toBe(0);
      expect(byOperation(account.counts)['ECR:BatchDeleteImage']).toBeUndefined();
      expect(verdict(await storedVerdicts('shop/api'), running.digest)).toBe('keep');
      // What keeps it is ecr-keeper's tags: 100 days old and tagged v1, the catch-all would take it.
      expect(verdict(await storedVerdicts('shop/api', withoutKeeperTags(running.digest)), running.digest)).toBe('expire');
    });

    it('releases nothing and writes no policy when a consumer region cannot be read', async () => {
      // Prepare: eu-west-1 refuses every ECS call; in us-east-1 nothing runs `running` any more
      const { running } = await seed();
      const account = multiRegionAccount(emu, {
        now: NOW,
        regions: [US, EU],
        config: twoRegions,
        wrap: { [EU]: (adapters) => ({ ...adapters, ecs: unreadableEcs(adapters.ecs) }) },
      });

      // Act
      const report = await runSweep(account.deps, { mode: 'apply', regions: [US] });

      // Assess
      expect(report.inUse.complete).toBe(false);
      expect(report.failures.some((f) => f.stage === 'in-use' && f.scope.includes(EU))).toBe(true);
      expect(report.regions).toEqual(expect.arrayContaining([expect.objectContaining({ region: EU, ok: false })]));
      expect(await storedTags(seedEcr, 'shop/api', running.digest)).toEqual([keepTag('prod', running.digest), 'v1'].sort());
      expect(await storedPolicy(seedEcr, 'shop/api')).toBeUndefined();
      const ops = byOperation(account.counts);
      expect(ops['ECR:PutLifecyclePolicy']).toBeUndefined();
      expect(ops['ECR:BatchDeleteImage']).toBeUndefined();
      expect(report.totals).toMatchObject({ tagsReleased: 0, policiesWritten: 0 });
    });
  });

  describe('finding 2: a partial apply leaves no in-use image at risk', () => {
    /** The repository's own policy: keep the newest image tagged prod*. */
    const OWN_POLICY = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: 'keep the newest prod* image',
          selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 1 },
          action: { type: 'expire' },
        },
      ],
    });

    it.each([
      { denied: 'every PutLifecyclePolicy', deny: (_text: string, _n: number) => true, guard: false },
      { denied: 'the final PutLifecyclePolicy (the guard lands)', deny: (_text: string, n: number) => n > 1, guard: true },
    ])('with $denied refused (AccessDenied), leaves A (prod-a) and the newer untagged B safe and counts the tags that landed', async ({ deny, guard }) => {
      // Prepare: A runs by tag, B (newer, untagged) by digest; a protection tag on B alone would
      // make B the newest prod* image and expire A under the repository's own policy.
      const api = await createRepository(seedEcr, 'shop/api');
      const a = await push('shop/api', ['prod-a'], 20);
      const b = await push('shop/api', [], 3);
      await seedEcr.send(new PutLifecyclePolicyCommand({ repositoryName: 'shop/api', lifecyclePolicyText: OWN_POLICY }));
      const cluster = await createCluster(seedEcs, 'green', { environment: 'prod' });
      await runContainer(seedEcs, emu.control, { cluster, family: 'api-a', image: `${api.uri}:prod-a` });
      await runContainer(seedEcs, emu.control, { cluster, family: 'api-b', image: `${api.uri}@${b.digest}` });
      const refused: string[] = [];
      const account = multiRegionAccount(emu, {
        now: NOW,
        regions: [US],
        wrap: {
          [US]: (adapters) => ({
            ...adapters,
            ecr: ecrWithFaults(adapters.ecr, {
              putLifecyclePolicy: (repository, text, n) => {
                if (!deny(text, n)) return undefined;
                refused.push(text);
                return accessDenied('ecr:PutLifecyclePolicy', repository);
              },
            }),
          }),
        },
      });

      // Act
      const report = await runSweep(account.deps, { mode: 'apply', regions: [US] });

      // Assess
      const result = outcome(report, 'shop/api');
      expect(refused.length).toBeGreaterThan(0);
      expect(result?.status).toBe('failed');
      expect(result?.failure).toMatchObject({ stage: 'apply', code: 'AccessDeniedException', action: 'ecr:PutLifecyclePolicy' });
      const stored = await storedVerdicts('shop/api');
      expect(verdict(stored, a.digest)).toBe('keep');
      expect(verdict(stored, b.digest)).toBe('keep');
      expect(result?.applied.tagsAdded).toBe(await keeperTagCount('shop/api'));
      expect(result?.applied.tagsAdded).toBe(byOperation(account.counts)['ECR:PutImage'] ?? 0);
      expect(report.totals.tagsAdded).toBe(result?.applied.tagsAdded);
      // What is stored is the repository's own policy, alone or behind the guard's protection rules, never the target.
      expect(result?.applied.guardWritten).toBe(guard);
      expect(result?.applied.policyWritten).toBe(false);
      expect((await storedPolicyOf('shop/api')).rules.map((r) => r.description)).toEqual([
        ...(guard ? ['ecr-keeper: protection (prod)', 'ecr-keeper: protection (dev)'] : []),
        'keep the newest prod* image',
      ]);
    });
  });

  it('finding 3: keeps the protection of an image a rollback starts to use between the first read and the release', async () => {
    // Prepare: service api went X (v1) -> Y (v2) -> Z (v3); X, protected by an earlier sweep, has been
    // out of use and unpulled for 40 days, so the first read finds it releasable.
    const api = await createRepository(seedEcr, 'shop/api');
    const x = await push('shop/api', ['v1'], 100, 40);
    await addTag('shop/api', x, keepTag('prod', x.digest));
    await emu.setImageTimes({ repositoryName: 'shop/api', imageDigest: x.digest, imagePushedAt: daysAgo(NOW, 100), lastRecordedPullTime: daysAgo(NOW, 40) });
    const y = await push('shop/api', ['v2'], 30);
    const z = await push('shop/api', ['v3'], 10);
    const cluster = await createCluster(seedEcs, 'green', { environment: 'prod' });
    const revisionOf = (tag: string): Promise<string> =>
      registerTaskDefinition(seedEcs, { family: 'api', launchType: 'FARGATE', containers: [{ name: 'api', image: `${api.uri}:${tag}` }] });
    const v1 = await revisionOf('v1');
    const v2 = await revisionOf('v2');
    const v3 = await revisionOf('v3');
    await createService(seedEcs, emu.control, { cluster, serviceName: 'api', taskDefinition: v1, desiredCount: 1, launchType: 'FARGATE' });
    await updateService(seedEcs, emu.control, { cluster, serviceName: 'api', taskDefinition: v2 });
    await updateService(seedEcs, emu.control, { cluster, serviceName: 'api', taskDefinition: v3 });
    // The rollback to X starts once the sweep has read its consumers: deployment in progress, no X task yet.
    const discoveries: number[] = [];
    const account = multiRegionAccount(emu, {
      now: NOW,
      regions: [US],
      wrap: {
        [US]: (adapters) => ({
          ...adapters,
          ecs: ecsWithDiscoveryHook(adapters.ecs, async (n) => {
            discoveries.push(n);
            if (n !== 2) return;
            await updateService(seedEcs, emu.control, { cluster, serviceName: 'api', taskDefinition: v1, replaceTasks: false });
            await setDeploymentStatus(emu.control, { cluster, service: 'api', status: 'IN_PROGRESS' });
          }),
        }),
      },
    });

    // Act
    const report = await runSweep(account.deps, { mode: 'apply', regions: [US] });

    // Assess
    expect(report.failures).toEqual([]);
    // The first read found X unused (only Y and Z in use), so a release was pending and re-checked.
    expect(report.inUse.images.map((i) => i.digest).sort()).toEqual([y.digest, z.digest].sort());
    expect(report.inUse.releaseRecheck).toMatchObject({ complete: true });
    expect(discoveries).toEqual([1, 2]);
    expect(await storedTags(seedEcr, 'shop/api', x.digest)).toContain(keepTag('prod', x.digest));
    expect(outcome(report, 'shop/api')?.applied.tagsReleased).toBe(0);
    expect(byOperation(account.counts)['ECR:BatchDeleteImage']).toBeUndefined();
    expect(verdict(await storedVerdicts('shop/api'), x.digest)).toBe('keep');
  });

  describe('finding 4: a release never deletes an image', () => {
    it('keeps an image whose other tag CI moves away just before its protection tag is removed', async () => {
      // Prepare: X carries `latest` and its protection tag, out of use and unpulled for 40 days
      await createRepository(seedEcr, 'shop/api');
      const x = await push('shop/api', ['latest'], 100, 40);
      await addTag('shop/api', x, keepTag('prod', x.digest));
      await emu.setImageTimes({ repositoryName: 'shop/api', imageDigest: x.digest, imagePushedAt: daysAgo(NOW, 100), lastRecordedPullTime: daysAgo(NOW, 40) });
      let fresh: PushedImage | undefined;
      const account = multiRegionAccount(emu, {
        now: NOW,
        regions: [US],
        wrap: {
          [US]: (adapters) => ({
            ...adapters,
            // CI pushes a new `latest` after the sweep listed X, right before the release call.
            ecr: ecrWithFaults(adapters.ecr, {
              beforeRemoveImageTag: async (_repository, _tag, n) => {
                if (n === 1) fresh = await push('shop/api', ['latest'], 0);
              },
            }),
          }),
        },
      });

      // Act
      const report = await runSweep(account.deps, { mode: 'apply', regions: [US] });

      // Assess
      expect(fresh).toBeDefined();
      expect(report.failures).toEqual([]);
      expect((await storedImages(seedEcr, 'shop/api')).map((i) => i.digest)).toContain(x.digest);
      expect(await storedTags(seedEcr, 'shop/api', x.digest)).toEqual([homeTag('prod', x.digest)]);
      expect(await storedTags(seedEcr, 'shop/api', fresh?.digest ?? x.digest)).toEqual(['latest']);
      expect(outcome(report, 'shop/api')?.applied.tagsReleased).toBe(1);
    });

    it('releases an image whose only tag was its protection, idle 410 days, back under the baseline', async () => {
      // Prepare: W was protected and has only that tag; 30 newer prod releases fill "keep the newest 30 prod-*".
      await createRepository(seedEcr, 'shop/api');
      const w = await push('shop/api', [], 410, 410);
      await addTag('shop/api', w, keepTag('prod', w.digest));
      await emu.setImageTimes({ repositoryName: 'shop/api', imageDigest: w.digest, imagePushedAt: daysAgo(NOW, 410), lastRecordedPullTime: daysAgo(NOW, 410) });
      const newer: Digest[] = [];
      for (let day = 1; day <= 30; day += 1) newer.push((await push('shop/api', [`prod-${200 - day}`], day)).digest);
      const account = multiRegionAccount(emu, { now: NOW, regions: [US] });

      // Act
      const report = await runSweep(account.deps, { mode: 'apply', regions: [US] });

      // Assess
      expect(report.failures).toEqual([]);
      expect(await storedTags(seedEcr, 'shop/api', w.digest)).toEqual([homeTag('prod', w.digest)]);
      expect(outcome(report, 'shop/api')?.applied).toMatchObject({ tagsReleased: 1, policyWritten: true });
      const stored = await storedVerdicts('shop/api');
      expect(verdict(stored, w.digest)).toBe('expire');
      for (const digest of newer) expect(verdict(stored, digest)).toBe('keep');
    });
  });

  it('finding 7: keeps the signatures of an in-use image protected and not expiring', async () => {
    // Prepare: S runs in prod; its cosign signature carries a protection tag from an earlier sweep and
    // has not been pulled for 60 days; its SBOM (untagged, 10 days old) is not protected yet.
    const api = await createRepository(seedEcr, 'shop/api');
    const s = await pushImage(seedEcr, emu.control, { repository: 'shop/api', tags: ['v1'], pushedAt: daysAgo(NOW, 60), format: 'oci' });
    const subject = { digest: s.digest, mediaType: s.mediaType, size: Buffer.byteLength(s.manifest) };
    const signature = await pushImage(seedEcr, emu.control, {
      repository: 'shop/api',
      tags: [],
      pushedAt: daysAgo(NOW, 60),
      format: 'oci',
      subject,
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    });
    await addTag('shop/api', signature, keepTag('prod', signature.digest));
    await emu.setImageTimes({ repositoryName: 'shop/api', imageDigest: signature.digest, imagePushedAt: daysAgo(NOW, 60) });
    const sbom = await pushImage(seedEcr, emu.control, { repository: 'shop/api', tags: [], pushedAt: daysAgo(NOW, 10), format: 'oci', subject, artifactType: 'application/spdx+json' });
    const cluster = await createCluster(seedEcs, 'green', { environment: 'prod' });
    await runContainer(seedEcs, emu.control, { cluster, family: 'api', image: `${api.uri}:v1` });
    const listed = await storedImages(seedEcr, 'shop/api');
    expect(listed.find((i) => i.digest === signature.digest)?.subjectDigest).toBe(s.digest);
    const account = multiRegionAccount(emu, { now: NOW, regions: [US] });

    // Act
    const report = await runSweep(account.deps, { mode: 'apply', regions: [US] });

    // Assess
    expect(report.failures).toEqual([]);
    // Both referrers are in use with their subject, through the listing's subjectManifestDigest.
    expect(outcome(report, 'shop/api')?.plan?.inUseBySource['referrer']).toBe(2);
    expect(await storedTags(seedEcr, 'shop/api', signature.digest)).toContain(keepTag('prod', signature.digest));
    expect(await storedTags(seedEcr, 'shop/api', sbom.digest)).toContain(keepTag('prod', sbom.digest));
    expect(byOperation(account.counts)['ECR:BatchDeleteImage']).toBeUndefined();
    const stored = await storedVerdicts('shop/api');
    expect(verdict(stored, s.digest)).toBe('keep');
    expect(verdict(stored, signature.digest)).toBe('keep');
    expect(verdict(stored, sbom.digest)).toBe('keep');
    // Untagged and 10 days old: without its protection the untagged rule would take the SBOM.
    expect(verdict(await storedVerdicts('shop/api', withoutKeeperTags(sbom.digest)), sbom.digest)).toBe('expire');
  });

  it('finding 8: merge keeps the repository\'s own "release-* forever" above the baseline and lists every newly expiring image', async () => {
    // Prepare: own rules keep release-* forever and the newest two ci-* builds
    const api = await createRepository(seedEcr, 'shop/api');
    const ownPolicy = JSON.stringify({
      rules: [
        {
          rulePriority: 1,
          description: 'releases are kept forever',
          selection: { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 36500 },
          action: { type: 'expire' },
        },
        {
          rulePriority: 2,
          description: 'keep the newest two CI builds',
          selection: { tagStatus: 'tagged', tagPatternList: ['ci-*'], countType: 'imageCountMoreThan', countNumber: 2 },
          action: { type: 'expire' },
        },
      ],
    });
    const release1 = await push('shop/api', ['release-1.0'], 400);
    await push('shop/api', ['release-2.0'], 200);
    for (const [i, age] of [50, 40, 30, 20].entries()) await push('shop/api', [`ci-${i + 1}`], age);
    const running = await push('shop/api', ['prod-7'], 150);
    await push('shop/api', ['prod-8'], 100);
    await push('shop/api', ['prod-9'], 5);
    await push('shop/api', [], 20);
    await push('shop/api', ['v0.9'], 200);
    await seedEcr.send(new PutLifecyclePolicyCommand({ repositoryName: 'shop/api', lifecyclePolicyText: ownPolicy }));
    const before = agreedVerdicts(parsePolicyOrThrow(ownPolicy), await storedImages(seedEcr, 'shop/api'), NOW);
    const cluster = await createCluster(seedEcs, 'green', { environment: 'prod' });
    await runContainer(seedEcs, emu.control, { cluster, family: 'api', image: `${api.uri}:prod-7` });
    const account = multiRegionAccount(emu, { now: NOW, regions: [US] });

    // Act
    const report = await runSweep(account.deps, { mode: 'apply', regions: [US] });

    // Assess
    const result = outcome(report, 'shop/api');
    expect(result?.status).toBe('applied');
    expect(result?.applied.policyWritten).toBe(true);
    const written = await storedPolicyOf('shop/api');
    const ownAt = written.rules.findIndex((r) => r.description === 'releases are kept forever');
    const baselineAt = written.rules.findIndex((r) => r.description?.startsWith('ecr-keeper:') === true && !r.description.includes('protection'));
    expect(ownAt).toBeGreaterThanOrEqual(0);
    expect(ownAt).toBeLessThan(baselineAt);
    const after = await storedVerdicts('shop/api');
    expect(verdict(after, release1.digest)).toBe('keep');
    // Only the own rule keeps it: 400 days old, the catch-all would take it otherwise.
    const withoutOwn = { rules: written.rules.filter((r) => r.description !== 'releases are kept forever') };
    expect(verdict(agreedVerdicts(withoutOwn, await storedImages(seedEcr, 'shop/api'), NOW), release1.digest)).toBe('expire');
    expect(verdict(after, running.digest)).toBe('keep');
    const newly = [...after]
      .filter(([digest, kind]) => kind !== 'keep' && before.get(digest) === 'keep')
      .map(([digest]) => digest)
      .sort();
    expect(newly.length).toBeGreaterThan(0);
    expect(result?.plan?.newlyExpiring.map((a) => a.digest).sort()).toEqual(newly);
  });

  it('finding 9: never removes a user\'s prod-keep-<hex of another digest> tag, while releasing the image\'s own', async () => {
    // Prepare: U carries its own protection tag (idle 100 days, releasable) and a tag a user made by
    // hand that names D's digest; neither U nor D is in use.
    await createRepository(seedEcr, 'shop/api');
    const d = await push('shop/api', ['v2'], 90, 90);
    const u = await push('shop/api', ['v1'], 100, 100);
    const foreign = keepTag('prod', d.digest);
    await addTag('shop/api', u, foreign);
    await addTag('shop/api', u, keepTag('prod', u.digest));
    await emu.setImageTimes({ repositoryName: 'shop/api', imageDigest: u.digest, imagePushedAt: daysAgo(NOW, 100), lastRecordedPullTime: daysAgo(NOW, 100) });
    const account = multiRegionAccount(emu, { now: NOW, regions: [US] });

    // Act
    const report = await runSweep(account.deps, { mode: 'apply', regions: [US] });

    // Assess
    expect(report.failures).toEqual([]);
    expect(await storedTags(seedEcr, 'shop/api', u.digest)).toEqual([foreign, homeTag('prod', u.digest), 'v1'].sort());
    expect(await storedTags(seedEcr, 'shop/api', d.digest)).toEqual(['v2']);
    expect(outcome(report, 'shop/api')?.applied.tagsReleased).toBe(1);
  });
});
