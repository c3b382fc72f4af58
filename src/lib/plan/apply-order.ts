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

const shortDigest = (digest: Digest): string => digest.slice(0, 19);

const describeStep = (step: ApplyStep): string =>
  step.kind === 'put-policy' ? `writing the ${step.role} policy` : `${step.kind === 'add-tag' ? 'adding' : 'removing'} tag ${step.tag} (${shortDigest(step.digest)})`;

/**
 * The listing as a replay moves through the steps: one working copy per candidate order, changed in
 * place, so a step costs the images it touches, not a copy of a 100,000-image listing.
 */
class Listing {
  readonly images: ImageRecord[];
  /** Positions of each digest (a digest is expected once; the simulator tolerates more). */
  private readonly at = new Map<Digest, number[]>();
  /** Positions holding each tag the steps add or remove (no other tag is ever looked up). */
  private readonly holders = new Map<string, Set<number>>();

  constructor(images: readonly ImageRecord[], steps: readonly ApplyStep[]) {
    this.images = [...images];
    const digests = new Set<Digest>();
    for (const step of steps) {
      if (step.kind === 'put-policy') continue;
      digests.add(step.digest);
      this.holders.set(step.tag, new Set());
    }
    this.images.forEach((image, i) => {
      if (digests.has(image.digest)) this.at.set(image.digest, [...(this.at.get(image.digest) ?? []), i]);
      for (const tag of image.tags) this.holders.get(tag)?.add(i);
    });
  }

  /**
   * Applies one tag step; returns the positions whose image changed (the images before the change
   * beside them), or why the step may not be made. A tag names one image, so an added tag leaves
   * every other image.
   */
  apply(step: Extract<ApplyStep, { kind: 'add-tag' | 'remove-tag' }>): { readonly position: number; readonly before: ImageRecord }[] | string {
    const holders = this.holders.get(step.tag) ?? new Set<number>();
    const changed: { position: number; before: ImageRecord }[] = [];
    const set = (position: number, tags: readonly string[]): void => {
      const before = this.images[position] as ImageRecord;
      changed.push({ position, before });
      this.images[position] = { ...before, tags };
    };
    const positions = this.at.get(step.digest) ?? [];
    if (step.kind === 'remove-tag') {
      const position = positions[0];
      if (position === undefined || !holders.has(position)) return changed;
      const image = this.images[position] as ImageRecord;
      // BatchDeleteImage on an image's last tag deletes the image: never a state we may create.
      if (image.tags.length === 1) return `removing ${step.tag} would delete ${shortDigest(step.digest)} (its last tag)`;
      set(position, image.tags.filter((t) => t !== step.tag));
      holders.delete(position);
      return changed;
    }
    const own = new Set(positions);
    for (const position of [...holders]) {
      if (own.has(position)) continue;
      set(position, (this.images[position] as ImageRecord).tags.filter((t) => t !== step.tag));
      holders.delete(position);
    }
    for (const position of positions) {
      if (holders.has(position)) continue;
      set(position, [...(this.images[position] as ImageRecord).tags, step.tag]);
      holders.add(position);
    }
    return changed;
  }
}

/** What a policy does to each position of the listing: 0 keeps, 1 archives, 2 expires. */
type Marks = Uint8Array;
const KEEP = 0;
const TRANSITION = 1;
const EXPIRE = 2;

/** What the policy in force would do to each image; `undefined` when it cannot be simulated. */
const markedBy = (inForce: PolicyInForce, images: readonly ImageRecord[], now: Date, count: { n: number }): Marks | undefined => {
  if (inForce.kind === 'none') return new Uint8Array(images.length);
  if (inForce.kind === 'unreadable') return undefined;
  count.n += 1;
  const simulation = simulatePolicy(inForce.policy, images, now);
  const marks = new Uint8Array(images.length);
  simulation.verdicts.forEach(({ decision }, i) => {
    if (decision.kind !== 'keep') marks[i] = decision.kind === 'expire' ? EXPIRE : TRANSITION;
  });
  return marks;
};

/** True when `now` is worse for the image than `before`: kept → archived or expired, archived → expired. */
const worse = (before: number, now: number): boolean => before === KEEP || (before === TRANSITION && now === EXPIRE);

/** Which rules of `policy` select `image`, as a key: the simulator reads an image's tags only through this. */
const membership = (policy: LifecyclePolicy, image: ImageRecord): string => policy.rules.map((r) => (selectionMatches(r.selection, image) ? '1' : '0')).join('');

/** Replays `steps` from the input's state; returns how many steps are proven safe, and why the next one is not. */
const replay = (input: OrderInput, steps: readonly ApplyStep[], count: { n: number }): { safe: number; reason?: string } => {
  const listing = new Listing(input.images, steps);
  const { images } = listing;
  const inUseAt = images.map((image) => input.inUse.has(image.digest));
  let inForce = input.inForce;
  let policyWritten = false;
  let marked = markedBy(inForce, images, input.now, count);
  const atRiskBefore = new Uint8Array(images.length);
  if (marked !== undefined) marked.forEach((kind, i) => (atRiskBefore[i] = inUseAt[i] === true ? kind : KEEP));
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as ApplyStep;
    let unchanged = false;
    if (step.kind === 'put-policy') {
      if (!input.complete) return { safe: i, reason: `${describeStep(step)}: the in-use set is incomplete` };
      const policy = step.role === 'guard' ? input.guard?.policy : input.target?.policy;
      if (policy === undefined) return { safe: i, reason: `${describeStep(step)}: no such policy` };
      // The guard only shields (its extra rules never mark), so it is held to "no worse than before";
      // the target is held to the gate's promise from the moment it is written: nothing in use at risk.
      inForce = { kind: 'policy', policy };
      policyWritten ||= step.role === 'target';
    } else {
      if (inForce.kind === 'unreadable') return { safe: i, reason: `${describeStep(step)}: the policy in force cannot be read, so no tag change can be proven safe under it` };
      const changed = listing.apply(step);
      if (typeof changed === 'string') return { safe: i, reason: changed };
      // Every image selected by exactly the same rules: the verdicts are those of the state before,
      // so the simulation can be skipped (exact, not a heuristic).
      const policy = inForce.kind === 'policy' ? inForce.policy : undefined;
      unchanged = marked !== undefined && policy !== undefined && changed.every(({ position, before }) => membership(policy, before) === membership(policy, images[position] as ImageRecord));
    }
    const nextMarked = unchanged && marked !== undefined ? marked : (markedBy(inForce, images, input.now, count) ?? new Uint8Array(images.length));
    for (let p = 0; p < nextMarked.length; p++) {
      const kind = nextMarked[p] as number;
      if (kind === KEEP) continue;
      const inUse = inUseAt[p] === true;
      const digest = (images[p] as ImageRecord).digest;
      if (inUse && (policyWritten || worse(atRiskBefore[p] as number, kind)))
        return { safe: i, reason: `${describeStep(step)} would put in-use ${shortDigest(digest)} at risk` };
      if (!inUse && !input.complete && marked !== undefined && worse(marked[p] as number, kind))
        return { safe: i, reason: `${describeStep(step)} would newly expire ${shortDigest(digest)}, which cannot be proven unused (in-use set incomplete)` };
    }
    marked = nextMarked;
  }
  return { safe: steps.length };
};

/** Adds oldest first: a tag that moves an image into a count rule only pushes out images older than it, whose protection is then already in place. */
const orderAdds = (input: OrderInput): ApplyStep[] => {
  const added = new Set(input.adds.map((a) => a.digest));
  const pushed = new Map<Digest, number>();
  for (const image of input.images) if (added.has(image.digest)) pushed.set(image.digest, effectivePushTime(image).getTime());
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
