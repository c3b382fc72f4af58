/**
 * Property tests draw a fresh random seed on every local run, to explore. In CI (CI=true) they use
 * one fixed seed, so a landing is decided by the code, not by the draw; a failure found locally is
 * replayed with the seed fast-check prints. Set FC_SEED to choose a seed anywhere.
 *
 * Size: the slow properties declare their full size through `fcRuns(full)` and run a quarter of it
 * by default (sized for `npm test` and CI); FC_SCALE=1 runs the full size, FC_SCALE=4 four times it.
 * The sweep model's account count (KEEPER_MODEL_RUNS) follows the same scale (vitest.config.ts).
 */
import * as fc from 'fast-check';

const fixed = process.env.FC_SEED ?? (process.env.CI === 'true' ? '20261202' : undefined);
if (fixed !== undefined) fc.configureGlobal({ seed: Number(fixed) });

/** The scale of property runs; a quarter of the full size unless FC_SCALE says otherwise. */
export const FC_SCALE = ((): number => {
  const raw = process.env.FC_SCALE;
  if (raw === undefined || raw.trim() === '') return 0.25;
  const scale = Number(raw);
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`FC_SCALE must be a positive number, got "${raw}"`);
  return scale;
})();

/** `full` runs scaled by FC_SCALE, at least 1. */
export const fcRuns = (full: number): number => Math.max(1, Math.round(full * FC_SCALE));
