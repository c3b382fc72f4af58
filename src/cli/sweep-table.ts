/** Plain-text rendering of a sweep report for the terminal. */
import type { SweepReport } from '../lib/sweep.js';
import { renderExpiringText } from '../lib/render/sweep.js';
import { count, renderTable } from './table.js';

/** One row per repository, then totals and failures. */
export const renderSweepTable = (report: SweepReport): string => {
  const rows = report.repositories.map((o) => [
    o.region,
    o.repository,
    o.status,
    // Apply: what landed (a sweep may plan twice, before and after its re-check); dry run: the plan.
    String(report.mode === 'apply' ? o.applied.tagsAdded : (o.plan?.tagsToAdd.length ?? 0)),
    String(report.mode === 'apply' ? o.applied.tagsReleased : (o.plan?.tagsToRelease.length ?? 0)),
    o.plan?.policy.change ?? 'none',
    o.reasons.join('; '),
  ]);
  const t = report.totals;
  const lines = [
    `ecr-keeper sweep (${report.mode === 'apply' ? 'apply' : 'dry run: nothing written'})`,
    '',
    renderTable(['REGION', 'REPOSITORY', 'STATUS', '+TAGS', '-TAGS', 'POLICY', 'WHY'], rows, [3, 4]),
    '',
    `${count(t.repositories, 'repository', 'repositories')}, ${count(t.inUseImages, 'image')} in use: ${count(t.tagsAdded, 'tag')} added, ${t.tagsReleased} released, ` +
      `${count(t.policiesWritten, 'policy', 'policies')} written, ${t.unchanged} unchanged, ${t.blocked} blocked, ${t.excluded} excluded, ${t.skipped} skipped, ${t.failed} failed`,
  ];
  if (!report.inUse.complete) lines.push('in-use set INCOMPLETE: no policy written and no protection released (see failures)');
  const expiring = renderExpiringText(report);
  if (expiring.length > 0) lines.push('', ...expiring, '');
  for (const f of report.failures) lines.push(`failure ${f.scope} [${f.stage}${f.action ? ` ${f.action}` : ''}${f.code ? ` ${f.code}` : ''}]: ${f.message.split('\n')[0]}`);
  // One line per image and reason, however many tasks and services run it.
  const foreign = new Map<string, number>();
  for (const f of report.inUse.foreign) foreign.set(`${f.image}: ${f.why}`, (foreign.get(`${f.image}: ${f.why}`) ?? 0) + 1);
  for (const [line, uses] of foreign) lines.push(`not protected (outside the registries this sweep reaches): ${line}${uses > 1 ? ` (${uses} uses)` : ''}`);
  return lines.join('\n');
};
