/**
 * Canonical form of a lifecycle policy: one spelling per meaning, so that drift detection compares
 * meaning (not key order, whitespace, rule order or list order) and the text we write is deterministic.
 */
import { PolicyValidationError } from '../errors.js';
import { MAX_POLICY_TEXT_LENGTH, MIN_POLICY_TEXT_LENGTH, ROOT_PATH, validatePolicy } from './parse.js';
import type { Action, LifecyclePolicy, Rule, Selection } from './types.js';

/** Options for `policiesEquivalent`. */
export interface EquivalenceOptions {
  /** Treat rules that differ only in `description` as equal (default false: a new description is a write). */
  readonly ignoreDescriptions?: boolean | undefined;
}

// Entries of one list are ANDed, so their order carries no meaning. Duplicates are kept: dropping them
// would make the written text differ from the configured one for no gain.
const sortedList = (list: readonly string[]): string[] => [...list].sort();

const normalizeSelection = (selection: Selection): Selection => ({
  tagStatus: selection.tagStatus,
  ...(selection.tagPatternList !== undefined ? { tagPatternList: sortedList(selection.tagPatternList) } : {}),
  ...(selection.tagPrefixList !== undefined ? { tagPrefixList: sortedList(selection.tagPrefixList) } : {}),
  countType: selection.countType,
  ...(selection.countUnit !== undefined ? { countUnit: selection.countUnit } : {}),
  countNumber: selection.countNumber,
  // An absent storageClass means "standard" (ECR default), so the default is written by omission. That
  // keeps our text identical to what most people write and accepted by endpoints without archive support.
  ...(selection.storageClass !== undefined && selection.storageClass !== 'standard'
    ? { storageClass: selection.storageClass }
    : {}),
});

const normalizeAction = (action: Action): Action =>
  action.type === 'transition' ? { type: 'transition', targetStorageClass: action.targetStorageClass } : { type: action.type };

const normalizeRule = (rule: Rule, keepDescription: boolean): Rule => ({
  rulePriority: rule.rulePriority,
  ...(keepDescription && rule.description !== undefined ? { description: rule.description } : {}),
  selection: normalizeSelection(rule.selection),
  action: normalizeAction(rule.action),
});

const normalize = (policy: LifecyclePolicy, keepDescriptions: boolean): LifecyclePolicy => ({
  // ECR evaluates rules by ascending rulePriority; array order has no meaning.
  rules: [...policy.rules]
    .sort((a, b) => a.rulePriority - b.rulePriority)
    .map((rule) => normalizeRule(rule, keepDescriptions)),
});

/**
 * Returns a fresh policy in canonical form: rules by ascending priority, fixed key order, tag lists
 * sorted, default `storageClass: "standard"` omitted. Idempotent; does not validate.
 */
export const normalizePolicy = (policy: LifecyclePolicy): LifecyclePolicy => normalize(policy, true);

/**
 * True when two policies mean the same to ECR (ignoring key order, whitespace, rule order, list order and
 * an explicit default storage class). Descriptions count unless `ignoreDescriptions` is set.
 */
export const policiesEquivalent = (a: LifecyclePolicy, b: LifecyclePolicy, options?: EquivalenceOptions): boolean => {
  const keepDescriptions = options?.ignoreDescriptions !== true;
  return JSON.stringify(normalize(a, keepDescriptions)) === JSON.stringify(normalize(b, keepDescriptions));
};

/**
 * The exact text to send with `PutLifecyclePolicy`: canonical, pretty-printed JSON (2 spaces), at least
 * 100 characters. Throws `PolicyValidationError` if the policy breaks the grammar or the text would exceed
 * 30,720 characters.
 */
export const serializePolicy = (policy: LifecyclePolicy): string => {
  const checked = validatePolicy(policy);
  if (!checked.ok) throw new PolicyValidationError(checked.issues);

  const text = JSON.stringify(normalizePolicy(checked.policy), null, 2);
  if (text.length > MAX_POLICY_TEXT_LENGTH) {
    throw new PolicyValidationError([
      {
        path: ROOT_PATH,
        message: `serialised policy is ${text.length} characters; ECR accepts at most ${MAX_POLICY_TEXT_LENGTH.toLocaleString('en-US')} (shorten descriptions or merge rules)`,
      },
    ]);
  }
  // ECR rejects text under 100 characters. Pretty-printing already clears that for every valid policy;
  // should it not, trailing whitespace pads the text without touching the JSON value.
  return text.length >= MIN_POLICY_TEXT_LENGTH ? text : text.padEnd(MIN_POLICY_TEXT_LENGTH, '\n');
};
