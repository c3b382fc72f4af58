import { describe, expect, it } from 'vitest';
import type { ReportStore, StoredObject } from '../../src/lib/aws/ports.js';
import type { AuditReport } from '../../src/lib/audit.js';
import type { Digest, Region, RepositoryName } from '../../src/lib/domain/types.js';
import { AwsCallError } from '../../src/lib/errors.js';
import {
  LAMBDA_RESULT_LIMIT_BYTES,
  RENDERINGS,
  deliverAudit,
  deliverSweep,
  destinationFor,
  jsonBytes,
  reportKey,
  storeReport,
} from '../../src/lib/report-delivery.js';
import type { SweepReport } from '../../src/lib/sweep.js';

const REQUEST_ID = 'c6af9ac6-7b61-11e6-9a41-93e812345678';
const GENERATED_AT = '2026-03-01T12:00:00.000Z';

/** A store in memory: what was put, under which key and type. */
const memoryStore = (): ReportStore & { readonly objects: Map<string, { body: string; contentType: string }> } => {
  const objects = new Map<string, { body: string; contentType: string }>();
  return {
    objects,
    put: (key, body, contentType): Promise<StoredObject> => {
      objects.set(key, { body, contentType });
      return Promise.resolve({ bucket: 'reports-bucket', key });
    },
  };
};

const failingStore: ReportStore = {
  put: () => Promise.reject(new AwsCallError('s3:PutObject failed: AccessDenied: no', { action: 's3:PutObject', awsCode: 'AccessDenied' })),
};

const expiringImage = (repo: number, i: number): Record<string, unknown> => ({
  digest: `sha256:${(repo * 100_000 + i).toString(16).padStart(64, '0')}` as Digest,
  tags: Array.from({ length: 6 }, (_, t) => `build-${repo}-${i}-${t}`),
  action: 'expire',
  rulePriority: 900,
  ruleDescription: 'ecr-keeper: baseline - images older than 90 days',
  reason: 'pushed 120 days ago, more than 90 days: rule 900 (ecr-keeper: baseline - images older than 90 days) expires it',
  sizeBytes: 150_000_000,
  pushedAt: '2025-11-01T00:00:00.000Z',
  lastSeenAt: '2025-11-01T00:00:00.000Z',
  inUse: false,
  findings: { total: 12, bySeverity: { CRITICAL: 1, HIGH: 3, MEDIUM: 8 } },
});

const auditRepository = (repo: number, images: number): Record<string, unknown> => ({
  region: 'us-east-1' as Region,
  repository: `team-${repo}/service` as RepositoryName,
  status: 'planned',
  drift: 'drifted',
  reasons: [],
  protection: { toAdd: 0, toRelease: 0 },
  droppedOwnRules: [],
  keptBySource: { task: 2 },
  newlyExpiring: images,
  wouldExpire: { images, bytes: images * 150_000_000, dollarsPerMonth: 1_400, byRule: [], list: Array.from({ length: images }, (_, i) => expiringImage(repo, i)) },
  wouldArchive: { images: 0, bytes: 0 },
  findingsLeaving: { total: 12 * images, bySeverity: {}, possiblyUnscanned: 0, source: 'aggregation' },
  atRiskUnderCurrentPolicy: [],
  atRiskUnderTargetPolicy: [],
});

/**
 * The example: about 20 repositories of 1,000 images, each of which the policy would expire.
 * Shaped like an audit where delivery reads it (top-level fields, the repository count); cast, so
 * that fields added to the audit later do not break a test that is about size.
 */
const auditReport = (repositories: number, imagesEach: number): AuditReport =>
  ({
    kind: 'audit',
    readOnly: true,
    generatedAt: GENERATED_AT,
    regions: ['us-east-1' as Region],
    pricePerGbMonth: 0.1,
    inUse: { images: 40, complete: true, foreign: 0, unresolved: 0 },
    totals: {
      repositories,
      inSync: 0,
      drifted: repositories,
      missingPolicy: 0,
      blocked: 0,
      expiringImages: repositories * imagesEach,
      expiringBytes: repositories * imagesEach * 150_000_000,
      dollarsPerMonth: 28_000,
      findingsLeaving: { total: 0, bySeverity: {} },
      inUseAtRiskUnderCurrentPolicy: 0,
      keptBySource: { task: 40 },
    },
    repositories: Array.from({ length: repositories }, (_, r) => auditRepository(r, imagesEach)),
    failures: [],
  }) as unknown as AuditReport;

describe('Function: reportKey', () => {
  it('names the kind, the report time and the request', () => {
    expect(reportKey('audit', new Date(GENERATED_AT), REQUEST_ID, 'json')).toBe(`reports/audit/${GENERATED_AT}-${REQUEST_ID}.json`);
    expect(reportKey('sweep', new Date(GENERATED_AT), 'r', 'md')).toBe(`reports/sweep/${GENERATED_AT}-r.md`);
  });
});

describe('Function: storeReport', () => {
  it('writes the JSON, then each rendering under the same name with its own extension', async () => {
    // Prepare
    const store = memoryStore();
    const destination = { store, at: new Date(GENERATED_AT), requestId: REQUEST_ID };

    // Act
    const { reports } = await storeReport('audit', { a: 1 }, destination, [{ extension: 'md', contentType: 'text/markdown', render: (r) => `# ${r.a}` }]);

    // Assess
    expect(reports.map((s) => s.key)).toEqual([`reports/audit/${GENERATED_AT}-${REQUEST_ID}.json`, `reports/audit/${GENERATED_AT}-${REQUEST_ID}.md`]);
    expect(store.objects.get(reports[0]?.key ?? '')).toEqual({ body: '{"a":1}', contentType: 'application/json' });
    expect(store.objects.get(reports[1]?.key ?? '')).toEqual({ body: '# 1', contentType: 'text/markdown' });
  });

  it('keeps the JSON and names a rendering that failed', async () => {
    // Prepare
    const store = memoryStore();
    const broken = {
      extension: 'html',
      contentType: 'text/html',
      render: (): string => {
        throw new Error('no template');
      },
    };

    // Act
    const stored = await storeReport('audit', { a: 1 }, { store, at: new Date(GENERATED_AT), requestId: REQUEST_ID }, [broken]);

    // Assess
    expect(stored).toEqual({ reports: [{ bucket: 'reports-bucket', key: `reports/audit/${GENERATED_AT}-${REQUEST_ID}.json` }], renderingsNotStored: ['html: no template'] });
  });

  it('writes the Markdown and HTML renderings of the audit and the Markdown of the sweep', () => {
    expect(RENDERINGS.audit.map((r) => r.extension)).toEqual(['md', 'html']);
    expect(RENDERINGS.sweep.map((r) => r.extension)).toEqual(['md']);
  });
});

describe('Function: deliverAudit', () => {
  const large = auditReport(20, 1_000);

  it('returns a large audit as summary plus key, well inside the 6 MB Lambda result, with the whole report in the bucket', async () => {
    // Prepare
    const store = memoryStore();

    // Act
    const result = await deliverAudit(large, destinationFor(store, large.generatedAt, REQUEST_ID), []);

    // Assess: the report itself would not fit in a Lambda result
    expect(jsonBytes(large)).toBeGreaterThan(LAMBDA_RESULT_LIMIT_BYTES);
    expect(jsonBytes(result)).toBeLessThan(64 * 1024);
    expect(result).toMatchObject({
      kind: 'audit',
      totals: { repositories: 20, expiringImages: 20_000 },
      repositories: 20,
      reports: [{ bucket: 'reports-bucket', key: `reports/audit/${GENERATED_AT}-${REQUEST_ID}.json` }],
    });
    expect(JSON.parse(store.objects.get(`reports/audit/${GENERATED_AT}-${REQUEST_ID}.json`)?.body ?? 'null')).toEqual(large);
  });

  it('without a bucket returns a small audit whole, and a large one as its summary saying why', async () => {
    // Prepare
    const small = auditReport(2, 10);

    // Act
    const smallResult = await deliverAudit(small, undefined);
    const largeResult = await deliverAudit(large, undefined);

    // Assess
    expect(smallResult).toBe(small);
    expect(jsonBytes(largeResult)).toBeLessThan(LAMBDA_RESULT_LIMIT_BYTES);
    expect(largeResult).toMatchObject({ kind: 'audit', repositories: 20, truncated: expect.stringContaining('KEEPER_REPORT_BUCKET') });
  });

  it('says why the report was not stored, and still returns what fits', async () => {
    // Act
    const smallResult = await deliverAudit(auditReport(1, 1), destinationFor(failingStore, GENERATED_AT, REQUEST_ID), []);
    const largeResult = await deliverAudit(large, destinationFor(failingStore, GENERATED_AT, REQUEST_ID), []);

    // Assess
    expect(smallResult).toMatchObject({ kind: 'audit', repositories: [expect.objectContaining({ newlyExpiring: 1 })], reportNotStored: expect.stringContaining('AccessDenied') });
    expect(largeResult).toMatchObject({ repositories: 20, reportNotStored: expect.stringContaining('s3:PutObject'), truncated: expect.any(String) });
    expect(jsonBytes(largeResult)).toBeLessThan(LAMBDA_RESULT_LIMIT_BYTES);
  });
});

describe('Function: deliverSweep', () => {
  const sweep = { mode: 'apply', startedAt: GENERATED_AT, repositories: [] } as unknown as SweepReport;

  it('adds the key of the full report to the summary when there is a bucket', async () => {
    // Prepare
    const store = memoryStore();

    // Act
    const result = await deliverSweep(sweep, { ok: true }, destinationFor(store, sweep.startedAt, REQUEST_ID), []);

    // Assess
    expect(result).toEqual({ ok: true, reports: [{ bucket: 'reports-bucket', key: `reports/sweep/${GENERATED_AT}-${REQUEST_ID}.json` }] });
    expect(store.objects.get(`reports/sweep/${GENERATED_AT}-${REQUEST_ID}.json`)?.body).toBe(JSON.stringify(sweep));
  });

  it('returns the summary alone without a bucket, and with why when the write failed', async () => {
    expect(await deliverSweep(sweep, { ok: true }, undefined)).toEqual({ ok: true });
    expect(await deliverSweep(sweep, { ok: true }, destinationFor(failingStore, GENERATED_AT, REQUEST_ID), [])).toEqual({ ok: true, reportNotStored: expect.stringContaining('AccessDenied') });
  });
});
