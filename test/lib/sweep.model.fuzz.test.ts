/**
 * Model-based test of the sweep (issue 6, "Proof"): random accounts (`test/helpers/world.ts`: 2–3
 * regions, a few repositories of ≤15 images, ECS tasks and services with revisions and deployments,
 * task definitions, EventBridge rules, Lambda, Batch), driven by random command sequences
 * (`fc.commands`) that interleave sweeps (full, narrowed, dry run, audit; with injected failures,
 * a Lambda timeout mid-apply, consumer read failures, and world moves made from inside a port call
 * in the middle of the sweep) with what the world does by itself (deploys, rollbacks, scaling to
 * zero, CI moving `latest`, pushes, users deleting images, time passing while ECR's lifecycle acts).
 *
 * Invariants, each judged by the project's simulator AND the naive reference evaluator
 * (`test/helpers/reference-evaluator.ts`):
 * 1. ecr-keeper never deletes an image (checked after every write call it makes);
 * 2. no ecr-keeper write makes a truly in-use image (any consumer, any region) newly expire or archive
 *    under the policy in force, compared with the state just before that write. Reported as `2-race`
 *    when a world move landed after ecr-keeper's latest read of the consumers or of that repository
 *    (the write was decided on a state that no longer held), else as `2`;
 * 3. after a full apply sweep that saw no injected failure and no world move, no truly in-use image is
 *    at risk, except images the report lists as blocked with a reason (the repository is `blocked` and
 *    its reasons or its gate name the image) and excluded repositories. `3-later`: nor at risk 60 days
 *    on if nothing changes (protected, not merely young), unless the reasons name the image. Each is
 *    reported with `-blocked` when the repository was blocked because of another image;
 * 4. dry run and audit make zero write calls (and read no manifest: BatchGetImage counts as a pull).
 * Also checked: writes stay inside a narrowed sweep's scope (`scope`); the report's tag counts equal
 * the tags that landed (`report`); the simulator and the reference agree wherever both ran (`evaluators`);
 * no sweep reads the same manifest twice (`manifest-once`: BatchGetImage is a pull and a manifest never changes).
 * Every violation but `2-race` and `3-later-blocked` fails the run, with the shrunk command sequence; those two are counted.
 *
 * Size: KEEPER_MODEL_RUNS accounts (default 10,000 × FC_SCALE: 2,500 in `npm test`, see test/fuzz-setup.ts)
 * of up to KEEPER_MODEL_STEPS commands (default 8).
 * Deep run (about 12 times the default's work, a few minutes):
 *   KEEPER_MODEL_RUNS=100000 KEEPER_MODEL_STEPS=12 npx vitest run test/lib/sweep.model.fuzz.test.ts
 * Replay: KEEPER_MODEL_SEED=<seed> KEEPER_MODEL_PATH=<path> (both printed by fast-check on failure).
 * Exploration: KEEPER_MODEL_ONLY=<ids> fails only on those invariant ids and counts the others;
 * KEEPER_MODEL_MID_SWEEP_MOVES=0 makes no world move inside a sweep.
 */
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fcRuns } from '../fuzz-setup.js';
import { runAudit } from '../../src/lib/audit.js';
import { parseConfig, type KeeperConfig } from '../../src/lib/config.js';
import type { Digest, Region, RepositoryName } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { runSweep, type SweepDeps, type SweepReport } from '../../src/lib/sweep.js';
import {
  addDays,
  daysBefore,
  imageString,
  markedDigests,
  parsedPolicy,
  shortDigest,
  World,
  WORLD_REGIONS,
  type Fault,
  type MidSweepMove,
  type ServiceName,
  type SweepObservation,
  type Trigger,
  type Violation,
  type WorldCluster,
  type WorldContainer,
  type WorldImage,
  type WorldRepository,
  type WorldService,
} from '../helpers/world.js';

const RUNS = Number(process.env.KEEPER_MODEL_RUNS ?? fcRuns(10_000));
const MAX_STEPS = Number(process.env.KEEPER_MODEL_STEPS ?? 8);
const SEED = process.env.KEEPER_MODEL_SEED === undefined ? undefined : Number(process.env.KEEPER_MODEL_SEED);
/** With KEEPER_MODEL_SEED, replays the counterexample fast-check printed (`path`). */
const PATH = process.env.KEEPER_MODEL_PATH;
/**
 * Exploration only: a comma-separated list of invariant ids (`1`, `2`, `2-race`, `3`, `3-blocked`,
 * `3-later`, `3-later-blocked`, `4`, `scope`, `report`, `evaluators`) that fail the run; violations of the others are counted and printed, not thrown.
 * Unset (the default): every invariant fails the run.
 */
/**
 * By default every invariant fails the run except `2-race`: a world move that lands after ecr-keeper's
 * last read of that consumer and before its write (milliseconds after the re-check) cannot be seen
 * without a lock AWS does not offer. Those are counted and printed; the next sweep protects the image.
 */
// `3-later-blocked` too: a blocked repository keeps the policy it has (no policy may be written that
// still expires an in-use image, not even the guard), so an image that policy archives next month is
// the team's to fix; the report names the images it puts at risk today.
const ALL_BUT_RACE = new Set(['1', '2', '3', '3-blocked', '3-later', '4', 'scope', 'report', 'evaluators', 'manifest-once']);
const ONLY = process.env.KEEPER_MODEL_ONLY === undefined ? ALL_BUT_RACE : new Set(process.env.KEEPER_MODEL_ONLY.split(','));
/** `0` turns off world moves made in the middle of a sweep (to look past a race already reported). */
const MID_SWEEP_MOVES = process.env.KEEPER_MODEL_MID_SWEEP_MOVES !== '0';
const START = new Date('2026-11-23T12:00:00Z');
/** Invariant 3 also looks this far ahead: longer than every rule of the configs and user policies here. */
const LATER_DAYS = 60;
const MAX_IMAGES = 15;

// ---------------------------------------------------------------------------------------------
// Configuration: small numbers so that rules bite on repositories of a few images
// ---------------------------------------------------------------------------------------------

interface ConfigSeed {
  readonly untaggedKeepOne: boolean;
  readonly catchAll: boolean;
  readonly recentPull: boolean;
  readonly inspector: boolean;
  readonly replace: boolean;
  readonly concurrency: number;
}

const configCache = new Map<string, KeeperConfig>();
const configFor = (seed: ConfigSeed, regions: readonly Region[], consumerRegions: readonly Region[]): KeeperConfig => {
  const key = JSON.stringify([seed, regions, consumerRegions]);
  const cached = configCache.get(key);
  if (cached !== undefined) return cached;
  const config = parseConfig({
    regions,
    consumerRegions,
    environments: [
      { name: 'prod', tagPrefix: 'prod-', keepNewest: 3 },
      { name: 'dev', tagPrefix: 'dev-', expireAfterDays: 4 },
    ],
    environmentResolution: {
      tagKeys: ['environment', 'env'],
      namePatterns: [
        { pattern: '*prod*', environment: 'prod' },
        { pattern: '*dev*', environment: 'dev' },
      ],
      default: 'prod',
    },
    untagged: seed.untaggedKeepOne ? { keepNewest: 1 } : { expireAfterDays: 2 },
    catchAll: seed.catchAll ? { expireAfterDays: 20 } : null,
    protection: { tagInfix: 'keep-', releaseAfterDays: 3, homeInfix: 'kept-' },
    inUse: { recentPullDays: seed.recentPull ? 2 : 0, inspectorInUseDays: seed.inspector ? 14 : 0, taskDefinitionRevisions: 1 },
    existingPolicy: seed.replace ? 'replace' : 'merge',
    concurrency: { repositories: seed.concurrency, putImagePerSecond: 10 },
  });
  configCache.set(key, config);
  return config;
};

/** Repositories' own policies (valid ECR policies), as users write them. */
const USER_POLICIES: readonly string[] = [
  // keeps the newest prod* image
  { rules: [{ rulePriority: 1, description: 'newest prod only', selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }] },
  {
    rules: [
      { rulePriority: 1, description: 'untagged go fast', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }, action: { type: 'expire' } },
      { rulePriority: 9, description: 'nothing older than a month', selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 }, action: { type: 'expire' } },
    ],
  },
  {
    rules: [
      { rulePriority: 2, description: 'archive idle v*', selection: { tagStatus: 'tagged', tagPatternList: ['v*'], countType: 'sinceImagePulled', countUnit: 'days', countNumber: 10 }, action: { type: 'transition', targetStorageClass: 'archive' } },
      { rulePriority: 3, description: 'archived go after 5 days', selection: { tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 5 }, action: { type: 'expire' } },
    ],
  },
  { rules: [{ rulePriority: 5, description: 'keep 4 of anything', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 4 }, action: { type: 'expire' } }] },
].map((p) => JSON.stringify(p));
for (const text of USER_POLICIES) if (parsedPolicy(text) === undefined) throw new Error(`invalid user policy ${text}`);

// ---------------------------------------------------------------------------------------------
// The initial account
// ---------------------------------------------------------------------------------------------

const TAG_POOL = ['latest', 'prod-1', 'prod-2', 'prod-3', 'dev-1', 'dev-2', 'v1', 'v2', 'stable', 'release-1'] as const;
const REPOSITORY_NAMES = ['shop/api', 'shop/web', 'jobs/etl', 'tools/ci'] as const;
const CLUSTER_NAMES = ['prod-main', 'dev-box', 'jobs'] as const;

interface ImageSeed {
  readonly tags: readonly number[];
  readonly ageDays: number;
  readonly pulledDaysAgo: number | undefined;
  readonly archived: boolean;
  readonly referrerOf: number | undefined;
  readonly protectedAs: 'none' | 'prod' | 'dev' | 'legacy';
}

interface RepositorySeed {
  readonly region: number;
  readonly immutable: boolean;
  readonly excluded: boolean;
  readonly policy: number | undefined;
  readonly images: readonly ImageSeed[];
}

interface ConsumerSeed {
  readonly kind: 'service' | 'task' | 'lambda' | 'batch' | 'rule' | 'task-definition';
  readonly region: number;
  readonly cluster: number;
  readonly image: number;
  readonly byTag: boolean;
  readonly desiredCount: number;
  /** Services: an earlier deployment (a rollback target), and whether the newest is still in flight. */
  readonly previous: number | undefined;
  readonly inFlight: boolean;
}

interface AccountSeed {
  readonly regions: number;
  /** ecr-keeper's role is registered with RegisterPullTimeUpdateExclusion (its BatchGetImage is not a recorded pull). */
  readonly pullExclusion: boolean;
  readonly repositoryRegions: number;
  readonly repositories: readonly RepositorySeed[];
  readonly consumers: readonly ConsumerSeed[];
  readonly config: ConfigSeed;
}

const imageSeedArb: fc.Arbitrary<ImageSeed> = fc.record({
  tags: fc.uniqueArray(fc.nat({ max: TAG_POOL.length - 1 }), { maxLength: 2 }),
  ageDays: fc.nat({ max: 60 }),
  pulledDaysAgo: fc.option(fc.nat({ max: 40 }), { nil: undefined }),
  archived: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
  referrerOf: fc.option(fc.nat(), { nil: undefined, freq: 8 }),
  protectedAs: fc.constantFrom('none', 'none', 'none', 'none', 'prod', 'dev', 'legacy'),
});

const repositorySeedArb: fc.Arbitrary<RepositorySeed> = fc.record({
  region: fc.nat({ max: 2 }),
  immutable: fc.constantFrom(false, false, false, false, true),
  excluded: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
  policy: fc.option(fc.nat({ max: USER_POLICIES.length - 1 }), { nil: undefined, freq: 2 }),
  images: fc.array(imageSeedArb, { maxLength: 8 }),
});

const consumerSeedArb: fc.Arbitrary<ConsumerSeed> = fc.record({
  kind: fc.constantFrom('service', 'service', 'service', 'task', 'task', 'lambda', 'batch', 'rule', 'task-definition'),
  region: fc.nat({ max: 2 }),
  cluster: fc.nat({ max: CLUSTER_NAMES.length - 1 }),
  image: fc.nat(),
  byTag: fc.boolean(),
  desiredCount: fc.constantFrom(0, 1, 1, 2),
  previous: fc.option(fc.nat(), { nil: undefined }),
  inFlight: fc.constantFrom(false, false, false, true),
});

const configSeedArb: fc.Arbitrary<ConfigSeed> = fc.record({
  untaggedKeepOne: fc.boolean(),
  catchAll: fc.constantFrom(true, true, false),
  recentPull: fc.constantFrom(false, false, true),
  inspector: fc.boolean(),
  replace: fc.constantFrom(false, false, false, true),
  concurrency: fc.constantFrom(1, 4),
});

const accountSeedArb: fc.Arbitrary<AccountSeed> = fc.record({
  regions: fc.integer({ min: 2, max: 3 }),
  pullExclusion: fc.boolean(),
  repositoryRegions: fc.integer({ min: 1, max: 3 }),
  repositories: fc.array(repositorySeedArb, { minLength: 1, maxLength: 4 }),
  consumers: fc.array(consumerSeedArb, { maxLength: 6 }),
  config: configSeedArb,
});

/** Protection and home tags as ecr-keeper writes them (prefix + infix + 64 hex). */
const protectionTag = (env: 'prod' | 'dev', digest: Digest): string => `${env}-keep-${digest.slice(7)}`;
const homeTag = (env: 'prod' | 'dev', digest: Digest): string => `${env}-kept-${digest.slice(7)}`;
const isKeeperTag = (tag: string): boolean => /^(prod|dev)-(keep|kept)-[0-9a-f]{64}$/.test(tag);

/** The account: world, config and the regions that hold repositories (the rest are consumer regions). */
interface Account {
  readonly world: World;
  readonly config: KeeperConfig;
  readonly repositoryRegions: readonly Region[];
}

const buildAccount = (seed: AccountSeed): Account => {
  const regions = WORLD_REGIONS.slice(0, seed.regions);
  const repositoryRegions = regions.slice(0, Math.min(seed.repositoryRegions, regions.length));
  const consumerRegions = regions.filter((r) => !repositoryRegions.includes(r));
  const world = new World(START, regions);
  world.keeperPullsRecorded = !seed.pullExclusion;
  for (const [i, rs] of seed.repositories.entries()) {
    const region = repositoryRegions[rs.region % repositoryRegions.length] as Region;
    const name = REPOSITORY_NAMES.find((n) => world.repository(region, n) === undefined) ?? `extra/r${i}`;
    const repository = world.addRepository(region, name, {
      mutability: rs.immutable ? 'IMMUTABLE' : 'MUTABLE',
      resourceTags: rs.excluded ? { 'ecr-keeper:managed': 'false' } : {},
      policyText: rs.policy === undefined ? undefined : USER_POLICIES[rs.policy],
    });
    const made: WorldImage[] = [];
    for (const is of rs.images) {
      const subject = is.referrerOf === undefined || made.length === 0 ? undefined : made[is.referrerOf % made.length];
      // A protection tag from before home tags usually sits next to a moving tag (`latest`): the release that CI can race.
      const tags = subject !== undefined ? [] : is.protectedAs === 'legacy' ? ['latest', ...is.tags.map((t) => TAG_POOL[t] as string)] : is.tags.map((t) => TAG_POOL[t] as string);
      const image = world.push(repository, {
        tags,
        pushedAt: daysBefore(START, is.ageDays),
        lastPulledAt: is.pulledDaysAgo === undefined ? undefined : daysBefore(START, Math.min(is.pulledDaysAgo, is.ageDays)),
        storageClass: is.archived ? 'archive' : 'standard',
        lastArchivedAt: is.archived ? daysBefore(START, Math.floor(is.ageDays / 2)) : undefined,
        subjectDigest: subject?.digest,
      });
      if (is.protectedAs !== 'none') {
        // Left by an earlier sweep; `legacy` is a protection tag from before home tags existed.
        const env = is.protectedAs === 'dev' ? 'dev' : 'prod';
        image.tags.push(protectionTag(env, image.digest));
        if (is.protectedAs !== 'legacy') image.tags.push(homeTag(env, image.digest));
      }
      made.push(image);
    }
  }
  const all = allImages(world);
  for (const [i, cs] of seed.consumers.entries()) {
    const region = regions[cs.region % regions.length] as Region;
    const container = containerFor(world, all, cs.image, cs.byTag, true);
    if (container === undefined) continue;
    const cluster = clusterIn(world, region, cs.cluster);
    if (cs.kind === 'service') {
      const previous = cs.previous === undefined ? undefined : containerFor(world, all, cs.previous, cs.byTag, true);
      const service = world.addService(cluster, `svc${i}`, [previous ?? container], { desiredCount: cs.desiredCount });
      if (previous !== undefined) world.deploy(service, [container], cs.inFlight ? 'IN_PROGRESS' : 'SUCCESSFUL');
    } else if (cs.kind === 'task') {
      world.runTask(cluster, [cs.byTag && cs.inFlight ? { image: container.image } : container]);
    } else if (cs.kind === 'lambda') {
      world.functions.push({ region, name: `fn${i}`, imageUri: container.image, resolvedDigest: container.digest });
    } else if (cs.kind === 'batch') {
      world.registerJobDefinition(region, `job${i}`, container.image);
    } else {
      const definition = world.registerTaskDefinition(region, `family${i}`, [{ image: container.image }]);
      if (cs.kind === 'rule') world.addRule(cluster, `nightly${i}`, cs.inFlight ? definition.arn : definition.arn.replace(/:\d+$/, ''));
    }
  }
  return { world, config: configFor(seed.config, repositoryRegions, consumerRegions), repositoryRegions };
};

const allImages = (world: World): { repository: WorldRepository; image: WorldImage }[] =>
  world.repositories.flatMap((repository) => [...repository.images.values()].map((image) => ({ repository, image })));

/** A container pulling image number `index` of the account, by one of its own tags or by digest; the digest as resolved now. */
const containerFor = (
  world: World,
  all: readonly { repository: WorldRepository; image: WorldImage }[],
  index: number,
  byTag: boolean,
  allowArchived: boolean,
): WorldContainer | undefined => {
  // Workloads run images, not their referrers (signatures, SBOMs), which come along with their subject.
  const runnable = all.filter((x) => x.image.subjectDigest === undefined);
  const candidates = allowArchived ? runnable : runnable.filter((x) => x.image.storageClass === 'standard');
  const pick = candidates[index % Math.max(1, candidates.length)];
  if (pick === undefined || !world.repository(pick.repository.region, pick.repository.name)?.images.has(pick.image.digest)) return undefined;
  const tag = byTag ? pick.image.tags.find((t) => !isKeeperTag(t)) : undefined;
  return {
    image: imageString(pick.repository.region, pick.repository.name, tag === undefined ? { digest: pick.image.digest } : { tag }),
    digest: pick.image.digest,
  };
};

const clusterIn = (world: World, region: Region, index: number): WorldCluster => {
  const name = CLUSTER_NAMES[index % CLUSTER_NAMES.length] as string;
  return world.clusters.find((c) => c.region === region && c.name === name) ?? world.addCluster(region, name, name === 'jobs' ? { env: 'dev' } : {});
};

// ---------------------------------------------------------------------------------------------
// Moves: what the world does by itself (also injected in the middle of a sweep)
// ---------------------------------------------------------------------------------------------

type PushTag = 'latest' | 'prod' | 'dev' | 'v' | 'none';

type Move =
  | { readonly kind: 'deploy'; readonly service: number; readonly repository: number; readonly tag: PushTag; readonly byTag: boolean; readonly inFlight: boolean }
  | { readonly kind: 'rollback'; readonly service: number }
  | { readonly kind: 'redeploy-old'; readonly service: number; readonly image: number; readonly byTag: boolean }
  | { readonly kind: 'scale'; readonly service: number; readonly count: number }
  | { readonly kind: 'tag-move'; readonly repository: number; readonly image: number; readonly tag: 'latest' | 'stable' }
  | { readonly kind: 'push'; readonly repository: number; readonly tag: PushTag; readonly referrerOf: number | undefined }
  | { readonly kind: 'user-delete'; readonly repository: number; readonly image: number }
  | { readonly kind: 'run-task'; readonly region: number; readonly cluster: number; readonly image: number; readonly byTag: boolean }
  | { readonly kind: 'stop-task'; readonly task: number }
  | { readonly kind: 'lambda-deploy'; readonly fn: number; readonly region: number; readonly image: number; readonly byTag: boolean }
  | { readonly kind: 'job-update'; readonly which: 'batch' | 'task-definition'; readonly index: number; readonly image: number; readonly byTag: boolean }
  | { readonly kind: 'restore'; readonly repository: number; readonly image: number }
  | { readonly kind: 'user-policy'; readonly repository: number; readonly policy: number | undefined };

const serviceAt = (world: World, index: number): WorldService | undefined => world.services[index % Math.max(1, world.services.length)];
const repositoryAt = (world: World, index: number): WorldRepository | undefined => world.repositories[index % Math.max(1, world.repositories.length)];
const imageIn = (repository: WorldRepository, index: number): WorldImage | undefined => {
  const images = [...repository.images.values()];
  return images[index % Math.max(1, images.length)];
};
const label = (repository: WorldRepository, image?: WorldImage): string =>
  `${repository.region}/${repository.name}${image === undefined ? '' : `@${shortDigest(image.digest)}`}`;

const pushTagFor = (world: World, tag: PushTag): string[] => {
  const n = world.next();
  return tag === 'none' ? [] : tag === 'latest' ? ['latest'] : [`${tag}-${n}`];
};

/** Applies a move; returns what it did, or `undefined` when it could not apply (nothing changed). */
const applyMove = (world: World, move: Move): string | undefined => {
  switch (move.kind) {
    case 'deploy': {
      const service = serviceAt(world, move.service);
      const repository = repositoryAt(world, move.repository);
      if (service === undefined || repository === undefined || repository.images.size >= MAX_IMAGES) return undefined;
      const image = world.push(repository, { tags: pushTagFor(world, move.tag) });
      const tag = move.byTag ? image.tags[0] : undefined;
      world.deploy(service, [{ image: imageString(repository.region, repository.name, tag === undefined ? { digest: image.digest } : { tag }), digest: image.digest }], move.inFlight ? 'IN_PROGRESS' : 'SUCCESSFUL');
      return `deploy ${service.region}/${service.name} -> new ${label(repository, image)} [${image.tags.join(',')}]${move.inFlight ? ' (in flight)' : ''}`;
    }
    case 'rollback': {
      const service = serviceAt(world, move.service);
      if (service === undefined || !world.rollback(service)) return undefined;
      return `rollback ${service.region}/${service.name}`;
    }
    case 'redeploy-old': {
      const service = serviceAt(world, move.service);
      const container = containerFor(world, allImages(world), move.image, move.byTag, false);
      if (service === undefined || container === undefined) return undefined;
      world.deploy(service, [container], 'SUCCESSFUL');
      return `redeploy ${service.region}/${service.name} -> old ${container.image.split('/').slice(1).join('/').slice(0, 40)}`;
    }
    case 'scale': {
      const service = serviceAt(world, move.service);
      if (service === undefined || service.desiredCount === move.count) return undefined;
      service.desiredCount = move.count;
      return `scale ${service.region}/${service.name} to ${move.count}`;
    }
    case 'tag-move': {
      const repository = repositoryAt(world, move.repository);
      const image = repository === undefined ? undefined : imageIn(repository, move.image);
      if (repository === undefined || image === undefined || !world.userPutTag(repository, image, move.tag)) return undefined;
      return `CI moves ${move.tag} to ${label(repository, image)}`;
    }
    case 'push': {
      const repository = repositoryAt(world, move.repository);
      if (repository === undefined || repository.images.size >= MAX_IMAGES) return undefined;
      const subject = move.referrerOf === undefined ? undefined : imageIn(repository, move.referrerOf);
      const image = world.push(repository, { tags: subject === undefined ? pushTagFor(world, move.tag) : [], subjectDigest: subject?.digest });
      return `push ${label(repository, image)} [${image.tags.join(',')}]${subject === undefined ? '' : ` referrer of ${shortDigest(subject.digest)}`}`;
    }
    case 'user-delete': {
      const repository = repositoryAt(world, move.repository);
      const image = repository === undefined ? undefined : imageIn(repository, move.image);
      if (repository === undefined || image === undefined) return undefined;
      world.deleteImage(repository, image.digest, 'user', 'BatchDeleteImage by a user');
      return `user deletes ${label(repository, image)}`;
    }
    case 'run-task': {
      const region = world.regions[move.region % world.regions.length] as Region;
      const container = containerFor(world, allImages(world), move.image, move.byTag, false);
      if (container === undefined) return undefined;
      world.runTask(clusterIn(world, region, move.cluster), [container]);
      return `run task in ${region}: ${container.image.split('/').slice(1).join('/').slice(0, 40)}`;
    }
    case 'stop-task': {
      const task = world.tasks[move.task % Math.max(1, world.tasks.length)];
      if (task === undefined) return undefined;
      world.tasks.splice(world.tasks.indexOf(task), 1);
      return `stop task ${task.arn.slice(-4)}`;
    }
    case 'lambda-deploy': {
      const container = containerFor(world, allImages(world), move.image, move.byTag, false);
      if (container === undefined) return undefined;
      const existing = world.functions[move.fn % Math.max(1, world.functions.length)];
      if (existing !== undefined && move.fn % 2 === 0) {
        existing.imageUri = container.image;
        existing.resolvedDigest = container.digest;
        return `lambda ${existing.region}/${existing.name} deployed`;
      }
      const region = world.regions[move.region % world.regions.length] as Region;
      world.functions.push({ region, name: `fn-new${world.next()}`, imageUri: container.image, resolvedDigest: container.digest });
      return `lambda created in ${region}`;
    }
    case 'job-update': {
      const container = containerFor(world, allImages(world), move.image, move.byTag, false);
      if (container === undefined) return undefined;
      const image = container.image;
      if (move.which === 'batch') {
        const job = world.jobDefinitions[move.index % Math.max(1, world.jobDefinitions.length)];
        const region = job?.region ?? (world.regions[move.index % world.regions.length] as Region);
        const d = world.registerJobDefinition(region, job?.name ?? `job-new${world.next()}`, image);
        return `batch ${region}/${d.name}:${d.revision} registered`;
      }
      const family = world.taskDefinitions[move.index % Math.max(1, world.taskDefinitions.length)];
      const region = family?.region ?? (world.regions[move.index % world.regions.length] as Region);
      const d = world.registerTaskDefinition(region, family?.family ?? `family-new${world.next()}`, [{ image }]);
      return `task definition ${region}/${d.family}:${d.revision} registered`;
    }
    case 'restore': {
      const repository = repositoryAt(world, move.repository);
      const image = repository === undefined ? undefined : [...repository.images.values()].filter((i) => i.storageClass === 'archive')[move.image % 8];
      if (repository === undefined || image === undefined) return undefined;
      image.storageClass = 'standard';
      image.lastActivatedAt = world.now;
      return `restore ${label(repository, image)}`;
    }
    case 'user-policy': {
      const repository = repositoryAt(world, move.repository);
      if (repository === undefined) return undefined;
      repository.policyText = move.policy === undefined ? undefined : USER_POLICIES[move.policy];
      return `user ${move.policy === undefined ? 'deletes the policy of' : `writes policy ${move.policy} on`} ${label(repository)}`;
    }
  }
};

const pushTagArb: fc.Arbitrary<PushTag> = fc.constantFrom('latest', 'prod', 'prod', 'dev', 'v', 'none');
const moveArb: fc.Arbitrary<Move> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('deploy' as const), service: fc.nat(), repository: fc.nat(), tag: pushTagArb, byTag: fc.boolean(), inFlight: fc.constantFrom(false, false, true) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rollback' as const), service: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('redeploy-old' as const), service: fc.nat(), image: fc.nat(), byTag: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('scale' as const), service: fc.nat(), count: fc.constantFrom(0, 0, 1, 2) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('tag-move' as const), repository: fc.nat(), image: fc.nat(), tag: fc.constantFrom('latest' as const, 'stable' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('push' as const), repository: fc.nat(), tag: pushTagArb, referrerOf: fc.option(fc.nat(), { nil: undefined, freq: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('user-delete' as const), repository: fc.nat(), image: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('run-task' as const), region: fc.nat(), cluster: fc.nat(), image: fc.nat(), byTag: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('stop-task' as const), task: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lambda-deploy' as const), fn: fc.nat(), region: fc.nat(), image: fc.nat(), byTag: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('job-update' as const), which: fc.constantFrom('batch' as const, 'task-definition' as const), index: fc.nat(), image: fc.nat(), byTag: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), repository: fc.nat(), image: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('user-policy' as const), repository: fc.nat(), policy: fc.option(fc.nat({ max: USER_POLICIES.length - 1 }), { nil: undefined, freq: 4 }) }) },
);

// ---------------------------------------------------------------------------------------------
// Sweeps
// ---------------------------------------------------------------------------------------------

/** A fault as generated: regions by index, resolved against the account when the sweep runs. */
type FaultSeed =
  | { readonly kind: 'none' }
  | { readonly kind: 'fail'; readonly at: number; readonly code: 'AccessDeniedException' | 'ThrottlingException' }
  | { readonly kind: 'timeout'; readonly at: number }
  | { readonly kind: 'consumer'; readonly service: ServiceName; readonly region: number; readonly code: 'AccessDeniedException' | 'ThrottlingException' }
  | { readonly kind: 'policy-after-tags'; readonly code: 'AccessDeniedException' | 'ThrottlingException' };

interface SweepStep {
  readonly kind: 'sweep';
  readonly mode: 'apply' | 'dry-run' | 'audit';
  /** 0: every configured region; otherwise a bit mask over them. */
  readonly regions: number;
  /** 0: every repository; otherwise a bit mask over the repository names. */
  readonly repositories: number;
  readonly fault: FaultSeed;
  readonly move: { readonly trigger: Trigger; readonly move: Move } | undefined;
}

interface TimeStep {
  readonly kind: 'time';
  readonly days: number;
  readonly pulls: boolean;
}

type Step = SweepStep | TimeStep | Move;

const codeArb = fc.constantFrom('AccessDeniedException' as const, 'ThrottlingException' as const);
const faultArb: fc.Arbitrary<FaultSeed> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('fail' as const), at: fc.integer({ min: 1, max: 90 }), code: codeArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('timeout' as const), at: fc.integer({ min: 1, max: 90 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('consumer' as const), service: fc.constantFrom<ServiceName>('ecs', 'ecs', 'lambda', 'batch', 'events', 'scheduler', 'inspector'), region: fc.nat(), code: codeArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('policy-after-tags' as const), code: codeArb }) },
);
const triggerArb: fc.Arbitrary<Trigger> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'first-write' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('call' as const), at: fc.integer({ min: 1, max: 70 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('method' as const),
      method: fc.constantFrom('listImages', 'getManifests', 'putLifecyclePolicy', 'removeImageTag', 'removeImageTag', 'describeServiceRevisions'),
    }),
  },
);
/** Moves made inside a sweep, weighted towards the ones that race a read: tags moving, old images coming back into use. */
const midSweepMoveArb: fc.Arbitrary<Move> = fc.oneof(
  { weight: 3, arbitrary: moveArb },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('tag-move' as const), repository: fc.nat(), image: fc.nat(), tag: fc.constant('latest' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('redeploy-old' as const), service: fc.nat(), image: fc.nat(), byTag: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rollback' as const), service: fc.nat() }) },
);
const sweepArb: fc.Arbitrary<SweepStep> = fc.record({
  kind: fc.constant('sweep' as const),
  mode: fc.constantFrom('apply' as const, 'apply' as const, 'apply' as const, 'apply' as const, 'dry-run' as const, 'audit' as const),
  regions: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
  repositories: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 15 }) }),
  fault: faultArb,
  move: MID_SWEEP_MOVES ? fc.option(fc.record({ trigger: triggerArb, move: midSweepMoveArb }), { nil: undefined, freq: 3 }) : fc.constant(undefined),
});
const timeArb: fc.Arbitrary<TimeStep> = fc.record({ kind: fc.constant('time' as const), days: fc.constantFrom(1, 2, 4, 7, 15, 30), pulls: fc.boolean() });

const describeStep = (step: Step): string => {
  if (step.kind === 'time') return `time +${step.days}d${step.pulls ? ' (running tasks pull)' : ''}`;
  if (step.kind !== 'sweep') return `move ${JSON.stringify(step)}`;
  const parts = [`sweep ${step.mode}`];
  if (step.regions !== 0) parts.push(`regions#${step.regions}`);
  if (step.repositories !== 0) parts.push(`repositories#${step.repositories}`);
  if (step.fault.kind !== 'none') parts.push(`fault ${JSON.stringify(step.fault)}`);
  if (step.move !== undefined) parts.push(`mid-sweep ${JSON.stringify(step.move.trigger)} ${JSON.stringify(step.move.move)}`);
  return parts.join(' ');
};

// ---------------------------------------------------------------------------------------------
// The harness: runs steps against an account and checks the invariants
// ---------------------------------------------------------------------------------------------

interface Stats {
  accounts: number;
  steps: number;
  sweeps: number;
  applySweeps: number;
  cleanFullSweeps: number;
  inUseChecked: number;
  blockedExempt: number;
  faultsFired: number;
  movesFired: number;
  writesChecked: number;
  lostToLifecycle: number;
}

const stats: Stats = { accounts: 0, steps: 0, sweeps: 0, applySweeps: 0, cleanFullSweeps: 0, inUseChecked: 0, blockedExempt: 0, faultsFired: 0, movesFired: 0, writesChecked: 0, lostToLifecycle: 0 };

const resolveFault = (seed: FaultSeed, world: World): Fault =>
  seed.kind === 'consumer' ? { ...seed, region: world.regions[seed.region % world.regions.length] as Region } : seed;

class Harness {
  readonly world: World;
  readonly config: KeeperConfig;
  readonly repositoryRegions: readonly Region[];
  readonly log: string[] = [];

  constructor(account: Account) {
    this.world = account.world;
    this.config = account.config;
    this.repositoryRegions = account.repositoryRegions;
  }

  deps(): SweepDeps {
    return { config: this.config, log: silentLog, now: () => this.world.now, adaptersFor: (region) => this.world.adapters(region) };
  }

  async step(step: Step): Promise<void> {
    stats.steps += 1;
    if (step.kind === 'sweep') await this.sweep(step);
    else if (step.kind === 'time') {
      this.world.now = addDays(this.world.now, step.days);
      if (step.pulls) this.world.recordPulls();
      stats.lostToLifecycle += this.world.runLifecycle().length;
    } else applyMove(this.world, step);
    this.throwOnViolation(step);
  }

  /** Runs one sweep with its fault and mid-sweep move, then checks invariants 3 and 4 and the report. */
  async sweep(step: SweepStep): Promise<SweepReport | undefined> {
    stats.sweeps += 1;
    const configured = this.config.regions as readonly Region[];
    const regions = step.regions === 0 ? configured : configured.filter((_, i) => (step.regions & (1 << i)) !== 0);
    const names = [...new Set(this.world.repositories.map((r) => r.name))];
    const repositories = step.repositories === 0 ? undefined : names.filter((_, i) => (step.repositories & (1 << i)) !== 0);
    const inScope = regions.length > 0 ? regions : configured;
    const move: MidSweepMove | undefined = step.move === undefined ? undefined : { trigger: step.move.trigger, apply: () => applyMove(this.world, (step.move as { move: Move }).move) };
    this.world.beginSweep(describeStep(step), resolveFault(step.fault, this.world), move, {
      regions: new Set(step.mode === 'apply' ? inScope : []),
      repositories: repositories === undefined ? undefined : new Set(repositories),
    });
    const writesBefore = this.world.writesChecked;
    let report: SweepReport | undefined;
    let failures: readonly { code?: string | undefined; message: string }[] = [];
    try {
      if (step.mode === 'audit') {
        const audit = await runAudit(this.deps(), { regions: inScope, repositories: repositories as RepositoryName[] | undefined });
        failures = audit.failures;
      } else {
        report = await runSweep(this.deps(), { mode: step.mode, regions: inScope, repositories: repositories as RepositoryName[] | undefined });
        failures = report.failures;
      }
    } catch (error) {
      // The sweep reports failures; it never throws.
      this.world.violation('report', `the ${step.mode} threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    }
    const seen: SweepObservation = this.world.endSweep();
    stats.writesChecked += this.world.writesChecked - writesBefore;
    stats.faultsFired += seen.faultsFired > 0 ? 1 : 0;
    stats.movesFired += seen.moved === undefined ? 0 : 1;
    if (step.mode !== 'apply') {
      // Invariant 4: dry run and audit write nothing, and read no manifest (a pull).
      if (seen.writes > 0) this.world.violation('4 (dry run and audit write nothing)', `${step.mode} made ${seen.writes} write call(s)`);
      if (seen.manifestReads > 0) this.world.violation('4 (dry run and audit write nothing)', `${step.mode} read ${seen.manifestReads} manifest(s) (BatchGetImage counts as a pull)`);
      const refused = failures.filter((f) => f.code === 'ReadOnlyViolationError');
      if (refused.length > 0) this.world.violation('4 (dry run and audit write nothing)', `${step.mode} attempted a write: ${refused[0]?.message ?? ''}`);
      return report;
    }
    stats.applySweeps += 1;
    if (report === undefined) return report;
    if (report.totals.tagsAdded !== seen.tagsAdded)
      this.world.violation('report', `report counts ${report.totals.tagsAdded} tag(s) added; ${seen.tagsAdded} landed`);
    if (report.totals.tagsReleased !== seen.tagsRemoved)
      this.world.violation('report', `report counts ${report.totals.tagsReleased} tag(s) released; ${seen.tagsRemoved} removal(s) landed or found the tag gone`);
    const full = step.regions === 0 && step.repositories === 0;
    if (full && seen.faultsFired === 0 && seen.moved === undefined) this.checkSafeAfterCleanSweep(report);
    return report;
  }

  /**
   * Invariant 3: after a clean full apply sweep no truly in-use image is at risk, unless reported blocked
   * with a reason. `3-later`: nor at risk LATER_DAYS from now if nothing changes (protected, not merely
   * young), unless the report's reasons name it (e.g. archived, so it cannot be tagged).
   */
  checkSafeAfterCleanSweep(report: SweepReport): void {
    stats.cleanFullSweeps += 1;
    const truth = this.world.truth();
    for (const repository of this.world.repositories) {
      const outcome = report.repositories.find((o) => o.region === repository.region && o.repository === repository.name);
      if (outcome?.status === 'excluded') continue;
      const inUse = this.world.inUseOf(repository, truth);
      stats.inUseChecked += inUse.size;
      const risk = this.world.atRisk(repository, truth);
      const named = (digest: Digest): boolean => (outcome?.reasons ?? []).some((r) => r.includes(shortDigest(digest)));
      const later = markedDigests(parsedPolicy(repository.policyText), this.world.records(repository), addDays(this.world.now, LATER_DAYS));
      for (const digest of new Set([...later.sim, ...later.ref])) {
        if (!inUse.has(digest) || risk.sim.has(digest) || risk.ref.has(digest) || named(digest)) continue;
        const image = repository.images.get(digest);
        this.world.violation(
          `${outcome?.status === 'blocked' ? '3-later-blocked' : '3-later'} (after a clean full sweep no in-use image is at risk, now or in ${LATER_DAYS} days)`,
          `${repository.region}/${repository.name}@${shortDigest(digest)} [${image?.tags.map((t) => (isKeeperTag(t) ? t.slice(0, 12) : t)).join(',') ?? '?'}] ${image?.storageClass ?? ''} at risk in ${LATER_DAYS} days (${later.sim.has(digest) ? 'simulator' : ''}${later.ref.has(digest) ? ' reference' : ''}) though in use by ${(inUse.get(digest) ?? []).join(', ')}; status ${outcome?.status ?? 'absent'}: ${(outcome?.reasons ?? []).join(' | ')}`,
        );
      }
      for (const digest of new Set([...risk.sim, ...risk.ref])) {
        const listed =
          outcome?.status === 'blocked' &&
          ((outcome.plan?.gate.atRisk ?? []).some((r) => r.digest === digest) || outcome.reasons.some((r) => r.includes(shortDigest(digest))));
        if (listed) {
          stats.blockedExempt += 1;
          continue;
        }
        const image = repository.images.get(digest);
        // `3-blocked`: the repository is blocked for another image and this one is left as it was.
        this.world.violation(
          `${outcome?.status === 'blocked' ? '3-blocked' : '3'} (after a clean full sweep no in-use image is at risk)`,
          `${repository.region}/${repository.name}@${shortDigest(digest)} [${image?.tags.map((t) => (isKeeperTag(t) ? t.slice(0, 12) : t)).join(',') ?? '?'}] ${image?.storageClass ?? ''}${image?.subjectDigest === undefined ? '' : ` referrer of ${shortDigest(image.subjectDigest)}`} at risk (${risk.sim.has(digest) ? 'simulator' : ''}${risk.ref.has(digest) ? ' reference' : ''}); used by ${(this.world.inUseOf(repository, truth).get(digest) ?? []).join(', ')}; status ${outcome?.status ?? 'absent'}: ${(outcome?.reasons ?? []).join(' | ')}`,
        );
      }
    }
  }

  throwOnViolation(step: Step): void {
    this.log.push(describeStep(step));
    if (this.world.violations.length === 0) return;
    const id = (v: Violation): string => v.invariant.split(' ')[0] ?? v.invariant;
    const failing = ONLY === undefined ? this.world.violations : this.world.violations.filter((v) => ONLY.has(id(v)));
    for (const v of this.world.violations) if (!failing.includes(v)) ignored.set(id(v), (ignored.get(id(v)) ?? 0) + 1);
    this.world.violations.splice(0, this.world.violations.length, ...failing);
    if (failing.length === 0) return;
    const lines = failing.map((v) => `invariant ${v.invariant}: ${v.detail}`);
    throw new Error(`${lines.join('\n')}\nafter steps:\n  ${this.log.join('\n  ')}`);
  }
}

/** Violations counted but not thrown (KEEPER_MODEL_ONLY), by invariant id. */
const ignored = new Map<string, number>();

class StepCommand implements fc.AsyncCommand<object, Harness> {
  constructor(readonly step: Step) {}
  check(): boolean {
    return true;
  }
  async run(_model: object, harness: Harness): Promise<void> {
    await harness.step(this.step);
  }
  toString(): string {
    return describeStep(this.step);
  }
}

const commandsArb = fc.commands(
  [
    sweepArb.map((s) => new StepCommand(s)),
    sweepArb.map((s) => new StepCommand(s)),
    sweepArb.map((s) => new StepCommand(s)),
    moveArb.map((m) => new StepCommand(m)),
    moveArb.map((m) => new StepCommand(m)),
    timeArb.map((t) => new StepCommand(t)),
  ],
  { maxCommands: MAX_STEPS },
);

// ---------------------------------------------------------------------------------------------
// Fixed examples
// ---------------------------------------------------------------------------------------------

const US = WORLD_REGIONS[0] as Region;
const EU = WORLD_REGIONS[1] as Region;
const exampleConfig = (): KeeperConfig =>
  configFor({ untaggedKeepOne: false, catchAll: true, recentPull: false, inspector: false, replace: false, concurrency: 4 }, [US, EU], []);

/** Runs a sweep on a world with the example harness; fails on any invariant violation. */
const exampleSweep = async (
  harness: Harness,
  step: Partial<Omit<SweepStep, 'kind' | 'move'>> & { move?: { trigger: Trigger; apply: () => string | undefined } },
): Promise<SweepReport> => {
  const world = harness.world;
  const regions = step.regions === undefined || step.regions === 0 ? (harness.config.regions as readonly Region[]) : (harness.config.regions as readonly Region[]).filter((_, i) => ((step.regions ?? 0) & (1 << i)) !== 0);
  world.beginSweep('example', resolveFault(step.fault ?? { kind: 'none' }, world), step.move, { regions: new Set(regions), repositories: undefined });
  const report = await runSweep(harness.deps(), { mode: step.mode === 'dry-run' ? 'dry-run' : 'apply', regions });
  world.endSweep();
  return report;
};

const atRiskNow = (world: World, repository: WorldRepository, digest: Digest): { sim: boolean; ref: boolean } => {
  const marked = markedDigests(parsedPolicy(repository.policyText), world.records(repository), world.now);
  return { sim: marked.sim.has(digest), ref: marked.ref.has(digest) };
};

const prodReleases = (world: World, repository: WorldRepository, count: number, newestDaysAgo: number): WorldImage[] =>
  Array.from({ length: count }, (_, i) => world.push(repository, { tags: [`prod-r${i}`], pushedAt: daysBefore(world.now, newestDaysAgo + count - i) }));

describe('Function: runSweep (model-based, random accounts and command sequences)', () => {
  it(`keeps every invariant over ${RUNS} random accounts of up to ${MAX_STEPS} commands`, async () => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    try {
      await fc.assert(
        fc.asyncProperty(accountSeedArb, commandsArb, async (seed, commands) => {
          stats.accounts += 1;
          const harness = new Harness(buildAccount(seed));
          await fc.asyncModelRun(() => ({ model: {}, real: harness }), commands);
        }),
        { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), ...(PATH === undefined ? {} : { path: PATH }) },
      );
    } finally {
      // Printed on failure too (the counts then include the shrinking runs).
      const seconds = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      console.log(
        `sweep model: ${stats.accounts} accounts, ${stats.steps} steps (${stats.sweeps} sweeps, ${stats.applySweeps} apply, ${stats.cleanFullSweeps} clean full sweeps checking ${stats.inUseChecked} in-use images, ${stats.blockedExempt} reported blocked), ` +
          `${stats.writesChecked} ecr-keeper writes checked, ${stats.faultsFired} sweeps with an injected failure, ${stats.movesFired} world moves mid-sweep, ${stats.lostToLifecycle} in-use images lost to lifecycle between sweeps, ` +
          `in ${seconds.toFixed(1)} s (${((used.user + used.system) / 1e6).toFixed(1)} s CPU)`,
      );
      if (ignored.size > 0) console.log(`violations counted, not thrown (failing: ${[...(ONLY ?? [])].join(',')}): ${JSON.stringify(Object.fromEntries(ignored))}`);
    }
    expect(stats.accounts).toBeGreaterThanOrEqual(RUNS);
  }, 900_000);

  it('keeps an image protected when a narrowed sweep (regions: [us-east-1]) runs while its only consumer is in eu-west-1', async () => {
    // Prepare: X is old, beyond keep-3 and the 20-day catch-all; only an eu-west-1 service runs it
    const world = new World(START, [US, EU]);
    const repository = world.addRepository(US, 'shop/api');
    const x = world.push(repository, { tags: ['v1'], pushedAt: daysBefore(START, 60), lastPulledAt: daysBefore(START, 40) });
    prodReleases(world, repository, 4, 1);
    world.addService(world.addCluster(EU, 'prod-main'), 'api', [{ image: imageString(US, 'shop/api', { digest: x.digest }), digest: x.digest }], { desiredCount: 0 });
    const harness = new Harness({ world, config: exampleConfig(), repositoryRegions: [US, EU] });
    await exampleSweep(harness, {});
    world.now = addDays(world.now, 30);

    // Act
    const report = await exampleSweep(harness, { regions: 0b01 });

    // Assess
    expect(world.violations).toEqual([]);
    expect(report.regions.find((r) => r.region === EU)).toMatchObject({ planned: false, ok: true });
    expect(x.tags).toContain(protectionTag('prod', x.digest));
    expect(atRiskNow(world, repository, x.digest)).toEqual({ sim: false, ref: false });
  });

  it('leaves in-use A and B safe and counts the tags that landed when the policy write fails after the tags were added', async () => {
    // Prepare: the repository's own policy keeps the newest prod* image; A (prod-a) and B (untagged, newer) are in use
    const world = new World(START, [US, EU]);
    const repository = world.addRepository(US, 'shop/api', { policyText: USER_POLICIES[0] });
    const a = world.push(repository, { tags: ['prod-a'], pushedAt: daysBefore(START, 5) });
    const b = world.push(repository, { tags: [], pushedAt: daysBefore(START, 1) });
    const cluster = world.addCluster(US, 'prod-main');
    world.runTask(cluster, [{ image: imageString(US, 'shop/api', { tag: 'prod-a' }), digest: a.digest }]);
    world.runTask(cluster, [{ image: imageString(US, 'shop/api', { digest: b.digest }), digest: b.digest }]);
    const harness = new Harness({ world, config: exampleConfig(), repositoryRegions: [US, EU] });

    // Act
    const report = await exampleSweep(harness, { fault: { kind: 'policy-after-tags', code: 'AccessDeniedException' } });

    // Assess
    const outcome = report.repositories.find((o) => o.repository === 'shop/api');
    const landed = [a, b].flatMap((image) => image.tags.filter(isKeeperTag));
    expect(world.violations).toEqual([]);
    expect(outcome?.status).toBe('failed');
    expect(landed.length).toBeGreaterThan(0);
    expect(outcome?.applied.tagsAdded).toBe(landed.length);
    expect(report.totals.tagsAdded).toBe(landed.length);
    expect(parsedPolicy(repository.policyText)?.rules.some((r) => r.description === 'newest prod only')).toBe(true);
    expect(atRiskNow(world, repository, a.digest)).toEqual({ sim: false, ref: false });
    expect(atRiskNow(world, repository, b.digest)).toEqual({ sim: false, ref: false });
  });

  it.each([
    ['after the first read (first DescribeImages)', { kind: 'method', method: 'listImages' } as const],
    ['at the first write call', { kind: 'first-write' } as const],
  ])('keeps a protected-but-idle image protected when a service rolls back to it %s, before the release', async (_when, trigger) => {
    // Prepare: X protected long ago and idle for 40 days; the service runs a new, not yet protected image
    const world = new World(START, [US, EU]);
    const repository = world.addRepository(US, 'shop/api');
    const x = world.push(repository, { tags: ['v1'], pushedAt: daysBefore(START, 60), lastPulledAt: daysBefore(START, 40) });
    x.tags.push(protectionTag('prod', x.digest), homeTag('prod', x.digest));
    prodReleases(world, repository, 4, 2);
    const y = world.push(repository, { tags: ['prod-new'], pushedAt: daysBefore(START, 0) });
    const service = world.addService(world.addCluster(US, 'prod-main'), 'api', [{ image: imageString(US, 'shop/api', { tag: 'prod-new' }), digest: y.digest }]);
    const harness = new Harness({ world, config: exampleConfig(), repositoryRegions: [US, EU] });
    let moved = false;

    // Act
    const report = await exampleSweep(harness, {
      move: {
        trigger,
        apply: () => {
          moved = true;
          world.deploy(service, [{ image: imageString(US, 'shop/api', { tag: 'v1' }), digest: x.digest }], 'SUCCESSFUL');
          return 'rollback to X';
        },
      },
    });

    // Assess
    expect(moved).toBe(true);
    expect(world.violations).toEqual([]);
    expect(report.inUse.releaseRecheck).toBeDefined();
    expect(x.tags).toContain(protectionTag('prod', x.digest));
    expect(atRiskNow(world, repository, x.digest)).toEqual({ sim: false, ref: false });
  });

  it.each([
    ['before the sweep', undefined],
    ['after the sweep read the repository', { kind: 'first-write' } as const],
    ['just before the release', { kind: 'method', method: 'removeImageTag' } as const],
  ])('never deletes an image whose other tag is only the protection tag when CI moves latest away %s', async (_when, trigger) => {
    // Prepare: X carries `latest` and a protection tag from before home tags; idle for 40 days. ecr-keeper's
    // role is excluded from pull-time updates, so its own BatchGetImage does not postpone the release.
    const world = new World(START, [US, EU]);
    world.keeperPullsRecorded = false;
    const repository = world.addRepository(US, 'shop/api');
    const x = world.push(repository, { tags: ['latest'], pushedAt: daysBefore(START, 60), lastPulledAt: daysBefore(START, 40) });
    x.tags.push(protectionTag('prod', x.digest));
    const harness = new Harness({ world, config: exampleConfig(), repositoryRegions: [US, EU] });
    const ciPush = (): string => `CI pushes ${shortDigest(world.push(repository, { tags: ['latest'] }).digest)} as latest`;
    if (trigger === undefined) ciPush();

    // Act
    const report = await exampleSweep(harness, trigger === undefined ? {} : { move: { trigger, apply: ciPush } });

    // Assess: released, and X kept by its home tag
    expect(world.violations).toEqual([]);
    expect(world.deletions).toEqual([]);
    expect(report.totals.tagsReleased).toBe(1);
    expect(repository.images.has(x.digest)).toBe(true);
    expect(x.tags).toEqual([homeTag('prod', x.digest)]);
  });

  it('keeps the image of a service scaled to zero, sweep after sweep', async () => {
    // Prepare: the service's only revision pins X, old and never pulled, beyond keep-3 and the catch-all
    const world = new World(START, [US, EU]);
    const repository = world.addRepository(US, 'shop/api');
    const x = world.push(repository, { tags: ['prod-old'], pushedAt: daysBefore(START, 90) });
    prodReleases(world, repository, 5, 1);
    world.addService(world.addCluster(US, 'prod-main'), 'api', [{ image: imageString(US, 'shop/api', { tag: 'prod-old' }), digest: x.digest }], { desiredCount: 0 });
    const harness = new Harness({ world, config: exampleConfig(), repositoryRegions: [US, EU] });

    // Act
    await exampleSweep(harness, {});
    world.now = addDays(world.now, 30);
    const lost = world.runLifecycle();
    await exampleSweep(harness, {});

    // Assess
    expect(world.violations).toEqual([]);
    expect(lost).toEqual([]);
    expect(repository.images.has(x.digest)).toBe(true);
    expect(x.tags).toContain(protectionTag('prod', x.digest));
    expect(atRiskNow(world, repository, x.digest)).toEqual({ sim: false, ref: false });
  });
});
