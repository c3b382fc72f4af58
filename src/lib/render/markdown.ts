/**
 * The audit as Markdown for a ticket or a pull request: the headline and summary, one table of
 * repositories, then a section per repository with something to act on (rules, the images that
 * would expire with rule and reason, in-use images at risk, images to rebuild). A pure function of
 * the report model; every name and tag from the account is escaped.
 */
import type { AuditReport, AuditRepository, ScanCounts, ScanState } from '../audit.js';
import {
  escapeMarkdown as md,
  formatBytes,
  formatCount,
  formatDollars,
  formatFindings,
  formatKeptBy,
  headline,
  plural,
  shortDigest,
} from './format.js';

/** Images listed per repository before "… and N more": a ticket stays readable; the JSON has them all. */
export const MARKDOWN_IMAGES_PER_REPOSITORY = 20;

export const SCAN_LABEL: Readonly<Record<ScanState, string>> = {
  findings: 'findings',
  clean: 'clean',
  'not-scanned': 'not scanned',
  'scan-stale': 'scan stale',
  'inspector-unavailable': 'Inspector unavailable',
};

/** "12 with findings, 3 clean, 2 not scanned, …" (zero counts left out). */
export const formatScanCounts = (scan: ScanCounts): string => {
  const parts: [number, string][] = [
    [scan.findings, 'with findings'],
    [scan.clean, 'clean'],
    [scan.notScanned, 'not scanned'],
    [scan.scanStale, 'scan stale'],
    [scan.inspectorUnavailable, 'Inspector unavailable'],
  ];
  return parts.filter(([n]) => n > 0).map(([n, label]) => `${formatCount(n)} ${label}`).join(', ') || 'none';
};

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
const table = (header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string[] => [
  row(header),
  row(header.map((_, i) => (rightAligned.includes(i) ? '---:' : '---'))),
  ...rows.map(row),
];
const code = (text: string): string => `\`${text.replace(/`/g, "'")}\``;
const tagsCell = (tags: readonly string[]): string => (tags.length === 0 ? '*untagged*' : tags.map(md).join(', '));

/** Whether a repository gets its own section: anything to write, expire, archive, fix or rebuild. */
const hasNews = (r: AuditRepository): boolean =>
  r.drift === 'drifted' ||
  r.drift === 'missing' ||
  r.status === 'blocked' ||
  r.status === 'failed' ||
  r.wouldExpire.images > 0 ||
  r.wouldArchive.images > 0 ||
  r.atRiskUnderCurrentPolicy.length > 0 ||
  r.rebuild.length > 0;

const summaryLines = (report: AuditReport): string[] => {
  const t = report.totals;
  const lines = [
    `- **Policies:** ${plural(t.repositories, 'repository', 'repositories')}: ${formatCount(t.inSync)} in sync, ${formatCount(t.drifted)} drifted, ${formatCount(t.missingPolicy)} without a policy, ${formatCount(t.blocked)} blocked.`,
    `- **Findings leaving** with the expiring images: ${formatFindings(t.findingsLeaving)}. Expiring images by scan: ${formatScanCounts(t.scan)}.`,
    `- **In use:** ${plural(report.inUse.images, 'image', 'images')}${report.inUse.complete ? '' : ' (**incomplete**: no policy would be written, see failures)'}; ${md(formatKeptBy(t.keptBySource))}.`,
  ];
  if (t.inUseAtRiskUnderCurrentPolicy > 0) lines.push(`- **At risk now:** ${plural(t.inUseAtRiskUnderCurrentPolicy, 'in-use image', 'in-use images')} the current policy would expire or archive.`);
  if (t.rebuild > 0) lines.push(`- **Protected, but rebuild it:** ${plural(t.rebuild, 'in-use image has', 'in-use images have')} CRITICAL findings.`);
  const unavailable = report.inspector.filter((i) => i.coverage !== 'read');
  if (unavailable.length > 0) lines.push(`- **Inspector coverage** not read in ${unavailable.map((i) => `${md(i.region)} (${i.coverage})`).join(', ')}: images without findings there are not called clean.`);
  return lines;
};

const repositorySection = (r: AuditRepository): string[] => {
  const out = [`### ${md(r.repository)} (${md(r.region)})`, ''];
  out.push(
    `Policy **${r.drift}**, status **${r.status}**. Would expire ${plural(r.wouldExpire.images, 'image', 'images')} (${formatBytes(r.wouldExpire.bytes)}, ${formatDollars(r.wouldExpire.dollarsPerMonth)}/month)` +
      `${r.wouldArchive.images > 0 ? `, archive ${formatCount(r.wouldArchive.images)} (${formatBytes(r.wouldArchive.bytes)})` : ''}; in use ${md(formatKeptBy(r.keptBySource))}.`,
  );
  for (const reason of r.reasons) out.push(`- ${md(reason)}`);
  // A missing policy's diff is the whole target policy, the same in every such repository: one line says it.
  if (r.drift === 'missing' && r.driftDiff.length > 0) out.push(`- No lifecycle policy: ecr-keeper would write ${plural(r.driftDiff.length, 'rule', 'rules')}.`);
  else if (r.driftDiff.length > 0) {
    out.push('', '| Change | Priority | Rule |', '| --- | ---: | --- |');
    for (const c of r.driftDiff) {
      const priority = c.previousPriority !== undefined && c.previousPriority !== c.priority ? `${c.previousPriority} → ${c.priority}` : String(c.priority);
      out.push(row([c.change, priority, `${md(c.rule)}${c.was !== undefined ? ` (was: ${md(c.was)})` : ''}${c.description !== undefined ? ` — ${md(c.description)}` : ''}`]));
    }
  }
  if (r.wouldExpire.byRule.length > 0) {
    out.push('', ...table(['Rule', 'Action', 'Images', 'Bytes'], r.wouldExpire.byRule.map((t) => [`${t.rulePriority}${t.description ? ` ${md(t.description)}` : ''}`, t.action, formatCount(t.images), formatBytes(t.bytes)]), [2, 3]));
  }
  const list = r.wouldExpire.list;
  if (list.length > 0) {
    const shown = list.slice(0, MARKDOWN_IMAGES_PER_REPOSITORY);
    out.push(
      '',
      `Images that would expire${list.length > shown.length ? ` (first ${shown.length} of ${formatCount(list.length)})` : ''}:`,
      '',
      ...table(
        ['Digest', 'Tags', 'Pushed', 'Size', 'Rule', 'Reason', 'Findings', 'Scan'],
        shown.map((i) => [
          code(shortDigest(i.digest)),
          tagsCell(i.tags),
          i.pushedAt.slice(0, 10),
          i.sizeBytes === undefined ? '' : formatBytes(i.sizeBytes),
          String(i.rulePriority),
          md(i.reason),
          i.findings === undefined ? '0' : formatFindings(i.findings),
          SCAN_LABEL[i.scan],
        ]),
        [3, 4],
      ),
    );
    if (list.length > shown.length) out.push('', `… and ${formatCount(list.length - shown.length)} more (the JSON report lists them all).`);
  }
  for (const risk of r.atRiskUnderCurrentPolicy)
    out.push('', `**At risk under the current policy:** ${code(shortDigest(risk.digest))} (${tagsCell(risk.tags)}), used by ${risk.uses.map((u) => md(u.kind)).join(', ')}: ${md(risk.decision.reason)}`);
  for (const risk of r.atRiskUnderTargetPolicy)
    out.push('', `**Blocked:** the target policy would hit in-use ${code(shortDigest(risk.digest))} (${tagsCell(risk.tags)}): ${md(risk.decision.reason)}`);
  for (const image of r.rebuild)
    out.push('', `**Protected, but rebuild it:** ${code(shortDigest(image.digest))} (${image.images.map(md).join(', ')}) has ${formatFindings(image.findings)} findings; kept by ${image.keptBy.map(md).join(', ')}.`);
  return [...out, ''];
};

/** Renders the audit as GitHub-flavoured Markdown. */
export const renderAuditMarkdown = (report: AuditReport): string => {
  const t = report.totals;
  const lines = [
    '## ecr-keeper audit',
    '',
    `Read-only, ${md(report.generatedAt)}, ${report.regions.map(md).join(', ')}. **${md(headline(report))}.**`,
    '',
    ...summaryLines(report),
    '',
    ...table(
      ['Repository', 'Region', 'Policy', 'Status', 'Expire', 'Bytes', '$/month', 'Findings leaving', 'At risk now'],
      report.repositories.map((r) => [
        md(r.repository),
        md(r.region),
        r.drift,
        r.status,
        formatCount(r.wouldExpire.images),
        formatBytes(r.wouldExpire.bytes),
        formatDollars(r.wouldExpire.dollarsPerMonth),
        formatFindings(r.findingsLeaving),
        formatCount(r.atRiskUnderCurrentPolicy.length),
      ]),
      [4, 5, 6, 8],
    ),
    row(['**total**', '', '', '', `**${formatCount(t.expiringImages)}**`, `**${formatBytes(t.expiringBytes)}**`, `**${formatDollars(t.dollarsPerMonth)}**`, `**${formatFindings(t.findingsLeaving)}**`, `**${formatCount(t.inUseAtRiskUnderCurrentPolicy)}**`]),
    '',
  ];
  const news = report.repositories.filter(hasNews);
  for (const r of news) lines.push(...repositorySection(r));
  if (report.failures.length > 0) {
    lines.push('### Failures', '');
    for (const f of report.failures) lines.push(`- ${md(f.scope)} [${f.stage}${f.action ? ` ${md(f.action)}` : ''}]: ${md(f.message.split('\n')[0] ?? '')}`);
    lines.push('');
  }
  if (report.apiCalls !== undefined) {
    const ops = Object.entries(report.apiCalls.byOperation).map(([op, n]) => `${md(op)} ${formatCount(n)}`);
    lines.push(`<sub>The audit's own cost: ${plural(report.apiCalls.total, 'API call', 'API calls')}${ops.length > 0 ? ` (${ops.join(', ')})` : ''}. Prices at ${formatDollars(report.pricePerGbMonth)} per GB-month.</sub>`, '');
  }
  return lines.join('\n');
};
