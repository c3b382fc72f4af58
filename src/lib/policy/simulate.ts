/**
 * Exact simulator of ECR lifecycle policy evaluation: which images a policy would expire or
 * archive, and why every other image stays. Pure: no AWS SDK import, no clock (pass `now`).
 *
 * The model (ECR user guide, "Lifecycle policy evaluation rules" and "Examples of lifecycle policies"):
 * - Every rule looks at the whole repository; its candidates are all images its selection matches,
 *   including images a higher-priority rule also matched.
 * - `imageCountMoreThan N` marks every candidate after the N newest; the `since…` count types mark
 *   candidates strictly older than N days.
 * - Rules are applied by ascending `rulePriority`. An image is acted on by at most one rule, and a
 *   rule never acts on an image that a higher-priority rule's selection matched, whether or not
 *   that rule marked it. Such protected images still occupy slots in lower count rules.
 */
import type { Digest, ImageRecord } from '../domain/types.js';
import { buildTagTable, selectCandidates } from './match.js';
import type { Decision, ImageVerdict, LifecyclePolicy, Rule, SimulationResult } from './types.js';

const DAY_MS = 86_400_000;
const NONE = -1;

interface CompiledRule {
  readonly rule: Rule;
  readonly priority: number;
}

/**
 * Time ECR ages an image by: `lastActivatedAt` for an image restored from archive, else `imagePushedAt`.
 */
export const effectivePushTime = (image: ImageRecord): Date => image.lastActivatedAt ?? image.pushedAt;

/**
 * Orders images newest first by effective push time. ECR documents no tie-break; ours is the
 * digest, the lexicographically smaller digest counting as the newer, so results never depend
 * on the order of the listing. A stable LSD radix sort on the millisecond times (16-bit digits)
 * followed by sorting each run of equal times by digest: linear, where a comparator sort of
 * 100,000 indices costs tens of milliseconds.
 */
const newestFirst = (images: readonly ImageRecord[], pushMs: Float64Array): Uint32Array => {
  const n = pushMs.length;
  let newest = -Infinity;
  for (let i = 0; i < n; i++) if ((pushMs[i] as number) > newest) newest = pushMs[i] as number;
  // Key = age relative to the newest image: a non-negative integer, ascending = newest first.
  const lo = new Uint32Array(n);
  const hi = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const age = newest - (pushMs[i] as number);
    const key = Number.isFinite(age) && age > 0 ? age : 0;
    lo[i] = key >>> 0;
    hi[i] = Math.min(Math.floor(key / 4_294_967_296), 0xffffffff);
  }
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let scratch = new Uint32Array(n);
  const counts = new Uint32Array(65_537);
  for (const [words, shift] of [[lo, 0], [lo, 16], [hi, 0], [hi, 16]] as const) {
    counts.fill(0);
    for (let i = 0; i < n; i++) (counts[(((words[i] as number) >>> shift) & 0xffff) + 1] as number) += 1;
    if (counts[1 + (((words[0] ?? 0) >>> shift) & 0xffff)] === n) continue; // every key shares this digit
    for (let d = 1; d < 65_537; d++) (counts[d] as number) += counts[d - 1] as number;
    for (let p = 0; p < n; p++) {
      const i = order[p] as number;
      const d = ((words[i] as number) >>> shift) & 0xffff;
      scratch[counts[d] as number] = i;
      (counts[d] as number) += 1;
    }
    [order, scratch] = [scratch, order];
  }
  for (let start = 0; start < n; ) {
    let end = start + 1;
    const time = pushMs[order[start] as number];
    while (end < n && pushMs[order[end] as number] === time) end++;
    if (end - start > 1) {
      const run = Array.from(order.subarray(start, end)).sort((a, b) => {
        const da = (images[a] as ImageRecord).digest;
        const db = (images[b] as ImageRecord).digest;
        return da < db ? -1 : da > db ? 1 : a - b;
      });
      order.set(run, start);
    }
    start = end;
  }
  return order;
};

/** Per-image times in milliseconds, NaN when absent. */
interface Times {
  readonly pushMs: Float64Array;
  readonly pulledMs: Float64Array;
  readonly archivedMs: Float64Array;
}

const timesOf = (images: readonly ImageRecord[]): Times => {
  const n = images.length;
  const pushMs = new Float64Array(n);
  const pulledMs = new Float64Array(n);
  const archivedMs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const image = images[i] as ImageRecord;
    pushMs[i] = effectivePushTime(image).getTime();
    pulledMs[i] = image.lastPulledAt?.getTime() ?? Number.NaN;
    archivedMs[i] = image.lastArchivedAt?.getTime() ?? Number.NaN;
  }
  return { pushMs, pulledMs, archivedMs };
};

/** The time a `since…` rule measures age from; see each case for the AWS fact behind it. */
const ageBaseMs = (rule: Rule, times: Times, i: number): number => {
  const pushed = times.pushMs[i] as number;
  switch (rule.selection.countType) {
    // "sinceImagePulled uses lastRecordedPullTime, falling back to push (or activation) time".
    case 'sinceImagePulled': {
      const pulled = times.pulledMs[i] as number;
      return Number.isNaN(pulled) ? pushed : pulled;
    }
    // An archived image always carries lastArchivedAt; without it we fall back to push time,
    // which can only be earlier, so a missing field predicts an expiry rather than hides one.
    case 'sinceImageTransitioned': {
      const archived = times.archivedMs[i] as number;
      return Number.isNaN(archived) ? pushed : archived;
    }
    default:
      return pushed;
  }
};

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

// Which clock a `since…` reason talks about.
const PUSHED = 0;
const RESTORED = 1;
const NEVER_PULLED = 2;
const PULLED = 3;
const ARCHIVED = 4;

const clockOf = (rule: Rule, image: ImageRecord): number => {
  switch (rule.selection.countType) {
    case 'sinceImagePulled':
      return image.lastPulledAt === undefined ? NEVER_PULLED : PULLED;
    case 'sinceImageTransitioned':
      return ARCHIVED;
    default:
      return image.lastActivatedAt === undefined ? PUSHED : RESTORED;
  }
};

const CLOCK_WORDS = ['pushed', 'restored from archive', 'never pulled, pushed', 'last pulled', 'archived'] as const;
const ageWords = (clock: number, days: number): string => `${CLOCK_WORDS[clock] ?? 'pushed'} ${plural(days, 'day')} ago`;

// Decisions are shared between images with the same reason (all "kept as one of the newest 30"
// of a rule, all "pushed 12 days ago" of a rule): 100,000 verdicts then cost a handful of objects.
const KEEP = 0;
const EXPIRE = 1;
const TRANSITION = 2;

const ruleDecision = (slot: number, rule: Rule, clock: number, days: number): Decision => {
  const { countType, countNumber } = rule.selection;
  const priority = rule.rulePriority;
  const isCount = countType === 'imageCountMoreThan';
  if (slot === KEEP)
    return Object.freeze({
      kind: 'keep',
      rulePriority: priority,
      reason: isCount
        ? `matched by rule ${priority}, kept as one of the newest ${countNumber}`
        : `${ageWords(clock, days)}, within rule ${priority}'s ${plural(countNumber, 'day')}`,
    });
  const why = isCount
    ? `not among the newest ${countNumber}`
    : `${ageWords(clock, days)}, more than ${plural(countNumber, 'day')}`;
  return slot === EXPIRE
    ? Object.freeze({ kind: 'expire', rulePriority: priority, reason: `expired by rule ${priority}: ${why}` })
    : Object.freeze({
        kind: 'transition',
        rulePriority: priority,
        targetStorageClass: 'archive',
        reason: `transitioned to archive by rule ${priority}: ${why}`,
      });
};

const NOT_SELECTED: Decision = Object.freeze({ kind: 'keep', reason: 'not selected by any rule' });

/**
 * Simulates `policy` on the repository listing `images` at time `now`: one verdict per image,
 * in input order, each with a human reason. Deterministic and independent of input order
 * (push-time ties are broken by digest). Digests are expected to be unique within the listing.
 *
 * Beyond the rules themselves:
 * - Image index children: an image listed in the `childDigests` of an index that is present and
 *   not expiring cannot expire ("An image referenced by a manifest list cannot expire while the
 *   index exists"). A child of an index absent from the listing is unaffected.
 * - Referrers (`subjectDigest`): a referrer whose subject expires expires with it, reported under
 *   the subject's rule (ECR deletes referrers with their subject). A referrer whose subject
 *   survives, or is not in the listing, is evaluated by the rules like any other image: ECR counts
 *   signatures and SBOMs as ordinary images in lifecycle rules (aws/containers-roadmap#2613).
 *   Only expiry is followed; a subject's transition to archive does not move its referrers.
 * - When the two meet, keeping wins: an index child never expires while its index survives, even
 *   if its subject expires.
 */
export const simulatePolicy = (
  policy: LifecyclePolicy,
  images: readonly ImageRecord[],
  now: Date,
): SimulationResult => {
  const nowMs = now.getTime();
  const n = images.length;
  const rules: CompiledRule[] = [...policy.rules]
    .sort((a, b) => a.rulePriority - b.rulePriority)
    .map((rule) => ({ rule, priority: rule.rulePriority }));

  const times = timesOf(images);
  const order = newestFirst(images, times.pushMs);
  const table = buildTagTable(images);
  const positionOf = new Uint32Array(n);
  for (let p = 0; p < n; p++) positionOf[order[p] as number] = p;
  const candidates = new Int32Array(n);
  const positions = new Uint32Array(n);
  const seenBy = new Int32Array(n).fill(NONE);

  // Per image: the first (highest-priority) rule whose selection matched it, the rule that acts on
  // it, and the first lower rule that marked it but was blocked by that protection.
  const claimedBy = new Int32Array(n).fill(NONE);
  const actedBy = new Int32Array(n).fill(NONE);
  const blockedBy = new Int32Array(n).fill(NONE);
  const record = (r: number, i: number, marked: boolean): void => {
    if (claimedBy[i] === NONE) {
      claimedBy[i] = r;
      if (marked) actedBy[i] = r;
    } else if (marked && actedBy[i] === NONE && blockedBy[i] === NONE) {
      blockedBy[i] = r;
    }
  };

  for (let r = 0; r < rules.length; r++) {
    const { rule } = rules[r] as CompiledRule;
    const { countType, countNumber } = rule.selection;
    const picked = selectCandidates(rule.selection, table, candidates);
    if (picked === 0) continue;
    if (countType === 'imageCountMoreThan') {
      // Candidates newest first; every one past the first N is marked. A large set is walked in
      // the precomputed order; a small one is sorted by position (a numeric typed-array sort).
      if (picked * 8 > n) {
        for (let c = 0; c < picked; c++) seenBy[candidates[c] as number] = r;
        let rank = 0;
        for (let p = 0; p < n; p++) {
          const i = order[p] as number;
          if (seenBy[i] !== r) continue;
          record(r, i, rank >= countNumber);
          rank++;
        }
      } else {
        const sorted = positions.subarray(0, picked);
        for (let c = 0; c < picked; c++) sorted[c] = positionOf[candidates[c] as number] as number;
        sorted.sort();
        for (let c = 0; c < picked; c++) record(r, order[sorted[c] as number] as number, c >= countNumber);
      }
    } else {
      // "Older than N days" is strict: an image exactly N days old is kept.
      const cutoffMs = nowMs - countNumber * DAY_MS;
      for (let c = 0; c < picked; c++) {
        const i = candidates[c] as number;
        record(r, i, ageBaseMs(rule, times, i) < cutoffMs);
      }
    }
  }

  const expiring = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const acting = actedBy[i] as number;
    if (acting !== NONE && (rules[acting] as CompiledRule).rule.action.type === 'expire') expiring[i] = 1;
  }
  const graph = resolveGraph(images, expiring);

  const shared = new Map<number, Decision>();
  const countDecisions: (Decision | undefined)[] = new Array<Decision | undefined>(rules.length * 4).fill(undefined);
  const isCountRule = Uint8Array.from(rules, ({ rule }) => (rule.selection.countType === 'imageCountMoreThan' ? 1 : 0));
  const protectedBy = new Map<number, Decision>();
  const verdicts: ImageVerdict[] = new Array<ImageVerdict>(n);
  let expiringImageTotalCount = 0;
  let transitioningImageTotalCount = 0;
  let expiringBytes = 0;
  let transitioningBytes = 0;

  for (let i = 0; i < n; i++) {
    const image = images[i] as ImageRecord;
    const decision = decide(i);
    if (decision.kind === 'expire') {
      expiringImageTotalCount++;
      expiringBytes += image.sizeBytes ?? 0;
    } else if (decision.kind === 'transition') {
      transitioningImageTotalCount++;
      transitioningBytes += image.sizeBytes ?? 0;
    }
    const verdict: ImageVerdict = { image, decision };
    verdicts[i] = verdict;
  }

  return {
    verdicts,
    byDigest: new VerdictIndex(verdicts, images),
    summary: { expiringImageTotalCount, transitioningImageTotalCount, expiringBytes, transitioningBytes },
  };

  function sharedDecision(slot: number, r: number, i: number): Decision {
    const { rule } = rules[r] as CompiledRule;
    if (isCountRule[r] === 1) {
      const k = r * 4 + slot;
      let decision = countDecisions[k];
      if (decision === undefined) {
        decision = ruleDecision(slot, rule, 0, 0);
        countDecisions[k] = decision;
      }
      return decision;
    }
    const clock = clockOf(rule, images[i] as ImageRecord);
    const days = Math.floor((nowMs - ageBaseMs(rule, times, i)) / DAY_MS);
    // Small-integer keys (rule, slot, clock, days); ages beyond 16 bits of days are not shared.
    if (days < 0 || days > 0xffff || r > 0x3ff) return ruleDecision(slot, rule, clock, days);
    const key = (((r * 4 + slot) * 8 + clock) << 16) | days;
    let decision = shared.get(key);
    if (decision === undefined) {
      decision = ruleDecision(slot, rule, clock, days);
      shared.set(key, decision);
    }
    return decision;
  }

  function decide(i: number): Decision {
    const claim = claimedBy[i] as number;
    const acting = actedBy[i] as number;
    const follows = graph.follows[i] as number;
    if (follows !== NONE && expiring[i] === 1) {
      const subject = images[follows] as ImageRecord;
      const subjectDecision = decide(follows);
      return {
        kind: 'expire',
        rulePriority: subjectDecision.rulePriority ?? NONE,
        reason: `follows its subject ${subject.digest}, which expires by rule ${subjectDecision.rulePriority ?? '?'}`,
      };
    }
    if (acting !== NONE) {
      const { rule, priority } = rules[acting] as CompiledRule;
      if (rule.action.type === 'transition') return sharedDecision(TRANSITION, acting, i);
      const marked = sharedDecision(EXPIRE, acting, i);
      if (expiring[i] === 1) return marked;
      const index = images[graph.keptByIndex[i] as number] as ImageRecord;
      const why = marked.reason.slice(marked.reason.indexOf(': ') + 2);
      return {
        kind: 'keep',
        rulePriority: priority,
        reason: `marked by rule ${priority} (${why}) but referenced by image index ${index.digest}, which is not expiring`,
      };
    }
    if (claim === NONE) return NOT_SELECTED;
    const blocked = blockedBy[i] as number;
    if (blocked !== NONE) {
      const key = claim * 65_536 + blocked;
      let decision = protectedBy.get(key);
      if (decision === undefined) {
        const priority = (rules[claim] as CompiledRule).priority;
        const lower = (rules[blocked] as CompiledRule).priority;
        decision = Object.freeze({
          kind: 'keep',
          rulePriority: priority,
          reason: `marked by rule ${lower} but protected by rule ${priority}'s selection`,
        });
        protectedBy.set(key, decision);
      }
      return decision;
    }
    return sharedDecision(KEEP, claim, i);
  }
};

/**
 * Bucket of a digest: its first seven hex characters after `sha256:` as a number (digests are
 * uniformly random there). Other strings still hash, just less evenly; collisions are probed.
 */
const digestHash = (digest: string): number => {
  let hash = 0;
  for (let c = 7; c < 14 && c < digest.length; c++) {
    const code = digest.charCodeAt(c);
    hash = (hash << 4) | ((code & 15) + 9 * (code >> 6));
  }
  return hash;
};

/**
 * `byDigest` for 100,000 verdicts without building a `Map` (whose inserts cost more than the
 * whole simulation): an open-addressing table of verdict positions keyed by the digest's hex,
 * answering `get`/`has`/`size` directly. Iteration builds a real `Map` on first use. A digest
 * listed twice resolves to its last verdict, as `Map.set` would.
 */
class VerdictIndex implements ReadonlyMap<Digest, ImageVerdict> {
  readonly #verdicts: readonly ImageVerdict[];
  readonly #slots: Int32Array;
  readonly #mask: number;
  readonly #size: number;
  #map: Map<Digest, ImageVerdict> | undefined;

  constructor(verdicts: readonly ImageVerdict[], images: readonly ImageRecord[]) {
    let capacity = 16;
    while (capacity < verdicts.length * 2) capacity *= 2;
    const slots = new Int32Array(capacity);
    const mask = capacity - 1;
    let size = 0;
    for (let v = 0; v < images.length; v++) {
      const digest = (images[v] as ImageRecord).digest;
      let slot = digestHash(digest) & mask;
      for (;;) {
        const held = slots[slot] as number;
        if (held === 0) {
          slots[slot] = v + 1;
          size++;
          break;
        }
        if ((images[held - 1] as ImageRecord).digest === digest) {
          slots[slot] = v + 1;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    this.#verdicts = verdicts;
    this.#slots = slots;
    this.#mask = mask;
    this.#size = size;
  }

  get size(): number {
    return this.#size;
  }

  get(digest: Digest): ImageVerdict | undefined {
    let slot = digestHash(digest) & this.#mask;
    for (;;) {
      const held = this.#slots[slot] as number;
      if (held === 0) return undefined;
      const verdict = this.#verdicts[held - 1] as ImageVerdict;
      if (verdict.image.digest === digest) return verdict;
      slot = (slot + 1) & this.#mask;
    }
  }

  has(digest: Digest): boolean {
    return this.get(digest) !== undefined;
  }

  forEach(callback: (value: ImageVerdict, key: Digest, map: ReadonlyMap<Digest, ImageVerdict>) => void, thisArg?: unknown): void {
    this.#asMap().forEach((value, key) => callback.call(thisArg, value, key, this));
  }

  entries(): ReturnType<Map<Digest, ImageVerdict>['entries']> {
    return this.#asMap().entries();
  }

  keys(): ReturnType<Map<Digest, ImageVerdict>['keys']> {
    return this.#asMap().keys();
  }

  values(): ReturnType<Map<Digest, ImageVerdict>['values']> {
    return this.#asMap().values();
  }

  [Symbol.iterator](): ReturnType<Map<Digest, ImageVerdict>['entries']> {
    return this.#asMap().entries();
  }

  #asMap(): Map<Digest, ImageVerdict> {
    if (this.#map === undefined) {
      const map = new Map<Digest, ImageVerdict>();
      for (const verdict of this.#verdicts) map.set(verdict.image.digest, verdict);
      this.#map = map;
    }
    return this.#map;
  }
}

interface GraphOutcome {
  /** Per image: the subject it expires with, or NONE. */
  readonly follows: Int32Array;
  /** Per image: the surviving index that kept it from expiring, or NONE. */
  readonly keptByIndex: Int32Array;
}

/**
 * Applies referrer and image-index links to the rule outcome in `expiring` (updated in place).
 * First every referrer of an expiring subject is added (transitively); then every child of an
 * index that is not expiring is removed, cascading to indexes and referrers that only expired
 * through what was removed. Removal only ever shrinks the set, so this terminates, and keeping wins.
 */
const resolveGraph = (images: readonly ImageRecord[], expiring: Uint8Array): GraphOutcome => {
  const n = images.length;
  const follows = new Int32Array(n).fill(NONE);
  const keptByIndex = new Int32Array(n).fill(NONE);

  let hasLinks = false;
  for (const image of images) {
    if (image.subjectDigest !== undefined || (image.childDigests?.length ?? 0) > 0) {
      hasLinks = true;
      break;
    }
  }
  if (!hasLinks) return { follows, keptByIndex };

  const position = new Map<Digest, number>();
  images.forEach((image, i) => position.set(image.digest, i));
  const referrers: number[][] = Array.from({ length: n }, () => []);
  const children: number[][] = Array.from({ length: n }, () => []);
  images.forEach((image, i) => {
    const subject = image.subjectDigest === undefined ? undefined : position.get(image.subjectDigest);
    if (subject !== undefined && subject !== i) referrers[subject]?.push(i);
    for (const child of image.childDigests ?? []) {
      const c = position.get(child);
      if (c !== undefined && c !== i) children[i]?.push(c);
    }
  });

  const followQueue: number[] = [];
  for (let i = 0; i < n; i++) if (expiring[i] === 1) followQueue.push(i);
  while (followQueue.length > 0) {
    const s = followQueue.pop() as number;
    for (const r of referrers[s] ?? []) {
      if (expiring[r] === 1) continue;
      expiring[r] = 1;
      follows[r] = s;
      followQueue.push(r);
    }
  }

  const keepQueue: number[] = [];
  for (let i = 0; i < n; i++) if (expiring[i] === 0 && (children[i]?.length ?? 0) > 0) keepQueue.push(i);
  while (keepQueue.length > 0) {
    const survivor = keepQueue.pop() as number;
    for (const c of children[survivor] ?? []) {
      if (expiring[c] === 1) {
        expiring[c] = 0;
        if (follows[c] === NONE) keptByIndex[c] = survivor;
        follows[c] = NONE;
        keepQueue.push(c);
      }
    }
    // A referrer that expired only by following this survivor now stands on its own rule outcome.
    for (const r of referrers[survivor] ?? []) {
      if (follows[r] === survivor && expiring[r] === 1) {
        follows[r] = NONE;
        expiring[r] = 0;
        keepQueue.push(r);
      }
    }
  }
  return { follows, keptByIndex };
};
