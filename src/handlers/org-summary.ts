/** The organisation state machine's last step: the run's summary, with its full report in the report bucket. */
import { z } from 'zod';
import { lambdaHandler } from '../lib/lambda-handler.js';
import { SummaryEventSchema, summaryStep, parseStep } from '../lib/steps-handoff.js';

export const handler = lambdaHandler({
  // Validated by the step (parseStep), so that a bad field fails the state naming that field.
  schema: z.unknown(),
  env: process.env,
  handle: async (parsed, { handOffStore }) => {
    const event: unknown = parsed.success ? parsed.data : undefined;
    return summaryStep(handOffStore(), parseStep(SummaryEventSchema, event, 'summary step'));
  },
});
