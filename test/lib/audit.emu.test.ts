/**
 * The audit end to end against the emulator: it reads ECR, ECS and Inspector2 through the real
 * adapters, writes nothing (counted at the wire, and with write methods that throw), and reports
 * what would expire, by which rule, for how many bytes and dollars, with the findings that leave.
 */
import { PutLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import { beforeEach, describe, expect, it } from 'vitest';
import { writeCallsIn } from '../helpers/call-counter.js';
import { ECR_WRITE_METHODS, type EcrPort } from '../../src/lib/aws/ports.js';
import { runAudit, type AuditReport } from '../../src/lib/audit.js';
import { AuditReportSchema } from '../../src/lib/audit-schema.js';
import { awsCallCounts } from '../../src/lib/aws/clients.js';
import { toRepositoryName, type Digest } from '../../src/lib/domain/types.js';
import { buildTargetPolicy } from '../../src/lib/plan/target-policy.js';
import { createCluster, createRepository, daysAgo, pushImage, seedDemoAccount } from '../emulator/seed.js';
import {
  byOperation,
  emulatorAccount,
  pushSizedImage,
  runContainer,
  storedImages,
  storedPolicy,
  writesIn,
  type EmulatorAccount,
} from '../helpers/emulator-account.js';
import { useEmulator } from '../helpers/use-emulator.js';

const { emu, ecr: seedEcr, ecs: seedEcs } = useEmulator();
/** The audit's clock; every seeded time is relative to it (whole seconds: the emulator stores push times to the second). */
const NOW = new Date('2026-03-01T12:00:00.000Z');
const GIB = 1024 ** 3;
/** Every protected image gets its protection tag and its home tag. */
const TAGS_PER_PROTECTED_IMAGE = 2;

/** A team's own policy: keep one image, whatever its tags; it endangers the older running one. */
const LEGACY_POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'Keep only the newest image of any tag',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 },
      action: { type: 'expire' },
    },
  ],
});

interface Seeded {
  readonly live: Digest;
  /** Untagged images the baseline's untagged rule expires: 2 GiB (with findings), 1 GiB (closed finding only), 0.5 GiB. */
  readonly expiring: readonly [Digest, Digest, Digest];
  readonly freshUntagged: Digest;
  readonly legacyRunning: Digest;
  readonly legacyNewest: Digest;
}

let seeded: Seeded;

const repositoryOf = (report: AuditReport, name: string) => report.repositories.find((r) => r.repository === name);
const wrapWritesThrowing = (ecr: EcrPort): EcrPort => {
  const throwing = Object.fromEntries(
    ECR_WRITE_METHODS.map((method) => [method, () => Promise.reject(new Error(`audit attempted ${method}`))]),
  );
  return { ...ecr, ...throwing } as EcrPort;
};
const audit = (account: EmulatorAccount): Promise<AuditReport> => runAudit(account.deps, { regions: [account.region] });

beforeEach(async () => {
  const api = await createRepository(seedEcr, 'shop/api');
  const legacy = await createRepository(seedEcr, 'shop/legacy');
  const live = (await pushImage(seedEcr, emu.control, { repository: 'shop/api', tags: ['prod-5'], pushedAt: daysAgo(NOW, 3) })).digest;
  const sized = (bytes: number, age: number) => pushSizedImage(seedEcr, emu.control, { repository: 'shop/api', tags: [], pushedAt: daysAgo(NOW, age), bytes });
  const expiring = [await sized(2 * GIB, 30), await sized(GIB, 40), await sized(GIB / 2, 50)] as const;
  const freshUntagged = await sized(GIB, 2);
  const legacyRunning = (await pushImage(seedEcr, emu.control, { repository: 'shop/legacy', tags: ['r1'], pushedAt: daysAgo(NOW, 20) })).digest;
  const legacyNewest = (await pushImage(seedEcr, emu.control, { repository: 'shop/legacy', tags: ['r2'], pushedAt: daysAgo(NOW, 5) })).digest;
  await seedEcr.send(new PutLifecyclePolicyCommand({ repositoryName: 'shop/legacy', lifecyclePolicyText: LEGACY_POLICY }));
  const prod = await createCluster(seedEcs, 'green', { environment: 'prod' });
  await runContainer(seedEcs, emu.control, { cluster: prod, family: 'api', image: `${api.uri}:prod-5` });
  await runContainer(seedEcs, emu.control, { cluster: prod, family: 'legacy', image: `${legacy.uri}:r1` });
  await emu.seedFindings([
    { repositoryName: 'shop/api', imageDigest: expiring[0], severity: 'CRITICAL', title: 'CVE-2024-3094 - xz-utils' },
    { repositoryName: 'shop/api', imageDigest: expiring[0], severity: 'HIGH', title: 'CVE-2023-4911 - glibc' },
    { repositoryName: 'shop/api', imageDigest: expiring[1], severity: 'LOW', status: 'CLOSED' },
    // On the running image: does not leave.
    { repositoryName: 'shop/api', imageDigest: live, severity: 'MEDIUM' },
  ]);
  seeded = { live, expiring, freshUntagged, legacyRunning, legacyNewest };
});

describe('Function: runAudit (emulator)', () => {
  it('makes no write call and does not read a manifest (no pull)', async () => {
    // Prepare
    const account = emulatorAccount(emu, { now: NOW });

    // Act
    const report = await audit(account);

    // Assess
    expect(report.readOnly).toBe(true);
    expect(writesIn(account.counts)).toBe(0);
    expect(writeCallsIn(account.counts)).toBe(0);
    expect(byOperation(account.counts)['ECR:BatchGetImage']).toBeUndefined();
    // Nor a preview (ECR_PREVIEW_ACTIONS): only `--verify-with-preview` starts one, and the emulator has none.
    expect(byOperation(account.counts)['ECR:StartLifecyclePolicyPreview']).toBeUndefined();
    expect(byOperation(account.counts)['ECR:DescribeImages']).toBeGreaterThan(0);
    expect(byOperation(account.counts)['Inspector2:ListFindings']).toBeGreaterThan(0);
    expect(await storedPolicy(seedEcr, 'shop/api')).toBeUndefined();
    expect(await storedPolicy(seedEcr, 'shop/legacy')).toBe(LEGACY_POLICY);
  });

  it('succeeds with an ECR port whose write methods throw (no write path is even attempted)', async () => {
    // Prepare
    const account = emulatorAccount(emu, { now: NOW, wrapEcr: wrapWritesThrowing });

    // Act
    const report = await audit(account);

    // Assess
    await expect(account.adapters.ecr.putLifecyclePolicy(toRepositoryName('shop/api'), '{}')).rejects.toThrow('audit attempted putLifecyclePolicy');
    expect(report.failures).toEqual([]);
    expect(report.totals.repositories).toBe(2);
    expect(report.totals.expiringImages).toBe(3);
    expect(writesIn(account.counts)).toBe(0);
  });

  it('lists the expiring images by rule, with bytes, dollars and the Inspector findings that leave', async () => {
    // Prepare
    const account = emulatorAccount(emu, { now: NOW });

    // Act
    const report = await audit(account);

    // Assess
    const api = repositoryOf(report, 'shop/api');
    expect(api?.drift).toBe('missing');
    // One in-use image (the running prod-5): its protection tag and its home tag.
    expect(api?.protection).toEqual({ toAdd: 1 * TAGS_PER_PROTECTED_IMAGE, toRelease: 0 });
    expect(api?.wouldExpire.list.map((i) => i.digest).sort()).toEqual([...seeded.expiring].sort());
    expect(api?.wouldExpire.list.some((i) => i.digest === seeded.live || i.digest === seeded.freshUntagged)).toBe(false);
    // No policy yet: everything the target expires is newly expiring.
    expect(api?.newlyExpiring).toBe(seeded.expiring.length);
    // The running task, and the newest revision of its family `api`, which names the same image.
    expect(api?.keptBySource).toEqual({ task: 1, 'task-definition': 1 });
    // Sizes as ECR reports them: the sum of the layer sizes.
    const sizes = new Map((await storedImages(seedEcr, 'shop/api')).map((i) => [i.digest, i.sizeBytes ?? 0]));
    const bytes = seeded.expiring.reduce((n, d) => n + (sizes.get(d) ?? 0), 0);
    expect(bytes).toBe(3.5 * GIB);
    expect(api?.wouldExpire.bytes).toBe(bytes);
    expect(api?.wouldExpire.dollarsPerMonth).toBe(0.35); // 3.5 GiB at $0.10 per GiB-month
    const untaggedRule = buildTargetPolicy(account.deps.config, undefined).policy.rules.find((r) => r.description === 'ecr-keeper: untagged');
    expect(untaggedRule).toBeDefined();
    expect(api?.wouldExpire.byRule).toEqual([
      expect.objectContaining({ rulePriority: untaggedRule?.rulePriority, description: 'ecr-keeper: untagged', action: 'expire', images: 3, bytes }),
    ]);
    const withFindings = api?.wouldExpire.list.find((i) => i.digest === seeded.expiring[0]);
    expect(withFindings?.findings).toEqual({ total: 2, bySeverity: { CRITICAL: 1, HIGH: 1 } });
    // No coverage seeded: the two images without findings are "not scanned", not clean.
    expect(api?.findingsLeaving).toMatchObject({ total: 2, bySeverity: { CRITICAL: 1, HIGH: 1 }, scan: { findings: 1, clean: 0, notScanned: 2, scanStale: 0, inspectorUnavailable: 0 } });
    expect(report.totals).toMatchObject({
      expiringImages: 3,
      expiringBytes: bytes,
      dollarsPerMonth: 0.35,
      findingsLeaving: { total: 2, bySeverity: { CRITICAL: 1, HIGH: 1 } },
    });
  });

  it('tells clean from stale and unscanned by Inspector coverage, reports its own API calls as counted at the wire, and validates against the schema', async () => {
    // Prepare: expiring[1] scanned yesterday (its only finding is closed), expiring[2] last scanned 20 days ago
    await emu.seedCoverage([
      { repositoryName: 'shop/api', imageDigest: seeded.expiring[1], lastScannedAt: daysAgo(NOW, 1) },
      { repositoryName: 'shop/api', imageDigest: seeded.expiring[2], lastScannedAt: daysAgo(NOW, 20) },
    ]);
    const account = emulatorAccount(emu, { now: NOW });

    // Act
    const report = await runAudit({ ...account.deps, apiCalls: awsCallCounts }, { regions: [account.region] });

    // Assess
    const scans = repositoryOf(report, 'shop/api')?.wouldExpire.list.map((i) => [i.digest, i.scan]);
    expect(scans).toEqual(
      expect.arrayContaining([
        [seeded.expiring[0], 'findings'],
        [seeded.expiring[1], 'clean'],
        [seeded.expiring[2], 'scan-stale'],
      ]),
    );
    expect(report.inspector).toEqual([{ region: account.region, coverage: 'read', images: 2 }]);
    // The footer equals what the test's own counter saw at the wire, operation by operation.
    expect(report.apiCalls?.byOperation).toEqual(byOperation(account.counts));
    expect(report.apiCalls?.byOperation['Inspector2:ListCoverage']).toBe(1);
    const json: unknown = JSON.parse(JSON.stringify(report));
    expect(AuditReportSchema.parse(json)).toEqual(json);
  });

  it('flags an in-use image the current policy would expire', async () => {
    // Prepare
    const account = emulatorAccount(emu, { now: NOW });

    // Act
    const report = await audit(account);

    // Assess
    const legacy = repositoryOf(report, 'shop/legacy');
    expect(legacy?.atRiskUnderCurrentPolicy.map((r) => r.digest)).toEqual([seeded.legacyRunning]);
    expect(legacy?.atRiskUnderCurrentPolicy[0]?.decision.kind).toBe('expire');
    expect(legacy?.atRiskUnderTargetPolicy).toEqual([]);
    expect(legacy?.drift).toBe('drifted');
    // Merge keeps the repository's own any rule (last, in place of the catch-all): nothing is
    // dropped, and the baseline's catch-all is reported as left out (apart from the reasons).
    expect(legacy?.droppedOwnRules).toEqual([]);
    expect(legacy?.baselineLeftOut.map((o) => o.description)).toContain('ecr-keeper: catch-all');
    expect(legacy?.reasons.join(' ')).not.toContain('left out');
    expect(report.totals).toMatchObject({ inUseAtRiskUnderCurrentPolicy: 1, drifted: 1, missingPolicy: 1, inSync: 0, blocked: 0 });
    expect(report.inUse).toEqual({ images: 2, complete: true, foreign: 0, unresolved: 0 });
  });

  it('writes nothing over the demo account either, and sees its whole in-use set', async () => {
    // Prepare
    await emu.reset();
    const demo = await seedDemoAccount({ ecr: seedEcr, ecs: seedEcs }, emu.control, NOW);
    const account = emulatorAccount(emu, { now: NOW, wrapEcr: wrapWritesThrowing });

    // Act
    const report = await audit(account);

    // Assess
    expect(report.failures).toEqual([]);
    expect(writesIn(account.counts)).toBe(0);
    expect(byOperation(account.counts)['ECR:BatchGetImage']).toBeUndefined();
    // The running tasks' images, the service scaled to zero, and the stopped canary: the newest
    // revision of its family `shop-api-canary` still names its image (the family source).
    const inUse = new Set([...Object.values(demo.inUseDigests).flat(), demo.scaledToZero.digest, demo.stopped.digest]).size;
    expect(report.inUse).toMatchObject({ images: inUse, complete: true });
    expect(repositoryOf(report, demo.excludedRepository)?.drift).toBe('excluded');
    expect(report.totals.expiringImages).toBeGreaterThan(0);
    expect(await storedPolicy(seedEcr, 'shop/legacy')).toBe(demo.legacyPolicyText);
  });
});
