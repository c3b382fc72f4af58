/**
 * The audit: a read-only report built on a dry-run sweep. Per repository: policy drift (rule by rule),
 * what the enforced policy would expire and by which rule, bytes and dollars reclaimed, the Inspector
 * findings that would leave with those images and whether an image without findings was scanned at
 * all, in-use images a policy puts at risk, in-use images to rebuild, and the API calls it cost.
 * Read-only by construction: the sweep runs in dry-run (ECR port wrapped read-only) and the
 * Inspector port has no write method. The one exception is opt-in: `verifyWithPreview` starts ECR's
 * lifecycle policy previews (`ECR_PREVIEW_ACTIONS`: no policy, tag or image changes).
 */
import pLimit from 'p-limit';
import type { AccountId, Digest, Region, RepositoryName, UseSource } from './domain/types.js';
import type { CoveredImage, ImageFindingCounts, ImageFindings, InspectorPort, OrganisationAccess, RegionAdapters } from './aws/ports.js';
import type { AffectedImage, AtRiskImage, DroppedRule, OverriddenRule, RuleTotal } from './plan/types.js';
import { KEEPER_DESCRIPTION_PREFIX } from './plan/target-policy.js';
import { diffPolicyTexts, type RuleChange } from './audit-drift.js';
import { DEFAULT_PREVIEW_WAIT_SECONDS, verifyWithPreview, type PreviewCandidate, type PreviewVerification } from './audit-preview.js';
import { isInspectorUnavailable } from './sources/inspector.js';
import { runSweep, toFailure, type Failure, type RepositoryOutcome, type SweepDeps } from './sweep.js';

/**
 * Version of the report's JSON shape (`docs/audit-report.schema.json`): raised when a field is
 * removed, renamed or changes meaning; new optional fields keep it.
 */
export const AUDIT_SCHEMA_VERSION = 1;

/** Inspector stops rescanning images after its rescan window (14 days by default) and closes their findings. */
export const INSPECTOR_RESCAN_WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;
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

/**
 * What Inspector says about an image, for the findings that leave with it:
 * - `findings`: it has active findings;
 * - `clean`: none, and coverage says it is monitored (`scanStatus` ACTIVE) and was last scanned (`lastScannedAt`) within the rescan window;
 * - `scan-stale`: none, but its last scan is older than the window, or Inspector stopped rescanning it
 *   (`SCAN_ELIGIBILITY_EXPIRED`, `STALE_INVENTORY`, `PENDING_REVIVAL_SCAN`, `IMAGE_ARCHIVED`): findings may be closed, not fixed;
 * - `not-scanned`: none, and coverage does not hold it, has no scan on record, or says why it cannot scan it (`UNSUPPORTED_OS`, `PENDING_INITIAL_SCAN`, …);
 * - `inspector-unavailable`: Inspector is not enabled or not permitted here, or could not be read (see `failures`).
 */
export type ScanState = 'findings' | 'clean' | 'not-scanned' | 'scan-stale' | 'inspector-unavailable';

/** Images by `ScanState`. */
export interface ScanCounts {
  readonly findings: number;
  readonly clean: number;
  readonly notScanned: number;
  readonly scanStale: number;
  readonly inspectorUnavailable: number;
}

/** An image the enforced policy would expire, with the findings that leave with it and its scan state. */
export interface ExpiringImage extends AffectedImage {
  readonly findings?: FindingCounts | undefined;
  readonly scan: ScanState;
}

/** An in-use image with CRITICAL findings: protected, but rebuild it. */
export interface RebuildImage {
  readonly digest: Digest;
  /** The image references the workloads use (`…/shop/api:prod-1`). */
  readonly images: readonly string[];
  /** The in-use sources that keep it (`task`, `service-revision`, …). */
  readonly keptBy: readonly UseSource['kind'][];
  readonly findings: FindingCounts;
}

export interface AuditRepository {
  readonly region: Region;
  readonly repository: RepositoryName;
  readonly status: RepositoryOutcome['status'];
  readonly drift: Drift;
  /** The target policy against the current one, rule by rule (empty when in sync or unknown). */
  readonly driftDiff: readonly RuleChange[];
  /** Why the repository is planned as it is; ecr-keeper's own baseline rules left out are in `baselineLeftOut`, not here. */
  readonly reasons: readonly string[];
  readonly protection: { readonly toAdd: number; readonly toRelease: number };
  /** The repository's own rules the target policy leaves out (ecr-keeper's own rules are never listed). */
  readonly droppedOwnRules: readonly DroppedRule[];
  /** ecr-keeper's baseline rules left out because the repository's own rule takes their place (merge mode). */
  readonly baselineLeftOut: readonly OverriddenRule[];
  /** In-use images of the repository by the source (or guard) that keeps them; an image may count under several. */
  readonly keptBySource: Readonly<Record<string, number>>;
  /** Images the policy change would newly expire or archive (the current policy keeps them, or there is none). */
  readonly newlyExpiring: number;
  /** Images the repository holds, and how many are in use (pull guard and referrers included), each counted once. */
  readonly images: { readonly listed: number; readonly inUse: number };
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
    /** The expiring images by scan state: an image without findings is `clean` only when Inspector scanned it recently. */
    readonly scan: ScanCounts;
    /**
     * How the counts were read: `aggregation` (ListFindingAggregations), `list-findings` (ListFindings,
     * when the aggregation was not permitted or failed: see `fallback`), `none` (no image to ask about,
     * or Inspector failed: see the report's `failures`).
     */
    readonly source: ImageFindingCounts['source'] | 'none';
    /** Why the aggregation was not used, when the counts came from the ListFindings fallback. */
    readonly fallback?: Failure | undefined;
  };
  /** In-use images the repository's CURRENT policy would expire or archive (a live risk today). */
  readonly atRiskUnderCurrentPolicy: readonly AtRiskImage[];
  /** In-use images the target policy would endanger: why the repository is blocked. */
  readonly atRiskUnderTargetPolicy: readonly AtRiskImage[];
  /** In-use images with CRITICAL findings: protected, but rebuild them. */
  readonly rebuild: readonly RebuildImage[];
}

/** How Inspector's coverage was read in one region: `read`, `unavailable` (not enabled or not permitted), `failed` (see failures), `not-supported` (port without coverage). */
export interface CoverageRead {
  /** Another registry account of the organisation, read through its audit role; absent for the keeper's own account. */
  readonly account?: string | undefined;
  readonly region: Region;
  readonly coverage: 'read' | 'unavailable' | 'failed' | 'not-supported';
  /** ECR images in coverage. */
  readonly images: number;
}

export interface AuditReport {
  readonly kind: 'audit';
  /** The report's JSON shape (`AUDIT_SCHEMA_VERSION`, `docs/audit-report.schema.json`). */
  readonly schemaVersion: typeof AUDIT_SCHEMA_VERSION;
  readonly readOnly: true;
  readonly generatedAt: string;
  readonly regions: readonly Region[];
  readonly pricePerGbMonth: number;
  readonly inUse: { readonly images: number; readonly complete: boolean; readonly foreign: number; readonly unresolved: number };
  /** Inspector coverage per region read (scan states and in-use data come from one read). */
  readonly inspector: readonly CoverageRead[];
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
    /** Expiring images by scan state, over all repositories. */
    readonly scan: ScanCounts;
    readonly inUseAtRiskUnderCurrentPolicy: number;
    /** In-use images kept, by source: `task`, `service-revision`, …, `recent-pull` (the pull guard), `referrer`. */
    readonly keptBySource: Readonly<Record<string, number>>;
    /** In-use images with CRITICAL findings ("protected, but rebuild it"). */
    readonly rebuild: number;
    /** Images in the repositories read, and in use among them (each counted once per repository). */
    readonly images: { readonly listed: number; readonly inUse: number };
  };
  readonly repositories: readonly AuditRepository[];
  readonly failures: readonly Failure[];
  /** The AWS operations the audit itself sent, by `Service:Operation` (absent when the caller counts none). */
  readonly apiCalls?: { readonly total: number; readonly byOperation: Readonly<Record<string, number>> } | undefined;
  /** ECR's lifecycle policy preview against the simulator (only with `verifyWithPreview`). */
  readonly previewCheck?: PreviewVerification | undefined;
}

/** The sweep's dependencies, and a snapshot of the AWS operations sent so far (`awsCallCounts` in `aws/clients.ts`). */
export interface AuditDeps extends SweepDeps {
  readonly apiCalls?: (() => Readonly<Record<string, number>>) | undefined;
}

export interface AuditInput {
  readonly regions: readonly Region[];
  readonly repositories?: readonly RepositoryName[] | undefined;
  /** Cross-check the simulator with ECR's preview on `sample` repositories (CLI `--verify-with-preview`). */
  readonly verifyWithPreview?: { readonly sample: number; readonly maxWaitSeconds?: number | undefined } | undefined;
}

const NO_FINDINGS: FindingCounts = { total: 0, bySeverity: {} };
const NO_SCANS: ScanCounts = { findings: 0, clean: 0, notScanned: 0, scanStale: 0, inspectorUnavailable: 0 };
const SCAN_KEY: Readonly<Record<ScanState, keyof ScanCounts>> = {
  findings: 'findings',
  clean: 'clean',
  'not-scanned': 'notScanned',
  'scan-stale': 'scanStale',
  'inspector-unavailable': 'inspectorUnavailable',
};

const addCounts = (a: FindingCounts, b: FindingCounts): FindingCounts => {
  const bySeverity: Record<string, number> = { ...a.bySeverity };
  for (const [severity, n] of Object.entries(b.bySeverity)) bySeverity[severity] = (bySeverity[severity] ?? 0) + n;
  return { total: a.total + b.total, bySeverity };
};

const addScans = (a: ScanCounts, b: ScanCounts): ScanCounts => ({
  findings: a.findings + b.findings,
  clean: a.clean + b.clean,
  notScanned: a.notScanned + b.notScanned,
  scanStale: a.scanStale + b.scanStale,
  inspectorUnavailable: a.inspectorUnavailable + b.inspectorUnavailable,
});

/** Reasons that mean Inspector scanned the image once and has stopped rescanning it. */
const STALE_REASONS = new Set(['SCAN_ELIGIBILITY_EXPIRED', 'STALE_INVENTORY', 'PENDING_REVIVAL_SCAN', 'IMAGE_ARCHIVED']);

/** The scan state of an image without findings, from its coverage record (`undefined`: not in coverage). */
export const scanStateOf = (covered: CoveredImage | undefined, now: Date): Exclude<ScanState, 'findings' | 'inspector-unavailable'> => {
  if (covered?.scanStatus === undefined) return 'not-scanned';
  const windowStart = now.getTime() - INSPECTOR_RESCAN_WINDOW_DAYS * DAY_MS;
  if (covered.scanStatus.code === 'ACTIVE') {
    // Monitored, but no scan on record yet (PENDING_INITIAL_SCAN): no evidence it is clean.
    if (covered.lastScannedAt === undefined || covered.scanStatus.reason === 'PENDING_INITIAL_SCAN') return 'not-scanned';
    return covered.lastScannedAt.getTime() < windowStart ? 'scan-stale' : 'clean';
  }
  return STALE_REASONS.has(covered.scanStatus.reason ?? '') ? 'scan-stale' : 'not-scanned';
};

const driftOf = (o: RepositoryOutcome): Drift => {
  const plan = o.plan;
  if (o.status === 'excluded') return 'excluded';
  if (plan === undefined) return 'unknown';
  if (plan.policy.currentText === undefined) return 'missing';
  return plan.policy.targetText === undefined ? 'unknown' : plan.policy.change === 'none' && plan.status !== 'blocked' ? 'in-sync' : 'drifted';
};

/** The planner's note for each overridden baseline rule (`baseline rule "…" left out: …`), kept out of `reasons`. */
const BASELINE_LEFT_OUT = /^baseline rule ".*" left out: /;

/** Dollars a month for `bytes` of ECR storage at `pricePerGbMonth`, rounded to cents. */
export const dollarsPerMonth = (bytes: number, pricePerGbMonth: number): number => Math.round((bytes / GIB) * pricePerGbMonth * 100) / 100;

type Coverage =
  | { readonly state: 'read'; readonly images: readonly CoveredImage[] }
  | { readonly state: 'unavailable' | 'failed'; readonly error: unknown }
  | { readonly state: 'not-supported' };

const coverageKey = (registryId: AccountId | string, repository: string, digest: string): string => `${registryId}/${repository}@${digest}`;

/**
 * The adapters with Inspector's coverage read once per region (every ECR image, with its scan
 * status): the sweep's Inspector in-use source is served from that read, filtered by `lastInUseAt`
 * exactly as the adapter filters, and the audit takes the scan states from it. One read, not two.
 */
/** Every ECR image `inspector` covers, or why there are none. */
const readCoverage = (inspector: InspectorPort): Promise<Coverage> =>
  inspector.ecrImageCoverage === undefined
    ? Promise.resolve<Coverage>({ state: 'not-supported' })
    : (async (all: AsyncIterable<CoveredImage>): Promise<Coverage> => {
        try {
          const images: CoveredImage[] = [];
          for await (const image of all) images.push(image);
          return { state: 'read', images };
        } catch (error) {
          return { state: isInspectorUnavailable(error) ? 'unavailable' : 'failed', error };
        }
      })(inspector.ecrImageCoverage());

const withSharedCoverage = (adaptersFor: (region: Region) => RegionAdapters, organisation: OrganisationAccess | undefined) => {
  // One coverage read per account and region (undefined: the keeper's own), whichever role asks first:
  // Inspector's coverage of an account is the same through its consumer role or its audit role.
  const reads = new Map<string, Promise<Coverage>>();
  const coverageAt = (account: AccountId | undefined, region: Region, inspector: InspectorPort): Promise<Coverage> => {
    const key = `${account ?? ''}/${region}`;
    let read = reads.get(key);
    if (read === undefined) {
      read = readCoverage(inspector);
      reads.set(key, read);
    }
    return read;
  };
  const coverageOf = (region: Region): Promise<Coverage> => coverageAt(undefined, region, adaptersFor(region).inspector);
  /** `base` with its in-use Inspector source served from the shared coverage read. */
  const shared = (account: AccountId | undefined, region: Region, base: RegionAdapters): RegionAdapters => {
    const inspector: InspectorPort = base.inspector;
    const port: InspectorPort = {
      region: inspector.region,
      findingsForImages: (repository, digests) => inspector.findingsForImages(repository, digests),
      ...(inspector.findingCountsForImages === undefined ? {} : { findingCountsForImages: (repository, digests) => inspector.findingCountsForImages!(repository, digests) }),
      imagesInUseSince: async function* (since) {
        const read = await coverageAt(account, region, inspector);
        if (read.state === 'not-supported') {
          yield* inspector.imagesInUseSince(since);
          return;
        }
        // The same error the adapter threw: the in-use source decides "unavailable" or "failed" as before.
        if (read.state !== 'read') throw read.error;
        for (const image of read.images) if (image.lastInUseAt !== undefined && image.lastInUseAt.getTime() >= since.getTime()) yield image;
      },
    };
    return { ...base, inspector: port };
  };
  const wrapped = new Map<string, RegionAdapters>();
  const memo = (key: string, make: () => RegionAdapters): RegionAdapters => {
    let found = wrapped.get(key);
    if (found === undefined) {
      found = make();
      wrapped.set(key, found);
    }
    return found;
  };
  const adapters = (region: Region): RegionAdapters => memo(`/${region}`, () => shared(undefined, region, adaptersFor(region)));
  const access: OrganisationAccess | undefined =
    organisation === undefined
      ? undefined
      : {
          // By name: a port may be a class instance whose methods a spread would not copy.
          home: () => organisation.home(),
          organizations: organisation.organizations,
          verify: (account, role) => organisation.verify(account, role),
          adaptersIn: (account, region, role) => memo(`${account}/${region}/${role}`, () => shared(account, region, organisation.adaptersIn(account, region, role))),
        };
  return { adapters, organisation: access, coverageOf, coverageAt };
};

/** Runs the audit over the given scope; never writes (a preview, when asked for, changes nothing either). */
export const runAudit = async (deps: AuditDeps, input: AuditInput): Promise<AuditReport> => {
  const callsBefore = deps.apiCalls?.();
  const { adapters, organisation, coverageOf, coverageAt } = withSharedCoverage(deps.adaptersFor, deps.organisation);
  // The audit's role has no BatchGetImage (a pull): index children stay unknown there.
  const sweep = await runSweep(
    { ...deps, adaptersFor: adapters, organisation, readIndexManifests: false, registryRole: 'audit', reportAllImages: true },
    { mode: 'dry-run', regions: input.regions, repositories: input.repositories },
  );
  const failures: Failure[] = [...sweep.failures];
  const price = deps.config.storagePricePerGbMonth;
  const now = deps.now();
  const limit = pLimit(deps.config.concurrency.repositories);

  // Coverage of the planned regions (the sweep has read it already wherever the Inspector source is on).
  const coverage = new Map<Region, Coverage>();
  for (const region of input.regions) {
    const read = await coverageOf(region);
    coverage.set(region, read);
    const failure = read.state === 'failed' ? toFailure(`inspector:${region}`, 'inventory', read.error) : undefined;
    // The sweep reports it already when its Inspector in-use source read the same coverage.
    if (failure !== undefined && !failures.some((f) => f.scope === failure.scope && f.message === failure.message)) failures.push(failure);
  }
  // In the organisation mode another registry's findings and coverage are Inspector's in that
  // account: read through its audit role (the keeper's own Inspector does not see them).
  const org = deps.config.organisation === undefined ? undefined : deps.organisation;
  const home = org === undefined ? undefined : await org.home();
  /** The registry when it is another account of the organisation; undefined for the keeper's own. */
  const otherRegistry = (registryId: AccountId | undefined): AccountId | undefined => (org === undefined || registryId === home ? undefined : registryId);
  const inspectorOf = (registryId: AccountId | undefined, region: Region): InspectorPort => {
    const other = otherRegistry(registryId);
    return other === undefined || org === undefined ? deps.adaptersFor(region).inspector : org.adaptersIn(other, region, 'audit').inspector;
  };
  const otherCoverage = new Map<string, { readonly account: AccountId; readonly region: Region; readonly read: Coverage }>();
  for (const o of sweep.repositories) {
    const other = otherRegistry(o.registryId);
    if (other === undefined || otherCoverage.has(`${other}/${o.region}`)) continue;
    // Shared with discovery, which read it already where the registry is also a consumer.
    const read = await coverageAt(other, o.region, inspectorOf(other, o.region));
    otherCoverage.set(`${other}/${o.region}`, { account: other, region: o.region, read });
    if (read.state === 'failed') failures.push(toFailure(`inspector:${other}/${o.region}`, 'inventory', read.error));
  }
  const coverageIn = (registryId: AccountId | undefined, region: Region): Coverage | undefined => {
    const other = otherRegistry(registryId);
    return other === undefined ? coverage.get(region) : otherCoverage.get(`${other}/${region}`)?.read;
  };
  const covered = new Map<string, CoveredImage>();
  for (const read of [...coverage.values(), ...[...otherCoverage.values()].map((c) => c.read)]) {
    if (read.state === 'read') for (const image of read.images) covered.set(coverageKey(image.registryId, image.repository, image.digest), image);
  }

  const inUseByRepository = new Map<string, { digest: Digest; uses: UseSource[] }[]>();
  for (const image of sweep.inUse.images) {
    const key = `${image.region}/${image.repository}`;
    const list = inUseByRepository.get(key) ?? [];
    const same = list.find((i) => i.digest === image.digest);
    if (same === undefined) list.push({ digest: image.digest, uses: [...image.uses] });
    else same.uses.push(...image.uses);
    inUseByRepository.set(key, list);
  }

  const repositories = await Promise.all(
    sweep.repositories.map((o) =>
      limit(async (): Promise<AuditRepository> => {
        const plan = o.plan;
        const target = plan?.target;
        const expiring = (target?.affected ?? []).filter((a) => a.action === 'expire');
        const scope = `${o.region}/${o.repository}`;
        const inUse = o.status === 'excluded' ? [] : (inUseByRepository.get(scope) ?? []);
        let findings: ReadonlyMap<Digest, ImageFindings> = new Map();
        let source: AuditRepository['findingsLeaving']['source'] = 'none';
        let fallback: Failure | undefined;
        let findingsRead = true;
        const digests = [...new Set([...expiring.map((a) => a.digest), ...inUse.map((i) => i.digest)])];
        if (digests.length > 0) {
          const inspector = inspectorOf(o.registryId, o.region);
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
            findingsRead = false;
            failures.push(toFailure(scope, 'inventory', error));
          }
        }
        const read = coverageIn(o.registryId, o.region);
        const registryId = plan?.repository.registryId ?? '';
        const scanOf = (digest: Digest, f: ImageFindings | undefined): ScanState => {
          if (f !== undefined && f.total > 0) return 'findings';
          if (read?.state !== 'read' || !findingsRead) return 'inspector-unavailable';
          return scanStateOf(covered.get(coverageKey(registryId, o.repository, digest)), now);
        };
        const list: ExpiringImage[] = expiring.map((a) => {
          const f = findings.get(a.digest);
          const scan = scanOf(a.digest, f);
          return f === undefined ? { ...a, scan } : { ...a, findings: { total: f.total, bySeverity: f.bySeverity }, scan };
        });
        const leaving = list.reduce((acc, a) => (a.findings ? addCounts(acc, a.findings) : acc), NO_FINDINGS);
        const scan = list.reduce<ScanCounts>((acc, a) => ({ ...acc, [SCAN_KEY[a.scan]]: acc[SCAN_KEY[a.scan]] + 1 }), NO_SCANS);
        const rebuild: RebuildImage[] = inUse.flatMap((i) => {
          const f = findings.get(i.digest);
          if (f === undefined || (f.bySeverity['CRITICAL'] ?? 0) === 0) return [];
          return [{ digest: i.digest, images: [...new Set(i.uses.map((u) => u.image))], keptBy: [...new Set(i.uses.map((u) => u.kind))], findings: { total: f.total, bySeverity: f.bySeverity } }];
        });
        const bytes = target?.expiringBytes ?? 0;
        const drift = driftOf(o);
        return {
          region: o.region,
          repository: o.repository,
          status: o.status,
          drift,
          driftDiff: drift === 'drifted' || drift === 'missing' ? (diffPolicyTexts(plan?.policy.currentText, plan?.policy.targetText) ?? []) : [],
          reasons: o.reasons.filter((r) => !BASELINE_LEFT_OUT.test(r)),
          protection: { toAdd: plan?.tagsToAdd.length ?? 0, toRelease: plan?.tagsToRelease.length ?? 0 },
          // The planner regenerates ecr-keeper's own rules; filtered here too so none is ever reported as dropped.
          droppedOwnRules: (plan?.policy.droppedOwnRules ?? []).filter((d) => d.rule.description?.startsWith(KEEPER_DESCRIPTION_PREFIX) !== true),
          baselineLeftOut: plan?.policy.overriddenBaseline ?? [],
          keptBySource: plan?.inUseBySource ?? {},
          newlyExpiring: plan?.newlyExpiring.length ?? 0,
          images: plan?.imageCounts ?? { listed: 0, inUse: 0 },
          wouldExpire: { images: target?.expiringImages ?? 0, bytes, dollarsPerMonth: dollarsPerMonth(bytes, price), byRule: target?.byRule ?? [], list },
          wouldArchive: { images: target?.transitioningImages ?? 0, bytes: target?.transitioningBytes ?? 0 },
          findingsLeaving: { ...leaving, scan, source, ...(fallback === undefined ? {} : { fallback }) },
          atRiskUnderCurrentPolicy: plan?.current?.inUseAtRisk ?? [],
          atRiskUnderTargetPolicy: plan?.gate.atRisk ?? [],
          rebuild,
        };
      }),
    ),
  );

  let previewCheck: PreviewVerification | undefined;
  if (input.verifyWithPreview !== undefined) {
    const candidates: PreviewCandidate[] = sweep.repositories.flatMap((o) => {
      const targetText = o.plan?.policy.targetText;
      if (targetText === undefined || o.status === 'excluded' || o.status === 'failed') return [];
      return [{ region: o.region, repository: o.repository, targetText, actsOn: (o.plan?.target?.expiringImages ?? 0) + (o.plan?.target?.transitioningImages ?? 0) }];
    });
    previewCheck = await verifyWithPreview(deps.adaptersFor, candidates, {
      sample: input.verifyWithPreview.sample,
      maxWaitSeconds: input.verifyWithPreview.maxWaitSeconds ?? DEFAULT_PREVIEW_WAIT_SECONDS,
      now,
    });
    for (const check of previewCheck.repositories) if (check.failure !== undefined) failures.push(check.failure);
  }

  const expiringBytes = repositories.reduce((n, r) => n + r.wouldExpire.bytes, 0);
  const callsAfter = deps.apiCalls?.();
  const apiCalls = callsBefore === undefined || callsAfter === undefined ? undefined : callsSince(callsBefore, callsAfter);
  return {
    kind: 'audit',
    schemaVersion: AUDIT_SCHEMA_VERSION,
    readOnly: true,
    generatedAt: now.toISOString(),
    regions: input.regions,
    pricePerGbMonth: price,
    inUse: { images: sweep.inUse.images.length, complete: sweep.inUse.complete, foreign: sweep.inUse.foreign.length, unresolved: sweep.inUse.unresolved.length },
    inspector: [
      ...input.regions.map((region) => {
        const read = coverage.get(region) ?? { state: 'not-supported' as const };
        return { region, coverage: read.state, images: read.state === 'read' ? read.images.length : 0 };
      }),
      ...[...otherCoverage.values()].map(({ account, region, read }) => ({ account, region, coverage: read.state, images: read.state === 'read' ? read.images.length : 0 })),
    ],
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
      scan: repositories.reduce((acc, r) => addScans(acc, r.findingsLeaving.scan), NO_SCANS),
      inUseAtRiskUnderCurrentPolicy: repositories.reduce((n, r) => n + r.atRiskUnderCurrentPolicy.length, 0),
      keptBySource: repositories.reduce<Record<string, number>>((acc, r) => {
        for (const [kind, n] of Object.entries(r.keptBySource)) acc[kind] = (acc[kind] ?? 0) + n;
        return acc;
      }, {}),
      rebuild: repositories.reduce((n, r) => n + r.rebuild.length, 0),
      images: {
        listed: repositories.reduce((n, r) => n + r.images.listed, 0),
        inUse: repositories.reduce((n, r) => n + r.images.inUse, 0),
      },
    },
    repositories,
    failures,
    ...(apiCalls === undefined ? {} : { apiCalls }),
    ...(previewCheck === undefined ? {} : { previewCheck }),
  };
};

/** The operations sent between two snapshots, sorted by name, with their total. */
const callsSince = (before: Readonly<Record<string, number>>, after: Readonly<Record<string, number>>): NonNullable<AuditReport['apiCalls']> => {
  const byOperation: Record<string, number> = {};
  for (const operation of Object.keys(after).sort()) {
    const n = (after[operation] ?? 0) - (before[operation] ?? 0);
    if (n > 0) byOperation[operation] = n;
  }
  return { total: Object.values(byOperation).reduce((a, b) => a + b, 0), byOperation };
};
