/**
 * The audit as one self-contained HTML page: the summary, server-drawn SVG charts (bytes reclaimed
 * by repository, findings leaving by severity, images by decision, expiring images by scan state),
 * a sortable, filterable table of repositories, and a drill-down to each repository's images with
 * rule and reason. No request leaves the page at view time: styles and the small script are inline,
 * and a Content-Security-Policy allows only that script (by hash), so even a tag that slipped past
 * escaping could not run. A pure function of the report model.
 */
import { createHash } from 'node:crypto';
import type { AuditReport, AuditRepository } from '../audit.js';
import {
  escapeHtml as esc,
  formatBytes,
  formatCount,
  formatDollars,
  formatFindings,
  formatKeptBy,
  headline,
  plural,
  severitiesOf,
  shortDigest,
  totalDecisions,
} from './format.js';
import { formatScanCounts, SCAN_LABEL } from './markdown.js';
import { renderBarChart, type Bar } from './svg.js';

/** Images listed per repository in the drill-down: the page stays light; the JSON has them all. */
export const HTML_IMAGES_PER_REPOSITORY = 500;
/** Repositories drawn in the bytes chart; the rest are summed into one bar. */
export const CHART_REPOSITORIES = 12;

const SEVERITY_COLOUR: Readonly<Record<string, string>> = {
  CRITICAL: '#8e1b1b',
  HIGH: '#d0451b',
  MEDIUM: '#e39b1b',
  LOW: '#c9b44a',
  OTHER: '#9a9a9a',
  INFORMATIONAL: '#9a9a9a',
  UNTRIAGED: '#b0b0b0',
};

/** Sorting, filtering and the drill-down. Plain DOM, no library; sort keys are data attributes. */
const SCRIPT = `
(function () {
  var table = document.getElementById('repositories');
  var filter = document.getElementById('filter');
  var only = document.getElementById('only');
  var shown = document.getElementById('shown');
  var groups = function () { return Array.prototype.slice.call(table.querySelectorAll('tbody.repo')); };
  var apply = function () {
    var q = filter.value.trim().toLowerCase();
    var mode = only.value;
    var n = 0;
    groups().forEach(function (g) {
      var hit = (q === '' || g.dataset.search.indexOf(q) !== -1) && (mode === '' || g.dataset[mode] === '1');
      g.hidden = !hit;
      if (hit) n += 1;
    });
    shown.textContent = n + ' of ' + groups().length + ' shown';
  };
  filter.addEventListener('input', apply);
  only.addEventListener('change', apply);
  Array.prototype.forEach.call(table.querySelectorAll('th[data-key] button'), function (button) {
    button.addEventListener('click', function () {
      var th = button.parentElement;
      var key = th.dataset.key;
      var numeric = th.dataset.type === 'number';
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(table.querySelectorAll('th[data-key]'), function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var value = function (g) { return numeric ? Number(g.dataset[key]) : g.dataset[key]; };
      groups().sort(function (a, b) {
        var x = value(a), y = value(b);
        var c = numeric ? x - y : String(x).localeCompare(String(y));
        return ascending ? c : -c;
      }).forEach(function (g) { table.appendChild(g); });
    });
  });
  Array.prototype.forEach.call(table.querySelectorAll('button.drill'), function (button) {
    button.addEventListener('click', function () {
      var open = button.getAttribute('aria-expanded') !== 'true';
      button.setAttribute('aria-expanded', String(open));
      document.getElementById(button.getAttribute('aria-controls')).hidden = !open;
    });
  });
  apply();
})();
`;

const STYLE = `
:root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2329; background: #fbfbfc; }
body { margin: 0 auto; max-width: 1200px; padding: 1.5rem; }
h1 { margin: 0; font-size: 1.6rem; } h2 { margin-top: 2rem; font-size: 1.2rem; } h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
.meta { color: #5b6670; margin: .2rem 0 1rem; } .headline { font-size: 1.25rem; font-weight: 600; margin: .5rem 0 1rem; }
.tiles { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: .6rem; }
.tile { background: #fff; border: 1px solid #dde2e6; border-radius: 6px; padding: .6rem .8rem; }
.tile b { display: block; font-size: 1.3rem; } .tile span { color: #5b6670; font-size: .85rem; }
.tile.warn { border-color: #d0451b; } .notes { margin: .8rem 0; padding-left: 1.2rem; } .notes li { margin: .2rem 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 1rem; }
.charts figure { margin: 0; background: #fff; border: 1px solid #dde2e6; border-radius: 6px; padding: .6rem; overflow-x: auto; }
.charts figcaption { color: #5b6670; font-size: .8rem; margin-top: .3rem; }
svg.chart { max-width: 100%; height: auto; font-size: 12px; } svg.chart text { fill: #1d2329; } .chart-title { font-weight: 600; font-size: 13px; } .chart-empty { fill: #5b6670; }
.controls { display: flex; gap: .6rem; align-items: center; margin: .6rem 0; flex-wrap: wrap; }
.controls input { padding: .35rem .5rem; min-width: 18rem; } #shown { color: #5b6670; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid #e7eaed; vertical-align: top; }
th { background: #f1f3f5; position: sticky; top: 0; } th button { all: unset; cursor: pointer; font-weight: 600; }
th[aria-sort="ascending"] button::after { content: " ▲"; } th[aria-sort="descending"] button::after { content: " ▼"; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
button.drill { all: unset; cursor: pointer; color: #1f5a96; font-weight: 600; } button.drill::before { content: "▸ "; } button.drill[aria-expanded="true"]::before { content: "▾ "; }
tr.drill-row > td { background: #f7f8fa; padding: .6rem 1rem 1rem; }
table.images { font-size: .82rem; } code { font-size: .85em; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .8rem; background: #e7eaed; }
.badge.drifted, .badge.missing { background: #fde7c8; } .badge.blocked, .badge.failed { background: #f8d0d0; } .badge.in-sync { background: #d5ecd9; }
.risk { color: #8e1b1b; font-weight: 600; } footer { margin-top: 2rem; color: #5b6670; font-size: .85rem; }
`;

const SCRIPT_HASH = createHash('sha256').update(SCRIPT).digest('base64');
const CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'`;

const tile = (value: string, label: string, warn = false): string => `<div class="tile${warn ? ' warn' : ''}"><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
const badge = (text: string): string => `<span class="badge ${esc(text)}">${esc(text)}</span>`;
const tagsText = (tags: readonly string[]): string => (tags.length === 0 ? '<em>untagged</em>' : tags.map((t) => `<code>${esc(t)}</code>`).join(' '));

const summary = (report: AuditReport): string => {
  const t = report.totals;
  const tiles = [
    tile(formatCount(t.repositories), 'repositories'),
    tile(formatCount(t.inSync), 'policies in sync'),
    tile(formatCount(t.drifted), 'policies drifted', t.drifted > 0),
    tile(formatCount(t.missingPolicy), 'without a policy', t.missingPolicy > 0),
    tile(formatCount(t.blocked), 'blocked', t.blocked > 0),
    tile(formatCount(t.expiringImages), 'images would expire'),
    tile(formatBytes(t.expiringBytes), 'reclaimed'),
    tile(`${formatDollars(t.dollarsPerMonth)}`, 'a month saved'),
    tile(formatCount(t.findingsLeaving.total), 'findings leaving'),
    tile(formatCount(report.inUse.images), report.inUse.complete ? 'images in use' : 'images in use (incomplete)', !report.inUse.complete),
    tile(formatCount(t.inUseAtRiskUnderCurrentPolicy), 'in use, at risk now', t.inUseAtRiskUnderCurrentPolicy > 0),
    tile(formatCount(t.rebuild), 'in use, rebuild (critical)', t.rebuild > 0),
  ];
  const notes: string[] = [`Findings leaving: ${esc(formatFindings(t.findingsLeaving))}. Expiring images by scan: ${esc(formatScanCounts(t.scan))}.`];
  if (!report.inUse.complete) notes.push('<span class="risk">The in-use set is incomplete</span>: a sweep would write no policy and release nothing (see failures).');
  if (t.inUseAtRiskUnderCurrentPolicy > 0) notes.push(`<span class="risk">${esc(plural(t.inUseAtRiskUnderCurrentPolicy, 'in-use image is', 'in-use images are'))} at risk under the policy in force today</span>; open the repository for which and why.`);
  if (t.rebuild > 0) notes.push(`${esc(plural(t.rebuild, 'in-use image has', 'in-use images have'))} CRITICAL findings: protected, but rebuild it.`);
  for (const i of report.inspector) if (i.coverage !== 'read') notes.push(`Inspector coverage in ${esc(i.region)}: ${esc(i.coverage)}; images without findings there are not called clean.`);
  if (report.inUse.foreign > 0 || report.inUse.unresolved > 0) notes.push(`${esc(formatCount(report.inUse.foreign))} in-use images in other registries, ${esc(formatCount(report.inUse.unresolved))} unresolved references.`);
  return `<section id="summary" aria-label="Summary"><div class="tiles">${tiles.join('')}</div><ul class="notes">${notes.map((n) => `<li>${n}</li>`).join('')}</ul></section>`;
};

const charts = (report: AuditReport): string => {
  const byBytes = [...report.repositories].filter((r) => r.wouldExpire.bytes > 0).sort((a, b) => b.wouldExpire.bytes - a.wouldExpire.bytes);
  const top: Bar[] = byBytes.slice(0, CHART_REPOSITORIES).map((r) => ({ label: r.repository, value: r.wouldExpire.bytes, display: formatBytes(r.wouldExpire.bytes) }));
  const rest = byBytes.slice(CHART_REPOSITORIES).reduce((n, r) => n + r.wouldExpire.bytes, 0);
  if (rest > 0) top.push({ label: `${byBytes.length - CHART_REPOSITORIES} others`, value: rest, display: formatBytes(rest), colour: '#8aa7c4' });
  // A bar of a count chart: the value, shown as a count.
  const count = (label: string, value: number, colour?: string): Bar => ({ label, value, display: formatCount(value), colour });
  const severities: Bar[] = severitiesOf(report.totals.findingsLeaving).map(([severity, n]) => count(severity, n, SEVERITY_COLOUR[severity]));
  const d = totalDecisions(report);
  const decisions: Bar[] = [
    count('kept as in use', d.keptInUse, '#2e7d4f'),
    count('kept by the pull guard', d.keptByPullGuard, '#6aa84f'),
    count('kept by a rule', d.keptByRule, '#8aa7c4'),
    count('expire', d.expire, '#c0392b'),
    count('archive', d.archive, '#7e57c2'),
  ];
  const s = report.totals.scan;
  const scans: Bar[] = [
    count('with findings', s.findings, '#d0451b'),
    count('clean', s.clean, '#2e7d4f'),
    count('not scanned', s.notScanned, '#9a9a9a'),
    count('scan stale', s.scanStale, '#c9b44a'),
    count('Inspector unavailable', s.inspectorUnavailable, '#b0b0b0'),
  ];
  const figure = (svg: string, caption: string): string => `<figure>${svg}<figcaption>${esc(caption)}</figcaption></figure>`;
  return `<section id="charts" aria-label="Charts"><h2>At a glance</h2><div class="charts">${[
    figure(renderBarChart({ title: 'Bytes reclaimed by repository', bars: top, empty: 'nothing would expire' }), 'Storage the enforced policy would free, largest first.'),
    figure(renderBarChart({ title: 'Findings leaving by severity', bars: severities, empty: 'no findings leave' }), 'Active Inspector findings on the images that would expire.'),
    figure(
      renderBarChart({ title: 'Images by decision', bars: decisions, empty: 'no image kept in use or expiring' }),
      'Under the enforced policy; each image the repositories hold counts once. In use: distinct images the workloads run and their referrers; kept by a rule: the rest the policy leaves.',
    ),
    figure(renderBarChart({ title: 'Expiring images by scan state', bars: scans, empty: 'nothing would expire' }), 'An image without findings is clean only if Inspector scanned it recently.'),
  ].join('')}</div></section>`;
};

/** Whether a repository needs someone: drift, no policy, blocked, failed, risk now, or a rebuild. */
const needsAttention = (r: AuditRepository): boolean =>
  r.drift === 'drifted' || r.drift === 'missing' || r.status === 'blocked' || r.status === 'failed' || r.atRiskUnderCurrentPolicy.length > 0 || r.rebuild.length > 0;

const drillDown = (r: AuditRepository): string => {
  const parts: string[] = [];
  parts.push(
    `<p>Would expire ${esc(plural(r.wouldExpire.images, 'image', 'images'))} (${esc(formatBytes(r.wouldExpire.bytes))})` +
      `${r.wouldArchive.images > 0 ? `, archive ${esc(formatCount(r.wouldArchive.images))} (${esc(formatBytes(r.wouldArchive.bytes))})` : ''}; ` +
      `in use ${esc(formatKeptBy(r.keptBySource))}; protection tags to add ${esc(formatCount(r.protection.toAdd))}, to release ${esc(formatCount(r.protection.toRelease))}.</p>`,
  );
  if (r.reasons.length > 0) parts.push(`<ul>${r.reasons.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>`);
  for (const risk of r.atRiskUnderCurrentPolicy)
    parts.push(`<p class="risk">At risk under the current policy: <code>${esc(shortDigest(risk.digest))}</code> ${tagsText(risk.tags)}, used by ${esc(risk.uses.map((u) => u.kind).join(', '))}: ${esc(risk.decision.reason)}</p>`);
  for (const risk of r.atRiskUnderTargetPolicy)
    parts.push(`<p class="risk">Blocked: the target policy would hit in-use <code>${esc(shortDigest(risk.digest))}</code> ${tagsText(risk.tags)}: ${esc(risk.decision.reason)}</p>`);
  for (const image of r.rebuild)
    parts.push(`<p class="risk">Protected, but rebuild it: <code>${esc(shortDigest(image.digest))}</code> (${image.images.map((i) => `<code>${esc(i)}</code>`).join(' ')}) has ${esc(formatFindings(image.findings))} findings.</p>`);
  if (r.driftDiff.length > 0) {
    parts.push(
      `<h3>Policy drift, rule by rule</h3><table class="images"><thead><tr><th>change</th><th class="n">priority</th><th>rule</th></tr></thead><tbody>${r.driftDiff
        .map(
          (c) =>
            `<tr><td>${esc(c.change)}</td><td class="n">${c.previousPriority !== undefined && c.previousPriority !== c.priority ? `${c.previousPriority} → ${c.priority}` : c.priority}</td>` +
            `<td>${esc(c.rule)}${c.was !== undefined ? ` <em>(was: ${esc(c.was)})</em>` : ''}${c.description !== undefined ? ` — ${esc(c.description)}` : ''}</td></tr>`,
        )
        .join('')}</tbody></table>`,
    );
  }
  if (r.wouldExpire.byRule.length > 0) {
    parts.push(
      `<h3>By rule</h3><table class="images"><thead><tr><th>rule</th><th>action</th><th class="n">images</th><th class="n">bytes</th></tr></thead><tbody>${r.wouldExpire.byRule
        .map((t) => `<tr><td>${t.rulePriority}${t.description ? ` ${esc(t.description)}` : ''}</td><td>${esc(t.action)}</td><td class="n">${formatCount(t.images)}</td><td class="n">${esc(formatBytes(t.bytes))}</td></tr>`)
        .join('')}</tbody></table>`,
    );
  }
  const list = r.wouldExpire.list;
  if (list.length > 0) {
    const shown = list.slice(0, HTML_IMAGES_PER_REPOSITORY);
    parts.push(
      `<h3>Images that would expire${list.length > shown.length ? ` (first ${formatCount(shown.length)} of ${formatCount(list.length)}; the JSON has them all)` : ''}</h3>` +
        `<table class="images"><thead><tr><th>digest</th><th>tags</th><th>pushed</th><th class="n">size</th><th class="n">rule</th><th>reason</th><th>findings</th><th>scan</th></tr></thead><tbody>${shown
          .map(
            (i) =>
              `<tr><td><code title="${esc(i.digest)}">${esc(shortDigest(i.digest))}</code></td><td>${tagsText(i.tags)}</td><td>${esc(i.pushedAt.slice(0, 10))}</td>` +
              `<td class="n">${i.sizeBytes === undefined ? '' : esc(formatBytes(i.sizeBytes))}</td><td class="n">${i.rulePriority}</td><td>${esc(i.reason)}</td>` +
              `<td>${esc(i.findings === undefined ? '0' : formatFindings(i.findings))}</td><td>${esc(SCAN_LABEL[i.scan])}</td></tr>`,
          )
          .join('')}</tbody></table>`,
    );
  } else parts.push('<p>No image would expire.</p>');
  return parts.join('');
};

/** The sortable columns; each row carries `data-<key>` with `value`, which the page's script sorts by. */
const COLUMNS: readonly { readonly key: string; readonly label: string; readonly type: 'text' | 'number'; readonly value: (r: AuditRepository) => string | number }[] = [
  { key: 'repository', label: 'Repository', type: 'text', value: (r) => r.repository },
  { key: 'region', label: 'Region', type: 'text', value: (r) => r.region },
  { key: 'drift', label: 'Policy', type: 'text', value: (r) => r.drift },
  { key: 'status', label: 'Status', type: 'text', value: (r) => r.status },
  { key: 'expire', label: 'Expire', type: 'number', value: (r) => r.wouldExpire.images },
  { key: 'bytes', label: 'Bytes', type: 'number', value: (r) => r.wouldExpire.bytes },
  { key: 'dollars', label: '$/month', type: 'number', value: (r) => r.wouldExpire.dollarsPerMonth },
  { key: 'findings', label: 'Findings leaving', type: 'number', value: (r) => r.findingsLeaving.total },
  { key: 'risk', label: 'At risk now', type: 'number', value: (r) => r.atRiskUnderCurrentPolicy.length },
];

const repositoryTable = (report: AuditReport): string => {
  const head = COLUMNS.map((c) => `<th data-key="${c.key}" data-type="${c.type}"${c.type === 'number' ? ' class="n"' : ''}><button type="button">${esc(c.label)}</button></th>`).join('');
  const bodies = report.repositories.map((r, i) => {
    const search = `${r.repository} ${r.region} ${r.drift} ${r.status}`.toLowerCase();
    const data = [
      ...COLUMNS.map((c) => `data-${c.key}="${esc(String(c.value(r)))}"`),
      `data-search="${esc(search)}"`,
      `data-attention="${needsAttention(r) ? 1 : 0}"`,
      `data-expiring="${r.wouldExpire.images > 0 ? 1 : 0}"`,
    ].join(' ');
    return (
      `<tbody class="repo" ${data}><tr class="repo-row">` +
      `<td><button type="button" class="drill" aria-expanded="false" aria-controls="drill-${i}">${esc(r.repository)}</button></td>` +
      `<td>${esc(r.region)}</td><td>${badge(r.drift)}</td><td>${badge(r.status)}</td>` +
      `<td class="n">${formatCount(r.wouldExpire.images)}</td><td class="n">${esc(formatBytes(r.wouldExpire.bytes))}</td><td class="n">${esc(formatDollars(r.wouldExpire.dollarsPerMonth))}</td>` +
      `<td class="n" title="${esc(formatFindings(r.findingsLeaving))}">${formatCount(r.findingsLeaving.total)}</td>` +
      `<td class="n${r.atRiskUnderCurrentPolicy.length > 0 ? ' risk' : ''}">${formatCount(r.atRiskUnderCurrentPolicy.length)}</td></tr>` +
      `<tr class="drill-row" id="drill-${i}" hidden><td colspan="${COLUMNS.length}">${drillDown(r)}</td></tr></tbody>`
    );
  });
  return (
    `<section aria-label="Repositories"><h2>Repositories</h2><div class="controls">` +
    `<input id="filter" type="search" placeholder="filter: name, region, policy or status" aria-label="Filter repositories">` +
    `<select id="only" aria-label="Show"><option value="">all repositories</option><option value="attention">needing attention</option><option value="expiring">with images to expire</option></select>` +
    `<span id="shown">${formatCount(report.repositories.length)} shown</span></div>` +
    `<table id="repositories"><thead><tr>${head}</tr></thead>${bodies.join('')}</table></section>`
  );
};

const failures = (report: AuditReport): string =>
  report.failures.length === 0
    ? ''
    : `<section aria-label="Failures"><h2>Failures</h2><ul>${report.failures
        .map((f) => `<li><code>${esc(f.scope)}</code> [${esc(f.stage)}${f.action ? ` ${esc(f.action)}` : ''}]: ${esc(f.message.split('\n')[0] ?? '')}</li>`)
        .join('')}</ul></section>`;

const footer = (report: AuditReport): string => {
  const calls =
    report.apiCalls === undefined
      ? ''
      : ` The audit itself made ${esc(plural(report.apiCalls.total, 'API call', 'API calls'))}${
          Object.keys(report.apiCalls.byOperation).length > 0
            ? ` (${Object.entries(report.apiCalls.byOperation).map(([op, n]) => `${esc(op)} ${formatCount(n)}`).join(', ')})`
            : ''
        }.`;
  return `<footer>Read-only audit by ecr-keeper, ${esc(report.generatedAt)}; storage priced at ${esc(formatDollars(report.pricePerGbMonth))} per GB-month.${calls}</footer>`;
};

/** Renders the audit as one HTML document that needs no network to view. */
export const renderAuditHtml = (report: AuditReport): string =>
  [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>ecr-keeper audit ${esc(report.generatedAt)}</title>`,
    `<style>${STYLE}</style></head><body>`,
    `<header><h1>ecr-keeper audit</h1><p class="meta">Read-only · ${esc(report.generatedAt)} · ${report.regions.map(esc).join(', ')}</p>`,
    `<p class="headline">${esc(headline(report))}</p></header>`,
    summary(report),
    charts(report),
    repositoryTable(report),
    failures(report),
    footer(report),
    `<script>${SCRIPT}</script>`,
    '</body></html>',
  ].join('\n');
