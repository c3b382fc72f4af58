/** Scheduled sweep (EventBridge): plan and apply everywhere; dry run unless KEEPER_DRY_RUN=false. */
import { SweepEventSchema, scopeOf } from '../lib/events.js';
import { lambdaHandler } from '../lib/lambda-handler.js';
import { addCountMetrics, metrics } from '../lib/observability.js';
import { sweepCounts, summarizeSweep } from '../lib/report.js';
import { deliverSweep, destinationFor } from '../lib/report-delivery.js';
import { runSweep } from '../lib/sweep.js';

export const handler = lambdaHandler({
  schema: SweepEventSchema,
  env: process.env,
  metrics: 'on-with-cold-start',
  handle: async (event, { context, settings, deps, reportStore }) => {
    const scope = scopeOf(event, 'sweep event');
    const { dryRun, regions } = settings();
    const sweepDeps = deps();
    const report = await runSweep(sweepDeps, { mode: dryRun ? 'dry-run' : 'apply', regions: scope.regions ?? regions, repositories: scope.repositories });
    addCountMetrics(metrics, sweepCounts(report));
    return deliverSweep(report, summarizeSweep(report), destinationFor(reportStore(), report.startedAt, context.awsRequestId));
  },
});
