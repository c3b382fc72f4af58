import { describe, expect, it } from 'vitest';
import type { StoredPolicy } from '../../../src/lib/aws/ports.js';
import { parseConfig, type KeeperConfig } from '../../../src/lib/config.js';
import type { Digest, ImageRecord, InUseImage } from '../../../src/lib/domain/types.js';
import { planRepository, type PlanInput } from '../../../src/lib/plan/planner.js';
import { findEnvironment, homeTagFor, protectionTagFor } from '../../../src/lib/plan/protection.js';
import type { RepositoryPlan } from '../../../src/lib/plan/types.js';
import { serializePolicy } from '../../../src/lib/policy/canonical.js';
import { parsePolicyText } from '../../../src/lib/policy/parse.js';
import { simulatePolicy } from '../../../src/lib/policy/simulate.js';
import type { Decision, Rule } from '../../../src/lib/policy/types.js';
import { digestOf, imageFactory, repositoryFactory, ruleFactory } from '../../helpers/factories.js';

const NOW = new Date('2024-06-15T12:00:00Z');
const DAY_MS = 86_400_000;
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * DAY_MS);

const REPOSITORY = repositoryFactory();

/** Seed-like config: prod keeps 30, dev 5, untagged 7 days, catch-all 90 days, release after 14 days. */
const configWith = (overrides: Record<string, unknown> = {}): KeeperConfig =>
  parseConfig({
    regions: ['eu-west-1'],
    environments: [
      { name: 'prod', tagPrefix: 'prod-', keepNewest: 30 },
      { name: 'dev', tagPrefix: 'dev-', keepNewest: 5 },
    ],
    environmentResolution: { default: 'prod' },
    ...overrides,
  });
const CONFIG = configWith();

const useOf = (digest: Digest, environment = 'prod', service = 'api'): InUseImage => ({
  registryId: REPOSITORY.registryId,
  region: REPOSITORY.region,
  repository: REPOSITORY.name,
  digest,
  environment,
  uses: [
    {
      kind: 'service-revision',
      region: REPOSITORY.region,
      cluster: environment,
      service,
      arn: `arn:aws:ecs:eu-west-1:123456789012:service-revision/${environment}/${service}/1`,
      image: `${REPOSITORY.uri}@${digest}`,
      environment,
    },
  ],
});

const image = (seed: string, pushedDaysAgo: number, overrides: Partial<ImageRecord> = {}): ImageRecord =>
  imageFactory({ digest: digestOf(seed), pushedAt: daysAgo(pushedDaysAgo), sizeBytes: 1_000_000, ...overrides });

const planFor = (input: Partial<PlanInput>): RepositoryPlan =>
  planRepository({
    repository: REPOSITORY,
    repositoryTags: {},
    images: [],
    currentPolicy: undefined,
    inUse: [],
    inUseComplete: true,
    config: CONFIG,
    now: NOW,
    ...input,
  });

const policyText = (...rules: Rule[]): StoredPolicy => ({ text: serializePolicy({ rules }) });

/** The home tag of `digest` in the environment named `environment` of CONFIG. */
const homeTag = (environment: string, digest: Digest): string => {
  const env = findEnvironment(CONFIG, environment);
  if (env === undefined) throw new Error(`no environment ${environment}`);
  return homeTagFor(CONFIG, env, digest);
};

/**
 * Applies a plan to the inputs the way the sweep does: its `steps` in order (an added tag moves to
 * its image, a released tag leaves it, each policy write replaces the policy in force). Throws when a
 * step would remove an image's last tag, which deletes the image in ECR.
 */
const applyInMemory = (
  images: readonly ImageRecord[],
  currentPolicy: StoredPolicy | undefined,
  plan: RepositoryPlan,
): { images: ImageRecord[]; currentPolicy: StoredPolicy | undefined } => {
  let listing = [...images];
  let policy = currentPolicy;
  for (const step of plan.steps) {
    if (step.kind === 'put-policy') policy = { text: step.text };
    else if (step.kind === 'add-tag')
      listing = listing.map((img) => ({ ...img, tags: [...img.tags.filter((t) => t !== step.tag), ...(img.digest === step.digest ? [step.tag] : [])] }));
    else
      listing = listing.map((img) => {
        if (img.digest !== step.digest || !img.tags.includes(step.tag)) return img;
        if (img.tags.length === 1) throw new Error(`removing ${step.tag} would delete ${img.digest} (its last tag)`);
        return { ...img, tags: img.tags.filter((t) => t !== step.tag) };
      });
  }
  return { images: listing, currentPolicy: policy };
};

/** What ECR would decide for `digest` under the written policy text, parsed back. */
const decisionUnder = (text: string | undefined, images: readonly ImageRecord[], digest: Digest): Decision | undefined => {
  const parsed = parsePolicyText(text ?? '');
  if (!parsed.ok) throw new Error(`policy text does not parse: ${JSON.stringify(parsed.issues)}`);
  return simulatePolicy(parsed.policy, images, NOW).byDigest.get(digest)?.decision;
};

/** 30 prod releases pushed 1..30 days ago: enough to fill prod's newest 30. */
const recentProdReleases = (): ImageRecord[] =>
  Array.from({ length: 30 }, (_, i) => image(`prod-release-${i}`, i + 1, { tags: [`prod-2024.${i}`] }));

describe('Function: planRepository', () => {
  describe('protection', () => {
    it('keeps an old in-use prod image beyond the newest 30 and past the catch-all once its protection tag is applied', () => {
      // Prepare
      const old = image('prod-legacy', 300, { tags: ['prod-2023.01'] });
      const images = [...recentProdReleases(), old];

      // Act
      const plan = planFor({ images, inUse: [useOf(old.digest)] });
      const applied = applyInMemory(images, undefined, plan);

      // Assess
      expect(plan.status).toBe('apply');
      // Protection first, then the home tag that the baseline governs and no release ever removes.
      expect(plan.tagsToAdd).toEqual([
        { digest: old.digest, tag: protectionTagFor(CONFIG, 'prod', old.digest), role: 'protection', environment: 'prod', uses: useOf(old.digest).uses },
        { digest: old.digest, tag: homeTag('prod', old.digest), role: 'home', environment: 'prod', uses: useOf(old.digest).uses },
      ]);
      expect(plan.steps).toEqual([
        { kind: 'add-tag', digest: old.digest, tag: protectionTagFor(CONFIG, 'prod', old.digest), role: 'protection' },
        { kind: 'add-tag', digest: old.digest, tag: homeTag('prod', old.digest), role: 'home' },
        { kind: 'put-policy', role: 'target', text: plan.policy.text },
      ]);
      expect(plan.policy.change).toBe('create');
      expect(decisionUnder(plan.policy.text, applied.images, old.digest)?.kind).toBe('keep');
      // The same written policy without the tag expires it: the tag and the rule are what protect it.
      expect(decisionUnder(plan.policy.text, images, old.digest)?.kind).toBe('expire');
      expect(plan.gate).toEqual({ checked: true, safe: true, atRisk: [] });
    });

    it('tags a digest-only deployment so that it survives the untagged rule', () => {
      // Prepare
      const untagged = image('digest-only', 10);
      const images = [untagged, image('dev-latest', 1, { tags: ['dev-7'] })];

      // Act
      const plan = planFor({ images, inUse: [useOf(untagged.digest, 'dev')] });
      const applied = applyInMemory(images, undefined, plan);

      // Assess
      expect(plan.tagsToAdd.map((t) => [t.tag, t.role])).toEqual([
        [protectionTagFor(CONFIG, 'dev', untagged.digest), 'protection'],
        [homeTag('dev', untagged.digest), 'home'],
      ]);
      expect(decisionUnder(plan.policy.text, applied.images, untagged.digest)?.kind).toBe('keep');
      expect(decisionUnder(plan.policy.text, images, untagged.digest)?.kind).toBe('expire');
    });

    it('adds one tag per environment that uses the image and merges the uses of each', () => {
      // Prepare
      const shared = image('shared', 3, { tags: ['v3'] });

      // Act
      const plan = planFor({
        images: [shared],
        inUse: [useOf(shared.digest, 'prod', 'api'), useOf(shared.digest, 'prod', 'worker'), useOf(shared.digest, 'dev', 'api')],
      });

      // Assess
      expect(plan.tagsToAdd.map((t) => [t.environment, t.role, t.uses.map((u) => u.service)])).toEqual([
        ['prod', 'protection', ['api', 'worker']],
        ['prod', 'home', ['api', 'worker']],
        ['dev', 'protection', ['api']],
        ['dev', 'home', ['api']],
      ]);
    });

    it('adds nothing for an in-use image that already carries its protection tag and its home tag', () => {
      // Prepare
      const digest = digestOf('protected');
      const protectedImage = image('protected', 3, { tags: ['v1', protectionTagFor(CONFIG, 'prod', digest), homeTag('prod', digest)] });

      // Act
      const plan = planFor({ images: [protectedImage], inUse: [useOf(protectedImage.digest)] });

      // Assess
      expect(plan.tagsToAdd).toEqual([]);
      expect(plan.steps.filter((s) => s.kind !== 'put-policy')).toEqual([]);
    });

    it('adds only the home tag to an in-use image protected before home tags existed', () => {
      // Prepare
      const digest = digestOf('protected');
      const protectedImage = image('protected', 3, { tags: ['v1', protectionTagFor(CONFIG, 'prod', digest)] });

      // Act
      const plan = planFor({ images: [protectedImage], inUse: [useOf(protectedImage.digest)] });

      // Assess
      expect(plan.tagsToAdd.map((t) => [t.tag, t.role])).toEqual([[homeTag('prod', digest), 'home']]);
      expect(plan.tagsToRelease).toEqual([]);
    });

    it('protects an image of an environment the config does not know as the default environment, and says so', () => {
      // Prepare
      const img = image('mystery', 3, { tags: ['v1'] });

      // Act
      const plan = planFor({ images: [img], inUse: [useOf(img.digest, 'production')] });

      // Assess
      expect(plan.tagsToAdd.map((t) => t.tag)).toEqual([protectionTagFor(CONFIG, 'prod', img.digest), homeTag('prod', img.digest)]);
      expect(plan.reasons.join('\n')).toMatch(/"production" is not configured/);
    });

    it('lists in-use digests the repository does not hold', () => {
      // Prepare
      const gone = digestOf('deleted-long-ago');

      // Act
      const plan = planFor({ images: [image('other', 1, { tags: ['v1'] })], inUse: [useOf(gone)] });

      // Assess
      expect(plan.notFound).toEqual([gone]);
      expect(plan.tagsToAdd).toEqual([]);
    });
  });

  describe('the gate', () => {
    const archiveExpiry = ruleFactory({
      rulePriority: 1,
      description: 'team: archive expiry',
      selection: { tagStatus: 'any', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90, storageClass: 'archive' },
    });

    it('blocks and writes nothing when the repository\'s own archive rule would expire an in-use archived image', () => {
      // Prepare
      const archived = image('archived', 400, { tags: ['v1'], storageClass: 'archive', lastArchivedAt: daysAgo(120) });
      const currentPolicy = policyText(archiveExpiry);

      // Act
      const plan = planFor({ images: [archived], currentPolicy, inUse: [useOf(archived.digest)] });

      // Assess
      expect(plan.status).toBe('blocked');
      expect(plan.policy.change).toBe('none');
      expect(plan.policy.text).toBeUndefined();
      expect(plan.tagsToAdd).toEqual([]);
      expect(plan.tagsToRelease).toEqual([]);
      expect(plan.gate.safe).toBe(false);
      expect(plan.gate.atRisk.map((r) => [r.digest, r.decision.kind, r.ruleDescription])).toEqual([[archived.digest, 'expire', 'team: archive expiry']]);
      expect(plan.gate.atRisk[0]?.uses.map((u) => u.service)).toEqual(['api']);
      expect(plan.reasons.join('\n')).toMatch(/would lose 1 in-use image/);
      expect(plan.reasons.join('\n')).toMatch(/archived/);
      expect(plan.current?.inUseAtRisk.map((r) => r.digest)).toEqual([archived.digest]);
    });

    it('protects an in-use archived image that already carries its protection tag with an archive-class protection rule', () => {
      // Prepare
      const seed = 'archived-protected';
      const archived = image(seed, 400, { tags: [protectionTagFor(CONFIG, 'prod', digestOf(seed))], storageClass: 'archive', lastArchivedAt: daysAgo(120) });

      // Act
      const plan = planFor({ images: [archived], currentPolicy: policyText(archiveExpiry), inUse: [useOf(archived.digest)] });

      // Assess
      expect(plan.status).toBe('apply');
      expect(decisionUnder(plan.policy.text, [archived], archived.digest)?.kind).toBe('keep');
    });

    it('still adds protection tags on a blocked plan when they endanger nothing under the current policy', () => {
      // Prepare
      const archived = image('archived', 400, { tags: ['v1'], storageClass: 'archive', lastArchivedAt: daysAgo(120) });
      const running = image('running', 200, { tags: ['v9'] });

      // Act
      const plan = planFor({
        images: [archived, running],
        currentPolicy: policyText(archiveExpiry),
        inUse: [useOf(archived.digest), useOf(running.digest)],
      });

      // Assess: the running image gets both its tags; the archived one cannot be tagged
      expect(plan.status).toBe('blocked');
      expect(plan.tagsToAdd.map((t) => [t.digest, t.role])).toEqual([
        [running.digest, 'protection'],
        [running.digest, 'home'],
      ]);
      expect(plan.steps.map((s) => s.kind)).toEqual(['add-tag', 'add-tag']);
      expect(plan.policy.change).toBe('none');
    });

    it('adds, on a blocked plan, only the tags that push no other in-use image out under the current policy', () => {
      // Prepare: the current policy keeps the newest prod- image; tagging the newer untagged one
      // prod-keep-… would make it the newest and expire the other. Tagging the older one moves nothing.
      const tagged = image('tagged', 2, { tags: ['prod-1'] });
      const untagged = image('untagged', 1);
      const currentPolicy = policyText(
        ruleFactory({ rulePriority: 1, description: 'team: prod', selection: { tagStatus: 'tagged', tagPrefixList: ['prod-'], countType: 'imageCountMoreThan', countNumber: 1 } }),
      );

      // Act
      const plan = planFor({
        images: [tagged, untagged],
        currentPolicy,
        inUse: [useOf(tagged.digest), useOf(untagged.digest)],
        inUseComplete: false,
      });

      // Assess: the proven-safe prefix (the older image's own tags) lands, the newer image's tags do not
      expect(plan.status).toBe('blocked');
      expect(plan.tagsToAdd.map((t) => [t.digest, t.role])).toEqual([
        [tagged.digest, 'protection'],
        [tagged.digest, 'home'],
      ]);
      expect(plan.steps.filter((s) => s.kind !== 'add-tag')).toEqual([]);
      expect(plan.steps.some((s) => s.kind === 'add-tag' && s.digest === untagged.digest)).toBe(false);
      expect(plan.reasons.join('\n')).toMatch(/2 protection tag\(s\) not added/);
      expect(plan.reasons.join('\n')).toMatch(/no order of writes keeps every image safe/);
      // Replayed step by step under the policy that stays in force, no in-use image is ever at risk.
      let listing: ImageRecord[] = [tagged, untagged];
      for (const step of plan.steps) {
        listing = applyInMemory(listing, currentPolicy, { ...plan, steps: [step] }).images;
        expect(decisionUnder(currentPolicy.text, listing, tagged.digest)?.kind).toBe('keep');
        expect(decisionUnder(currentPolicy.text, listing, untagged.digest)?.kind).toBe('keep');
      }
    });
  });

  describe('incomplete in-use set', () => {
    it('adds protection tags but writes no policy and releases nothing', () => {
      // Prepare
      const running = image('running', 5, { tags: ['v1'] });
      const idle = image('idle', 100, { tags: ['v0', protectionTagFor(CONFIG, 'prod', digestOf('idle'))] });

      // Act
      const plan = planFor({ images: [running, idle], inUse: [useOf(running.digest)], inUseComplete: false });

      // Assess
      expect(plan.status).toBe('blocked');
      expect(plan.reasons.join('\n')).toMatch(/in-use set incomplete/);
      expect(plan.tagsToAdd.map((t) => [t.digest, t.role])).toEqual([
        [running.digest, 'protection'],
        [running.digest, 'home'],
      ]);
      expect(plan.tagsToRelease).toEqual([]);
      expect(plan.steps.map((s) => s.kind)).toEqual(['add-tag', 'add-tag']);
      expect(plan.policy.change).toBe('none');
      expect(plan.policy.text).toBeUndefined();
    });
  });

  describe('release of protection tags', () => {
    const seed = 'retired';
    const protection = protectionTagFor(CONFIG, 'prod', digestOf(seed));
    const home = homeTag('prod', digestOf(seed));
    /** The pull guard off, so that these tests see the grace period alone. */
    const NO_PULL_GUARD = configWith({ inUse: { recentPullDays: 0 } });

    it.each([
      ['unused and unpulled for 20 days', { tags: ['v1', protection], lastPulledAt: daysAgo(20) }, true],
      ['never pulled, pushed 100 days ago', { tags: ['v1', protection] }, true],
      ['unused but pulled 10 days ago (within the 14-day grace)', { tags: ['v1', protection], lastPulledAt: daysAgo(10) }, false],
      ['unused but restored from archive 3 days ago', { tags: ['v1', protection], lastPulledAt: daysAgo(50), lastActivatedAt: daysAgo(3) }, false],
    ])('releases the protection tag of an image %s only past the grace period', (_name, overrides, released) => {
      // Prepare
      const retired = image(seed, 100, overrides);

      // Act
      const plan = planFor({ images: [retired], config: NO_PULL_GUARD });

      // Assess: a release adds the home tag first, then removes the protection tag
      expect(plan.tagsToRelease.map((t) => t.tag)).toEqual(released ? [protection] : []);
      expect(plan.tagsToAdd.map((t) => [t.tag, t.role])).toEqual(released ? [[home, 'home']] : []);
      expect(plan.steps.filter((s) => s.kind !== 'put-policy')).toEqual(
        released ? [{ kind: 'add-tag', digest: retired.digest, tag: home, role: 'home' }, { kind: 'remove-tag', digest: retired.digest, tag: protection }] : [],
      );
      expect(plan.protectionKept.map((k) => k.tag)).toEqual(released ? [] : [protection]);
      expect(applyInMemory([retired], undefined, plan).images[0]?.tags).toEqual(released ? ['v1', home] : retired.tags);
    });

    it('keeps the protection of an image pulled within the pull guard (30 days by default): it counts as in use', () => {
      // Prepare: past the 14-day grace period, but pulled 20 days ago by a consumer no source covers
      const retired = image(seed, 100, { tags: ['v1', protection], lastPulledAt: daysAgo(20) });

      // Act
      const plan = planFor({ images: [retired] });

      // Assess
      expect(plan.tagsToRelease).toEqual([]);
      expect(plan.inUseBySource).toEqual({ 'recent-pull': 1 });
      expect(plan.tagsToAdd.map((t) => [t.tag, t.role, t.uses.map((u) => u.kind)])).toEqual([[home, 'home', ['recent-pull']]]);
    });

    it('never releases the tag of an image in use, however old', () => {
      // Prepare
      const retired = image(seed, 100, { tags: ['v1', protection], lastPulledAt: daysAgo(99) });

      // Act
      const plan = planFor({ images: [retired], inUse: [useOf(retired.digest)] });

      // Assess
      expect(plan.tagsToRelease).toEqual([]);
    });

    it('releases a protection tag that is the image\'s only tag only after its home tag is in place, so the image never loses its last tag', () => {
      // Prepare
      const retired = image(seed, 100, { tags: [protection] });

      // Act
      const plan = planFor({ images: [retired] });

      // Assess
      expect(plan.tagsToRelease.map((t) => [t.digest, t.tag])).toEqual([[retired.digest, protection]]);
      expect(plan.tagsToAdd).toEqual([{ digest: retired.digest, tag: home, role: 'home', environment: 'prod', uses: [] }]);
      const tagSteps = plan.steps.filter((s) => s.kind !== 'put-policy');
      expect(tagSteps).toEqual([
        { kind: 'add-tag', digest: retired.digest, tag: home, role: 'home' },
        { kind: 'remove-tag', digest: retired.digest, tag: protection },
      ]);
      expect(plan.protectionKept).toEqual([]);
      // Every prefix of the steps leaves the image tagged.
      for (let n = 0; n <= plan.steps.length; n++)
        expect(applyInMemory([retired], undefined, { ...plan, steps: plan.steps.slice(0, n) }).images[0]?.tags.length).toBeGreaterThan(0);
      expect(applyInMemory([retired], undefined, plan).images[0]?.tags).toEqual([home]);
    });

    it('lists protection it keeps: images still inside the grace period, and archived ones (no home tag can be added to them)', () => {
      // Prepare
      const recent = image('recent', 100, { tags: ['v1', protectionTagFor(CONFIG, 'prod', digestOf('recent'))], lastActivatedAt: daysAgo(3) });
      const archived = image('cold', 300, { tags: ['v1', protectionTagFor(CONFIG, 'dev', digestOf('cold'))], storageClass: 'archive', lastArchivedAt: daysAgo(200) });

      // Act
      const plan = planFor({ images: [recent, archived], config: NO_PULL_GUARD });

      // Assess
      expect(plan.tagsToRelease).toEqual([]);
      expect(plan.tagsToAdd).toEqual([]);
      expect(plan.protectionKept.map((k) => [k.digest, k.tag, k.reason])).toEqual([
        [recent.digest, protectionTagFor(CONFIG, 'prod', digestOf('recent')), expect.stringMatching(/3 day\(s\) ago \(release after 14\)/)],
        [archived.digest, protectionTagFor(CONFIG, 'dev', digestOf('cold')), expect.stringMatching(/archived/)],
      ]);
    });

    it('never releases anything when the in-use set is incomplete', () => {
      // Prepare
      const retired = image(seed, 100, { tags: ['v1', protection], lastPulledAt: daysAgo(99) });

      // Act
      const plan = planFor({ images: [retired], inUseComplete: false });

      // Assess
      expect(plan.tagsToRelease).toEqual([]);
      expect(plan.status).toBe('blocked');
    });

    it.each([
      ['a tag that only looks like a protection tag', 'prod-keep-forever'],
      ['the protection tag of another digest', protectionTagFor(CONFIG, 'prod', digestOf('someone-else'))],
    ])('leaves alone hand-made tags: %s', (_name, tag) => {
      // Prepare
      const img = image('hand-made', 100, { tags: ['v1', tag] });

      // Act
      const plan = planFor({ images: [img] });

      // Assess
      expect(plan.tagsToRelease).toEqual([]);
      expect(plan.steps.filter((s) => s.kind === 'remove-tag')).toEqual([]);
    });
  });

  describe('existing policy', () => {
    const releases = ruleFactory({
      rulePriority: 1,
      description: 'team: releases',
      selection: { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 10 },
    });
    const prodClash = ruleFactory({
      rulePriority: 2,
      description: 'team: prod',
      selection: { tagStatus: 'tagged', tagPrefixList: ['prod-'], countType: 'imageCountMoreThan', countNumber: 3 },
    });

    it('merges: keeps the repository\'s own rules above the baseline and leaves out the baseline rule one of them overrides', () => {
      // Prepare
      const currentPolicy = policyText(releases, prodClash);

      // Act
      const plan = planFor({ images: [image('a', 1, { tags: ['release-1'] })], currentPolicy });

      // Assess
      expect(plan.policy.change).toBe('update');
      expect(plan.policy.currentText).toBe(currentPolicy.text);
      expect(plan.policy.keptOwnRules.map((r) => r.description)).toEqual(['team: releases', 'team: prod']);
      expect(plan.policy.droppedOwnRules).toEqual([]);
      expect(plan.policy.overriddenBaseline).toEqual([{ description: 'ecr-keeper: prod retention', reason: expect.stringMatching(/same tag list/) }]);
      expect(plan.reasons.join('\n')).toMatch(/baseline rule "ecr-keeper: prod retention" left out/);
      const written = parsePolicyText(plan.policy.text ?? '');
      expect(written.ok && [...written.policy.rules].sort((a, b) => a.rulePriority - b.rulePriority).map((r) => r.description)).toEqual([
        'ecr-keeper: protection (prod)',
        'ecr-keeper: protection (dev)',
        'team: releases',
        'team: prod',
        'ecr-keeper: dev retention',
        'ecr-keeper: untagged',
        'ecr-keeper: catch-all',
      ]);
    });

    it('replaces: keeps none of the repository\'s rules', () => {
      // Prepare
      const currentPolicy = policyText(releases, prodClash);

      // Act
      const plan = planFor({ currentPolicy, config: configWith({ existingPolicy: 'replace' }) });

      // Assess
      expect(plan.policy.keptOwnRules).toEqual([]);
      expect(plan.policy.droppedOwnRules).toHaveLength(2);
      expect(plan.policy.text).not.toContain('team:');
    });

    it('blocks, writing nothing, when merging would exceed 50 rules', () => {
      // Prepare
      const many = Array.from({ length: 46 }, (_, i) =>
        ruleFactory({ rulePriority: i + 1, description: `team: branch ${i}`, selection: { tagStatus: 'tagged', tagPatternList: [`b${i}-*`], countType: 'imageCountMoreThan', countNumber: 2 } }),
      );
      const running = image('running', 1, { tags: ['v1'] });

      // Act
      const plan = planFor({ images: [running], currentPolicy: policyText(...many), inUse: [useOf(running.digest)] });

      // Assess
      expect(plan.status).toBe('blocked');
      expect(plan.policy.change).toBe('none');
      expect(plan.policy.text).toBeUndefined();
      expect(plan.reasons.join('\n')).toMatch(/at most 50/);
    });

    it('blocks in merge mode when the current policy cannot be read, and writes nothing', () => {
      // Prepare
      const running = image('running', 1, { tags: ['v1'] });
      const currentPolicy = { text: `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"sometimes"}}]}${' '.repeat(100)}` };

      // Act
      const plan = planFor({ images: [running], currentPolicy, inUse: [useOf(running.digest)] });

      // Assess
      expect(plan.status).toBe('blocked');
      expect(plan.reasons.join('\n')).toMatch(/current policy could not be read/);
      expect(plan.tagsToAdd).toEqual([]);
      expect(plan.policy.change).toBe('none');
    });

    it('replaces a current policy it cannot read in replace mode', () => {
      // Prepare
      const currentPolicy = { text: 'not json at all'.padEnd(120, '.') };

      // Act
      const plan = planFor({ currentPolicy, config: configWith({ existingPolicy: 'replace' }) });

      // Assess
      expect(plan.status).toBe('apply');
      expect(plan.policy.change).toBe('update');
      expect(parsePolicyText(plan.policy.text ?? '').ok).toBe(true);
    });
  });

  describe('idempotence', () => {
    const scenarios: [string, () => Omit<PlanInput, 'repository' | 'repositoryTags' | 'config' | 'now'>][] = [
      [
        'a repository without a policy, an old in-use image and a digest-only deployment',
        () => {
          const old = image('old', 300, { tags: ['prod-1'] });
          const digestOnly = image('digest-only', 20);
          return { images: [...recentProdReleases(), old, digestOnly], currentPolicy: undefined, inUse: [useOf(old.digest), useOf(digestOnly.digest, 'dev')], inUseComplete: true };
        },
      ],
      [
        'a repository with its own rules to merge and a protection tag to release',
        () => {
          const retired = image('retired', 100, { tags: ['v1', protectionTagFor(CONFIG, 'prod', digestOf('retired'))] });
          const running = image('running', 40, { tags: ['release-3'] });
          const own = ruleFactory({ rulePriority: 4, description: 'team: releases', selection: { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 1 } });
          return { images: [retired, running, image('release-4', 1, { tags: ['release-4'] })], currentPolicy: policyText(own), inUse: [useOf(running.digest)], inUseComplete: true };
        },
      ],
    ];

    it.each(scenarios)('plans nothing the second time for %s', (_name, scenario) => {
      // Prepare
      const inputs = scenario();
      const first = planFor(inputs);
      const applied = applyInMemory(inputs.images, inputs.currentPolicy, first);

      // Act
      const second = planFor({ ...inputs, ...applied });

      // Assess
      expect(first.status).toBe('apply');
      expect(second.status).toBe('unchanged');
      expect(second.tagsToAdd).toEqual([]);
      expect(second.tagsToRelease).toEqual([]);
      expect(second.policy.change).toBe('none');
      expect(second.policy.text).toBeUndefined();
    });
  });

  describe('exclusions', () => {
    it.each([
      ['a name glob', configWith({ exclusions: { repositoryPatterns: ['team/*'] } }), {}, /team\/\*/],
      ['the default opt-out repository tag', CONFIG, { 'ecr-keeper:managed': 'false' }, /ecr-keeper:managed=false/],
    ])('excludes a repository by %s and computes nothing', (_name, config, repositoryTags, reason) => {
      // Prepare
      const running = image('running', 400, { tags: ['v1'] });

      // Act
      const plan = planFor({ config, repositoryTags, images: [running], inUse: [useOf(running.digest)] });

      // Assess
      expect(plan.status).toBe('excluded');
      expect(plan.reasons).toEqual([expect.stringMatching(reason)]);
      expect(plan.tagsToAdd).toEqual([]);
      expect(plan.policy.change).toBe('none');
    });

    it.each([
      ['a glob that does not match the whole name', { exclusions: { repositoryPatterns: ['team'] } }, {}],
      ['the opt-out tag with another value', {}, { 'ecr-keeper:managed': 'true' }],
    ])('manages a repository with %s', (_name, overrides, repositoryTags) => {
      // Act
      const plan = planFor({ config: configWith(overrides), repositoryTags });

      // Assess
      expect(plan.status).toBe('apply');
    });
  });

  describe('reports', () => {
    it('summarises what the current and the target policies would expire, by rule', () => {
      // Prepare
      const stale = image('stale', 200, { tags: ['old'] });
      const running = image('running', 200, { tags: ['v1'] });
      const currentPolicy = policyText(
        ruleFactory({ rulePriority: 1, description: 'team: 100 days', selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 100 } }),
      );

      // Act
      const plan = planFor({ images: [stale, running], currentPolicy, inUse: [useOf(running.digest)] });

      // Assess: the team's own any rule stays (last) in place of the catch-all; protection shields the running image
      expect(plan.current?.affected.map((a) => [a.digest, a.inUse])).toEqual([[stale.digest, false], [running.digest, true]]);
      expect(plan.current?.inUseAtRisk.map((r) => r.digest)).toEqual([running.digest]);
      expect(plan.policy.overriddenBaseline.map((o) => o.description)).toEqual(['ecr-keeper: catch-all']);
      expect(plan.target?.affected.map((a) => [a.digest, a.ruleDescription])).toEqual([[stale.digest, 'team: 100 days']]);
      expect(plan.target?.byRule).toEqual([{ rulePriority: expect.any(Number), description: 'team: 100 days', action: 'expire', images: 1, bytes: 1_000_000 }]);
      expect(plan.target?.expiringBytes).toBe(1_000_000);
      expect(plan.target?.inUseAtRisk).toEqual([]);
      expect(plan.newlyExpiring).toEqual([]); // the current policy expires the stale image already
      expect(plan.status).toBe('apply');
    });

    it('lists the images the policy change would newly expire, and not those the current policy expires already', () => {
      // Prepare: the team keeps the newest 6 of everything; the baseline's untagged rule (7 days) is stricter
      const currentPolicy = policyText(ruleFactory({ rulePriority: 1, description: 'team: newest 6', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 6 } }));
      const fresh = Array.from({ length: 5 }, (_, i) => image(`fresh-${i}`, i + 1, { tags: [`v${i}`] }));
      const oldUntagged = image('old-untagged', 20);
      const oldest = image('oldest', 400, { tags: ['v-old'] });
      const images = [...fresh, oldUntagged, oldest];
      const replace = configWith({ existingPolicy: 'replace' });

      // Act
      const plan = planFor({ images, currentPolicy, config: replace });
      const withoutPolicy = planFor({ images, config: replace });

      // Assess
      expect(plan.current?.affected.map((a) => a.digest)).toEqual([oldest.digest]);
      expect(plan.target?.affected.map((a) => a.digest).sort()).toEqual([oldUntagged.digest, oldest.digest].sort());
      expect(plan.newlyExpiring.map((a) => [a.digest, a.ruleDescription])).toEqual([[oldUntagged.digest, 'ecr-keeper: untagged']]);
      expect(withoutPolicy.newlyExpiring.map((a) => a.digest).sort()).toEqual([oldUntagged.digest, oldest.digest].sort());
    });
  });
});

describe('Function: planRepository with imageListLimit', () => {
  /** 50 images pushed a year before NOW, 10 000 bytes each: 20 tagged old-N, 30 untagged (the baseline expires them all). */
  const IMAGES = Array.from({ length: 50 }, (_, i) => imageFactory({ tags: i < 20 ? [`old-${i}`] : [], pushedAt: new Date(Date.UTC(2023, 4, 1, 0, i)), sizeBytes: 10_000 }));
  const input = (currentPolicy: StoredPolicy | undefined): PlanInput => ({
    repository: repositoryFactory(),
    repositoryTags: {},
    images: IMAGES,
    currentPolicy,
    inUse: [],
    inUseComplete: true,
    config: CONFIG,
    now: NOW,
  });
  // The repository's own rule expires the 20 old-N images; merged with the baseline, the 30 untagged ones follow.
  const ownRule = { text: serializePolicy({ rules: [ruleFactory({ rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['old-*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 } })] }) };

  it.each([
    ['no policy yet', undefined],
    ['a policy of its own', ownRule],
  ])('keeps the first entries of each image list and says how many it left out; every count stays exact (%s)', (_name, policy) => {
    // Prepare
    const whole = planRepository(input(policy));

    // Act
    const capped = planRepository({ ...input(policy), imageListLimit: 10 });

    // Assess
    expect(whole.target?.affected).toHaveLength(50);
    expect(capped.target?.affected).toEqual(whole.target?.affected.slice(0, 10));
    expect(capped.target?.affectedTruncated).toBe(40);
    expect(capped.target?.expiringImages).toBe(50);
    expect(capped.target?.expiringBytes).toBe(500_000);
    expect(capped.target?.byRule).toEqual(whole.target?.byRule);
    expect(capped.current?.affected).toEqual(whole.current?.affected.slice(0, 10));
    expect(capped.current?.affectedTruncated).toBe(policy === undefined ? undefined : 10);
    expect(whole.newlyExpiring).toHaveLength(policy === undefined ? 50 : 30);
    expect(capped.newlyExpiring).toEqual(whole.newlyExpiring.slice(0, 10));
    expect(capped.newlyExpiringTruncated).toBe(whole.newlyExpiring.length - 10);
    expect(capped.steps).toEqual(whole.steps);
    expect(capped.status).toBe(whole.status);
  });

  it('leaves lists within the limit whole, with nothing said truncated', () => {
    // Prepare
    const whole = planRepository(input(ownRule));

    // Act
    const capped = planRepository({ ...input(ownRule), imageListLimit: 50 });

    // Assess
    expect(capped).toEqual(whole);
    expect(capped.target?.affectedTruncated).toBeUndefined();
    expect(capped.newlyExpiringTruncated).toBeUndefined();
  });
});
