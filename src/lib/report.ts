/**
 * Shapes a sweep report for its readers: a compact JSON summary for the Lambda result,
 * count metrics, and a plain-text table for the CLI.
 */
import type { RepositoryOutcome, SweepReport } from './sweep.js';

/** Per-repository line of the summary: enough to act on, without the image lists. */
export interface RepositorySummary {
  readonly repository: string;
  readonly region: string;
  readonly status: RepositoryOutcome['status'];
  readonly tagsToAdd: number;
  readonly tagsToRelease: number;
  readonly policy: 'create' | 'update' | 'none';
  readonly applied?: RepositoryOutcome['applied'] | undefined;
  readonly reasons: readonly string[];
}

/** The Lambda result: totals, failures, and one line per repository that needs attention or changed. */
export const summarizeSweep = (report: SweepReport): object => ({
  mode: report.mode,
  startedAt: report.startedAt,
  finishedAt: report.finishedAt,
  ok: report.failures.length === 0,
  inUseComplete: report.inUse.complete,
  totals: report.totals,
  regions: report.regions,
  failures: report.failures,
  repositories: report.repositories.filter((o) => o.status !== 'unchanged' && o.status !== 'excluded').map(summarizeRepository),
  foreignImages: report.inUse.foreign,
  unresolvedImages: report.inUse.unresolved,
});

/** One repository outcome without image lists. */
export const summarizeRepository = (o: RepositoryOutcome): RepositorySummary => ({
  repository: o.repository,
  region: o.region,
  status: o.status,
  tagsToAdd: o.plan?.tagsToAdd.length ?? 0,
  tagsToRelease: o.plan?.tagsToRelease.length ?? 0,
  policy: o.plan?.policy.change ?? 'none',
  ...(o.status === 'applied' ? { applied: o.applied } : {}),
  reasons: o.reasons,
});

/** Business counts published as metrics after every sweep. */
export const sweepCounts = (report: SweepReport): Record<string, number> => ({
  RepositoriesScanned: report.totals.repositories,
  InUseImages: report.totals.inUseImages,
  ImagesProtected: report.totals.tagsAdded,
  ProtectionsReleased: report.totals.tagsReleased,
  PoliciesWritten: report.totals.policiesWritten,
  RepositoriesUnchanged: report.totals.unchanged,
  RepositoriesRefusedUnsafe: report.totals.blocked,
  RepositoryFailures: report.totals.failed,
  Failures: report.failures.length,
});
