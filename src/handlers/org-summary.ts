/** The organisation state machine's last step: the run's summary, with its full report in the report bucket. */
import { stepHandler } from '../lib/step-handler.js';
import { SummaryEventSchema, summaryStep } from '../lib/steps-handoff.js';

export const handler = stepHandler(SummaryEventSchema, 'summary step', process.env, async (event, { handOffStore }) => summaryStep(handOffStore(), event));
