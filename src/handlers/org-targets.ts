/** Step 1 of the organisation state machine: the accounts (each role proven once), the consumer account × region items and the registry batches. */
import { z } from 'zod';
import { lambdaHandler } from '../lib/lambda-handler.js';
import { TargetsEventSchema, targetsStep, parseStep } from '../lib/steps-handoff.js';

export const handler = lambdaHandler({
  // Validated by the step (parseStep), so that a bad field fails the state naming that field.
  schema: z.unknown(),
  env: process.env,
  handle: async (parsed, { settings, deps }) => {
    const event: unknown = parsed.success ? parsed.data : undefined;
    return targetsStep(deps(), parseStep(TargetsEventSchema, event, 'targets step'), settings());
  },
});
