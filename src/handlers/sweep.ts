/** Scheduled sweep (EventBridge): plan and apply everywhere; dry run unless KEEPER_DRY_RUN=false. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { loadSettings } from '../lib/config.js';
import { parseSweepEvent } from '../lib/events.js';
import { addCountMetrics, logger, metrics } from '../lib/observability.js';
import { sweepCounts, summarizeSweep } from '../lib/report.js';
import { createSweepDeps, once } from '../lib/runtime.js';
import { runSweep } from '../lib/sweep.js';

const settings = once(() => loadSettings(process.env));
const deps = once(() => createSweepDeps(settings().config, logger));

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .handler(async (event: unknown) => {
    const scope = parseSweepEvent(event);
    const mode = settings().dryRun ? 'dry-run' : 'apply';
    const report = await runSweep(deps(), { mode, regions: scope.regions ?? settings().regions, repositories: scope.repositories });
    addCountMetrics(metrics, sweepCounts(report));
    return summarizeSweep(report);
  });
