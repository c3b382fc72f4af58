/** On-demand audit: a read-only report (drift, what would expire and why, bytes, dollars, findings, risks). */
import { runAudit } from '../lib/audit.js';
import { awsCallCounts } from '../lib/aws/clients.js';
import { AuditEventSchema, scopeOf } from '../lib/events.js';
import { lambdaHandler } from '../lib/lambda-handler.js';
import { deliverAudit, destinationFor } from '../lib/report-delivery.js';

export const handler = lambdaHandler({
  schema: AuditEventSchema,
  env: process.env,
  handle: async (event, { context, settings, deps, reportStore }) => {
    const scope = scopeOf(event, 'audit event');
    // No preview here: the audit role is not granted StartLifecyclePolicyPreview (ECR_PREVIEW_ACTIONS).
    const report = await runAudit({ ...deps(), apiCalls: awsCallCounts }, { regions: scope.regions ?? settings().regions, repositories: scope.repositories });
    return deliverAudit(report, destinationFor(reportStore(), report.generatedAt, context.awsRequestId));
  },
});
