/**
 * The safety gate: a policy may be written only if simulating it on the repository, as it will be
 * after the planned tag changes, neither expires nor archives any in-use digest. Archiving counts:
 * an archived image cannot be pulled ("Requests to pull the archived image will fail with a 404").
 * Index children and referrers need no special case here: the simulator already keeps a child while
 * its index survives and expires a referrer with its subject, so checking each in-use digest's own
 * verdict is enough. Pure: no AWS SDK import.
 */
import type { Digest, ImageRecord, InUseImage, UseSource } from '../domain/types.js';
import { simulatePolicy } from '../policy/simulate.js';
import type { Decision, ImageVerdict, LifecyclePolicy, SimulationResult } from '../policy/types.js';

/** An in-use image the policy would expire or archive, with the rule and the workloads that use it. */
export interface AtRiskImage {
  readonly digest: Digest;
  readonly tags: readonly string[];
  readonly decision: Extract<Decision, { kind: 'expire' | 'transition' }>;
  /** Description of the rule that acts (`decision.rulePriority`), when it has one. */
  readonly ruleDescription?: string | undefined;
  readonly uses: readonly UseSource[];
}

/** Outcome of the gate; `atRisk` lists every in-use image the policy would lose, in input order. */
export type GateResult =
  | { readonly safe: true; readonly simulation: SimulationResult }
  | { readonly safe: false; readonly simulation: SimulationResult; readonly atRisk: readonly AtRiskImage[] };

/** In-use digests of a listing with every use of each, merged across in-use entries. */
export const usesByDigest = (inUse: readonly InUseImage[]): ReadonlyMap<Digest, readonly UseSource[]> => {
  const map = new Map<Digest, UseSource[]>();
  for (const entry of inUse) {
    const list = map.get(entry.digest);
    if (list === undefined) map.set(entry.digest, [...entry.uses]);
    else list.push(...entry.uses);
  }
  return map;
};

/** The in-use images of `simulation` whose verdict is expire or transition. */
export const inUseAtRisk = (
  policy: LifecyclePolicy,
  simulation: SimulationResult,
  inUse: readonly InUseImage[],
): AtRiskImage[] => {
  const uses = usesByDigest(inUse);
  const atRisk: AtRiskImage[] = [];
  const { verdicts } = simulation;
  for (let i = 0; i < verdicts.length; i++) {
    const { image, decision } = verdicts[i] as ImageVerdict;
    if (decision.kind === 'keep') continue;
    const imageUses = uses.get(image.digest);
    if (imageUses === undefined) continue;
    const rule = policy.rules.find((r) => r.rulePriority === decision.rulePriority);
    atRisk.push({ digest: image.digest, tags: image.tags, decision, ruleDescription: rule?.description, uses: imageUses });
  }
  return atRisk;
};

/**
 * Simulates `policy` on `images` (pass the projected listing, with planned tag changes applied)
 * and reports every in-use digest it would expire or archive. In-use digests absent from `images`
 * are not at risk here; the planner reports them separately.
 */
export const gate = (
  policy: LifecyclePolicy,
  images: readonly ImageRecord[],
  inUse: readonly InUseImage[],
  now: Date,
): GateResult => {
  const simulation = simulatePolicy(policy, images, now);
  const atRisk = inUseAtRisk(policy, simulation, inUse);
  return atRisk.length === 0 ? { safe: true, simulation } : { safe: false, simulation, atRisk };
};
