/**
 * Small helpers the report renderers share: numbers for people, and escaping for the two formats
 * whose text comes from the account (repository names and tags are chosen by whoever pushes).
 */
import type { AuditReport, AuditRepository, FindingCounts } from '../audit.js';

/** 1536 → "1.5 KiB"; binary units, one decimal. */
export const formatBytes = (bytes: number): string => {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
};

/** 1234.5 → "$1,234.50". */
export const formatDollars = (dollars: number): string =>
  `$${dollars.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/** 33000 → "33,000". */
export const formatCount = (n: number): string => n.toLocaleString('en-US');

/** "1 repository", "2 repositories". */
export const plural = (n: number, one: string, many: string): string => `${formatCount(n)} ${n === 1 ? one : many}`;

/** Text for HTML element content and attribute values: `& < > " '` become entities. */
export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;'));

/**
 * Text for a Markdown table cell: the pipe would end the cell, a newline the row, and GitHub renders
 * inline HTML, so `<`, `>` and `&` become entities; backslashes and Markdown punctuation are escaped.
 */
export const escapeMarkdown = (text: string): string =>
  text
    .replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'))
    .replace(/[\\`*_[\]|#~]/g, (c) => `\\${c}`)
    .replace(/\s*[\r\n]+\s*/g, ' ');

/** Severities in the order people read them; the aggregation's `OTHER` (low and below) last. */
export const SEVERITY_ORDER = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNTRIAGED', 'OTHER'] as const;

/** The severities present in `counts`, in `SEVERITY_ORDER` (unknown names after, sorted). */
export const severitiesOf = (counts: FindingCounts): [string, number][] => {
  const known: readonly string[] = SEVERITY_ORDER;
  const entries = Object.entries(counts.bySeverity).filter(([, n]) => n > 0);
  const rank = (s: string): number => (known.includes(s) ? known.indexOf(s) : known.length);
  return entries.sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b));
};

/** "12 (CRITICAL 1, HIGH 3, …)" or "0". */
export const formatFindings = (counts: FindingCounts): string => {
  if (counts.total === 0) return '0';
  const parts = severitiesOf(counts).map(([s, n]) => `${s} ${formatCount(n)}`);
  return parts.length === 0 ? formatCount(counts.total) : `${formatCount(counts.total)} (${parts.join(', ')})`;
};

/** The first 12 hex digits of a digest, as ECR's console shows it: `sha256:3f2a…`. */
export const shortDigest = (digest: string): string => (digest.length > 19 ? `${digest.slice(0, 19)}…` : digest);

/** The in-use source that is the pull guard (images pulled recently), as `keptBySource` names it. */
export const PULL_GUARD_SOURCE = 'recent-pull';

/** Images the pull guard keeps (its own count, not one of the in-use sources). */
const keptByPullGuard = (keptBySource: Readonly<Record<string, number>>): number => keptBySource[PULL_GUARD_SOURCE] ?? 0;


/**
 * Images by the decision the target policy makes: `keptInUse` counts distinct in-use images the
 * repositories hold (referrers kept with them included), `keptByPullGuard` those only the pull guard
 * keeps (the guard adds only images nothing else keeps), `keptByRule` every other image the policy
 * leaves (what the listing holds, less the rest).
 */
export interface DecisionCounts {
  readonly keptInUse: number;
  readonly keptByPullGuard: number;
  readonly keptByRule: number;
  readonly expire: number;
  readonly archive: number;
}

/** `DecisionCounts` over every repository of the report. */
export const totalDecisions = (report: AuditReport): DecisionCounts => {
  const sum = (f: (r: AuditRepository) => number): number => report.repositories.reduce((n, r) => n + f(r), 0);
  const guard = sum((r) => keptByPullGuard(r.keptBySource));
  const inUse = sum((r) => r.images.inUse);
  const expire = sum((r) => r.wouldExpire.images);
  const archive = sum((r) => r.wouldArchive.images);
  return {
    keptInUse: Math.max(0, inUse - guard),
    keptByPullGuard: guard,
    // A blocked repository's target may act on in-use images: never below zero.
    keptByRule: sum((r) => Math.max(0, r.images.listed - r.images.inUse - r.wouldExpire.images - r.wouldArchive.images)),
    expire,
    archive,
  };
};

/** "task 3, service-revision 1" (the pull guard left out), or "none": an image may count under several sources. */
export const formatInUseSources = (keptBySource: Readonly<Record<string, number>>): string =>
  Object.entries(keptBySource)
    .filter(([source, n]) => source !== PULL_GUARD_SOURCE && n > 0)
    .map(([source, n]) => `${source} ${formatCount(n)}`)
    .join(', ') || 'none';

/** "by source: task 3, service-revision 1; kept by the pull guard: 2", as the summary and each repository say it. */
export const formatKeptBy = (keptBySource: Readonly<Record<string, number>>): string =>
  `by source: ${formatInUseSources(keptBySource)}; kept by the pull guard: ${formatCount(keptByPullGuard(keptBySource))}`;

/** The one-line headline of an audit, e.g. "would expire 2,109 images (31.2 GiB, $3.12/month) in 3 of 12 repositories". */
export const headline = (report: AuditReport): string => {
  const t = report.totals;
  const touched = report.repositories.filter((r) => r.wouldExpire.images > 0).length;
  return t.expiringImages === 0
    ? `nothing to expire in ${plural(t.repositories, 'repository', 'repositories')}`
    : `would expire ${plural(t.expiringImages, 'image', 'images')} (${formatBytes(t.expiringBytes)}, ${formatDollars(t.dollarsPerMonth)}/month) in ${formatCount(touched)} of ${plural(t.repositories, 'repository', 'repositories')}`;
};
