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
import { serializePolicy } from '../policy/canonical.js';
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

/** The target policy and how it was merged; `text` is set only when `issues` is empty. */
export interface TargetPolicy {
  readonly policy: LifecyclePolicy;
  readonly keptOwnRules: readonly Rule[];
  readonly droppedOwnRules: readonly DroppedRule[];
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

/** Why an own rule cannot stay next to the baseline, or `undefined` when it can. */
const clashReason = (rule: Rule, config: KeeperConfig, baselineLists: ReadonlyMap<string, string>): string | undefined => {
  if (rule.description?.startsWith(KEEPER_DESCRIPTION_PREFIX) === true)
    return 'written by ecr-keeper: regenerated from the config';
  const storageClass = classOf(rule.selection);
  if (rule.selection.tagStatus === 'any' && storageClass === 'standard' && config.catchAll !== null)
    return `a tagStatus any rule must have the highest priority; the configured catch-all (${config.catchAll.expireAfterDays} days) takes its place`;
  if (rule.selection.tagStatus === 'untagged' && storageClass === 'standard')
    return 'ECR allows one untagged rule per storage class; the configured untagged rule takes its place';
  const key = listKey(rule.selection);
  const clash = key === undefined ? undefined : baselineLists.get(key);
  if (clash !== undefined) return `same tag list as "${clash}" in the same storage class (ECR requires distinct lists)`;
  return undefined;
};

/**
 * Builds the target policy from the config and the repository's current policy (if any).
 * Priorities are 1, 2, 3… in this order: protection (per environment; archive-class protection too
 * when a kept rule acts on archived images), environment retention, untagged, the repository's own
 * non-clashing rules in their priority order (merge mode), own `any` rules, the catch-all.
 * Never throws: a policy that cannot be written (over 50 rules, grammar) is reported in `issues`.
 */
export const buildTargetPolicy = (config: KeeperConfig, current: LifecyclePolicy | undefined): TargetPolicy => {
  const protection = config.environments.map((env) => protectionRule(config, env, 'standard'));
  const archiveProtection = config.environments.map((env) => protectionRule(config, env, 'archive'));
  const retention = config.environments.map(retentionRule);
  const untagged = untaggedRule(config);

  const baselineLists = new Map<string, string>();
  for (const draft of [...protection, ...archiveProtection, ...retention]) {
    const key = listKey(draft.selection);
    if (key !== undefined) baselineLists.set(key, draft.description ?? '');
  }

  const ownRules = [...(current?.rules ?? [])].sort((a, b) => a.rulePriority - b.rulePriority);
  const kept: Rule[] = [];
  const dropped: DroppedRule[] = [];
  for (const rule of ownRules) {
    const reason =
      config.existingPolicy === 'replace'
        ? rule.description?.startsWith(KEEPER_DESCRIPTION_PREFIX) === true
          ? 'written by ecr-keeper: regenerated from the config'
          : 'replaced: existingPolicy is "replace"'
        : clashReason(rule, config, baselineLists);
    if (reason === undefined) kept.push(rule);
    else dropped.push({ rule, reason });
  }

  // Archived images are only ever selected by archive rules, so the standard protection rule cannot
  // shield them; an archive twin does, and is only needed when some kept rule acts on archived images.
  const needsArchiveProtection = kept.some((rule) => classOf(rule.selection) === 'archive');
  // A tagStatus any rule must carry the highest priority of its storage class (ECR grammar).
  const ownOrdered = [...kept.filter((r) => r.selection.tagStatus !== 'any'), ...kept.filter((r) => r.selection.tagStatus === 'any')];
  const drafts: Draft[] = [
    ...protection,
    ...(needsArchiveProtection ? archiveProtection : []),
    ...retention,
    untagged,
    ...ownOrdered.map(({ rulePriority: _priority, ...rest }) => rest),
    ...(config.catchAll === null ? [] : [catchAllRule(config.catchAll.expireAfterDays)]),
  ];
  const policy: LifecyclePolicy = { rules: drafts.map((draft, i) => ({ rulePriority: i + 1, ...draft })) };

  const ownCount = ownOrdered.length;
  if (policy.rules.length > MAX_RULES) {
    const issues: PolicyIssue[] = [
      {
        path: 'rules',
        message: `the target policy would have ${policy.rules.length} rules (${policy.rules.length - ownCount} from the config, ${ownCount} kept from the repository); ECR allows at most ${MAX_RULES}`,
      },
    ];
    return { policy, keptOwnRules: kept, droppedOwnRules: dropped, issues, text: undefined };
  }
  try {
    return { policy, keptOwnRules: kept, droppedOwnRules: dropped, issues: [], text: serializePolicy(policy) };
  } catch (error) {
    if (error instanceof PolicyValidationError)
      return { policy, keptOwnRules: kept, droppedOwnRules: dropped, issues: [...error.issues], text: undefined };
    throw error;
  }
};
