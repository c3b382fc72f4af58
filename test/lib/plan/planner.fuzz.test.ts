import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredPolicy } from '../../../src/lib/aws/ports.js';
import { parseConfig, type KeeperConfig } from '../../../src/lib/config.js';
import type { Digest, ImageRecord, InUseImage } from '../../../src/lib/domain/types.js';
import { planRepository, type PlanInput } from '../../../src/lib/plan/planner.js';
import { buildTargetPolicy } from '../../../src/lib/plan/target-policy.js';
import type { RepositoryPlan } from '../../../src/lib/plan/types.js';
import { serializePolicy } from '../../../src/lib/policy/canonical.js';
import { parsePolicyText, validatePolicy } from '../../../src/lib/policy/parse.js';
import { simulatePolicy } from '../../../src/lib/policy/simulate.js';
import type { LifecyclePolicy, Rule, Selection } from '../../../src/lib/policy/types.js';
import { digestOf, repositoryFactory } from '../../helpers/factories.js';

// The product's non-negotiable: an unblocked plan never lets ECR expire or archive an in-use image.
const SAFETY_RUNS = { numRuns: 10_000 };
const RUNS = { numRuns: 2_000 };
const IDEMPOTENCE_RUNS = { numRuns: 1_000 };

const NOW = new Date('2024-06-15T12:00:00Z');
const DAY_MS = 86_400_000;
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * DAY_MS);

const REPOSITORY = repositoryFactory();

const MAX_IMAGES = 30;
// Fixed digests, so protection tags of one image can be planted on another (hand-made mischief).
const DIGESTS: readonly Digest[] = Array.from({ length: MAX_IMAGES + 2 }, (_, i) => digestOf(`fuzz-${i}`));
const hex = (i: number): string => (DIGESTS[i] ?? DIGESTS[0] ?? '').slice('sha256:'.length);

// ---------- config ----------
const retention = fc.oneof(
  fc.record({ keepNewest: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ expireAfterDays: fc.integer({ min: 1, max: 120 }) }),
);
const configArb: fc.Arbitrary<KeeperConfig> = fc
  .record({
    prod: retention,
    dev: retention,
    untagged: retention,
    catchAll: fc.option(fc.integer({ min: 1, max: 200 }), { nil: null }),
    releaseAfterDays: fc.integer({ min: 1, max: 30 }),
    existingPolicy: fc.constantFrom('merge', 'replace'),
  })
  .map((c) =>
    parseConfig({
      regions: ['eu-west-1'],
      environments: [
        { name: 'prod', tagPrefix: 'prod-', ...c.prod },
        { name: 'dev', tagPrefix: 'dev-', ...c.dev },
      ],
      environmentResolution: { default: 'prod' },
      untagged: c.untagged,
      catchAll: c.catchAll === null ? null : { expireAfterDays: c.catchAll },
      protection: { tagInfix: 'keep-', releaseAfterDays: c.releaseAfterDays },
      existingPolicy: c.existingPolicy,
    }),
  );

// ---------- images ----------
/** Tags: environment tags, tags several images share, and protection tags (own digest or someone else's). */
const tagArb = (self: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom('prod-1', 'prod-2', 'prod-3', 'dev-1', 'dev-2', 'latest', 'release-1', 'v1', 'v2', 'prod-keep-forever') },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 999 }).map((n) => `${['prod-', 'dev-', 'release-', 'v'][n % 4]}${n}`) },
    { weight: 2, arbitrary: fc.constantFrom(`prod-keep-${hex(self)}`, `dev-keep-${hex(self)}`) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: MAX_IMAGES - 1 }).map((i) => `prod-keep-${hex(i)}`) },
    { weight: 1, arbitrary: fc.constant(`qa-keep-${hex(self)}`) },
  );

const ageArb = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 800 }));

interface ImageSpec {
  readonly tags: readonly string[];
  readonly pushed: number;
  readonly pulled: number | undefined;
  readonly activated: number | undefined;
  readonly archived: number | undefined;
  readonly subject: number | undefined;
  readonly children: readonly number[];
  readonly size: number;
}

const imageSpecArb = (self: number): fc.Arbitrary<ImageSpec> =>
  fc.record({
    tags: fc.oneof(fc.constant([] as string[]), fc.uniqueArray(tagArb(self), { minLength: 1, maxLength: 3 })),
    pushed: ageArb,
    pulled: fc.option(fc.integer({ min: 0, max: 800 }), { nil: undefined }),
    activated: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
    archived: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined, freq: 4 }),
    subject: fc.option(fc.integer({ min: 0, max: MAX_IMAGES - 1 }), { nil: undefined, freq: 6 }),
    children: fc.oneof({ weight: 5, arbitrary: fc.constant([] as number[]) }, { weight: 1, arbitrary: fc.uniqueArray(fc.integer({ min: 0, max: MAX_IMAGES - 1 }), { maxLength: 3 }) }),
    size: fc.integer({ min: 0, max: 500_000_000 }),
  });

const toImages = (specs: readonly ImageSpec[]): ImageRecord[] =>
  specs.map((s, i) => {
    const digest = DIGESTS[i] as Digest;
    const inRange = (j: number | undefined): Digest | undefined => (j === undefined || j >= specs.length || j === i ? undefined : DIGESTS[j]);
    // Pull, restore and archive never precede the push.
    const within = (days: number | undefined): Date | undefined => (days === undefined ? undefined : daysAgo(Math.min(days, s.pushed)));
    return {
      digest,
      tags: s.tags,
      pushedAt: daysAgo(s.pushed),
      lastPulledAt: within(s.pulled),
      lastActivatedAt: within(s.activated),
      lastArchivedAt: within(s.archived),
      storageClass: s.archived === undefined ? 'standard' : 'archive',
      sizeBytes: s.size,
      subjectDigest: inRange(s.subject),
      childDigests: s.children.map(inRange).filter((d): d is Digest => d !== undefined),
    };
  });

const imagesArb: fc.Arbitrary<ImageRecord[]> = fc
  .integer({ min: 0, max: MAX_IMAGES })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => imageSpecArb(i))))
  .map(toImages);

// ---------- the repository's own policy ----------
const patternArb = fc.constantFrom('*', 'prod-*', 'dev-*', '*-1', 'release-*', 'v*', 'prod-keep-*', 'p*d*', '*keep*', 'latest');
const prefixArb = fc.constantFrom('prod-', 'dev-', 'prod-keep-', 'dev-keep-', 'v', 'l', 'release-', 'p');
const tagSelectionArb = fc.oneof(
  fc.record({ tagStatus: fc.constant('tagged' as const), tagPatternList: fc.uniqueArray(patternArb, { minLength: 1, maxLength: 2 }) }),
  fc.record({ tagStatus: fc.constant('tagged' as const), tagPrefixList: fc.uniqueArray(prefixArb, { minLength: 1, maxLength: 2 }) }),
  fc.constant({ tagStatus: 'untagged' as const }),
  fc.constant({ tagStatus: 'any' as const }),
);
const days = fc.integer({ min: 1, max: 400 });
const countArb = fc.oneof(
  fc.record({ count: fc.record({ countType: fc.constant('imageCountMoreThan' as const), countNumber: fc.integer({ min: 1, max: 8 }) }), action: fc.constant({ type: 'expire' as const }), storage: fc.constant(undefined) }),
  fc.record({ count: fc.record({ countType: fc.constant('sinceImagePushed' as const), countUnit: fc.constant('days' as const), countNumber: days }), action: fc.constantFrom<Rule['action']>({ type: 'expire' }, { type: 'transition', targetStorageClass: 'archive' }), storage: fc.constant(undefined) }),
  fc.record({ count: fc.record({ countType: fc.constant('sinceImagePulled' as const), countUnit: fc.constant('days' as const), countNumber: days }), action: fc.constant<Rule['action']>({ type: 'transition', targetStorageClass: 'archive' }), storage: fc.constant(undefined) }),
  fc.record({ count: fc.record({ countType: fc.constant('sinceImageTransitioned' as const), countUnit: fc.constant('days' as const), countNumber: fc.integer({ min: 90, max: 400 }) }), action: fc.constant<Rule['action']>({ type: 'expire' }), storage: fc.constant('archive' as const) }),
);
const descriptionArb = fc.constantFrom(undefined, 'team rule', 'ecr-keeper: stale generated rule');

const classOf = (s: Selection): string => s.storageClass ?? 'standard';
const identity = (s: Selection): string =>
  s.tagStatus === 'tagged' ? JSON.stringify([classOf(s), s.tagPatternList === undefined ? 'prefix' : 'pattern', [...(s.tagPatternList ?? s.tagPrefixList ?? [])].sort()]) : `${classOf(s)}/${s.tagStatus}`;

/** A valid policy: duplicate lists and untagged rules dropped, `any` rules moved last, priorities renumbered. */
const ownPolicyArb: fc.Arbitrary<LifecyclePolicy> = fc
  .array(fc.record({ tags: tagSelectionArb, count: countArb, description: descriptionArb }), { minLength: 1, maxLength: 6 })
  .map((drafts) => {
    const seen = new Set<string>();
    const rules: Omit<Rule, 'rulePriority'>[] = [];
    for (const d of drafts) {
      const selection: Selection = { ...d.tags, ...d.count.count, ...(d.count.storage === undefined ? {} : { storageClass: d.count.storage }) };
      const key = identity(selection);
      if (seen.has(key)) continue;
      seen.add(key);
      rules.push({ ...(d.description === undefined ? {} : { description: d.description }), selection, action: d.count.action });
    }
    const ordered = [...rules.filter((r) => r.selection.tagStatus !== 'any'), ...rules.filter((r) => r.selection.tagStatus === 'any')];
    return { rules: ordered.map((r, i) => ({ rulePriority: i + 1, ...r })) };
  })
  .filter((policy) => validatePolicy(policy).ok);

/** The stored policy: none, the repository's own, an older ecr-keeper target (other numbers), or garbage. */
const currentPolicyArb: fc.Arbitrary<StoredPolicy | undefined> =
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 5, arbitrary: ownPolicyArb.map((p) => ({ text: serializePolicy(p) })) },
    {
      weight: 2,
      arbitrary: fc.tuple(ownPolicyArb, configArb).map(([own, older]) => {
        const text = buildTargetPolicy(older, own).text;
        return text === undefined ? undefined : { text };
      }),
    },
    { weight: 1, arbitrary: fc.constant({ text: '{"rules": "not a list"}'.padEnd(120, ' ') }) },
  );

// ---------- in use ----------
const inUseArb = (images: readonly ImageRecord[]): fc.Arbitrary<InUseImage[]> =>
  fc.array(
    fc.record({
      index: fc.integer({ min: 0, max: images.length + 1 }),
      environment: fc.constantFrom('prod', 'prod', 'dev', 'qa'),
      service: fc.constantFrom('api', 'worker', 'cron'),
    }),
    { maxLength: Math.min(12, images.length + 2) },
  ).map((picks) =>
    picks.map(({ index, environment, service }) => {
      const digest = images[index]?.digest ?? digestOf(`absent-${index}`);
      return {
        registryId: REPOSITORY.registryId,
        region: REPOSITORY.region,
        repository: REPOSITORY.name,
        digest,
        environment,
        uses: [{ kind: 'task' as const, region: REPOSITORY.region, cluster: environment, service, arn: `arn:aws:ecs:eu-west-1:123456789012:task/${environment}/${service}`, image: `${REPOSITORY.uri}@${digest}`, environment }],
      };
    }),
  );

const inputArb: fc.Arbitrary<PlanInput> = fc
  .tuple(configArb, imagesArb)
  .chain(([config, images]) =>
    fc.record({
      repository: fc.constant(REPOSITORY),
      repositoryTags: fc.constant({}),
      images: fc.constant(images),
      currentPolicy: currentPolicyArb,
      inUse: inUseArb(images),
      inUseComplete: fc.constantFrom(true, true, true, false),
      config: fc.constant(config),
      now: fc.constant(NOW),
    }),
  );

// ---------- an oracle independent of the planner ----------
/** Applies the plan as ECR would: an added tag moves to its image, a released tag leaves its image. */
const applyToListing = (images: readonly ImageRecord[], plan: RepositoryPlan): ImageRecord[] =>
  images.map((image) => {
    let tags = [...image.tags];
    for (const add of plan.tagsToAdd) {
      tags = tags.filter((t) => t !== add.tag);
      if (add.digest === image.digest) tags.push(add.tag);
    }
    for (const release of plan.tagsToRelease) if (release.digest === image.digest) tags = tags.filter((t) => t !== release.tag);
    return { ...image, tags };
  });

const atRiskUnder = (text: string | undefined, images: readonly ImageRecord[], inUse: readonly InUseImage[]): Digest[] => {
  if (text === undefined) return [];
  const parsed = parsePolicyText(text);
  if (!parsed.ok) return [];
  const simulation = simulatePolicy(parsed.policy, images, NOW);
  const used = new Set(inUse.map((u) => u.digest));
  return simulation.verdicts.filter((v) => v.decision.kind !== 'keep' && used.has(v.image.digest)).map((v) => v.image.digest);
};

describe('Function: planRepository (properties)', () => {
  it('never lets the policy in force expire or archive an in-use image unless the plan is blocked', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Act
        const plan = planRepository(input);

        // Assess: a blocked plan writes no policy and releases nothing; otherwise the policy in force
        // after the plan (written text, or the current one) keeps every in-use image of the new listing.
        const blocked = plan.status === 'blocked';
        expect(blocked ? plan.policy.text : undefined).toBeUndefined();
        expect(blocked ? plan.tagsToRelease : []).toEqual([]);
        expect(plan.policy.text === undefined || parsePolicyText(plan.policy.text).ok).toBe(true);
        const policyInForce = plan.policy.text ?? input.currentPolicy?.text;
        const lost = blocked ? [] : atRiskUnder(policyInForce, applyToListing(input.images, plan), input.inUse);
        expect(lost).toEqual([]);
      }),
      SAFETY_RUNS,
    );
  });

  it('never adds protection tags that put a new in-use image at risk under a policy left in force', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Act
        const plan = planRepository(input);

        // Assess
        const leftInForce = plan.status === 'blocked' && plan.tagsToAdd.length > 0;
        const before = new Set(leftInForce ? atRiskUnder(input.currentPolicy?.text, input.images, input.inUse) : []);
        const after = leftInForce ? atRiskUnder(input.currentPolicy?.text, applyToListing(input.images, plan), input.inUse) : [];
        expect(after.filter((d) => !before.has(d))).toEqual([]);
      }),
      RUNS,
    );
  });

  it("never releases a tag of an in-use image, an image's last tag, or anything with an incomplete in-use set", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Act
        const plan = planRepository(input);

        // Assess
        const used = new Set(input.inUse.map((u) => u.digest));
        expect(input.inUseComplete ? [] : plan.tagsToRelease).toEqual([]);
        expect(plan.tagsToRelease.filter((r) => used.has(r.digest))).toEqual([]);
        // BatchDeleteImage on an image's last tag deletes the image (a tag moved by PutImage only untags it).
        const released = applyToListing(input.images, { ...plan, tagsToAdd: [] });
        const deleted = input.images.filter((image, i) => image.tags.length > 0 && released[i]?.tags.length === 0);
        expect(deleted).toEqual([]);
      }),
      RUNS,
    );
  });

  it('protects every in-use standard image without blocking, when the current policy is readable and no in-use image is archived or a referrer', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Prepare
        const present = new Map(input.images.map((i) => [i.digest, i]));
        const inUseImages = input.inUse.map((u) => present.get(u.digest)).filter((i): i is ImageRecord => i !== undefined);
        const readable = input.currentPolicy === undefined || parsePolicyText(input.currentPolicy.text).ok;
        fc.pre(input.inUseComplete && readable && inUseImages.every((i) => i.storageClass === 'standard' && i.subjectDigest === undefined));

        // Act
        const plan = planRepository(input);

        // Assess
        expect(plan.reasons.filter((r) => /lose|cannot be written/.test(r))).toEqual([]);
        expect(plan.status).not.toBe('blocked');
      }),
      RUNS,
    );
  });

  it('is idempotent: applying the plan and planning again changes nothing', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Prepare
        const first = planRepository(input);
        fc.pre(first.status === 'apply');
        const again: PlanInput = {
          ...input,
          images: applyToListing(input.images, first),
          currentPolicy: first.policy.text === undefined ? input.currentPolicy : { text: first.policy.text },
        };

        // Act
        const second = planRepository(again);

        // Assess
        expect(second.tagsToAdd).toEqual([]);
        expect(second.policy.change).toBe('none');
      }),
      IDEMPOTENCE_RUNS,
    );
  });
});
