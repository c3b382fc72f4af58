import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredPolicy } from '../../../src/lib/aws/ports.js';
import { parseConfig, type KeeperConfig } from '../../../src/lib/config.js';
import type { Digest, ImageRecord, InUseImage } from '../../../src/lib/domain/types.js';
import { planRepository, widenInUse, type PlanInput } from '../../../src/lib/plan/planner.js';
import { findEnvironment, homeTagFor, ownProtectionOf } from '../../../src/lib/plan/protection.js';
import { buildTargetPolicy } from '../../../src/lib/plan/target-policy.js';
import type { RepositoryPlan } from '../../../src/lib/plan/types.js';
import { serializePolicy } from '../../../src/lib/policy/canonical.js';
import { parsePolicyText, validatePolicy } from '../../../src/lib/policy/parse.js';
import { simulatePolicy } from '../../../src/lib/policy/simulate.js';
import type { LifecyclePolicy, Rule, Selection } from '../../../src/lib/policy/types.js';
import { fcRuns } from '../../fuzz-setup.js';
import { digestOf, repositoryFactory } from '../../helpers/factories.js';

// The product's non-negotiable: an unblocked plan never lets ECR expire or archive an in-use image.
// Full sizes; `npm test` runs a quarter (FC_SCALE=1 for the full run, see test/fuzz-setup.ts).
const SAFETY_RUNS = { numRuns: fcRuns(10_000) };
const RUNS = { numRuns: fcRuns(2_000) };
const IDEMPOTENCE_RUNS = { numRuns: fcRuns(1_000) };

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
    recentPullDays: fc.constantFrom(0, 3, 30),
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
      protection: { tagInfix: 'keep-', homeInfix: 'kept-', releaseAfterDays: c.releaseAfterDays },
      inUse: { recentPullDays: c.recentPullDays },
      existingPolicy: c.existingPolicy,
    }),
  );

// ---------- images ----------
/** Tags: environment tags, tags several images share, and protection and home tags (own digest or someone else's). */
const tagArb = (self: number): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 5, arbitrary: fc.constantFrom('prod-1', 'prod-2', 'prod-3', 'dev-1', 'dev-2', 'latest', 'release-1', 'v1', 'v2', 'prod-keep-forever') },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 999 }).map((n) => `${['prod-', 'dev-', 'release-', 'v'][n % 4]}${n}`) },
    { weight: 2, arbitrary: fc.constantFrom(`prod-keep-${hex(self)}`, `dev-keep-${hex(self)}`) },
    { weight: 1, arbitrary: fc.constantFrom(`prod-kept-${hex(self)}`, `dev-kept-${hex(self)}`) },
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
const patternArb = fc.constantFrom('*', 'prod-*', 'dev-*', '*-1', 'release-*', 'v*', 'prod-keep-*', 'p*d*', '*keep*', 'latest', 'prod-kept-*');
const prefixArb = fc.constantFrom('prod-', 'dev-', 'prod-keep-', 'dev-keep-', 'v', 'l', 'release-', 'p', 'prod-kept-');
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
/** The in-use set the planner must honour: the input widened by the pull guard and referrers. */
const widenedInUse = (input: PlanInput): InUseImage[] => widenInUse(input.config, input.repository, input.images, input.inUse, input.now);

const parsed = (text: string | undefined): LifecyclePolicy | 'none' | 'unreadable' => {
  if (text === undefined) return 'none';
  const result = parsePolicyText(text);
  return result.ok ? result.policy : 'unreadable';
};

type Verdict = 'keep' | 'transition' | 'expire';
/** How bad a verdict is: archiving can be undone by a restore, expiry cannot. */
const severity = (verdict: Verdict | undefined): number => (verdict === 'expire' ? 2 : verdict === 'transition' ? 1 : 0);

/** What `policy` would do now to each image of `images` that it expires or archives. */
const markedUnder = (policy: LifecyclePolicy | 'none', images: readonly ImageRecord[]): Map<Digest, Verdict> => {
  if (policy === 'none') return new Map();
  return new Map(simulatePolicy(policy, images, NOW).verdicts.filter((v) => v.decision.kind !== 'keep').map((v) => [v.image.digest, v.decision.kind]));
};

interface Replay {
  /** Broken promises about tags: a deleted image, a tagged image left without tags. */
  readonly tagFailures: string[];
  /** Broken promises about expiry and archiving, policy writes and unreadable policies. */
  readonly riskFailures: string[];
  /** In-use images at risk of archiving before the first step and of expiry after a later one. */
  readonly escalations: string[];
  /** The listing after the last step. */
  readonly listing: ImageRecord[];
  /** The policy text in force after the last step. */
  readonly policyText: string | undefined;
  /** The tags each remove-tag step found on its image just before it ran. */
  readonly tagsBeforeRemoval: { readonly digest: Digest; readonly tag: string; readonly tags: readonly string[] }[];
}

/**
 * Replays `plan.steps` one by one as ECR would take them (PutImage moves a tag to its image,
 * BatchDeleteImage on an image's last tag deletes it, each policy write replaces the policy in force)
 * and checks after EVERY step, under the policy in force at that moment:
 * - tags: no image is deleted, and no image that had tags is left without any;
 * - risk: no in-use image (widened set) is at risk unless it already was before the first step,
 *   and none at all once the target policy has been written (a guard is held to "no worse"); with an incomplete in-use set no image newly
 *   becomes expiring (an image archived before and expired now counts) or archiving, and no policy
 *   is written; no tag changes under a policy that cannot be read (it cannot be simulated);
 * - escalations: an in-use image already at risk before the first step is at risk no worse after
 *   any step (archiving can be undone by a restore, expiry cannot).
 */
const replaySteps = (input: PlanInput, plan: RepositoryPlan, inUse: ReadonlySet<Digest>): Replay => {
  const tagFailures: string[] = [];
  const riskFailures: string[] = [];
  const escalations: string[] = [];
  const tagsBeforeRemoval: Replay['tagsBeforeRemoval'] = [];
  let listing = [...input.images];
  let policyText = input.currentPolicy?.text;
  let inForce = parsed(policyText);
  let policyWritten = false;
  const initial = inForce === 'unreadable' ? undefined : markedUnder(inForce, listing);
  plan.steps.forEach((step, i) => {
    const at = `step ${i} (${step.kind}${step.kind === 'put-policy' ? ` ${step.role}` : ` ${step.tag} on ${step.digest.slice(7, 19)}`})`;
    if (step.kind === 'put-policy') {
      if (!input.inUseComplete) riskFailures.push(`${at}: a policy written with an incomplete in-use set`);
      policyText = step.text;
      inForce = parsed(step.text);
      policyWritten = policyWritten || step.role === 'target';
      if (inForce === 'unreadable') riskFailures.push(`${at}: the written policy does not parse`);
    } else {
      if (inForce === 'unreadable') riskFailures.push(`${at}: a tag changed under a policy that cannot be read`);
      const before = listing;
      if (step.kind === 'add-tag') {
        listing = listing.map((image) => ({ ...image, tags: [...image.tags.filter((t) => t !== step.tag), ...(image.digest === step.digest ? [step.tag] : [])] }));
      } else {
        const image = listing.find((x) => x.digest === step.digest);
        if (image !== undefined) tagsBeforeRemoval.push({ digest: step.digest, tag: step.tag, tags: image.tags });
        if (image !== undefined && image.tags.length === 1 && image.tags[0] === step.tag) tagFailures.push(`${at}: removes the last tag, deleting the image`);
        listing = listing.map((x) => (x.digest === step.digest ? { ...x, tags: x.tags.filter((t) => t !== step.tag) } : x));
      }
      listing.forEach((image, j) => {
        // PutImage moves a tag another image holds: a hand-made copy of this digest's own protection
        // or home tag may leave that image untagged (the replay still checks it is not in use).
        const movedOwnTag = step.kind === 'add-tag' && image.digest !== step.digest && step.tag.endsWith(step.digest.slice(7));
        if ((before[j]?.tags.length ?? 0) > 0 && image.tags.length === 0 && !movedOwnTag) tagFailures.push(`${at}: leaves ${image.digest.slice(7, 19)} without tags`);
      });
    }
    if (inForce === 'unreadable') return;
    for (const [digest, verdict] of markedUnder(inForce, listing)) {
      const was = initial === undefined ? undefined : initial.get(digest);
      const worse = initial === undefined || severity(verdict) > severity(was);
      if (inUse.has(digest) && policyWritten) riskFailures.push(`${at}: in-use ${digest.slice(7, 19)} at risk (${verdict}) after a policy write`);
      else if (inUse.has(digest) && was === undefined) riskFailures.push(`${at}: in-use ${digest.slice(7, 19)} newly at risk (${verdict})`);
      else if (inUse.has(digest) && worse) escalations.push(`${at}: in-use ${digest.slice(7, 19)} at risk of ${verdict}, of ${was ?? 'keep'} before the first step`);
      if (!input.inUseComplete && worse) riskFailures.push(`${at}: ${digest.slice(7, 19)} newly ${verdict === 'expire' ? 'expiring' : 'archiving'} (${was ?? 'keep'} before) with an incomplete in-use set`);
    }
  });
  return { tagFailures, riskFailures, escalations, listing, policyText, tagsBeforeRemoval };
};

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

        // Assess: unless blocked, the policy in force after the plan's steps (the written text, or the
        // current one) keeps every in-use image (widened set) of the listing the steps leave.
        expect(plan.policy.text === undefined || parsePolicyText(plan.policy.text).ok).toBe(true);
        const inUse = widenedInUse(input);
        const replay = replaySteps(input, plan, new Set(inUse.map((u) => u.digest)));
        const lost = plan.status === 'blocked' ? [] : atRiskUnder(replay.policyText, replay.listing, inUse);
        expect(lost).toEqual([]);
      }),
      SAFETY_RUNS,
    );
  });

  it('writes no policy and releases nothing on a blocked plan: only proven-safe protection may land', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Act
        const plan = planRepository(input);

        // Assess
        const blocked = plan.status === 'blocked';
        expect(blocked ? plan.policy.text : undefined).toBeUndefined();
        expect(blocked ? plan.tagsToRelease : []).toEqual([]);
        // A guard policy (the policy in force with protection rules put first) may precede the tags.
        expect(blocked ? plan.steps.filter((s) => s.kind === 'remove-tag' || (s.kind === 'put-policy' && s.role === 'target')) : []).toEqual([]);
      }),
      SAFETY_RUNS,
    );
  });

  it('keeps every in-use image safe after every single write: replaying the steps one by one under the policy in force at each', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Act
        const plan = planRepository(input);

        // Assess
        const inUse = new Set(widenedInUse(input).map((u) => u.digest));
        expect(replaySteps(input, plan, inUse).riskFailures).toEqual([]);
      }),
      SAFETY_RUNS,
    );
  });

  it('never turns the archiving of an in-use image into its expiry at any step: an archived image can be restored, an expired one is gone', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Act
        const plan = planRepository(input);

        // Assess
        const inUse = new Set(widenedInUse(input).map((u) => u.digest));
        expect(replaySteps(input, plan, inUse).escalations).toEqual([]);
      }),
      RUNS,
    );
  });

  it("never removes an image's last tag or leaves a tagged image untagged, and never releases with an incomplete in-use set or for an in-use image", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Act
        const plan = planRepository(input);

        // Assess
        const inUse = new Set(widenedInUse(input).map((u) => u.digest));
        const removals = plan.steps.filter((s) => s.kind === 'remove-tag');
        expect(input.inUseComplete ? [] : removals).toEqual([]);
        expect(input.inUseComplete ? [] : plan.tagsToRelease).toEqual([]);
        expect(removals.filter((r) => inUse.has(r.digest))).toEqual([]);
        expect(plan.tagsToRelease.filter((r) => inUse.has(r.digest))).toEqual([]);
        // Only ecr-keeper's own protection tags, naming the image's own digest, are ever removed.
        expect(removals.filter((r) => ownProtectionOf(input.config, r.tag, r.digest) === undefined)).toEqual([]);
        expect(removals.map((r) => `${r.digest} ${r.tag}`).sort()).toEqual(plan.tagsToRelease.map((r) => `${r.digest} ${r.tag}`).sort());
        const replay = replaySteps(input, plan, inUse);
        expect(replay.tagFailures).toEqual([]);
        // The image's home tag is in place before its protection tag is removed.
        const missingHome = replay.tagsBeforeRemoval.filter(({ digest, tag, tags }) => {
          const env = findEnvironment(input.config, ownProtectionOf(input.config, tag, digest) ?? '');
          return env === undefined || !tags.includes(homeTagFor(input.config, env, digest));
        });
        expect(missingHome).toEqual([]);
      }),
      RUNS,
    );
  });

  it('protects every in-use standard image without blocking, when the current policy is readable and no in-use image is archived or a referrer', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        // Prepare: "in use" is the widened set (pull guard, referrers and their subjects)
        const present = new Map(input.images.map((i) => [i.digest, i]));
        const inUseImages = widenedInUse(input).map((u) => present.get(u.digest)).filter((i): i is ImageRecord => i !== undefined);
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
        const replay = replaySteps(input, first, new Set(widenedInUse(input).map((u) => u.digest)));
        const again: PlanInput = {
          ...input,
          images: replay.listing,
          currentPolicy: replay.policyText === undefined ? undefined : { text: replay.policyText },
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
