import { describe, expect, it } from 'vitest';
import type { Digest, ImageRecord } from '../../../src/lib/domain/types.js';
import { simulatePolicy } from '../../../src/lib/policy/simulate.js';
import type { LifecyclePolicy, Rule, SimulationResult } from '../../../src/lib/policy/types.js';
import { digestOf, imageFactory, ruleFactory } from '../../helpers/factories.js';

const NOW = new Date('2024-06-15T12:00:00Z');
const DAY_MS = 86_400_000;
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * DAY_MS);

type Spec = Partial<ImageRecord> & { readonly pushedDaysAgo?: number };

/** A repository of named images; the name seeds the digest so tests read like the AWS examples. */
const repository = (specs: Record<string, Spec>): { images: ImageRecord[]; named: Record<string, ImageRecord> } => {
  const named: Record<string, ImageRecord> = {};
  for (const [name, { pushedDaysAgo, ...rest }] of Object.entries(specs)) {
    named[name] = imageFactory({ digest: digestOf(name), pushedAt: daysAgo(pushedDaysAgo ?? 0), ...rest });
  }
  return { images: Object.values(named), named };
};

const namesWith = (result: SimulationResult, named: Record<string, ImageRecord>, kind: string): string[] =>
  Object.entries(named)
    .filter(([, image]) => result.byDigest.get(image.digest)?.decision.kind === kind)
    .map(([name]) => name)
    .sort();

const decisionOf = (result: SimulationResult, image: ImageRecord) => {
  const verdict = result.byDigest.get(image.digest);
  if (verdict === undefined) throw new Error(`no verdict for ${image.digest}`);
  return verdict.decision;
};

const policy = (...rules: Rule[]): LifecyclePolicy => ({ rules });

const countRule = (rulePriority: number, selection: Rule['selection']): Rule => ({
  rulePriority,
  description: `Rule ${rulePriority}`,
  selection,
  action: { type: 'expire' },
});

// "Examples of lifecycle policies in Amazon ECR" (ECR user guide). The current page writes the
// multi-rule and multi-tag examples with tagPatternList ["prod*"]; the earlier edition wrote
// them with tagPrefixList ["prod"]. Both must give the documented result.
const listKinds = [
  ['tagPatternList', (prefix: string) => ({ tagPatternList: [`${prefix}*`] })],
  ['tagPrefixList', (prefix: string) => ({ tagPrefixList: [prefix] })],
] as const;
const both = (kind: (typeof listKinds)[number][0], a: string, b: string) =>
  kind === 'tagPatternList' ? { tagPatternList: [`${a}*`, `${b}*`] } : { tagPrefixList: [a, b] };

describe('Function: simulatePolicy', () => {
  describe('AWS documentation examples', () => {
    it('Filtering on image age: expires prod* images older than 14 days', () => {
      // Prepare
      const { images, named } = repository({
        oldProd: { tags: ['prod-1'], pushedDaysAgo: 20 },
        newProd: { tags: ['prod-2'], pushedDaysAgo: 3 },
        oldDev: { tags: ['dev-1'], pushedDaysAgo: 20 },
        oldUntagged: { pushedDaysAgo: 20 },
      });
      const rule: Rule = {
        rulePriority: 1,
        description: 'Expire images older than 14 days',
        selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
        action: { type: 'expire' },
      };

      // Act
      const result = simulatePolicy(policy(rule), images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual(['oldProd']);
    });

    it('Filtering on last pulled time: archives images not pulled in 90 days', () => {
      // Prepare
      const { images, named } = repository({
        pulledLongAgo: { tags: ['v1'], pushedDaysAgo: 400, lastPulledAt: daysAgo(100) },
        pulledRecently: { tags: ['v2'], pushedDaysAgo: 400, lastPulledAt: daysAgo(10) },
        neverPulledOld: { pushedDaysAgo: 120 },
        neverPulledNew: { pushedDaysAgo: 30 },
      });
      const rule: Rule = {
        rulePriority: 1,
        description: 'Archive images not pulled in 90 days',
        selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
        action: { type: 'transition', targetStorageClass: 'archive' },
      };

      // Act
      const result = simulatePolicy(policy(rule), images, NOW);

      // Assess
      expect(namesWith(result, named, 'transition')).toEqual(['neverPulledOld', 'pulledLongAgo']);
      expect(decisionOf(result, named.pulledLongAgo as ImageRecord)).toMatchObject({ targetStorageClass: 'archive', rulePriority: 1 });
      expect(namesWith(result, named, 'expire')).toEqual([]);
    });

    it('Filtering on archive transition time: expires images archived for more than 365 days', () => {
      // Prepare
      const { images, named } = repository({
        archivedLongAgo: { storageClass: 'archive', pushedDaysAgo: 800, lastArchivedAt: daysAgo(400) },
        archivedRecently: { storageClass: 'archive', pushedDaysAgo: 800, lastArchivedAt: daysAgo(100) },
        standardOld: { pushedDaysAgo: 800 },
      });
      const rule: Rule = {
        rulePriority: 1,
        description: 'Expire images archived for more than 365 days',
        selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 },
        action: { type: 'expire' },
      };

      // Act
      const result = simulatePolicy(policy(rule), images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual(['archivedLongAgo']);
    });

    it('Filtering on image count: keeps only one untagged image', () => {
      // Prepare
      const { images, named } = repository({
        u1: { pushedDaysAgo: 3 },
        u2: { pushedDaysAgo: 2 },
        u3: { pushedDaysAgo: 1 },
        tagged: { tags: ['v1'], pushedDaysAgo: 9 },
      });
      const rule: Rule = {
        rulePriority: 1,
        description: 'Keep only one untagged image, expire all others',
        selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
        action: { type: 'expire' },
      };

      // Act
      const result = simulatePolicy(policy(rule), images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual(['u1', 'u2']);
    });

    const multipleRulesRepository = () =>
      repository({
        A: { tags: ['beta-1', 'prod-1'], pushedDaysAgo: 10 },
        B: { tags: ['beta-2', 'prod-2'], pushedDaysAgo: 9 },
        C: { tags: ['beta-3'], pushedDaysAgo: 8 },
      });

    describe.each(listKinds)('Filtering on multiple rules (%s)', (_kind, list) => {
      it('Example A: prod first, then beta: only A expires', () => {
        // Prepare
        const { images, named } = multipleRulesRepository();
        const rules = policy(
          countRule(1, { tagStatus: 'tagged', ...list('prod'), countType: 'imageCountMoreThan', countNumber: 1 }),
          countRule(2, { tagStatus: 'tagged', ...list('beta'), countType: 'imageCountMoreThan', countNumber: 1 }),
        );

        // Act
        const result = simulatePolicy(rules, images, NOW);

        // Assess
        expect(namesWith(result, named, 'expire')).toEqual(['A']);
        expect(decisionOf(result, named.B as ImageRecord)).toMatchObject({ kind: 'keep', rulePriority: 1 });
      });

      it('Example B: beta first, then prod: A and B expire', () => {
        // Prepare
        const { images, named } = multipleRulesRepository();
        const rules = policy(
          countRule(1, { tagStatus: 'tagged', ...list('beta'), countType: 'imageCountMoreThan', countNumber: 1 }),
          countRule(2, { tagStatus: 'tagged', ...list('prod'), countType: 'imageCountMoreThan', countNumber: 1 }),
        );

        // Act
        const result = simulatePolicy(rules, images, NOW);

        // Assess
        expect(namesWith(result, named, 'expire')).toEqual(['A', 'B']);
      });
    });

    describe.each(listKinds.map(([kind]) => [kind] as const))('Filtering on multiple tags in a single rule (%s)', (kind) => {
      it('Example A: images must match all listed entries; C expires', () => {
        // Prepare
        const { images, named } = repository({
          A: { tags: ['alpha-1'], pushedDaysAgo: 12 },
          B: { tags: ['beta-1'], pushedDaysAgo: 11 },
          C: { tags: ['alpha-2', 'beta-2'], pushedDaysAgo: 10 },
          D: { tags: ['alpha-3'], pushedDaysAgo: 4 },
          E: { tags: ['beta-3'], pushedDaysAgo: 3 },
          F: { tags: ['alpha-4', 'beta-4'], pushedDaysAgo: 2 },
        });
        const rules = policy(
          countRule(1, { tagStatus: 'tagged', ...both(kind, 'alpha', 'beta'), countType: 'sinceImagePushed', countNumber: 5, countUnit: 'days' }),
        );

        // Act
        const result = simulatePolicy(rules, images, NOW);

        // Assess
        expect(namesWith(result, named, 'expire')).toEqual(['C']);
        expect(decisionOf(result, named.A as ImageRecord)).toEqual({ kind: 'keep', reason: 'not selected by any rule' });
      });

      it('Example B: tags are not exclusive; A and B expire', () => {
        // Prepare
        const { images, named } = repository({
          A: { tags: ['alpha-1', 'beta-1', 'gamma-1'], pushedDaysAgo: 10 },
          B: { tags: ['alpha-2', 'beta-2'], pushedDaysAgo: 9 },
          C: { tags: ['alpha-3', 'beta-3', 'gamma-2'], pushedDaysAgo: 8 },
        });
        const rules = policy(
          countRule(1, { tagStatus: 'tagged', ...both(kind, 'alpha', 'beta'), countType: 'imageCountMoreThan', countNumber: 1 }),
        );

        // Act
        const result = simulatePolicy(rules, images, NOW);

        // Assess
        expect(namesWith(result, named, 'expire')).toEqual(['A', 'B']);
      });
    });

    describe('Filtering on all images', () => {
      it('Example A: tagStatus any keeps only the newest image; A, B and C expire', () => {
        // Prepare
        const { images, named } = repository({
          A: { tags: ['alpha-1'], pushedDaysAgo: 4 },
          B: { tags: ['beta-1'], pushedDaysAgo: 3 },
          C: { tags: [], pushedDaysAgo: 2 },
          D: { tags: ['alpha-2'], pushedDaysAgo: 1 },
        });
        const rules = policy(countRule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }));

        // Act
        const result = simulatePolicy(rules, images, NOW);

        // Assess
        expect(namesWith(result, named, 'expire')).toEqual(['A', 'B', 'C']);
      });

      it.each(listKinds)('Example B (%s): all rule types combined; A, B and D expire', (_kind, list) => {
        // Prepare: D and E are both "pushed 1 day ago"; the documented outcome (rule 3 keeps E
        // and marks D) needs E to be the newer, as listing order suggests. E sits exactly at one
        // day, so rule 2's strict "older than 1 day" leaves it.
        const { images, named } = repository({
          A: { tags: ['alpha-1', 'beta-1'], pushedDaysAgo: 4 },
          B: { tags: [], pushedDaysAgo: 3 },
          C: { tags: ['alpha-2'], pushedDaysAgo: 2 },
          D: { tags: ['git hash'], pushedAt: new Date(daysAgo(1).getTime() - 60_000) },
          E: { tags: [], pushedDaysAgo: 1 },
        });
        const rules = policy(
          countRule(1, { tagStatus: 'tagged', ...list('alpha'), countType: 'imageCountMoreThan', countNumber: 1 }),
          countRule(2, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }),
          countRule(3, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }),
        );

        // Act
        const result = simulatePolicy(rules, images, NOW);

        // Assess
        expect(namesWith(result, named, 'expire')).toEqual(['A', 'B', 'D']);
        expect(decisionOf(result, named.A as ImageRecord)).toMatchObject({ kind: 'expire', rulePriority: 1 });
        expect(decisionOf(result, named.B as ImageRecord)).toMatchObject({ kind: 'expire', rulePriority: 2 });
        expect(decisionOf(result, named.D as ImageRecord)).toMatchObject({ kind: 'expire', rulePriority: 3 });
        expect(decisionOf(result, named.C as ImageRecord)).toMatchObject({ kind: 'keep', rulePriority: 1 });
        expect(decisionOf(result, named.E as ImageRecord)).toMatchObject({ kind: 'keep', rulePriority: 2 });
      });
    });

    it('Archiving images older than a specified number of days: prod* older than 30 days transition', () => {
      // Prepare
      const { images, named } = repository({
        oldProd: { tags: ['prod-1'], pushedDaysAgo: 31 },
        newProd: { tags: ['prod-2'], pushedDaysAgo: 29 },
        oldOther: { tags: ['dev'], pushedDaysAgo: 90 },
      });
      const rule: Rule = {
        rulePriority: 1,
        description: 'Archive production images older than 30 days',
        selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 },
        action: { type: 'transition', targetStorageClass: 'archive' },
      };

      // Act
      const result = simulatePolicy(policy(rule), images, NOW);

      // Assess
      expect(namesWith(result, named, 'transition')).toEqual(['oldProd']);
    });

    it('Combining archive and expire rules: archives after 30 days, expires after 365 days in archive', () => {
      // Prepare
      const { images, named } = repository({
        fresh: { tags: ['v3'], pushedDaysAgo: 10 },
        old: { tags: ['v2'], pushedDaysAgo: 40 },
        archivedRecently: { tags: ['v1'], storageClass: 'archive', pushedDaysAgo: 500, lastArchivedAt: daysAgo(200) },
        archivedLongAgo: { tags: ['v0'], storageClass: 'archive', pushedDaysAgo: 900, lastArchivedAt: daysAgo(366) },
      });
      const rules = policy(
        {
          rulePriority: 1,
          description: 'Archive images older than 30 days',
          selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 },
          action: { type: 'transition', targetStorageClass: 'archive' },
        },
        {
          rulePriority: 2,
          description: 'Expire images archived for more than 365 days',
          selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365 },
          action: { type: 'expire' },
        },
      );

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(namesWith(result, named, 'transition')).toEqual(['old']);
      expect(namesWith(result, named, 'expire')).toEqual(['archivedLongAgo']);
      expect(namesWith(result, named, 'keep')).toEqual(['archivedRecently', 'fresh']);
    });
  });

  describe('evaluation rules', () => {
    it('lets a lower count rule mark an image because images protected by a higher rule still take slots', () => {
      // Prepare: rule 1 protects the two newest images with release tags; rule 2 keeps 3 of all.
      const { images, named } = repository({
        r1: { tags: ['release-1'], pushedDaysAgo: 1 },
        r2: { tags: ['release-2'], pushedDaysAgo: 2 },
        x: { tags: ['feature-x'], pushedDaysAgo: 3 },
        y: { tags: ['feature-y'], pushedDaysAgo: 4 },
      });
      const rules = policy(
        countRule(1, { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 10 }),
        countRule(2, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 }),
      );

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess: y is 4th newest of rule 2's candidates although only x and y are unprotected.
      expect(namesWith(result, named, 'expire')).toEqual(['y']);
      expect(decisionOf(result, named.y as ImageRecord)).toMatchObject({ rulePriority: 2 });
    });

    it('skips a marked image if a higher rule selected it, even if that rule did not mark it, and says so', () => {
      // Prepare
      const { images, named } = repository({
        keep: { tags: ['prod-1'], pushedDaysAgo: 100 },
        other: { tags: ['dev-1'], pushedDaysAgo: 100 },
      });
      const rules = policy(
        countRule(10, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 30 }),
        countRule(90, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }),
      );

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(decisionOf(result, named.keep as ImageRecord)).toEqual({
        kind: 'keep',
        rulePriority: 10,
        reason: "marked by rule 90 but protected by rule 10's selection",
      });
      expect(decisionOf(result, named.other as ImageRecord)).toMatchObject({ kind: 'expire', rulePriority: 90 });
    });

    it('applies several patterns with AND semantics', () => {
      // Prepare
      const { images, named } = repository({
        both: { tags: ['latest', 'main-1'], pushedDaysAgo: 10 },
        onlyLatest: { tags: ['latest'], pushedDaysAgo: 10 },
        onlyMain: { tags: ['main-2'], pushedDaysAgo: 10 },
      });
      const rules = policy(
        countRule(1, { tagStatus: 'tagged', tagPatternList: ['latest', 'main*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }),
      );

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual(['both']);
    });

    it('matches a wildcard in the middle of a pattern', () => {
      // Prepare
      const { images, named } = repository({
        hotfix: { tags: ['release-7-hotfix'], pushedDaysAgo: 10 },
        plain: { tags: ['release-7'], pushedDaysAgo: 10 },
      });
      const rules = policy(
        countRule(1, { tagStatus: 'tagged', tagPatternList: ['release-*-hotfix'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }),
      );

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual(['hotfix']);
    });

    it('counts an image with several matching tags once', () => {
      // Prepare
      const { images, named } = repository({
        many: { tags: ['v1', 'v1.0', 'v1.0.0'], pushedDaysAgo: 1 },
        older: { tags: ['v0'], pushedDaysAgo: 2 },
        oldest: { tags: ['v-1'], pushedDaysAgo: 3 },
      });
      const rules = policy(countRule(1, { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'imageCountMoreThan', countNumber: 2 }));

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual(['oldest']);
      expect(decisionOf(result, named.many as ImageRecord).reason).toBe('matched by rule 1, kept as one of the newest 2');
    });

    it('does not select an untagged image in a tagged rule', () => {
      // Prepare
      const { images, named } = repository({ untagged: { pushedDaysAgo: 100 } });
      const rules = policy(countRule(1, { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }));

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(decisionOf(result, named.untagged as ImageRecord)).toEqual({ kind: 'keep', reason: 'not selected by any rule' });
    });

    it('uses a strict "older than N days": an image exactly N days old is kept', () => {
      // Prepare
      const { images, named } = repository({
        exactly: { tags: ['a'], pushedDaysAgo: 90 },
        justOver: { tags: ['b'], pushedAt: new Date(daysAgo(90).getTime() - 1) },
        within: { tags: ['c'], pushedDaysAgo: 12 },
      });
      const rules = policy(countRule(20, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 90 }));

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual(['justOver']);
      expect(decisionOf(result, named.within as ImageRecord)).toEqual({
        kind: 'keep',
        rulePriority: 20,
        reason: "pushed 12 days ago, within rule 20's 90 days",
      });
      expect(decisionOf(result, named.justOver as ImageRecord).reason).toContain('more than 90 days');
    });

    it('falls back to push time for sinceImagePulled when an image was never pulled', () => {
      // Prepare
      const { images, named } = repository({
        neverPulledOld: { tags: ['a'], pushedDaysAgo: 40 },
        neverPulledNew: { tags: ['b'], pushedDaysAgo: 5 },
        pulledRecentlyOld: { tags: ['c'], pushedDaysAgo: 400, lastPulledAt: daysAgo(2) },
        restoredNeverPulled: { tags: ['d'], pushedDaysAgo: 400, lastActivatedAt: daysAgo(3) },
      });
      const rules = policy({
        ...ruleFactory({ selection: { countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 } }),
        action: { type: 'transition', targetStorageClass: 'archive' },
      });

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(namesWith(result, named, 'transition')).toEqual(['neverPulledOld']);
      expect(decisionOf(result, named.neverPulledNew as ImageRecord).reason).toContain('never pulled');
    });

    it('expires archived images by time since transition', () => {
      // Prepare
      const { images, named } = repository({
        old: { storageClass: 'archive', pushedDaysAgo: 10, lastArchivedAt: daysAgo(100) },
        young: { storageClass: 'archive', pushedDaysAgo: 500, lastArchivedAt: daysAgo(50) },
      });
      const rules = policy(
        ruleFactory({ selection: { storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 } }),
      );

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual(['old']);
      expect(decisionOf(result, named.young as ImageRecord).reason).toBe("archived 50 days ago, within rule 1's 90 days");
    });

    it('never selects archived images with standard rules', () => {
      // Prepare
      const { images, named } = repository({
        archived: { tags: ['prod-1'], storageClass: 'archive', pushedDaysAgo: 500, lastArchivedAt: daysAgo(400) },
        standard: { tags: ['prod-2'], pushedDaysAgo: 500 },
      });
      const rules = policy(
        countRule(1, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }),
        countRule(2, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }),
      );

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual(['standard']);
      expect(decisionOf(result, named.archived as ImageRecord)).toEqual({ kind: 'keep', reason: 'not selected by any rule' });
    });

    it('ages an image restored from archive by its activation time', () => {
      // Prepare
      const { images, named } = repository({
        restored: { tags: ['a'], pushedDaysAgo: 300, lastActivatedAt: daysAgo(2) },
        middle: { tags: ['b'], pushedDaysAgo: 100 },
        oldPush: { tags: ['c'], pushedDaysAgo: 200 },
      });
      const byCount = policy(countRule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }));
      const byAge = policy(countRule(1, { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }));

      // Act
      const countResult = simulatePolicy(byCount, images, NOW);
      const ageResult = simulatePolicy(byAge, images, NOW);

      // Assess
      expect(namesWith(countResult, named, 'keep')).toEqual(['restored']);
      expect(namesWith(ageResult, named, 'keep')).toEqual(['restored']);
      expect(decisionOf(ageResult, named.restored as ImageRecord).reason).toContain('restored from archive 2 days ago');
    });

    it('keeps an image index child while its index survives, and lets it go with the index', () => {
      // Prepare
      const childA = digestOf('child-a');
      const childB = digestOf('child-b');
      const childC = digestOf('child-c');
      const { images, named } = repository({
        index: { tags: ['v2'], pushedDaysAgo: 1, childDigests: [childA] },
        oldIndex: { tags: ['v1'], pushedDaysAgo: 50, childDigests: [childB] },
        childA: { digest: childA, pushedDaysAgo: 40 },
        childB: { digest: childB, pushedDaysAgo: 60 },
        orphanOfMissingIndex: { digest: childC, pushedDaysAgo: 60 },
        ghostParent: { tags: ['ghost'], pushedDaysAgo: 2, childDigests: [digestOf('not-listed')] },
      });
      const rules = policy(
        countRule(1, { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'imageCountMoreThan', countNumber: 1 }),
        countRule(2, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }),
      );

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual(['childB', 'oldIndex', 'orphanOfMissingIndex']);
      const kept = decisionOf(result, named.childA as ImageRecord);
      expect(kept.kind).toBe('keep');
      expect(kept.rulePriority).toBe(2);
      expect(kept.reason).toContain(`referenced by image index ${(named.index as ImageRecord).digest}`);
      expect(result.summary.expiringImageTotalCount).toBe(3);
    });

    it('keeps the children of nested indexes while the outer index survives', () => {
      // Prepare
      const inner = digestOf('inner');
      const leaf = digestOf('leaf');
      const { images, named } = repository({
        outer: { tags: ['keep'], pushedDaysAgo: 1, childDigests: [inner] },
        inner: { digest: inner, pushedDaysAgo: 40, childDigests: [leaf] },
        leaf: { digest: leaf, pushedDaysAgo: 40 },
      });
      const rules = policy(countRule(1, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }));

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual([]);
      expect(decisionOf(result, named.leaf as ImageRecord).reason).toContain(inner);
    });

    it('expires a referrer with its expiring subject, under the subject rule', () => {
      // Prepare
      const subject = digestOf('subject');
      const signature = digestOf('signature');
      const { images, named } = repository({
        subject: { digest: subject, tags: ['v1'], pushedDaysAgo: 50 },
        signature: { digest: signature, pushedDaysAgo: 1, subjectDigest: subject },
        sbomOfSignature: { pushedDaysAgo: 1, subjectDigest: signature },
        liveSubject: { tags: ['v2'], pushedDaysAgo: 2, digest: digestOf('live') },
        liveSignature: { pushedDaysAgo: 1, subjectDigest: digestOf('live') },
        orphanSignature: { pushedDaysAgo: 1, subjectDigest: digestOf('not-listed') },
      });
      const rules = policy(
        countRule(5, { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }),
      );

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual(['sbomOfSignature', 'signature', 'subject']);
      const followed = decisionOf(result, named.signature as ImageRecord);
      expect(followed).toMatchObject({ kind: 'expire', rulePriority: 5 });
      expect(followed.reason).toContain(`follows its subject ${subject}`);
      expect(decisionOf(result, named.sbomOfSignature as ImageRecord)).toMatchObject({ kind: 'expire', rulePriority: 5 });
    });

    it('evaluates a referrer whose subject survives by the rules like any other image', () => {
      // Prepare
      const live = digestOf('live-subject');
      const { images, named } = repository({
        subject: { digest: live, tags: ['prod-1'], pushedDaysAgo: 1 },
        oldSignature: { pushedDaysAgo: 40, subjectDigest: live },
      });
      const rules = policy(
        countRule(1, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 5 }),
        countRule(2, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }),
      );

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(decisionOf(result, named.oldSignature as ImageRecord)).toMatchObject({ kind: 'expire', rulePriority: 2 });
      expect(decisionOf(result, named.subject as ImageRecord).kind).toBe('keep');
    });

    it('keeps an index child that would follow its expiring subject while the index survives', () => {
      // Prepare
      const subject = digestOf('s');
      const attestation = digestOf('attestation');
      const { images, named } = repository({
        subject: { digest: subject, tags: ['old'], pushedDaysAgo: 50 },
        attestation: { digest: attestation, pushedDaysAgo: 1, subjectDigest: subject },
        index: { tags: ['current'], pushedDaysAgo: 1, childDigests: [attestation] },
      });
      const rules = policy(countRule(1, { tagStatus: 'tagged', tagPatternList: ['old'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }));

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(namesWith(result, named, 'expire')).toEqual(['subject']);
      expect(decisionOf(result, named.attestation as ImageRecord).kind).toBe('keep');
    });

    it('does not depend on the order of the input listing, ties included', () => {
      // Prepare: three images pushed at the same instant compete for one slot.
      const sameTime = daysAgo(5);
      const { images } = repository({
        a: { tags: ['x-1'], pushedAt: sameTime },
        b: { tags: ['x-2'], pushedAt: sameTime },
        c: { tags: ['x-3'], pushedAt: sameTime },
        d: { tags: ['x-4'], pushedDaysAgo: 9 },
      });
      const rules = policy(countRule(1, { tagStatus: 'tagged', tagPatternList: ['x-*'], countType: 'imageCountMoreThan', countNumber: 1 }));
      const reversed = [...images].reverse();
      const rotated = [...images.slice(2), ...images.slice(0, 2)];

      // Act
      const results = [images, reversed, rotated].map((listing) => simulatePolicy(rules, listing, NOW));

      // Assess
      const decisions = results.map((result) => images.map((image) => decisionOf(result, image)));
      expect(decisions[1]).toEqual(decisions[0]);
      expect(decisions[2]).toEqual(decisions[0]);
      const kept = images.filter((image) => decisionOf(results[0] as SimulationResult, image).kind === 'keep');
      const smallestDigestAmongTies = [...images.slice(0, 3)].map((i) => i.digest).sort()[0];
      expect(kept.map((image) => image.digest)).toEqual([smallestDigestAmongTies]);
    });

    it('returns verdicts in input order with a byDigest index and a summary of counts and bytes', () => {
      // Prepare
      const { images } = repository({
        newest: { pushedDaysAgo: 1, sizeBytes: 10 },
        expiring: { pushedDaysAgo: 2, sizeBytes: 100 },
        expiringNoSize: { pushedDaysAgo: 3 },
        archiving: { tags: ['cold'], pushedDaysAgo: 3, sizeBytes: 1000 },
      });
      const rules = policy(
        { ...countRule(1, { tagStatus: 'tagged', tagPatternList: ['cold'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }), action: { type: 'transition', targetStorageClass: 'archive' } },
        countRule(2, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }),
      );

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess
      expect(result.verdicts.map((v) => v.image)).toEqual(images);
      for (const verdict of result.verdicts) expect(result.byDigest.get(verdict.image.digest)).toBe(verdict);
      expect(result.summary).toEqual({
        expiringImageTotalCount: 2,
        transitioningImageTotalCount: 1,
        expiringBytes: 100,
        transitioningBytes: 1000,
      });
    });

    it('exposes byDigest as a read-only map over every verdict', () => {
      // Prepare: digests that share their leading hex characters collide in the index.
      const similar = (last: string) => `sha256:${'a'.repeat(63)}${last}` as Digest;
      const images = [
        imageFactory({ digest: similar('1'), pushedAt: daysAgo(1) }),
        imageFactory({ digest: similar('2'), pushedAt: daysAgo(2) }),
        imageFactory({ digest: similar('3'), pushedAt: daysAgo(3) }),
      ];
      const rules = policy(countRule(1, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }));

      // Act
      const { byDigest, verdicts } = simulatePolicy(rules, images, NOW);

      // Assess
      expect(byDigest.size).toBe(3);
      for (const verdict of verdicts) expect(byDigest.get(verdict.image.digest)).toBe(verdict);
      expect(byDigest.has(similar('3'))).toBe(true);
      expect(byDigest.has(similar('4'))).toBe(false);
      expect(byDigest.get(digestOf('absent'))).toBeUndefined();
      expect([...byDigest.keys()]).toEqual(images.map((image) => image.digest));
      expect([...byDigest.values()]).toEqual(verdicts);
      expect([...byDigest.entries()]).toEqual([...byDigest]);
      const seen: Digest[] = [];
      byDigest.forEach((verdict, digest, map) => {
        seen.push(digest);
        expect(map.get(digest)).toBe(verdict);
      });
      expect(seen).toEqual(images.map((image) => image.digest));
    });

    it('resolves a digest listed twice to its last verdict', () => {
      // Prepare
      const digest = digestOf('twice');
      const images = [imageFactory({ digest, tags: ['first'] }), imageFactory({ digest, tags: ['second'] })];

      // Act
      const { byDigest } = simulatePolicy({ rules: [] }, images, NOW);

      // Assess
      expect(byDigest.size).toBe(1);
      expect(byDigest.get(digest)?.image.tags).toEqual(['second']);
    });

    it('orders rules by rulePriority whatever their order in the policy', () => {
      // Prepare
      const { images, named } = repository({
        A: { tags: ['beta-1', 'prod-1'], pushedDaysAgo: 10 },
        B: { tags: ['beta-2', 'prod-2'], pushedDaysAgo: 9 },
        C: { tags: ['beta-3'], pushedDaysAgo: 8 },
      });
      const rules = policy(
        countRule(20, { tagStatus: 'tagged', tagPatternList: ['beta*'], countType: 'imageCountMoreThan', countNumber: 1 }),
        countRule(10, { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 1 }),
      );

      // Act
      const result = simulatePolicy(rules, images, NOW);

      // Assess: same as the documented Example A (prod first).
      expect(namesWith(result, named, 'expire')).toEqual(['A']);
    });

    it('keeps everything under an empty policy', () => {
      // Prepare
      const { images } = repository({ a: { pushedDaysAgo: 1000 } });

      // Act
      const result = simulatePolicy({ rules: [] }, images, NOW);

      // Assess
      expect(result.summary.expiringImageTotalCount).toBe(0);
      expect(result.verdicts[0]?.decision).toEqual({ kind: 'keep', reason: 'not selected by any rule' });
    });
  });
});
