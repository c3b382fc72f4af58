/**
 * Run by hand (`npx tsx scripts/screenshot-audit.ts`): the demo's account in the emulator, audited
 * before the sweep, rendered as the HTML page and photographed in Debian's chromium for the README
 * (`docs/audit.png`, one repository's drill-down open). Also writes the page and the Markdown next
 * to it in the system's temp folder and prints the Markdown, for the README's excerpt.
 * Needs `chromium` (`apt-get install chromium`; `CHROMIUM_PATH` to use another).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { runAudit } from '../src/lib/audit.js';
import { adaptersOver, createClients } from '../src/lib/aws/clients.js';
import { parseConfig } from '../src/lib/config.js';
import { toRegion } from '../src/lib/domain/types.js';
import { silentLog } from '../src/lib/observability.js';
import { renderAuditHtml } from '../src/lib/render/html.js';
import { renderAuditMarkdown } from '../src/lib/render/markdown.js';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from '../test/emulator/harness.js';
import { startEmulator } from '../test/emulator/launcher.js';
import { seedDemoAccount } from '../test/emulator/seed.js';
import { countCommands, type CallCounts } from '../test/helpers/call-counter.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const region = toRegion(EMULATOR_REGION);
const now = new Date();
const png = new URL('../docs/audit.png', import.meta.url);
const outDir = join(tmpdir(), 'ecr-keeper-audit');

const emulator = await startEmulator();
try {
  await seedDemoAccount(createClients({ region, endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 }), emulator.control, now);
  const counts: CallCounts = new Map();
  const clients = createClients({ region, endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS });
  for (const client of Object.values(clients)) countCommands(client, counts);
  const adapters = adaptersOver(clients, region);
  const config = parseConfig(JSON.parse(readFileSync(new URL('../config/default.json', import.meta.url), 'utf8')));
  const report = await runAudit(
    { config, log: silentLog, now: () => now, adaptersFor: () => adapters, apiCalls: () => Object.fromEntries(counts) },
    { regions: [region] },
  );

  mkdirSync(outDir, { recursive: true });
  const page = join(outDir, 'audit.html');
  const markdown = renderAuditMarkdown(report);
  writeFileSync(page, renderAuditHtml(report));
  writeFileSync(join(outDir, 'audit.md'), markdown);

  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const tab = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    await tab.goto(pathToFileURL(page).href);
    await tab.locator('th[data-key="bytes"] button').click();
    await tab.locator('th[data-key="bytes"] button').click(); // largest first
    await tab.locator('button.drill', { hasText: 'shop/web' }).click();
    mkdirSync(new URL('.', png), { recursive: true });
    await tab.screenshot({ path: png.pathname, fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write(`${markdown}\n`);
  process.stderr.write(`wrote ${png.pathname}, ${page} and ${join(outDir, 'audit.md')}\n`);
} finally {
  await emulator.stop();
}
