/**
 * Report formats and progress of `ecr-keeper sweep` and `audit` through `main`, over fake AWS ports:
 * Markdown and HTML, `--out`, the images a plan would expire listed per repository, and the
 * progress line and closing table on stderr only when stderr is a terminal.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { terminalProgress } from '../../src/cli/progress.js';
import type { Region } from '../../src/lib/domain/types.js';
import { TABLE_EXPIRING_PER_REPOSITORY } from '../../src/lib/render/sweep.js';
import type { SweepDeps } from '../../src/lib/sweep.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { digestOf } from '../helpers/factories.js';
import { FakeEcr, FakeEcs, fakeRegionAdapters } from '../helpers/fakes.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const REGION = 'us-east-1' as Region;
const UNTAGGED = 14;
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * 86_400_000);

interface Run extends CliRun {
  readonly ecr: FakeEcr;
}

/** shop/api with one tagged image and 14 untagged ones the baseline expires; shop/web with nothing to expire. */
const run = async (args: readonly string[], tty: { stdout?: boolean; stderr?: boolean } = {}): Promise<Run> => {
  const ecr = new FakeEcr({ now: () => NOW }).withImage('shop/api', { digest: digestOf('v1'), tags: ['v1'], pushedAt: daysAgo(3) });
  for (let i = 0; i < UNTAGGED; i++) ecr.withImage('shop/api', { digest: digestOf(`old-${i}`), tags: [], pushedAt: daysAgo(20 + i), sizeBytes: 1024 ** 2 });
  ecr.withImage('shop/web', { digest: digestOf('web'), tags: ['w1'], pushedAt: daysAgo(1) });
  const ecs = new FakeEcs();
  const result = await runCli(args, {
    isTty: tty.stdout ?? false,
    stderrIsTty: tty.stderr ?? false,
    sweepDeps: (config, log): SweepDeps => ({ config, log, now: () => NOW, adaptersFor: (region) => fakeRegionAdapters(region, { ecr, ecs }) }),
  });
  return { ...result, ecr };
};

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('Command: sweep (formats)', () => {
  it(`lists in the table, per repository, the images the plan would expire, ${TABLE_EXPIRING_PER_REPOSITORY} at most and then how many more`, async () => {
    // Act
    const result = await run(['sweep', '--region', REGION, '--output', 'table']);
    const lines = result.stdout.split('\n');
    const heading = lines.findIndex((l) => l.startsWith('shop/api (us-east-1): the plan would expire'));

    // Assess
    expect(result.status).toBe(0);
    expect(lines[heading]).toBe(`shop/api (us-east-1): the plan would expire ${UNTAGGED} images, ${UNTAGGED}.0 MiB`);
    expect(lines.slice(heading + 1, heading + 1 + TABLE_EXPIRING_PER_REPOSITORY).every((l) => /^ {2}sha256:[0-9a-f]{12}… {2}untagged {2}pushed \d{4}-\d{2}-\d{2} {2}rule \d+: expired by rule/.test(l))).toBe(true);
    expect(lines[heading + 1 + TABLE_EXPIRING_PER_REPOSITORY]).toBe(`  … and ${UNTAGGED - TABLE_EXPIRING_PER_REPOSITORY} more`);
    expect(result.stdout).not.toContain('shop/web (us-east-1): the plan');
  });

  it('renders Markdown with a section of expiring images per repository', async () => {
    // Act
    const result = await run(['sweep', '--region', REGION, '--output', 'markdown']);

    // Assess
    expect(result.stdout).toMatch(/^## ecr-keeper sweep \(dry run: nothing written\)/);
    expect(result.stdout).toContain(`### shop/api (us-east-1): ${UNTAGGED} images to expire`);
    expect(result.stdout.split('\n').filter((l) => l.startsWith('| `sha256:'))).toHaveLength(UNTAGGED);
  });
});

describe('Command: audit (formats)', () => {
  it('renders Markdown to stdout', async () => {
    // Act
    const result = await run(['audit', '--region', REGION, '--output', 'markdown']);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^## ecr-keeper audit\n/);
    expect(result.stdout).toContain(`**would expire ${UNTAGGED} images`);
    expect(result.stdout).toContain('| shop/api | us-east-1 | missing |');
  });

  it('writes the HTML page to --out, saying where on stderr, and nothing to stdout', async () => {
    // Prepare
    dir = mkdtempSync(join(tmpdir(), 'audit-out-'));
    const file = join(dir, 'audit.html');

    // Act
    const result = await run(['audit', '--region', REGION, '--output', 'html', '--out', file]);
    const page = readFileSync(file, 'utf8');

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`wrote html to ${file} (${Buffer.byteLength(page, 'utf8') - 1} bytes)\n`);
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('data-repository="shop/api"');
  });

  it('refuses an HTML page bound for a terminal with exit 2, naming --out, before any AWS call', async () => {
    // Act
    const result = await run(['audit', '--region', REGION, '--output', 'html'], { stdout: true });

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('ecr-keeper: --output html writes a whole page: give --out FILE (or redirect stdout to a file)\n');
    expect(result.ecr.calls).toEqual([]);
  });

  it('writes the HTML page to stdout when stdout is not a terminal (a redirect)', async () => {
    // Act
    const result = await run(['audit', '--region', REGION, '--output', 'html']);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^<!doctype html>[\s\S]*<\/html>\n$/);
  });

  it('exits 2 naming --out when the file cannot be written', async () => {
    // Act
    const result = await run(['audit', '--region', REGION, '--output', 'markdown', '--out', join(tmpdir(), 'no-such-dir-ecr-keeper', 'a.md')]);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^ecr-keeper: --out: cannot write .*a\.md: ENOENT/);
  });

  it('does not offer HTML for the sweep', async () => {
    // Act
    const result = await run(['sweep', '--region', REGION, '--output', 'html']);

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("'html' is invalid");
  });
});

describe('Progress', () => {
  it('shows repositories done of total and a closing table on stderr when it is a terminal', async () => {
    // Act
    const result = await run(['audit', '--region', REGION, '--output', 'json'], { stderr: true });

    // Assess
    expect(result.stderr).toContain('\rrepositories 1 of 2 done');
    expect(result.stderr).toContain('\rrepositories 2 of 2 done');
    expect(result.stderr).toMatch(/STATUS +REPOSITORIES\n-+ +-+\nplanned +2\ntotal +2\ntook \d+\.\d s\n$/);
    expect(JSON.parse(result.stdout)).toMatchObject({ kind: 'audit' });
  });

  it('shows nothing on stderr when it is not a terminal', async () => {
    // Act
    const result = await run(['sweep', '--region', REGION, '--output', 'json']);

    // Assess
    expect(result.stderr).toBe('');
  });

  it('clears its line before the table, and counts time with the clock it is given', () => {
    // Prepare
    let out = '';
    let t = 1_000;
    const progress = terminalProgress((text) => (out += text), () => t);

    // Act
    progress.onProgress(1, 3);
    progress.onProgress(3, 3);
    t += 2_500;
    progress.finish(['applied', 'unchanged', 'applied']);

    // Assess
    expect(out).toBe(
      '\rrepositories 1 of 3 done\rrepositories 3 of 3 done\r                        \r' +
        'STATUS     REPOSITORIES\n---------  ------------\napplied               2\nunchanged             1\ntotal                 3\ntook 2.5 s\n',
    );
  });
});
