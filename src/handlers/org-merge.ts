/** The organisation state machine's merge: the discovery items' in-use sets as one (incomplete if any item was). */
import { z } from 'zod';
import { lambdaHandler } from '../lib/lambda-handler.js';
import { MergeEventSchema, mergeStep, parseStep } from '../lib/steps-handoff.js';

export const handler = lambdaHandler({
  // Validated by the step (parseStep), so that a bad field fails the state naming that field.
  schema: z.unknown(),
  env: process.env,
  handle: async (parsed, { deps, handOffStore }) => {
    const event: unknown = parsed.success ? parsed.data : undefined;
    return mergeStep(deps(), handOffStore(), parseStep(MergeEventSchema, event, 'merge step'));
  },
});
