/** One discovery item of the organisation state machine: the in-use set of one consumer account and region, written to the report bucket. */
import { stepHandler } from '../lib/step-handler.js';
import { DiscoverEventSchema, discoverStep } from '../lib/steps-handoff.js';

export const handler = stepHandler(DiscoverEventSchema, 'discover step', process.env, async (event, { deps, handOffStore }) => discoverStep(deps(), handOffStore(), event));
