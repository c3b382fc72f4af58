/** CloudTrail CreateRepository (EventBridge): apply the baseline to that one repository at once. */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context } from 'aws-lambda';
import { loadSettings } from '../lib/config.js';
import { accountOfFunctionArn, classifyRepositoryCreatedEvent } from '../lib/events.js';
import { addCountMetrics, logger, metrics } from '../lib/observability.js';
import { sweepCounts, summarizeSweep } from '../lib/report.js';
import { createSweepDeps, once } from '../lib/runtime.js';
import { runSweep } from '../lib/sweep.js';

const settings = once(() => loadSettings(process.env));
const deps = once(() => createSweepDeps(settings().config, logger));

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event: unknown, context: Context) => {
    // Only our own account's repositories are ours to change; the function ARN says which that is.
    const ownAccount = accountOfFunctionArn(context.invokedFunctionArn);
    if (ownAccount === undefined)
      logger.warn('own account unknown (no function ARN in the Lambda context): the event account is not checked', {
        invokedFunctionArn: context.invokedFunctionArn,
      });
    const created = classifyRepositoryCreatedEvent(event, { ownAccount });
    if (created.kind === 'invalid') {
      logger.error('malformed CreateRepository event, nothing done', { reason: created.reason, field: created.error.field });
      // A metric, so an alarm can catch a rule that delivers events of a shape we do not expect.
      addCountMetrics(metrics, { EventsRejected: 1 });
      return { status: 'rejected', reason: created.reason };
    }
    if (created.kind === 'ignore') {
      logger.info('event ignored', { reason: created.reason });
      addCountMetrics(metrics, { EventsIgnored: 1 });
      return { status: 'ignored', reason: created.reason };
    }
    const mode = settings().dryRun ? 'dry-run' : 'apply';
    const report = await runSweep(deps(), { mode, regions: [created.region], repositories: [created.repository] });
    addCountMetrics(metrics, sweepCounts(report));
    return summarizeSweep(report);
  });
