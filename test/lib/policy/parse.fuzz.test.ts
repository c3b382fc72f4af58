import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizePolicy, policiesEquivalent, serializePolicy } from '../../../src/lib/policy/canonical.js';
import { MAX_WILDCARDS_PER_PATTERN, parsePolicyText, validatePolicy } from '../../../src/lib/policy/parse.js';
import type { LifecyclePolicy, Rule, Selection } from '../../../src/lib/policy/types.js';

const RUNS = { numRuns: 1_000 };

const countStars = (s: string): number => s.split('*').length - 1;

// Tags: mostly realistic, sometimes arbitrary Unicode (JSON escaping must survive the round trip).
const tagEntry = fc
  .oneof(
    { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9*._-]{1,12}$/) },
    { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 10, unit: 'grapheme' }) },
  )
  .filter((s) => countStars(s) <= MAX_WILDCARDS_PER_PATTERN);
const tagList = fc.array(tagEntry, { minLength: 1, maxLength: 4 });
const description = fc.option(fc.string({ maxLength: 40 }), { nil: undefined });
const countNumber = fc.integer({ min: 1, max: 2_147_483_647 });
const standardClass = fc.constantFrom<Selection['storageClass']>(undefined, 'standard');

/** One rule without its priority; the policy arbitrary assigns priorities. */
type Draft = Omit<Rule, 'rulePriority'>;

const tagSelection = fc.oneof(
  fc.record({ tagStatus: fc.constant('tagged' as const), tagPatternList: tagList }),
  fc.record({ tagStatus: fc.constant('tagged' as const), tagPrefixList: tagList }),
  fc.constant({ tagStatus: 'untagged' as const }),
  fc.constant({ tagStatus: 'any' as const }),
);

const standardDraft: fc.Arbitrary<Draft> = fc
  .record({
    tags: tagSelection,
    count: fc.oneof(
      fc.record({ countType: fc.constant('imageCountMoreThan' as const), countNumber }),
      fc.record({ countType: fc.constant('sinceImagePushed' as const), countUnit: fc.constant('days' as const), countNumber }),
      fc.record({ countType: fc.constant('sinceImagePulled' as const), countUnit: fc.constant('days' as const), countNumber }),
    ),
    storageClass: standardClass,
    transition: fc.boolean(),
    description,
  })
  .map(({ tags, count, storageClass, transition, description: d }) => ({
    ...(d !== undefined ? { description: d } : {}),
    selection: { ...tags, ...count, ...(storageClass !== undefined ? { storageClass } : {}) },
    // sinceImagePulled may only transition; the other standard count types may do either.
    action:
      transition || count.countType === 'sinceImagePulled'
        ? { type: 'transition' as const, targetStorageClass: 'archive' as const }
        : { type: 'expire' as const },
  }));

const archiveDraft: fc.Arbitrary<Draft> = fc
  .record({ tags: tagSelection, countNumber, description })
  .map(({ tags, countNumber: n, description: d }) => ({
    ...(d !== undefined ? { description: d } : {}),
    selection: { ...tags, countType: 'sinceImageTransitioned' as const, countUnit: 'days' as const, countNumber: n, storageClass: 'archive' as const },
    action: { type: 'expire' as const },
  }));

const classOf = (d: Draft): string => d.selection.storageClass ?? 'standard';

/** Drops drafts that would break a cross-rule rule: one untagged and one any per class, distinct tag lists. */
const keepCompatible = (drafts: readonly Draft[]): Draft[] => {
  const seen = new Set<string>();
  return drafts.filter((d) => {
    const s = d.selection;
    const list = s.tagPatternList !== undefined ? ['pattern', ...[...s.tagPatternList].sort()] : s.tagPrefixList !== undefined ? ['prefix', ...[...s.tagPrefixList].sort()] : [];
    const key = JSON.stringify([classOf(d), s.tagStatus, ...list]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
};

/** Random policies that satisfy the whole grammar, with rules in random array order. */
const validPolicy: fc.Arbitrary<LifecyclePolicy> = fc
  .array(fc.oneof({ weight: 4, arbitrary: standardDraft }, { weight: 1, arbitrary: archiveDraft }), { minLength: 1, maxLength: 12 })
  .map(keepCompatible)
  .chain((drafts) => {
    // `any` rules take the highest priorities, so each is last within its storage class.
    const ordered = [...drafts.filter((d) => d.selection.tagStatus !== 'any'), ...drafts.filter((d) => d.selection.tagStatus === 'any')];
    return fc
      .uniqueArray(fc.integer({ min: 1, max: 10_000 }), { minLength: ordered.length, maxLength: ordered.length })
      .map((priorities) => [...priorities].sort((a, b) => a - b))
      .map((priorities) => ordered.map((d, i): Rule => ({ rulePriority: priorities[i] ?? 0, ...d })))
      .chain((rules) => fc.shuffledSubarray(rules, { minLength: rules.length, maxLength: rules.length }));
  })
  .map((rules) => ({ rules }));

/** The same policy spelt differently: rules and list entries shuffled, default storage class toggled. */
const respelled = (policy: LifecyclePolicy): fc.Arbitrary<LifecyclePolicy> =>
  fc
    .tuple(
      fc.shuffledSubarray([...policy.rules], { minLength: policy.rules.length, maxLength: policy.rules.length }),
      fc.array(fc.boolean(), { minLength: policy.rules.length, maxLength: policy.rules.length }),
    )
    .map(([rules, toggles]) => ({
      rules: rules.map((rule, i) => {
        const s = rule.selection;
        const flip = toggles[i] === true;
        const storageClass = s.storageClass === 'archive' ? 'archive' : flip === (s.storageClass === undefined) ? 'standard' : undefined;
        return {
          ...rule,
          selection: {
            ...s,
            tagPatternList: s.tagPatternList && [...s.tagPatternList].reverse(),
            tagPrefixList: s.tagPrefixList && [...s.tagPrefixList].reverse(),
            storageClass,
          },
        };
      }),
    }));

describe('Property: lifecycle policy model', () => {
  it('generated policies satisfy the grammar', () => {
    fc.assert(
      fc.property(validPolicy, (policy) => {
        const result = validatePolicy(policy);
        expect(result.ok ? [] : result.issues).toEqual([]);
      }),
      RUNS,
    );
  });

  it('serialize then parse gives an equivalent policy and the same text', () => {
    fc.assert(
      fc.property(validPolicy, (policy) => {
        const text = serializePolicy(policy);
        const reparsed = parsePolicyText(text);
        expect(reparsed.ok ? [] : reparsed.issues).toEqual([]);
        expect(reparsed.ok && policiesEquivalent(reparsed.policy, policy)).toBe(true);
        expect(reparsed.ok && serializePolicy(reparsed.policy)).toBe(text);
      }),
      RUNS,
    );
  });

  it('normalizePolicy is idempotent and keeps the meaning', () => {
    fc.assert(
      fc.property(validPolicy, (policy) => {
        const once = normalizePolicy(policy);
        expect(normalizePolicy(once)).toEqual(once);
        expect(policiesEquivalent(once, policy)).toBe(true);
      }),
      RUNS,
    );
  });

  it('another spelling of the same policy is equivalent and serialises identically', () => {
    fc.assert(
      fc.property(
        validPolicy.chain((p) => fc.tuple(fc.constant(p), respelled(p))),
        ([policy, other]) => {
          expect(policiesEquivalent(policy, other)).toBe(true);
          expect(serializePolicy(other)).toBe(serializePolicy(policy));
        },
      ),
      RUNS,
    );
  });

  it('changing one countNumber breaks equivalence', () => {
    fc.assert(
      fc.property(validPolicy, fc.nat(), fc.integer({ min: 1, max: 1_000 }), (policy, pick, delta) => {
        const index = pick % policy.rules.length;
        const changed = {
          rules: policy.rules.map((r, i) =>
            i === index ? { ...r, selection: { ...r.selection, countNumber: r.selection.countNumber + delta } } : r,
          ),
        };
        expect(policiesEquivalent(policy, changed)).toBe(false);
      }),
      RUNS,
    );
  });

  it('validatePolicy never throws and every issue names a path', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = validatePolicy(value);
        const issues = result.ok ? [] : result.issues;
        expect(issues.every((i) => i.path.length > 0 && i.message.length > 0)).toBe(true);
      }),
      RUNS,
    );
  });

  it('parsePolicyText never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        expect(parsePolicyText(text).ok).toBe(false);
      }),
      RUNS,
    );
  });
});
