/**
 * `ecr-keeper sweep` and `audit` through `main`, over fake AWS ports: a named repository that does not
 * exist, --verbose decisions on stderr, and one warning per image outside the registries swept.
 */
import { describe, expect, it } from 'vitest';
import type { Region } from '../../src/lib/domain/types.js';
import type { SweepDeps } from '../../src/lib/sweep.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { digestOf } from '../helpers/factories.js';
import { FakeEcr, FakeEcs, fakeRegionAdapters } from '../helpers/fakes.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const REGION = 'us-east-1' as Region;
const OWN = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const OTHER = '999999999999.dkr.ecr.us-east-1.amazonaws.com';

/** An account with shop/api (one image run by three tasks) and three tasks running another account's image. */
const account = () => {
  const live = digestOf('live');
  const ecr = new FakeEcr({ now: () => NOW }).withImage('shop/api', { digest: live, tags: ['v1'], pushedAt: new Date('2026-11-01T00:00:00Z') });
  const ecs = new FakeEcs().withCluster('prod');
  for (let i = 0; i < 3; i++) {
    ecs.withTask('prod', { containers: [{ image: `${OWN}/shop/api:v1`, imageDigest: live }] });
    ecs.withTask('prod', { containers: [{ image: `${OTHER}/base/nginx:1.27`, imageDigest: digestOf('nginx') }] });
  }
  return { ecr, ecs, live };
};

const run = (args: readonly string[]): Promise<CliRun> => {
  const { ecr, ecs } = account();
  // eu-west-1 holds no repository and runs nothing; us-east-1 is read for consumers in every sweep.
  const empty = fakeRegionAdapters('eu-west-1' as Region, { ecr: new FakeEcr({ region: 'eu-west-1', now: () => NOW }), ecs: new FakeEcs({ region: 'eu-west-1' }) });
  return runCli(args, {
    sweepDeps: (config, log): SweepDeps => ({ config, log, now: () => NOW, adaptersFor: (region) => (region === REGION ? fakeRegionAdapters(region, { ecr, ecs }) : empty) }),
  });
};

const table = ['--region', REGION, '--output', 'table'];

describe('Command: sweep', () => {
  it('exits 2 and says "not found" for a named repository that exists in none of the regions swept, with no warning about images it never looked at', async () => {
    // Act
    const result = await run(['sweep', '--repository', 'shop/nope', ...table]);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`ecr-keeper: repository shop/nope not found in ${REGION}\n`);
    expect(result.stdout).toContain('0 repositories');
    expect(result.stdout).not.toContain('not protected');
  });

  it('sweeps a named repository that exists, with exit 0', async () => {
    // Act
    const result = await run(['sweep', '--repository', 'shop/api', ...table]);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('1 repository,');
    expect(result.stderr).toBe('');
  });

  it('warns once per image outside the registries swept, counting its uses, and never about its own registry', async () => {
    // Act
    const result = await run(['sweep', ...table]);
    const warnings = result.stdout.split('\n').filter((l) => l.startsWith('not protected'));

    // Assess
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${OTHER}/base/nginx:1.27`);
    expect(warnings[0]).toMatch(/\(3 uses\)$/);
    expect(result.stdout).not.toMatch(/not protected.*shop\/api/);
  });

  it('calls no image of the own registry "outside the registries" when the region swept holds no repository', async () => {
    // Act
    const result = await run(['sweep', '--region', 'eu-west-1', '--output', 'table']);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('0 repositories');
    expect(result.stdout).not.toContain(OWN);
  });

  it('logs every decision to stderr with --verbose, and nothing without it', async () => {
    // Prepare
    const { live } = account();

    // Act
    const quiet = await run(['sweep', ...table]);
    const verbose = await run(['sweep', '--verbose', ...table]);
    const lines = verbose.stderr.split('\n').filter((l) => l !== '');

    // Assess
    expect(quiet.stderr).toBe('');
    expect(lines.filter((l) => l.startsWith('debug protect ') && l.includes(live))).toHaveLength(2); // protection and home tag
    expect(lines.some((l) => l.startsWith('debug plan ') && l.includes('"repository":"us-east-1/shop/api"') && l.includes('"policy":"create"'))).toBe(true);
    expect(verbose.stdout).toBe(quiet.stdout);
  });
});

describe('Command: audit', () => {
  it('exits 2 and says "not found" for a named repository that does not exist', async () => {
    // Act
    const result = await run(['audit', '--repository', 'shop/nope', ...table]);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`repository shop/nope not found in ${REGION}`);
  });
});
