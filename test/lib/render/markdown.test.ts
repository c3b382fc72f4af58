import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../src/lib/audit.js';
import { escapeMarkdown } from '../../../src/lib/render/format.js';
import { MARKDOWN_IMAGES_PER_REPOSITORY, renderAuditMarkdown } from '../../../src/lib/render/markdown.js';
import { buildFixtureAudit, HOSTILE_ATTRIBUTE_TAG, HOSTILE_TAG } from './audit-fixture.js';

let report: AuditReport;
let markdown: string;
beforeAll(async () => {
  report = await buildFixtureAudit();
  markdown = renderAuditMarkdown(report);
});

/** The lines of the section of one repository, up to the next heading. */
const sectionOf = (name: string): string[] => {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`### ${escapeMarkdown(name)} `));
  const end = lines.findIndex((l, i) => i > start && l.startsWith('### '));
  return start === -1 ? [] : lines.slice(start, end === -1 ? undefined : end);
};

describe('Function: renderAuditMarkdown', () => {
  it('opens with the headline and the summary figures', () => {
    // Assess
    expect(markdown).toContain(`**would expire ${report.totals.expiringImages} images`);
    expect(markdown).toContain('- **Policies:** 5 repositories: 0 in sync, 1 drifted, 3 without a policy, 0 blocked.');
    expect(markdown).toContain('Expiring images by scan: 16 with findings, 15 clean, 18 not scanned, 3 scan stale.');
    expect(markdown).toContain('- **Protected, but rebuild it:** 1 in-use image has CRITICAL findings.');
  });

  it('gives one table row per repository and a totals row', () => {
    // Act
    const rows = markdown.split('\n').filter((l) => /^\| (shop|tools)\//.test(l));

    // Assess
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(report.repositories.map((r) => `| ${r.repository}`));
    expect(markdown).toMatch(/^\| \*\*total\*\* \|.*\| \*\*52\*\* \|/m);
  });

  it('gives each repository with something to act on its own section, and none to the excluded one', () => {
    // Assess
    expect(sectionOf('shop/api')).not.toEqual([]);
    expect(sectionOf('shop/legacy')).toContain('| moved | 1 → 6 | expire all images beyond the newest 3 — Keep the newest 3 images |');
    expect(sectionOf('tools/ci')).toEqual([]);
  });

  it(`lists at most ${MARKDOWN_IMAGES_PER_REPOSITORY} expiring images of a repository, then says how many more`, () => {
    // Prepare
    const api = report.repositories.find((r) => r.repository === 'shop/api');
    const section = sectionOf('shop/api');

    // Assess
    expect(api?.wouldExpire.list.length).toBe(45);
    expect(section.filter((l) => l.startsWith('| `sha256:'))).toHaveLength(MARKDOWN_IMAGES_PER_REPOSITORY);
    expect(section).toContain('… and 25 more (the JSON report lists them all).');
  });

  it('shows each expiring image with its rule, reason and scan state', () => {
    // Prepare
    const web = report.repositories.find((r) => r.repository === 'shop/web');
    const untagged = web?.wouldExpire.list.find((i) => i.tags.length === 0);

    // Assess
    expect(untagged).toBeDefined();
    expect(sectionOf('shop/web')).toContain(`| \`${untagged?.digest.slice(0, 19)}…\` | *untagged* | ${untagged?.pushedAt.slice(0, 10)} | 50.0 MiB | 5 | ${untagged?.reason} | 0 | not scanned |`);
  });

  it('escapes tags: no raw HTML, and a pipe cannot end a cell', () => {
    // Prepare
    const row = sectionOf('shop/web').find((l) => l.includes('pwned=1')) ?? '';

    // Assess
    expect(markdown).not.toContain(HOSTILE_TAG);
    expect(markdown).not.toContain('<img');
    expect(row).toContain('&lt;script&gt;window.\\_\\_pwned=1&lt;/script&gt;');
    expect(row).toContain('\\|x');
    // Same number of cells as the header: the pipe in the tag stayed inside its cell.
    expect(row.split(/(?<!\\)\|/).length).toBe('| Digest | Tags | Pushed | Size | Rule | Reason | Findings | Scan |'.split('|').length);
    expect(HOSTILE_ATTRIBUTE_TAG).toContain('|');
  });

  it("ends with the audit's own API calls", () => {
    // Assess
    expect(markdown.trimEnd().split('\n').at(-1)).toBe("<sub>The audit's own cost: 7 API calls (ECR:DescribeImages 7). Prices at $0.10 per GB-month.</sub>");
  });
});
