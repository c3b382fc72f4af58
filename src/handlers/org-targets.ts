/** Step 1 of the organisation state machine: the accounts (each role proven once), the consumer account × region items and the registry batches. */
import { stepHandler } from '../lib/step-handler.js';
import { TargetsEventSchema, targetsStep } from '../lib/steps-handoff.js';

export const handler = stepHandler(TargetsEventSchema, 'targets step', process.env, async (event, { settings, deps, handOffStore }) => targetsStep(deps(), handOffStore(), event, settings()));
