/**
 * Issue 10's "done when" for the audit: every section of the report over one seeded account (two
 * regions, fakes) that holds an image with findings, one never scanned, an in-use image at risk
 * under the current policy, and a region where Inspector answers AccessDenied. The audit writes
 * nothing, and the report validates against the versioned schema.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_SCHEMA_VERSION, runAudit, type AuditReport } from '../../src/lib/audit.js';
import { AuditReportSchema } from '../../src/lib/audit-schema.js';
import type { RegionAdapters } from '../../src/lib/aws/ports.js';
import { DEFAULT_CONFIG, parseConfig } from '../../src/lib/config.js';
import { toRegion, type Region } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { digestOf } from '../helpers/factories.js';
import { awsError, FakeBatch, FakeEcr, FakeEcs, FakeEvents, FakeInspector, FakeLambda, FakeScheduler } from '../helpers/fakes.js';
import { simulatedPreview } from '../helpers/preview.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const US = toRegion('us-east-1');
const EU = toRegion('eu-west-1');
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * 86_400_000 - 3_600_000);
const LEGACY_POLICY = JSON.stringify({
  rules: [{ rulePriority: 1, description: 'Keep only the newest image of any tag', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
});

const live = digestOf('api-live');
const legacyRunning = digestOf('legacy-running');

const seed = () => {
  const usEcr = new FakeEcr({ region: US, now: () => NOW, readOnly: true });
  const euEcr = new FakeEcr({ region: EU, now: () => NOW, readOnly: true });
  const ecs = new FakeEcs({ region: US });
  const usInspector = new FakeInspector({ region: US });
  const euInspector = new FakeInspector({ region: EU });

  // shop/api (no policy): a running image with critical findings, and four untagged images that expire:
  // one with findings, one scanned two days ago (clean), one last scanned 20 days ago (stale), one never scanned.
  usEcr.withImages('shop/api', [
    { digest: live, tags: ['prod-7'], pushedAt: daysAgo(40) },
    ...['vulnerable', 'clean', 'stale', 'unscanned'].map((s) => ({ digest: digestOf(s), tags: [], pushedAt: daysAgo(30), sizeBytes: 1_000 })),
  ]);
  ecs.withCluster('prod').withTask('prod', { containers: [{ image: `${HOST}/shop/api:prod-7`, imageDigest: live }] });
  usInspector
    .withFindings('shop/api', live, { CRITICAL: 2, HIGH: 1 })
    .withFindings('shop/api', digestOf('vulnerable'), { CRITICAL: 1, MEDIUM: 3 })
    .withCoverage('shop/api', live, { lastScannedAt: daysAgo(1) })
    .withCoverage('shop/api', digestOf('vulnerable'), { lastScannedAt: daysAgo(1) })
    .withCoverage('shop/api', digestOf('clean'), { lastScannedAt: daysAgo(2) })
    .withCoverage('shop/api', digestOf('stale'), { lastScannedAt: daysAgo(20) });

  // shop/legacy: its own "keep the newest image" policy expires the older image that still runs.
  usEcr.withRepository('shop/legacy', { policy: LEGACY_POLICY }).withImages('shop/legacy', [
    { digest: legacyRunning, tags: ['r1'], pushedAt: daysAgo(20) },
    { digest: digestOf('legacy-newest'), tags: ['r2'], pushedAt: daysAgo(5) },
  ]);
  ecs.withTask('prod', { containers: [{ image: `${HOST}/shop/legacy:r1`, imageDigest: legacyRunning }] });

  // eu-west-1: Inspector refuses every call (not enabled, or not permitted).
  euEcr.withImages('eu/web', [{ digest: digestOf('eu-old'), tags: [], pushedAt: daysAgo(30) }]);
  euInspector.failOn = (method) => awsError('AccessDeniedException', method === 'ecrImageCoverage' || method === 'imagesInUseSince' ? 'inspector2:ListCoverage' : 'inspector2:ListFindings');

  const adapters = new Map<Region, RegionAdapters>([
    [US, { region: US, ecr: usEcr, ecs, inspector: usInspector, events: new FakeEvents(), scheduler: new FakeScheduler(), lambda: new FakeLambda(), batch: new FakeBatch(), preview: simulatedPreview(usEcr, NOW) }],
    [EU, { region: EU, ecr: euEcr, ecs: new FakeEcs({ region: EU }), inspector: euInspector, events: new FakeEvents(), scheduler: new FakeScheduler(), lambda: new FakeLambda(), batch: new FakeBatch(), preview: simulatedPreview(euEcr, NOW) }],
  ]);
  // A call counter as the CLI and the Lambda pass one (`awsCallCounts`): every port call counts.
  const fakes = [['ECR', usEcr], ['ECR', euEcr], ['Inspector2', usInspector], ['Inspector2', euInspector]] as const;
  const apiCalls = (): Readonly<Record<string, number>> => {
    const counts: Record<string, number> = {};
    for (const [service, fake] of fakes) for (const call of fake.calls) counts[`${service}:${call.method}`] = (counts[`${service}:${call.method}`] ?? 0) + 1;
    return counts;
  };
  const config = parseConfig({ ...(DEFAULT_CONFIG as Record<string, unknown>), regions: [US, EU] });
  const deps = { config, log: silentLog, now: () => NOW, adaptersFor: (region: Region) => adapters.get(region) ?? (adapters.get(US) as RegionAdapters), apiCalls };
  return { usEcr, euEcr, deps };
};

describe('Function: runAudit, every section over a seeded account', () => {
  let seeded: ReturnType<typeof seed>;
  let report: AuditReport;
  beforeAll(async () => {
    seeded = seed();
    report = await runAudit(seeded.deps, { regions: [US, EU], verifyWithPreview: { sample: 2 } });
  });
  const repositoryOf = (name: string) => report.repositories.find((r) => r.repository === name);

  it('header: kind, schema version, read-only, time and regions', () => {
    // Assess
    expect(report).toMatchObject({ kind: 'audit', schemaVersion: AUDIT_SCHEMA_VERSION, readOnly: true, generatedAt: NOW.toISOString(), regions: [US, EU] });
  });

  it('drift: missing and drifted, with a rule-by-rule diff; ecr-keeper\'s own rules never listed as dropped', () => {
    // Assess
    const api = repositoryOf('shop/api');
    const legacy = repositoryOf('shop/legacy');
    expect(api?.drift).toBe('missing');
    expect(api?.driftDiff.length).toBeGreaterThan(0);
    expect(api?.driftDiff.every((c) => c.change === 'added')).toBe(true);
    expect(legacy?.drift).toBe('drifted');
    expect(legacy?.driftDiff).toContainEqual(expect.objectContaining({ change: 'moved', description: 'Keep only the newest image of any tag', previousPriority: 1, rule: 'expire all images beyond the newest 1' }));
    expect(legacy?.droppedOwnRules).toEqual([]);
    expect(legacy?.baselineLeftOut.map((o) => o.description)).toEqual(['ecr-keeper: catch-all']);
    expect(report.totals).toMatchObject({ missingPolicy: 2, drifted: 1, inSync: 0 });
  });

  it('honest numbers: an image with findings, a clean one, a stale one, one never scanned, and Inspector denied apart', () => {
    // Assess
    const api = repositoryOf('shop/api');
    expect(api?.wouldExpire.list.map((i) => [i.digest, i.scan])).toEqual([
      [digestOf('vulnerable'), 'findings'],
      [digestOf('clean'), 'clean'],
      [digestOf('stale'), 'scan-stale'],
      [digestOf('unscanned'), 'not-scanned'],
    ]);
    expect(api?.findingsLeaving).toMatchObject({ total: 4, bySeverity: { CRITICAL: 1, MEDIUM: 3 }, source: 'aggregation' });
    expect(repositoryOf('eu/web')?.findingsLeaving.scan).toEqual({ findings: 0, clean: 0, notScanned: 0, scanStale: 0, inspectorUnavailable: 1 });
    expect(report.totals.scan).toEqual({ findings: 1, clean: 1, notScanned: 1, scanStale: 1, inspectorUnavailable: 1 });
    expect(report.inspector).toEqual([
      { region: US, coverage: 'read', images: 4 },
      { region: EU, coverage: 'unavailable', images: 0 },
    ]);
  });

  it('money: images, bytes and dollars that would go', () => {
    // Assess
    expect(repositoryOf('shop/api')?.wouldExpire).toMatchObject({ images: 4, bytes: 4_000 });
    expect(report.totals).toMatchObject({ expiringImages: 4 + 1 + 0, dollarsPerMonth: 0 });
  });

  it('in use: kept per source, the image at risk under the current policy, and "protected, but rebuild it"', () => {
    // Assess
    expect(report.inUse).toMatchObject({ images: 2, complete: true });
    expect(repositoryOf('shop/api')?.keptBySource).toMatchObject({ task: 1 });
    expect(report.totals.keptBySource).toMatchObject({ task: 2 });
    expect(repositoryOf('shop/legacy')?.atRiskUnderCurrentPolicy.map((r) => r.digest)).toEqual([legacyRunning]);
    expect(report.totals.inUseAtRiskUnderCurrentPolicy).toBe(1);
    expect(repositoryOf('shop/api')?.rebuild).toEqual([
      { digest: live, images: [`${HOST}/shop/api:prod-7`], keptBy: ['task'], findings: { total: 3, bySeverity: { CRITICAL: 2, HIGH: 1 } } },
    ]);
    expect(report.totals.rebuild).toBe(1);
  });

  it('failures: Inspector denied is no failure (findings of eu/web fail only their own count)', () => {
    // Assess
    expect(report.failures.map((f) => f.scope)).toEqual(['eu-west-1/eu/web']);
    expect(report.failures[0]).toMatchObject({ action: 'inspector2:ListFindings', code: 'AccessDeniedException' });
  });

  it('preview cross-check: the two repositories the policy acts on most agree with ECR', () => {
    // Assess
    expect(report.previewCheck).toMatchObject({ sample: 2, disagreements: 0, failed: 0 });
    expect(report.previewCheck?.repositories.map((c) => [c.repository, c.status])).toEqual([
      ['shop/api', 'agree'],
      ['eu/web', 'agree'],
    ]);
  });

  it('cost: the API calls the audit made, by operation', () => {
    // Assess
    expect(report.apiCalls?.byOperation).toMatchObject({ 'ECR:listImages': expect.any(Number), 'Inspector2:ecrImageCoverage': 2 });
    expect(report.apiCalls?.total).toBe(Object.values(report.apiCalls?.byOperation ?? {}).reduce((a, b) => a + b, 0));
  });

  it('makes no write call', () => {
    // Assess
    expect(seeded.usEcr.writeCalls()).toEqual([]);
    expect(seeded.euEcr.writeCalls()).toEqual([]);
  });

  it('validates against the versioned schema, field for field', () => {
    // Prepare
    const json: unknown = JSON.parse(JSON.stringify(report));

    // Act
    const parsed = AuditReportSchema.parse(json);

    // Assess: nothing stripped, nothing missing
    expect(parsed).toEqual(json);
  });
});
