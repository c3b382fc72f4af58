/**
 * The sweep end to end: the real SDK and the real adapters against the emulator. Every assertion
 * reads back what ECR really stores (DescribeImages, GetLifecyclePolicy) or what went over the wire
 * (call counts by operation and repository), the same scenarios test/lib/sweep.test.ts runs on fakes.
 */
import { DeleteRepositoryCommand, PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { beforeEach, describe, expect, it } from 'vitest';
import { writeCallsIn, type CallCounts } from '../helpers/call-counter.js';
import type { Digest, ImageRecord } from '../../src/lib/domain/types.js';
import { parsePolicyOrThrow } from '../../src/lib/policy/parse.js';
import { runSweep, type SweepReport } from '../../src/lib/sweep.js';
import {
  createCluster,
  createRepository,
  createService,
  daysAgo,
  pushImage,
  registerTaskDefinition,
  seedDemoAccount,
  setDeploymentStatus,
  updateService,
  type SeededRepository,
} from '../emulator/seed.js';
import {
  byOperation,
  countsSince,
  defaultConfig,
  emulatorAccount,
  runContainer,
  snapshot,
  storedImages,
  storedPolicy,
  storedTags,
  writesIn,
  writesTo,
  type EmulatorAccount,
} from '../helpers/emulator-account.js';
import { agreedVerdicts, type VerdictKind } from '../helpers/agreed-verdicts.js';
import { useEmulator } from '../helpers/use-emulator.js';

const { emu, ecr: seedEcr, ecs: seedEcs } = useEmulator();
/** The sweep's clock; every seeded time is relative to it (whole seconds: the emulator stores push times to the second). */
const NOW = new Date('2026-03-01T12:00:00.000Z');
/**
 * The default config without the task-definition family source, for tests of the service paths
 * alone: with it on, the newest revision of every family also keeps the digest its tag names now
 * (what `run-task` would pull), which those tests assert is not protected through the service.
 */
const servicesOnly = () => {
  const config = defaultConfig();
  return { ...config, inUse: { ...config.inUse, taskDefinitionRevisions: 0 } };
};
const KEEP_TAG = /^(?:prod|dev)-keep-[0-9a-f]{64}$/;
const HOME_TAG = /^(?:prod|dev)-kept-[0-9a-f]{64}$/;
/** Every protected image gets its protection tag and its home tag, protection first. */
const TAGS_PER_PROTECTED_IMAGE = 2;
/** BatchGetImage calls that read `n` manifests of one repository: up to 100 ids a call. */
const manifestBatches = (n: number): number => Math.ceil(n / 100);

const keepTag = (environment: 'prod' | 'dev', digest: Digest): string => `${environment}-keep-${digest.slice('sha256:'.length)}`;
/** The home tag: governed by the baseline, never removed, so a release never takes an image's last tag. */
const homeTag = (environment: 'prod' | 'dev', digest: Digest): string => `${environment}-kept-${digest.slice('sha256:'.length)}`;
/** Both tags ecr-keeper puts on a protected image, sorted as `storedTags` returns them. */
const keeperTags = (environment: 'prod' | 'dev', digest: Digest): string[] => [keepTag(environment, digest), homeTag(environment, digest)].sort();
const keepTagsOf = async (repository: string, digest: Digest): Promise<string[]> =>
  (await storedTags(seedEcr, repository, digest)).filter((t) => KEEP_TAG.test(t));
const keeperTagsOf = async (repository: string, digest: Digest): Promise<string[]> =>
  (await storedTags(seedEcr, repository, digest)).filter((t) => KEEP_TAG.test(t) || HOME_TAG.test(t));
const homeTagsOf = async (repository: string, digest: Digest): Promise<string[]> =>
  (await storedTags(seedEcr, repository, digest)).filter((t) => HOME_TAG.test(t));
const outcome = (report: SweepReport, repository: string) => report.repositories.find((o) => o.repository === repository);
const sweep = (account: EmulatorAccount): Promise<SweepReport> => runSweep(account.deps, { mode: 'apply', regions: [account.region] });
const push = async (repository: string, tags: readonly string[], ageDays: number): Promise<Digest> =>
  (await pushImage(seedEcr, emu.control, { repository, tags, pushedAt: daysAgo(NOW, ageDays) })).digest;

/** The stored policy's verdict on each stored image (optionally edited first), now, by the simulator and the reference evaluator alike. */
const storedVerdicts = async (repository: string, edit: (images: ImageRecord[]) => ImageRecord[] = (i) => i): Promise<ReadonlyMap<Digest, VerdictKind>> => {
  const text = await storedPolicy(seedEcr, repository);
  if (text === undefined) throw new Error(`no lifecycle policy stored on ${repository}`);
  return agreedVerdicts(parsePolicyOrThrow(text), edit(await storedImages(seedEcr, repository)), NOW);
};

/** Clusters whose names say nothing: the environment can only come from their tags. */
const clusters = async (): Promise<{ prod: string; dev: string }> => ({
  prod: await createCluster(seedEcs, 'green', { environment: 'prod' }),
  dev: await createCluster(seedEcs, 'blue', { environment: 'dev' }),
});

describe('Function: runSweep (emulator)', () => {
  describe('in-use images are tagged once and only once', () => {
    let account: EmulatorAccount;
    let api: SeededRepository;
    let digests: { prodA: Digest; prodB: Digest; dev: Digest; unused: Digest };
    let first: SweepReport;
    let afterFirst: CallCounts;

    beforeEach(async () => {
      api = await createRepository(seedEcr, 'shop/api');
      await createRepository(seedEcr, 'shop/web');
      digests = {
        unused: await push('shop/api', ['prod-0'], 40),
        prodA: await push('shop/api', ['prod-1'], 20),
        prodB: await push('shop/api', ['prod-2'], 10),
        dev: await push('shop/api', ['dev-7'], 3),
      };
      await push('shop/web', ['v1'], 5);
      const { prod, dev } = await clusters();
      // prodA runs twice, once by tag and once by digest: still one protection tag.
      await runContainer(seedEcs, emu.control, { cluster: prod, family: 'api-by-tag', image: `${api.uri}:prod-1` });
      await runContainer(seedEcs, emu.control, { cluster: prod, family: 'api-by-digest', image: `${api.uri}@${digests.prodA}` });
      await runContainer(seedEcs, emu.control, { cluster: prod, family: 'api-b', image: `${api.uri}:prod-2`, launchType: 'EC2' });
      await runContainer(seedEcs, emu.control, { cluster: dev, family: 'api-dev', image: `${api.uri}:dev-7` });
      account = emulatorAccount(emu, { now: NOW });
      first = await sweep(account);
      afterFirst = snapshot(account.counts);
    });

    it('gives each in-use digest exactly one protection tag and one home tag of its cluster environment', async () => {
      // Assess
      expect(first.inUse.complete).toBe(true);
      expect(first.failures).toEqual([]);
      expect(await keepTagsOf('shop/api', digests.prodA)).toEqual([keepTag('prod', digests.prodA)]);
      expect(await keepTagsOf('shop/api', digests.prodB)).toEqual([keepTag('prod', digests.prodB)]);
      expect(await keepTagsOf('shop/api', digests.dev)).toEqual([keepTag('dev', digests.dev)]);
      expect(await keepTagsOf('shop/api', digests.unused)).toEqual([]);
      // One home tag per protected image, of the same environment; none on the unused image.
      expect(await homeTagsOf('shop/api', digests.prodA)).toEqual([homeTag('prod', digests.prodA)]);
      expect(await homeTagsOf('shop/api', digests.prodB)).toEqual([homeTag('prod', digests.prodB)]);
      expect(await homeTagsOf('shop/api', digests.dev)).toEqual([homeTag('dev', digests.dev)]);
      expect(await homeTagsOf('shop/api', digests.unused)).toEqual([]);
      expect(await storedTags(seedEcr, 'shop/api', digests.prodA)).toEqual(['prod-1', ...keeperTags('prod', digests.prodA)].sort());
      const protectedDigests = [digests.prodA, digests.prodB, digests.dev];
      const tagsAdded = protectedDigests.length * TAGS_PER_PROTECTED_IMAGE;
      expect(byOperation(account.counts)['ECR:PutImage']).toBe(tagsAdded);
      // One manifest read per image serves both of its tags, and the images of one repository are read together.
      expect(byOperation(account.counts)['ECR:BatchGetImage']).toBe(manifestBatches(protectedDigests.length));
      expect(account.ecrCalls.filter((c) => c.operation === 'ECR:BatchGetImage')).toEqual([{ operation: 'ECR:BatchGetImage', repository: 'shop/api' }]);
      expect(first.totals).toMatchObject({ tagsAdded, policiesWritten: 2, failed: 0, blocked: 0 });
      expect(await storedPolicy(seedEcr, 'shop/web')).toContain('ecr-keeper: protection (prod)');
    });

    it('makes zero write calls on the second sweep', async () => {
      // Act
      const second = await sweep(account);

      // Assess
      const delta = countsSince(account.counts, afterFirst);
      expect(writeCallsIn(delta)).toBe(0);
      expect(writesIn(delta)).toBe(0);
      // Not even a manifest read: BatchGetImage counts as a pull in ECR.
      expect(byOperation(delta)['ECR:BatchGetImage']).toBeUndefined();
      expect(second.totals).toMatchObject({ tagsAdded: 0, tagsReleased: 0, policiesWritten: 0, unchanged: 2 });
      expect(await keepTagsOf('shop/api', digests.prodA)).toEqual([keepTag('prod', digests.prodA)]);
      expect(await homeTagsOf('shop/api', digests.prodA)).toEqual([homeTag('prod', digests.prodA)]);
    });

    it('counts the first sweep writes at the wire with writeCallsIn', () => {
      // Assess: two PutImage per protected image (protection and home tag) for the three in-use
      // digests, and two PutLifecyclePolicy went out (counted independently by writesIn)
      expect(writesIn(afterFirst)).toBe(3 * TAGS_PER_PROTECTED_IMAGE + 2);
      expect(byOperation(afterFirst)['ECR:BatchDeleteImage']).toBeUndefined();
      expect(writeCallsIn(afterFirst)).toBe(writesIn(afterFirst));
    });
  });

  it('protects a 300-day-old in-use image beyond "keep 30": the stored policy keeps it, and only because of its tag', async () => {
    // Prepare: 35 prod releases, one a day, and a 300-day-old one still running in prod
    const api = await createRepository(seedEcr, 'shop/api');
    const releases: Digest[] = [];
    for (let day = 1; day <= 35; day += 1) releases.push(await push('shop/api', [`prod-${100 - day}`], day));
    const old = await push('shop/api', ['prod-1'], 300);
    const { prod } = await clusters();
    await runContainer(seedEcs, emu.control, { cluster: prod, family: 'report', image: `${api.uri}:prod-1` });
    const account = emulatorAccount(emu, { now: NOW });

    // Act
    const report = await sweep(account);

    // Assess
    expect(outcome(report, 'shop/api')?.status).toBe('applied');
    const withTag = await storedVerdicts('shop/api');
    expect(withTag.get(old)).toBe('keep');
    // The protected image still takes a slot of "keep the newest 30 prod-*": days 31..35 go.
    for (const [i, digest] of releases.entries()) expect(withTag.get(digest)).toBe(i < 30 ? 'keep' : 'expire');
    const withoutTag = await storedVerdicts('shop/api', (images) =>
      images.map((image) => (image.digest === old ? { ...image, tags: image.tags.filter((t) => !KEEP_TAG.test(t)) } : image)),
    );
    expect(withoutTag.get(old)).toBe('expire');
  });

  it('blocks a repository whose target policy cannot be written, writes only protection (and its guard) to it, and goes on', async () => {
    // Prepare: the team's own 45 rules plus the baseline exceed ECR's 50 rules, so merge cannot
    // produce a policy; the running image there must get nothing that changes its fate. (A target
    // that would expire an in-use image is blocked the same way: test/lib/sweep.test.ts and
    // test/lib/plan/planner.test.ts; moto 5.2.1 refuses the archive rules that make one here.)
    await createRepository(seedEcr, 'shop/busy');
    const api = await createRepository(seedEcr, 'shop/api');
    const running = await push('shop/busy', ['team-0-1'], 20);
    const ownPolicy = JSON.stringify({
      rules: Array.from({ length: 45 }, (_, i) => ({
        rulePriority: i + 1,
        selection: { tagStatus: 'tagged', tagPrefixList: [`team-${i}-`], countType: 'imageCountMoreThan', countNumber: 10 },
        action: { type: 'expire' },
      })),
    });
    await seedEcr.send(new PutLifecyclePolicyCommand({ repositoryName: 'shop/busy', lifecyclePolicyText: ownPolicy }));
    const live = await push('shop/api', ['prod-1'], 2);
    const { prod } = await clusters();
    await runContainer(seedEcs, emu.control, { cluster: prod, family: 'busy', image: `${api.uri.replace('shop/api', 'shop/busy')}:team-0-1` });
    await runContainer(seedEcs, emu.control, { cluster: prod, family: 'api', image: `${api.uri}:prod-1` });
    const account = emulatorAccount(emu, { now: NOW });

    // Act
    const report = await sweep(account);

    // Assess
    const blocked = outcome(report, 'shop/busy');
    expect(blocked?.status).toBe('blocked');
    expect(blocked?.reasons.join(' ')).toMatch(/target policy cannot be written: .*ECR allows at most 50/);
    // No target is written. The guard is: the team's rules unchanged in order, with ecr-keeper's
    // protection rules put first, so the running image's protection holds under the policy that stays.
    expect(blocked?.applied).toMatchObject({ guardWritten: true, policyWritten: false });
    const stored = parsePolicyOrThrow((await storedPolicy(seedEcr, 'shop/busy')) ?? '');
    const own = parsePolicyOrThrow(ownPolicy);
    expect(stored.rules.filter((r) => r.description?.startsWith('ecr-keeper: protection') !== true).map((r) => r.selection)).toEqual(own.rules.map((r) => r.selection));
    expect(stored.rules.slice(0, stored.rules.length - own.rules.length).every((r) => r.description?.startsWith('ecr-keeper: protection') === true)).toBe(true);
    expect((await storedImages(seedEcr, 'shop/busy')).map((i) => i.digest)).toEqual([running]);
    // Under the team's policy, which stays, the running image is kept after whatever landed.
    expect((await storedVerdicts('shop/busy')).get(running)).toBe('keep');
    expect(outcome(report, 'shop/api')?.status).toBe('applied');
    expect(await keepTagsOf('shop/api', live)).toEqual([keepTag('prod', live)]);
    expect(report.totals).toMatchObject({ blocked: 1, failed: 0, policiesWritten: 1 });
  });

  describe.each([
    { mutability: 'IMMUTABLE', exclusionFilters: undefined },
    { mutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: ['latest'] },
    // Protection tags themselves immutable.
    { mutability: 'MUTABLE_WITH_EXCLUSION', exclusionFilters: ['*-keep-*'] },
  ] as const)('an $mutability repository', ({ mutability, exclusionFilters }) => {
    it('is protected without error, and a second sweep writes nothing', async () => {
      // Prepare
      const worker = await createRepository(seedEcr, 'shop/worker', { mutability, ...(exclusionFilters ? { exclusionFilters } : {}) });
      const live = await push('shop/worker', ['1.0.0'], 50);
      await push('shop/worker', ['0.9.0'], 80);
      const { dev } = await clusters();
      await runContainer(seedEcs, emu.control, { cluster: dev, family: 'worker', image: `${worker.uri}:1.0.0`, launchType: 'EC2' });
      const account = emulatorAccount(emu, { now: NOW });

      // Act
      const first = await sweep(account);
      const before = snapshot(account.counts);
      const second = await sweep(account);

      // Assess
      expect(outcome(first, 'shop/worker')).toMatchObject({ status: 'applied', applied: { tagsAdded: TAGS_PER_PROTECTED_IMAGE, policyWritten: true } });
      expect(first.failures).toEqual([]);
      // The task runs in the dev cluster, but the newest revision of its family `worker` (no
      // environment tag, no name pattern) also counts, as the default environment prod; an image
      // used by prod and dev is protected as prod.
      const used = first.inUse.images.find((i) => i.digest === live);
      expect(used?.uses.map((u) => u.kind).sort()).toEqual(['task', 'task-definition']);
      expect(used?.environment).toBe('prod');
      expect(await storedTags(seedEcr, 'shop/worker', live)).toEqual(['1.0.0', ...keeperTags('prod', live)].sort());
      expect(outcome(second, 'shop/worker')?.status).toBe('unchanged');
      expect(writesIn(countsSince(account.counts, before))).toBe(0);
    });
  });

  it('protects both images of a deployment in flight on a service scaled to zero, though no task runs either', async () => {
    // Prepare: prod-1 (200 days old) deployed, then a rollout to prod-2 that has not finished:
    // a rollback or a scale-out pulls prod-1 by the digest its revision recorded.
    const api = await createRepository(seedEcr, 'shop/api');
    const previous = await push('shop/api', ['prod-1'], 200);
    const target = await push('shop/api', ['prod-2'], 1);
    // Thirty newer releases: prod-1 ranks beyond "keep the newest 30 prod-*".
    const newer: Digest[] = [];
    for (let day = 2; day <= 31; day += 1) newer.push(await push('shop/api', [`prod-${100 + day}`], day));
    const { prod } = await clusters();
    const v1 = await registerTaskDefinition(seedEcs, { family: 'api', launchType: 'FARGATE', containers: [{ name: 'app', image: `${api.uri}:prod-1` }] });
    const v2 = await registerTaskDefinition(seedEcs, { family: 'api', launchType: 'FARGATE', containers: [{ name: 'app', image: `${api.uri}:prod-2` }] });
    await createService(seedEcs, emu.control, { cluster: prod, serviceName: 'api', taskDefinition: v1, desiredCount: 0, launchType: 'FARGATE' });
    await updateService(seedEcs, emu.control, { cluster: prod, serviceName: 'api', taskDefinition: v2, replaceTasks: false });
    await setDeploymentStatus(emu.control, { cluster: prod, service: 'api', status: 'IN_PROGRESS' });
    const account = emulatorAccount(emu, { now: NOW });

    // Act
    const report = await sweep(account);

    // Assess
    expect(report.inUse.complete).toBe(true);
    expect(await keepTagsOf('shop/api', previous)).toEqual([keepTag('prod', previous)]);
    expect(await keepTagsOf('shop/api', target)).toEqual([keepTag('prod', target)]);
    expect(await homeTagsOf('shop/api', previous)).toEqual([homeTag('prod', previous)]);
    expect(await homeTagsOf('shop/api', target)).toEqual([homeTag('prod', target)]);
    expect((await Promise.all(newer.map((digest) => keepTagsOf('shop/api', digest)))).flat()).toEqual([]);
    expect((await storedVerdicts('shop/api')).get(previous)).toBe('keep');
    const withoutTag = await storedVerdicts('shop/api', (images) =>
      images.map((image) => (image.digest === previous ? { ...image, tags: image.tags.filter((t) => !KEEP_TAG.test(t)) } : image)),
    );
    expect(withoutTag.get(previous)).toBe('expire');
    expect(byOperation(account.counts)['ECS:DescribeServiceRevisions']).toBeGreaterThan(0);
  });

  it('never moves a protection tag when a moving tag like latest moves to a new image', async () => {
    // Prepare: `latest` runs in prod and is protected
    const api = await createRepository(seedEcr, 'shop/api');
    const running = await push('shop/api', ['latest'], 10);
    const { prod } = await clusters();
    await runContainer(seedEcs, emu.control, { cluster: prod, family: 'api', image: `${api.uri}:latest` });
    const account = emulatorAccount(emu, { now: NOW });
    await sweep(account);
    // CI pushes a new `latest`: ECR moves the tag, the running image stays with its protection and home tags only.
    const fresh = await push('shop/api', ['latest'], 0);
    const before = snapshot(account.counts);

    // Act
    const report = await sweep(account);
    const afterSecond = snapshot(account.counts);
    const third = await sweep(account);

    // Assess
    expect(report.failures).toEqual([]);
    expect(await storedTags(seedEcr, 'shop/api', running)).toEqual(keeperTags('prod', running));
    // The newest revision of the family `api` names `latest`, which a `run-task` would pull now:
    // the new image is protected too, under tags of its own digest, never the running image's.
    const uses = new Map(report.inUse.images.map((i) => [i.digest, i.uses.map((u) => u.kind).sort()]));
    expect([...uses.keys()].sort()).toEqual([running, fresh].sort());
    expect(uses.get(running)).toEqual(['task']);
    expect(uses.get(fresh)).toEqual(['task-definition']);
    expect(await storedTags(seedEcr, 'shop/api', fresh)).toEqual(['latest', ...keeperTags('prod', fresh)].sort());
    expect((await storedImages(seedEcr, 'shop/api')).map((i) => i.digest).sort()).toEqual([running, fresh].sort());
    const stored = await storedVerdicts('shop/api');
    expect(stored.get(running)).toBe('keep');
    expect(stored.get(fresh)).toBe('keep');
    // The sweep after the move only adds the new image's two tags: no policy, no tag removed.
    const delta = byOperation(countsSince(afterSecond, before));
    expect(delta['ECR:PutImage']).toBe(TAGS_PER_PROTECTED_IMAGE);
    expect(writesIn(countsSince(afterSecond, before))).toBe(TAGS_PER_PROTECTED_IMAGE);
    expect(report.totals).toMatchObject({ tagsAdded: TAGS_PER_PROTECTED_IMAGE, tagsReleased: 0, policiesWritten: 0 });
    // And the next sweep over the unchanged account writes nothing.
    expect(writesIn(countsSince(account.counts, afterSecond))).toBe(0);
    expect(third.totals).toMatchObject({ tagsAdded: 0, tagsReleased: 0, policiesWritten: 0, unchanged: 1 });
  });

  it('reports a repository deleted mid-sweep as skipped and finishes the others', async () => {
    // Prepare: the repository disappears when the sweep first lists its images
    await createRepository(seedEcr, 'shop/api');
    await createRepository(seedEcr, 'shop/gone');
    await push('shop/api', ['prod-1'], 3);
    await push('shop/gone', ['prod-1'], 3);
    const account = emulatorAccount(emu, { now: NOW });
    let deleted = false;
    account.clients.ecr.middlewareStack.add(
      (next, context) => async (args) => {
        const input: object = args.input;
        if (!deleted && context.commandName === 'DescribeImagesCommand' && 'repositoryName' in input && input.repositoryName === 'shop/gone') {
          deleted = true;
          await seedEcr.send(new DeleteRepositoryCommand({ repositoryName: 'shop/gone', force: true }));
        }
        return next(args);
      },
      { step: 'initialize', name: 'testDeleteMidSweep', override: true },
    );

    // Act
    const report = await sweep(account);

    // Assess
    expect(deleted).toBe(true);
    expect(outcome(report, 'shop/gone')).toMatchObject({ status: 'skipped', reasons: ['repository was deleted during the sweep'] });
    expect(outcome(report, 'shop/api')?.status).toBe('applied');
    expect(await storedPolicy(seedEcr, 'shop/api')).toBeDefined();
    expect(writesTo(account.ecrCalls, 'shop/gone')).toEqual([]);
    expect(report.totals).toMatchObject({ skipped: 1, failed: 0, policiesWritten: 1 });
  });

  it('protects the image of a service scaled to zero through its service revision, not through its tag', async () => {
    // Prepare: service `batch` runs no task; its revision pinned 1.2.0's digest, then CI moved the tag
    const worker = await createRepository(seedEcr, 'shop/worker');
    const pinned = await push('shop/worker', ['1.2.0'], 60);
    const { dev } = await clusters();
    const taskDefinition = await registerTaskDefinition(seedEcs, { family: 'batch', launchType: 'EC2', containers: [{ name: 'batch', image: `${worker.uri}:1.2.0` }] });
    await createService(seedEcs, emu.control, { cluster: dev, serviceName: 'batch', taskDefinition, desiredCount: 0, launchType: 'EC2' });
    const moved = await push('shop/worker', ['1.2.0'], 1);
    const account = emulatorAccount(emu, { now: NOW, config: servicesOnly() });

    // Act
    const report = await sweep(account);

    // Assess
    expect(report.inUse.complete).toBe(true);
    expect(report.inUse.images.map((i) => i.digest)).toEqual([pinned]);
    expect(report.inUse.images[0]?.uses.map((u) => u.kind)).toEqual(['service-revision']);
    expect(await storedTags(seedEcr, 'shop/worker', pinned)).toEqual(keeperTags('dev', pinned));
    expect(await keepTagsOf('shop/worker', moved)).toEqual([]);
    expect(await homeTagsOf('shop/worker', moved)).toEqual([]);
    // Untagged but for its protection (and home) tag, 60 days old: only the protection rule keeps it.
    expect((await storedVerdicts('shop/worker')).get(pinned)).toBe('keep');
  });

  it('protects the source revision of the last deployment (the rollback target) after the tag moved on', async () => {
    // Prepare: service `api` ran v1 = A; CI pushed a new v1 = B and a forced deployment moved the tasks to B
    const api = await createRepository(seedEcr, 'shop/api');
    const rollbackTarget = await push('shop/api', ['v1'], 200);
    const { prod } = await clusters();
    const taskDefinition = await registerTaskDefinition(seedEcs, { family: 'api', launchType: 'FARGATE', containers: [{ name: 'api', image: `${api.uri}:v1` }] });
    await createService(seedEcs, emu.control, { cluster: prod, serviceName: 'api', taskDefinition, desiredCount: 1, launchType: 'FARGATE' });
    const current = await push('shop/api', ['v1'], 1);
    await updateService(seedEcs, emu.control, { cluster: prod, serviceName: 'api', forceNewDeployment: true });
    const account = emulatorAccount(emu, { now: NOW, config: servicesOnly() });

    // Act
    const report = await sweep(account);

    // Assess
    expect(report.inUse.complete).toBe(true);
    const uses = new Map(report.inUse.images.map((i) => [i.digest, i.uses.map((u) => u.kind).sort()]));
    expect(uses.get(rollbackTarget)).toEqual(['deployment-revision']);
    expect(uses.get(current)).toEqual(['service-revision', 'task']);
    expect(await storedTags(seedEcr, 'shop/api', rollbackTarget)).toEqual(keeperTags('prod', rollbackTarget));
    expect(await storedTags(seedEcr, 'shop/api', current)).toEqual([...keeperTags('prod', current), 'v1'].sort());
    // Untagged but for its protection (and home) tag and 200 days old: without any tag the untagged rule would take it.
    expect((await storedVerdicts('shop/api')).get(rollbackTarget)).toBe('keep');
    const bare = await storedVerdicts('shop/api', (images) => images.map((i) => (i.digest === rollbackTarget ? { ...i, tags: [] } : i)));
    expect(bare.get(rollbackTarget)).toBe('expire');
  });

  describe('over the demo account', () => {
    it('protects every in-use image, spares the excluded repository, and a second sweep writes nothing', async () => {
      // Prepare
      const demo = await seedDemoAccount({ ecr: seedEcr, ecs: seedEcs }, emu.control, NOW);
      const account = emulatorAccount(emu, { now: NOW });

      // Act
      const first = await sweep(account);
      const afterFirst = snapshot(account.counts);
      const ecrCallsOfFirst = account.ecrCalls.length;
      const second = await sweep(account);

      // Assess
      expect(first.inUse.complete).toBe(true);
      expect(first.failures).toEqual([]);
      const environmentOf = new Map(demo.uses.map((u) => [`${u.repository} ${u.digest}`, u.cluster]));
      for (const [repository, digests] of Object.entries(demo.inUseDigests)) {
        for (const digest of digests) {
          const environment = environmentOf.get(`${repository} ${digest}`) ?? 'prod';
          expect(await keeperTagsOf(repository, digest), `${repository} ${digest}`).toEqual(keeperTags(environment, digest));
        }
      }
      const usesOf = (digest: Digest): string[] | undefined => first.inUse.images.find((i) => i.digest === digest)?.uses.map((u) => u.kind).sort();
      // The service scaled to zero runs no task; its task definition is also the newest revision of
      // its family `shop-batch`, which has no environment tag or name pattern: the default, prod,
      // outranks the dev cluster of the service, so the image is protected as prod.
      expect(usesOf(demo.scaledToZero.digest)).toEqual(['service-revision', 'task-definition']);
      expect(await keeperTagsOf('shop/worker', demo.scaledToZero.digest)).toEqual(keeperTags('prod', demo.scaledToZero.digest));
      // The canary task STOPPED, but the newest revision of its family `shop-api-canary` still names
      // its image, which the next `run-task` would pull: in use through the family source only.
      expect(usesOf(demo.stopped.digest)).toEqual(['task-definition']);
      expect(await keeperTagsOf('shop/api', demo.stopped.digest)).toEqual(keeperTags('prod', demo.stopped.digest));
      const protectedImages = new Set([...Object.values(demo.inUseDigests).flat(), demo.scaledToZero.digest, demo.stopped.digest]);
      expect(new Set(first.inUse.images.map((i) => i.digest))).toEqual(protectedImages);
      expect((await storedVerdicts('shop/api')).get(demo.oldInUse.digest)).toBe('keep');
      expect((await storedVerdicts('shop/web')).get(demo.index.digest)).toBe('keep');
      expect(outcome(first, demo.excludedRepository)?.status).toBe('excluded');
      expect(writesTo(account.ecrCalls, demo.excludedRepository)).toEqual([]);
      expect(await storedPolicy(seedEcr, demo.excludedRepository)).toBeUndefined();
      expect(await storedPolicy(seedEcr, 'shop/legacy')).not.toBe(demo.legacyPolicyText);
      expect(first.totals).toMatchObject({ repositories: 5, policiesWritten: 4, excluded: 1, blocked: 0, failed: 0 });
      expect(first.totals.tagsAdded).toBe(byOperation(afterFirst)['ECR:PutImage']);
      expect(first.totals.tagsAdded).toBe(protectedImages.size * TAGS_PER_PROTECTED_IMAGE);
      expect(byOperation(afterFirst)['ECR:BatchDeleteImage']).toBeUndefined();
      // Each manifest read once in the sweep, 100 a call: per repository, its in-use indexes (read for
      // their children, then tagged without a second read) and the other images it tags.
      const indexes = new Set<Digest>([demo.index.digest]);
      const inUseBy = new Map<string, Set<Digest>>();
      for (const i of first.inUse.images) if (outcome(first, i.repository)?.status !== 'excluded') inUseBy.set(i.repository, (inUseBy.get(i.repository) ?? new Set()).add(i.digest));
      const readsOf = (calls: EmulatorAccount['ecrCalls']): Map<string, number> => {
        const out = new Map<string, number>();
        for (const c of calls) if (c.operation === 'ECR:BatchGetImage') out.set(c.repository, (out.get(c.repository) ?? 0) + 1);
        return out;
      };
      const expectedReads = new Map(
        [...inUseBy].map(([repository, digests]) => {
          const inUseIndexes = [...digests].filter((d) => indexes.has(d)).length;
          return [repository, manifestBatches(inUseIndexes) + manifestBatches(digests.size - inUseIndexes)] as const;
        }),
      );
      expect(readsOf(account.ecrCalls.slice(0, ecrCallsOfFirst))).toEqual(expectedReads);
      // The second sweep tags nothing: it reads only the in-use indexes, for their children.
      expect(readsOf(account.ecrCalls.slice(ecrCallsOfFirst))).toEqual(new Map([['shop/web', manifestBatches(indexes.size)]]));
      expect(writesIn(countsSince(account.counts, afterFirst))).toBe(0);
      expect(second.totals).toMatchObject({ tagsAdded: 0, policiesWritten: 0, unchanged: 4, excluded: 1 });
    });
  });
});
