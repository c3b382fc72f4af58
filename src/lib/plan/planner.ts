/**
 * The planner: for one repository, decide which protection tags to add and release and which
 * lifecycle policy to write, then prove with the gate that no in-use image would be expired or
 * archived. Pure: no AWS SDK import, no clock (pass `now`), never throws for bad AWS data
 * (an unreadable policy blocks the repository instead).
 */
import type { EnvironmentConfig, KeeperConfig } from '../config.js';
import type { Digest, ImageRecord, InUseImage, Repository, UseSource } from '../domain/types.js';
import type { StoredPolicy } from '../aws/ports.js';
import { policiesEquivalent } from '../policy/canonical.js';
import { globMatches } from '../policy/match.js';
import { parsePolicyText } from '../policy/parse.js';
import { simulatePolicy } from '../policy/simulate.js';
import type { Decision, ImageVerdict, LifecyclePolicy, SimulationResult } from '../policy/types.js';
import { gate, inUseAtRisk, type AtRiskImage, type GateResult } from './gate.js';
import { orderSteps, type PolicyInForce } from './apply-order.js';
import { findEnvironment, homeTagFor, ownProtectionOf, protectionTagFor } from './protection.js';
import { buildGuardPolicy, buildTargetPolicy, KEEPER_DESCRIPTION_PREFIX } from './target-policy.js';
import type {
  AffectedImage,
  PlanGate,
  PolicyPlan,
  ProtectionKept,
  RepositoryPlan,
  RuleTotal,
  SimulationSummary,
  TagToAdd,
  TagToRelease,
} from './types.js';

const DAY_MS = 86_400_000;

/** Everything the planner needs about one repository; `inUse` should hold this repository's images. */
export interface PlanInput {
  readonly repository: Repository;
  readonly repositoryTags: Readonly<Record<string, string>>;
  readonly images: readonly ImageRecord[];
  readonly currentPolicy: StoredPolicy | undefined;
  readonly inUse: readonly InUseImage[];
  /** False when some workload could not be read: then nothing may be released and no policy written. */
  readonly inUseComplete: boolean;
  readonly config: KeeperConfig;
  readonly now: Date;
  /**
   * Per-image report entries kept per list (`current.affected`, `target.affected`, `newlyExpiring`);
   * counts, bytes and rule totals stay exact, and each list says how many it left out. Undefined keeps
   * them all, as the audit needs. A sweep of a 100,000-image repository would otherwise build an entry
   * per image twice over.
   */
  readonly imageListLimit?: number | undefined;
}

/** Why the repository is excluded by the config, or `undefined` when it is managed. */
export const exclusionReason = (
  config: KeeperConfig,
  repository: Repository,
  repositoryTags: Readonly<Record<string, string>>,
): string | undefined => {
  // The glob of ECR tag patterns, case-sensitive: ECR repository names are lower case by grammar.
  const pattern = config.exclusions.repositoryPatterns.find((p) => globMatches(repository.name, p));
  if (pattern !== undefined) return `excluded: repository name matches "${pattern}"`;
  for (const [key, value] of Object.entries(config.exclusions.repositoryTags)) {
    if (Object.hasOwn(repositoryTags, key) && repositoryTags[key] === value) return `excluded: repository tag ${key}=${value}`;
  }
  return undefined;
};

/**
 * Last sign of life of an image: the latest of its last pull, its restore from archive and its push.
 * ECR's `lastRecordedPullTime` is the only stateless signal that a workload still fetches an image
 * (ecr-keeper keeps no history between sweeps); the latest of the three errs towards keeping.
 */
export const lastUseOf = (image: ImageRecord): Date => {
  const times = [image.pushedAt, image.lastActivatedAt, image.lastPulledAt].filter((d): d is Date => d !== undefined);
  return new Date(Math.max(...times.map((d) => d.getTime())));
};

const shortDigest = (digest: Digest): string => digest.slice(0, 19);

const describeAtRisk = (risk: AtRiskImage): string => {
  const rule = `rule ${risk.decision.rulePriority}${risk.ruleDescription === undefined ? '' : ` ("${risk.ruleDescription}")`}`;
  const tags = risk.tags.length === 0 ? 'untagged' : risk.tags.join(', ');
  const users = [...new Set(risk.uses.map((u) => u.service ?? u.arn))].join(', ');
  return `${risk.decision.kind === 'expire' ? 'expire' : 'archive'} in-use ${shortDigest(risk.digest)} (${tags}) by ${rule}; used by ${users || 'unknown'}`;
};

/** The report entry of one image a policy acts on. */
const affectedImage = (image: ImageRecord, decision: Extract<Decision, { kind: 'expire' | 'transition' }>, description: string | undefined, inUse: boolean): AffectedImage => ({
  digest: image.digest,
  tags: image.tags,
  action: decision.kind,
  rulePriority: decision.rulePriority,
  ruleDescription: description,
  reason: decision.reason,
  sizeBytes: image.sizeBytes,
  pushedAt: image.pushedAt.toISOString(),
  lastSeenAt: lastUseOf(image).toISOString(),
  inUse,
});

/**
 * What `policy` does to the repository: totals per rule over every image, and the first `limit`
 * images it acts on (all when `limit` is undefined), the rest counted in `affectedTruncated`. Only
 * the entries kept are built: 100,000 report entries a repository are never held to be cut later.
 */
const summarize = (policy: LifecyclePolicy, simulation: SimulationResult, inUse: readonly InUseImage[], limit: number | undefined): SimulationSummary => {
  const inUseDigests = new Set(inUse.map((u) => u.digest));
  const descriptions = new Map(policy.rules.map((r) => [r.rulePriority, r.description]));
  const affected: AffectedImage[] = [];
  let truncated = 0;
  const totals = new Map<string, { rulePriority: number; description: string | undefined; action: 'expire' | 'transition'; images: number; bytes: number }>();
  const { verdicts } = simulation;
  for (let i = 0; i < verdicts.length; i++) {
    const { image, decision } = verdicts[i] as ImageVerdict;
    if (decision.kind === 'keep') continue;
    const description = descriptions.get(decision.rulePriority);
    if (limit === undefined || affected.length < limit) affected.push(affectedImage(image, decision, description, inUseDigests.has(image.digest)));
    else truncated += 1;
    const key = `${decision.rulePriority}/${decision.kind}`;
    const total = totals.get(key) ?? { rulePriority: decision.rulePriority, description, action: decision.kind, images: 0, bytes: 0 };
    total.images += 1;
    total.bytes += image.sizeBytes ?? 0;
    totals.set(key, total);
  }
  const byRule: RuleTotal[] = [...totals.values()].sort((a, b) => a.rulePriority - b.rulePriority);
  return {
    affected,
    ...(truncated > 0 ? { affectedTruncated: truncated } : {}),
    byRule,
    expiringImages: simulation.summary.expiringImageTotalCount,
    transitioningImages: simulation.summary.transitioningImageTotalCount,
    expiringBytes: simulation.summary.expiringBytes,
    transitioningBytes: simulation.summary.transitioningBytes,
    inUseAtRisk: inUseAtRisk(policy, simulation, inUse),
  };
};

/**
 * Images the target acts on that the current policy keeps (every one it acts on when there is no
 * current policy), the first `limit` of them. Both simulations cover the same listing position by
 * position (`projectImages` keeps the order), so the two verdicts of an image share its index. The
 * entries `targetSummary` already holds (its first images acted on, in the same order) are shared.
 */
const newlyExpiringOf = (
  policy: LifecyclePolicy,
  target: SimulationResult,
  targetSummary: SimulationSummary,
  current: SimulationResult | undefined,
  inUse: readonly InUseImage[],
  limit: number | undefined,
): { readonly images: AffectedImage[]; readonly truncated: number } => {
  const inUseDigests = new Set(inUse.map((u) => u.digest));
  const descriptions = new Map(policy.rules.map((r) => [r.rulePriority, r.description]));
  const images: AffectedImage[] = [];
  let truncated = 0;
  let actedOn = 0;
  target.verdicts.forEach(({ image, decision }, i) => {
    if (decision.kind === 'keep') return;
    const ordinal = actedOn++;
    if (current !== undefined && current.verdicts[i]?.decision.kind !== 'keep') return;
    if (limit !== undefined && images.length >= limit) truncated += 1;
    else images.push(targetSummary.affected[ordinal] ?? affectedImage(image, decision, descriptions.get(decision.rulePriority), inUseDigests.has(image.digest)));
  });
  return { images, truncated };
};

/**
 * The listing with tags added and released, as the next lifecycle evaluation will see it.
 * A tag names one image: putting a tag another digest holds moves it in a mutable repository
 * (and fails in an immutable one), so an added tag is taken off every other image.
 */
export const projectImages = (
  images: readonly ImageRecord[],
  tagsToAdd: readonly Pick<TagToAdd, 'digest' | 'tag'>[],
  tagsToRelease: readonly Pick<TagToRelease, 'digest' | 'tag'>[],
): ImageRecord[] => {
  if (tagsToAdd.length === 0 && tagsToRelease.length === 0) return [...images];
  const added = new Map<Digest, string[]>();
  for (const { digest, tag } of tagsToAdd) added.set(digest, [...(added.get(digest) ?? []), tag]);
  const addedTags = new Set(tagsToAdd.map((t) => t.tag));
  const released = new Map<Digest, Set<string>>();
  for (const { digest, tag } of tagsToRelease) released.set(digest, (released.get(digest) ?? new Set()).add(tag));
  const takenElsewhere = (tag: string): boolean => addedTags.has(tag);
  return images.map((image) => {
    const extra = added.get(image.digest);
    const releasedHere = released.get(image.digest);
    if (extra === undefined && releasedHere === undefined && !image.tags.some(takenElsewhere)) return image;
    const kept = image.tags.filter((t) => !addedTags.has(t) && releasedHere?.has(t) !== true);
    return { ...image, tags: [...kept, ...(extra ?? [])] };
  });
};

const NO_GATE: PlanGate = { checked: false, safe: false, atRisk: [] };

const sourceOf = (repository: Repository, digest: Digest, kind: 'recent-pull' | 'referrer', environment: string, arn: string): UseSource => ({
  kind,
  region: repository.region,
  arn,
  image: `${repository.uri}@${digest}`,
  environment,
});

/**
 * The in-use set of one repository, widened by what its own listing shows:
 * - the pull guard: an image pulled within `inUse.recentPullDays` counts as in use, for consumers
 *   no source covers (ECR refreshes `lastRecordedPullTime` about once a day);
 * - referrers (signatures, SBOMs: `subjectDigest`) of an in-use image are in use with it: an
 *   untagged referrer would otherwise expire under the untagged rule while its subject runs.
 * Archived images cannot be pulled, so the pull guard skips them.
 */
export const widenInUse = (
  config: KeeperConfig,
  repository: Repository,
  images: readonly ImageRecord[],
  inUse: readonly InUseImage[],
  now: Date,
): InUseImage[] => {
  const out = [...inUse];
  const envOf = new Map<Digest, string>();
  for (const entry of inUse) if (!envOf.has(entry.digest)) envOf.set(entry.digest, entry.environment);
  const base = { registryId: repository.registryId, region: repository.region, repository: repository.name };
  const windowDays = config.inUse.recentPullDays;
  if (windowDays > 0) {
    for (const image of images) {
      if (envOf.has(image.digest) || image.storageClass === 'archive' || image.lastPulledAt === undefined) continue;
      if (now.getTime() - image.lastPulledAt.getTime() > windowDays * DAY_MS) continue;
      const own = image.tags.map((t) => ownProtectionOf(config, t, image.digest)).find((e) => e !== undefined);
      const environment = own ?? config.environmentResolution.default;
      envOf.set(image.digest, environment);
      const days = Math.floor((now.getTime() - image.lastPulledAt.getTime()) / DAY_MS);
      out.push({ ...base, digest: image.digest, environment, uses: [sourceOf(repository, image.digest, 'recent-pull', environment, `pulled ${days} day(s) ago`)] });
    }
  }
  // ECR deletes a referrer with its subject, so an in-use referrer needs its subject kept too.
  // Referrers of referrers (a signature of an SBOM) follow: repeat until nothing changes.
  const referrers = images.filter((i) => i.subjectDigest !== undefined);
  const present = referrers.length === 0 ? new Set<Digest>() : new Set(images.map((i) => i.digest));
  for (let changed = referrers.length > 0; changed; ) {
    changed = false;
    for (const image of referrers) {
      const subject = image.subjectDigest;
      if (subject === undefined || !present.has(subject)) continue;
      const fromSubject = envOf.get(subject);
      const fromReferrer = envOf.get(image.digest);
      if (fromSubject !== undefined && fromReferrer === undefined) {
        envOf.set(image.digest, fromSubject);
        out.push({ ...base, digest: image.digest, environment: fromSubject, uses: [sourceOf(repository, image.digest, 'referrer', fromSubject, `referrer of ${subject}`)] });
        changed = true;
      } else if (fromReferrer !== undefined && fromSubject === undefined) {
        envOf.set(subject, fromReferrer);
        out.push({ ...base, digest: subject, environment: fromReferrer, uses: [sourceOf(repository, subject, 'referrer', fromReferrer, `subject of ${image.digest}`)] });
        changed = true;
      }
    }
  }
  return out;
};

const countBySource = (inUse: readonly InUseImage[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const entry of inUse) for (const kind of new Set(entry.uses.map((u) => u.kind))) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
};

/**
 * Plans one repository:
 * 1. excluded repositories get nothing computed;
 * 2. a current policy we cannot read blocks merge mode (we cannot keep rules we cannot read);
 * 3. the in-use set is widened by the pull guard and referrers (`widenInUse`);
 * 4. every in-use image present gets its environment's protection tag and home tag (archived ones
 *    cannot be tagged: ECR refuses to serve their manifest);
 * 5. protection tags of images out of use past the grace period are released (only when the in-use
 *    set is complete, and only tags that name the image's own digest), after the home tag is there;
 * 6. the gate simulates the target policy on the images with every tag change applied, and in merge
 *    mode checks that no image the current policy keeps through the repository's own rules expires;
 * 7. `orderSteps` orders the writes so that every prefix is safe under the policy in force then.
 * A blocked plan writes no target policy and releases nothing; it may still add protection where
 * every step of that is proven safe.
 */
export const planRepository = (input: PlanInput): RepositoryPlan => {
  const { repository, config, now } = input;
  const reasons: string[] = [];

  const excluded = exclusionReason(config, repository, input.repositoryTags);
  if (excluded !== undefined) {
    return {
      repository,
      status: 'excluded',
      reasons: [excluded],
      steps: [],
      tagsToAdd: [],
      tagsToRelease: [],
      protectionKept: [],
      newlyExpiring: [],
      inUseBySource: {},
      imageCounts: { listed: input.images.length, inUse: 0 },
      policy: { change: 'none', currentText: input.currentPolicy?.text, keptOwnRules: [], droppedOwnRules: [], overriddenBaseline: [] },
      gate: NO_GATE,
      notFound: [],
    };
  }

  const ownInUse = input.inUse.filter(
    (u) => u.repository === repository.name && u.registryId === repository.registryId && u.region === repository.region,
  );
  if (ownInUse.length < input.inUse.length)
    reasons.push(`ignored ${input.inUse.length - ownInUse.length} in-use entr${input.inUse.length - ownInUse.length === 1 ? 'y' : 'ies'} of other repositories`);
  const images = input.images;
  const present = new Map<Digest, ImageRecord>();
  for (const image of images) present.set(image.digest, image);
  const notFound = [...new Set(ownInUse.map((u) => u.digest))].filter((d) => !present.has(d));
  if (notFound.length > 0) reasons.push(`${notFound.length} in-use digest(s) not found in the repository: ${notFound.map(shortDigest).join(', ')}`);
  const inUse = widenInUse(config, repository, images, ownInUse, now);
  const inUseBySource = countBySource(inUse);
  const imageCounts = { listed: images.length, inUse: new Set(inUse.map((u) => u.digest).filter((d) => present.has(d))).size };

  const currentText = input.currentPolicy?.text;
  let current: LifecyclePolicy | undefined;
  let unreadable: string | undefined;
  if (currentText !== undefined) {
    const parsed = parsePolicyText(currentText);
    if (parsed.ok) current = parsed.policy;
    else unreadable = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  }
  if (unreadable !== undefined && config.existingPolicy === 'merge') {
    return {
      repository,
      status: 'blocked',
      reasons: [...reasons, `current policy could not be read: ${unreadable}`],
      steps: [],
      tagsToAdd: [],
      tagsToRelease: [],
      protectionKept: [],
      newlyExpiring: [],
      inUseBySource,
      imageCounts,
      policy: { change: 'none', currentText, keptOwnRules: [], droppedOwnRules: [], overriddenBaseline: [] },
      gate: NO_GATE,
      notFound,
    };
  }
  if (unreadable !== undefined) reasons.push(`current policy could not be read (${unreadable}); it is replaced (existingPolicy is "replace")`);

  const protectionAdds = planProtection(config, inUse, present, reasons);
  const inUseDigests = new Set(inUse.map((u) => u.digest));
  const released = input.inUseComplete ? planReleases(config, images, inUseDigests, now) : { homeTags: [], tagsToRelease: [], protectionKept: [] };
  const tagsToAdd = [...protectionAdds, ...released.homeTags];
  const { tagsToRelease, protectionKept } = released;

  const target = buildTargetPolicy(config, current);
  const projected = projectImages(images, tagsToAdd, tagsToRelease);
  const gateResult: GateResult | undefined = target.issues.length === 0 ? gate(target.policy, projected, inUse, now) : undefined;
  const currentSimulation = current === undefined ? undefined : simulatePolicy(current, images, now);
  const currentSummary = current === undefined || currentSimulation === undefined ? undefined : summarize(current, currentSimulation, inUse, input.imageListLimit);
  const targetSummary = gateResult === undefined ? undefined : summarize(target.policy, gateResult.simulation, inUse, input.imageListLimit);
  const planGate: PlanGate =
    gateResult === undefined ? NO_GATE : { checked: true, safe: gateResult.safe, atRisk: gateResult.safe ? [] : gateResult.atRisk };

  const change: PolicyPlan['change'] =
    currentText === undefined
      ? 'create'
      : current === undefined || !policiesEquivalent(current, target.policy)
        ? 'update'
        : 'none';

  const blockers: string[] = [];
  if (target.issues.length > 0)
    blockers.push(`target policy cannot be written: ${target.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  if (gateResult !== undefined && !gateResult.safe)
    blockers.push(
      `the target policy would lose ${gateResult.atRisk.length} in-use image(s): ${gateResult.atRisk.map(describeAtRisk).join('; ')}`,
    );
  if (config.existingPolicy === 'merge' && current !== undefined && currentSimulation !== undefined && gateResult !== undefined) {
    // Same listing on both sides: what a release or a new tag changes is not the merge's doing.
    const lost = keptByOwnRulesButExpiring(current, simulatePolicy(current, projected, now), target.policy, gateResult.simulation);
    if (lost.length > 0)
      blockers.push(`merge would expire ${lost.length} image(s) the repository's own rules keep: ${lost.map(shortDigest).join(', ')}`);
  }
  if (!input.inUseComplete)
    blockers.push('in-use set incomplete: some consumers could not be read, so no image can be proven unused (no policy written, no tag released)');

  const newly =
    gateResult === undefined || targetSummary === undefined
      ? { images: [], truncated: 0 }
      : newlyExpiringOf(target.policy, gateResult.simulation, targetSummary, currentSimulation, inUse, input.imageListLimit);

  const basePolicy = {
    targetText: target.text,
    currentText,
    keptOwnRules: target.keptOwnRules,
    droppedOwnRules: target.droppedOwnRules,
    overriddenBaseline: target.overriddenBaseline,
  };
  for (const o of target.overriddenBaseline) reasons.push(`baseline rule "${o.description}" left out: ${o.reason}`);

  const inForce: PolicyInForce = currentText === undefined ? { kind: 'none' } : current === undefined ? { kind: 'unreadable' } : { kind: 'policy', policy: current };
  // The guard is a policy like any other: it may be written only if, with the tags this apply adds,
  // it expires or archives no in-use image (the gate's rule). Before those tags land it is held to
  // "no worse than the policy it replaces" (orderSteps).
  const guardCandidate = current === undefined ? undefined : buildGuardPolicy(config, current);
  const guard =
    guardCandidate !== undefined && inUseAtRisk(guardCandidate.policy, simulatePolicy(guardCandidate.policy, projectImages(images, tagsToAdd, []), now), inUse).length === 0
      ? guardCandidate
      : undefined;
  const blocked = blockers.length > 0;
  const willWrite = !blocked && change !== 'none' && target.text !== undefined;
  const ordered = orderSteps({
    images,
    inForce,
    adds: tagsToAdd.map((t) => ({ digest: t.digest, tag: t.tag, role: t.role })),
    removes: blocked ? [] : tagsToRelease.map((t) => ({ digest: t.digest, tag: t.tag })),
    target: willWrite && target.text !== undefined ? { policy: target.policy, text: target.text } : undefined,
    guard: input.inUseComplete ? guard : undefined,
    // No target is written (blocked), yet the policy in force lacks protection rules: the guard shields
    // the protected in-use images now and as they age (a foreign rule may archive them next month).
    preferGuard: !willWrite && guard !== undefined && inUse.some((u) => present.has(u.digest)),
    inUse: inUseDigests,
    complete: input.inUseComplete,
    now,
  });
  if (!ordered.complete) {
    const landed = ordered.steps.length;
    blockers.push(
      `no order of writes keeps every image safe at every step (${ordered.reason ?? 'unsafe'}); ${landed === 0 ? 'nothing is written' : `only the first ${landed} proven-safe write(s) are made`}`,
    );
  }

  const common = {
    repository,
    steps: ordered.steps,
    protectionKept,
    newlyExpiring: newly.images,
    ...(newly.truncated > 0 ? { newlyExpiringTruncated: newly.truncated } : {}),
    inUseBySource,
    imageCounts,
    gate: planGate,
    current: currentSummary,
    target: targetSummary,
    notFound,
  };
  if (blockers.length === 0) {
    return {
      ...common,
      status: ordered.steps.length > 0 ? 'apply' : 'unchanged',
      reasons,
      tagsToAdd,
      tagsToRelease,
      policy: { change, ...(change === 'none' ? {} : { text: target.text }), ...basePolicy },
    };
  }
  const landedTags = new Set(ordered.steps.filter((s) => s.kind === 'add-tag').map((s) => `${s.digest} ${s.tag}`));
  const keptAdds = tagsToAdd.filter((t) => landedTags.has(`${t.digest} ${t.tag}`));
  if (keptAdds.length < tagsToAdd.length)
    reasons.push(`${tagsToAdd.length - keptAdds.length} protection tag(s) not added: under the policy in force they could put an image at risk`);
  // The policy in force stays: say which in-use images it already puts at risk, so someone can act.
  const leftAtRisk = currentSummary?.inUseAtRisk ?? [];
  if (leftAtRisk.length > 0) reasons.push(`the current policy, which stays, puts ${leftAtRisk.length} in-use image(s) at risk: ${leftAtRisk.map(describeAtRisk).join('; ')}`);
  const targetWritten = ordered.steps.some((s) => s.kind === 'put-policy' && s.role === 'target');
  return {
    ...common,
    status: 'blocked',
    reasons: [...reasons, ...blockers],
    tagsToAdd: keptAdds,
    tagsToRelease: tagsToRelease.filter((t) => ordered.steps.some((s) => s.kind === 'remove-tag' && s.digest === t.digest && s.tag === t.tag)),
    policy: { change: targetWritten ? change : 'none', ...(targetWritten ? { text: target.text } : {}), ...basePolicy },
  };
};

/**
 * Digests the current policy keeps because one of the repository's own rules selected them, and the
 * target marks. A `tagStatus: any` rule is left out: it must come last in any policy, so it shields
 * nothing below it; it is the team's catch-all, and the baseline's rules above it act on images no
 * other own rule selects, which is what merge means.
 */
const keptByOwnRulesButExpiring = (current: LifecyclePolicy, before: SimulationResult, target: LifecyclePolicy, after: SimulationResult): Digest[] => {
  // Only a baseline rule acting is the merge's doing; the team's own rule acting is the team's.
  const baseline = new Set(target.rules.filter((r) => r.description?.startsWith(KEEPER_DESCRIPTION_PREFIX) === true).map((r) => r.rulePriority));
  const own = new Set(
    current.rules
      .filter((r) => r.description?.startsWith(KEEPER_DESCRIPTION_PREFIX) !== true && r.selection.tagStatus !== 'any')
      .map((r) => r.rulePriority),
  );
  const lost: Digest[] = [];
  // Both simulations cover the same listing, position by position.
  for (let i = 0; i < before.verdicts.length; i++) {
    const { image, decision } = before.verdicts[i] as ImageVerdict;
    if (decision.kind !== 'keep' || decision.rulePriority === undefined || !own.has(decision.rulePriority)) continue;
    const later = after.verdicts[i];
    // A referrer leaves with its subject whatever its own rules say (ECR); that is the subject's fate.
    const subject = image.subjectDigest === undefined ? undefined : after.byDigest.get(image.subjectDigest);
    if (subject !== undefined && subject.decision.kind === 'expire') continue;
    if (later !== undefined && later.decision.kind !== 'keep' && baseline.has(later.decision.rulePriority)) lost.push(image.digest);
  }
  return lost;
};

/** The protection tag and home tag of every in-use image present, for environments it lacks them in. */
const planProtection = (
  config: KeeperConfig,
  inUse: readonly InUseImage[],
  present: ReadonlyMap<Digest, ImageRecord>,
  reasons: string[],
): TagToAdd[] => {
  const fallback = findEnvironment(config, config.environmentResolution.default) ?? config.environments[0];
  const wanted = new Map<string, { digest: Digest; env: EnvironmentConfig; uses: UseSource[] }>();
  const unknownEnvironments = new Set<string>();
  const archived = new Set<Digest>();
  for (const entry of inUse) {
    const image = present.get(entry.digest);
    if (image === undefined) continue;
    let env = findEnvironment(config, entry.environment);
    if (env === undefined) {
      // A workload label the config does not know still needs a protection rule to shield it.
      unknownEnvironments.add(entry.environment);
      env = fallback;
    }
    if (env === undefined) continue;
    if (image.storageClass === 'archive') {
      archived.add(image.digest);
      continue;
    }
    const key = `${entry.digest} ${env.name}`;
    const slot = wanted.get(key);
    if (slot === undefined) wanted.set(key, { digest: entry.digest, env, uses: [...entry.uses] });
    else slot.uses.push(...entry.uses);
  }
  for (const name of unknownEnvironments)
    reasons.push(`in-use environment "${name}" is not configured; its images are protected as "${fallback?.name ?? '?'}"`);
  for (const digest of archived)
    reasons.push(`in-use image ${shortDigest(digest)} is archived: ECR cannot serve its manifest, so it cannot be tagged until restored`);

  // Who holds each tag to add now (only those tags are looked up).
  const holders = new Map<string, Digest | undefined>();
  for (const { digest, env } of wanted.values()) {
    holders.set(protectionTagFor(config, env, digest), undefined);
    holders.set(homeTagFor(config, env, digest), undefined);
  }
  present.forEach((image) => {
    for (const tag of image.tags) if (holders.has(tag)) holders.set(tag, image.digest);
  });
  const additions: TagToAdd[] = [];
  for (const { digest, env, uses } of wanted.values()) {
    const image = present.get(digest);
    if (image === undefined) continue;
    const protection = protectionTagFor(config, env, digest);
    const home = homeTagFor(config, env, digest);
    for (const [tag, role] of [[protection, 'protection'], [home, 'home']] as const) {
      if (image.tags.includes(tag)) continue;
      const holder = holders.get(tag);
      // Only by hand can another image hold this digest's tag; PutImage moves it (mutable repository)
      // and the order check simulates the listing after the move.
      if (holder !== undefined && holder !== digest)
        reasons.push(`tag ${tag} is held by ${shortDigest(holder)}; adding it to ${shortDigest(digest)} moves it`);
      additions.push({ digest, tag, role, environment: env.name, uses });
    }
  }
  return additions;
};

/**
 * Protection tags of images out of use past `releaseAfterDays`, each with the home tag that must be
 * in place first. Only tags naming the image's own digest are ours to release.
 */
const planReleases = (
  config: KeeperConfig,
  images: readonly ImageRecord[],
  inUseDigests: ReadonlySet<Digest>,
  now: Date,
): { homeTags: TagToAdd[]; tagsToRelease: TagToRelease[]; protectionKept: ProtectionKept[] } => {
  const homeTags: TagToAdd[] = [];
  const tagsToRelease: TagToRelease[] = [];
  const protectionKept: ProtectionKept[] = [];
  const graceDays = config.protection.releaseAfterDays;
  for (let i = 0; i < images.length; i++) {
    const image = images[i] as ImageRecord;
    let protections: { tag: string; environment: string }[] | undefined;
    for (let t = 0; t < image.tags.length; t++) {
      const tag = image.tags[t] as string;
      const environment = ownProtectionOf(config, tag, image.digest);
      if (environment !== undefined) (protections ??= []).push({ tag, environment });
    }
    if (protections === undefined || inUseDigests.has(image.digest)) continue;
    const lastUseMs = lastUseOf(image).getTime();
    const idleDays = Math.floor((now.getTime() - lastUseMs) / DAY_MS);
    if (now.getTime() - lastUseMs <= graceDays * DAY_MS) {
      for (const { tag } of protections)
        protectionKept.push({ digest: image.digest, tag, reason: `out of use, but last pulled, pushed or restored ${idleDays} day(s) ago (release after ${graceDays})` });
      continue;
    }
    if (image.storageClass === 'archive') {
      for (const { tag } of protections)
        protectionKept.push({ digest: image.digest, tag, reason: 'archived: its home tag cannot be added until it is restored' });
      continue;
    }
    for (const { tag, environment } of protections) {
      const env = findEnvironment(config, environment);
      if (env === undefined) continue;
      const home = homeTagFor(config, env, image.digest);
      if (!image.tags.includes(home) && !homeTags.some((h) => h.digest === image.digest && h.tag === home))
        homeTags.push({ digest: image.digest, tag: home, role: 'home', environment, uses: [] });
      tagsToRelease.push({
        digest: image.digest,
        tag,
        environment,
        reason: `not in use; last pulled, pushed or restored ${idleDays} days ago, more than ${graceDays}`,
      });
    }
  }
  return { homeTags, tagsToRelease, protectionKept };
};
