/** Plain-text rendering of the audit for the terminal. */
import type { AuditReport } from '../lib/audit.js';
import { count, formatBytes, formatDollars, renderTable } from './table.js';

const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
const findingsCell = (counts: { total: number; bySeverity: Readonly<Record<string, number>> }): string =>
  counts.total === 0 ? '0' : `${counts.total} (${severities.map((s) => `${s[0]}${counts.bySeverity[s] ?? 0}`).join(' ')})`;

/** Repositories table, then the risks and the totals a platform engineer reads first. */
export const renderAuditTable = (audit: AuditReport): string => {
  const rows = audit.repositories.map((r) => [
    r.region,
    r.repository,
    r.drift,
    r.status,
    String(r.wouldExpire.images),
    formatBytes(r.wouldExpire.bytes),
    `$${r.wouldExpire.dollarsPerMonth.toFixed(2)}`,
    findingsCell(r.findingsLeaving),
    String(r.atRiskUnderCurrentPolicy.length),
  ]);
  const t = audit.totals;
  const lines = [
    `ecr-keeper audit (read-only) ${audit.generatedAt}`,
    '',
    renderTable(['REGION', 'REPOSITORY', 'POLICY', 'STATUS', 'EXPIRE', 'BYTES', '$/MONTH', 'FINDINGS LEAVING', 'AT RISK NOW'], rows, [4, 5, 6, 8]),
    '',
    `${count(t.repositories, 'repository', 'repositories')}: ${t.inSync} in sync, ${t.drifted} drifted, ${t.missingPolicy} without a policy, ${t.blocked} blocked`,
    `would expire ${count(t.expiringImages, 'image')}, ${formatBytes(t.expiringBytes)}, $${t.dollarsPerMonth.toFixed(2)}/month at ${formatDollars(audit.pricePerGbMonth)}/GB-month; ` +
      `findings leaving with them: ${findingsCell(t.findingsLeaving)}`,
    `in use: ${count(audit.inUse.images, 'image')}${audit.inUse.complete ? '' : ' (INCOMPLETE: see failures)'}, ${audit.inUse.foreign} in other registries, ${audit.inUse.unresolved} unresolved`,
    `kept by source: ${Object.entries(t.keptBySource).map(([kind, n]) => `${kind} ${n}`).join(', ') || 'none'}`,
  ];
  for (const r of audit.repositories) {
    for (const risk of r.atRiskUnderCurrentPolicy)
      lines.push(`AT RISK under the current policy: ${r.repository} ${risk.digest} (${risk.tags.join(',') || 'untagged'}): ${risk.decision.reason}`);
    for (const risk of r.atRiskUnderTargetPolicy)
      lines.push(`BLOCKED: ${r.repository} ${risk.digest} would be hit by the target policy: ${risk.decision.reason}`);
    for (const image of r.rebuild)
      lines.push(`PROTECTED, BUT REBUILD IT: ${r.repository} ${image.digest} (${image.images.join(', ')}): ${findingsCell(image.findings)}, kept by ${image.keptBy.join(', ')}`);
    if (r.driftDiff.length > 0) {
      lines.push(`policy diff ${r.repository}:`);
      for (const c of r.driftDiff) lines.push(`  ${DIFF_MARK[c.change]} ${c.previousPriority === undefined ? '' : `${c.previousPriority}→`}${c.priority} ${c.description ?? '(no description)'}: ${c.rule}${c.was === undefined ? '' : ` (was: ${c.was})`}`);
    }
  }
  const s = t.scan;
  lines.push(
    `expiring images without findings: ${s.clean} clean (scanned in the last 14 days), ${s.notScanned} not scanned, ${s.scanStale} scan stale, ${s.inspectorUnavailable} Inspector not enabled or not permitted`,
  );
  if (t.rebuild > 0) lines.push(`${t.rebuild} in-use ${t.rebuild === 1 ? 'image has' : 'images have'} critical findings: protected, but rebuild ${t.rebuild === 1 ? 'it' : 'them'}`);
  const preview = audit.previewCheck;
  if (preview !== undefined) {
    lines.push(`ECR preview cross-check on ${preview.repositories.length} of ${preview.sample} repositories asked: ${preview.disagreements} disagreements, ${preview.failed} failed`);
    for (const c of preview.repositories)
      for (const d of c.disagreements)
        lines.push(`DISAGREEMENT ${c.repository} ${d.digest} (${d.tags.join(',') || 'untagged'}): ECR ${d.ecr.action}${d.ecr.rulePriority === undefined ? '' : ` rule ${d.ecr.rulePriority}`}, simulator ${d.simulator.action}${d.simulator.rulePriority === undefined ? '' : ` rule ${d.simulator.rulePriority}`} (${d.simulator.reason})`);
  }
  for (const f of audit.failures) lines.push(`failure ${f.scope} [${f.stage}${f.action ? ` ${f.action}` : ''}]: ${f.message.split('\n')[0]}`);
  if (audit.apiCalls !== undefined) {
    lines.push(`this audit made ${audit.apiCalls.total} AWS calls: ${Object.entries(audit.apiCalls.byOperation).map(([op, n]) => `${op} ${n}`).join(', ')}`);
  }
  return lines.join('\n');
};

const DIFF_MARK = { added: '+', removed: '-', changed: '~', moved: '>' } as const;
