/** One batch of the organisation state machine: its repositories planned and applied against the merged in-use set (the protect pass, then the release pass). */
import { z } from 'zod';
import { lambdaHandler } from '../lib/lambda-handler.js';
import { ApplyEventSchema, applyStep, parseStep } from '../lib/steps-handoff.js';

export const handler = lambdaHandler({
  // Validated by the step (parseStep), so that a bad field fails the state naming that field.
  schema: z.unknown(),
  env: process.env,
  handle: async (parsed, { deps, handOffStore }) => {
    const event: unknown = parsed.success ? parsed.data : undefined;
    return applyStep(deps(), handOffStore(), parseStep(ApplyEventSchema, event, 'apply step'));
  },
});
