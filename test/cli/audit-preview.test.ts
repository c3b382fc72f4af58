/**
 * `ecr-keeper audit --verify-with-preview [--sample N]` through `main`, over fake ports: a preview
 * port that answers as ECR would agrees (exit 0); one that keeps an image the simulator expires is a
 * disagreement (exit 1, both answers in the JSON, one line on stderr).
 */
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/lib/audit.js';
import type { PreviewedImage } from '../../src/lib/aws/ports.js';
import type { Region } from '../../src/lib/domain/types.js';
import type { SweepDeps } from '../../src/lib/sweep.js';
import { runCli } from '../helpers/cli.js';
import { digestOf } from '../helpers/factories.js';
import { FakeEcr, fakeRegionAdapters } from '../helpers/fakes.js';
import { simulatedPreview } from '../helpers/preview.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const REGION = 'us-east-1' as Region;
const OLD = new Date('2026-10-01T00:00:00Z');

const run = async (args: readonly string[], bend: (answer: PreviewedImage[]) => PreviewedImage[] = (a) => a) => {
  const ecr = new FakeEcr({ now: () => NOW })
    .withImages('shop/api', [1, 2].map((i) => ({ digest: digestOf(`api-${i}`), tags: [], pushedAt: OLD })))
    .withImages('shop/web', [{ digest: digestOf('web-1'), tags: [], pushedAt: OLD }]);
  const previewed: string[] = [];
  const preview = simulatedPreview(ecr, NOW, { bend, onPreview: (repository) => previewed.push(repository) });
  const result = await runCli(args, {
    sweepDeps: (config, log): SweepDeps => ({ config, log, now: () => NOW, adaptersFor: (region) => fakeRegionAdapters(region, { ecr, preview }) }),
  });
  return { ...result, previewed, ecr };
};

const json = ['audit', '--region', REGION, '--output', 'json'];

describe('Command: audit --verify-with-preview', () => {
  it('previews the repository the target policy acts on most (--sample 1) and exits 0 when ECR agrees', async () => {
    // Act
    const result = await run([...json, '--verify-with-preview', '--sample', '1']);

    // Assess
    const report = JSON.parse(result.stdout) as AuditReport;
    expect(result.previewed).toEqual(['shop/api']);
    expect(report.previewCheck).toMatchObject({ sample: 1, disagreements: 0, repositories: [{ repository: 'shop/api', status: 'agree', ecrActsOn: 2, simulatorActsOn: 2 }] });
    expect(result.status).toBe(0);
    expect(result.ecr.writeCalls()).toEqual([]);
  });

  it('exits 1 with both answers when ECR disagrees', async () => {
    // Act: this ECR keeps shop/api's second image
    const result = await run([...json, '--verify-with-preview'], (answer) => answer.filter((a) => a.digest !== digestOf('api-2')));

    // Assess
    const report = JSON.parse(result.stdout) as AuditReport;
    expect(result.previewed).toEqual(['shop/api', 'shop/web']);
    expect(report.previewCheck?.repositories[0]?.disagreements).toEqual([
      { digest: digestOf('api-2'), tags: [], ecr: { action: 'KEEP' }, simulator: { action: 'EXPIRE', rulePriority: expect.any(Number), reason: expect.any(String) } },
    ]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/preview disagrees with the simulator on 1 images/);
  });

  it('runs no preview without the option, and refuses a sample that is not a positive number', async () => {
    // Act
    const plain = await run(json);
    const bad = await run([...json, '--sample', '0']);

    // Assess
    expect(plain.previewed).toEqual([]);
    expect((JSON.parse(plain.stdout) as AuditReport).previewCheck).toBeUndefined();
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/not a positive whole number/);
  });
});
