/** The sweep table shows, in apply mode, the writes that landed; in a dry run, the plan. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSweepTable } from '../../src/cli/sweep-table.js';
import { parseConfig } from '../../src/lib/config.js';
import type { Region } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { runSweep, type SweepDeps } from '../../src/lib/sweep.js';
import { digestOf } from '../helpers/factories.js';
import { FakeEcr, FakeEcs, fakeRegionAdapters } from '../helpers/fakes.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const REGION = 'us-east-1' as Region;

describe('Function: renderSweepTable', () => {
  it('counts the tags that landed in apply mode (the plan after the re-check has none left) and the planned ones in a dry run', async () => {
    // Prepare
    const live = digestOf('live');
    const ecr = new FakeEcr({ now: () => NOW }).withImage('shop/api', { digest: live, tags: ['v1'], pushedAt: new Date('2026-11-01T00:00:00Z') });
    const ecs = new FakeEcs().withCluster('prod').withTask('prod', { containers: [{ image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api:v1`, imageDigest: live }] });
    const config = parseConfig(JSON.parse(readFileSync('config/default.json', 'utf8')));
    const deps: SweepDeps = { config, log: silentLog, now: () => NOW, adaptersFor: (region) => fakeRegionAdapters(region, { ecr, ecs }) };
    const rowOf = (table: string): string[] => (table.split('\n').find((l) => l.includes('shop/api')) ?? '').trim().split(/\s+/);

    // Act
    const dry = renderSweepTable(await runSweep(deps, { mode: 'dry-run', regions: [REGION] }));
    const applied = renderSweepTable(await runSweep(deps, { mode: 'apply', regions: [REGION] }));

    // Assess: region, repository, status, +tags, -tags, policy
    expect(rowOf(dry).slice(2, 6)).toEqual(['planned', '2', '0', 'create']);
    expect(rowOf(applied).slice(2, 6)).toEqual(['applied', '2', '0', 'create']);
    expect(applied).toContain('2 tags added');
  });
});
