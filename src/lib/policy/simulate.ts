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
import { selectionMatches } from './match.js';
import type { Decision, ImageVerdict, LifecyclePolicy, Rule, Selection, SimulationResult } from './types.js';

const DAY_MS = 86_400_000;

/**
 * Time ECR ages an image by: `lastActivatedAt` for an image restored from archive, else `imagePushedAt`.
 */
export const effectivePushTime = (image: ImageRecord): Date => image.lastActivatedAt ?? image.pushedAt;

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The time a `since…` rule measures age from; see each case for the AWS fact behind it. */
const ageBase = (rule: Rule, image: ImageRecord): Date => {
  switch (rule.selection.countType) {
    // "sinceImagePulled uses lastRecordedPullTime, falling back to push (or activation) time".
    case 'sinceImagePulled':
      return image.lastPulledAt ?? effectivePushTime(image);
    // An archived image always carries lastArchivedAt; without it we fall back to push time,
    // which can only be earlier, so a missing field predicts an expiry rather than hides one.
    case 'sinceImageTransitioned':
      return image.lastArchivedAt ?? effectivePushTime(image);
    default:
      return effectivePushTime(image);
  }
};

/** Whether a `since…` rule marks `image`: "older than N days" is strict, an image exactly N days old is kept. */
const isOlderThanRule = (rule: Rule, image: ImageRecord, now: Date): boolean =>
  ageBase(rule, image).getTime() < now.getTime() - rule.selection.countNumber * DAY_MS;

/**
 * What the rules alone decided, per position of the listing. Arrays rather than an object per
 * image: a simulation of 100,000 images would otherwise allocate 100,000 claims.
 */
interface Claims {
  /** The highest-priority rule whose selection matched the image (the only rule that may act on it); undefined when none did. */
  readonly rule: (Rule | undefined)[];
  /** 1 when that rule marked the image (then it acts). */
  readonly marked: Uint8Array;
  /** The first lower rule that marked an image its claiming rule did not mark: blocked by the claim. */
  readonly blockedBy: Map<number, Rule>;
}

/**
 * The character every tag that `selection` selects by starts with, when there is one: a `tagged`
 * selection needs each list entry to match some tag, and a tag matching an entry that starts with
 * a literal character (not `*`) starts with that same character.
 */
const requiredFirstCharacter = (selection: Selection): string | undefined => {
  if (selection.tagStatus !== 'tagged') return undefined;
  const entries = [...(selection.tagPatternList ?? []), ...(selection.tagPrefixList ?? [])];
  return entries.find((entry) => entry !== '' && !entry.startsWith('*'))?.charAt(0);
};

/** A rule and the positions of the images its selection matches, in listing order. */
interface Candidates {
  readonly rule: Rule;
  readonly candidates: number[];
}

/**
 * Every rule's candidates: all the images its selection matches, whatever higher rules matched.
 * One pass over the listing in its own order, asking `selectionMatches` about each rule (far
 * faster than a pass per rule, or one in newest-first order, which jump around in memory). A rule
 * that needs a tag starting with some character is only asked about images with such a tag.
 */
const candidatesOf = (rules: readonly Rule[], images: readonly ImageRecord[]): Candidates[] => {
  const all = rules.map((rule): Candidates => ({ rule, candidates: [] }));
  const askedOfEveryImage: Candidates[] = [];
  const byFirstCharacter = new Map<string, Candidates[]>();
  for (const entry of all) {
    const first = requiredFirstCharacter(entry.rule.selection);
    if (first === undefined) askedOfEveryImage.push(entry);
    else byFirstCharacter.set(first, [...(byFirstCharacter.get(first) ?? []), entry]);
  }
  // Index loops: this runs over every image of every simulation, and iterators would allocate there.
  for (let i = 0; i < images.length; i++) {
    const image = images[i] as ImageRecord;
    for (let r = 0; r < askedOfEveryImage.length; r++) {
      const { rule, candidates } = askedOfEveryImage[r] as Candidates;
      if (selectionMatches(rule.selection, image)) candidates.push(i);
    }
    for (let t = 0; t < image.tags.length; t++) {
      const asked = byFirstCharacter.get((image.tags[t] as string).charAt(0));
      if (asked === undefined) continue;
      for (let r = 0; r < asked.length; r++) {
        const { rule, candidates } = asked[r] as Candidates;
        // Two tags with the same first character lead to the same rules: add the image once.
        if (candidates[candidates.length - 1] !== i && selectionMatches(rule.selection, image)) candidates.push(i);
      }
    }
  }
  return all;
};

/**
 * Applies `rules` (in priority order) to `images`; per image, its claim, or `undefined` when no
 * rule selects it. Each rule marks some of its candidates; the first rule to select an image
 * claims it, and only that rule may act on it.
 */
const claimsOf = (rules: readonly Rule[], images: readonly ImageRecord[], now: Date): Claims => {
  // Newest first by effective push time. ECR documents no tie-break; ours is the digest, the
  // smaller counting as the newer, so results never depend on the order of the listing.
  const pushed = new Float64Array(images.length);
  for (let i = 0; i < images.length; i++) pushed[i] = effectivePushTime(images[i] as ImageRecord).getTime();
  const newerFirst = (a: number, b: number): number =>
    (pushed[b] as number) - (pushed[a] as number) || compare((images[a] as ImageRecord).digest, (images[b] as ImageRecord).digest);

  const claims: Claims = { rule: new Array<Rule | undefined>(images.length).fill(undefined), marked: new Uint8Array(images.length), blockedBy: new Map() };
  for (const { rule, candidates } of candidatesOf(rules, images)) {
    const { countType, countNumber } = rule.selection;
    // `imageCountMoreThan N` keeps the N newest candidates and marks the rest.
    const kept = countType === 'imageCountMoreThan' ? new Set([...candidates].sort(newerFirst).slice(0, countNumber)) : undefined;
    for (let c = 0; c < candidates.length; c++) {
      const i = candidates[c] as number;
      const marked = kept === undefined ? isOlderThanRule(rule, images[i] as ImageRecord, now) : !kept.has(i);
      if (claims.rule[i] === undefined) {
        claims.rule[i] = rule;
        claims.marked[i] = marked ? 1 : 0;
      } else if (marked && claims.marked[i] === 0 && !claims.blockedBy.has(i)) claims.blockedBy.set(i, rule);
    }
  }
  return claims;
};

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** The clock a `since…` reason names, by count type and the image's history. */
const CLOCKS = ['pushed', 'restored from archive', 'never pulled, pushed', 'last pulled', 'archived'] as const;
type Clock = (typeof CLOCKS)[number];

const clockOf = (rule: Rule, image: ImageRecord): Clock => {
  switch (rule.selection.countType) {
    case 'sinceImagePulled':
      return image.lastPulledAt === undefined ? 'never pulled, pushed' : 'last pulled';
    case 'sinceImageTransitioned':
      return 'archived';
    default:
      return image.lastActivatedAt === undefined ? 'pushed' : 'restored from archive';
  }
};

/**
 * The decision of a claiming rule: it acts when `marked`, else it keeps the image. For a `since…`
 * rule the reason names the image's `clock` and age in whole `days`; a count rule's needs neither.
 */
const ruleDecision = (rule: Rule, marked: boolean, clock: Clock, days: number): Decision => {
  const priority = rule.rulePriority;
  const { countType, countNumber } = rule.selection;
  const isCount = countType === 'imageCountMoreThan';
  const age = `${clock} ${plural(days, 'day')} ago`;
  if (!marked) {
    const reason = isCount
      ? `matched by rule ${priority}, kept as one of the newest ${countNumber}`
      : `${age}, within rule ${priority}'s ${plural(countNumber, 'day')}`;
    return { kind: 'keep', rulePriority: priority, reason };
  }
  const why = isCount ? `not among the newest ${countNumber}` : `${age}, more than ${plural(countNumber, 'day')}`;
  return rule.action.type === 'expire'
    ? { kind: 'expire', rulePriority: priority, reason: `expired by rule ${priority}: ${why}` }
    : {
        kind: 'transition',
        rulePriority: priority,
        targetStorageClass: 'archive',
        reason: `transitioned to archive by rule ${priority}: ${why}`,
      };
};

/** The decisions of one rule made so far, by what their reason depends on (`decisions` holds one map a rule). */
const sharedOf = <K>(decisions: Map<Rule, Map<K, Decision>>, rule: Rule): Map<K, Decision> => {
  let ofRule = decisions.get(rule);
  if (ofRule === undefined) {
    ofRule = new Map<K, Decision>();
    decisions.set(rule, ofRule);
  }
  return ofRule;
};

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
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const claims = claimsOf(rules, images, now);
  const { follows, keptByIndex } = resolveGraph(images, claims);

  // Images with the same reason share one frozen decision (all "kept as one of the newest 30" of
  // a rule, all "pushed 12 days ago" of a rule): 100,000 verdicts then hold a few hundred.
  const byRule = new Map<Rule, Map<number, Decision>>();
  const protectedBy = new Map<Rule, Map<Rule, Decision>>();
  const claimDecision = (rule: Rule, image: ImageRecord, marked: boolean): Decision => {
    const isCount = rule.selection.countType === 'imageCountMoreThan';
    const clock = isCount ? 'pushed' : clockOf(rule, image);
    const days = isCount ? 0 : Math.floor((now.getTime() - ageBase(rule, image).getTime()) / DAY_MS);
    // One number per (days, clock, marked): what the reason depends on besides the rule.
    const key = (days * CLOCKS.length + CLOCKS.indexOf(clock)) * 2 + (marked ? 1 : 0);
    const made = sharedOf(byRule, rule);
    let decision = made.get(key);
    if (decision === undefined) {
      decision = Object.freeze(ruleDecision(rule, marked, clock, days));
      made.set(key, decision);
    }
    return decision;
  };

  const decide = (i: number): Decision => {
    const image = images[i] as ImageRecord;
    const subject = follows.get(i);
    if (subject !== undefined) {
      const subjectDecision = decide(subject);
      return {
        kind: 'expire',
        rulePriority: subjectDecision.rulePriority ?? -1,
        reason: `follows its subject ${(images[subject] as ImageRecord).digest}, which expires by rule ${subjectDecision.rulePriority ?? '?'}`,
      };
    }
    const rule = claims.rule[i];
    if (rule === undefined) return NOT_SELECTED;
    const marked = claims.marked[i] === 1;
    const blockedBy = claims.blockedBy.get(i);
    const priority = rule.rulePriority;
    const index = keptByIndex.get(i);
    if (marked && index !== undefined) {
      const { reason } = claimDecision(rule, image, true);
      return {
        kind: 'keep',
        rulePriority: priority,
        reason: `marked by rule ${priority} (${reason.slice(reason.indexOf(': ') + 2)}) but referenced by image index ${(images[index] as ImageRecord).digest}, which is not expiring`,
      };
    }
    if (!marked && blockedBy !== undefined) {
      const made = sharedOf(protectedBy, rule);
      let decision = made.get(blockedBy);
      if (decision === undefined) {
        decision = Object.freeze({ kind: 'keep', rulePriority: priority, reason: `marked by rule ${blockedBy.rulePriority} but protected by rule ${priority}'s selection` } as const);
        made.set(blockedBy, decision);
      }
      return decision;
    }
    return claimDecision(rule, image, marked);
  };

  const verdicts: ImageVerdict[] = new Array<ImageVerdict>(images.length);
  for (let i = 0; i < images.length; i++) verdicts[i] = { image: images[i] as ImageRecord, decision: decide(i) };
  const summary = { expiringImageTotalCount: 0, transitioningImageTotalCount: 0, expiringBytes: 0, transitioningBytes: 0 };
  for (let i = 0; i < verdicts.length; i++) {
    const { image, decision } = verdicts[i] as ImageVerdict;
    if (decision.kind === 'expire') {
      summary.expiringImageTotalCount++;
      summary.expiringBytes += image.sizeBytes ?? 0;
    } else if (decision.kind === 'transition') {
      summary.transitioningImageTotalCount++;
      summary.transitioningBytes += image.sizeBytes ?? 0;
    }
  }
  // Built on first use: most callers walk `verdicts`, and a map of 100,000 digests is several MB.
  let byDigest: Map<Digest, ImageVerdict> | undefined;
  return {
    verdicts,
    summary,
    get byDigest(): ReadonlyMap<Digest, ImageVerdict> {
      if (byDigest === undefined) {
        byDigest = new Map();
        // A digest listed twice resolves to its last verdict.
        for (let i = 0; i < verdicts.length; i++) byDigest.set((verdicts[i] as ImageVerdict).image.digest, verdicts[i] as ImageVerdict);
      }
      return byDigest;
    },
  };
};

const NOT_SELECTED: Decision = Object.freeze({ kind: 'keep', reason: 'not selected by any rule' });

interface GraphOutcome {
  /** Images that expire only by following their subject: image → subject. */
  readonly follows: ReadonlyMap<number, number>;
  /** Images the rules expire but an index keeps: image → the surviving index. */
  readonly keptByIndex: ReadonlyMap<number, number>;
}

/** Appends `to` to the list of `from`. */
const link = (links: Map<number, number[]>, from: number, to: number): void => {
  const list = links.get(from);
  if (list === undefined) links.set(from, [to]);
  else list.push(to);
};

/**
 * Applies referrer and image-index links to what the rules decided (`claims`). First every
 * referrer of an expiring subject is added (transitively); then every child of an index that is
 * not expiring is removed, cascading to indexes and referrers that only expired through what was
 * removed. Removal only ever shrinks the set, so this terminates, and keeping wins.
 */
const resolveGraph = (images: readonly ImageRecord[], claims: Claims): GraphOutcome => {
  const follows = new Map<number, number>();
  const keptByIndex = new Map<number, number>();
  // Only the digests some image links to (a subject, an index child) are looked up: a map of every
  // digest would cost each simulation of a large multi-platform repository several MB.
  const linking: number[] = [];
  const linked = new Set<Digest>();
  for (let i = 0; i < images.length; i++) {
    const image = images[i] as ImageRecord;
    if (image.subjectDigest === undefined && (image.childDigests?.length ?? 0) === 0) continue;
    linking.push(i);
    if (image.subjectDigest !== undefined) linked.add(image.subjectDigest);
    for (const child of image.childDigests ?? []) linked.add(child);
  }
  if (linking.length === 0) return { follows, keptByIndex };

  const position = new Map<Digest, number>();
  for (let i = 0; i < images.length; i++) if (linked.has((images[i] as ImageRecord).digest)) position.set((images[i] as ImageRecord).digest, i);
  const referrers = new Map<number, number[]>(); // subject → its referrers
  const children = new Map<number, number[]>(); // index → its children
  for (const i of linking) {
    const image = images[i] as ImageRecord;
    const subject = image.subjectDigest === undefined ? undefined : position.get(image.subjectDigest);
    if (subject !== undefined && subject !== i) link(referrers, subject, i);
    for (const child of image.childDigests ?? []) {
      const c = position.get(child);
      if (c !== undefined && c !== i) link(children, i, c);
    }
  }

  // Referrers follow an expiring subject, transitively. 1 marks an expiring position.
  const expiring = new Uint8Array(images.length);
  const followQueue: number[] = [];
  claims.rule.forEach((rule, i) => {
    if (claims.marked[i] !== 1 || rule?.action.type !== 'expire') return;
    expiring[i] = 1;
    if (referrers.has(i)) followQueue.push(i);
  });
  for (let s = followQueue.pop(); s !== undefined; s = followQueue.pop()) {
    for (const r of referrers.get(s) ?? []) {
      if (expiring[r] === 1) continue;
      expiring[r] = 1;
      follows.set(r, s);
      followQueue.push(r);
    }
  }

  // Survivors keep their index children, and take back the referrers that only followed them.
  const keepQueue = [...children.keys()].filter((i) => expiring[i] !== 1);
  for (let survivor = keepQueue.pop(); survivor !== undefined; survivor = keepQueue.pop()) {
    for (const c of children.get(survivor) ?? []) {
      if (expiring[c] !== 1) continue;
      expiring[c] = 0;
      if (!follows.has(c)) keptByIndex.set(c, survivor);
      follows.delete(c);
      keepQueue.push(c);
    }
    for (const r of referrers.get(survivor) ?? []) {
      if (follows.get(r) !== survivor) continue;
      follows.delete(r);
      expiring[r] = 0;
      keepQueue.push(r);
    }
  }
  return { follows, keptByIndex };
};
