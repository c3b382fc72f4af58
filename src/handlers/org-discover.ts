/** One discovery item of the organisation state machine: the in-use set of one consumer account and region, written to the report bucket. */
import { z } from 'zod';
import { lambdaHandler } from '../lib/lambda-handler.js';
import { DiscoverEventSchema, discoverStep, parseStep } from '../lib/steps-handoff.js';

export const handler = lambdaHandler({
  // Validated by the step (parseStep), so that a bad field fails the state naming that field.
  schema: z.unknown(),
  env: process.env,
  handle: async (parsed, { deps, handOffStore }) => {
    const event: unknown = parsed.success ? parsed.data : undefined;
    return discoverStep(deps(), handOffStore(), parseStep(DiscoverEventSchema, event, 'discover step'));
  },
});
