/**
 * The audit report's JSON shape in zod: the source of `docs/audit-report.schema.json` (`npm run schema`)
 * and of the checks that a real report matches it. Kept equal to the TypeScript types of `audit.ts` by a
 * compile-time check at the end of this file: a field added to one and not the other fails `tsc`.
 */
import { z } from 'zod';
import { AUDIT_SCHEMA_VERSION, type AuditReport } from './audit.js';
import type { Digest, Region, RepositoryName } from './domain/types.js';

/** A string schema typed as one of the branded identifiers (the JSON Schema sees the string and its pattern). */
const branded = <T extends string>(schema: z.ZodString): z.ZodType<T, string> => schema as unknown as z.ZodType<T, string>;

const digest = branded<Digest>(z.string().regex(/^sha256:[0-9a-f]{64}$/).describe('image digest'));
const region = branded<Region>(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/).describe('AWS region code'));
const repositoryName = branded<RepositoryName>(z.string().min(2).max(256).describe('ECR repository name'));
const count = z.number().int().nonnegative();
const isoTime = z.string().describe('ISO 8601 time');

const failure = z.object({
  scope: z.string().describe('e.g. us-east-1, us-east-1/shop/api, inspector:us-east-1'),
  stage: z.enum(['inventory', 'in-use', 'plan', 'apply']),
  message: z.string(),
  action: z.string().optional().describe('the IAM action that failed'),
  code: z.string().optional().describe('the AWS error code'),
}).meta({ id: 'Failure' });

const findingCounts = z.object({
  total: count,
  bySeverity: z.record(z.string(), count).describe('CRITICAL, HIGH, MEDIUM and OTHER (aggregation) or each severity (ListFindings)'),
}).meta({ id: 'FindingCounts' });

const scanCounts = z
  .object({ findings: count, clean: count, notScanned: count, scanStale: count, inspectorUnavailable: count })
  .describe('expiring images by what Inspector says: with findings; clean (scanned within the rescan window); not scanned; scan stale; Inspector not enabled, not permitted or unreadable');

const scanState = z.enum(['findings', 'clean', 'not-scanned', 'scan-stale', 'inspector-unavailable']);

const expiringImage = z.object({
  digest,
  tags: z.array(z.string()),
  action: z.enum(['expire', 'transition']),
  rulePriority: z.number().int(),
  ruleDescription: z.string().optional(),
  reason: z.string(),
  sizeBytes: count.optional(),
  pushedAt: isoTime,
  lastSeenAt: isoTime,
  inUse: z.boolean(),
  findings: findingCounts.optional(),
  scan: scanState,
}).meta({ id: 'ExpiringImage' });

const ruleTotal = z.object({
  rulePriority: z.number().int(),
  description: z.string().optional(),
  action: z.enum(['expire', 'transition']),
  images: count,
  bytes: count,
}).meta({ id: 'RuleTotal' });

const useSource = z.object({
  kind: z.enum(['task', 'service-revision', 'deployment-revision', 'task-definition', 'scheduled-rule', 'schedule', 'lambda', 'batch', 'inspector', 'recent-pull', 'referrer']),
  region,
  cluster: z.string().optional(),
  service: z.string().optional(),
  arn: z.string(),
  image: z.string(),
  environment: z.string(),
}).meta({ id: 'UseSource' });

const atRiskImage = z.object({
  digest,
  tags: z.array(z.string()),
  decision: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('expire'), rulePriority: z.number().int(), reason: z.string() }),
    z.object({ kind: z.literal('transition'), rulePriority: z.number().int(), targetStorageClass: z.literal('archive'), reason: z.string() }),
  ]),
  ruleDescription: z.string().optional(),
  uses: z.array(useSource),
}).meta({ id: 'AtRiskImage' });

const rule = z.object({
  rulePriority: z.number().int(),
  description: z.string().optional(),
  selection: z.object({
    tagStatus: z.enum(['tagged', 'untagged', 'any']),
    tagPatternList: z.array(z.string()).optional(),
    tagPrefixList: z.array(z.string()).optional(),
    countType: z.enum(['imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled', 'sinceImageTransitioned']),
    countUnit: z.literal('days').optional(),
    countNumber: z.number().int(),
    storageClass: z.enum(['standard', 'archive']).optional(),
  }),
  action: z.discriminatedUnion('type', [z.object({ type: z.literal('expire') }), z.object({ type: z.literal('transition'), targetStorageClass: z.literal('archive') })]),
}).meta({ id: 'Rule' });

const ruleChange = z.object({
  change: z.enum(['added', 'removed', 'changed', 'moved']),
  priority: z.number().int(),
  previousPriority: z.number().int().optional(),
  description: z.string().optional(),
  rule: z.string().describe('what the rule does, in one line'),
  was: z.string().optional().describe('what the current rule did, for "changed"'),
}).meta({ id: 'RuleChange' });

const rebuildImage = z.object({
  digest,
  images: z.array(z.string()),
  keptBy: z.array(useSource.shape.kind),
  findings: findingCounts,
}).meta({ id: 'RebuildImage' });

const auditRepository = z.object({
  region,
  repository: repositoryName,
  status: z.enum(['applied', 'planned', 'unchanged', 'blocked', 'excluded', 'skipped', 'failed']),
  drift: z.enum(['in-sync', 'missing', 'drifted', 'excluded', 'unknown']),
  driftDiff: z.array(ruleChange),
  reasons: z.array(z.string()),
  protection: z.object({ toAdd: count, toRelease: count }),
  droppedOwnRules: z.array(z.object({ rule, reason: z.string() })),
  baselineLeftOut: z.array(z.object({ description: z.string(), reason: z.string() })),
  keptBySource: z.record(z.string(), count),
  newlyExpiring: count,
  images: z.object({ listed: count, inUse: count }).describe('images the repository holds, and in use among them (pull guard and referrers included)'),
  wouldExpire: z.object({ images: count, bytes: count, dollarsPerMonth: z.number().nonnegative(), byRule: z.array(ruleTotal), list: z.array(expiringImage) }),
  wouldArchive: z.object({ images: count, bytes: count }),
  findingsLeaving: findingCounts.extend({
    scan: scanCounts,
    source: z.enum(['aggregation', 'list-findings', 'none']),
    fallback: failure.optional(),
  }),
  atRiskUnderCurrentPolicy: z.array(atRiskImage),
  atRiskUnderTargetPolicy: z.array(atRiskImage),
  rebuild: z.array(rebuildImage).describe('in-use images with CRITICAL findings: protected, but rebuild them'),
}).meta({ id: 'AuditRepository' });

const previewAnswer = z.object({ action: z.string().describe('EXPIRE, TRANSITION or KEEP'), rulePriority: z.number().int().optional() }).meta({ id: 'PreviewAnswer' });

const previewVerification = z.object({
  sample: count,
  repositories: z.array(
    z.object({
      region,
      repository: repositoryName,
      status: z.enum(['agree', 'disagree', 'failed']),
      ecrActsOn: count,
      simulatorActsOn: count,
      disagreements: z.array(z.object({ digest, tags: z.array(z.string()), ecr: previewAnswer, simulator: previewAnswer.extend({ reason: z.string() }) })),
      failure: failure.optional(),
    }),
  ),
  disagreements: count,
  failed: count,
});

/** The whole report, as `runAudit` returns it and the CLI prints it with `--output json`. */
export const AuditReportSchema = z
  .object({
    kind: z.literal('audit'),
    schemaVersion: z.literal(AUDIT_SCHEMA_VERSION),
    readOnly: z.literal(true),
    generatedAt: isoTime,
    regions: z.array(region),
    pricePerGbMonth: z.number().nonnegative(),
    inUse: z.object({ images: count, complete: z.boolean(), foreign: count, unresolved: count }),
    inspector: z.array(
      z.object({
        account: z.string().optional().describe('another registry account of the organisation, read through its audit role; absent for the keeper\'s own'),
        region,
        coverage: z.enum(['read', 'unavailable', 'failed', 'not-supported']),
        images: count,
      }),
    ),
    totals: z.object({
      repositories: count,
      inSync: count,
      drifted: count,
      missingPolicy: count,
      blocked: count,
      expiringImages: count,
      expiringBytes: count,
      dollarsPerMonth: z.number().nonnegative(),
      findingsLeaving: findingCounts,
      scan: scanCounts,
      inUseAtRiskUnderCurrentPolicy: count,
      keptBySource: z.record(z.string(), count),
      rebuild: count,
      images: z.object({ listed: count, inUse: count }),
    }),
    repositories: z.array(auditRepository),
    failures: z.array(failure),
    apiCalls: z.object({ total: count, byOperation: z.record(z.string(), count).describe('Service:Operation → calls') }).optional(),
    previewCheck: previewVerification.optional(),
  })
  .describe('ecr-keeper audit report');

/** `docs/audit-report.schema.json`: the JSON Schema (draft 2020-12) of the report, with its version in `$id`. */
export const auditReportJsonSchema = (): Record<string, unknown> => ({
  $id: `https://github.com/ecr-keeper/ecr-keeper/docs/audit-report.schema.json#v${AUDIT_SCHEMA_VERSION}`,
  title: `ecr-keeper audit report, schema version ${AUDIT_SCHEMA_VERSION}`,
  ...z.toJSONSchema(AuditReportSchema, { target: 'draft-2020-12' }),
});

// --- compile-time check: the zod schema and the TypeScript types describe the same report ---------
type Writable<T> = T extends readonly (infer U)[] ? Writable<U>[] : T extends object ? { -readonly [K in keyof T]: Writable<T[K]> } : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShape: Same<Writable<AuditReport>, Writable<z.output<typeof AuditReportSchema>>> = true;
void sameShape;
