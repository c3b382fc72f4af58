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
import { tagMatchesPattern } from '../policy/match.js';
import { parsePolicyText } from '../policy/parse.js';
import { simulatePolicy } from '../policy/simulate.js';
import type { LifecyclePolicy, SimulationResult } from '../policy/types.js';
import { gate, inUseAtRisk, type AtRiskImage, type GateResult } from './gate.js';
import { findEnvironment, parseProtectionTag, protectionTagFor } from './protection.js';
import { buildTargetPolicy } from './target-policy.js';
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
}

/** Why the repository is excluded by the config, or `undefined` when it is managed. */
export const exclusionReason = (
  config: KeeperConfig,
  repository: Repository,
  repositoryTags: Readonly<Record<string, string>>,
): string | undefined => {
  // Same `*`-only whole-string glob as ECR tag patterns.
  const pattern = config.exclusions.repositoryPatterns.find((p) => tagMatchesPattern(repository.name, p));
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

const summarize = (policy: LifecyclePolicy, simulation: SimulationResult, inUse: readonly InUseImage[]): SimulationSummary => {
  const inUseDigests = new Set(inUse.map((u) => u.digest));
  const descriptions = new Map(policy.rules.map((r) => [r.rulePriority, r.description]));
  const affected: AffectedImage[] = [];
  const totals = new Map<string, { rulePriority: number; description: string | undefined; action: 'expire' | 'transition'; images: number; bytes: number }>();
  for (const { image, decision } of simulation.verdicts) {
    if (decision.kind === 'keep') continue;
    const description = descriptions.get(decision.rulePriority);
    affected.push({
      digest: image.digest,
      tags: image.tags,
      action: decision.kind,
      rulePriority: decision.rulePriority,
      ruleDescription: description,
      reason: decision.reason,
      sizeBytes: image.sizeBytes,
      pushedAt: image.pushedAt.toISOString(),
      lastSeenAt: lastUseOf(image).toISOString(),
      inUse: inUseDigests.has(image.digest),
    });
    const key = `${decision.rulePriority}/${decision.kind}`;
    const total = totals.get(key) ?? { rulePriority: decision.rulePriority, description, action: decision.kind, images: 0, bytes: 0 };
    total.images += 1;
    total.bytes += image.sizeBytes ?? 0;
    totals.set(key, total);
  }
  const byRule: RuleTotal[] = [...totals.values()].sort((a, b) => a.rulePriority - b.rulePriority);
  return {
    affected,
    byRule,
    expiringImages: simulation.summary.expiringImageTotalCount,
    transitioningImages: simulation.summary.transitioningImageTotalCount,
    expiringBytes: simulation.summary.expiringBytes,
    transitioningBytes: simulation.summary.transitioningBytes,
    inUseAtRisk: inUseAtRisk(policy, simulation, inUse),
  };
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
  const released = new Set(tagsToRelease.map(({ digest, tag }) => `${digest} ${tag}`));
  const removed = (image: ImageRecord, tag: string): boolean => released.has(`${image.digest} ${tag}`) || addedTags.has(tag);
  return images.map((image) => {
    const extra = added.get(image.digest) ?? [];
    if (extra.length === 0 && !image.tags.some((t) => removed(image, t))) return image;
    const kept = image.tags.filter((t) => !removed(image, t));
    return { ...image, tags: [...kept, ...extra] };
  });
};

const NO_GATE: PlanGate = { checked: false, safe: false, atRisk: [] };

/**
 * Plans one repository. Order of the safety checks:
 * 1. excluded repositories get nothing computed;
 * 2. a current policy we cannot read blocks merge mode (we cannot keep rules we cannot read);
 * 3. every in-use image present gets its environment's protection tag (archived ones cannot be
 *    tagged: ECR refuses to serve their manifest);
 * 4. protection tags of images out of use past the grace period are released, unless that would
 *    remove the image's last tag (which deletes it) or the in-use set is incomplete;
 * 5. the gate simulates the target policy on the images with those tag changes applied.
 * A blocked plan writes no policy and releases nothing; it keeps its protection tags only when they
 * endanger no in-use image under the policy that stays in force (a tag can move an image into a
 * rule of the current policy that has no protection rule).
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
      tagsToAdd: [],
      tagsToRelease: [],
      protectionKept: [],
      policy: { change: 'none', currentText: input.currentPolicy?.text, keptOwnRules: [], droppedOwnRules: [] },
      gate: NO_GATE,
      notFound: [],
    };
  }

  const inUse = input.inUse.filter(
    (u) => u.repository === repository.name && u.registryId === repository.registryId && u.region === repository.region,
  );
  if (inUse.length < input.inUse.length)
    reasons.push(`ignored ${input.inUse.length - inUse.length} in-use entr${input.inUse.length - inUse.length === 1 ? 'y' : 'ies'} of other repositories`);
  const images = input.images;
  const present = new Map(images.map((image) => [image.digest, image]));
  const notFound = [...new Set(inUse.map((u) => u.digest))].filter((d) => !present.has(d));
  if (notFound.length > 0) reasons.push(`${notFound.length} in-use digest(s) not found in the repository: ${notFound.map(shortDigest).join(', ')}`);

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
      tagsToAdd: [],
      tagsToRelease: [],
      protectionKept: [],
      policy: { change: 'none', currentText, keptOwnRules: [], droppedOwnRules: [] },
      gate: NO_GATE,
      notFound,
    };
  }
  if (unreadable !== undefined) reasons.push(`current policy could not be read (${unreadable}); it is replaced (existingPolicy is "replace")`);

  const tagsToAdd = planProtection(config, inUse, present, reasons);
  const inUseDigests = new Set(inUse.map((u) => u.digest));
  const { tagsToRelease, protectionKept } = input.inUseComplete
    ? planReleases(config, images, inUseDigests, now)
    : { tagsToRelease: [], protectionKept: [] };

  const target = buildTargetPolicy(config, current);
  const projected = projectImages(images, tagsToAdd, tagsToRelease);
  const gateResult: GateResult | undefined = target.issues.length === 0 ? gate(target.policy, projected, inUse, now) : undefined;
  const currentSummary = current === undefined ? undefined : summarize(current, simulatePolicy(current, images, now), inUse);
  const targetSummary = gateResult === undefined ? undefined : summarize(target.policy, gateResult.simulation, inUse);
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
  if (!input.inUseComplete)
    blockers.push('in-use set incomplete: some workloads could not be read, so no image can be proven unused (no policy written, no tag released)');

  const basePolicy = {
    targetText: target.text,
    currentText,
    keptOwnRules: target.keptOwnRules,
    droppedOwnRules: target.droppedOwnRules,
  };

  if (blockers.length === 0) {
    const writes = tagsToAdd.length + tagsToRelease.length + (change === 'none' ? 0 : 1);
    return {
      repository,
      status: writes > 0 ? 'apply' : 'unchanged',
      reasons,
      tagsToAdd,
      tagsToRelease,
      protectionKept,
      policy: { change, ...(change === 'none' ? {} : { text: target.text }), ...basePolicy },
      gate: planGate,
      current: currentSummary,
      target: targetSummary,
      notFound,
    };
  }

  // Blocked: the current policy stays in force. Protection tags help under a policy of ours, but under a
  // foreign policy a new tag can move an image into a tagged count rule and push another one out of its
  // newest N, so keep them only when they add no in-use image at risk under the current policy.
  const keepTags = tagsToAdd.length > 0 && tagsSafeUnder(currentText, current, images, tagsToAdd, inUse, now);
  if (tagsToAdd.length > 0 && !keepTags)
    reasons.push('protection tags not added: under the current policy they would put another in-use image at risk');
  return {
    repository,
    status: 'blocked',
    reasons: [...reasons, ...blockers],
    tagsToAdd: keepTags ? tagsToAdd : [],
    tagsToRelease: [],
    protectionKept,
    policy: { change: 'none', ...basePolicy },
    gate: planGate,
    current: currentSummary,
    target: targetSummary,
    notFound,
  };
};

/** True when adding `tagsToAdd` under the policy that stays in force puts no new in-use digest at risk. */
const tagsSafeUnder = (
  currentText: string | undefined,
  current: LifecyclePolicy | undefined,
  images: readonly ImageRecord[],
  tagsToAdd: readonly TagToAdd[],
  inUse: readonly InUseImage[],
  now: Date,
): boolean => {
  if (currentText === undefined) return true;
  // A policy we cannot read cannot be simulated: adding tags under it is a guess.
  if (current === undefined) return false;
  const before = new Set(inUseAtRisk(current, simulatePolicy(current, images, now), inUse).map((r) => r.digest));
  const after = inUseAtRisk(current, simulatePolicy(current, projectImages(images, tagsToAdd, []), now), inUse);
  return after.every((r) => before.has(r.digest));
};

/** One protection tag per in-use digest and environment, for present images that lack it. */
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

  const holders = new Map<string, Digest>();
  for (const image of present.values()) for (const tag of image.tags) holders.set(tag, image.digest);
  const additions: TagToAdd[] = [];
  for (const { digest, env, uses } of wanted.values()) {
    const image = present.get(digest);
    const tag = protectionTagFor(config, env, digest);
    if (image === undefined || image.tags.includes(tag)) continue;
    const holder = holders.get(tag);
    // Only by hand can another image hold this digest's protection tag; PutImage moves it (mutable
    // repository) and the gate simulates the listing after the move.
    if (holder !== undefined && holder !== digest)
      reasons.push(`protection tag ${tag} is held by ${shortDigest(holder)}; adding it to ${shortDigest(digest)} moves it`);
    additions.push({ digest, tag, environment: env.name, uses });
  }
  return additions;
};

/** Protection tags of images out of use past `releaseAfterDays`; never an image's last tag. */
const planReleases = (
  config: KeeperConfig,
  images: readonly ImageRecord[],
  inUseDigests: ReadonlySet<Digest>,
  now: Date,
): { tagsToRelease: TagToRelease[]; protectionKept: ProtectionKept[] } => {
  const tagsToRelease: TagToRelease[] = [];
  const protectionKept: ProtectionKept[] = [];
  const graceDays = config.protection.releaseAfterDays;
  for (const image of images) {
    const protections = image.tags.flatMap((tag) => {
      const info = parseProtectionTag(config, tag);
      return info === undefined ? [] : [{ tag, environment: info.environment }];
    });
    if (protections.length === 0 || inUseDigests.has(image.digest)) continue;
    const lastUseMs = lastUseOf(image).getTime();
    const idleDays = Math.floor((now.getTime() - lastUseMs) / DAY_MS);
    if (now.getTime() - lastUseMs <= graceDays * DAY_MS) continue;
    // BatchDeleteImage on an image's last tag deletes the image itself.
    if (protections.length === image.tags.length) {
      for (const { tag } of protections)
        protectionKept.push({
          digest: image.digest,
          tag,
          reason: `kept protected: protection tag is its only tag (out of use for ${idleDays} days; removing it would delete the image)`,
        });
      continue;
    }
    for (const { tag, environment } of protections)
      tagsToRelease.push({
        digest: image.digest,
        tag,
        environment,
        reason: `not in use; last pulled, pushed or restored ${idleDays} days ago, more than ${graceDays}`,
      });
  }
  return { tagsToRelease, protectionKept };
};
