/**
 * Configuration: one zod schema for the organisation's config file, one for the `KEEPER_*`
 * deployment switches. This module is the only reader of `process.env` (callers pass it in).
 * Unknown keys are errors everywhere, so a misspelt setting never silently falls back to a default.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isRegion, type Region } from './domain/types.js';
import { ConfigError } from './errors.js';
import defaultConfigJson from '../../config/default.json' with { type: 'json' };

// OCI tag grammar minus the first character class, so a prefix can be glued to a digest.
const TAG_PREFIX = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,39}$/;

const region = z.string().refine(isRegion, { message: 'must be an AWS region code such as eu-west-1' });
const days = z.number().int().min(1).max(36_500);

const EnvironmentSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be lower-case letters, digits and dashes, starting with a letter'),
    tagPrefix: z.string().regex(TAG_PREFIX, 'must be 1-40 characters of [A-Za-z0-9._-], not starting with . or -'),
    /** Keep the newest N images tagged with the prefix; older ones expire. */
    keepNewest: z.number().int().min(1).max(10_000).optional(),
    /** Expire images tagged with the prefix once pushed more than N days ago. */
    expireAfterDays: days.optional(),
  })
  .refine((e) => (e.keepNewest === undefined) !== (e.expireAfterDays === undefined), {
    // ECR refuses two rules with the same tag list, so one environment gets exactly one retention rule.
    message: 'set exactly one of keepNewest or expireAfterDays',
  });

const RetentionSchema = z.union([
  z.strictObject({ keepNewest: z.number().int().min(1).max(10_000) }),
  z.strictObject({ expireAfterDays: days }),
]);

const NamePatternSchema = z.strictObject({
  /** Glob (`*` only) matched against the service name, then the cluster name. */
  pattern: z.string().min(1),
  environment: z.string().min(1),
});

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account ID');
const roleName = z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name (1-64 of letters, digits and +=,.@_-)');

const ConsumerAccountSchema = z.union([
  accountId,
  z.strictObject({
    id: accountId,
    /** Environment of this account's workloads when no workload tag or name pattern names one. */
    environment: z.string().min(1).optional(),
  }),
]);

const OrganisationSchema = z.strictObject({
  /** Accounts whose repositories are swept and whose policies are written; default: the account the keeper runs in. */
  registryAccounts: z.array(accountId).min(1).optional(),
  /** Accounts whose workloads are read for the in-use set, besides the registry accounts and the keeper's own. */
  consumerAccounts: z.array(ConsumerAccountSchema).default([]),
  /**
   * Also read every ACTIVE account AWS Organizations lists (needs the management account or a
   * delegated administrator): under `parentIds` (roots or OUs, nested OUs included) or the whole
   * organisation, keeping accounts whose tags carry every `tags` key = value.
   */
  discover: z
    .strictObject({
      parentIds: z.array(z.string().regex(/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/, 'must be a root (r-…) or OU (ou-…-…) ID')).default([]),
      tags: z.record(z.string(), z.string()).default({}),
    })
    .optional(),
  /** Read-only role assumed in every consumer account (see deploy/stackset-roles.yml). */
  consumerRoleName: roleName.default('EcrKeeperConsumerRole'),
  /** Role assumed in every registry account other than the keeper's own. */
  registryRoleName: roleName.default('EcrKeeperRegistryRole'),
  /** Read-only role the audit assumes in registry accounts instead (no write, no pull). */
  auditRoleName: roleName.default('EcrKeeperAuditRole'),
  /** `sts:ExternalId` the roles' trust policies require, if any. */
  externalId: z.string().regex(/^[\w+=,.@:/-]{2,1224}$/).optional(),
  /** Account tag naming a consumer account's environment (e.g. `environment=prod`); read from AWS Organizations. */
  environmentTagKey: z.string().min(1).default('environment'),
});

export const KeeperConfigSchema = z
  .strictObject({
    regions: z.array(region).min(1),
    /**
     * Regions where consumers may run but no repository is swept. In-use discovery always covers
     * `regions` plus these, whatever subset a sweep plans or writes: a task can pull from any region.
     */
    consumerRegions: z.array(region).default([]),
    environments: z.array(EnvironmentSchema).min(1).max(20),
    environmentResolution: z
      .strictObject({
        /** Tag keys read on the task, then the service, then the cluster; first hit wins. */
        tagKeys: z.array(z.string().min(1)).default(['environment', 'env']),
        namePatterns: z.array(NamePatternSchema).default([]),
        /** Environment of a workload nothing else names. */
        default: z.string().min(1),
      })
      .strict(),
    /** Rule for untagged images: seeds use "expire after 7 days"; "keep newest 1" is the alternative. */
    untagged: RetentionSchema.default({ expireAfterDays: 7 }),
    /** Catch-all `tagStatus: any` rule, always last; `null` leaves it out. */
    catchAll: z.strictObject({ expireAfterDays: days }).nullable().default({ expireAfterDays: 90 }),
    protection: z
      .strictObject({
        /** Put between the environment prefix and the digest: `prod-` + `keep-` + 64 hex. */
        tagInfix: z.string().regex(/^[A-Za-z0-9._-]{1,20}$/).default('keep-'),
        /** Days an image must be out of use (and unpulled) before its protection tag is released. */
        releaseAfterDays: days.default(14),
        /**
         * Infix of the home tag every protected image also carries (`prod-` + `kept-` + 64 hex). It is a
         * tag the baseline governs, so removing the protection tag can never remove an image's last tag.
         */
        homeInfix: z.string().regex(/^[A-Za-z0-9._-]{1,20}$/).default('kept-'),
      })
      .prefault({})
      .refine((p) => !p.homeInfix.startsWith(p.tagInfix) && !p.tagInfix.startsWith(p.homeInfix), {
        message: 'tagInfix and homeInfix must differ and neither may start with the other',
        path: ['homeInfix'],
      }),
    /**
     * In-use sources beyond running ECS tasks and services (always read). Each one that is on and
     * cannot be read makes the in-use set incomplete: nothing is released and no policy written.
     */
    inUse: z
      .strictObject({
        /** ECS tasks started by EventBridge rules and EventBridge Scheduler schedules. */
        scheduledTasks: z.boolean().default(true),
        /** Lambda functions packaged as images: `$LATEST` and every version an alias points to. */
        lambda: z.boolean().default(true),
        /** AWS Batch: the newest ACTIVE revision of every job definition. */
        batch: z.boolean().default(true),
        /** The newest N ACTIVE revisions of every ECS task definition family (run-task on demand); 0 is off. */
        taskDefinitionRevisions: z.number().int().min(0).max(100).default(1),
        /** Amazon Inspector coverage (`lastInUseAt`, ECS and EKS): images in use within N days; 0 is off. */
        inspectorInUseDays: z.number().int().min(0).max(36_500).default(14),
        /**
         * Pull guard for consumers no source covers: an image pulled within N days (ECR's
         * `lastRecordedPullTime`, refreshed about daily) counts as in use; 0 is off.
         */
        recentPullDays: z.number().int().min(0).max(36_500).default(30),
      })
      .prefault({}),
    exclusions: z
      .strictObject({
        /** Globs (`*` only) on the repository name. */
        repositoryPatterns: z.array(z.string().min(1)).default([]),
        /** A repository carrying any of these resource tags (key = value) is left alone. */
        repositoryTags: z.record(z.string(), z.string()).default({ 'ecr-keeper:managed': 'false' }),
      })
      .prefault({}),
    /** `merge`: keep the repository's own rules that do not clash; `replace`: baseline only. */
    existingPolicy: z.enum(['merge', 'replace']).default('merge'),
    /** Storage price used for the dollars in reports, per GB-month. */
    storagePricePerGbMonth: z.number().min(0).default(0.1),
    /**
     * ECR's own lifecycle policy preview as a gate before each target policy write of `sweep --apply`:
     * a disagreement with the simulator holds the write. Off by default; the previews of one sweep share
     * `budgetSeconds`, and a write that cannot be checked within it is held too. Needs
     * `ecr:StartLifecyclePolicyPreview` and `ecr:GetLifecyclePolicyPreview`, which the deployed roles are not granted.
     */
    verifyWithPreview: z
      .strictObject({
        enabled: z.boolean().default(false),
        budgetSeconds: z.number().int().min(10).max(900).default(120),
      })
      .prefault({}),
    /**
     * Entries a sweep report keeps per repository in each image list (what a policy would expire or
     * archive); the counts stay exact and the list says how many it left out. The audit keeps them all.
     */
    reportImagesPerRepository: z.number().int().min(1).default(1_000),
    /**
     * Entries a sweep report keeps in each image list across all its repositories, shared evenly:
     * 20,000 over 1,000 repositories is 20 each (never more than `reportImagesPerRepository`).
     */
    reportImagesTotal: z.number().int().min(1).default(20_000),
    /**
     * The organisation mode: repositories swept in the registry accounts, consumers read in every
     * consumer account. Absent: the single-account mode (the account the keeper runs in is both).
     */
    organisation: OrganisationSchema.optional(),
    concurrency: z
      .strictObject({
        repositories: z.number().int().min(1).max(32).default(4),
        /** PutImage is limited to 10 calls a second per account and region. */
        putImagePerSecond: z.number().min(0.1).max(10).default(5),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.environments.forEach((env, i) => {
      if (names.has(env.name)) ctx.addIssue({ code: 'custom', path: ['environments', i, 'name'], message: `duplicate environment "${env.name}"` });
      names.add(env.name);
      config.environments.forEach((other, j) => {
        if (j !== i && env.tagPrefix.startsWith(other.tagPrefix) && j < i)
          ctx.addIssue({
            code: 'custom',
            path: ['environments', i, 'tagPrefix'],
            message: `"${env.tagPrefix}" starts with environments[${j}].tagPrefix "${other.tagPrefix}": prefixes must not overlap`,
          });
        else if (j !== i && other.tagPrefix.startsWith(env.tagPrefix) && j < i)
          ctx.addIssue({
            code: 'custom',
            path: ['environments', i, 'tagPrefix'],
            message: `"${env.tagPrefix}" is a prefix of environments[${j}].tagPrefix "${other.tagPrefix}": prefixes must not overlap`,
          });
      });
    });
    const known = (name: string): boolean => names.has(name);
    if (!known(config.environmentResolution.default))
      ctx.addIssue({ code: 'custom', path: ['environmentResolution', 'default'], message: `unknown environment "${config.environmentResolution.default}"; known: ${[...names].join(', ')}` });
    config.environmentResolution.namePatterns.forEach((p, i) => {
      if (!known(p.environment))
        ctx.addIssue({ code: 'custom', path: ['environmentResolution', 'namePatterns', i, 'environment'], message: `unknown environment "${p.environment}"` });
    });
    config.organisation?.consumerAccounts.forEach((a, i) => {
      if (typeof a !== 'string' && a.environment !== undefined && !known(a.environment))
        ctx.addIssue({ code: 'custom', path: ['organisation', 'consumerAccounts', i, 'environment'], message: `unknown environment "${a.environment}"` });
    });
  });

export type KeeperConfig = z.infer<typeof KeeperConfigSchema>;
export type EnvironmentConfig = KeeperConfig['environments'][number];

/** Deployment switches from the environment. Only `KEEPER_*` keys are read; unknown ones are errors. */
const EnvSchema = z.object({
  /** Path of the JSON config file; without it the bundled `config/default.json` applies. */
  KEEPER_CONFIG_FILE: z.string().min(1).optional(),
  /** Inline JSON config; wins over the file. */
  KEEPER_CONFIG: z.string().min(1).optional(),
  /** Comma-separated regions; overrides `regions` of the file. */
  KEEPER_REGIONS: z.string().optional(),
  /** Bucket the sweep's and the audit's full reports are written to (serverless.yml creates it and sets this); unset: none are written. */
  KEEPER_REPORT_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 of a-z, 0-9, dots and dashes)')
    .optional(),
  /** `true` or `false` in any case, surrounding whitespace ignored; unset is `true`: a deployment must opt in to writing. */
  KEEPER_DRY_RUN: z
    .string()
    .refine((value) => /^\s*(?:true|false)\s*$/i.test(value), {
      error: (issue) => `must be "true" or "false" (any case; unset means "true"), got ${JSON.stringify(issue.input)}`,
    })
    .transform((value) => value.trim().toLowerCase())
    .default('true'),
});
const KNOWN_ENV_KEYS = new Set(Object.keys(EnvSchema.shape));

export interface RuntimeSettings {
  readonly config: KeeperConfig;
  readonly dryRun: boolean;
  readonly regions: readonly Region[];
  /**
   * The report bucket, when one is set; `pathStyle` when an endpoint override (the emulator, through
   * `AWS_ENDPOINT_URL`) has no per-bucket host names.
   */
  readonly reports?: { readonly bucket: string; readonly pathStyle: boolean } | undefined;
}

/** `rules[2].selection` style path for an issue, as users read it in JSON. */
export const formatPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');

/** One message listing every issue with its path (typos first), and the path of the first. */
export const formatZodError = (error: z.ZodError, where: string): { message: string; field: string } => {
  // A misspelt key also makes the real key "missing": name the typo first, it is the cause.
  const issues = [...error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'));
  const first = issues[0];
  const field = first ? formatPath(first.code === 'unrecognized_keys' ? [...first.path, first.keys[0] ?? ''] : first.path) : '';
  const lines = issues.map((i) => {
    // zod reports unknown keys at the parent; name the key itself, as a user would search for it.
    const path = i.code === 'unrecognized_keys' ? i.keys.map((k) => formatPath([...i.path, k])).join(', ') : formatPath(i.path);
    return `${path || '(root)'}: ${i.message}`;
  });
  return { message: `${where}: ${lines.join('; ')}`, field };
};

/** Validates a parsed config object; throws `ConfigError` naming the first bad field. */
export const parseConfig = (value: unknown, where = 'config'): KeeperConfig => {
  const parsed = KeeperConfigSchema.safeParse(value);
  if (!parsed.success) {
    const { message, field } = formatZodError(parsed.error, where);
    throw new ConfigError(message, { cause: parsed.error, field });
  }
  return deepFreeze(parsed.data);
};

/** Parses JSON config text; throws `ConfigError` on bad JSON or a bad field. */
export const parseConfigText = (text: string, where = 'config'): KeeperConfig => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`${where}: not valid JSON (${(cause as Error).message})`, { cause });
  }
  return parseConfig(value, where);
};

/** The documented default config, bundled into every function (`config/default.json`). */
export const DEFAULT_CONFIG: unknown = defaultConfigJson;

/**
 * Builds the runtime settings from an environment map (pass `process.env`).
 * Throws `ConfigError` for an unknown `KEEPER_*` key, a bad switch or a bad config file.
 */
export const loadSettings = (
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): RuntimeSettings => {
  const unknown = Object.keys(env).filter((k) => k.startsWith('KEEPER_') && !KNOWN_ENV_KEYS.has(k));
  if (unknown.length > 0)
    throw new ConfigError(`unknown setting(s): ${unknown.join(', ')}; known: ${[...KNOWN_ENV_KEYS].join(', ')}`, { field: unknown[0] });
  const parsedEnv = EnvSchema.safeParse(env);
  if (!parsedEnv.success) {
    const { message, field } = formatZodError(parsedEnv.error, 'environment');
    throw new ConfigError(message, { cause: parsedEnv.error, field });
  }
  const switches = parsedEnv.data;
  let config: KeeperConfig;
  if (switches.KEEPER_CONFIG !== undefined) {
    config = parseConfigText(switches.KEEPER_CONFIG, 'KEEPER_CONFIG');
  } else if (switches.KEEPER_CONFIG_FILE === undefined) {
    config = parseConfig(DEFAULT_CONFIG, 'config/default.json');
  } else {
    const path = switches.KEEPER_CONFIG_FILE;
    let text: string;
    try {
      text = readFile(path);
    } catch (cause) {
      throw new ConfigError(`KEEPER_CONFIG_FILE: cannot read ${String(path)} (${(cause as Error).message})`, { cause, field: 'KEEPER_CONFIG_FILE' });
    }
    config = parseConfigText(text, path);
  }
  let regions: readonly Region[] = config.regions as Region[];
  if (switches.KEEPER_REGIONS !== undefined) {
    const list = switches.KEEPER_REGIONS.split(',').map((r) => r.trim()).filter((r) => r.length > 0);
    const bad = list.filter((r) => !isRegion(r));
    if (list.length === 0 || bad.length > 0)
      throw new ConfigError(`KEEPER_REGIONS: ${bad.length > 0 ? `not a region: ${bad.join(', ')}` : 'empty'}; expected e.g. eu-west-1,us-east-1`, { field: 'KEEPER_REGIONS' });
    regions = list as Region[];
  }
  const reports = switches.KEEPER_REPORT_BUCKET === undefined ? undefined : Object.freeze({ bucket: switches.KEEPER_REPORT_BUCKET, pathStyle: env['AWS_ENDPOINT_URL'] !== undefined });
  return Object.freeze({ config, dryRun: switches.KEEPER_DRY_RUN !== 'false', regions: Object.freeze([...regions]), ...(reports === undefined ? {} : { reports }) });
};

const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
};
