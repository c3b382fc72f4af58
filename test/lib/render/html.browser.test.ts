/**
 * The audit page in a real browser: Debian's `chromium` driven by playwright-core (no browser
 * download; `.ci/run` installs the package). Checks use playwright's auto-waiting, never a timer.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAuditHtml } from '../../../src/lib/render/html.js';
import { buildFixtureAudit } from './audit-fixture.js';

/** Debian's package; `CHROMIUM_PATH` points elsewhere where it lives elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const WAIT = { timeout: 20_000 };

let browser: Browser;
let page: Page;
let dir: string;
const problems: string[] = [];

/**
 * Runs where the browser is: always in CI (`.ci/run` installs it, and a missing one fails there), and
 * on a developer's machine once `apt install chromium` (or CHROMIUM_PATH) provides one; skipped, saying
 * so, elsewhere, so that `npm test` on a fresh machine needs no root.
 */
const HAS_BROWSER = process.env.CI === 'true' || existsSync(CHROMIUM);
if (!HAS_BROWSER) console.warn(`audit page browser test skipped: no chromium at ${CHROMIUM} (apt install chromium, or set CHROMIUM_PATH)`);

describe.runIf(HAS_BROWSER)('Page: audit.html in chromium', { timeout: 30_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-html-'));
    const file = join(dir, 'audit.html');
    writeFileSync(file, renderAuditHtml(await buildFixtureAudit()));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // Any request beyond the file itself would mean the page needs the network at view time.
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', ...WAIT });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const repositoryColumn = (): Promise<string[]> => page.locator('#repositories tbody.repo:not([hidden]) button.drill').allTextContents();

  // A browser on a busy 2-core CI machine can take longer than vitest's 5 s per test; nothing here waits on a clock.

  it('renders with no console error, no request and no injected script run', async () => {
    // Act
    await page.locator('#shown').filter({ hasText: '5 of 5 shown' }).waitFor(WAIT);
    const pwned = await page.evaluate<unknown>('window.__pwned');

    // Assess
    expect(problems).toEqual([]);
    expect(pwned).toBeUndefined();
  });

  it('draws the charts as SVG', async () => {
    // Act
    const charts = await page.locator('#charts svg.chart').count();
    const bars = await page.locator('#charts svg.chart rect').count();

    // Assess
    expect(charts).toBe(4);
    expect(bars).toBeGreaterThan(0);
  });

  it('sorts the repositories by a column, and back the other way', async () => {
    // Prepare
    const header = page.locator('th[data-key="bytes"] button');

    // Act
    await header.click(WAIT);
    await page.locator('th[data-key="bytes"][aria-sort="ascending"]').waitFor(WAIT);
    const ascending = await repositoryColumn();
    await header.click(WAIT);
    await page.locator('th[data-key="bytes"][aria-sort="descending"]').waitFor(WAIT);
    const descending = await repositoryColumn();

    // Assess: by bytes reclaimed (tools/ci 0 B … shop/api 7.6 GiB); shop/web and shop/legacy tie at 120 MiB
    expect(ascending[0]).toBe('tools/ci');
    expect(ascending.at(-1)).toBe('shop/api');
    expect(descending.slice(0, 2)).toEqual(['shop/api', 'shop/worker']);
    expect(descending.at(-1)).toBe('tools/ci');
  });

  it('filters the repositories by text and by what needs attention', async () => {
    // Act
    await page.locator('#filter').fill('worker', WAIT);
    await page.locator('#shown').filter({ hasText: '1 of 5 shown' }).waitFor(WAIT);
    const byText = await repositoryColumn();
    await page.locator('#filter').fill('', WAIT);
    await page.locator('#only').selectOption('expiring', WAIT);
    await page.locator('#shown').filter({ hasText: '4 of 5 shown' }).waitFor(WAIT);
    const expiring = await repositoryColumn();
    const excludedHidden = await page.locator('tbody.repo[data-repository="tools/ci"]').isHidden();
    await page.locator('#only').selectOption('', WAIT);

    // Assess
    expect(byText).toEqual(['shop/worker']);
    expect(expiring).not.toContain('tools/ci');
    expect(excludedHidden).toBe(true);
  });

  it("opens a repository's images with rule and reason, and closes them", async () => {
    // Prepare
    const button = page.locator('button.drill', { hasText: 'shop/web' });
    const drill = page.locator('tbody.repo[data-repository="shop/web"] tr.drill-row');

    // Act
    await button.click(WAIT);
    await drill.waitFor({ state: 'visible', ...WAIT });
    const rows = await drill.locator('table.images').last().locator('tbody tr').allTextContents();
    const hostileTag = await drill.locator('code', { hasText: '<script>' }).textContent(WAIT);
    await button.click(WAIT);
    await drill.waitFor({ state: 'hidden', ...WAIT });

    // Assess
    expect(rows).toHaveLength(2);
    expect(rows.join('\n')).toContain('expired by rule 6: pushed 120 days ago, more than 90 days');
    expect(hostileTag).toBe('<script>window.__pwned=1</script>');
    expect(await button.getAttribute('aria-expanded')).toBe('false');
  });
});
