/**
 * The preview cross-check over in-memory fakes: a preview port that answers as ECR would (the
 * simulator on the same images, in ECR's upper-case spelling) agrees; one that answers otherwise is
 * an error showing both answers. The adapter itself is tested with SDK mocks in `aws/ecr-preview.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../src/lib/audit.js';
import { choosePreviewSample, comparePreview, type PreviewCandidate } from '../../src/lib/audit-preview.js';
import type { LifecyclePreviewPort, PreviewedImage } from '../../src/lib/aws/ports.js';
import { DEFAULT_CONFIG, parseConfig } from '../../src/lib/config.js';
import { toRegion, toRepositoryName, type RepositoryName } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { digestOf, imageFactory } from '../helpers/factories.js';
import { FakeBatch, FakeEcr, FakeEcs, FakeEvents, FakeInspector, FakeLambda, FakeScheduler } from '../helpers/fakes.js';
import { simulatedPreview } from '../helpers/preview.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const REGION = toRegion('us-east-1');
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * 86_400_000 - 3_600_000);

/** ECR as the simulator models it, over the fake registry's images; `edit` bends its answer. */
const previewOver = (ecr: FakeEcr, edit?: (answer: PreviewedImage[]) => PreviewedImage[]) => {
  const calls: { repository: RepositoryName; policyText: string }[] = [];
  const port = simulatedPreview(ecr, NOW, { bend: edit, onPreview: (repository, policyText) => calls.push({ repository, policyText }) });
  return { port, calls };
};

const account = (preview?: LifecyclePreviewPort) => {
  const ecr = new FakeEcr({ now: () => NOW, readOnly: true });
  ecr.withImages('shop/many', [1, 2, 3].map((i) => ({ digest: digestOf(`many-${i}`), tags: [], pushedAt: daysAgo(30) })));
  ecr.withImages('shop/one', [{ digest: digestOf('one'), tags: [], pushedAt: daysAgo(30) }]);
  ecr.withImages('shop/none', [{ digest: digestOf('fresh'), tags: ['prod-1'], pushedAt: daysAgo(1) }]);
  const inspector = new FakeInspector();
  const deps = {
    config: parseConfig(DEFAULT_CONFIG),
    log: silentLog,
    now: () => NOW,
    adaptersFor: () => ({ region: REGION, ecr, ecs: new FakeEcs(), inspector, events: new FakeEvents(), scheduler: new FakeScheduler(), lambda: new FakeLambda(), batch: new FakeBatch(), preview }),
  };
  return { ecr, deps };
};

describe('Function: choosePreviewSample', () => {
  it('prefers the repositories the target policy acts on most, then region and name, deterministically', () => {
    // Prepare
    const candidate = (repository: string, actsOn: number, region = 'us-east-1'): PreviewCandidate => ({ region: toRegion(region), repository: toRepositoryName(repository), targetText: '{}', actsOn });
    const candidates = [candidate('team/b', 0), candidate('team/a', 5), candidate('team/c', 5, 'eu-west-1'), candidate('team/d', 1)];

    // Act
    const sample = choosePreviewSample(candidates, 3);

    // Assess
    expect(sample.map((c) => c.repository)).toEqual(['team/c', 'team/a', 'team/d']);
    expect(choosePreviewSample([...candidates].reverse(), 3)).toEqual(sample);
  });
});

describe('Function: comparePreview', () => {
  it('reports an image ECR acts on with another rule than the simulator', () => {
    // Prepare
    const image = imageFactory({ digest: digestOf('x'), tags: [], pushedAt: daysAgo(30) });
    const policy = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } }] });

    // Act
    const result = comparePreview([image], policy, [{ digest: image.digest, tags: [], action: 'EXPIRE', rulePriority: 2 }], NOW);

    // Assess
    expect(result.simulatorActsOn).toBe(1);
    expect(result.disagreements).toEqual([{ digest: image.digest, tags: [], ecr: { action: 'EXPIRE', rulePriority: 2 }, simulator: { action: 'EXPIRE', rulePriority: 1, reason: expect.any(String) } }]);
  });
});

describe('Function: runAudit with verifyWithPreview', () => {
  it('previews the sampled repositories one at a time with the target policy, and agrees with a faithful ECR', async () => {
    // Prepare
    const { ecr } = account();
    const faithful = previewOver(ecr);
    const { deps } = account(faithful.port);

    // Act
    const report = await runAudit(deps, { regions: [REGION], verifyWithPreview: { sample: 2 } });

    // Assess
    expect(faithful.calls.map((c) => c.repository)).toEqual(['shop/many', 'shop/one']);
    const target = report.repositories.find((r) => r.repository === 'shop/many');
    expect(target?.wouldExpire.images).toBe(3);
    expect(report.previewCheck).toMatchObject({ sample: 2, disagreements: 0, failed: 0 });
    expect(report.previewCheck?.repositories.map((c) => [c.repository, c.status, c.ecrActsOn, c.simulatorActsOn])).toEqual([
      ['shop/many', 'agree', 3, 3],
      ['shop/one', 'agree', 1, 1],
    ]);
    expect(report.failures).toEqual([]);
  });

  it('shows both answers for every image where ECR disagrees, and writes nothing', async () => {
    // Prepare: this ECR keeps one image the simulator expires
    const { ecr, deps: base } = account();
    const bent = previewOver(ecr, (answer) => answer.filter((a) => a.digest !== digestOf('many-2')));
    const deps = { ...base, adaptersFor: (region: typeof REGION) => ({ ...base.adaptersFor(), region, preview: bent.port }) };

    // Act
    const report = await runAudit(deps, { regions: [REGION], verifyWithPreview: { sample: 1 } });

    // Assess
    expect(report.previewCheck?.disagreements).toBe(1);
    expect(report.previewCheck?.repositories[0]).toMatchObject({
      repository: 'shop/many',
      status: 'disagree',
      disagreements: [{ digest: digestOf('many-2'), ecr: { action: 'KEEP' }, simulator: { action: 'EXPIRE', reason: expect.stringMatching(/pushed/) } }],
    });
    expect(ecr.writeCalls()).toEqual([]);
  });

  it('counts a region without a preview port as a failed check, reported in the failures', async () => {
    // Prepare
    const { deps } = account(undefined);

    // Act
    const report = await runAudit(deps, { regions: [REGION], verifyWithPreview: { sample: 1 } });

    // Assess
    expect(report.previewCheck).toMatchObject({ failed: 1, repositories: [{ repository: 'shop/many', status: 'failed' }] });
    expect(report.failures).toContainEqual(expect.objectContaining({ scope: 'us-east-1/shop/many', message: expect.stringMatching(/no lifecycle policy preview/) }));
  });
});
