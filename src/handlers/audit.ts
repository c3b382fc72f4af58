/** On-demand audit: a read-only report (drift, what would expire and why, bytes, dollars, findings, risks). */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { runAudit } from '../lib/audit.js';
import { loadSettings } from '../lib/config.js';
import { parseAuditEvent } from '../lib/events.js';
import { logger } from '../lib/observability.js';
import { createSweepDeps, once } from '../lib/runtime.js';

const settings = once(() => loadSettings(process.env));
const deps = once(() => createSweepDeps(settings().config, logger));

export const handler = middy()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event: unknown) => {
    const scope = parseAuditEvent(event);
    return runAudit(deps(), { regions: scope.regions ?? settings().regions, repositories: scope.repositories });
  });
