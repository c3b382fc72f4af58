/** Plain-text rendering of the audit for the terminal. */
import type { AuditReport } from '../lib/audit.js';
import { formatBytes, renderTable } from './table.js';

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
    `${t.repositories} repositories: ${t.inSync} in sync, ${t.drifted} drifted, ${t.missingPolicy} without a policy, ${t.blocked} blocked`,
    `would expire ${t.expiringImages} images, ${formatBytes(t.expiringBytes)}, $${t.dollarsPerMonth.toFixed(2)}/month at $${audit.pricePerGbMonth}/GB-month; ` +
      `findings leaving with them: ${findingsCell(t.findingsLeaving)}`,
    `in use: ${audit.inUse.images} images${audit.inUse.complete ? '' : ' (INCOMPLETE: see failures)'}, ${audit.inUse.foreign} in other registries, ${audit.inUse.unresolved} unresolved`,
    `kept by source: ${Object.entries(t.keptBySource).map(([kind, n]) => `${kind} ${n}`).join(', ') || 'none'}`,
  ];
  for (const r of audit.repositories) {
    for (const risk of r.atRiskUnderCurrentPolicy)
      lines.push(`AT RISK under the current policy: ${r.repository} ${risk.digest} (${risk.tags.join(',') || 'untagged'}): ${risk.decision.reason}`);
    for (const risk of r.atRiskUnderTargetPolicy)
      lines.push(`BLOCKED: ${r.repository} ${risk.digest} would be hit by the target policy: ${risk.decision.reason}`);
    const unscanned = r.findingsLeaving.possiblyUnscanned;
    if (unscanned > 0) {
      lines.push(`note: ${r.repository}: ${unscanned} expiring ${unscanned === 1 ? 'image has' : 'images have'} no findings but ${unscanned === 1 ? 'was' : 'were'} not pushed or pulled in 14 days: likely not scanned, not clean`);
    }
  }
  for (const f of audit.failures) lines.push(`failure ${f.scope} [${f.stage}${f.action ? ` ${f.action}` : ''}]: ${f.message.split('\n')[0]}`);
  return lines.join('\n');
};
