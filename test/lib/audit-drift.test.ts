import { describe, expect, it } from 'vitest';
import { describeRule, diffPolicies, diffPolicyTexts } from '../../src/lib/audit-drift.js';
import { buildTargetPolicy } from '../../src/lib/plan/target-policy.js';
import { serializePolicy } from '../../src/lib/policy/canonical.js';
import type { Rule } from '../../src/lib/policy/types.js';
import { configFactory, ruleFactory } from '../helpers/factories.js';

const untagged = (priority: number, days: number): Rule =>
  ruleFactory({ rulePriority: priority, description: 'ecr-keeper: untagged', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: days } });

describe('Function: describeRule', () => {
  it.each([
    [{ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, { type: 'expire' }, 'expire untagged images pushed more than 7 days ago'],
    [{ tagStatus: 'tagged', tagPrefixList: ['prod-'], countType: 'imageCountMoreThan', countNumber: 30 }, { type: 'expire' }, 'expire images with tags starting "prod-" beyond the newest 30'],
    [{ tagStatus: 'tagged', tagPatternList: ['rc-*'], countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 }, { type: 'transition', targetStorageClass: 'archive' }, 'archive images with tags matching "rc-*" not pulled for 90 days'],
    [{ tagStatus: 'any', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 365, storageClass: 'archive' }, { type: 'expire' }, 'expire all archived images archived more than 365 days ago'],
  ] as const)('says what %j does in one line', (selection, action, line) => {
    // Act
    const text = describeRule({ rulePriority: 1, selection, action });

    // Assess
    expect(text).toBe(line);
  });
});

describe('Function: diffPolicies', () => {
  it('lists every target rule as added when there is no policy', () => {
    // Prepare
    const target = buildTargetPolicy(configFactory(), undefined).policy;

    // Act
    const diff = diffPolicies(undefined, target);

    // Assess
    expect(diff.map((c) => [c.change, c.priority])).toEqual(target.rules.map((r) => ['added', r.rulePriority]));
    expect(diff.every((c) => c.rule.length > 0)).toBe(true);
  });

  it('shows a hand-edited rule as changed with both versions, and nothing for the rules left alone', () => {
    // Prepare
    const target = buildTargetPolicy(configFactory(), undefined).policy;
    const edited = { rules: target.rules.map((r) => (r.description === 'ecr-keeper: untagged' ? untagged(r.rulePriority, 8) : r)) };

    // Act
    const diff = diffPolicies(edited, target);

    // Assess
    const priority = target.rules.find((r) => r.description === 'ecr-keeper: untagged')?.rulePriority;
    expect(diff).toEqual([
      { change: 'changed', priority, previousPriority: priority, description: 'ecr-keeper: untagged', rule: 'expire untagged images pushed more than 7 days ago', was: 'expire untagged images pushed more than 8 days ago' },
    ]);
  });

  it('tells a rule that only moved from one that was removed or added', () => {
    // Prepare
    const own = ruleFactory({ rulePriority: 1, description: 'team: releases', selection: { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 10 } });
    const gone = ruleFactory({ rulePriority: 2, description: 'team: old', selection: { tagStatus: 'tagged', tagPrefixList: ['old-'], countType: 'imageCountMoreThan', countNumber: 1 } });
    const target = { rules: [untagged(1, 7), { ...own, rulePriority: 2 }] };

    // Act
    const diff = diffPolicies({ rules: [own, gone] }, target);

    // Assess
    expect(diff.map((c) => [c.change, c.priority, c.previousPriority, c.description])).toEqual([
      ['added', 1, undefined, 'ecr-keeper: untagged'],
      ['moved', 2, 1, 'team: releases'],
      ['removed', 2, undefined, 'team: old'],
    ]);
  });

  it('is empty for the same policy, and undefined for a policy text that does not parse', () => {
    // Prepare
    const text = serializePolicy(buildTargetPolicy(configFactory(), undefined).policy);

    // Act
    const same = diffPolicyTexts(text, text);
    const broken = diffPolicyTexts('{"rules": 1}', text);

    // Assess
    expect(same).toEqual([]);
    expect(broken).toBeUndefined();
  });
});
