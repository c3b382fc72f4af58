/** The organisation state machine's merge: the discovery items' in-use sets as one (incomplete if any item was). */
import { stepHandler } from '../lib/step-handler.js';
import { MergeEventSchema, mergeStep } from '../lib/steps-handoff.js';

export const handler = stepHandler(MergeEventSchema, 'merge step', process.env, async (event, { deps, handOffStore }) => mergeStep(deps(), handOffStore(), event));
