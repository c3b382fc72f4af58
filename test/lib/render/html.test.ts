import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '../../../src/lib/audit.js';
import { totalDecisions } from '../../../src/lib/render/format.js';
import { renderAuditHtml } from '../../../src/lib/render/html.js';
import { renderBarChart } from '../../../src/lib/render/svg.js';
import { buildFixtureAudit, HOSTILE_ATTRIBUTE_TAG, HOSTILE_TAG } from './audit-fixture.js';

let report: AuditReport;
let html: string;
beforeAll(async () => {
  report = await buildFixtureAudit();
  html = renderAuditHtml(report);
});

describe('Function: renderAuditHtml', () => {
  it('is one page that loads nothing from elsewhere', () => {
    // Assess: no external script, style, image or font; only inline ones and data: images
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<(script|link|img|iframe)\b[^>]*\b(src|href)=/i);
    expect(html).not.toMatch(/url\(|@import|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('allows only its own inline script, by hash', () => {
    // Prepare
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(script).digest('base64');

    // Assess
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).toContain(`script-src 'sha256-${hash}'`);
    expect(html).toContain("default-src 'none'");
  });

  it('escapes tags in text and attributes', () => {
    // Assess
    expect(html).not.toContain(HOSTILE_TAG);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(html).toContain(HOSTILE_ATTRIBUTE_TAG.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  });

  it('has one row group per repository with its sort keys, and a drill-down for each', () => {
    // Prepare
    const groups = [...html.matchAll(/<tbody class="repo" data-repository="([^"]*)"[^>]*data-bytes="(\d+)"/g)];

    // Assess
    expect(groups.map((g) => g[1])).toEqual(report.repositories.map((r) => r.repository));
    expect(groups.map((g) => Number(g[2]))).toEqual(report.repositories.map((r) => r.wouldExpire.bytes));
    expect(html.match(/<tr class="drill-row" id="drill-\d+" hidden>/g)).toHaveLength(report.repositories.length);
  });

  it('draws four charts', () => {
    // Assess
    expect(html.match(/<svg /g)).toHaveLength(4);
    for (const title of ['Bytes reclaimed by repository', 'Findings leaving by severity', 'Images by decision', 'Expiring images by scan state'])
      expect(html).toContain(`<title>${title}</title>`);
  });
});

describe('Function: totalDecisions', () => {
  it('counts distinct in-use images, the pull guard apart, what a rule keeps and what expires', () => {
    // Act
    const decisions = totalDecisions(report);

    // Assess: one image runs in prod; shop/web's recently pulled image is the guard's
    expect(decisions).toMatchObject({ keptInUse: 1, keptByPullGuard: 1, expire: report.totals.expiringImages, archive: 0 });
    // Every listed image has exactly one decision: the five counts add up to what the repositories hold.
    expect(decisions.keptInUse + decisions.keptByPullGuard + decisions.keptByRule + decisions.expire + decisions.archive).toBe(report.totals.images.listed);
    expect(decisions.keptByRule).toBeGreaterThan(0);
    expect(html).toContain(`<title>kept by a rule: ${decisions.keptByRule}</title>`);
    expect(html).toContain('<title>kept as in use: 1</title>');
    expect(html).toContain('<title>kept by the pull guard: 1</title>');
  });
});

describe('Function: renderBarChart', () => {
  it('draws one bar per positive value, the longest for the largest', () => {
    // Act
    const svg = renderBarChart({ title: 't', bars: [{ label: 'a', value: 10, display: '10' }, { label: 'b', value: 5, display: '5' }, { label: 'c', value: 0, display: '0' }] });
    const widths = [...svg.matchAll(/<rect [^>]*width="(\d+)"/g)].map((m) => Number(m[1]));

    // Assess
    expect(widths).toHaveLength(2);
    expect(widths[0]).toBe(2 * (widths[1] ?? 0));
  });

  it('says so when there is nothing to draw', () => {
    // Act
    const svg = renderBarChart({ title: 't', bars: [], empty: 'nothing would expire' });

    // Assess
    expect(svg).toContain('nothing would expire');
    expect(svg).not.toContain('<rect');
  });
});
