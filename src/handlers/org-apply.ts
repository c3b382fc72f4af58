/** One batch of the organisation state machine: its repositories planned and applied against the merged in-use set (the protect pass, then the release pass). */
import { stepHandler } from '../lib/step-handler.js';
import { ApplyEventSchema, applyStep } from '../lib/steps-handoff.js';

export const handler = stepHandler(ApplyEventSchema, 'apply step', process.env, async (event, { deps, handOffStore }) => applyStep(deps(), handOffStore(), event));
