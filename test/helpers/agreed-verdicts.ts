/**
 * A lifecycle policy judged by two evaluators: the project's simulator, which is the gate's own model
 * (the code that approved the policy before the sweep wrote it), and the deliberately naive
 * reference evaluator written from the AWS documentation (reference-evaluator.ts). A test that
 * asserts an image is kept or expired by a written policy asks here, so the gate is never judged by
 * its own model alone.
 */
import { expect } from 'vitest';
import type { Digest, ImageRecord } from '../../src/lib/domain/types.js';
import { simulatePolicy } from '../../src/lib/policy/simulate.js';
import type { Decision, LifecyclePolicy } from '../../src/lib/policy/types.js';
import { referenceVerdicts } from './reference-evaluator.js';

/** What a policy does to one image. */
export type VerdictKind = Decision['kind'];

/**
 * The verdict of `policy` on every image of `images` at `now`, per digest. Fails the test unless the
 * simulator and the reference evaluator give every image of the listing the same verdict.
 */
export const agreedVerdicts = (policy: LifecyclePolicy, images: readonly ImageRecord[], now: Date): ReadonlyMap<Digest, VerdictKind> => {
  const simulated = new Map(simulatePolicy(policy, images, now).verdicts.map(({ image, decision }): [Digest, VerdictKind] => [image.digest, decision.kind]));
  const reference = new Map([...referenceVerdicts(policy, images, now)].map(([digest, outcome]): [Digest, VerdictKind] => [digest, outcome.kind]));
  expect(simulated, 'the simulator and the reference evaluator disagree on the listing').toEqual(reference);
  return simulated;
};
