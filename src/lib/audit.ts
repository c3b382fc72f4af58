/**
 * The audit: a read-only report built on a dry-run sweep. Per repository: policy drift, what the
 * enforced policy would expire and by which rule, bytes and dollars reclaimed, the Inspector
 * findings that would leave with those images, and in-use images a policy puts at risk.
 * Read-only by construction: the sweep runs in dry-run (ECR port wrapped read-only) and the
 * Inspector port has no write method.
 */
import pLimit from 'p-limit';
import type { Digest, Region, RepositoryName } from './domain/types.js';
import type { ImageFindingCounts, ImageFindings } from './aws/ports.js';
import type { AffectedImage, AtRiskImage, DroppedRule, RuleTotal } from './plan/types.js';
import { runSweep, toFailure, type Failure, type RepositoryOutcome, type SweepDeps } from './sweep.js';

/** Inspector stops rescanning images after its rescan window (14 days by default) and closes their findings. */
export const INSPECTOR_RESCAN_WINDOW_DAYS = 14;
const GIB = 1024 ** 3;

export type Drift = 'in-sync' | 'missing' | 'drifted' | 'excluded' | 'unknown';

/**
 * Active Inspector findings. `bySeverity` keys: from ListFindingAggregations (the usual source)
 * `CRITICAL`, `HIGH`, `MEDIUM` and `OTHER`, where `OTHER` = all − critical − high − medium (LOW,
 * INFORMATIONAL and UNTRIAGED together: the aggregation counts no more); from the ListFindings
 * fallback each finding's own severity (`LOW`, `INFORMATIONAL`, `UNTRIAGED` apart). `total` counts all.
 */
export interface FindingCounts {
  readonly total: number;
  readonly bySeverity: Readonly<Record<string, number>>;
}

/** An image the enforced policy would expire, with the findings that leave with it. */
export interface ExpiringImage extends AffectedImage {
  readonly findings?: FindingCounts | undefined;
}

export interface AuditRepository {
  readonly region: Region;
  readonly repository: RepositoryName;
  readonly status: RepositoryOutcome['status'];
  readonly drift: Drift;
  readonly reasons: readonly string[];
  readonly protection: { readonly toAdd: number; readonly toRelease: number };
  readonly droppedOwnRules: readonly DroppedRule[];
  /** In-use images of the repository by the source (or guard) that keeps them; an image may count under several. */
  readonly keptBySource: Readonly<Record<string, number>>;
  /** Images the policy change would newly expire or archive (the current policy keeps them, or there is none). */
  readonly newlyExpiring: number;
  /** Under the policy ecr-keeper would enforce. */
  readonly wouldExpire: {
    readonly images: number;
    readonly bytes: number;
    readonly dollarsPerMonth: number;
    readonly byRule: readonly RuleTotal[];
    readonly list: readonly ExpiringImage[];
  };
  readonly wouldArchive: { readonly images: number; readonly bytes: number };
  readonly findingsLeaving: FindingCounts & {
    /** Expiring images with no findings whose last push or pull is older than Inspector's rescan window: "not scanned", not "clean". */
    readonly possiblyUnscanned: number;
    /**
     * How the counts were read: `aggregation` (ListFindingAggregations), `list-findings` (ListFindings,
     * when the aggregation was not permitted or failed: see `fallback`), `none` (no expiring image, or
     * Inspector failed: see the report's `failures`).
     */
    readonly source: ImageFindingCounts['source'] | 'none';
    /** Why the aggregation was not used, when the counts came from the ListFindings fallback. */
    readonly fallback?: Failure | undefined;
  };
  /** In-use images the repository's CURRENT policy would expire or archive (a live risk today). */
  readonly atRiskUnderCurrentPolicy: readonly AtRiskImage[];
  /** In-use images the target policy would endanger: why the repository is blocked. */
  readonly atRiskUnderTargetPolicy: readonly AtRiskImage[];
}

export interface AuditReport {
  readonly kind: 'audit';
  readonly readOnly: true;
  readonly generatedAt: string;
  readonly regions: readonly Region[];
  readonly pricePerGbMonth: number;
  readonly inUse: { readonly images: number; readonly complete: boolean; readonly foreign: number; readonly unresolved: number };
  readonly totals: {
    readonly repositories: number;
    readonly inSync: number;
    readonly drifted: number;
    readonly missingPolicy: number;
    readonly blocked: number;
    readonly expiringImages: number;
    readonly expiringBytes: number;
    readonly dollarsPerMonth: number;
    readonly findingsLeaving: FindingCounts;
    readonly inUseAtRiskUnderCurrentPolicy: number;
    /** In-use images kept, by source: `task`, `service-revision`, …, `recent-pull` (the pull guard), `referrer`. */
    readonly keptBySource: Readonly<Record<string, number>>;
  };
  readonly repositories: readonly AuditRepository[];
  readonly failures: readonly Failure[];
}

const NO_FINDINGS: FindingCounts = { total: 0, bySeverity: {} };

const addCounts = (a: FindingCounts, b: FindingCounts): FindingCounts => {
  const bySeverity: Record<string, number> = { ...a.bySeverity };
  for (const [severity, n] of Object.entries(b.bySeverity)) bySeverity[severity] = (bySeverity[severity] ?? 0) + n;
  return { total: a.total + b.total, bySeverity };
};

const driftOf = (o: RepositoryOutcome): Drift => {
  const plan = o.plan;
  if (o.status === 'excluded') return 'excluded';
  if (plan === undefined) return 'unknown';
  if (plan.policy.currentText === undefined) return 'missing';
  return plan.policy.targetText === undefined ? 'unknown' : plan.policy.change === 'none' && plan.status !== 'blocked' ? 'in-sync' : 'drifted';
};

/** Dollars a month for `bytes` of ECR storage at `pricePerGbMonth`, rounded to cents. */
export const dollarsPerMonth = (bytes: number, pricePerGbMonth: number): number => Math.round((bytes / GIB) * pricePerGbMonth * 100) / 100;

/** Runs the audit over the given scope; never writes. */
export const runAudit = async (
  deps: SweepDeps,
  input: { readonly regions: readonly Region[]; readonly repositories?: readonly RepositoryName[] | undefined },
): Promise<AuditReport> => {
  // The audit's role has no BatchGetImage (a pull): index children stay unknown there.
  const sweep = await runSweep({ ...deps, readIndexManifests: false }, { mode: 'dry-run', regions: input.regions, repositories: input.repositories });
  const failures: Failure[] = [...sweep.failures];
  const price = deps.config.storagePricePerGbMonth;
  const now = deps.now();
  const limit = pLimit(deps.config.concurrency.repositories);

  const repositories = await Promise.all(
    sweep.repositories.map((o) =>
      limit(async (): Promise<AuditRepository> => {
        const target = o.plan?.target;
        const expiring = (target?.affected ?? []).filter((a) => a.action === 'expire');
        const scope = `${o.region}/${o.repository}`;
        let findings: ReadonlyMap<Digest, ImageFindings> = new Map();
        let source: AuditRepository['findingsLeaving']['source'] = 'none';
        let fallback: Failure | undefined;
        if (expiring.length > 0) {
          const inspector = deps.adaptersFor(o.region).inspector;
          const digests = expiring.map((a) => a.digest);
          try {
            const counted: ImageFindingCounts =
              inspector.findingCountsForImages === undefined
                ? { images: await inspector.findingsForImages(o.repository, digests), source: 'list-findings' }
                : await inspector.findingCountsForImages(o.repository, digests);
            findings = counted.images;
            source = counted.source;
            if (counted.fallback !== undefined) {
              fallback = toFailure(scope, 'inventory', counted.fallback);
              deps.log.warn('Inspector aggregation unavailable; counted findings with ListFindings', { ...fallback });
            }
          } catch (error) {
            failures.push(toFailure(scope, 'inventory', error));
          }
        }
        const list: ExpiringImage[] = expiring.map((a) => {
          const f = findings.get(a.digest);
          return f === undefined ? a : { ...a, findings: { total: f.total, bySeverity: f.bySeverity } };
        });
        const leaving = list.reduce((acc, a) => (a.findings ? addCounts(acc, a.findings) : acc), NO_FINDINGS);
        const windowStart = now.getTime() - INSPECTOR_RESCAN_WINDOW_DAYS * 86_400_000;
        const possiblyUnscanned = list.filter((a) => a.findings === undefined && (a.lastSeenAt === undefined || Date.parse(a.lastSeenAt) < windowStart)).length;
        const bytes = target?.expiringBytes ?? 0;
        return {
          region: o.region,
          repository: o.repository,
          status: o.status,
          drift: driftOf(o),
          reasons: o.reasons,
          protection: { toAdd: o.plan?.tagsToAdd.length ?? 0, toRelease: o.plan?.tagsToRelease.length ?? 0 },
          droppedOwnRules: o.plan?.policy.droppedOwnRules ?? [],
          keptBySource: o.plan?.inUseBySource ?? {},
          newlyExpiring: o.plan?.newlyExpiring.length ?? 0,
          wouldExpire: { images: target?.expiringImages ?? 0, bytes, dollarsPerMonth: dollarsPerMonth(bytes, price), byRule: target?.byRule ?? [], list },
          wouldArchive: { images: target?.transitioningImages ?? 0, bytes: target?.transitioningBytes ?? 0 },
          findingsLeaving: { ...leaving, possiblyUnscanned, source, ...(fallback === undefined ? {} : { fallback }) },
          atRiskUnderCurrentPolicy: o.plan?.current?.inUseAtRisk ?? [],
          atRiskUnderTargetPolicy: o.plan?.gate.atRisk ?? [],
        };
      }),
    ),
  );

  const expiringBytes = repositories.reduce((n, r) => n + r.wouldExpire.bytes, 0);
  return {
    kind: 'audit',
    readOnly: true,
    generatedAt: now.toISOString(),
    regions: input.regions,
    pricePerGbMonth: price,
    inUse: { images: sweep.inUse.images.length, complete: sweep.inUse.complete, foreign: sweep.inUse.foreign.length, unresolved: sweep.inUse.unresolved.length },
    totals: {
      repositories: repositories.length,
      inSync: repositories.filter((r) => r.drift === 'in-sync').length,
      drifted: repositories.filter((r) => r.drift === 'drifted').length,
      missingPolicy: repositories.filter((r) => r.drift === 'missing').length,
      blocked: repositories.filter((r) => r.status === 'blocked').length,
      expiringImages: repositories.reduce((n, r) => n + r.wouldExpire.images, 0),
      expiringBytes,
      dollarsPerMonth: dollarsPerMonth(expiringBytes, price),
      findingsLeaving: repositories.reduce((acc, r) => addCounts(acc, r.findingsLeaving), NO_FINDINGS),
      inUseAtRiskUnderCurrentPolicy: repositories.reduce((n, r) => n + r.atRiskUnderCurrentPolicy.length, 0),
      keptBySource: repositories.reduce<Record<string, number>>((acc, r) => {
        for (const [kind, n] of Object.entries(r.keptBySource)) acc[kind] = (acc[kind] ?? 0) + n;
        return acc;
      }, {}),
    },
    repositories,
    failures,
  };
};
