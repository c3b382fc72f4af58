import { Inspector2Client, ListFindingAggregationsCommand, ListFindingsCommand } from '@aws-sdk/client-inspector2';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { dollarsPerMonth, runAudit, type AuditReport } from '../../src/lib/audit.js';
import { createInspectorAdapter, MAX_AGGREGATION_PAGE } from '../../src/lib/aws/inspector2.js';
import { DEFAULT_CONFIG, parseConfig, type KeeperConfig } from '../../src/lib/config.js';
import type { Digest, ImageRecord, Region } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { parsePolicyOrThrow } from '../../src/lib/policy/parse.js';
import { runSweep, type SweepDeps } from '../../src/lib/sweep.js';
import { digestOf } from '../helpers/factories.js';
import { awsError, FakeBatch, FakeEcr, FakeEcs, FakeEvents, FakeInspector, FakeLambda, FakeScheduler } from '../helpers/fakes.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const REGION = 'us-east-1' as Region;
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const GIB = 1024 ** 3;
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * 86_400_000 - 3_600_000);
const config: KeeperConfig = parseConfig(DEFAULT_CONFIG);
/** Digests per ListFindings query (a `FilterCriteria` field takes at most 10 filters). */
const MAX_FILTERS_PER_QUERY = 10;

/** One account in one region, ECR read-only unless said otherwise; the default config unless one is given. */
const account = (options: { readOnly?: boolean; config?: KeeperConfig } = {}) => {
  const ecr = new FakeEcr({ now: () => NOW, readOnly: options.readOnly ?? true });
  const ecs = new FakeEcs();
  const inspector = new FakeInspector();
  const deps: SweepDeps = { config: options.config ?? config, log: silentLog, now: () => NOW, adaptersFor: (region) => ({ region, ecr, ecs, inspector, events: new FakeEvents(), scheduler: new FakeScheduler(), lambda: new FakeLambda(), batch: new FakeBatch() }) };
  return { ecr, ecs, inspector, deps };
};

const running = (repository: string, digest: Digest, tag = 'v1') => ({ image: `${HOST}/${repository}:${tag}`, imageDigest: digest });
const audit = (deps: SweepDeps): Promise<AuditReport> => runAudit(deps, { regions: [REGION] });
const repositoryOf = (report: AuditReport, name: string) => report.repositories.find((r) => r.repository === name);
/** Untagged images the baseline's untagged rule (7 days) expires. */
const untagged = (seed: string, ageDays: number, sizeBytes: number, extra: Partial<ImageRecord> = {}): Partial<ImageRecord> => ({
  digest: digestOf(seed),
  tags: [],
  pushedAt: daysAgo(ageDays),
  sizeBytes,
  ...extra,
});

const OWN_POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'Keep only the newest image of any tag',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
});

describe('Function: dollarsPerMonth', () => {
  it.each([
    { bytes: 0, price: 0.1, dollars: 0 },
    { bytes: GIB, price: 0.1, dollars: 0.1 },
    { bytes: 7 * GIB, price: 0.023, dollars: 0.16 }, // 0.161
    { bytes: 10 * GIB, price: 0.0149, dollars: 0.15 }, // 0.149
    { bytes: GIB / 1000, price: 0.1, dollars: 0 }, // a tenth of a cent
  ])('prices $bytes bytes at $price a GiB-month as $dollars dollars, rounded to cents', ({ bytes, price, dollars }) => {
    // Act
    const result = dollarsPerMonth(bytes, price);

    // Assess
    expect(result).toBe(dollars);
  });
});

describe('Function: runAudit', () => {
  it('classifies a repository without a policy as missing, and one with a different policy as drifted', async () => {
    // Prepare
    const { ecr, deps } = account();
    ecr.withImage('shop/api', { digest: digestOf('api'), tags: ['prod-1'], pushedAt: daysAgo(2) });
    ecr.withRepository('shop/legacy', { policy: OWN_POLICY }).withImage('shop/legacy', { digest: digestOf('legacy'), tags: ['r1'], pushedAt: daysAgo(2) });
    ecr.withRepository('tools/ci', { tags: { 'ecr-keeper:managed': 'false' } });

    // Act
    const report = await audit(deps);

    // Assess
    expect(repositoryOf(report, 'shop/api')?.drift).toBe('missing');
    expect(repositoryOf(report, 'shop/legacy')?.drift).toBe('drifted');
    expect(repositoryOf(report, 'tools/ci')?.drift).toBe('excluded');
    expect(report.totals).toMatchObject({ repositories: 3, missingPolicy: 1, drifted: 1, inSync: 0 });
    expect(ecr.writeCalls()).toEqual([]);
    expect(ecr.callsOf('getManifests')).toEqual([]);
  });

  it('reports in-sync after an apply, and the audit then writes nothing', async () => {
    // Prepare: a real apply on a writable registry
    const { ecr, ecs, deps } = account({ readOnly: false });
    const live = digestOf('live');
    ecr.withImages('shop/api', [{ digest: live, tags: ['prod-1'], pushedAt: daysAgo(5) }, untagged('old', 30, 1000)]);
    ecs.withCluster('prod').withTask('prod', { containers: [running('shop/api', live, 'prod-1')] });
    await runSweep(deps, { mode: 'apply', regions: [REGION] });
    const writesAfterApply = ecr.writeCalls().length;

    // Act
    const report = await audit(deps);

    // Assess
    expect(writesAfterApply).toBe(3); // the protection tag, its home tag and the policy
    expect(repositoryOf(report, 'shop/api')).toMatchObject({ drift: 'in-sync', status: 'unchanged', protection: { toAdd: 0, toRelease: 0 } });
    expect(report.totals).toMatchObject({ inSync: 1, drifted: 0, missingPolicy: 0 });
    expect(ecr.writeCalls().length).toBe(writesAfterApply);
  });

  it('reports drifted when the stored policy differs from the enforced one after an apply', async () => {
    // Prepare: apply, then someone edits the policy by hand
    const { ecr, deps } = account({ readOnly: false });
    ecr.withImage('shop/api', { digest: digestOf('a'), tags: ['prod-1'], pushedAt: daysAgo(5) });
    await runSweep(deps, { mode: 'apply', regions: [REGION] });
    const applied = ecr.policyOf('shop/api') ?? '';
    const edited = parsePolicyOrThrow(applied);
    const handEdited = {
      rules: edited.rules.map((r) => (r.description === 'ecr-keeper: untagged' ? { ...r, selection: { ...r.selection, countNumber: 8 } } : r)),
    };
    ecr.withRepository('shop/api', { policy: JSON.stringify(handEdited) });
    ecr.withImage('shop/api', { digest: digestOf('a'), tags: ['prod-1'], pushedAt: daysAgo(5) });

    // Act
    const report = await audit(deps);

    // Assess
    expect(ecr.policyOf('shop/api')).not.toBe(applied);
    expect(repositoryOf(report, 'shop/api')?.drift).toBe('drifted');
  });

  it('totals images, bytes and dollars across repositories, pricing the total bytes', async () => {
    // Prepare: 0.04 GiB per repository ($0.004 each), 0.08 GiB in all ($0.008)
    const { ecr, deps } = account();
    const size = Math.round(0.02 * GIB);
    ecr.withImages('shop/a', [untagged('a1', 30, size), untagged('a2', 40, size), untagged('a-fresh', 2, GIB)]);
    ecr.withImages('shop/b', [untagged('b1', 30, size), untagged('b2', 50, size)]);

    // Act
    const report = await audit(deps);

    // Assess
    expect(repositoryOf(report, 'shop/a')?.wouldExpire).toMatchObject({ images: 2, bytes: 2 * size, dollarsPerMonth: 0 });
    expect(repositoryOf(report, 'shop/b')?.wouldExpire).toMatchObject({ images: 2, bytes: 2 * size, dollarsPerMonth: 0 });
    expect(report.totals).toMatchObject({ expiringImages: 4, expiringBytes: 4 * size, dollarsPerMonth: 0.01 });
    expect(report.pricePerGbMonth).toBe(config.storagePricePerGbMonth);
    expect(repositoryOf(report, 'shop/a')?.wouldExpire.list.map((i) => i.digest).sort()).toEqual([digestOf('a1'), digestOf('a2')].sort());
  });

  it('lists expiring images by rule', async () => {
    // Prepare: 3 untagged images expire by the untagged rule, 2 old prod releases by the catch-all
    const { ecr, deps } = account();
    ecr.withImages('shop/a', [
      untagged('u1', 10, 100),
      untagged('u2', 20, 200),
      untagged('u3', 30, 300),
      { digest: digestOf('ci-1'), tags: ['ci-1'], pushedAt: daysAgo(100), sizeBytes: 1000 },
      { digest: digestOf('ci-2'), tags: ['ci-2'], pushedAt: daysAgo(200), sizeBytes: 2000 },
    ]);

    // Act
    const report = await audit(deps);

    // Assess
    const byRule = repositoryOf(report, 'shop/a')?.wouldExpire.byRule ?? [];
    expect(byRule.map((r) => ({ description: r.description, images: r.images, bytes: r.bytes }))).toEqual([
      { description: 'ecr-keeper: untagged', images: 3, bytes: 600 },
      { description: 'ecr-keeper: catch-all', images: 2, bytes: 3000 },
    ]);
    expect(byRule[0]?.rulePriority).toBeLessThan(byRule[1]?.rulePriority ?? 0);
  });

  it('counts the Inspector findings that leave with expiring images, and only those', async () => {
    // Prepare
    const { ecr, ecs, inspector, deps } = account();
    const live = digestOf('live');
    ecr.withImages('shop/a', [{ digest: live, tags: ['prod-1'], pushedAt: daysAgo(40) }, untagged('a1', 30, 10), untagged('a2', 30, 10)]);
    ecr.withImages('shop/b', [untagged('b1', 30, 10)]);
    ecs.withCluster('prod').withTask('prod', { containers: [running('shop/a', live, 'prod-1')] });
    inspector
      .withFindings('shop/a', digestOf('a1'), { CRITICAL: 1, HIGH: 2 })
      .withFindings('shop/a', live, { CRITICAL: 5 })
      .withFindings('shop/b', digestOf('b1'), { HIGH: 1, LOW: 4 });

    // Act
    const report = await audit(deps);

    // Assess
    expect(repositoryOf(report, 'shop/a')?.findingsLeaving).toMatchObject({ total: 3, bySeverity: { CRITICAL: 1, HIGH: 2 } });
    expect(repositoryOf(report, 'shop/a')?.wouldExpire.list.find((i) => i.digest === digestOf('a1'))?.findings).toEqual({ total: 3, bySeverity: { CRITICAL: 1, HIGH: 2 } });
    expect(repositoryOf(report, 'shop/a')?.wouldExpire.list.find((i) => i.digest === digestOf('a2'))?.findings).toBeUndefined();
    // The aggregation counts critical, high and medium apart; LOW is counted under OTHER.
    expect(report.totals.findingsLeaving).toEqual({ total: 8, bySeverity: { CRITICAL: 1, HIGH: 3, OTHER: 4 } });
    expect(repositoryOf(report, 'shop/a')?.findingsLeaving.source).toBe('aggregation');
    // The in-use image is asked about too (to say "rebuild it"), but its findings do not leave.
    const askedFor = inspector.callsOf('findingCountsForImages').flatMap((c) => c.args[1] as Digest[]);
    expect(askedFor).toContain(live);
    expect(inspector.callsOf('findingsForImages')).toEqual([]);
    expect(repositoryOf(report, 'shop/a')?.rebuild).toEqual([
      { digest: live, images: [`${HOST}/shop/a:prod-1`], keptBy: ['task'], findings: { total: 5, bySeverity: { CRITICAL: 5 } } },
    ]);
    expect(report.totals.rebuild).toBe(1);
  });

  it('calls an expiring image without findings clean only when Inspector scanned it recently', async () => {
    // Prepare: seven expiring images, each in another state of Inspector's coverage
    const { ecr, inspector, deps } = account();
    ecr.withImages('shop/a', ['vulnerable', 'clean', 'stale', 'expired', 'unsupported', 'pending', 'absent'].map((seed) => untagged(seed, 30, 10)));
    inspector
      .withFindings('shop/a', digestOf('vulnerable'), { HIGH: 1 })
      .withCoverage('shop/a', digestOf('vulnerable'), { lastScannedAt: daysAgo(1) })
      .withCoverage('shop/a', digestOf('clean'), { lastScannedAt: daysAgo(2) })
      .withCoverage('shop/a', digestOf('stale'), { lastScannedAt: daysAgo(20) })
      .withCoverage('shop/a', digestOf('expired'), { scanStatus: { code: 'INACTIVE', reason: 'SCAN_ELIGIBILITY_EXPIRED' }, lastScannedAt: daysAgo(40) })
      .withCoverage('shop/a', digestOf('unsupported'), { scanStatus: { code: 'INACTIVE', reason: 'UNSUPPORTED_OS' } })
      .withCoverage('shop/a', digestOf('pending'), { scanStatus: { code: 'ACTIVE', reason: 'PENDING_INITIAL_SCAN' } });

    // Act
    const report = await audit(deps);

    // Assess
    const scanOf = (seed: string) => repositoryOf(report, 'shop/a')?.wouldExpire.list.find((i) => i.digest === digestOf(seed))?.scan;
    expect(['vulnerable', 'clean', 'stale', 'expired', 'unsupported', 'pending', 'absent'].map(scanOf)).toEqual([
      'findings',
      'clean',
      'scan-stale',
      'scan-stale',
      'not-scanned',
      'not-scanned',
      'not-scanned',
    ]);
    expect(repositoryOf(report, 'shop/a')?.findingsLeaving.scan).toEqual({ findings: 1, clean: 1, notScanned: 3, scanStale: 2, inspectorUnavailable: 0 });
    expect(report.totals.scan).toEqual({ findings: 1, clean: 1, notScanned: 3, scanStale: 2, inspectorUnavailable: 0 });
    expect(report.inspector).toEqual([{ region: REGION, coverage: 'read', images: 6 }]);
  });

  it('reads Inspector coverage once per region, for both the in-use source and the scan states', async () => {
    // Prepare: an image Inspector saw running yesterday (only Inspector knows it is in use)
    const { ecr, inspector, deps } = account();
    const seen = digestOf('seen-by-inspector');
    ecr.withImages('shop/a', [untagged('seen-by-inspector', 30, 10), untagged('old', 30, 10)]);
    inspector.withCoverage('shop/a', seen, { lastInUseAt: daysAgo(1) }).withCoverage('shop/a', digestOf('old'), { lastScannedAt: daysAgo(1) });

    // Act
    const report = await audit(deps);

    // Assess
    expect(inspector.callsOf('ecrImageCoverage')).toHaveLength(1);
    expect(inspector.callsOf('imagesInUseSince')).toEqual([]);
    expect(repositoryOf(report, 'shop/a')?.keptBySource).toMatchObject({ inspector: 1 });
    expect(repositoryOf(report, 'shop/a')?.wouldExpire.list.map((i) => [i.digest, i.scan])).toEqual([[digestOf('old'), 'clean']]);
  });

  it('counts expiring images apart as "Inspector not enabled or not permitted" when coverage is denied, without failing', async () => {
    // Prepare
    const { ecr, inspector, deps } = account();
    ecr.withImages('shop/a', [untagged('a1', 30, 10), untagged('a2', 30, 10)]);
    inspector.withFindings('shop/a', digestOf('a1'), { CRITICAL: 1 });
    inspector.failOn = (method) => (method === 'ecrImageCoverage' ? awsError('AccessDeniedException', 'inspector2:ListCoverage') : undefined);

    // Act
    const report = await audit(deps);

    // Assess
    expect(report.failures).toEqual([]);
    expect(report.inspector).toEqual([{ region: REGION, coverage: 'unavailable', images: 0 }]);
    expect(repositoryOf(report, 'shop/a')?.findingsLeaving.scan).toEqual({ findings: 1, clean: 0, notScanned: 0, scanStale: 0, inspectorUnavailable: 1 });
  });

  it('reports a coverage read that fails for another reason as a failure, and claims no image clean', async () => {
    // Prepare
    const { ecr, inspector, deps } = account();
    ecr.withImages('shop/a', [untagged('a1', 30, 10)]);
    inspector.withCoverage('shop/a', digestOf('a1'), {});
    inspector.failOn = (method) => (method === 'ecrImageCoverage' ? awsError('ThrottlingException', 'inspector2:ListCoverage') : undefined);

    // Act
    const report = await audit(deps);

    // Assess
    expect(report.failures).toContainEqual(expect.objectContaining({ scope: `inspector:${REGION}`, code: 'ThrottlingException' }));
    expect(repositoryOf(report, 'shop/a')?.wouldExpire.list[0]?.scan).toBe('inspector-unavailable');
  });

  it('does not count images pulled within the pull guard (30 days) as expiring: they are in use', async () => {
    // Prepare
    const { ecr, deps } = account();
    ecr.withImages('shop/a', [
      untagged('pulled-recently', 60, 10, { lastPulledAt: daysAgo(3) }),
      untagged('pulled-20-days-ago', 30, 10, { lastPulledAt: daysAgo(20) }),
      untagged('unseen', 60, 10),
    ]);

    // Act
    const report = await audit(deps);

    // Assess
    expect(repositoryOf(report, 'shop/a')?.wouldExpire.list.map((i) => i.digest)).toEqual([digestOf('unseen')]);
    expect(repositoryOf(report, 'shop/a')?.atRiskUnderTargetPolicy).toEqual([]);
    expect(ecr.writeCalls()).toEqual([]);
  });

  it('records an Inspector failure without failing the audit', async () => {
    // Prepare
    const { ecr, inspector, deps } = account();
    ecr.withImages('shop/a', [untagged('a1', 30, 10)]).withImages('shop/b', [untagged('b1', 30, 10)]);
    inspector.withFindings('shop/b', digestOf('b1'), { HIGH: 1 });
    inspector.failOn = (_method, args) => (args[0] === 'shop/a' ? awsError('AccessDeniedException', 'inspector2:ListFindings', 'shop/a') : undefined);

    // Act
    const report = await audit(deps);

    // Assess
    expect(report.failures).toEqual([
      expect.objectContaining({ scope: 'us-east-1/shop/a', action: 'inspector2:ListFindings', code: 'AccessDeniedException' }),
    ]);
    expect(repositoryOf(report, 'shop/a')?.wouldExpire.images).toBe(1);
    expect(repositoryOf(report, 'shop/a')?.findingsLeaving.total).toBe(0);
    expect(repositoryOf(report, 'shop/b')?.findingsLeaving.total).toBe(1);
  });

  it('counts with ListFindings when the aggregation is not permitted, and says so in the repository', async () => {
    // Prepare
    const { ecr, inspector, deps } = account();
    ecr.withImages('shop/a', [untagged('a1', 30, 10)]);
    inspector.withFindings('shop/a', digestOf('a1'), { HIGH: 1, LOW: 2 });
    inspector.failOn = (method) =>
      method === 'findingCountsForImages' ? awsError('AccessDeniedException', 'inspector2:ListFindingAggregations', 'shop/a') : undefined;

    // Act
    const report = await audit(deps);

    // Assess
    expect(report.failures).toEqual([]);
    expect(repositoryOf(report, 'shop/a')?.findingsLeaving).toMatchObject({
      total: 3,
      bySeverity: { HIGH: 1, LOW: 2 },
      source: 'list-findings',
      fallback: { scope: 'us-east-1/shop/a', action: 'inspector2:ListFindingAggregations', code: 'AccessDeniedException' },
    });
  });

  it('counts the findings of 1,000 expiring images in 10 aggregation calls, where ListFindings took 100', async () => {
    // Prepare: one repository of 1,000 untagged images the untagged rule expires, Inspector over the real adapter
    const images = Array.from({ length: 1000 }, (_, i) => untagged(`bulk-${i}`, 30, 10));
    const digests = images.map((i) => i.digest as Digest);
    const run = async (aggregation: 'served' | 'denied') => {
      const { ecr, deps } = account();
      ecr.withImages('shop/bulk', images);
      const mock = mockClient(Inspector2Client);
      if (aggregation === 'served') {
        mock.on(ListFindingAggregationsCommand).callsFake((input: { nextToken?: string; maxResults?: number }) => {
          const start = Number(input.nextToken ?? '0');
          const end = start + (input.maxResults ?? 0);
          const responses = digests.slice(start, end).map((imageSha) => ({
            awsEcrContainerAggregation: { resourceId: imageSha, repository: 'shop/bulk', imageSha, severityCounts: { all: 2, critical: 1, high: 0, medium: 0 } },
          }));
          return { aggregationType: 'AWS_ECR_CONTAINER', responses, ...(end < digests.length ? { nextToken: String(end) } : {}) };
        });
      } else {
        mock.on(ListFindingAggregationsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: {} }));
      }
      mock.on(ListFindingsCommand).resolves({ findings: [] });
      const client = new Inspector2Client({ region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
      const inspector = createInspectorAdapter(client, REGION);
      const report = await audit({ ...deps, adaptersFor: (region) => ({ ...deps.adaptersFor(region), inspector }) });
      const calls = { aggregations: mock.commandCalls(ListFindingAggregationsCommand).length, findings: mock.commandCalls(ListFindingsCommand).length };
      mock.restore();
      return { report, calls };
    };

    // Act
    const before = await run('denied');
    const after = await run('served');

    // Assess
    expect(repositoryOf(after.report, 'shop/bulk')?.wouldExpire.images).toBe(1000);
    expect(before.calls).toEqual({ aggregations: 1, findings: 1000 / MAX_FILTERS_PER_QUERY });
    expect(after.calls).toEqual({ aggregations: 1000 / MAX_AGGREGATION_PAGE, findings: 0 });
    expect(repositoryOf(after.report, 'shop/bulk')?.findingsLeaving).toMatchObject({ total: 2000, bySeverity: { CRITICAL: 1000, OTHER: 1000 }, source: 'aggregation' });
  });

  it('flags in-use images the current policy would expire', async () => {
    // Prepare
    const { ecr, ecs, deps } = account();
    const old = digestOf('old-running');
    ecr.withRepository('shop/legacy', { policy: OWN_POLICY }).withImages('shop/legacy', [
      { digest: old, tags: ['r1'], pushedAt: daysAgo(20) },
      { digest: digestOf('newer'), tags: ['r2'], pushedAt: daysAgo(5) },
    ]);
    ecs.withCluster('prod').withTask('prod', { containers: [running('shop/legacy', old, 'r1')] });

    // Act
    const report = await audit(deps);

    // Assess
    const legacy = repositoryOf(report, 'shop/legacy');
    expect(legacy?.atRiskUnderCurrentPolicy.map((r) => r.digest)).toEqual([old]);
    expect(legacy?.atRiskUnderTargetPolicy).toEqual([]);
    expect(report.totals.inUseAtRiskUnderCurrentPolicy).toBe(1);
    expect(report).toMatchObject({ kind: 'audit', readOnly: true, generatedAt: NOW.toISOString(), regions: [REGION] });
  });
});
