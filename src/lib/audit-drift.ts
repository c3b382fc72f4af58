/**
 * Policy drift as people read it: the rules the target policy adds, removes or changes against the
 * policy in force, each with its priority and one line saying what it does. Pure.
 */
import { parsePolicyText } from './policy/parse.js';
import type { LifecyclePolicy, Rule } from './policy/types.js';

/** One rule of the drift: `moved` is the same rule at another priority. */
export interface RuleChange {
  readonly change: 'added' | 'removed' | 'changed' | 'moved';
  /** Priority in the target policy (`added`, `changed`, `moved`) or in the current one (`removed`). */
  readonly priority: number;
  /** Priority in the current policy, for `changed` and `moved`. */
  readonly previousPriority?: number | undefined;
  readonly description?: string | undefined;
  /** What the rule does, in one line (the target's rule; the current one's for `removed`). */
  readonly rule: string;
  /** What the current rule did, for `changed`. */
  readonly was?: string | undefined;
}

const quoted = (list: readonly string[]): string => list.map((s) => `"${s}"`).join(' and ');

/** One line saying what a rule does, e.g. `expire images tagged "prod-*" beyond the newest 30`. */
export const describeRule = (rule: Rule): string => {
  const s = rule.selection;
  const archived = s.storageClass === 'archive' ? 'archived ' : '';
  const what =
    s.tagStatus === 'untagged'
      ? `${archived}untagged images`
      : s.tagStatus === 'any'
        ? `all ${archived}images`
        : s.tagPatternList !== undefined
          ? `${archived}images with tags matching ${quoted(s.tagPatternList)}`
          : `${archived}images with tags starting ${quoted(s.tagPrefixList ?? [])}`;
  const when =
    s.countType === 'imageCountMoreThan'
      ? `beyond the newest ${s.countNumber}`
      : s.countType === 'sinceImagePushed'
        ? `pushed more than ${s.countNumber} days ago`
        : s.countType === 'sinceImagePulled'
          ? `not pulled for ${s.countNumber} days`
          : `archived more than ${s.countNumber} days ago`;
  const verb = rule.action.type === 'expire' ? 'expire' : 'archive';
  return `${verb} ${what} ${when}`;
};

/** Everything but the priority, in a fixed key order (tag lists sorted, default storage class dropped). */
const contentKey = (rule: Rule): string => {
  const s = rule.selection;
  return JSON.stringify([
    rule.description ?? '',
    s.tagStatus,
    [...(s.tagPatternList ?? [])].sort(),
    [...(s.tagPrefixList ?? [])].sort(),
    s.countType,
    s.countUnit ?? '',
    s.countNumber,
    s.storageClass === 'standard' ? '' : (s.storageClass ?? ''),
    rule.action.type,
  ]);
};

/**
 * The rule-by-rule difference from `current` to `target`. A target rule identical to a current one
 * but for its priority is `moved` (listed only when the priority differs); one with the same
 * description but other content is `changed`; the rest are `added`, and unmatched current rules `removed`.
 * Target rules first, in priority order, then the removed ones.
 */
export const diffPolicies = (current: LifecyclePolicy | undefined, target: LifecyclePolicy): RuleChange[] => {
  const byPriority = (a: Rule, b: Rule): number => a.rulePriority - b.rulePriority;
  const remaining = [...(current?.rules ?? [])].sort(byPriority);
  const take = (found: Rule | undefined): Rule | undefined => {
    if (found !== undefined) remaining.splice(remaining.indexOf(found), 1);
    return found;
  };
  const changes: RuleChange[] = [];
  const targetRules = [...target.rules].sort(byPriority);
  // Exact matches first, so a changed rule cannot claim a current rule another target rule equals.
  const exact = new Map<Rule, Rule>();
  for (const rule of targetRules) {
    const same = take(remaining.find((r) => contentKey(r) === contentKey(rule)));
    if (same !== undefined) exact.set(rule, same);
  }
  for (const rule of targetRules) {
    const base = { priority: rule.rulePriority, description: rule.description, rule: describeRule(rule) };
    const same = exact.get(rule);
    if (same !== undefined) {
      if (same.rulePriority !== rule.rulePriority) changes.push({ change: 'moved', ...base, previousPriority: same.rulePriority });
      continue;
    }
    const named = rule.description === undefined ? undefined : take(remaining.find((r) => r.description === rule.description));
    if (named !== undefined) changes.push({ change: 'changed', ...base, previousPriority: named.rulePriority, was: describeRule(named) });
    else changes.push({ change: 'added', ...base });
  }
  for (const rule of remaining) changes.push({ change: 'removed', priority: rule.rulePriority, description: rule.description, rule: describeRule(rule) });
  return changes;
};

/** `diffPolicies` over policy texts; `undefined` when the target is missing or either text does not parse. */
export const diffPolicyTexts = (currentText: string | undefined, targetText: string | undefined): RuleChange[] | undefined => {
  if (targetText === undefined) return undefined;
  const target = parsePolicyText(targetText);
  if (!target.ok) return undefined;
  if (currentText === undefined) return diffPolicies(undefined, target.policy);
  const current = parsePolicyText(currentText);
  return current.ok ? diffPolicies(current.policy, target.policy) : undefined;
};
