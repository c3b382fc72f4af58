/**
 * Manifest reads of one sweep (issue 8): BatchGetImage takes 100 ids and counts as a pull, so the
 * sweep reads the manifests of every image it tags in one batched call just before the first
 * PutImage, and never reads a manifest twice: the index-children read, the first pass and the
 * re-checked pass share one cache per repository.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/lib/config.js';
import type { Digest, Region } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { runSweep, type SweepDeps, type SweepReport } from '../../src/lib/sweep.js';
import { digestOf } from '../helpers/factories.js';
import { FakeBatch, FakeEcr, FakeEcs, FakeEvents, FakeInspector, FakeLambda, FakeScheduler } from '../helpers/fakes.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const REGION = 'us-east-1' as Region;
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const INDEX = 'application/vnd.oci.image.index.v1+json';
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * 86_400_000 - 3_600_000);
const config = parseConfig(JSON.parse(readFileSync('config/default.json', 'utf8')));

const account = (): { ecr: FakeEcr; ecs: FakeEcs; deps: SweepDeps } => {
  const ecr = new FakeEcr({ now: () => NOW });
  const ecs = new FakeEcs();
  const deps: SweepDeps = {
    config,
    log: silentLog,
    now: () => NOW,
    adaptersFor: (region) => ({ region, ecr, ecs, inspector: new FakeInspector(), events: new FakeEvents(), scheduler: new FakeScheduler(), lambda: new FakeLambda(), batch: new FakeBatch() }),
  };
  return { ecr, ecs, deps };
};

const running = (repository: string, digest: Digest) => ({ image: `${HOST}/${repository}@${digest}`, imageDigest: digest });
const sweep = (deps: SweepDeps): Promise<SweepReport> => runSweep(deps, { mode: 'apply', regions: [REGION] });
const outcome = (report: SweepReport, repository: string) => report.repositories.find((o) => o.repository === repository);
/** The digests of every getManifests call, one array per call. */
const manifestReads = (ecr: FakeEcr): Digest[][] => ecr.callsOf('getManifests').map((c) => c.args[1] as Digest[]);

/** An image protected by an earlier sweep, out of use and idle past the grace period: its release makes a re-checked pass. */
const retired = (ecr: FakeEcr): Digest => {
  const digest = digestOf('retired');
  ecr.withImage('shop/api', { digest, tags: ['prod-v9', `prod-keep-${digest.slice(7)}`, `prod-kept-${digest.slice(7)}`], pushedAt: daysAgo(60), lastPulledAt: daysAgo(30) });
  return digest;
};

describe('Function: runSweep (manifest reads)', () => {
  it('reads the manifests of every image it tags in one call, right before the first PutImage', async () => {
    // Prepare: 120 in-use images in one repository, none protected yet (more than one BatchGetImage holds)
    const { ecr, ecs, deps } = account();
    const live = Array.from({ length: 120 }, (_, i) => digestOf(`live-${i}`));
    ecr.withImages('shop/api', live.map((digest, i) => ({ digest, tags: [`prod-v${i}`], pushedAt: daysAgo(i + 1) })));
    ecs.withCluster('prod');
    for (const digest of live) ecs.withTask('prod', { containers: [running('shop/api', digest)] });

    // Act
    const report = await sweep(deps);

    // Assess: one port call for all of them (the adapter sends one BatchGetImage per 100)
    expect(outcome(report, 'shop/api')?.status).toBe('applied');
    const tagsAdded = 2 * live.length; // a protection tag and a home tag each
    expect(outcome(report, 'shop/api')?.applied.tagsAdded).toBe(tagsAdded);
    expect(ecr.callsOf('putImageTag')).toHaveLength(tagsAdded);
    expect(manifestReads(ecr)).toHaveLength(1);
    expect([...(manifestReads(ecr)[0] ?? [])].sort()).toEqual([...live].sort());
    const methods = ecr.calls.map((c) => c.method);
    expect(methods.indexOf('getManifests')).toBe(methods.indexOf('putImageTag') - 1);
  });

  it('reads an in-use index once in a sweep: its children, its tags and the re-checked pass share the read', async () => {
    // Prepare: an in-use index and an in-use image, neither protected; a retired image whose release
    // makes the sweep plan the repository a second time after re-reading every consumer
    const { ecr, ecs, deps } = account();
    const [amd, arm] = [digestOf('child-amd64'), digestOf('child-arm64')];
    const index = digestOf('index');
    const plain = digestOf('plain');
    ecr
      .withImage('shop/api', { digest: amd, tags: [], pushedAt: daysAgo(40) })
      .withImage('shop/api', { digest: arm, tags: [], pushedAt: daysAgo(40) })
      .withImage('shop/api', {
        digest: index,
        tags: ['v1'],
        pushedAt: daysAgo(40),
        manifestMediaType: INDEX,
        manifestBody: JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [{ digest: amd }, { digest: arm }] }),
      })
      .withImage('shop/api', { digest: plain, tags: ['v2'], pushedAt: daysAgo(5) });
    retired(ecr);
    ecs.withCluster('prod').withTask('prod', { containers: [running('shop/api', index), running('shop/api', plain)] });

    // Act
    const report = await sweep(deps);

    // Assess: two passes, the index read for its children, then only the other image for its tags
    expect(report.inUse.releaseRecheck).toEqual({ complete: true, images: 2 });
    expect(ecr.callsOf('listImages')).toHaveLength(2);
    expect(outcome(report, 'shop/api')?.applied).toMatchObject({ tagsAdded: 4, tagsReleased: 1 });
    expect(manifestReads(ecr)).toEqual([[index], [plain]]);
    expect(outcome(report, 'shop/api')?.plan?.target?.affected.map((a) => a.digest) ?? []).not.toContain(amd);
  });

  it('reads no manifest again in the re-checked pass for an image tagged in the first', async () => {
    // Prepare: an in-use image to protect, and a retired image to release (so a second pass runs)
    const { ecr, ecs, deps } = account();
    const live = digestOf('live');
    ecr.withImage('shop/api', { digest: live, tags: ['v3'], pushedAt: daysAgo(3) });
    retired(ecr);
    ecs.withCluster('prod').withTask('prod', { containers: [running('shop/api', live)] });

    // Act
    const report = await sweep(deps);

    // Assess
    expect(report.inUse.releaseRecheck).toBeDefined();
    expect(outcome(report, 'shop/api')?.applied).toMatchObject({ tagsAdded: 2, tagsReleased: 1 });
    expect(manifestReads(ecr)).toEqual([[live]]);
  });

  it('fails at the step of an image that vanished before the batched read, after the steps before it landed', async () => {
    // Prepare: two in-use images; one is deleted while the sweep reads the manifests
    const { ecr, ecs, deps } = account();
    const [kept, gone] = [digestOf('kept'), digestOf('gone')];
    ecr.withImage('shop/api', { digest: kept, tags: ['v1'], pushedAt: daysAgo(3) }).withImage('shop/api', { digest: gone, tags: ['v2'], pushedAt: daysAgo(2) });
    ecs.withCluster('prod').withTask('prod', { containers: [running('shop/api', kept), running('shop/api', gone)] });
    ecr.failOn = (method) => {
      if (method === 'getManifests') ecr.deleteImage('shop/api', gone);
      return undefined;
    };

    // Act
    const report = await sweep(deps);

    // Assess: one read for both; every tag step before the vanished image's first landed, then the repository failed there
    const repository = outcome(report, 'shop/api');
    const steps = repository?.plan?.steps ?? [];
    const firstOfGone = steps.findIndex((s) => s.kind === 'add-tag' && s.digest === gone);
    expect(firstOfGone).toBeGreaterThanOrEqual(0);
    expect(manifestReads(ecr)).toHaveLength(1);
    expect([...(manifestReads(ecr)[0] ?? [])].sort()).toEqual([kept, gone].sort());
    expect(repository?.status).toBe('failed');
    expect(repository?.failure).toMatchObject({ action: 'ecr:BatchGetImage', code: 'ImageNotFoundException' });
    expect(repository?.failure?.message).toContain(`image ${gone} vanished`);
    expect(repository?.applied.tagsAdded).toBe(steps.slice(0, firstOfGone).filter((s) => s.kind === 'add-tag').length);
    expect(ecr.callsOf('putImageTag').every((c) => (c.args[1] as { digest: Digest }).digest === kept)).toBe(true);
  });
});
