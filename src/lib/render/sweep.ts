/**
 * The sweep report for people: per repository, the images its plan's target policy would expire
 * (not only how many), capped with "… and N more", as plain text for the terminal table and as
 * Markdown. Pure functions of the sweep report.
 */
import type { AffectedImage } from '../plan/types.js';
import type { RepositoryOutcome, SweepReport } from '../sweep.js';
import { escapeMarkdown as md, formatBytes, formatCount, plural, shortDigest } from './format.js';

/** Images listed per repository in the terminal table. */
export const TABLE_EXPIRING_PER_REPOSITORY = 10;
/** Images listed per repository in Markdown. */
export const MARKDOWN_EXPIRING_PER_REPOSITORY = 20;

/** The images the target policy of a repository's plan would expire, oldest push first. */
export const expiringImagesOf = (o: RepositoryOutcome): AffectedImage[] =>
  (o.plan?.target?.affected ?? []).filter((a) => a.action === 'expire').sort((a, b) => a.pushedAt.localeCompare(b.pushedAt));

/**
 * How many images and bytes the target policy would expire: the plan's exact counts, which a sweep
 * report whose image lists were capped (`imageListLimitOf` in sweep.ts) still holds; else counted from the list.
 */
const expiringTotals = (o: RepositoryOutcome, images: readonly AffectedImage[]): { readonly count: number; readonly bytes: number } => ({
  count: o.plan?.target?.expiringImages ?? images.length,
  bytes: o.plan?.target?.expiringBytes ?? images.reduce((n, i) => n + (i.sizeBytes ?? 0), 0),
});

const tagsOf = (tags: readonly string[]): string => (tags.length === 0 ? 'untagged' : tags.join(','));

/** Text lines: a heading per repository with images to expire, then up to `cap` images, then "… and N more". */
export const renderExpiringText = (report: SweepReport, cap = TABLE_EXPIRING_PER_REPOSITORY): string[] => {
  const lines: string[] = [];
  for (const o of report.repositories) {
    const images = expiringImagesOf(o);
    if (images.length === 0) continue;
    const { count, bytes } = expiringTotals(o, images);
    lines.push(`${o.repository} (${o.region}): ${report.mode === 'apply' ? 'the policy expires' : 'the plan would expire'} ${plural(count, 'image', 'images')}, ${formatBytes(bytes)}`);
    const shown = images.slice(0, cap);
    for (const i of shown) lines.push(`  ${shortDigest(i.digest)}  ${tagsOf(i.tags)}  pushed ${i.pushedAt.slice(0, 10)}  rule ${i.rulePriority}: ${i.reason}`);
    if (count > shown.length) lines.push(`  … and ${formatCount(count - shown.length)} more`);
  }
  return lines;
};

/** The sweep as Markdown: the totals, one table of repositories, then the images each plan would expire. */
export const renderSweepMarkdown = (report: SweepReport, cap = MARKDOWN_EXPIRING_PER_REPOSITORY): string => {
  const t = report.totals;
  const lines = [
    `## ecr-keeper sweep (${report.mode === 'apply' ? 'apply' : 'dry run: nothing written'})`,
    '',
    `${plural(t.repositories, 'repository', 'repositories')}, ${plural(t.inUseImages, 'image', 'images')} in use: ${formatCount(t.tagsAdded)} tags added, ${formatCount(t.tagsReleased)} released, ` +
      `${formatCount(t.policiesWritten)} policies written, ${formatCount(t.unchanged)} unchanged, ${formatCount(t.blocked)} blocked, ${formatCount(t.excluded)} excluded, ${formatCount(t.skipped)} skipped, ${formatCount(t.failed)} failed.`,
  ];
  if (!report.inUse.complete) lines.push('', '**The in-use set is incomplete:** no policy written and no protection released (see failures).');
  lines.push(
    '',
    '| Repository | Region | Status | +Tags | -Tags | Policy | Expire | Why |',
    '| --- | --- | --- | ---: | ---: | --- | ---: | --- |',
    ...report.repositories.map(
      (o) =>
        `| ${md(o.repository)} | ${md(o.region)} | ${o.status} | ${o.plan?.tagsToAdd.length ?? 0} | ${o.plan?.tagsToRelease.length ?? 0} | ${o.plan?.policy.change ?? 'none'} | ${formatCount(expiringTotals(o, expiringImagesOf(o)).count)} | ${o.reasons.map(md).join('; ')} |`,
    ),
  );
  for (const o of report.repositories) {
    const images = expiringImagesOf(o);
    if (images.length === 0) continue;
    const { count } = expiringTotals(o, images);
    lines.push('', `### ${md(o.repository)} (${md(o.region)}): ${plural(count, 'image', 'images')} to expire`, '', '| Digest | Tags | Pushed | Rule | Reason |', '| --- | --- | --- | ---: | --- |');
    const shown = images.slice(0, cap);
    for (const i of shown)
      lines.push(`| \`${shortDigest(i.digest)}\` | ${i.tags.length === 0 ? '*untagged*' : i.tags.map(md).join(', ')} | ${i.pushedAt.slice(0, 10)} | ${i.rulePriority} | ${md(i.reason)} |`);
    if (count > shown.length) lines.push('', `… and ${formatCount(count - shown.length)} more`);
  }
  if (report.failures.length > 0) {
    lines.push('', '### Failures', '');
    for (const f of report.failures) lines.push(`- ${md(f.scope)} [${f.stage}${f.action ? ` ${md(f.action)}` : ''}]: ${md(f.message.split('\n')[0] ?? '')}`);
  }
  return `${lines.join('\n')}\n`;
};
