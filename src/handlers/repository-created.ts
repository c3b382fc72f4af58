/** CloudTrail CreateRepository (EventBridge): apply the baseline to that one repository at once. */
import { accountOfFunctionArn, classifyRepositoryCreated, CreateRepositoryEventSchema } from '../lib/events.js';
import { lambdaHandler } from '../lib/lambda-handler.js';
import { addCountMetrics, logger, metrics } from '../lib/observability.js';
import { sweepCounts, summarizeSweep } from '../lib/report.js';
import { toAccountId } from '../lib/domain/types.js';
import { runSweep } from '../lib/sweep.js';

export const handler = lambdaHandler({
  schema: CreateRepositoryEventSchema,
  env: process.env,
  metrics: 'on',
  handle: async (event, { context, settings, deps }) => {
    // Only our own account's repositories are ours to change; the function ARN says which that is.
    const ownAccount = accountOfFunctionArn(context.invokedFunctionArn);
    if (ownAccount === undefined)
      logger.warn('own account unknown (no function ARN in the Lambda context): the event account is not checked', {
        invokedFunctionArn: context.invokedFunctionArn,
      });
    const organisation = settings().config.organisation;
    const created = classifyRepositoryCreated(event, { ownAccount, registryAccounts: organisation?.registryAccounts });
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
    // In the organisation mode, only the account the event came from (if it is a registry) is swept.
    const registryAccounts = organisation === undefined ? undefined : [toAccountId(created.account)];
    const report = await runSweep(deps(), { mode, regions: [created.region], repositories: [created.repository], registryAccounts });
    addCountMetrics(metrics, sweepCounts(report));
    return summarizeSweep(report);
  },
});
