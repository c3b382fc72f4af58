import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Digest, ImageRecord, StorageClass } from '../../../src/lib/domain/types.js';
import { selectionMatches } from '../../../src/lib/policy/match.js';
import { simulatePolicy } from '../../../src/lib/policy/simulate.js';
import type { LifecyclePolicy, Rule, Selection, SimulationResult } from '../../../src/lib/policy/types.js';
import { digestOf } from '../../helpers/factories.js';
import { referenceNewestFirst as newestFirst, referenceSelects, referenceSimulate } from '../../helpers/reference-evaluator.js';

const NOW = new Date('2024-06-01T00:00:00Z');
const DAY_MS = 86_400_000;

// A small alphabet so that tags and patterns collide often.
const tagChar = fc.constantFrom('a', 'b', '1', '-');
const tagArb = fc.string({ unit: tagChar, minLength: 1, maxLength: 4 });
const patternArb = fc
  .string({ unit: fc.constantFrom('a', 'b', '1', '-', '*'), minLength: 1, maxLength: 5 })
  .filter((p) => p.split('*').length - 1 <= 4);
const prefixArb = fc.string({ unit: tagChar, minLength: 1, maxLength: 3 });

interface ImageSeed {
  readonly tags: string[];
  readonly pushedAgoMs: number;
  readonly activatedAgoMs: number | undefined;
  readonly pulledAgoMs: number | undefined;
  readonly archivedAgoMs: number | undefined;
  readonly storageClass: StorageClass;
  readonly sizeBytes: number | undefined;
}

// Whole days plus a few offsets, so that equal push times (ties) and exact day boundaries occur.
const agoArb = fc
  .tuple(fc.integer({ min: 0, max: 20 }), fc.constantFrom(0, 0, 1, -1, 3_600_000))
  .map(([days, offset]) => Math.max(0, days * DAY_MS + offset));

const imageSeedArb: fc.Arbitrary<ImageSeed> = fc.record({
  tags: fc.uniqueArray(tagArb, { maxLength: 3 }),
  pushedAgoMs: agoArb,
  activatedAgoMs: fc.option(agoArb, { nil: undefined }),
  pulledAgoMs: fc.option(agoArb, { nil: undefined }),
  archivedAgoMs: fc.option(agoArb, { nil: undefined }),
  storageClass: fc.constantFrom<StorageClass>('standard', 'standard', 'standard', 'archive'),
  sizeBytes: fc.option(fc.nat({ max: 1000 }), { nil: undefined }),
});

const toImages = (seeds: readonly ImageSeed[]): ImageRecord[] =>
  seeds.map((seed, index) => ({
    digest: digestOf(`fuzz-${index}`),
    tags: seed.tags,
    pushedAt: new Date(NOW.getTime() - seed.pushedAgoMs),
    lastActivatedAt: seed.activatedAgoMs === undefined ? undefined : new Date(NOW.getTime() - seed.activatedAgoMs),
    lastPulledAt: seed.pulledAgoMs === undefined ? undefined : new Date(NOW.getTime() - seed.pulledAgoMs),
    lastArchivedAt: seed.archivedAgoMs === undefined ? undefined : new Date(NOW.getTime() - seed.archivedAgoMs),
    storageClass: seed.storageClass,
    sizeBytes: seed.sizeBytes,
  }));

const repositoryArb = fc.array(imageSeedArb, { maxLength: 25 }).map(toImages);

type RuleShape = Omit<Rule, 'rulePriority'>;

const countArb = fc.oneof(
  fc.record({ countType: fc.constant('imageCountMoreThan' as const), countNumber: fc.integer({ min: 1, max: 8 }) }),
  fc.record({
    countType: fc.constantFrom('sinceImagePushed' as const, 'sinceImagePulled' as const),
    countUnit: fc.constant('days' as const),
    countNumber: fc.integer({ min: 1, max: 15 }),
  }),
);

const tagFilterArb = fc.oneof(
  fc.record({ tagStatus: fc.constant('tagged' as const), tagPatternList: fc.uniqueArray(patternArb, { minLength: 1, maxLength: 3 }) }),
  fc.record({ tagStatus: fc.constant('tagged' as const), tagPrefixList: fc.uniqueArray(prefixArb, { minLength: 1, maxLength: 2 }) }),
  fc.record({ tagStatus: fc.constant('untagged' as const) }),
);

// Grammar: sinceImagePulled only transitions; archive rules are sinceImageTransitioned + expire.
const standardRuleArb: fc.Arbitrary<RuleShape> = fc
  .tuple(tagFilterArb, countArb, fc.boolean())
  .map(([filter, count, transition]): RuleShape => ({
    selection: { ...filter, ...count },
    action:
      count.countType === 'sinceImagePulled' || transition
        ? { type: 'transition', targetStorageClass: 'archive' }
        : { type: 'expire' },
  }));

const archiveRuleArb: fc.Arbitrary<RuleShape> = fc
  .tuple(tagFilterArb, fc.integer({ min: 1, max: 15 }))
  .map(([filter, days]): RuleShape => ({
    selection: { ...filter, storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: days },
    action: { type: 'expire' },
  }));

const anyRuleArb: fc.Arbitrary<RuleShape> = fc.oneof(
  countArb.map((count): RuleShape => ({
    selection: { tagStatus: 'any', ...count },
    action: count.countType === 'sinceImagePulled' ? { type: 'transition', targetStorageClass: 'archive' } : { type: 'expire' },
  })),
  fc.integer({ min: 1, max: 15 }).map(
    (days): RuleShape => ({
      selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: days },
      action: { type: 'expire' },
    }),
  ),
);

/** Valid policies: unique priorities, at most one untagged rule per storage class, at most one `any` rule, last. */
const policyArb: fc.Arbitrary<LifecyclePolicy> = fc
  .tuple(
    fc.array(fc.oneof({ arbitrary: standardRuleArb, weight: 4 }, { arbitrary: archiveRuleArb, weight: 1 }), { maxLength: 6 }),
    fc.option(anyRuleArb, { nil: undefined }),
    fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { minLength: 7, maxLength: 7 }),
  )
  .map(([shapes, anyRule, priorities]) => {
    const untaggedSeen = new Set<string>();
    const kept = shapes.filter((shape) => {
      if (shape.selection.tagStatus !== 'untagged') return true;
      const storage = shape.selection.storageClass ?? 'standard';
      if (untaggedSeen.has(storage)) return false;
      untaggedSeen.add(storage);
      return true;
    });
    const all = anyRule === undefined ? kept : [...kept, anyRule];
    const sorted = [...priorities].sort((a, b) => a - b);
    const rules = all.map((shape, index): Rule => ({ ...shape, rulePriority: sorted[index] as number }));
    // Present the rules in shuffled order: the simulator must sort them itself.
    return { rules: rules.reverse() };
  });

const summaryOf = (result: SimulationResult) =>
  new Map([...result.verdicts].map((v) => [v.image.digest, { kind: v.decision.kind, rulePriority: v.decision.rulePriority }]));

const shuffled = <T>(items: readonly T[], seed: number): T[] => {
  const copy = [...items];
  let state = seed >>> 0 || 1;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
};

describe('Function: simulatePolicy (properties)', () => {
  it('agrees with a naive reference model of the documented evaluation rules', () => {
    fc.assert(
      fc.property(repositoryArb, policyArb, (images, policy) => {
        // Act
        const result = simulatePolicy(policy, images, NOW);

        // Assess
        expect(summaryOf(result)).toEqual(referenceSimulate(policy, images, NOW));
      }),
      { numRuns: 3_000 },
    );
  });

  it('never lets a lower rule act on an image a higher rule selected, and acts through one rule only', () => {
    fc.assert(
      fc.property(repositoryArb, policyArb, (images, policy) => {
        // Act
        const result = simulatePolicy(policy, images, NOW);

        // Assess
        for (const { image, decision } of result.verdicts) {
          if (decision.kind === 'keep') continue;
          const acting = policy.rules.filter((rule) => rule.rulePriority === decision.rulePriority);
          expect(acting).toHaveLength(1);
          expect(selectionMatches((acting[0] as Rule).selection, image)).toBe(true);
          const higher = policy.rules.filter((rule) => rule.rulePriority < decision.rulePriority);
          for (const rule of higher) expect(selectionMatches(rule.selection, image)).toBe(false);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('never acts with imageCountMoreThan N on one of the N newest candidates of that rule', () => {
    fc.assert(
      fc.property(repositoryArb, policyArb, (images, policy) => {
        // Act
        const result = simulatePolicy(policy, images, NOW);

        // Assess
        for (const rule of policy.rules) {
          if (rule.selection.countType !== 'imageCountMoreThan') continue;
          const newest = images
            .filter((image) => selectionMatches(rule.selection, image))
            .sort(newestFirst)
            .slice(0, rule.selection.countNumber);
          for (const image of newest) {
            const decision = result.byDigest.get(image.digest)?.decision;
            expect(decision?.kind !== 'keep' && decision?.rulePriority === rule.rulePriority).toBe(false);
          }
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('does not depend on the order of the input listing', () => {
    fc.assert(
      fc.property(repositoryArb, policyArb, fc.integer(), (images, policy, seed) => {
        // Act
        const original = simulatePolicy(policy, images, NOW);
        const reordered = simulatePolicy(policy, shuffled(images, seed), NOW);

        // Assess
        for (const image of images) {
          expect(reordered.byDigest.get(image.digest)?.decision).toEqual(original.byDigest.get(image.digest)?.decision);
        }
        expect(reordered.summary).toEqual(original.summary);
      }),
      { numRuns: 2_000 },
    );
  });

  it('keeps index children while their index survives and expires referrers with their subject', () => {
    // Prepare: link random images as index → child and referrer → subject.
    const linkedArb = fc
      .tuple(repositoryArb, fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean()), { maxLength: 8 }))
      .map(([images, links]) => {
        const children = new Map<number, Digest[]>();
        const subjects = new Map<number, Digest>();
        for (const [a, b, isIndex] of links) {
          if (images.length < 2) break;
          const from = a % images.length;
          const to = b % images.length;
          if (from === to) continue;
          if (isIndex) children.set(from, [...(children.get(from) ?? []), (images[to] as ImageRecord).digest]);
          else subjects.set(from, (images[to] as ImageRecord).digest);
        }
        return images.map((image, i) => ({ ...image, childDigests: children.get(i), subjectDigest: subjects.get(i) }));
      });

    fc.assert(
      fc.property(linkedArb, policyArb, (images, policy) => {
        // Act
        const result = simulatePolicy(policy, images, NOW);

        // Assess
        const expires = (digest: Digest): boolean => result.byDigest.get(digest)?.decision.kind === 'expire';
        const expiringChildrenOfSurvivors = images
          .filter((index) => !expires(index.digest))
          .flatMap((index) => (index.childDigests ?? []).filter(expires));
        const survivingReferrersOfExpired = images.filter(
          (image) =>
            image.subjectDigest !== undefined &&
            expires(image.subjectDigest) &&
            !expires(image.digest) &&
            !images.some((index) => index.childDigests?.includes(image.digest) && !expires(index.digest)),
        );
        expect(expiringChildrenOfSurvivors).toEqual([]);
        expect(survivingReferrersOfExpired).toEqual([]);
      }),
      { numRuns: 1_000 },
    );
  });
});

describe('Function: selectionMatches (properties)', () => {
  it('selects exactly the images the naive reference selects, wide characters included', () => {
    // Prepare: characters beyond one byte (é, Ā, €) next to `*`, in tags, patterns and prefixes.
    const char = fc.constantFrom('a', 'b', '-', 'é', 'Ā', '€');
    const tag = fc.string({ unit: char, minLength: 1, maxLength: 10 });
    const pattern = fc.string({ unit: fc.oneof(char, fc.constant('*')), minLength: 1, maxLength: 10 });
    const images = fc
      .array(
        fc.record({ tags: fc.uniqueArray(tag, { maxLength: 3 }), storageClass: fc.constantFrom<StorageClass>('standard', 'archive') }),
        { maxLength: 20 },
      )
      .map((seeds) => seeds.map((seed, i): ImageRecord => ({ ...seed, digest: digestOf(`sel-${i}`), pushedAt: NOW })));
    const selection: fc.Arbitrary<Selection> = fc.record({
      tagStatus: fc.constantFrom('tagged' as const, 'untagged' as const, 'any' as const),
      tagPatternList: fc.option(fc.array(pattern, { maxLength: 3 }), { nil: undefined }),
      tagPrefixList: fc.option(fc.array(tag, { maxLength: 2 }), { nil: undefined }),
      countType: fc.constant('imageCountMoreThan' as const),
      countNumber: fc.constant(1),
      storageClass: fc.option(fc.constantFrom<StorageClass>('standard', 'archive'), { nil: undefined }),
    });

    fc.assert(
      fc.property(images, selection, (repository, sel) => {
        // Act
        const selected = repository.flatMap((image, i) => (selectionMatches(sel, image) ? [i] : []));

        // Assess
        const reference = repository.flatMap((image, i) => (referenceSelects(sel, image) ? [i] : []));
        expect(selected).toEqual(reference);
      }),
      { numRuns: 2_000 },
    );
  });
});
