/**
 * Repository tags in bulk (issue 8): a whole-region sweep reads every repository's tags with one
 * `tag:GetResources` read; when that read fails it asks each repository, says so, and still
 * honours the exclusion tag. Over in-memory fakes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Tags, TaggingPort } from '../../src/lib/aws/ports.js';
import { parseConfig } from '../../src/lib/config.js';
import { toRegion } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { runSweep, type SweepReport } from '../../src/lib/sweep.js';
import { digestOf } from '../helpers/factories.js';
import { awsError, FakeEcr, fakeRegionAdapters } from '../helpers/fakes.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const region = toRegion('us-east-1');
const config = parseConfig(JSON.parse(readFileSync('config/default.json', 'utf8')));
const EXCLUDED = { 'ecr-keeper:managed': 'false' };

const registry = (): FakeEcr =>
  new FakeEcr({ region, now: () => NOW })
    .withRepository('shop/api', { tags: { team: 'shop' } })
    .withImage('shop/api', { digest: digestOf('api'), tags: ['v1'], pushedAt: new Date('2026-11-01T00:00:00Z') })
    .withRepository('legacy/tool', { tags: EXCLUDED })
    .withImage('legacy/tool', { digest: digestOf('tool'), tags: ['v1'], pushedAt: new Date('2026-11-01T00:00:00Z') });

/** Tagging over the fake registry's repository tags (read without recording), or failing with `error`. */
const tagging = (ecr: FakeEcr, error?: Error): TaggingPort & { readonly calls: number[] } => {
  const calls: number[] = [];
  return {
    region,
    calls,
    async repositoryTags() {
      calls.push(1);
      if (error !== undefined) throw error;
      return new Map<string, Tags>([
        [`arn:aws:ecr:us-east-1:${ecr.registryId}:repository/shop/api`, { team: 'shop' }],
        [`arn:aws:ecr:us-east-1:${ecr.registryId}:repository/legacy/tool`, EXCLUDED],
      ]);
    },
  };
};

const sweepWith = (ecr: FakeEcr, port: TaggingPort): Promise<SweepReport> =>
  runSweep({ config, log: silentLog, now: () => NOW, adaptersFor: () => fakeRegionAdapters(region, { ecr, tagging: port }) }, { mode: 'dry-run', regions: [region] });

describe('Function: runSweep (repository tags)', () => {
  it('reads every tag in one bulk call and nothing else of an excluded repository', async () => {
    // Prepare
    const ecr = registry();
    const port = tagging(ecr);

    // Act
    const report = await sweepWith(ecr, port);

    // Assess
    expect(port.calls).toHaveLength(1);
    expect(ecr.callsOf('repositoryTags')).toHaveLength(0);
    expect(report.repositories.find((o) => o.repository === 'legacy/tool')?.status).toBe('excluded');
    expect(ecr.callsOf('listImages').map((c) => c.args[0])).toEqual(['shop/api']);
    expect(ecr.callsOf('getLifecyclePolicy').map((c) => c.args[0])).toEqual(['shop/api']);
    expect(report.warnings).toEqual([]);
  });

  it('asks each repository when the bulk read is denied, warns, and still leaves the excluded one alone', async () => {
    // Prepare
    const ecr = registry();

    // Act
    const report = await sweepWith(ecr, tagging(ecr, awsError('AccessDeniedException', 'tag:GetResources')));

    // Assess
    expect(ecr.callsOf('repositoryTags')).toHaveLength(2);
    expect(report.repositories.find((o) => o.repository === 'legacy/tool')?.status).toBe('excluded');
    expect(report.repositories.find((o) => o.repository === 'shop/api')?.status).toBe('planned');
    expect(report.warnings).toEqual([expect.objectContaining({ scope: 'tagging:us-east-1', message: expect.stringContaining('AccessDeniedException') })]);
    expect(report.failures).toEqual([]);
  });
});
