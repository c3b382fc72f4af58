/**
 * Lifecycle policy grammar: validates a policy (as text or as a parsed value) against every
 * rule ECR enforces, and returns either a fresh typed policy or the complete list of issues.
 * Grammar source: the Amazon ECR User Guide, "Lifecycle policy properties".
 */
import { PolicyValidationError } from '../errors.js';
import type { StorageClass } from '../domain/types.js';
import type { Action, CountType, LifecyclePolicy, PolicyIssue, Rule, Selection, TagStatus } from './types.js';

/** ECR accepts at most 50 rules in one lifecycle policy. */
export const MAX_RULES = 50;
/** `PutLifecyclePolicy` rejects policy text shorter than 100 characters. */
export const MIN_POLICY_TEXT_LENGTH = 100;
/** `PutLifecyclePolicy` rejects policy text longer than 30,720 characters. */
export const MAX_POLICY_TEXT_LENGTH = 30_720;
/** At most four `*` wildcards in one `tagPatternList` entry. */
export const MAX_WILDCARDS_PER_PATTERN = 4;
/** Path used for issues that concern the whole document (JSON syntax, text length). */
export const ROOT_PATH = '(root)';

/** Outcome of validation: the typed policy, or every issue found (never just the first). */
export type PolicyValidationResult =
  | { readonly ok: true; readonly policy: LifecyclePolicy }
  | { readonly ok: false; readonly issues: PolicyIssue[] };

type JsonObject = Readonly<Record<string, unknown>>;
type ListKey = 'tagPatternList' | 'tagPrefixList';

const POLICY_KEYS = ['rules'] as const;
const RULE_KEYS = ['rulePriority', 'description', 'selection', 'action'] as const;
const SELECTION_KEYS = [
  'tagStatus',
  'tagPatternList',
  'tagPrefixList',
  'countType',
  'countUnit',
  'countNumber',
  'storageClass',
] as const;
const ACTION_KEYS = ['type', 'targetStorageClass'] as const;

const TAG_STATUSES: readonly TagStatus[] = ['tagged', 'untagged', 'any'];
const COUNT_TYPES: readonly CountType[] = [
  'imageCountMoreThan',
  'sinceImagePushed',
  'sinceImagePulled',
  'sinceImageTransitioned',
];
const STORAGE_CLASSES: readonly StorageClass[] = ['standard', 'archive'];
const ACTION_TYPES: readonly Action['type'][] = ['expire', 'transition'];
const LIST_KEYS: readonly ListKey[] = ['tagPatternList', 'tagPrefixList'];

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A key set to `undefined` counts as absent: JSON cannot express it, and the TS types allow it. */
const has = (object: JsonObject, key: string): boolean => Object.hasOwn(object, key) && object[key] !== undefined;

const join = (base: string, key: string): string => (base === '' ? key : `${base}.${key}`);

const show = (value: unknown): string => {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const oneOf = <T extends string>(allowed: readonly T[], value: unknown): value is T =>
  typeof value === 'string' && (allowed as readonly string[]).includes(value);

const isPositiveInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;

const quoteAll = (values: readonly string[]): string => values.map((v) => `"${v}"`).join(', ');

const countWildcards = (pattern: string): number => pattern.split('*').length - 1;

/** Facts about one rule that the cross-rule checks need; each is set only if that field is valid. */
interface RuleFacts {
  readonly index: number;
  readonly priority: number | undefined;
  readonly tagStatus: TagStatus | undefined;
  readonly storageClass: StorageClass | undefined;
  readonly list: { readonly key: ListKey; readonly entries: readonly string[] } | undefined;
}

/** Path to an arbitrary (unknown) key: dot notation when it reads as a name, `["…"]` otherwise. */
const keyPath = (base: string, key: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? join(base, key) : `${base}[${JSON.stringify(key)}]`;

const checkUnknownKeys = (object: JsonObject, allowed: readonly string[], base: string, issues: PolicyIssue[]): void => {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      issues.push({
        path: keyPath(base, key),
        message: `unknown key "${key}"; allowed keys here are ${allowed.join(', ')}`,
      });
    }
  }
};

/** Validates a tag list's shape; returns a copy when every entry is a non-empty string. */
const checkTagList = (
  value: unknown,
  key: ListKey,
  base: string,
  issues: PolicyIssue[],
): readonly string[] | undefined => {
  const path = join(base, key);
  if (!Array.isArray(value)) {
    issues.push({ path, message: `${key} must be a non-empty array of non-empty strings, got ${show(value)}` });
    return undefined;
  }
  if (value.length === 0) {
    issues.push({ path, message: `${key} must contain at least one entry` });
    return undefined;
  }
  const before = issues.length;
  value.forEach((entry: unknown, i) => {
    const entryPath = `${path}[${i}]`;
    if (typeof entry !== 'string' || entry.length === 0) {
      issues.push({ path: entryPath, message: `${key} entries must be non-empty strings, got ${show(entry)}` });
    } else if (key === 'tagPatternList' && countWildcards(entry) > MAX_WILDCARDS_PER_PATTERN) {
      issues.push({
        path: entryPath,
        message: `pattern "${entry}" has ${countWildcards(entry)} "*" wildcards; at most ${MAX_WILDCARDS_PER_PATTERN} are allowed per pattern`,
      });
    }
  });
  return issues.length === before ? (value as string[]).slice() : undefined;
};

interface SelectionOutcome {
  readonly selection: Selection | undefined;
  readonly countType: CountType | undefined;
  readonly tagStatus: TagStatus | undefined;
  readonly storageClass: StorageClass | undefined;
  readonly list: RuleFacts['list'];
}

const checkSelection = (value: unknown, base: string, issues: PolicyIssue[]): SelectionOutcome => {
  const path = join(base, 'selection');
  if (!isObject(value)) {
    issues.push({
      path,
      message: `selection is required: an object with tagStatus, countType and countNumber, got ${show(value)}`,
    });
    return { selection: undefined, countType: undefined, tagStatus: undefined, storageClass: undefined, list: undefined };
  }
  const before = issues.length;
  checkUnknownKeys(value, SELECTION_KEYS, path, issues);

  const tagStatus = oneOf(TAG_STATUSES, value.tagStatus) ? value.tagStatus : undefined;
  if (!has(value, 'tagStatus')) {
    issues.push({ path: join(path, 'tagStatus'), message: `tagStatus is required: one of ${quoteAll(TAG_STATUSES)}` });
  } else if (tagStatus === undefined) {
    issues.push({
      path: join(path, 'tagStatus'),
      message: `tagStatus must be one of ${quoteAll(TAG_STATUSES)}, got ${show(value.tagStatus)}`,
    });
  }

  const lists: { key: ListKey; entries: readonly string[] | undefined }[] = [];
  for (const key of LIST_KEYS) {
    if (has(value, key)) lists.push({ key, entries: checkTagList(value[key], key, path, issues) });
  }
  if (tagStatus === 'tagged') {
    // ECR: "If you specify tagged, then you must also specify a tagPrefixList value or a tagPatternList value."
    if (lists.length === 0) {
      issues.push({ path, message: 'tagStatus tagged needs exactly one of tagPatternList or tagPrefixList; found neither' });
    } else if (lists.length > 1) {
      issues.push({ path, message: 'tagStatus tagged needs exactly one of tagPatternList or tagPrefixList; found both' });
    }
  } else if (tagStatus !== undefined) {
    for (const { key } of lists) {
      issues.push({
        path: join(path, key),
        message: `${key} must be absent when tagStatus is ${tagStatus}; tag lists apply only to tagStatus tagged`,
      });
    }
  }

  const countType = oneOf(COUNT_TYPES, value.countType) ? value.countType : undefined;
  if (!has(value, 'countType')) {
    issues.push({ path: join(path, 'countType'), message: `countType is required: one of ${quoteAll(COUNT_TYPES)}` });
  } else if (countType === undefined) {
    issues.push({
      path: join(path, 'countType'),
      message: `countType must be one of ${quoteAll(COUNT_TYPES)}, got ${show(value.countType)}`,
    });
  }

  const countUnitPath = join(path, 'countUnit');
  if (countType === 'imageCountMoreThan') {
    if (has(value, 'countUnit')) {
      issues.push({ path: countUnitPath, message: 'countUnit must be absent when countType is imageCountMoreThan' });
    }
  } else if (countType !== undefined && !has(value, 'countUnit')) {
    issues.push({ path: countUnitPath, message: `countUnit is required when countType is ${countType}; use "days"` });
  }
  if (has(value, 'countUnit') && value.countUnit !== 'days' && countType !== 'imageCountMoreThan') {
    issues.push({ path: countUnitPath, message: `countUnit must be "days", got ${show(value.countUnit)}` });
  }

  if (!has(value, 'countNumber')) {
    issues.push({ path: join(path, 'countNumber'), message: 'countNumber is required: an integer of at least 1' });
  } else if (!isPositiveInteger(value.countNumber)) {
    issues.push({
      path: join(path, 'countNumber'),
      message: `countNumber must be an integer of at least 1, got ${show(value.countNumber)}`,
    });
  }

  const storageClassPath = join(path, 'storageClass');
  let storageClass: StorageClass | undefined = 'standard';
  if (has(value, 'storageClass')) {
    if (oneOf(STORAGE_CLASSES, value.storageClass)) {
      storageClass = value.storageClass;
    } else {
      storageClass = undefined;
      issues.push({
        path: storageClassPath,
        message: `storageClass must be one of ${quoteAll(STORAGE_CLASSES)}, got ${show(value.storageClass)}`,
      });
    }
  }
  // sinceImageTransitioned counts days in archive, so it selects archived images and nothing else.
  if (storageClass === 'archive' && countType !== undefined && countType !== 'sinceImageTransitioned') {
    issues.push({
      path: storageClassPath,
      message: `storageClass "archive" is only allowed when countType is sinceImageTransitioned, not ${countType}`,
    });
  }
  if (countType === 'sinceImageTransitioned' && storageClass === 'standard') {
    issues.push({
      path: storageClassPath,
      message: 'storageClass must be "archive" when countType is sinceImageTransitioned',
    });
  }

  const onlyList = lists.length === 1 ? lists[0] : undefined;
  const list = onlyList?.entries !== undefined ? { key: onlyList.key, entries: onlyList.entries } : undefined;
  if (issues.length > before || tagStatus === undefined || countType === undefined) {
    return { selection: undefined, countType, tagStatus, storageClass, list };
  }
  const selection: Selection = {
    tagStatus,
    ...(list !== undefined ? { [list.key]: list.entries.slice() } : {}),
    countType,
    ...(countType === 'imageCountMoreThan' ? {} : { countUnit: 'days' as const }),
    countNumber: value.countNumber as number,
    ...(has(value, 'storageClass') ? { storageClass } : {}),
  };
  return { selection, countType, tagStatus, storageClass, list };
};

const checkAction = (
  value: unknown,
  countType: CountType | undefined,
  base: string,
  issues: PolicyIssue[],
): Action | undefined => {
  const path = join(base, 'action');
  if (!isObject(value)) {
    issues.push({ path, message: `action is required: an object with type ${quoteAll(ACTION_TYPES)}, got ${show(value)}` });
    return undefined;
  }
  const before = issues.length;
  checkUnknownKeys(value, ACTION_KEYS, path, issues);

  const typePath = join(path, 'type');
  const type = oneOf(ACTION_TYPES, value.type) ? value.type : undefined;
  if (!has(value, 'type')) {
    issues.push({ path: typePath, message: `type is required: one of ${quoteAll(ACTION_TYPES)}` });
  } else if (type === undefined) {
    issues.push({ path: typePath, message: `type must be one of ${quoteAll(ACTION_TYPES)}, got ${show(value.type)}` });
  }

  const targetPath = join(path, 'targetStorageClass');
  if (type === 'transition') {
    if (!has(value, 'targetStorageClass')) {
      issues.push({ path: targetPath, message: 'targetStorageClass is required when type is transition; use "archive"' });
    } else if (value.targetStorageClass !== 'archive') {
      issues.push({ path: targetPath, message: `targetStorageClass must be "archive", got ${show(value.targetStorageClass)}` });
    }
  } else if (type === 'expire' && has(value, 'targetStorageClass')) {
    issues.push({ path: targetPath, message: 'targetStorageClass must be absent when type is expire' });
  }

  // ECR: last-pull age may only drive archiving; archived images may only expire (90-day minimum in archive).
  if (countType === 'sinceImagePulled' && type === 'expire') {
    issues.push({ path: typePath, message: 'type must be "transition" when countType is sinceImagePulled; expire is not allowed' });
  }
  if (countType === 'sinceImageTransitioned' && type === 'transition') {
    issues.push({
      path: typePath,
      message: 'type must be "expire" when countType is sinceImageTransitioned; transition is not allowed',
    });
  }

  if (issues.length > before || type === undefined) return undefined;
  return type === 'transition' ? { type, targetStorageClass: 'archive' } : { type };
};

const checkRule = (value: unknown, index: number, issues: PolicyIssue[]): { rule: Rule | undefined; facts: RuleFacts } => {
  const base = `rules[${index}]`;
  if (!isObject(value)) {
    issues.push({ path: base, message: `each rule must be an object with rulePriority, selection and action, got ${show(value)}` });
    return {
      rule: undefined,
      facts: { index, priority: undefined, tagStatus: undefined, storageClass: undefined, list: undefined },
    };
  }
  const before = issues.length;
  checkUnknownKeys(value, RULE_KEYS, base, issues);

  const priorityPath = join(base, 'rulePriority');
  const priority = isPositiveInteger(value.rulePriority) ? value.rulePriority : undefined;
  if (!has(value, 'rulePriority')) {
    issues.push({ path: priorityPath, message: 'rulePriority is required: a positive integer, unique in the policy' });
  } else if (priority === undefined) {
    issues.push({ path: priorityPath, message: `rulePriority must be a positive integer, got ${show(value.rulePriority)}` });
  }

  if (has(value, 'description') && typeof value.description !== 'string') {
    issues.push({ path: join(base, 'description'), message: `description must be a string, got ${show(value.description)}` });
  }

  const selection = checkSelection(value.selection, base, issues);
  const action = checkAction(value.action, selection.countType, base, issues);
  const facts: RuleFacts = {
    index,
    priority,
    tagStatus: selection.tagStatus,
    storageClass: selection.storageClass,
    list: selection.list,
  };
  if (issues.length > before || priority === undefined || selection.selection === undefined || action === undefined) {
    return { rule: undefined, facts };
  }
  const rule: Rule = {
    rulePriority: priority,
    ...(has(value, 'description') ? { description: value.description as string } : {}),
    selection: selection.selection,
    action,
  };
  return { rule, facts };
};

/** Checks that involve several rules: unique priorities, `any` last, distinct tag lists, one untagged rule. */
const checkAcrossRules = (facts: readonly RuleFacts[], issues: PolicyIssue[]): void => {
  const byPriority = new Map<number, number>();
  for (const f of facts) {
    if (f.priority === undefined) continue;
    const first = byPriority.get(f.priority);
    if (first === undefined) {
      byPriority.set(f.priority, f.index);
    } else {
      issues.push({
        path: `rules[${f.index}].rulePriority`,
        message: `rulePriority ${f.priority} is already used by rules[${first}]; each rule needs a unique rulePriority`,
      });
    }
  }

  // ECR: "A rule with a tagStatus value of any must have the highest value for rulePriority." Checked per
  // storage class: AWS accepts an `any` archive rule (standard) followed by an `any` expiry rule (archive),
  // as in the Terraform AWS provider's acceptance test for archive policies.
  for (const f of facts) {
    const priority = f.priority;
    if (f.tagStatus !== 'any' || priority === undefined || f.storageClass === undefined) continue;
    const later = facts.find(
      (o) => o.index !== f.index && o.storageClass === f.storageClass && o.priority !== undefined && o.priority >= priority,
    );
    if (later !== undefined) {
      issues.push({
        path: `rules[${f.index}].rulePriority`,
        message: `a rule with tagStatus any must have the highest rulePriority of its storage class (${f.storageClass}), but rules[${later.index}] has rulePriority ${later.priority}`,
      });
    }
  }

  // Per storage class, tag lists must differ and at most one rule may select untagged images. Entries are
  // ANDed, so a list is compared as a set of entries: the same entries in another order are the same list.
  // A tagPatternList and a tagPrefixList are never the same list (whole-tag match versus prefix match).
  const seenLists = new Map<string, number>();
  const seenUntagged = new Map<StorageClass, number>();
  for (const f of facts) {
    if (f.storageClass === undefined) continue;
    if (f.tagStatus === 'tagged' && f.list !== undefined) {
      const key = JSON.stringify([f.storageClass, f.list.key, [...f.list.entries].sort()]);
      const first = seenLists.get(key);
      if (first === undefined) {
        seenLists.set(key, f.index);
      } else {
        issues.push({
          path: `rules[${f.index}].selection.${f.list.key}`,
          message: `${f.list.key} ${show(f.list.entries)} is the same list as in rules[${first}] (storage class ${f.storageClass}); each rule's tag list must differ (entry order does not matter)`,
        });
      }
    }
    if (f.tagStatus === 'untagged') {
      const first = seenUntagged.get(f.storageClass);
      if (first === undefined) {
        seenUntagged.set(f.storageClass, f.index);
      } else {
        issues.push({
          path: `rules[${f.index}].selection.tagStatus`,
          message: `only one rule per storage class may select untagged images; rules[${first}] already does (storage class ${f.storageClass})`,
        });
      }
    }
  }
};

/**
 * Validates a parsed policy value against ECR's lifecycle grammar; collects every issue with its path.
 * On success returns a fresh plain object holding only known keys (rule order as given).
 */
export const validatePolicy = (value: unknown): PolicyValidationResult => {
  const issues: PolicyIssue[] = [];
  if (!isObject(value)) {
    issues.push({ path: ROOT_PATH, message: `a lifecycle policy must be a JSON object with a rules array, got ${show(value)}` });
    return { ok: false, issues };
  }
  checkUnknownKeys(value, POLICY_KEYS, '', issues);
  const rulesValue = value.rules;
  if (!Array.isArray(rulesValue)) {
    issues.push({
      path: 'rules',
      message: has(value, 'rules')
        ? `rules must be an array of 1 to ${MAX_RULES} rules, got ${show(rulesValue)}`
        : `rules is required: an array of 1 to ${MAX_RULES} rules`,
    });
    return { ok: false, issues };
  }
  if (rulesValue.length === 0) {
    issues.push({ path: 'rules', message: `rules must contain at least 1 rule (at most ${MAX_RULES})` });
  } else if (rulesValue.length > MAX_RULES) {
    issues.push({ path: 'rules', message: `rules has ${rulesValue.length} rules; at most ${MAX_RULES} are allowed` });
  }

  const rules: Rule[] = [];
  const facts: RuleFacts[] = [];
  rulesValue.forEach((ruleValue: unknown, index) => {
    const checked = checkRule(ruleValue, index, issues);
    if (checked.rule !== undefined) rules.push(checked.rule);
    facts.push(checked.facts);
  });
  checkAcrossRules(facts, issues);

  return issues.length > 0 ? { ok: false, issues } : { ok: true, policy: { rules } };
};

/**
 * Parses and validates lifecycle policy text as `PutLifecyclePolicy` would receive it: JSON syntax,
 * text length (100 to 30,720 characters) and the full grammar. Never throws.
 */
export const parsePolicyText = (text: string): PolicyValidationResult => {
  const issues: PolicyIssue[] = [];
  if (text.length < MIN_POLICY_TEXT_LENGTH || text.length > MAX_POLICY_TEXT_LENGTH) {
    issues.push({
      path: ROOT_PATH,
      message: `policy text is ${text.length} characters; ECR accepts ${MIN_POLICY_TEXT_LENGTH} to ${MAX_POLICY_TEXT_LENGTH.toLocaleString('en-US')}`,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    issues.push({ path: ROOT_PATH, message: `policy text is not valid JSON: ${reason}` });
    return { ok: false, issues };
  }
  const result = validatePolicy(value);
  if (!result.ok) return { ok: false, issues: [...issues, ...result.issues] };
  return issues.length > 0 ? { ok: false, issues } : result;
};

/** Parses policy text; throws `PolicyValidationError` listing every issue when it is not a valid policy. */
export const parsePolicyOrThrow = (text: string): LifecyclePolicy => {
  const result = parsePolicyText(text);
  if (!result.ok) throw new PolicyValidationError(result.issues);
  return result.policy;
};
