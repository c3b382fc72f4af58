/**
 * The sweep's preview gate (config `verifyWithPreview`) over fakes: ECR's preview, as a port, checks
 * each target policy right before it is written; a disagreement or a spent budget holds the write.
 */
import { describe, expect, it } from 'vitest';
import type { PreviewedImage } from '../../src/lib/aws/ports.js';
import { DEFAULT_CONFIG, parseConfig } from '../../src/lib/config.js';
import { toRegion } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { createPreviewGate } from '../../src/lib/preview-gate.js';
import { runSweep, type SweepDeps } from '../../src/lib/sweep.js';
import { digestOf } from '../helpers/factories.js';
import { FakeEcr, fakeRegionAdapters } from '../helpers/fakes.js';
import { simulatedPreview } from '../helpers/preview.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const REGION = toRegion('us-east-1');
const OLD = new Date('2026-10-01T00:00:00Z');
const withGate = (budgetSeconds = 120) => parseConfig({ ...(DEFAULT_CONFIG as Record<string, unknown>), verifyWithPreview: { enabled: true, budgetSeconds } });

/** ECR's preview as the simulator models it, over the fake registry; `bend` changes its answer. */
const previewOver = (ecr: FakeEcr, bend?: (answer: PreviewedImage[]) => PreviewedImage[]) => {
  const texts: string[] = [];
  const port = simulatedPreview(ecr, NOW, { bend, onPreview: (_repository, policyText) => texts.push(policyText) });
  return { port, texts };
};

const sweep = async (options: { bend?: (answer: PreviewedImage[]) => PreviewedImage[]; budgetSeconds?: number; secondsPerPreview?: number } = {}) => {
  const ecr = new FakeEcr({ now: () => NOW })
    .withImages('shop/api', [{ digest: digestOf('api-old'), tags: [], pushedAt: OLD }])
    .withImages('shop/web', [{ digest: digestOf('web-old'), tags: [], pushedAt: OLD }]);
  const preview = previewOver(ecr, options.bend);
  const config = withGate(options.budgetSeconds);
  let ms = 0;
  // Read before and after each preview: each reading moves the clock one preview's time on.
  const clock = (): number => (ms += (options.secondsPerPreview ?? 1) * 1000);
  const deps: SweepDeps = {
    config: { ...config, concurrency: { ...config.concurrency, repositories: 1 } },
    log: silentLog,
    now: () => NOW,
    adaptersFor: (region) => fakeRegionAdapters(region, { ecr }),
    previewGate: createPreviewGate(config, { preview: () => preview.port, now: () => NOW, clock }),
  };
  const report = await runSweep(deps, { mode: 'apply', regions: [REGION] });
  return { ecr, report, texts: preview.texts };
};

describe('Function: createPreviewGate', () => {
  it('is off unless the config turns it on', () => {
    // Act
    const gate = createPreviewGate(parseConfig(DEFAULT_CONFIG), { preview: () => undefined, now: () => NOW });

    // Assess
    expect(gate).toBeUndefined();
  });

  it('lets the sweep write each target policy ECR agrees with, after checking exactly that text', async () => {
    // Act
    const { ecr, report, texts } = await sweep();

    // Assess
    expect(report.failures).toEqual([]);
    expect(ecr.policyOf('shop/api')).toBeDefined();
    expect(ecr.policyOf('shop/web')).toBeDefined();
    expect(texts.sort()).toEqual([ecr.policyOf('shop/api'), ecr.policyOf('shop/web')].sort());
  });

  it('holds the write where ECR disagrees, naming both answers, and writes the other repository', async () => {
    // Act: this ECR keeps shop/api's old image, which the simulator expires
    const { ecr, report } = await sweep({ bend: (answer) => answer.filter((a) => a.digest !== digestOf('api-old')) });

    // Assess
    expect(ecr.policyOf('shop/api')).toBeUndefined();
    expect(ecr.policyOf('shop/web')).toBeDefined();
    expect(report.repositories.find((r) => r.repository === 'shop/api')?.status).toBe('failed');
    expect(report.failures).toEqual([
      expect.objectContaining({ scope: 'us-east-1/shop/api', stage: 'apply', message: expect.stringMatching(/disagrees with the simulator on 1 images: sha256:\S+ \(untagged\): ECR KEEP, simulator EXPIRE rule \d+/) }),
    ]);
  });

  it('holds the writes it has no time left to check', async () => {
    // Act: the first preview takes the whole budget
    const { ecr, report } = await sweep({ budgetSeconds: 10, secondsPerPreview: 10 });

    // Assess
    const written = ['shop/api', 'shop/web'].filter((r) => ecr.policyOf(r) !== undefined);
    expect(written).toHaveLength(1);
    expect(report.failures).toEqual([expect.objectContaining({ stage: 'apply', message: expect.stringMatching(/preview budget \(10 s a sweep\) is spent/) })]);
  });
});
