/**
 * The lifecycle policy ecr-keeper wants on a repository: protection rules first, then the
 * configured retention, then the repository's own rules that do not clash (merge mode), then the
 * catch-all. Pure and deterministic: the same config and current policy give the same text.
 *
 * Why protection works (ECR user guide, "Lifecycle policy evaluation rules"): a marked image is
 * skipped by a rule when any higher-priority rule's selection matched it, whether or not that rule
 * marked it. Our protection rule selects every image carrying `<prefix><infix>` and never marks one
 * (nothing was pushed 100 years ago), so no lower rule can expire or archive a protected image.
 */
import type { EnvironmentConfig, KeeperConfig } from '../config.js';
import type { StorageClass } from '../domain/types.js';
import { PolicyValidationError } from '../errors.js';
import { policiesEquivalent, serializePolicy } from '../policy/canonical.js';
import { MAX_RULES } from '../policy/parse.js';
import type { LifecyclePolicy, PolicyIssue, Rule, Selection } from '../policy/types.js';
import { protectionPrefix } from './protection.js';

/** Every rule ecr-keeper writes has a description starting with this; such rules are regenerated, never kept. */
export const KEEPER_DESCRIPTION_PREFIX = 'ecr-keeper:';
/** Age in days of the protection rule: a selection that matches protected images and never marks one. */
export const PROTECTION_RULE_DAYS = 36_500;

/** A repository rule left out of the target policy, and why. */
export interface DroppedRule {
  readonly rule: Rule;
  readonly reason: string;
}

/** A baseline rule left out because the repository's own rule takes its place (merge mode). */
export interface OverriddenRule {
  readonly description: string;
  readonly reason: string;
}

/** The target policy and how it was merged; `text` is set only when `issues` is empty. */
export interface TargetPolicy {
  readonly policy: LifecyclePolicy;
  readonly keptOwnRules: readonly Rule[];
  /** Own rules left out (ecr-keeper's own earlier rules are regenerated and not listed). */
  readonly droppedOwnRules: readonly DroppedRule[];
  readonly overriddenBaseline: readonly OverriddenRule[];
  /** Problems that forbid writing the policy (too many rules, grammar); the caller must block. */
  readonly issues: readonly PolicyIssue[];
  /** The exact text to write (`serializePolicy`), when the policy is valid. */
  readonly text: string | undefined;
}

type Draft = Omit<Rule, 'rulePriority'>;

const classOf = (selection: Selection): StorageClass => selection.storageClass ?? 'standard';

/** The identity ECR uses to forbid two rules with the same tag list in one storage class. */
const listKey = (selection: Selection): string | undefined => {
  if (selection.tagStatus !== 'tagged') return undefined;
  const [key, list] =
    selection.tagPatternList !== undefined
      ? ['tagPatternList', selection.tagPatternList]
      : ['tagPrefixList', selection.tagPrefixList ?? []];
  return JSON.stringify([classOf(selection), key, [...list].sort()]);
};

const protectionRule = (config: KeeperConfig, env: EnvironmentConfig, storageClass: StorageClass): Draft => ({
  description: `${KEEPER_DESCRIPTION_PREFIX} protection (${env.name}${storageClass === 'archive' ? ', archive' : ''})`,
  selection:
    storageClass === 'standard'
      ? {
          tagStatus: 'tagged',
          tagPrefixList: [protectionPrefix(config, env)],
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: PROTECTION_RULE_DAYS,
        }
      : {
          // Archive rules may only count days in archive (ECR grammar), with the same never-marking age.
          tagStatus: 'tagged',
          tagPrefixList: [protectionPrefix(config, env)],
          countType: 'sinceImageTransitioned',
          countUnit: 'days',
          countNumber: PROTECTION_RULE_DAYS,
          storageClass: 'archive',
        },
  action: { type: 'expire' },
});

const retentionRule = (env: EnvironmentConfig): Draft => ({
  description: `${KEEPER_DESCRIPTION_PREFIX} ${env.name} retention`,
  selection:
    env.keepNewest !== undefined
      ? { tagStatus: 'tagged', tagPrefixList: [env.tagPrefix], countType: 'imageCountMoreThan', countNumber: env.keepNewest }
      : {
          tagStatus: 'tagged',
          tagPrefixList: [env.tagPrefix],
          countType: 'sinceImagePushed',
          countUnit: 'days',
          countNumber: env.expireAfterDays ?? PROTECTION_RULE_DAYS,
        },
  action: { type: 'expire' },
});

const untaggedRule = (config: KeeperConfig): Draft => ({
  description: `${KEEPER_DESCRIPTION_PREFIX} untagged`,
  selection:
    'keepNewest' in config.untagged
      ? { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: config.untagged.keepNewest }
      : { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: config.untagged.expireAfterDays },
  action: { type: 'expire' },
});

const catchAllRule = (days: number): Draft => ({
  description: `${KEEPER_DESCRIPTION_PREFIX} catch-all`,
  selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: days },
  action: { type: 'expire' },
});

/** Why an own rule cannot stay in the target policy, or `undefined` when it can. */
const clashReason = (rule: Rule, protectionLists: ReadonlyMap<string, string>): string | undefined => {
  const key = listKey(rule.selection);
  const clash = key === undefined ? undefined : protectionLists.get(key);
  if (clash !== undefined) return `same tag list as "${clash}" (ecr-keeper's protection tags; ECR requires distinct lists)`;
  return undefined;
};

const isKeeperRule = (rule: Rule): boolean => rule.description?.startsWith(KEEPER_DESCRIPTION_PREFIX) === true;

/**
 * Builds the target policy from the config and the repository's current policy (if any).
 * Priorities are 1, 2, 3… in this order: protection (per environment; archive-class protection too
 * when a kept rule acts on archived images), then in merge mode the repository's own rules in their
 * priority order, then the environment retention, the untagged rule and the catch-all.
 *
 * Why own rules come before the baseline (merge mode): an image an own rule selects is then judged
 * by the own rules exactly as before (protection above them only shields protected images), so a
 * team's "keep release-* forever" still keeps; the baseline acts only on images no own rule selects.
 * Where an own rule takes the baseline's place (its tag list, the one untagged rule, the one `any`
 * rule), the baseline rule is left out and reported in `overriddenBaseline`.
 * Never throws: a policy that cannot be written (over 50 rules, grammar) is reported in `issues`.
 */
export const buildTargetPolicy = (config: KeeperConfig, current: LifecyclePolicy | undefined): TargetPolicy => {
  const protection = config.environments.map((env) => protectionRule(config, env, 'standard'));
  const archiveProtection = config.environments.map((env) => protectionRule(config, env, 'archive'));

  const protectionLists = new Map<string, string>();
  for (const draft of [...protection, ...archiveProtection]) {
    const key = listKey(draft.selection);
    if (key !== undefined) protectionLists.set(key, draft.description ?? '');
  }

  const ownRules = [...(current?.rules ?? [])].sort((a, b) => a.rulePriority - b.rulePriority).filter((rule) => !isKeeperRule(rule));
  const kept: Rule[] = [];
  const dropped: DroppedRule[] = [];
  for (const rule of ownRules) {
    const reason = config.existingPolicy === 'replace' ? 'replaced: existingPolicy is "replace"' : clashReason(rule, protectionLists);
    if (reason === undefined) kept.push(rule);
    else dropped.push({ rule, reason });
  }

  const ownLists = new Set(kept.map((r) => listKey(r.selection)).filter((k): k is string => k !== undefined));
  const ownUntagged = kept.some((r) => r.selection.tagStatus === 'untagged' && classOf(r.selection) === 'standard');
  const ownAny = kept.some((r) => r.selection.tagStatus === 'any');
  const overridden: OverriddenRule[] = [];
  const retention = config.environments.map(retentionRule).filter((draft) => {
    const key = listKey(draft.selection);
    if (key === undefined || !ownLists.has(key)) return true;
    overridden.push({ description: draft.description ?? '', reason: 'the repository has its own rule with the same tag list (merge keeps it)' });
    return false;
  });
  const untagged = ownUntagged ? [] : [untaggedRule(config)];
  if (ownUntagged) overridden.push({ description: untaggedRule(config).description ?? '', reason: 'the repository has its own untagged rule (merge keeps it; ECR allows one)' });
  const catchAll = config.catchAll === null || ownAny ? [] : [catchAllRule(config.catchAll.expireAfterDays)];
  if (ownAny && config.catchAll !== null)
    overridden.push({ description: catchAllRule(config.catchAll.expireAfterDays).description ?? '', reason: 'the repository has its own tagStatus any rule (merge keeps it; ECR allows one, last)' });

  // Archived images are only ever selected by archive rules, so the standard protection rule cannot
  // shield them; an archive twin does, and is only needed when some kept rule acts on archived images.
  const needsArchiveProtection = kept.some((rule) => classOf(rule.selection) === 'archive');
  // A tagStatus any rule must carry the highest priority of the policy (ECR grammar).
  const ownOrdered = [...kept.filter((r) => r.selection.tagStatus !== 'any'), ...kept.filter((r) => r.selection.tagStatus === 'any')];
  const ownDrafts = ownOrdered.map(({ rulePriority: _priority, ...rest }) => rest);
  const drafts: Draft[] = [
    ...protection,
    ...(needsArchiveProtection ? archiveProtection : []),
    ...ownDrafts.filter((d) => d.selection.tagStatus !== 'any'),
    ...retention,
    ...untagged,
    ...ownDrafts.filter((d) => d.selection.tagStatus === 'any'),
    ...catchAll,
  ];
  const policy: LifecyclePolicy = { rules: drafts.map((draft, i) => ({ rulePriority: i + 1, ...draft })) };
  return finish(policy, kept, dropped, overridden, ownOrdered.length);
};

/**
 * The policy in force with ecr-keeper's protection rules put first (priorities renumbered, order
 * kept). A rule that selects nothing yet and never marks can only take images out of lower rules'
 * reach, so under this guard adding protection tags cannot move an in-use image into a count rule
 * that would then expire it. `undefined` when the current policy already starts with them or the
 * guard cannot be written (50 rules, a clashing list).
 */
export const buildGuardPolicy = (config: KeeperConfig, current: LifecyclePolicy): { policy: LifecyclePolicy; text: string } | undefined => {
  const protection = config.environments.map((env) => protectionRule(config, env, 'standard'));
  const needsArchive = current.rules.some((r) => classOf(r.selection) === 'archive');
  const shields = [...protection, ...(needsArchive ? config.environments.map((env) => protectionRule(config, env, 'archive')) : [])];
  // A rule of the policy in force on ecr-keeper's own tag list cannot stand next to the protection
  // rule (ECR: distinct lists) and the target drops it too; orderSteps checks the result is no worse.
  const shieldLists = new Set(shields.map((d) => listKey(d.selection)));
  const kept = [...current.rules].sort((a, b) => a.rulePriority - b.rulePriority).filter((r) => !shieldLists.has(listKey(r.selection)));
  const drafts: Draft[] = [...shields, ...kept.map(({ rulePriority: _p, ...rest }) => rest)];
  const policy: LifecyclePolicy = { rules: drafts.map((draft, i) => ({ rulePriority: i + 1, ...draft })) };
  // Already in force (the policy starts with the protection rules): nothing to guard.
  if (policy.rules.length > MAX_RULES || policiesEquivalent(policy, current)) return undefined;
  try {
    return { policy, text: serializePolicy(policy) };
  } catch (error) {
    if (error instanceof PolicyValidationError) return undefined;
    throw error;
  }
};

const finish = (policy: LifecyclePolicy, kept: Rule[], dropped: DroppedRule[], overridden: OverriddenRule[], ownCount: number): TargetPolicy => {
  const base = { policy, keptOwnRules: kept, droppedOwnRules: dropped, overriddenBaseline: overridden };
  if (policy.rules.length > MAX_RULES) {
    const issues: PolicyIssue[] = [
      {
        path: 'rules',
        message: `the target policy would have ${policy.rules.length} rules (${policy.rules.length - ownCount} from the config, ${ownCount} kept from the repository); ECR allows at most ${MAX_RULES}`,
      },
    ];
    return { ...base, issues, text: undefined };
  }
  try {
    return { ...base, issues: [], text: serializePolicy(policy) };
  } catch (error) {
    if (error instanceof PolicyValidationError) return { ...base, issues: [...error.issues], text: undefined };
    throw error;
  }
};
