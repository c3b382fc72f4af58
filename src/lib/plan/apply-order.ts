/**
 * The order of a plan's writes, proven safe at every step. A write can fail or the Lambda can time
 * out between any two calls, so every prefix of the sequence is a state the account may stay in
 * until the next sweep, under whatever policy is in force at that moment. Each candidate order is
 * replayed write by write through the simulator; one is accepted only if, after every step:
 * - no image is deleted (a tag removal never takes an image's last tag);
 * - no image newly becomes expiring or archiving unless it is proven unused (in-use set complete
 *   and the digest not in it): what cannot be seen cannot be called unused;
 * - no in-use image is at risk that was not already at risk before the first write;
 * - once the target policy has been written, no in-use image is at risk at all (the gate's promise);
 *   a guard policy (the policy in force with protection rules on top) is held to "no worse", and
 *   the tags that follow it make the in-use images it could not yet shield safe.
 * Pure: no AWS SDK import.
 */
import type { Digest, ImageRecord } from '../domain/types.js';
import { selectionMatches } from '../policy/match.js';
import { effectivePushTime, simulatePolicy } from '../policy/simulate.js';
import type { LifecyclePolicy } from '../policy/types.js';

/** One write call of an apply, in order. */
export type ApplyStep =
  | { readonly kind: 'add-tag'; readonly digest: Digest; readonly tag: string; readonly role: 'protection' | 'home' }
  | { readonly kind: 'put-policy'; readonly role: 'guard' | 'target'; readonly text: string }
  | { readonly kind: 'remove-tag'; readonly digest: Digest; readonly tag: string };

/** A policy to write, parsed (for the simulator) and serialised (for ECR). */
export interface PolicyToWrite {
  readonly policy: LifecyclePolicy;
  readonly text: string;
}

/** The policy in force: none (nothing expires), a readable one, or one we cannot read (cannot be simulated). */
export type PolicyInForce = { readonly kind: 'none' } | { readonly kind: 'policy'; readonly policy: LifecyclePolicy } | { readonly kind: 'unreadable' };

export interface OrderInput {
  readonly images: readonly ImageRecord[];
  readonly inForce: PolicyInForce;
  /** Tags to add; each image's protection tag is put before its home tag. */
  readonly adds: readonly { readonly digest: Digest; readonly tag: string; readonly role: 'protection' | 'home' }[];
  readonly removes: readonly { readonly digest: Digest; readonly tag: string }[];
  /** The policy to end with; absent when no policy is to be written. */
  readonly target?: PolicyToWrite | undefined;
  /** The policy in force with protection rules put first: written before tags when that is what makes them safe. */
  readonly guard?: PolicyToWrite | undefined;
  /** Try the guard first even with no tag to add (no target is written, and in-use images are at risk under the policy in force). */
  readonly preferGuard?: boolean | undefined;
  readonly inUse: ReadonlySet<Digest>;
  /** False when some consumer could not be read: then no image may newly expire and no policy be written. */
  readonly complete: boolean;
  readonly now: Date;
}

export interface OrderResult {
  /** The steps to run: the whole plan when `complete`, else its longest proven-safe prefix before the target policy. */
  readonly steps: readonly ApplyStep[];
  readonly complete: boolean;
  /** Why the full plan could not be ordered safely (set when `complete` is false). */
  readonly reason?: string | undefined;
  /** Simulations run to prove the order (for the benchmark). */
  readonly simulations: number;
}

interface State {
  readonly inForce: PolicyInForce;
  readonly images: readonly ImageRecord[];
  /** True once the target policy is in force. */
  readonly policyWritten: boolean;
}

const shortDigest = (digest: Digest): string => digest.slice(0, 19);

const describeStep = (step: ApplyStep): string =>
  step.kind === 'put-policy' ? `writing the ${step.role} policy` : `${step.kind === 'add-tag' ? 'adding' : 'removing'} tag ${step.tag} (${shortDigest(step.digest)})`;

/** The listing after one tag step; a tag names one image, so an added tag leaves every other image. */
const applyTagStep = (images: readonly ImageRecord[], step: Extract<ApplyStep, { kind: 'add-tag' | 'remove-tag' }>): ImageRecord[] | string => {
  if (step.kind === 'remove-tag') {
    const image = images.find((i) => i.digest === step.digest);
    if (image === undefined || !image.tags.includes(step.tag)) return images as ImageRecord[];
    // BatchDeleteImage on an image's last tag deletes the image: never a state we may create.
    if (image.tags.length === 1) return `removing ${step.tag} would delete ${shortDigest(step.digest)} (its last tag)`;
    return images.map((i) => (i === image ? { ...i, tags: i.tags.filter((t) => t !== step.tag) } : i));
  }
  return images.map((i) => {
    if (i.digest === step.digest) return i.tags.includes(step.tag) ? i : { ...i, tags: [...i.tags, step.tag] };
    return i.tags.includes(step.tag) ? { ...i, tags: i.tags.filter((t) => t !== step.tag) } : i;
  });
};

type Marks = ReadonlyMap<Digest, 'expire' | 'transition'>;

/** What the policy in force would do to each image it acts on; `undefined` when it cannot be simulated. */
const markedBy = (state: State, now: Date, count: { n: number }): Marks | undefined => {
  if (state.inForce.kind === 'none') return new Map();
  if (state.inForce.kind === 'unreadable') return undefined;
  count.n += 1;
  const simulation = simulatePolicy(state.inForce.policy, state.images, now);
  const marked = new Map<Digest, 'expire' | 'transition'>();
  for (const { image, decision } of simulation.verdicts) if (decision.kind !== 'keep') marked.set(image.digest, decision.kind);
  return marked;
};

/** True when `now` is worse for the image than `before`: kept → archived or expired, archived → expired. */
const worse = (before: 'expire' | 'transition' | undefined, now: 'expire' | 'transition'): boolean =>
  before === undefined || (before === 'transition' && now === 'expire');

/** Which rules of `policy` select `image`, as a key: the simulator reads an image's tags only through this. */
const membership = (policy: LifecyclePolicy, image: ImageRecord): string => policy.rules.map((r) => (selectionMatches(r.selection, image) ? '1' : '0')).join('');

/**
 * True when a tag step leaves every image selected by exactly the same rules: the verdicts are then
 * those of the state before, and the simulation can be skipped (exact, not a heuristic).
 */
const sameSelections = (policy: LifecyclePolicy, before: readonly ImageRecord[], after: readonly ImageRecord[]): boolean => {
  for (let i = 0; i < before.length; i++) {
    const was = before[i] as ImageRecord;
    const now = after[i] as ImageRecord;
    if (was !== now && membership(policy, was) !== membership(policy, now)) return false;
  }
  return true;
};

/** Replays `steps` from the input's state; returns how many steps are proven safe, and why the next one is not. */
const replay = (input: OrderInput, steps: readonly ApplyStep[], count: { n: number }): { safe: number; reason?: string } => {
  let state: State = { inForce: input.inForce, images: input.images, policyWritten: false };
  let marked = markedBy(state, input.now, count);
  const atRiskBefore = new Map([...(marked ?? new Map<Digest, 'expire' | 'transition'>())].filter(([d]) => input.inUse.has(d)));
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as ApplyStep;
    let next: State;
    if (step.kind === 'put-policy') {
      if (!input.complete) return { safe: i, reason: `${describeStep(step)}: the in-use set is incomplete` };
      const policy = step.role === 'guard' ? input.guard?.policy : input.target?.policy;
      if (policy === undefined) return { safe: i, reason: `${describeStep(step)}: no such policy` };
      // The guard only shields (its extra rules never mark), so it is held to "no worse than before";
      // the target is held to the gate's promise from the moment it is written: nothing in use at risk.
      next = { inForce: { kind: 'policy', policy }, images: state.images, policyWritten: state.policyWritten || step.role === 'target' };
    } else {
      if (state.inForce.kind === 'unreadable') return { safe: i, reason: `${describeStep(step)}: the policy in force cannot be read, so no tag change can be proven safe under it` };
      const images = applyTagStep(state.images, step);
      if (typeof images === 'string') return { safe: i, reason: images };
      next = { ...state, images };
    }
    const unchanged =
      step.kind !== 'put-policy' && marked !== undefined && next.inForce.kind === 'policy' && next.images.length === state.images.length && sameSelections(next.inForce.policy, state.images, next.images);
    const nextMarked = unchanged && marked !== undefined ? marked : (markedBy(next, input.now, count) ?? new Map<Digest, 'expire' | 'transition'>());
    for (const [digest, kind] of nextMarked) {
      const inUse = input.inUse.has(digest);
      if (inUse && (next.policyWritten || worse(atRiskBefore.get(digest), kind)))
        return { safe: i, reason: `${describeStep(step)} would put in-use ${shortDigest(digest)} at risk` };
      if (!inUse && !input.complete && marked !== undefined && worse(marked.get(digest), kind))
        return { safe: i, reason: `${describeStep(step)} would newly expire ${shortDigest(digest)}, which cannot be proven unused (in-use set incomplete)` };
    }
    state = next;
    marked = nextMarked;
  }
  return { safe: steps.length };
};

/** Adds oldest first: a tag that moves an image into a count rule only pushes out images older than it, whose protection is then already in place. */
const orderAdds = (input: OrderInput): ApplyStep[] => {
  const pushed = new Map(input.images.map((i) => [i.digest, effectivePushTime(i).getTime()]));
  const roleRank = (role: 'protection' | 'home'): number => (role === 'protection' ? 0 : 1);
  return [...input.adds]
    .sort(
      (a, b) =>
        (pushed.get(a.digest) ?? 0) - (pushed.get(b.digest) ?? 0) ||
        // The simulator ranks the smaller digest as the newer of two images pushed at the same time
        // (ECR documents no tie-break), so the older of a tie is the larger digest: it goes first.
        (a.digest > b.digest ? -1 : a.digest < b.digest ? 1 : 0) ||
        roleRank(a.role) - roleRank(b.role) ||
        (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0),
    )
    .map((a) => ({ kind: 'add-tag', digest: a.digest, tag: a.tag, role: a.role }));
};

/**
 * Chooses the first candidate order whose every prefix is safe: tags then policy (one policy write),
 * guard policy then tags then policy (when tags would disturb a policy that lacks protection rules),
 * or policy then tags. Releases always come last. When none is safe in full, returns the longest
 * proven-safe prefix of the candidates, so protection that is safe still lands.
 */
export const orderSteps = (input: OrderInput): OrderResult => {
  const adds = orderAdds(input);
  const removes: ApplyStep[] = input.removes.map((r) => ({ kind: 'remove-tag', digest: r.digest, tag: r.tag }));
  const target: ApplyStep[] = input.target === undefined ? [] : [{ kind: 'put-policy', role: 'target', text: input.target.text }];
  const guard: ApplyStep[] = input.guard === undefined ? [] : [{ kind: 'put-policy', role: 'guard', text: input.guard.text }];
  const candidates: ApplyStep[][] = [[...adds, ...target, ...removes]];
  // With no target to write, the guard alone can still shield protected in-use images that the
  // policy in force (which lacks protection rules) would expire: then it goes first.
  if (guard.length > 0 && input.preferGuard === true && target.length === 0) candidates.unshift([...guard, ...adds, ...removes]);
  else if (guard.length > 0 && adds.length > 0) candidates.push([...guard, ...adds, ...target, ...removes]);
  if (target.length > 0 && adds.length > 0) candidates.push([...target, ...adds, ...removes]);

  const count = { n: 0 };
  let best: { steps: ApplyStep[]; reason: string } | undefined;
  for (const candidate of candidates) {
    const { safe, reason } = replay(input, candidate, count);
    if (safe === candidate.length) return { steps: candidate, complete: true, simulations: count.n };
    // A plan that cannot be applied whole writes no target policy (a blocked repository keeps the
    // policy it has): the safe part kept is protection, and the guard that makes it safe.
    const targetAt = candidate.findIndex((s) => s.kind === 'put-policy' && s.role === 'target');
    const partial = candidate.slice(0, targetAt === -1 ? safe : Math.min(safe, targetAt));
    if (best === undefined || partial.length > best.steps.length) best = { steps: partial, reason: reason ?? 'unsafe' };
  }
  return { steps: best?.steps ?? [], complete: false, reason: best?.reason, simulations: count.n };
};
