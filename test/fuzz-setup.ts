/**
 * Property tests draw a fresh random seed on every local run, to explore. In CI (CI=true) they use
 * one fixed seed, so a landing is decided by the code, not by the draw; a failure found locally is
 * replayed with the seed fast-check prints. Set FC_SEED to choose a seed anywhere.
 */
import * as fc from 'fast-check';

const fixed = process.env.FC_SEED ?? (process.env.CI === 'true' ? '20261202' : undefined);
if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });
