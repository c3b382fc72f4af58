import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../../src/lib/errors.js';
import { normalizePolicy, policiesEquivalent, serializePolicy } from '../../../src/lib/policy/canonical.js';
import { MAX_RULES, MIN_POLICY_TEXT_LENGTH, parsePolicyOrThrow, parsePolicyText } from '../../../src/lib/policy/parse.js';
import type { LifecyclePolicy, Rule } from '../../../src/lib/policy/types.js';

const protectRelease: Rule = {
  rulePriority: 1,
  description: 'Protect release images',
  selection: { tagStatus: 'tagged', tagPatternList: ['v*', 'release-*'], countType: 'imageCountMoreThan', countNumber: 9999 },
  action: { type: 'expire' },
};
const expireUntagged: Rule = {
  rulePriority: 5,
  selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
  action: { type: 'expire' },
};
const archiveUnpulled: Rule = {
  rulePriority: 8,
  description: 'Archive images not pulled for 90 days',
  selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
  action: { type: 'transition', targetStorageClass: 'archive' },
};
const expireArchived: Rule = {
  rulePriority: 9,
  selection: {
    tagStatus: 'any',
    countType: 'sinceImageTransitioned',
    countUnit: 'days',
    countNumber: 365,
    storageClass: 'archive',
  },
  action: { type: 'expire' },
};
const teamPolicy: LifecyclePolicy = { rules: [protectRelease, expireUntagged, archiveUnpulled, expireArchived] };

const withRule = (policy: LifecyclePolicy, index: number, change: (rule: Rule) => Rule): LifecyclePolicy => ({
  rules: policy.rules.map((rule, i) => (i === index ? change(rule) : rule)),
});

/** Deeply frozen copy, so a test fails if the code under test mutates its input. */
const frozen = <T>(value: T): T => {
  const copy = structuredClone(value);
  const freeze = (v: unknown): void => {
    if (typeof v === 'object' && v !== null) {
      Object.values(v).forEach(freeze);
      Object.freeze(v);
    }
  };
  freeze(copy);
  return copy;
};

describe('Function: normalizePolicy', () => {
  it('orders rules by ascending rulePriority', () => {
    // Prepare
    const policy = frozen({ rules: [expireArchived, protectRelease, archiveUnpulled, expireUntagged] });

    // Act
    const normalized = normalizePolicy(policy);

    // Assess
    expect(normalized.rules.map((r) => r.rulePriority)).toEqual([1, 5, 8, 9]);
  });

  it('writes keys in the fixed order rulePriority, description, selection, action', () => {
    // Prepare
    const scrambled = frozen({
      rules: [
        {
          action: { targetStorageClass: 'archive', type: 'transition' },
          selection: { countNumber: 90, countUnit: 'days', countType: 'sinceImagePulled', tagPrefixList: ['b'], tagStatus: 'tagged' },
          description: 'd',
          rulePriority: 1,
        },
        {
          action: { type: 'expire' },
          selection: { storageClass: 'archive', countNumber: 1, countUnit: 'days', countType: 'sinceImageTransitioned', tagStatus: 'any' },
          rulePriority: 2,
        },
      ],
    } as LifecyclePolicy);

    // Act
    const [first, second] = normalizePolicy(scrambled).rules;

    // Assess
    expect(Object.keys(first ?? {})).toEqual(['rulePriority', 'description', 'selection', 'action']);
    expect(Object.keys(first?.selection ?? {})).toEqual(['tagStatus', 'tagPrefixList', 'countType', 'countUnit', 'countNumber']);
    expect(Object.keys(first?.action ?? {})).toEqual(['type', 'targetStorageClass']);
    expect(Object.keys(second?.selection ?? {})).toEqual(['tagStatus', 'countType', 'countUnit', 'countNumber', 'storageClass']);
  });

  it('sorts tag list entries, which ECR ANDs', () => {
    // Prepare
    const policy = frozen(teamPolicy);

    // Act
    const normalized = normalizePolicy(policy);

    // Assess
    expect(normalized.rules[0]?.selection.tagPatternList).toEqual(['release-*', 'v*']);
  });

  it('omits an explicit standard storageClass and keeps archive', () => {
    // Prepare
    const policy = frozen(withRule(teamPolicy, 1, (r) => ({ ...r, selection: { ...r.selection, storageClass: 'standard' } })));

    // Act
    const normalized = normalizePolicy(policy);

    // Assess
    expect(normalized.rules[1]?.selection).not.toHaveProperty('storageClass');
    expect(normalized.rules[3]?.selection.storageClass).toBe('archive');
  });

  it('is idempotent and leaves its input untouched', () => {
    // Prepare
    const policy = frozen({ rules: [expireArchived, protectRelease, archiveUnpulled, expireUntagged] });
    const before = structuredClone(policy);

    // Act
    const once = normalizePolicy(policy);
    const twice = normalizePolicy(once);

    // Assess
    expect(twice).toEqual(once);
    expect(policy).toEqual(before);
  });
});

describe('Function: policiesEquivalent', () => {
  const pretty = JSON.stringify(teamPolicy, null, 2);

  it.each([
    {
      name: 'key order differs',
      other: parsePolicyOrThrow(
        JSON.stringify({
          rules: teamPolicy.rules.map((r) => ({
            action: { ...r.action },
            selection: Object.fromEntries(Object.entries(r.selection).reverse()),
            description: r.description,
            rulePriority: r.rulePriority,
          })),
        }),
      ),
    },
    { name: 'whitespace differs', other: parsePolicyOrThrow(JSON.stringify(JSON.parse(pretty), null, 7)) },
    { name: 'rules are in another order', other: { rules: [...teamPolicy.rules].reverse() } },
    {
      name: 'tag list entries are in another order',
      other: withRule(teamPolicy, 0, (r) => ({ ...r, selection: { ...r.selection, tagPatternList: ['release-*', 'v*'] } })),
    },
    {
      name: 'storageClass standard is explicit on one side',
      other: withRule(teamPolicy, 1, (r) => ({ ...r, selection: { ...r.selection, storageClass: 'standard' } })),
    },
  ])('is true when only the spelling differs: $name', ({ other }) => {
    // Act
    const equivalent = policiesEquivalent(teamPolicy, other);

    // Assess
    expect(equivalent).toBe(true);
  });

  it.each([
    { name: 'countNumber', other: withRule(teamPolicy, 1, (r) => ({ ...r, selection: { ...r.selection, countNumber: 8 } })) },
    {
      name: 'tag list entries',
      other: withRule(teamPolicy, 0, (r) => ({ ...r, selection: { ...r.selection, tagPatternList: ['v*', 'rc-*'] } })),
    },
    {
      name: 'tag list kind (pattern versus prefix)',
      other: withRule(teamPolicy, 0, (r) => ({
        ...r,
        selection: { ...r.selection, tagPatternList: undefined, tagPrefixList: ['v*', 'release-*'] },
      })),
    },
    {
      name: 'action type',
      other: withRule(teamPolicy, 1, (r) => ({ ...r, action: { type: 'transition', targetStorageClass: 'archive' } })),
    },
    { name: 'rulePriority', other: withRule(teamPolicy, 1, (r) => ({ ...r, rulePriority: 6 })) },
    { name: 'tagStatus', other: withRule(teamPolicy, 2, (r) => ({ ...r, selection: { ...r.selection, tagStatus: 'untagged' } })) },
    { name: 'countType', other: withRule(teamPolicy, 1, (r) => ({ ...r, selection: { ...r.selection, countType: 'sinceImagePulled' } })) },
    { name: 'a rule is missing', other: { rules: teamPolicy.rules.slice(0, 3) } },
    { name: 'description text', other: withRule(teamPolicy, 0, (r) => ({ ...r, description: 'Protect releases' })) },
    { name: 'description presence', other: withRule(teamPolicy, 1, (r) => ({ ...r, description: 'Untagged' })) },
  ])('is false when the $name differs', ({ other }) => {
    // Act
    const equivalent = policiesEquivalent(teamPolicy, other);

    // Assess
    expect(equivalent).toBe(false);
  });

  it('ignores descriptions when asked to, and only descriptions', () => {
    // Prepare
    const redescribed = withRule(
      withRule(teamPolicy, 0, (r) => ({ ...r, description: 'Protect releases' })),
      1,
      (r) => ({ ...r, description: 'Untagged' }),
    );
    const recounted = withRule(redescribed, 1, (r) => ({ ...r, selection: { ...r.selection, countNumber: 8 } }));

    // Act
    const sameRules = policiesEquivalent(teamPolicy, redescribed, { ignoreDescriptions: true });
    const otherRules = policiesEquivalent(teamPolicy, recounted, { ignoreDescriptions: true });

    // Assess
    expect(sameRules).toBe(true);
    expect(otherRules).toBe(false);
  });
});

describe('Function: serializePolicy', () => {
  it('round-trips through parsePolicyText to an equivalent policy', () => {
    // Prepare
    const policy = frozen(teamPolicy);

    // Act
    const text = serializePolicy(policy);
    const reparsed = parsePolicyText(text);

    // Assess
    expect(reparsed.ok).toBe(true);
    expect(reparsed.ok && policiesEquivalent(reparsed.policy, policy)).toBe(true);
  });

  it('writes the same text for every spelling of the same policy', () => {
    // Prepare
    const respelled = withRule({ rules: [...teamPolicy.rules].reverse() }, 2, (r) => ({
      ...r,
      selection: { ...r.selection, storageClass: 'standard' },
    }));

    // Act
    const a = serializePolicy(teamPolicy);
    const b = serializePolicy(respelled);

    // Assess
    expect(b).toBe(a);
  });

  it('pretty-prints with two spaces and lists rules by priority', () => {
    // Prepare
    const policy = { rules: [expireUntagged, protectRelease] };

    // Act
    const text = serializePolicy(policy);

    // Assess
    expect(text.startsWith('{\n  "rules": [\n    {\n      "rulePriority": 1,')).toBe(true);
    expect(text.indexOf('"rulePriority": 1')).toBeLessThan(text.indexOf('"rulePriority": 5'));
    expect(text).not.toContain('"standard"');
  });

  it('gives the smallest valid policy at least 100 characters', () => {
    // Prepare
    const smallest: LifecyclePolicy = {
      rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
    };

    // Act
    const text = serializePolicy(smallest);

    // Assess
    expect(JSON.stringify(smallest).length).toBeLessThan(150);
    expect(text.length).toBeGreaterThanOrEqual(MIN_POLICY_TEXT_LENGTH);
    expect(parsePolicyText(text).ok).toBe(true);
  });

  it('throws PolicyValidationError when the text would exceed 30,720 characters', () => {
    // Prepare
    const huge: LifecyclePolicy = {
      rules: Array.from({ length: MAX_RULES }, (_, i) => ({
        rulePriority: i + 1,
        description: 'x'.repeat(700),
        selection: { tagStatus: 'tagged', tagPrefixList: [`team-${i}`], countType: 'imageCountMoreThan', countNumber: 5 },
        action: { type: 'expire' },
      })),
    };

    // Act
    const act = (): string => serializePolicy(huge);

    // Assess
    expect(act).toThrow(PolicyValidationError);
    expect(act).toThrow(/at most 30,720/);
  });

  it('refuses to serialise a policy that breaks the grammar', () => {
    // Prepare
    const broken = withRule(teamPolicy, 1, (r) => ({ ...r, selection: { ...r.selection, countUnit: undefined } }));

    // Act
    const act = (): string => serializePolicy(broken);

    // Assess
    expect(act).toThrow(PolicyValidationError);
    expect(act).toThrow(/rules\[1\]\.selection\.countUnit/);
  });
});
