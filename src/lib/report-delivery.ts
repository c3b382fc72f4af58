/**
 * How a report leaves a Lambda run. A synchronous Lambda result is limited to 6 MB, and an audit of
 * about 20 repositories of 1,000 images is larger: with a report bucket the full report (JSON, plus
 * any rendering registered in `RENDERINGS`) goes to S3 and the result carries a summary and the keys.
 * Without a bucket the result is what it was, the summary for a sweep and the whole audit, unless the
 * audit would not fit: then its summary, saying so.
 */
import type { ReportStore, StoredObject } from './aws/ports.js';
import type { AuditReport } from './audit.js';
import { renderAuditHtml } from './render/html.js';
import { renderAuditMarkdown } from './render/markdown.js';
import { renderSweepMarkdown } from './render/sweep.js';
import type { SweepReport } from './sweep.js';

/** A folder of the bucket, under `reports/`. */
export type ReportKind = 'sweep' | 'audit';

/** A report rendered for people (Markdown, HTML): a pure function of the JSON model, never calling AWS. */
export interface ReportRendering<R> {
  /** File extension of the object, without the dot: `md`, `html`. */
  readonly extension: string;
  readonly contentType: string;
  readonly render: (report: R) => string;
}

/**
 * The renderings written next to each JSON report (`src/lib/render/`): a renderer registered here is
 * written by every handler with no other change.
 */
export const RENDERINGS: { readonly sweep: readonly ReportRendering<SweepReport>[]; readonly audit: readonly ReportRendering<AuditReport>[] } = {
  sweep: [{ extension: 'md', contentType: 'text/markdown; charset=utf-8', render: (report) => renderSweepMarkdown(report) }],
  audit: [
    { extension: 'md', contentType: 'text/markdown; charset=utf-8', render: renderAuditMarkdown },
    { extension: 'html', contentType: 'text/html; charset=utf-8', render: renderAuditHtml },
  ],
};

/** Lambda's limit for a synchronous response. */
export const LAMBDA_RESULT_LIMIT_BYTES = 6 * 1024 * 1024;
/** What a result may take of it: the rest is headroom for the invocation envelope. */
const RESULT_BUDGET_BYTES = 5 * 1024 * 1024;

/** `reports/<kind>/<ISO time>-<request id>.<extension>`: sorted by time within a kind, unique per invocation. */
export const reportKey = (kind: ReportKind, at: Date, requestId: string, extension: string): string =>
  `reports/${kind}/${at.toISOString()}-${requestId}.${extension}`;

/** Size of a value as the JSON Lambda would return. */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/** Where to write a report and under which name. */
export interface ReportDestination {
  readonly store: ReportStore;
  readonly at: Date;
  /** The Lambda request ID (or any ID unique to the run). */
  readonly requestId: string;
}

/** The destination of one run's report, or none without a store; `at` is the report's own ISO time. */
export const destinationFor = (store: ReportStore | undefined, at: string, requestId: string): ReportDestination | undefined =>
  store === undefined ? undefined : { store, at: new Date(at), requestId };

/** Where a report went: the JSON first, then each rendering; a rendering that failed is named, the JSON kept. */
export interface StoredReport {
  readonly reports: StoredObject[];
  readonly renderingsNotStored?: string[] | undefined;
}

/**
 * Writes the full report as JSON, then each rendering. Throws `AwsCallError` when the JSON cannot be
 * written; a rendering that fails (to render or to be written) is only named: the JSON is the report.
 */
export const storeReport = async <R>(
  kind: ReportKind,
  report: R,
  { store, at, requestId }: ReportDestination,
  renderings: readonly ReportRendering<R>[] = [],
): Promise<StoredReport> => {
  const reports = [await store.put(reportKey(kind, at, requestId, 'json'), JSON.stringify(report), 'application/json')];
  const renderingsNotStored: string[] = [];
  for (const r of renderings) {
    try {
      reports.push(await store.put(reportKey(kind, at, requestId, r.extension), r.render(report), r.contentType));
    } catch (error) {
      renderingsNotStored.push(`${r.extension}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return renderingsNotStored.length === 0 ? { reports } : { reports, renderingsNotStored };
};

/** The audit's figures without its per-repository lists: what a Lambda result can always hold. */
export const summarizeAudit = (report: AuditReport): object => ({
  kind: report.kind,
  readOnly: report.readOnly,
  generatedAt: report.generatedAt,
  regions: report.regions,
  inUse: report.inUse,
  totals: report.totals,
  repositories: report.repositories.length,
  failures: report.failures,
});

/**
 * Stores the report and returns its keys, or why it could not: a report that cannot be written must
 * not turn a sweep that did its work into a failed invocation (nor hide its summary).
 */
const tryStore = async <R>(kind: ReportKind, report: R, destination: ReportDestination, renderings: readonly ReportRendering<R>[]): Promise<StoredReport | { reportNotStored: string }> => {
  try {
    return await storeReport(kind, report, destination, renderings);
  } catch (error) {
    return { reportNotStored: error instanceof Error ? error.message : String(error) };
  }
};

/**
 * The audit as a Lambda result: with a destination, its summary and the keys; without one (or when
 * the write failed), the whole report while it fits in a Lambda result, else the summary saying so.
 */
export const deliverAudit = async (
  report: AuditReport,
  destination: ReportDestination | undefined,
  renderings: readonly ReportRendering<AuditReport>[] = RENDERINGS.audit,
): Promise<object> => {
  const stored = destination === undefined ? undefined : await tryStore('audit', report, destination, renderings);
  if (stored !== undefined && 'reports' in stored) return { ...summarizeAudit(report), ...stored };
  if (jsonBytes(report) <= RESULT_BUDGET_BYTES) return stored === undefined ? report : { ...report, ...stored };
  return {
    ...summarizeAudit(report),
    ...stored,
    truncated: `the full audit is over ${RESULT_BUDGET_BYTES / 1024 / 1024} MB, more than a Lambda result holds: set KEEPER_REPORT_BUCKET (serverless.yml does) to have it written to S3`,
  };
};

/** The sweep as a Lambda result: its summary, plus the keys of the full report (or why it was not written) when there is a destination. */
export const deliverSweep = async (
  report: SweepReport,
  summary: object,
  destination: ReportDestination | undefined,
  renderings: readonly ReportRendering<SweepReport>[] = RENDERINGS.sweep,
): Promise<object> => (destination === undefined ? summary : { ...summary, ...(await tryStore('sweep', report, destination, renderings)) });
