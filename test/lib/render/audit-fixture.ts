/**
 * A demo-like audit report for the renderer tests, built the real way: `runAudit` over the in-memory
 * fakes of one account. Five repositories (one excluded, one with its own policy, one holding an
 * in-use image with a CRITICAL finding, one with a hostile tag), findings on expiring images,
 * Inspector coverage with every scan state, and the pull guard keeping a recently pulled image.
 */
import { runAudit, type AuditReport } from '../../../src/lib/audit.js';
import type { CoveredImage, InspectorPort } from '../../../src/lib/aws/ports.js';
import { DEFAULT_CONFIG, parseConfig } from '../../../src/lib/config.js';
import { toAccountId, toRepositoryName, type Digest, type Region } from '../../../src/lib/domain/types.js';
import { silentLog } from '../../../src/lib/observability.js';
import type { SweepDeps } from '../../../src/lib/sweep.js';
import { digestOf } from '../../helpers/factories.js';
import { FakeBatch, FakeEcr, FakeEcs, FakeEvents, FakeInspector, FakeLambda, FakeScheduler } from '../../helpers/fakes.js';

export const FIXTURE_NOW = new Date('2026-11-23T12:00:00Z');
const REGION = 'us-east-1' as Region;
const ACCOUNT = '123456789012';
const HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`;
const MIB = 1024 ** 2;
const daysAgo = (days: number): Date => new Date(FIXTURE_NOW.getTime() - days * 86_400_000 - 3_600_000);

/** A tag that would run script if any renderer forgot to escape it. */
export const HOSTILE_TAG = '<script>window.__pwned=1</script>';
/** A tag that would break out of an HTML attribute, and out of a Markdown table cell. */
export const HOSTILE_ATTRIBUTE_TAG = '"><img src=x onerror=window.__pwned=2>|x';

const OWN_POLICY = JSON.stringify({
  rules: [
    { rulePriority: 1, description: 'Keep the newest 3 images', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 3 }, action: { type: 'expire' } },
  ],
});

/** Builds the report; `untaggedInApi` sizes the biggest repository (the Markdown cap is 20). */
export const buildFixtureAudit = async (untaggedInApi = 45): Promise<AuditReport> => {
  const ecr = new FakeEcr({ now: () => FIXTURE_NOW, readOnly: true });
  const ecs = new FakeEcs();
  const findings = new FakeInspector();
  const coverage: CoveredImage[] = [];
  const covered = (repository: string, digest: Digest, scanStatus: CoveredImage['scanStatus'], lastScannedAt?: Date): void => {
    coverage.push({
      resourceId: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${repository}/${digest}`,
      registryId: toAccountId(ACCOUNT),
      region: REGION,
      repository: toRepositoryName(repository),
      digest,
      tags: [],
      scanStatus,
      lastScannedAt,
    });
  };

  // shop/api: a 300-day-old image still runs in prod (with a CRITICAL finding), many old untagged builds.
  const live = digestOf('api-live');
  ecr.withImage('shop/api', { digest: live, tags: ['prod-1'], pushedAt: daysAgo(300), sizeBytes: 180 * MIB });
  findings.withFindings('shop/api', live, { CRITICAL: 2, HIGH: 5, MEDIUM: 9 });
  for (let i = 0; i < untaggedInApi; i += 1) {
    const digest = digestOf(`api-untagged-${i}`);
    ecr.withImage('shop/api', { digest, tags: [], pushedAt: daysAgo(10 + i), sizeBytes: (150 + i) * MIB });
    if (i % 3 === 0) findings.withFindings('shop/api', digest, { CRITICAL: i % 2, HIGH: 2, MEDIUM: 4, LOW: 7 });
    else if (i % 3 === 1) covered('shop/api', digest, { code: 'ACTIVE', reason: 'SUCCESSFUL' }, daysAgo(2));
    else if (i % 5 === 2) covered('shop/api', digest, { code: 'INACTIVE', reason: 'SCAN_ELIGIBILITY_EXPIRED' }, daysAgo(40));
  }
  ecs.withCluster('prod').withTask('prod', { containers: [{ image: `${HOST}/shop/api:prod-1`, imageDigest: live }] });

  // shop/web: a hostile tag on an old image the catch-all expires; a recently pulled old image the pull guard keeps.
  ecr.withImages('shop/web', [
    { digest: digestOf('web-new'), tags: ['prod-9'], pushedAt: daysAgo(3), sizeBytes: 60 * MIB },
    { digest: digestOf('web-hostile'), tags: [HOSTILE_TAG, HOSTILE_ATTRIBUTE_TAG], pushedAt: daysAgo(120), sizeBytes: 70 * MIB },
    { digest: digestOf('web-pulled'), tags: ['feature-x'], pushedAt: daysAgo(200), lastPulledAt: daysAgo(1), sizeBytes: 65 * MIB },
    { digest: digestOf('web-untagged'), tags: [], pushedAt: daysAgo(30), sizeBytes: 50 * MIB },
  ]);
  findings.withFindings('shop/web', digestOf('web-hostile'), { HIGH: 1, MEDIUM: 2 });

  // shop/worker: a few untagged builds, one never scanned.
  ecr.withImages('shop/worker', [
    { digest: digestOf('worker-1'), tags: ['prod-3'], pushedAt: daysAgo(5), sizeBytes: 300 * MIB },
    { digest: digestOf('worker-2'), tags: [], pushedAt: daysAgo(20), sizeBytes: 310 * MIB },
    { digest: digestOf('worker-3'), tags: [], pushedAt: daysAgo(25), sizeBytes: 320 * MIB },
  ]);
  covered('shop/worker', digestOf('worker-2'), { code: 'INACTIVE', reason: 'UNSUPPORTED_OS' });

  // shop/legacy: its own policy, kept in merge mode, so it drifts only by ecr-keeper's rules.
  ecr.withRepository('shop/legacy', { policy: OWN_POLICY });
  ecr.withImages('shop/legacy', [1, 2, 3, 4, 5, 6].map((n) => ({ digest: digestOf(`legacy-${n}`), tags: [`r${n}`], pushedAt: daysAgo(10 * n), sizeBytes: 40 * MIB })));

  // tools/ci: excluded by its tag.
  ecr.withRepository('tools/ci', { tags: { 'ecr-keeper:managed': 'false' } });
  ecr.withImage('tools/ci', { digest: digestOf('ci-1'), tags: [], pushedAt: daysAgo(60), sizeBytes: 10 * MIB });

  const inspector: InspectorPort = {
    region: findings.region,
    imagesInUseSince: (since) => findings.imagesInUseSince(since),
    findingsForImages: (repository, digests) => findings.findingsForImages(repository, digests),
    findingCountsForImages: (repository, digests) => findings.findingCountsForImages(repository, digests),
    ecrImageCoverage: async function* () {
      yield* coverage;
    },
  };
  const deps: SweepDeps = {
    config: parseConfig(DEFAULT_CONFIG),
    log: silentLog,
    now: () => FIXTURE_NOW,
    adaptersFor: (region) => ({ region, ecr, ecs, inspector, events: new FakeEvents(), scheduler: new FakeScheduler(), lambda: new FakeLambda(), batch: new FakeBatch() }),
  };
  let calls = 0;
  return runAudit({ ...deps, apiCalls: () => ({ 'ECR:DescribeImages': (calls += 7), 'Inspector2:ListCoverage': 1 }) }, { regions: [REGION] });
};
