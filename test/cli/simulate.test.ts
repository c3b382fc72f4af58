/**
 * `ecr-keeper simulate` and `validate` through the commander program with captured I/O:
 * expectations are derived from what examples/policy.json says about examples/images.json.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { InputError } from '../../src/lib/errors.js';

const POLICY = 'examples/policy.json';
const IMAGES = 'examples/images.json';
const NOW = new Date('2026-11-23T12:00:00Z');
const DAY_MS = 86_400_000;

interface Detail {
  readonly imageDigest: string;
  readonly imageTags?: readonly string[];
  readonly imagePushedAt: string;
  readonly imageSizeInBytes: number;
}

interface PreviewResult {
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  readonly imagePushedAt: string;
  readonly action: { readonly type: string };
  readonly appliedRulePriority: number;
}

interface KeptImage {
  readonly imageDigest: string;
  readonly matchedRulePriority?: number;
  readonly reason: string;
}

interface Preview {
  readonly previewResults: readonly PreviewResult[];
  readonly summary: { readonly expiringImageTotalCount: number };
  readonly keptImages: readonly KeptImage[];
}

const details: readonly Detail[] = (JSON.parse(readFileSync(IMAGES, 'utf8')) as { imageDetails: Detail[] }).imageDetails;
const tagsOf = (d: Detail): readonly string[] => d.imageTags ?? [];
const ageDays = (d: Detail): number => (NOW.getTime() - Date.parse(d.imagePushedAt)) / DAY_MS;
const newestFirst = (a: Detail, b: Detail): number => Date.parse(b.imagePushedAt) - Date.parse(a.imagePushedAt);

/**
 * What the three rules of examples/policy.json mean for the sample images: rule 1 keeps the newest
 * three `release-*` images, rule 2 expires untagged images older than 7 days, rule 3 (any) expires
 * anything older than 90 days that neither rule 1 nor rule 2 selected.
 */
const releases = details.filter((d) => tagsOf(d).some((t) => t.startsWith('release-'))).sort(newestFirst);
const untagged = details.filter((d) => tagsOf(d).length === 0);
const others = details.filter((d) => !releases.includes(d) && !untagged.includes(d));
const expected = new Map<string, number>([
  ...releases.slice(3).map((d) => [d.imageDigest, 1] as const),
  ...untagged.filter((d) => ageDays(d) > 7).map((d) => [d.imageDigest, 2] as const),
  ...others.filter((d) => ageDays(d) > 90).map((d) => [d.imageDigest, 3] as const),
]);
/** Newest-3 releases older than 90 days: rule 3 marks them, rule 1's selection protects them. */
const protectedOldReleases = releases.slice(0, 3).filter((d) => ageDays(d) > 90);

const capture = (isTty = false) => {
  const out: string[] = [];
  const codes: number[] = [];
  const program = buildProgram({ write: (s) => out.push(s), isTty, env: {}, setExitCode: (c) => codes.push(c) });
  return {
    run: (...args: string[]) => program.parseAsync(args, { from: 'user' }),
    stdout: () => out.join('\n'),
    exitCode: () => codes.at(-1),
  };
};

const simulateArgs = (images = IMAGES, ...extra: string[]): string[] => ['simulate', '--policy', POLICY, '--images', images, '--now', NOW.toISOString(), ...extra];

let dir: string;
const tempFile = (name: string, content: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecr-keeper-cli-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('Function: simulate (json)', () => {
  it('lists the images the policy expires, shaped like GetLifecyclePolicyPreview', async () => {
    // Prepare
    const cli = capture();

    // Act
    await cli.run(...simulateArgs(IMAGES, '--output', 'json'));
    const preview = JSON.parse(cli.stdout()) as Preview;

    // Assess
    expect(cli.exitCode()).toBe(0);
    expect(expected.size).toBeGreaterThan(0);
    expect(new Map(preview.previewResults.map((r) => [r.imageDigest, r.appliedRulePriority]))).toEqual(expected);
    expect(preview.summary.expiringImageTotalCount).toBe(expected.size);
    for (const result of preview.previewResults) {
      const detail = details.find((d) => d.imageDigest === result.imageDigest);
      expect(result.action.type).toBe('EXPIRE');
      expect(result.imageTags).toEqual(tagsOf(detail as Detail));
      expect(Date.parse(result.imagePushedAt)).toBe(Date.parse((detail as Detail).imagePushedAt));
    }
  });

  it('keeps every other image with a reason, the old newest releases because rule 1 selected them', async () => {
    // Prepare
    const cli = capture();

    // Act
    await cli.run(...simulateArgs(IMAGES, '--output', 'json'));
    const preview = JSON.parse(cli.stdout()) as Preview;

    // Assess
    const kept = preview.keptImages.map((k) => k.imageDigest).sort();
    expect(kept).toEqual(details.map((d) => d.imageDigest).filter((digest) => !expected.has(digest)).sort());
    expect(preview.keptImages.every((k) => k.reason.length > 0)).toBe(true);
    expect(protectedOldReleases.length).toBeGreaterThan(0);
    for (const release of protectedOldReleases) {
      expect(preview.keptImages.find((k) => k.imageDigest === release.imageDigest)?.matchedRulePriority).toBe(1);
    }
  });

  it('accepts a bare array of image details as well as describe-images output', async () => {
    // Prepare
    const bare = tempFile('bare.json', details);
    const wrapped = capture();
    const array = capture();

    // Act
    await wrapped.run(...simulateArgs(IMAGES, '--output', 'json'));
    await array.run(...simulateArgs(bare, '--output', 'json'));

    // Assess
    expect(array.exitCode()).toBe(0);
    expect(JSON.parse(array.stdout())).toEqual(JSON.parse(wrapped.stdout()));
  });

  it('writes json when stdout is not a terminal and no --output is given', async () => {
    // Prepare
    const cli = capture(false);

    // Act
    await cli.run(...simulateArgs());

    // Assess
    expect((JSON.parse(cli.stdout()) as Preview).summary.expiringImageTotalCount).toBe(expected.size);
  });
});

describe('Function: simulate (table)', () => {
  /** The data rows: between the dashed rule under the header and the blank line before the total. */
  const rowsOf = (text: string): string[] => {
    const lines = text.split('\n');
    const start = lines.findIndex((l) => /^-+ /.test(l)) + 1;
    const end = lines.indexOf('', start);
    return lines.slice(start, end);
  };

  it('lists every image newest first, one row each', async () => {
    // Prepare
    const cli = capture(true);
    const byAge = [...details].sort(newestFirst);

    // Act
    await cli.run(...simulateArgs());
    const rows = rowsOf(cli.stdout());

    // Assess
    expect(rows).toHaveLength(details.length);
    rows.forEach((row, i) => {
      // The table shows the 12 hex characters after "sha256:".
      expect(row.startsWith(byAge[i]?.imageDigest.slice(7, 19) ?? '?')).toBe(true);
    });
  });

  it('marks each expiring image with its rule and ends with a total that includes bytes', async () => {
    // Prepare
    const cli = capture();
    const expiringBytes = details.filter((d) => expected.has(d.imageDigest)).reduce((n, d) => n + d.imageSizeInBytes, 0);

    // Act
    await cli.run(...simulateArgs(IMAGES, '--output', 'table'));
    const lines = cli.stdout().split('\n');

    // Assess
    const expiring = rowsOf(cli.stdout()).filter((row) => / EXPIRE /.test(row));
    expect(expiring).toHaveLength(expected.size);
    const total = lines.at(-1) ?? '';
    expect(total).toMatch(new RegExp(`^${details.length} images: ${expected.size} expire \\((\\d+\\.\\d) MiB\\)`));
    expect(Number(/expire \((\d+\.\d) MiB\)/.exec(total)?.[1])).toBeCloseTo(expiringBytes / 1024 ** 2, 1);
    expect(total).toContain(`${details.length - expected.size} kept`);
  });
});

describe('Function: simulate (bad input)', () => {
  it('names the image detail without a digest by its index', async () => {
    // Prepare
    const file = JSON.parse(readFileSync(IMAGES, 'utf8')) as { imageDetails: Record<string, unknown>[] };
    delete file.imageDetails[2]?.['imageDigest'];
    const path = tempFile('no-digest.json', file);
    const cli = capture();

    // Act
    const run = cli.run(...simulateArgs(path));

    // Assess
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(/imageDetails\[2\]\.imageDigest/);
  });

  it.each([
    ['an object without imageDetails', { foo: 1 }, /must be \{"imageDetails": \[\.\.\.\]\}/],
    ['text that is not JSON', '{"imageDetails": [', /is not valid JSON/],
    ['a detail that is not an object', ['sha256:abc'], /\[0\] must be an object/],
  ])('refuses %s with an InputError naming --images', async (_name, content, message) => {
    // Prepare
    const path = tempFile('bad.json', content);
    const cli = capture();

    // Act
    const run = cli.run(...simulateArgs(path));

    // Assess
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(message);
    await expect(run).rejects.toThrow(/^--images: /);
  });
});

describe('Function: validate', () => {
  it('exits 0 on a valid policy and says how many rules it has', async () => {
    // Prepare
    const cli = capture();
    const rules = (JSON.parse(readFileSync(POLICY, 'utf8')) as { rules: unknown[] }).rules.length;

    // Act
    await cli.run('validate', '--policy', POLICY);

    // Assess
    expect(cli.exitCode()).toBe(0);
    expect(cli.stdout()).toContain(`valid (${rules} rules)`);
  });

  it('exits 1 and names the path of every issue of an invalid policy', async () => {
    // Prepare
    const policy = JSON.parse(readFileSync(POLICY, 'utf8')) as { rules: { selection: Record<string, unknown>; action: Record<string, unknown> }[] };
    delete policy.rules[1]?.selection['countUnit'];
    if (policy.rules[2]) policy.rules[2].action['type'] = 'delete';
    const path = tempFile('invalid-policy.json', policy);
    const cli = capture();

    // Act
    await cli.run('validate', '--policy', path);

    // Assess
    expect(cli.exitCode()).toBe(1);
    const lines = cli.stdout().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.some((l) => l.includes('rules[1].selection.countUnit'))).toBe(true);
    expect(lines.some((l) => l.includes('rules[2].action.type'))).toBe(true);
    expect(lines.every((l) => l.startsWith(`${path}: `))).toBe(true);
  });
});
