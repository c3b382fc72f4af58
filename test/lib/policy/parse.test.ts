import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../../src/lib/errors.js';
import {
  MAX_POLICY_TEXT_LENGTH,
  MAX_RULES,
  ROOT_PATH,
  parsePolicyOrThrow,
  parsePolicyText,
  validatePolicy,
} from '../../../src/lib/policy/parse.js';
import { thrownBy } from '../../helpers/factories.js';

type Json = Record<string, unknown>;

// Valid building blocks; each table row below breaks exactly one grammar rule of one of them.
const keepReleases = (rulePriority = 1, tagPrefixList: unknown = ['release']): Json => ({
  rulePriority,
  description: 'Keep the last 10 release images',
  selection: { tagStatus: 'tagged', tagPrefixList, countType: 'imageCountMoreThan', countNumber: 10 },
  action: { type: 'expire' },
});
const expireOldPrs = (rulePriority = 1, tagPatternList: unknown = ['pr-*']): Json => ({
  rulePriority,
  selection: { tagStatus: 'tagged', tagPatternList, countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
  action: { type: 'expire' },
});
const expireUntagged = (rulePriority = 1): Json => ({
  rulePriority,
  selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 },
  action: { type: 'expire' },
});
const keepAnyNewest = (rulePriority = 1): Json => ({
  rulePriority,
  selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 },
  action: { type: 'expire' },
});
const archiveUnpulled = (rulePriority = 1): Json => ({
  rulePriority,
  selection: { tagStatus: 'tagged', tagPrefixList: ['build'], countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
  action: { type: 'transition', targetStorageClass: 'archive' },
});
const expireArchived = (rulePriority = 1): Json => ({
  rulePriority,
  selection: {
    tagStatus: 'untagged',
    storageClass: 'archive',
    countType: 'sinceImageTransitioned',
    countUnit: 'days',
    countNumber: 365,
  },
  action: { type: 'expire' },
});

const policyOf = (...rules: unknown[]): Json => ({ rules });

/** Copy of `rule` with `selection` fields changed; a field set to `undefined` is removed. */
const withSelection = (rule: Json, changes: Json): Json => ({
  ...rule,
  selection: dropUndefined({ ...(rule.selection as Json), ...changes }),
});
/** Copy of `rule` with `action` fields changed; a field set to `undefined` is removed. */
const withAction = (rule: Json, changes: Json): Json => ({
  ...rule,
  action: dropUndefined({ ...(rule.action as Json), ...changes }),
});
/** Copy of `object` without the given keys. */
const without = (object: Json, ...keys: string[]): Json =>
  Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
const dropUndefined = (object: Json): Json =>
  Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));

const distinctRules = (count: number): Json[] =>
  Array.from({ length: count }, (_, i) => keepReleases(i + 1, [`team-${i + 1}-`]));

describe('Function: validatePolicy', () => {
  it.each([
    // document shape
    { name: 'a document that is not an object', policy: [keepReleases()], path: ROOT_PATH, message: 'must be a JSON object' },
    { name: 'a missing rules array', policy: {}, path: 'rules', message: 'rules is required' },
    { name: 'rules that are not an array', policy: { rules: keepReleases() }, path: 'rules', message: 'rules must be an array' },
    { name: 'an empty rules array', policy: policyOf(), path: 'rules', message: 'at least 1 rule' },
    { name: 'more than 50 rules', policy: policyOf(...distinctRules(MAX_RULES + 1)), path: 'rules', message: 'at most 50' },
    { name: 'a rule that is not an object', policy: policyOf('expire everything'), path: 'rules[0]', message: 'must be an object' },
    // unknown keys anywhere
    { name: 'an unknown top-level key', policy: { ...policyOf(keepReleases()), version: 1 }, path: 'version', message: 'unknown key "version"' },
    { name: 'an unknown key that is not a name', policy: { ...policyOf(keepReleases()), 'rule priority': 1 }, path: '["rule priority"]', message: 'unknown key "rule priority"' },
    { name: 'an unknown rule key', policy: policyOf({ ...keepReleases(), comment: 'x' }), path: 'rules[0].comment', message: 'unknown key "comment"' },
    {
      name: 'an unknown selection key',
      policy: policyOf(withSelection(keepAnyNewest(), { tagPrefixes: ['x'] })),
      path: 'rules[0].selection.tagPrefixes',
      message: 'unknown key "tagPrefixes"',
    },
    {
      name: 'an unknown action key',
      policy: policyOf(withAction(keepReleases(), { storageClass: 'archive' })),
      path: 'rules[0].action.storageClass',
      message: 'unknown key "storageClass"',
    },
    // rulePriority / description
    { name: 'a missing rulePriority', policy: policyOf(without(keepReleases(), 'rulePriority')), path: 'rules[0].rulePriority', message: 'rulePriority is required' },
    { name: 'a zero rulePriority', policy: policyOf(keepReleases(0)), path: 'rules[0].rulePriority', message: 'positive integer' },
    { name: 'a fractional rulePriority', policy: policyOf(keepReleases(1.5)), path: 'rules[0].rulePriority', message: 'positive integer' },
    { name: 'a string rulePriority', policy: policyOf({ ...keepReleases(), rulePriority: '1' }), path: 'rules[0].rulePriority', message: 'positive integer' },
    {
      name: 'a duplicate rulePriority',
      policy: policyOf(keepReleases(3), expireOldPrs(3)),
      path: 'rules[1].rulePriority',
      message: 'rulePriority 3 is already used by rules[0]',
    },
    { name: 'a non-string description', policy: policyOf({ ...keepReleases(), description: 42 }), path: 'rules[0].description', message: 'description must be a string' },
    // selection / action presence
    { name: 'a missing selection', policy: policyOf(without(keepReleases(), 'selection')), path: 'rules[0].selection', message: 'selection is required' },
    { name: 'a missing action', policy: policyOf(without(keepReleases(), 'action')), path: 'rules[0].action', message: 'action is required' },
    // tagStatus and tag lists
    {
      name: 'a missing tagStatus',
      policy: policyOf(withSelection(keepAnyNewest(), { tagStatus: undefined })),
      path: 'rules[0].selection.tagStatus',
      message: 'tagStatus is required',
    },
    {
      name: 'an upper-case tagStatus (preview API spelling)',
      policy: policyOf(withSelection(keepAnyNewest(), { tagStatus: 'ANY' })),
      path: 'rules[0].selection.tagStatus',
      message: 'tagStatus must be one of "tagged", "untagged", "any"',
    },
    {
      name: 'a tagged rule with no tag list',
      policy: policyOf(withSelection(keepReleases(), { tagPrefixList: undefined })),
      path: 'rules[0].selection',
      message: 'exactly one of tagPatternList or tagPrefixList; found neither',
    },
    {
      name: 'a tagged rule with both tag lists',
      policy: policyOf(withSelection(keepReleases(), { tagPatternList: ['release-*'] })),
      path: 'rules[0].selection',
      message: 'exactly one of tagPatternList or tagPrefixList; found both',
    },
    { name: 'an empty tagPrefixList', policy: policyOf(keepReleases(1, [])), path: 'rules[0].selection.tagPrefixList', message: 'at least one entry' },
    { name: 'a tagPrefixList that is a string', policy: policyOf(keepReleases(1, 'release')), path: 'rules[0].selection.tagPrefixList', message: 'non-empty array' },
    {
      name: 'an empty string in tagPatternList',
      policy: policyOf(expireOldPrs(1, ['pr-*', ''])),
      path: 'rules[0].selection.tagPatternList[1]',
      message: 'non-empty strings',
    },
    {
      name: 'a pattern with more than four wildcards (the docs\u2019 invalid example)',
      policy: policyOf(expireOldPrs(1, ['test*1*2*3*4*5*6'])),
      path: 'rules[0].selection.tagPatternList[0]',
      message: 'at most 4 are allowed',
    },
    {
      name: 'an untagged rule with a tag list',
      policy: policyOf(withSelection(expireUntagged(), { tagPrefixList: ['tmp'] })),
      path: 'rules[0].selection.tagPrefixList',
      message: 'tagPrefixList must be absent when tagStatus is untagged',
    },
    {
      name: 'an any rule with a tag list',
      policy: policyOf(withSelection(keepAnyNewest(), { tagPatternList: ['*'] })),
      path: 'rules[0].selection.tagPatternList',
      message: 'tagPatternList must be absent when tagStatus is any',
    },
    {
      name: 'an any rule that is not the last rule',
      policy: policyOf(keepAnyNewest(1), expireUntagged(2)),
      path: 'rules[0].rulePriority',
      message: 'tagStatus any must have the highest rulePriority',
    },
    // countType, countUnit, countNumber
    {
      name: 'a missing countType',
      policy: policyOf(withSelection(keepReleases(), { countType: undefined })),
      path: 'rules[0].selection.countType',
      message: 'countType is required',
    },
    {
      name: 'an unknown countType',
      policy: policyOf(withSelection(keepReleases(), { countType: 'imageCountLessThan' })),
      path: 'rules[0].selection.countType',
      message: 'countType must be one of',
    },
    {
      name: 'a countUnit on imageCountMoreThan',
      policy: policyOf(withSelection(keepReleases(), { countUnit: 'days' })),
      path: 'rules[0].selection.countUnit',
      message: 'countUnit must be absent when countType is imageCountMoreThan',
    },
    {
      name: 'a missing countUnit on sinceImagePushed',
      policy: policyOf(withSelection(expireOldPrs(), { countUnit: undefined })),
      path: 'rules[0].selection.countUnit',
      message: 'countUnit is required when countType is sinceImagePushed',
    },
    {
      name: 'a missing countUnit on sinceImagePulled',
      policy: policyOf(withSelection(archiveUnpulled(), { countUnit: undefined })),
      path: 'rules[0].selection.countUnit',
      message: 'countUnit is required when countType is sinceImagePulled',
    },
    {
      name: 'a missing countUnit on sinceImageTransitioned',
      policy: policyOf(withSelection(expireArchived(), { countUnit: undefined })),
      path: 'rules[0].selection.countUnit',
      message: 'countUnit is required when countType is sinceImageTransitioned',
    },
    {
      name: 'a countUnit other than days',
      policy: policyOf(withSelection(expireOldPrs(), { countUnit: 'hours' })),
      path: 'rules[0].selection.countUnit',
      message: 'countUnit must be "days"',
    },
    {
      name: 'a missing countNumber',
      policy: policyOf(withSelection(keepReleases(), { countNumber: undefined })),
      path: 'rules[0].selection.countNumber',
      message: 'countNumber is required',
    },
    {
      name: 'a zero countNumber',
      policy: policyOf(withSelection(keepReleases(), { countNumber: 0 })),
      path: 'rules[0].selection.countNumber',
      message: 'integer of at least 1',
    },
    {
      name: 'a fractional countNumber',
      policy: policyOf(withSelection(expireOldPrs(), { countNumber: 2.5 })),
      path: 'rules[0].selection.countNumber',
      message: 'integer of at least 1',
    },
    {
      name: 'a string countNumber',
      policy: policyOf(withSelection(expireOldPrs(), { countNumber: '14' })),
      path: 'rules[0].selection.countNumber',
      message: 'integer of at least 1',
    },
    // storageClass
    {
      name: 'an unknown storageClass',
      policy: policyOf(withSelection(keepReleases(), { storageClass: 'glacier' })),
      path: 'rules[0].selection.storageClass',
      message: 'storageClass must be one of "standard", "archive"',
    },
    {
      name: 'an archive storageClass without sinceImageTransitioned',
      policy: policyOf(withSelection(expireOldPrs(), { storageClass: 'archive' })),
      path: 'rules[0].selection.storageClass',
      message: 'storageClass "archive" is only allowed when countType is sinceImageTransitioned',
    },
    {
      name: 'sinceImageTransitioned on the standard storage class',
      policy: policyOf(withSelection(expireArchived(), { storageClass: undefined })),
      path: 'rules[0].selection.storageClass',
      message: 'storageClass must be "archive" when countType is sinceImageTransitioned',
    },
    // action
    {
      name: 'a missing action type',
      policy: policyOf(withAction(keepReleases(), { type: undefined })),
      path: 'rules[0].action.type',
      message: 'type is required',
    },
    {
      name: 'an upper-case action type (preview API spelling)',
      policy: policyOf(withAction(keepReleases(), { type: 'EXPIRE' })),
      path: 'rules[0].action.type',
      message: 'type must be one of "expire", "transition"',
    },
    {
      name: 'a transition without targetStorageClass',
      policy: policyOf(withAction(archiveUnpulled(), { targetStorageClass: undefined })),
      path: 'rules[0].action.targetStorageClass',
      message: 'targetStorageClass is required when type is transition',
    },
    {
      name: 'a transition to another storage class',
      policy: policyOf(withAction(archiveUnpulled(), { targetStorageClass: 'standard' })),
      path: 'rules[0].action.targetStorageClass',
      message: 'targetStorageClass must be "archive"',
    },
    {
      name: 'an expire action with targetStorageClass',
      policy: policyOf(withAction(keepReleases(), { targetStorageClass: 'archive' })),
      path: 'rules[0].action.targetStorageClass',
      message: 'targetStorageClass must be absent when type is expire',
    },
    {
      name: 'sinceImagePulled with expire',
      policy: policyOf(withAction(archiveUnpulled(), { type: 'expire', targetStorageClass: undefined })),
      path: 'rules[0].action.type',
      message: 'type must be "transition" when countType is sinceImagePulled',
    },
    {
      name: 'sinceImageTransitioned with transition',
      policy: policyOf(withAction(expireArchived(), { type: 'transition', targetStorageClass: 'archive' })),
      path: 'rules[0].action.type',
      message: 'type must be "expire" when countType is sinceImageTransitioned',
    },
    // across rules, per storage class
    {
      name: 'the same tag list in two rules',
      policy: policyOf(keepReleases(1, ['release']), withSelection(keepReleases(2, ['release']), { countNumber: 3 })),
      path: 'rules[1].selection.tagPrefixList',
      message: 'same list as in rules[0] (storage class standard)',
    },
    {
      name: 'the same tag entries in another order',
      policy: policyOf(expireOldPrs(1, ['pr-*', 'team-a*']), expireOldPrs(2, ['team-a*', 'pr-*'])),
      path: 'rules[1].selection.tagPatternList',
      message: 'entry order does not matter',
    },
    {
      name: 'two untagged rules in the standard storage class',
      policy: policyOf(expireUntagged(1), withSelection(expireUntagged(2), { countType: 'imageCountMoreThan', countUnit: undefined })),
      path: 'rules[1].selection.tagStatus',
      message: 'only one rule per storage class may select untagged images',
    },
  ])('flags $name at $path', ({ policy, path, message }) => {
    // Act
    const result = validatePolicy(policy);

    // Assess
    expect(result.ok).toBe(false);
    const issues = result.ok ? [] : result.issues;
    expect(issues).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it.each([
    { name: 'an archive rule then an archived-expiry rule, both tagStatus any', policy: policyOf(
      { ...keepAnyNewest(1), selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 }, action: { type: 'transition', targetStorageClass: 'archive' } },
      withSelection(expireArchived(2), { tagStatus: 'any' }),
    ) },
    { name: 'one untagged rule per storage class', policy: policyOf(expireUntagged(1), expireArchived(2)) },
    { name: 'the same tag list in different storage classes', policy: policyOf(
      keepReleases(1, ['release']),
      withSelection(expireArchived(2), { tagStatus: 'tagged', tagPrefixList: ['release'] }),
    ) },
    { name: 'the same entries as a pattern list and as a prefix list', policy: policyOf(keepReleases(1, ['v1']), expireOldPrs(2, ['v1'])) },
    { name: 'a pattern with exactly four wildcards (the docs\u2019 valid example)', policy: policyOf(expireOldPrs(1, ['*test*1*2*3', 'test*1*2*3*'])) },
    { name: 'exactly 50 rules', policy: policyOf(...distinctRules(MAX_RULES)) },
    { name: 'rulePriority values that are not consecutive', policy: policyOf(keepReleases(10), expireUntagged(20), keepAnyNewest(99)) },
    { name: 'an explicit standard storageClass', policy: policyOf(withSelection(keepReleases(), { storageClass: 'standard' })) },
  ])('accepts $name', ({ policy }) => {
    // Act
    const result = validatePolicy(policy);

    // Assess
    expect(result).toMatchObject({ ok: true });
  });

  it('collects every issue instead of stopping at the first', () => {
    // Prepare
    const policy = policyOf(
      withSelection(keepReleases(1), { countUnit: 'days' }),
      withAction(expireUntagged(2), { type: 'delete' }),
      { ...expireOldPrs(2), extra: true },
    );

    // Act
    const result = validatePolicy(policy);

    // Assess
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.issues.map((issue) => issue.path);
    expect(paths).toEqual(
      expect.arrayContaining(['rules[0].selection.countUnit', 'rules[1].action.type', 'rules[2].extra', 'rules[2].rulePriority']),
    );
    expect(paths).toHaveLength(4);
  });

  it('returns a fresh policy holding only grammar keys', () => {
    // Prepare
    const input = policyOf(keepReleases(2, ['release']), expireUntagged(1));

    // Act
    const result = validatePolicy(input);

    // Assess
    const policy = result.ok ? result.policy : undefined;
    expect(policy).toEqual(input);
    expect(policy).not.toBe(input);
    const [firstIn] = input.rules as Json[];
    const [firstOut] = policy?.rules ?? [];
    expect(firstOut).not.toBe(firstIn);
    expect(firstOut?.selection).not.toBe(firstIn?.selection);
    expect(firstOut?.selection.tagPrefixList).not.toBe((firstIn?.selection as Json).tagPrefixList);
  });

  it('treats keys set to undefined as absent', () => {
    // Prepare
    const input = policyOf({ ...expireUntagged(), description: undefined });

    // Act
    const result = validatePolicy(input);

    // Assess
    expect(result.ok).toBe(true);
    expect(result.ok && Object.keys(result.policy.rules[0] ?? {})).toEqual(['rulePriority', 'selection', 'action']);
  });

  it('rejects a __proto__ key parsed from JSON as unknown instead of following it', () => {
    // Prepare
    const input: unknown = JSON.parse(`{"rules":[${JSON.stringify(keepReleases())}],"__proto__":{"polluted":true}}`);

    // Act
    const result = validatePolicy(input);

    // Assess
    expect(result).toEqual({ ok: false, issues: [{ path: '__proto__', message: expect.stringContaining('unknown key') }] });
    expect(({} as Json).polluted).toBeUndefined();
  });
});

// Policies from the AWS documentation, "Examples of lifecycle policies in Amazon ECR", verbatim.
const DOC_EXAMPLES: { readonly name: string; readonly text: string }[] = [
  {
    name: 'Filtering on image age (tagPatternList prod*)',
    text: `{
    "rules": [
        {
            "rulePriority": 1,
            "description": "Expire images older than 14 days",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": ["prod*"],
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14
            },
            "action": {
                "type": "expire"
            }
        }
    ]
}`,
  },
  {
    name: 'Filtering on image age (untagged, earlier edition)',
    text: `{
    "rules": [
        {
            "rulePriority": 1,
            "description": "Expire images older than 14 days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14
            },
            "action": {
                "type": "expire"
            }
        }
    ]
}`,
  },
  {
    name: 'Filtering on image count',
    text: `{
    "rules": [
        {
            "rulePriority": 1,
            "description": "Keep only one untagged image, expire all others",
            "selection": {
                "tagStatus": "untagged",
                "countType": "imageCountMoreThan",
                "countNumber": 1
            },
            "action": {
                "type": "expire"
            }
        }
    ]
}`,
  },
  {
    name: 'Filtering on multiple rules, Example A',
    text: `{
    "rules": [
        {
            "rulePriority": 1,
            "description": "Rule 1",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["prod"],
                "countType": "imageCountMoreThan",
                "countNumber": 1
            },
            "action": {
                "type": "expire"
            }
        },
        {
            "rulePriority": 2,
            "description": "Rule 2",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["beta"],
                "countType": "imageCountMoreThan",
                "countNumber": 1
            },
            "action": {
                "type": "expire"
            }
        }
    ]
}`,
  },
  {
    name: 'Filtering on multiple rules, Example B',
    text: `{
    "rules": [
        {
            "rulePriority": 1,
            "description": "Rule 1",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["beta"],
                "countType": "imageCountMoreThan",
                "countNumber": 1
            },
            "action": {
                "type": "expire"
            }
        },
        {
            "rulePriority": 2,
            "description": "Rule 2",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["prod"],
                "countType": "imageCountMoreThan",
                "countNumber": 1
            },
            "action": {
                "type": "expire"
            }
        }
    ]
}`,
  },
  {
    name: 'Filtering on multiple tags in a single rule, Example A',
    text: `{
    "rules": [
        {
            "rulePriority": 1,
            "description": "Rule 1",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["alpha", "beta"],
                "countType": "sinceImagePushed",
                "countNumber": 5,
                "countUnit": "days"
            },
            "action": {
                "type": "expire"
            }
        }
    ]
}`,
  },
  {
    name: 'Filtering on multiple tags in a single rule, Example B',
    text: `{
    "rules": [
        {
            "rulePriority": 1,
            "description": "Rule 1",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["alpha", "beta"],
                "countType": "imageCountMoreThan",
                "countNumber": 1
            },
            "action": {
                "type": "expire"
            }
        }
    ]
}`,
  },
  {
    name: 'Filtering on all images, Example A',
    text: `{
    "rules": [
        {
            "rulePriority": 1,
            "description": "Rule 1",
            "selection": {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": 1
            },
            "action": {
                "type": "expire"
            }
        }
    ]
}`,
  },
  {
    name: 'Filtering on all images, Example B',
    text: `{
    "rules": [
        {
            "rulePriority": 1,
            "description": "Rule 1",
            "selection": {
                "tagStatus": "tagged",
                "tagPrefixList": ["alpha"],
                "countType": "imageCountMoreThan",
                "countNumber": 1
            },
            "action": {
                "type": "expire"
            }
        },
        {
            "rulePriority": 2,
            "description": "Rule 2",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 1
            },
            "action": {
                "type": "expire"
            }
        },
        {
            "rulePriority": 3,
            "description": "Rule 3",
            "selection": {
                "tagStatus": "any",
                "countType": "imageCountMoreThan",
                "countNumber": 1
            },
            "action": {
                "type": "expire"
            }
        }
    ]
}`,
  },
  {
    // Not on the examples page: the archive policy used by the Terraform AWS provider's acceptance test.
    name: 'Archive images not pulled in 90 days, delete them after 365 days in archive',
    text: `{
  "rules": [
    {
      "rulePriority": 1,
      "description": "Archive images not pulled in 90 days",
      "selection": {
        "tagStatus": "any",
        "countType": "sinceImagePulled",
        "countUnit": "days",
        "countNumber": 90
      },
      "action": {
        "type": "transition",
        "targetStorageClass": "archive"
      }
    },
    {
      "rulePriority": 2,
      "description": "Delete images archived for more than 365 days",
      "selection": {
        "tagStatus": "any",
        "storageClass": "archive",
        "countType": "sinceImageTransitioned",
        "countUnit": "days",
        "countNumber": 365
      },
      "action": {
        "type": "expire"
      }
    }
  ]
}`,
  },
];

describe('Function: parsePolicyText', () => {
  it.each(DOC_EXAMPLES)('accepts the AWS example "$name"', ({ text }) => {
    // Act
    const result = parsePolicyText(text);

    // Assess
    expect(result.ok ? [] : result.issues).toEqual([]);
    expect(result.ok && result.policy).toEqual(JSON.parse(text));
  });

  it('keeps the rules and values of a multi-rule example', () => {
    // Prepare
    const example = DOC_EXAMPLES.find((e) => e.name === 'Filtering on all images, Example B');

    // Act
    const policy = parsePolicyOrThrow(example?.text ?? '');

    // Assess
    expect(policy.rules.map((r) => [r.rulePriority, r.selection.tagStatus, r.selection.countType])).toEqual([
      [1, 'tagged', 'imageCountMoreThan'],
      [2, 'untagged', 'sinceImagePushed'],
      [3, 'any', 'imageCountMoreThan'],
    ]);
  });

  it('reports invalid JSON at (root) with the parser message', () => {
    // Prepare
    const text = `${DOC_EXAMPLES[0]?.text ?? ''}`.replace('"rulePriority": 1,', '"rulePriority": 1');

    // Act
    const result = parsePolicyText(text);

    // Assess
    expect(result).toEqual({
      ok: false,
      issues: [{ path: ROOT_PATH, message: expect.stringContaining('not valid JSON') }],
    });
  });

  it('reports text shorter than 100 characters together with the grammar issues', () => {
    // Prepare
    const text = '{"rules":[]}';

    // Act
    const result = parsePolicyText(text);

    // Assess
    expect(result.ok ? [] : result.issues).toEqual([
      { path: ROOT_PATH, message: expect.stringContaining('12 characters; ECR accepts 100 to 30,720') },
      { path: 'rules', message: expect.stringContaining('at least 1 rule') },
    ]);
  });

  it('reports text longer than 30,720 characters', () => {
    // Prepare
    const text = JSON.stringify(policyOf({ ...expireUntagged(), description: 'x'.repeat(MAX_POLICY_TEXT_LENGTH) }));

    // Act
    const result = parsePolicyText(text);

    // Assess
    expect(result).toEqual({
      ok: false,
      issues: [{ path: ROOT_PATH, message: expect.stringContaining('ECR accepts 100 to 30,720') }],
    });
  });

  it('reports a document that is JSON but not an object', () => {
    // Prepare
    const text = JSON.stringify(['x'.repeat(120)]);

    // Act
    const result = parsePolicyText(text);

    // Assess
    expect(result).toEqual({ ok: false, issues: [{ path: ROOT_PATH, message: expect.stringContaining('JSON object') }] });
  });
});

describe('Function: parsePolicyOrThrow', () => {
  it('returns the policy for valid text', () => {
    // Prepare
    const example = DOC_EXAMPLES.find((e) => e.name === 'Filtering on image count');

    // Act
    const policy = parsePolicyOrThrow(example?.text ?? '');

    // Assess
    expect(policy.rules[0]?.selection).toEqual({ tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 });
  });

  it('throws PolicyValidationError carrying every issue', () => {
    // Prepare
    const text = JSON.stringify(
      policyOf(withSelection(keepReleases(1), { countUnit: 'days' }), withAction(expireUntagged(2), { type: 'delete' })),
      null,
      2,
    );

    // Act
    const act = (): unknown => parsePolicyOrThrow(text);

    // Assess
    expect(act).toThrow(PolicyValidationError);
    expect(act).toThrow(/rules\[0\]\.selection\.countUnit: countUnit must be absent.*rules\[1\]\.action\.type/);
    expect(thrownBy(act)).toMatchObject({
      issues: [{ path: 'rules[0].selection.countUnit' }, { path: 'rules[1].action.type' }],
    });
  });
});
