import { describe, expect, it } from 'vitest';
import { KEEPER_DESCRIPTION_PREFIX, PROTECTION_RULE_DAYS, buildTargetPolicy } from '../../../src/lib/plan/target-policy.js';
import { policiesEquivalent, serializePolicy } from '../../../src/lib/policy/canonical.js';
import { parsePolicyText } from '../../../src/lib/policy/parse.js';
import type { LifecyclePolicy, Rule } from '../../../src/lib/policy/types.js';
import { configFactory, ruleFactory } from '../../helpers/factories.js';

const configWith = configFactory;

const descriptions = (policy: LifecyclePolicy): (string | undefined)[] =>
  [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority).map((r) => r.description);

const ownRule = (rulePriority: number, description: string, selection: Partial<Rule['selection']>, action: Rule['action'] = { type: 'expire' }): Rule =>
  ruleFactory({ rulePriority, description, selection, action });

describe('Function: buildTargetPolicy', () => {
  it('orders protection, environment retention, untagged and catch-all, numbered from 1', () => {
    // Prepare
    const config = configWith();

    // Act
    const target = buildTargetPolicy(config, undefined);

    // Assess
    expect(descriptions(target.policy)).toEqual([
      'ecr-keeper: protection (prod)',
      'ecr-keeper: protection (dev)',
      'ecr-keeper: prod retention',
      'ecr-keeper: dev retention',
      'ecr-keeper: untagged',
      'ecr-keeper: catch-all',
    ]);
    expect(target.policy.rules.map((r) => r.rulePriority)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(target.issues).toEqual([]);
  });

  it('writes protection rules that select the protection prefix and can never mark an image', () => {
    // Prepare
    const config = configWith();

    // Act
    const [prodProtection] = buildTargetPolicy(config, undefined).policy.rules;

    // Assess
    expect(prodProtection?.selection).toEqual({
      tagStatus: 'tagged',
      tagPrefixList: ['prod-keep-'],
      countType: 'sinceImagePushed',
      countUnit: 'days',
      countNumber: PROTECTION_RULE_DAYS,
    });
    expect(PROTECTION_RULE_DAYS).toBeGreaterThanOrEqual(36_500);
  });

  it.each([
    ['keepNewest', { keepNewest: 3 }, { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 3 }],
    ['expireAfterDays', { expireAfterDays: 2 }, { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 2 }],
  ])('turns untagged %s into the untagged rule', (_name, untagged, selection) => {
    // Prepare
    const config = configWith({ untagged });

    // Act
    const rule = buildTargetPolicy(config, undefined).policy.rules.find((r) => r.description === 'ecr-keeper: untagged');

    // Assess
    expect(rule?.selection).toEqual(selection);
  });

  it('leaves the catch-all out when the config sets it to null', () => {
    // Prepare
    const config = configWith({ catchAll: null });

    // Act
    const target = buildTargetPolicy(config, undefined);

    // Assess
    expect(target.policy.rules.some((r) => r.selection.tagStatus === 'any')).toBe(false);
  });

  it('writes text that parses back to the same policy', () => {
    // Prepare
    const config = configWith();

    // Act
    const target = buildTargetPolicy(config, undefined);
    const parsed = parsePolicyText(target.text ?? '');

    // Assess
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && policiesEquivalent(parsed.policy, target.policy)).toBe(true);
    expect(target.text).toBe(serializePolicy(target.policy));
  });

  describe('merge mode', () => {
    it('drops a rule with the same tag list as a protection rule, with a reason', () => {
      // Prepare
      const config = configWith();
      const rule = ownRule(1, 'team: sneaky', { tagStatus: 'tagged', tagPrefixList: ['prod-keep-'], countType: 'imageCountMoreThan', countNumber: 1 });

      // Act
      const target = buildTargetPolicy(config, { rules: [rule] });

      // Assess
      expect(target.keptOwnRules).toEqual([]);
      expect(target.droppedOwnRules).toEqual([{ rule, reason: expect.stringMatching(/protection \(prod\)/) }]);
      expect(target.overriddenBaseline).toEqual([]);
      expect(target.policy.rules.filter((r) => r.description === rule.description)).toEqual([]);
      expect(target.issues).toEqual([]);
    });

    it('regenerates a rule written by ecr-keeper earlier: neither kept nor listed as dropped', () => {
      // Prepare
      const config = configWith();
      const rule = ownRule(1, 'ecr-keeper: old prod retention', { tagStatus: 'tagged', tagPrefixList: ['prod-'], countType: 'imageCountMoreThan', countNumber: 99 });

      // Act
      const target = buildTargetPolicy(config, { rules: [rule] });

      // Assess
      expect(target.keptOwnRules).toEqual([]);
      expect(target.droppedOwnRules).toEqual([]);
      expect(target.overriddenBaseline).toEqual([]);
      expect(target.policy.rules.filter((r) => r.description === rule.description)).toEqual([]);
      expect(target.text).toBe(buildTargetPolicy(config, undefined).text);
    });

    it.each([
      [
        'a rule with the same tag list as prod retention',
        ownRule(1, 'team: prod', { tagStatus: 'tagged', tagPrefixList: ['prod-'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 5 }),
        'ecr-keeper: prod retention',
        /same tag list/,
      ],
      [
        'a standard untagged rule',
        ownRule(1, 'team: untagged', { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 }),
        'ecr-keeper: untagged',
        /own untagged rule/,
      ],
      [
        'an any rule while the config has a catch-all',
        ownRule(1, 'team: any after 30 days', { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }),
        'ecr-keeper: catch-all',
        /tagStatus any rule/,
      ],
    ])('keeps %s and leaves out the baseline rule it overrides', (_name, rule, overridden, reason) => {
      // Prepare
      const config = configWith();

      // Act
      const target = buildTargetPolicy(config, { rules: [rule] });

      // Assess
      expect(target.keptOwnRules).toEqual([rule]);
      expect(target.droppedOwnRules).toEqual([]);
      expect(target.overriddenBaseline).toEqual([{ description: overridden, reason: expect.stringMatching(reason) }]);
      const order = descriptions(target.policy);
      expect(order).not.toContain(overridden);
      expect(order.filter((d) => d === rule.description)).toHaveLength(1);
      // Protection first: no own rule can act on a protected image.
      expect(order.slice(0, 2)).toEqual(['ecr-keeper: protection (prod)', 'ecr-keeper: protection (dev)']);
      expect(target.issues).toEqual([]);
    });

    it('keeps own rules in their priority order, right after protection and before the environment retention, untagged and catch-all', () => {
      // Prepare
      const config = configWith();
      const releases = ownRule(20, 'team: releases', { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 10 });
      const pulls = ownRule(5, 'team: archive unpulled', { tagStatus: 'tagged', tagPatternList: ['*'], countType: 'sinceImagePulled', countUnit: 'days', countNumber: 60 }, { type: 'transition', targetStorageClass: 'archive' });
      const dev = ownRule(7, 'team: dev', { tagStatus: 'tagged', tagPrefixList: ['dev-'], countType: 'imageCountMoreThan', countNumber: 1 });

      // Act
      const target = buildTargetPolicy(config, { rules: [releases, dev, pulls] });

      // Assess
      expect(target.keptOwnRules.map((r) => r.description)).toEqual(['team: archive unpulled', 'team: dev', 'team: releases']);
      expect(target.droppedOwnRules).toEqual([]);
      expect(target.overriddenBaseline.map((o) => o.description)).toEqual(['ecr-keeper: dev retention']);
      expect(descriptions(target.policy)).toEqual([
        'ecr-keeper: protection (prod)',
        'ecr-keeper: protection (dev)',
        'team: archive unpulled',
        'team: dev',
        'team: releases',
        'ecr-keeper: prod retention',
        'ecr-keeper: untagged',
        'ecr-keeper: catch-all',
      ]);
      expect(target.policy.rules.map((r) => r.rulePriority)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(target.issues).toEqual([]);
    });

    it('regenerates its own rules instead of duplicating them, so a second build gives the same policy', () => {
      // Prepare
      const config = configWith();
      const own = ownRule(3, 'team: releases', { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 10 });
      const first = buildTargetPolicy(config, { rules: [own] });

      // Act
      const second = buildTargetPolicy(config, first.policy);

      // Assess
      expect(policiesEquivalent(second.policy, first.policy)).toBe(true);
      expect(second.text).toBe(first.text);
      expect(second.keptOwnRules.map((r) => r.description)).toEqual(['team: releases']);
      // ecr-keeper's own earlier rules are regenerated, not reported as dropped.
      expect(second.droppedOwnRules).toEqual([]);
      expect(second.keptOwnRules.some((r) => r.description?.startsWith(KEEPER_DESCRIPTION_PREFIX))).toBe(false);
    });

    it('keeps an own any rule last when the config has no catch-all', () => {
      // Prepare
      const config = configWith({ catchAll: null });
      const any = ownRule(1, 'team: anything after 200 days', { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 200 });
      const releases = ownRule(2, 'team: releases', { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 10 });

      // Act
      const target = buildTargetPolicy(config, { rules: [any, releases] });

      // Assess
      expect(descriptions(target.policy).at(-1)).toBe('team: anything after 200 days');
      expect(target.issues).toEqual([]);
    });

    it('adds archive-class protection only when a kept rule acts on archived images', () => {
      // Prepare
      const config = configWith();
      const archiveExpiry = ownRule(1, 'team: archive expiry', { tagStatus: 'any', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90, storageClass: 'archive' });

      // Act
      const without = buildTargetPolicy(config, undefined);
      const withArchive = buildTargetPolicy(config, { rules: [archiveExpiry] });

      // Assess
      expect(without.policy.rules.some((r) => r.selection.storageClass === 'archive')).toBe(false);
      const archiveProtection = withArchive.policy.rules.filter((r) => r.description?.includes('protection') === true && r.selection.storageClass === 'archive');
      expect(archiveProtection.map((r) => r.selection.tagPrefixList)).toEqual([['prod-keep-'], ['dev-keep-']]);
      const expiry = withArchive.policy.rules.find((r) => r.description === 'team: archive expiry');
      expect(Math.max(...archiveProtection.map((r) => r.rulePriority))).toBeLessThan(expiry?.rulePriority ?? 0);
      expect(withArchive.issues).toEqual([]);
    });
  });

  it('drops every own rule in replace mode', () => {
    // Prepare
    const config = configWith({ existingPolicy: 'replace' });
    const own = [
      ownRule(1, 'team: releases', { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 10 }),
      ownRule(2, 'team: feature', { tagStatus: 'tagged', tagPatternList: ['feature-*'], countType: 'imageCountMoreThan', countNumber: 3 }),
    ];

    // Act
    const target = buildTargetPolicy(config, { rules: own });

    // Assess
    expect(target.keptOwnRules).toEqual([]);
    expect(target.droppedOwnRules.map((d) => d.reason)).toEqual([expect.stringMatching(/replace/), expect.stringMatching(/replace/)]);
    expect(target.policy.rules.every((r) => r.description?.startsWith(KEEPER_DESCRIPTION_PREFIX))).toBe(true);
  });

  it('reports an issue instead of throwing when the merged policy exceeds 50 rules', () => {
    // Prepare
    const config = configWith();
    const own = Array.from({ length: 45 }, (_, i) =>
      ownRule(i + 1, `team: branch ${i}`, { tagStatus: 'tagged', tagPatternList: [`branch${i}-*`], countType: 'imageCountMoreThan', countNumber: 2 }),
    );

    // Act
    const target = buildTargetPolicy(config, { rules: own });

    // Assess
    expect(target.policy.rules.length).toBeGreaterThan(50);
    expect(target.issues.map((i) => i.message)).toEqual([expect.stringMatching(/at most 50/)]);
    expect(target.text).toBeUndefined();
  });
});
