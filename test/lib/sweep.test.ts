import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseConfig, type KeeperConfig } from '../../src/lib/config.js';
import type { Digest, ImageRecord, Region } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { parsePolicyOrThrow } from '../../src/lib/policy/parse.js';
import { runSweep, type SweepDeps, type SweepReport } from '../../src/lib/sweep.js';
import { agreedVerdicts } from '../helpers/agreed-verdicts.js';
import { digestOf } from '../helpers/factories.js';
import { awsError, FakeBatch, FakeEcr, FakeEcs, FakeEvents, FakeInspector, FakeLambda, FakeScheduler } from '../helpers/fakes.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const REGION = 'us-east-1' as Region;
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * 86_400_000 - 3_600_000);
const config: KeeperConfig = parseConfig(JSON.parse(readFileSync('config/default.json', 'utf8')));

/** One account in one region: fakes plus the deps the sweep takes. */
const account = (): { ecr: FakeEcr; ecs: FakeEcs; inspector: FakeInspector; deps: SweepDeps } => {
  const ecr = new FakeEcr({ now: () => NOW });
  const ecs = new FakeEcs();
  const inspector = new FakeInspector();
  const deps: SweepDeps = { config, log: silentLog, now: () => NOW, adaptersFor: (region) => ({ region, ecr, ecs, inspector, events: new FakeEvents(), scheduler: new FakeScheduler(), lambda: new FakeLambda(), batch: new FakeBatch() }) };
  return { ecr, ecs, inspector, deps };
};

const running = (repository: string, digest: Digest, tag = 'v1') => ({ image: `${HOST}/${repository}:${tag}`, imageDigest: digest });
const sweep = (deps: SweepDeps, mode: 'apply' | 'dry-run' = 'apply'): Promise<SweepReport> => runSweep(deps, { mode, regions: [REGION] });
const outcome = (report: SweepReport, repository: string) => report.repositories.find((o) => o.repository === repository);

/** What the stored policy would do to one stored image right now, by the simulator and the reference evaluator alike. */
const verdictOf = (ecr: FakeEcr, repository: string, digest: Digest) => {
  const text = ecr.policyOf(repository);
  if (text === undefined) throw new Error(`no policy on ${repository}`);
  return agreedVerdicts(parsePolicyOrThrow(text), ecr.imagesOf(repository), NOW).get(digest);
};

/** 40 prod releases, one a day, so the newest 30 are days 1..30. */
const prodReleases = (count = 40): Partial<ImageRecord>[] =>
  Array.from({ length: count }, (_, i) => ({ digest: digestOf(`api-${i}`), tags: [`prod-v${i}`], pushedAt: daysAgo(i + 1), sizeBytes: 10_000_000 }));

describe('Function: runSweep', () => {
  it('protects an old in-use prod image beyond the count rule, writes the baseline, and the written policy keeps it', async () => {
    // Prepare: a 300-day-old image still running in prod, ranked far beyond "keep 30" and older than 90 days
    const { ecr, ecs, deps } = account();
    const old = digestOf('old-but-running');
    ecr.withImages('shop/api', [...prodReleases(), { digest: old, tags: ['prod-v0.1'], pushedAt: daysAgo(300) }]);
    ecs.withCluster('prod', { tags: { environment: 'prod' } }).withTask('prod', { containers: [running('shop/api', old, 'prod-v0.1')] });

    // Act
    const report = await sweep(deps);

    // Assess
    expect(outcome(report, 'shop/api')?.status).toBe('applied');
    expect(ecr.tagsOf('shop/api', old)).toEqual(['prod-v0.1', `prod-keep-${old.slice(7)}`, `prod-kept-${old.slice(7)}`]);
    expect(verdictOf(ecr, 'shop/api', old)).toBe('keep');
    expect(verdictOf(ecr, 'shop/api', digestOf('api-35'))).toBe('expire');
    // Protection tag, then home tag, then the policy: the order the plan proved safe.
    expect(ecr.writeCalls().map((c) => (c.method === 'putImageTag' ? String(c.args[2]).slice(0, 10) : c.method))).toEqual(['prod-keep-', 'prod-kept-', 'putLifecyclePolicy']);
    expect(report.totals).toMatchObject({ tagsAdded: 2, policiesWritten: 1, blocked: 0, failed: 0 });
    expect(outcome(report, 'shop/api')?.applied).toMatchObject({ tagsAdded: 2, guardWritten: false, policyWritten: true });
  });

  it('makes zero write calls on a second sweep over an unchanged account', async () => {
    // Prepare
    const { ecr, ecs, deps } = account();
    const live = digestOf('api-3');
    ecr.withImages('shop/api', prodReleases()).withImage('shop/web', { digest: digestOf('web'), tags: ['dev-1'], pushedAt: daysAgo(2) });
    ecs.withCluster('prod').withTask('prod', { containers: [running('shop/api', live)] });
    await sweep(deps);
    const writesAfterFirst = ecr.writeCalls().length;

    // Act
    const second = await sweep(deps);

    // Assess
    expect(writesAfterFirst).toBe(4); // a protection tag and its home tag, two policies
    expect(ecr.writeCalls().length).toBe(writesAfterFirst);
    expect(second.totals).toMatchObject({ tagsAdded: 0, policiesWritten: 0, unchanged: 2 });
  });

  it('makes no write call in dry run, yet reports the full plan', async () => {
    // Prepare
    const { ecr, ecs, deps } = account();
    const live = digestOf('api-39');
    ecr.withImages('shop/api', prodReleases());
    ecs.withCluster('prod').withTask('prod', { containers: [running('shop/api', live)] });

    // Act
    const report = await sweep(deps, 'dry-run');

    // Assess
    expect(ecr.writeCalls()).toEqual([]);
    expect(ecr.callsOf('getManifests')).toEqual([]); // not even a pull
    const plan = outcome(report, 'shop/api')?.plan;
    expect(outcome(report, 'shop/api')?.status).toBe('planned');
    expect(plan?.tagsToAdd.map((t) => [t.digest, t.role])).toEqual([
      [live, 'protection'],
      [live, 'home'],
    ]);
    expect(plan?.steps.map((s) => s.kind)).toEqual(['add-tag', 'add-tag', 'put-policy']);
    expect(plan?.policy.change).toBe('create');
    expect(outcome(report, 'shop/api')?.applied).toEqual({ tagsAdded: 0, tagsAlreadyPresent: 0, tagsReleased: 0, guardWritten: false, policyWritten: false });
  });

  it('blocks a repository whose target policy would expire an in-use image, writes nothing there, and goes on', async () => {
    // Prepare: an archived image still referenced by a service revision; the repository's own rule expires archived images
    const { ecr, ecs, deps } = account();
    const archived = digestOf('archived-in-use');
    const ownPolicy = JSON.stringify({
      rules: [
        {
          rulePriority: 5,
          description: 'archived images go after 90 days',
          selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 90 },
          action: { type: 'expire' },
        },
      ],
    });
    ecr.withRepository('shop/batch', { policy: ownPolicy }).withImage('shop/batch', {
      digest: archived,
      tags: ['v1'],
      pushedAt: daysAgo(400),
      storageClass: 'archive',
      lastArchivedAt: daysAgo(200),
    });
    ecr.withImages('shop/api', prodReleases(3));
    ecs.withCluster('prod').withService('prod', 'batch', { desiredCount: 0, currentRevisions: [[running('shop/batch', archived)]] });

    // Act
    const report = await sweep(deps);

    // Assess
    const blocked = outcome(report, 'shop/batch');
    expect(blocked?.status).toBe('blocked');
    expect(blocked?.plan?.gate.atRisk.map((r) => r.digest)).toEqual([archived]);
    expect(ecr.policyOf('shop/batch')).toBe(ownPolicy);
    expect(ecr.writeCalls().filter((c) => c.args[0] === 'shop/batch')).toEqual([]);
    expect(outcome(report, 'shop/api')?.status).toBe('applied');
  });

  it('tags an in-use image in an immutable repository without error', async () => {
    // Prepare
    const { ecr, ecs, deps } = account();
    const live = digestOf('worker-live');
    ecr.withRepository('shop/worker', { tagMutability: 'IMMUTABLE' }).withImage('shop/worker', { digest: live, tags: ['1.0.0'], pushedAt: daysAgo(50) });
    ecs.withCluster('dev', { tags: { env: 'dev' } }).withTask('dev', { containers: [running('shop/worker', live, '1.0.0')], launchType: 'EC2' });

    // Act
    const report = await sweep(deps);

    // Assess
    expect(outcome(report, 'shop/worker')?.status).toBe('applied');
    expect(ecr.tagsOf('shop/worker', live)).toEqual(['1.0.0', `dev-keep-${live.slice(7)}`, `dev-kept-${live.slice(7)}`]);
  });

  it('never moves a protection tag when a moving tag like latest moves to a new image', async () => {
    // Prepare: `latest` runs in prod, then CI pushes a new `latest`
    const { ecr, ecs, deps } = account();
    const running1 = digestOf('latest-1');
    ecr.withImage('shop/api', { digest: running1, tags: ['latest'], pushedAt: daysAgo(10) });
    ecs.withCluster('prod').withTask('prod', { containers: [running('shop/api', running1, 'latest')] });
    await sweep(deps);
    const fresh = digestOf('latest-2');
    ecr.withImage('shop/api', { digest: fresh, tags: ['latest'], pushedAt: daysAgo(0) });

    // Act
    await sweep(deps);

    // Assess: the running image lost `latest` but keeps its own protection and home tags; the new image got none
    expect(ecr.tagsOf('shop/api', running1)).toEqual([`prod-keep-${running1.slice(7)}`, `prod-kept-${running1.slice(7)}`]);
    expect(ecr.tagsOf('shop/api', fresh)).toEqual(['latest']);
    expect(verdictOf(ecr, 'shop/api', running1)).toBe('keep');
  });

  it('reports a repository deleted mid-sweep as skipped and finishes the others', async () => {
    // Prepare
    const { ecr, deps } = account();
    ecr.withImages('shop/api', prodReleases(2)).withImages('shop/gone', prodReleases(2));
    ecr.failOn = (method, args) => {
      if (method === 'listImages' && args[0] === 'shop/gone') {
        ecr.deleteRepository('shop/gone');
        return awsError('RepositoryNotFoundException', 'ecr:DescribeImages', 'shop/gone');
      }
      return undefined;
    };

    // Act
    const report = await sweep(deps);

    // Assess
    expect(outcome(report, 'shop/gone')).toMatchObject({ status: 'skipped', reasons: ['repository was deleted during the sweep'] });
    expect(outcome(report, 'shop/api')?.status).toBe('applied');
  });

  it('records an access-denied repository as failed, with the IAM action, and applies the rest', async () => {
    // Prepare
    const { ecr, deps } = account();
    ecr.withImages('shop/api', prodReleases(2)).withImages('shop/locked', prodReleases(2));
    ecr.failOn = (method, args) => (method === 'putLifecyclePolicy' && args[0] === 'shop/locked' ? awsError('AccessDeniedException', 'ecr:PutLifecyclePolicy', 'shop/locked') : undefined);

    // Act
    const report = await sweep(deps);

    // Assess
    expect(outcome(report, 'shop/locked')?.status).toBe('failed');
    expect(report.failures).toEqual([expect.objectContaining({ scope: 'us-east-1/shop/locked', stage: 'apply', action: 'ecr:PutLifecyclePolicy', code: 'AccessDeniedException' })]);
    expect(ecr.policyOf('shop/api')).toBeDefined();
    expect(report.totals.failed).toBe(1);
  });

  it('writes no policy anywhere while the in-use set is incomplete, but still adds protection', async () => {
    // Prepare: one cluster's tasks cannot be read
    const { ecr, ecs, deps } = account();
    const live = digestOf('api-1');
    ecr.withImages('shop/api', prodReleases(5));
    ecs.withCluster('prod').withTask('prod', { containers: [running('shop/api', live)] }).withCluster('secret');
    ecs.failOn = (method, args) => (method === 'listTasks' && String(args[0]).endsWith('/secret') ? awsError('AccessDeniedException', 'ecs:ListTasks') : undefined);

    // Act
    const report = await sweep(deps);

    // Assess
    expect(report.inUse.complete).toBe(false);
    expect(ecr.policyOf('shop/api')).toBeUndefined();
    expect(ecr.tagsOf('shop/api', live)).toContain(`prod-keep-${live.slice(7)}`);
    expect(report.failures.some((f) => f.stage === 'in-use' && f.code === 'AccessDeniedException')).toBe(true);
  });

  it('applies the baseline to only the named repository (CreateRepository)', async () => {
    // Prepare
    const { ecr, ecs, deps } = account();
    ecr.withRepository('shop/new').withImages('shop/api', prodReleases(2));

    // Act
    const report = await runSweep(deps, { mode: 'apply', regions: [REGION], repositories: ['shop/new' as never] });

    // Assess
    expect(report.repositories.map((o) => o.repository)).toEqual(['shop/new']);
    expect(ecr.policyOf('shop/new')).toContain('ecr-keeper: protection (prod)');
    expect(ecr.policyOf('shop/api')).toBeUndefined();
    // Only an empty repository was in scope: nothing to protect, so no consumer was read.
    expect(report.inUse.discoverySkipped).toBe(true);
    expect(ecs.calls).toEqual([]);
    expect(report.regions).toEqual([{ region: REGION, planned: true, repositories: 1, ok: true }]);
  });

  it('reads every consumer when a named repository already holds an image (CreateRepository of a repository that exists)', async () => {
    // Prepare
    const { ecr, ecs, deps } = account();
    const live = digestOf('new-live');
    ecr.withImage('shop/new', { digest: live, tags: ['v1'], pushedAt: daysAgo(100) });
    ecs.withCluster('prod').withTask('prod', { containers: [running('shop/new', live)] });

    // Act
    const report = await runSweep(deps, { mode: 'apply', regions: [REGION], repositories: ['shop/new' as never] });

    // Assess
    expect(report.inUse.discoverySkipped).toBe(false);
    // Once to plan, once more just before the policy write (the re-check).
    expect(ecs.callsOf('listClusters')).toHaveLength(2);
    expect(report.inUse.releaseRecheck).toEqual({ complete: true, images: 1 });
    expect(ecr.tagsOf('shop/new', live)).toEqual(['v1', `prod-keep-${live.slice(7)}`, `prod-kept-${live.slice(7)}`]);
  });

  it('leaves an excluded repository alone', async () => {
    // Prepare
    const { ecr, deps } = account();
    ecr.withRepository('tools/ci', { tags: { 'ecr-keeper:managed': 'false' } }).withImages('tools/ci', prodReleases(40));

    // Act
    const report = await sweep(deps);

    // Assess
    expect(outcome(report, 'tools/ci')?.status).toBe('excluded');
    expect(ecr.writeCalls()).toEqual([]);
  });

  it('releases protection of an image out of use past the grace period, and treats an already-removed tag as released', async () => {
    // Prepare: an image protected long ago, no longer run, last pulled 30 days ago
    const { ecr, deps } = account();
    const retired = digestOf('retired');
    const tag = `prod-keep-${retired.slice(7)}`;
    ecr.withImage('shop/api', { digest: retired, tags: ['prod-v9', tag], pushedAt: daysAgo(60), lastPulledAt: daysAgo(30) });
    ecr.failOn = (method) => (method === 'removeImageTag' ? awsError('ImageNotFound', 'ecr:BatchDeleteImage', 'shop/api') : undefined);

    // Act
    const report = await sweep(deps);

    // Assess
    const released = outcome(report, 'shop/api');
    expect(released?.plan?.tagsToRelease.map((t) => t.tag)).toEqual([tag]);
    expect(released?.status).toBe('applied');
    expect(released?.applied.tagsReleased).toBe(1);
    expect(report.failures).toEqual([]);
  });

  describe('releases (held back to a second pass after a fresh in-use read)', () => {
    /** An image protected by an earlier sweep (protection and home tag), out of use, last pulled 30 days ago. */
    const retiredImage = (ecr: FakeEcr): { digest: Digest; protection: string; home: string } => {
      const digest = digestOf('retired-with-home');
      const protection = `prod-keep-${digest.slice(7)}`;
      const home = `prod-kept-${digest.slice(7)}`;
      ecr.withImage('shop/api', { digest, tags: ['prod-v9', protection, home], pushedAt: daysAgo(60), lastPulledAt: daysAgo(30) });
      return { digest, protection, home };
    };

    it('releases the protection tag of an image out of use past the grace period after re-reading every consumer, keeping its home tag, and treats an already-removed tag as released', async () => {
      // Prepare
      const { ecr, ecs, deps } = account();
      const { digest, protection, home } = retiredImage(ecr);
      ecr.failOn = (method) => (method === 'removeImageTag' ? awsError('ImageNotFound', 'ecr:BatchDeleteImage', 'shop/api') : undefined);

      // Act
      const report = await sweep(deps);

      // Assess
      const released = outcome(report, 'shop/api');
      expect(released?.plan?.tagsToRelease.map((t) => t.tag)).toEqual([protection]);
      expect(released?.status).toBe('applied');
      expect(released?.applied.tagsReleased).toBe(1);
      expect(report.failures).toEqual([]);
      expect(report.inUse.releaseRecheck).toEqual({ complete: true, images: 0 });
      expect(ecs.callsOf('listClusters')).toHaveLength(2); // the first read and the re-check
      expect(ecr.callsOf('removeImageTag').map((c) => c.args)).toEqual([['shop/api', protection]]);
      // The policy was written in the first pass, the release made in the second.
      expect(ecr.writeCalls().map((c) => c.method)).toEqual(['putLifecyclePolicy', 'removeImageTag']);
      expect(ecr.tagsOf('shop/api', digest)).toContain(home);
    });

    it('lists releases in a dry run without making them or re-reading consumers', async () => {
      // Prepare
      const { ecr, ecs, deps } = account();
      const { digest, protection } = retiredImage(ecr);

      // Act
      const report = await sweep(deps, 'dry-run');

      // Assess
      const plan = outcome(report, 'shop/api')?.plan;
      expect(plan?.steps.filter((s) => s.kind === 'remove-tag')).toEqual([{ kind: 'remove-tag', digest, tag: protection }]);
      expect(ecr.writeCalls()).toEqual([]);
      expect(report.inUse.releaseRecheck).toBeUndefined();
      expect(ecs.callsOf('listClusters')).toHaveLength(1);
      expect(report.totals.tagsReleased).toBe(0);
    });

    it('keeps the protection of an image a task starts to use between the first read and the release', async () => {
      // Prepare: the image is idle at the first read; a rollback starts it before the re-check
      const { ecr, ecs, deps } = account();
      const { digest, protection } = retiredImage(ecr);
      ecs.withCluster('prod');
      let reads = 0;
      ecs.failOn = (method) => {
        if (method === 'listClusters' && ++reads === 2) ecs.withTask('prod', { containers: [running('shop/api', digest, 'prod-v9')] });
        return undefined;
      };

      // Act
      const report = await sweep(deps);

      // Assess
      expect(outcome(report, 'shop/api')?.plan?.tagsToRelease).toEqual([]);
      expect(ecr.callsOf('removeImageTag')).toEqual([]);
      expect(ecr.tagsOf('shop/api', digest)).toContain(protection);
      expect(report.inUse.releaseRecheck).toEqual({ complete: true, images: 1 });
      expect(verdictOf(ecr, 'shop/api', digest)).toBe('keep');
    });

    it('releases nothing when the re-check cannot read every consumer', async () => {
      // Prepare
      const { ecr, ecs, deps } = account();
      const { digest, protection } = retiredImage(ecr);
      ecs.withCluster('prod');
      let reads = 0;
      ecs.failOn = (method) => (method === 'listClusters' && ++reads === 2 ? awsError('AccessDeniedException', 'ecs:ListClusters') : undefined);

      // Act
      const report = await sweep(deps);

      // Assess
      expect(ecr.callsOf('removeImageTag')).toEqual([]);
      expect(ecr.tagsOf('shop/api', digest)).toContain(protection);
      expect(report.inUse.releaseRecheck?.complete).toBe(false);
      expect(report.failures.some((f) => f.stage === 'in-use' && f.message.startsWith('re-check before release'))).toBe(true);
    });
  });
});

describe('Function: runSweep report image lists', () => {
  /** Five repositories of 40 prod releases (10 beyond the baseline's newest 30 expire in each). */
  const fiveRepositories = (overrides: Record<string, unknown>): SweepDeps => {
    const { ecr, deps } = account();
    for (const name of ['a', 'b', 'c', 'd', 'e']) ecr.withImages(`shop/${name}`, prodReleases().map((image) => ({ ...image, digest: digestOf(`${name}-${String(image.digest)}`) })));
    return { ...deps, config: parseConfig({ ...JSON.parse(readFileSync('config/default.json', 'utf8')), ...overrides }) };
  };

  it('shares reportImagesTotal between the repositories swept, keeping every count exact', async () => {
    // Prepare: 10 entries a list for 5 repositories is 2 each
    const deps = fiveRepositories({ reportImagesTotal: 10 });

    // Act
    const report = await sweep(deps, 'dry-run');

    // Assess
    expect(report.repositories).toHaveLength(5);
    for (const o of report.repositories) {
      expect(o.plan?.target?.expiringImages).toBe(10);
      expect(o.plan?.target?.affected).toHaveLength(2);
      expect(o.plan?.target?.affectedTruncated).toBe(8);
      expect(o.plan?.newlyExpiring).toHaveLength(2);
      expect(o.plan?.newlyExpiringTruncated).toBe(8);
    }
  });

  it('keeps at most reportImagesPerRepository a list, and every entry when asked to (the audit)', async () => {
    // Prepare
    const deps = fiveRepositories({ reportImagesTotal: 1_000, reportImagesPerRepository: 3 });

    // Act
    const capped = await sweep(deps, 'dry-run');
    const whole = await sweep({ ...deps, reportAllImages: true }, 'dry-run');

    // Assess
    expect(capped.repositories.map((o) => o.plan?.target?.affected.length)).toEqual([3, 3, 3, 3, 3]);
    expect(whole.repositories.map((o) => o.plan?.target?.affected.length)).toEqual([10, 10, 10, 10, 10]);
    expect(whole.repositories.every((o) => o.plan?.target?.affectedTruncated === undefined)).toBe(true);
  });
});
