/**
 * The sweep: scan → find what is in use → plan each repository → gate → apply (only if asked).
 * One core for the scheduled sweep, the CreateRepository handler, the audit and the CLI.
 * A failure in one repository or region is recorded in the report and the sweep goes on.
 */
import pLimit from 'p-limit';
import { isDigest, type AccountId, type Digest, type ImageRecord, type InUseImage, type Region, type Repository, type RepositoryName } from './domain/types.js';
import { AwsCallError, KeeperError } from './errors.js';
import type { KeeperConfig } from './config.js';
import type { Log } from './observability.js';
import type { EcrPort, EcsPort, Manifest, RegionAdapters, StoredPolicy, TaskDefinitionImages } from './aws/ports.js';
import { readOnlyEcr } from './aws/read-only.js';
import { inUseByRepository, repositoryKey, resolveInUse, type WorkloadReference } from './inuse.js';
import { exclusionReason, planRepository } from './plan/planner.js';
import type { ApplyStep, RepositoryPlan } from './plan/types.js';
import { collectInUse, type SourceWarning } from './sources/index.js';

export type SweepMode = 'apply' | 'dry-run';

export interface SweepDeps {
  readonly config: KeeperConfig;
  /** The adapters of a region; built once per region by the caller. */
  readonly adaptersFor: (region: Region) => RegionAdapters;
  readonly log: Log;
  readonly now: () => Date;
  /** Waits until another PutImage may be sent (ECR allows 10 a second per account and region). */
  readonly throttlePutImage?: (region: Region) => Promise<void>;
  /**
   * Reads the manifests of in-use image indexes to learn their children (ECR keeps a child while
   * its index exists), in apply mode only. Off for the audit, whose role may not call BatchGetImage (a pull).
   */
  readonly readIndexManifests?: boolean;
  /**
   * True once the run should start no new repository (the Lambda's remaining time is nearly
   * spent). Repositories already started finish; the rest are reported as left for the next run,
   * which plans them afresh (a sweep keeps no state, and a finished repository plans no write).
   */
  readonly shouldStop?: () => boolean;
}

export interface SweepInput {
  readonly mode: SweepMode;
  /** The regions planned and written. Consumers are read in these and every configured and consumer region. */
  readonly regions: readonly Region[];
  /** Only these repositories (CreateRepository, CLI `--repository`); all when absent. */
  readonly repositories?: readonly RepositoryName[] | undefined;
}

/** A failure that did not stop the sweep. */
export interface Failure {
  /** e.g. `us-east-1`, `us-east-1/shop/api`, `ecs:us-east-1:cluster/prod`. */
  readonly scope: string;
  readonly stage: 'inventory' | 'in-use' | 'plan' | 'apply';
  readonly message: string;
  readonly action?: string | undefined;
  readonly code?: string | undefined;
}

/** What the apply step did for one repository (all zero in dry run). */
export interface Applied {
  readonly tagsAdded: number;
  readonly tagsAlreadyPresent: number;
  readonly tagsReleased: number;
  /** The policy in force with protection rules put first, written before tags when that made them safe. */
  readonly guardWritten: boolean;
  readonly policyWritten: boolean;
}

export type RepositoryStatus = 'applied' | 'planned' | 'unchanged' | 'blocked' | 'excluded' | 'skipped' | 'failed';

export interface RepositoryOutcome {
  readonly region: Region;
  readonly repository: RepositoryName;
  readonly status: RepositoryStatus;
  readonly reasons: readonly string[];
  readonly plan?: RepositoryPlan | undefined;
  readonly applied: Applied;
  readonly failure?: Failure | undefined;
}

export interface SweepReport {
  readonly mode: SweepMode;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** Every region read for consumers; `planned` when its repositories were in the sweep's scope. */
  readonly regions: readonly { readonly region: Region; readonly planned: boolean; readonly repositories: number; readonly ok: boolean }[];
  readonly inUse: {
    readonly images: readonly InUseImage[];
    /** False when any consumer or lookup failed: policies are then not written and nothing is released. */
    readonly complete: boolean;
    /** True when only repositories without images were in scope, so no consumer needed reading. */
    readonly discoverySkipped: boolean;
    /** Sources that were on but unavailable without making the set incomplete (Inspector not enabled). */
    readonly warnings: readonly SourceWarning[];
    /** The fresh in-use read made just before policy writes and releases (absent when none was held back). */
    readonly releaseRecheck?: { readonly complete: boolean; readonly images: number } | undefined;
    readonly foreign: readonly { readonly image: string; readonly why: string }[];
    readonly unresolved: readonly { readonly image: string; readonly why: string }[];
  };
  readonly repositories: readonly RepositoryOutcome[];
  readonly failures: readonly Failure[];
  readonly totals: SweepTotals;
}

export interface SweepTotals {
  readonly repositories: number;
  readonly inUseImages: number;
  readonly tagsAdded: number;
  readonly tagsReleased: number;
  readonly policiesWritten: number;
  readonly unchanged: number;
  readonly blocked: number;
  readonly excluded: number;
  readonly skipped: number;
  readonly failed: number;
  /** Repositories not started because the time budget ran out (status `skipped`, reason says so). */
  readonly leftForNextRun: number;
}

const NOTHING_APPLIED: Applied = Object.freeze({ tagsAdded: 0, tagsAlreadyPresent: 0, tagsReleased: 0, guardWritten: false, policyWritten: false });

/** Turns any thrown value into a report line; keeps the IAM action and AWS error code when known. */
export const toFailure = (scope: string, stage: Failure['stage'], error: unknown): Failure => ({
  scope,
  stage,
  message: error instanceof Error ? error.message : String(error),
  action: error instanceof AwsCallError ? error.action : undefined,
  code: error instanceof AwsCallError ? error.awsCode : error instanceof KeeperError ? error.name : undefined,
});

const isNotFound = (error: unknown): boolean => error instanceof AwsCallError && error.awsCode === 'RepositoryNotFoundException';

/** Collects every async iterable into an array. */
const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};


interface Discovery {
  readonly images: readonly InUseImage[];
  readonly complete: boolean;
  readonly warnings: readonly SourceWarning[];
  readonly foreign: SweepReport['inUse']['foreign'];
  readonly unresolved: SweepReport['inUse']['unresolved'];
  readonly failures: readonly Failure[];
  readonly regionsOk: ReadonlyMap<Region, boolean>;
}

/**
 * Regions whose consumers are read: every configured region, the extra consumer regions and the
 * scope, whatever subset of them the sweep plans or writes. A workload in one region may pull from
 * another region's registry, so a narrowed sweep must still see every consumer.
 */
export const discoveryRegions = (config: KeeperConfig, scope: readonly Region[]): Region[] =>
  [...new Set<Region>([...(config.regions as Region[]), ...(config.consumerRegions as Region[]), ...scope])];

/** Reads every in-use source in every discovery region and resolves references to digests. */
const discover = async (deps: SweepDeps, adapters: ReadonlyMap<Region, RegionAdapters>, ownRegistryIds: ReadonlySet<AccountId>): Promise<Discovery> => {
  const { config, log } = deps;
  const failures: Failure[] = [];
  const regionsOk = new Map<Region, boolean>();
  const references: WorkloadReference[] = [];
  const warnings: SourceWarning[] = [];
  for (const [region, regionAdapters] of adapters) {
    const collected = await collectInUse({ region, adapters: { ...regionAdapters, ecs: sharingTaskDefinitions(regionAdapters.ecs) }, config, now: deps.now() });
    warnings.push(...collected.warnings);
    for (const w of collected.warnings) log.warn('in-use source unavailable', { ...w });
    for (const f of collected.failures) if (!failures.some((x) => x.scope === f.scope)) failures.push(toFailure(f.scope, 'in-use', f.error));
    regionsOk.set(region, collected.complete);
    references.push(...collected.references);
  }
  const resolved = await resolveInUse(references, (region) => adapters.get(region)?.ecr, ownRegistryIds, config);
  for (const f of resolved.failures) failures.push(toFailure(f.scope, 'in-use', f.error));
  const complete = [...regionsOk.values()].every(Boolean) && failures.length === 0;
  if (!complete) log.warn('in-use set incomplete: no policy is written and no protection released in this sweep', { failures: failures.length });
  return {
    images: resolved.images,
    complete,
    warnings,
    foreign: resolved.foreign.map((f) => ({ image: f.reference.source.image, why: f.why })),
    unresolved: resolved.unresolved.map((u) => ({ image: u.reference.source.image, why: u.why })),
    failures,
    regionsOk,
  };
};

/**
 * The ECS port with `describeTaskDefinitions` shared by every source of one discovery: services,
 * scheduled tasks and task-definition families often name the same revision, and the API takes one
 * definition a call (20/s shared with the account's other callers).
 */
const sharingTaskDefinitions = (ecs: EcsPort): EcsPort => {
  const described = new Map<string, Promise<TaskDefinitionImages | undefined>>();
  return {
    region: ecs.region,
    listClusters: () => ecs.listClusters(),
    listTasks: (clusterArn) => ecs.listTasks(clusterArn),
    listServices: (clusterArn) => ecs.listServices(clusterArn),
    deploymentRevisionArns: (clusters) => ecs.deploymentRevisionArns(clusters),
    describeServiceRevisions: (arns) => ecs.describeServiceRevisions(arns),
    listTaskDefinitionFamilies: () => ecs.listTaskDefinitionFamilies(),
    newestTaskDefinitionArns: (family, count) => ecs.newestTaskDefinitionArns(family, count),
    describeTaskDefinitions: async (keys) => {
      const missing = [...new Set(keys)].filter((k) => !described.has(k));
      if (missing.length > 0) {
        const batch = ecs.describeTaskDefinitions(missing);
        for (const key of missing) {
          const one = batch.then((found) => found.get(key));
          // Another source may never await this key once the batch failed; its caller already got the error.
          one.catch(() => undefined);
          described.set(key, one);
        }
      }
      const out = new Map<string, TaskDefinitionImages>();
      for (const key of keys) {
        const found = await described.get(key);
        if (found !== undefined) out.set(key, found);
      }
      return out;
    },
  };
};

/** What was read of one repository before planning. */
interface RepositoryState {
  readonly repositoryTags: Readonly<Record<string, string>>;
  readonly images: readonly ImageRecord[];
  readonly currentPolicy: StoredPolicy | undefined;
}

/**
 * Reads what the planner needs of one repository. The repository's tags come first: an excluded
 * repository (by name or tag) costs one call, not a listing of its images and its policy.
 */
const readRepository = async (ecr: EcrPort, repository: Repository, config: KeeperConfig): Promise<RepositoryState> => {
  const repositoryTags = await ecr.repositoryTags(repository.arn);
  if (exclusionReason(config, repository, repositoryTags) !== undefined) return { repositoryTags, images: [], currentPolicy: undefined };
  const [images, currentPolicy] = await Promise.all([collect(ecr.listImages(repository.name)), ecr.getLifecyclePolicy(repository.name)]);
  return { repositoryTags, images, currentPolicy };
};

/**
 * Runs one sweep. In `dry-run` every ECR port is wrapped read-only, so a write attempt throws
 * instead of reaching AWS; the plan is still computed and returned in full.
 * `input.regions` and `input.repositories` narrow what is planned and written, never what is read
 * to find the in-use set.
 */
export const runSweep = async (deps: SweepDeps, input: SweepInput): Promise<SweepReport> => {
  const startedAt = deps.now();
  const failures: Failure[] = [];
  const { config, log } = deps;
  const scope = new Set(input.regions);

  const adapters = new Map<Region, RegionAdapters>();
  for (const region of discoveryRegions(config, input.regions)) {
    const raw = deps.adaptersFor(region);
    // Outside the scope nothing is written, whatever the mode.
    adapters.set(region, input.mode === 'dry-run' || !scope.has(region) ? { ...raw, ecr: readOnlyEcr(raw.ecr) } : raw);
  }

  // 1. Inventory of the regions in scope.
  const inventories: { region: Region; repositories: Repository[]; ok: boolean }[] = [];
  for (const region of input.regions) {
    const ecr = (adapters.get(region) as RegionAdapters).ecr;
    try {
      const repositories = input.repositories
        ? (await Promise.all(input.repositories.map((name) => ecr.describeRepository(name)))).filter((r): r is Repository => r !== undefined)
        : await collect(ecr.listRepositories());
      inventories.push({ region, repositories, ok: true });
    } catch (error) {
      failures.push(toFailure(region, 'inventory', error));
      log.error('repository listing failed', { region, error });
      inventories.push({ region, repositories: [], ok: false });
    }
  }
  const targets = inventories.flatMap((inv) => inv.repositories);
  const ownRegistryIds = new Set<AccountId>(targets.map((r) => r.registryId));

  // A narrowed sweep of repositories that hold no image yet (CreateRepository) has nothing to
  // protect or release, so it needs no consumer scan; any image present means a full scan.
  const preread = new Map<Repository, RepositoryState>();
  let skipDiscovery = false;
  if (input.repositories !== undefined && targets.length > 0) {
    const states = await Promise.all(
      targets.map(async (repository) => {
        try {
          const state = await readRepository((adapters.get(repository.region) as RegionAdapters).ecr, repository, config);
          preread.set(repository, state);
          return state.images.length;
        } catch {
          return 1; // read again (and reported) per repository below
        }
      }),
    );
    skipDiscovery = states.every((n) => n === 0);
  }

  // 2. The in-use set, from every consumer region.
  const discovery: Discovery = skipDiscovery
    ? { images: [], complete: true, warnings: [], foreign: [], unresolved: [], failures: [], regionsOk: new Map() }
    : await discover(deps, adapters, ownRegistryIds);
  failures.push(...discovery.failures);
  const inUseByRepo = inUseByRepository(discovery.images);
  const inUseOf = (repository: Repository): InUseImage[] => inUseByRepo.get(repositoryKey(repository.registryId, repository.region, repository.name)) ?? [];

  // 3. Plan and apply, repository by repository, a bounded number at a time. Releases wait.
  const limit = pLimit(config.concurrency.repositories);
  const left: Repository[] = [];
  // One manifest cache per repository for the whole sweep: the index-children read, the first pass
  // and the re-checked pass share it, so no manifest is read (pulled) twice.
  const manifestCaches = new Map<string, ManifestCache>();
  const cacheOf = (repository: Repository): ManifestCache => {
    const key = `${repository.region}/${repository.name}`;
    let cache = manifestCaches.get(key);
    if (cache === undefined) {
      cache = new ManifestCache();
      manifestCaches.set(key, cache);
    }
    return cache;
  };
  let outcomes = await Promise.all(
    targets.map((repository) =>
      limit(() =>
        deps.shouldStop?.() === true
          ? Promise.resolve(leftForNextRun(repository, left))
          : sweepRepository(deps, input.mode, (adapters.get(repository.region) as RegionAdapters).ecr, repository, inUseOf(repository), discovery.complete, preread.get(repository), skipDiscovery ? 'all' : 'hold', cacheOf(repository)),
      ),
    ),
  );
  // Only repositories with writes held back are visited again.
  for (const o of outcomes) if ((o.pendingReleases ?? 0) === 0) manifestCaches.delete(`${o.region}/${o.repository}`);

  // 4. Policy writes and releases, after a fresh look at every consumer: a rollback or deploy that
  //    started after the first read must not lose its image. Protection (and the guard that makes it
  //    safe) went first; each repository with a write held back is read and planned anew with the
  //    fresh in-use set, and that whole plan is applied. Only empty new repositories skip this.
  const releasing = outcomes.filter((o) => (o.pendingReleases ?? 0) > 0);
  let recheck: Discovery | undefined;
  if (input.mode === 'apply' && releasing.length > 0 && discovery.complete && deps.shouldStop?.() !== true) {
    recheck = await discover(deps, adapters, ownRegistryIds);
    for (const f of recheck.failures) failures.push({ ...f, message: `re-check before release: ${f.message}` });
    const fresh = inUseByRepository(recheck.images);
    const again = await Promise.all(
      releasing.map((first) =>
        limit(async () => {
          const repository = first.plan?.repository;
          if (repository === undefined) return first;
          const inUse = [...inUseOf(repository), ...(fresh.get(repositoryKey(repository.registryId, repository.region, repository.name)) ?? [])];
          const second = await sweepRepository(deps, input.mode, (adapters.get(repository.region) as RegionAdapters).ecr, repository, inUse, recheck?.complete === true, undefined, 'all', cacheOf(repository));
          return mergeOutcomes(first, second);
        }),
      ),
    );
    const byKey = new Map(again.map((o) => [`${o.region}/${o.repository}`, o]));
    outcomes = outcomes.map((o) => byKey.get(`${o.region}/${o.repository}`) ?? o);
  }
  for (const o of outcomes) if (o.failure) failures.push(o.failure);

  const totals: SweepTotals = {
    repositories: outcomes.length,
    inUseImages: discovery.images.length,
    tagsAdded: sum(outcomes, (o) => o.applied.tagsAdded),
    tagsReleased: sum(outcomes, (o) => o.applied.tagsReleased),
    policiesWritten: outcomes.filter((o) => o.applied.policyWritten).length,
    unchanged: outcomes.filter((o) => o.status === 'unchanged').length,
    blocked: outcomes.filter((o) => o.status === 'blocked').length,
    excluded: outcomes.filter((o) => o.status === 'excluded').length,
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
    leftForNextRun: left.length,
  };
  return {
    mode: input.mode,
    startedAt: startedAt.toISOString(),
    finishedAt: deps.now().toISOString(),
    regions: [...adapters.keys()].map((region) => {
      const inventory = inventories.find((i) => i.region === region);
      return {
        region,
        planned: inventory !== undefined,
        repositories: inventory?.repositories.length ?? 0,
        ok: (inventory?.ok ?? true) && (skipDiscovery || discovery.regionsOk.get(region) === true),
      };
    }),
    inUse: {
      images: discovery.images,
      complete: discovery.complete,
      discoverySkipped: skipDiscovery,
      warnings: discovery.warnings,
      releaseRecheck: recheck === undefined ? undefined : { complete: recheck.complete, images: recheck.images.length },
      foreign: discovery.foreign,
      unresolved: discovery.unresolved,
    },
    repositories: outcomes.map(({ pendingReleases: _pending, ...o }) => o),
    failures,
    totals,
  };
};

const leftForNextRun = (repository: Repository, left: Repository[]): InternalOutcome => {
  left.push(repository);
  return {
    region: repository.region,
    repository: repository.name,
    status: 'skipped',
    reasons: ['time budget spent before this repository was started: left for the next run'],
    applied: NOTHING_APPLIED,
  };
};

const sum = <T>(items: readonly T[], f: (item: T) => number): number => items.reduce((acc, item) => acc + f(item), 0);

/** The first pass's outcome combined with the release pass's: writes add up, the later plan is reported. */
const mergeOutcomes = (first: InternalOutcome, second: InternalOutcome): InternalOutcome => ({
  ...second,
  applied: {
    tagsAdded: first.applied.tagsAdded + second.applied.tagsAdded,
    tagsAlreadyPresent: first.applied.tagsAlreadyPresent + second.applied.tagsAlreadyPresent,
    tagsReleased: first.applied.tagsReleased + second.applied.tagsReleased,
    guardWritten: first.applied.guardWritten || second.applied.guardWritten,
    policyWritten: first.applied.policyWritten || second.applied.policyWritten,
  },
  status: second.status === 'unchanged' && first.status === 'applied' ? 'applied' : second.status,
  pendingReleases: 0,
});

type InternalOutcome = RepositoryOutcome & {
  /** Writes held back for the re-checked pass (the target policy and releases). */
  readonly pendingReleases?: number;
};

/**
 * The manifests one sweep read of one repository, shared by the index-children read, the first
 * pass and the re-checked pass: a digest names its manifest's bytes, so one read serves the whole
 * sweep, and BatchGetImage (a pull in ECR) is sent at most once per image, 100 digests a call.
 */
class ManifestCache {
  private readonly manifests = new Map<Digest, Manifest>();
  private readonly asked = new Map<Digest, Date | undefined>();

  /**
   * Images whose manifest this sweep asked for, with the last pull time they had before: the
   * release pass must not take ecr-keeper's own read for a consumer's pull.
   */
  get ownReads(): ReadonlyMap<Digest, Date | undefined> {
    return this.asked;
  }

  /**
   * The manifests of `digests` (missing images are absent), reading only those not read yet, in one
   * batched call. `pulledBefore` gives each image's last pull time as listed before this read.
   */
  async read(ecr: EcrPort, repository: RepositoryName, digests: readonly Digest[], pulledBefore: ReadonlyMap<Digest, Date | undefined>): Promise<ReadonlyMap<Digest, Manifest>> {
    const wanted = [...new Set(digests)];
    const missing = wanted.filter((d) => !this.manifests.has(d));
    if (missing.length > 0) {
      // Recorded before the call: a call that fails midway may still have pulled.
      for (const digest of missing) if (!this.asked.has(digest)) this.asked.set(digest, pulledBefore.get(digest));
      for (const [digest, manifest] of await ecr.getManifests(repository, missing)) this.manifests.set(digest, manifest);
    }
    const out = new Map<Digest, Manifest>();
    for (const digest of wanted) {
      const manifest = this.manifests.get(digest);
      if (manifest !== undefined) out.set(digest, manifest);
    }
    return out;
  }
}

/**
 * Reads, plans and (in apply mode) applies one repository; never throws. With `hold`, only the
 * plan's leading protection writes (tags, and the guard policy) are made; the rest (the target
 * policy, releases) is counted in `pendingReleases` for the re-checked pass. Every prefix of the
 * plan is proven safe, so stopping after the protection is safe.
 */
const sweepRepository = async (
  deps: SweepDeps,
  mode: SweepMode,
  ecr: EcrPort,
  repository: Repository,
  inUse: readonly InUseImage[],
  inUseComplete: boolean,
  preread: RepositoryState | undefined,
  pass: 'hold' | 'all',
  manifests: ManifestCache,
): Promise<InternalOutcome> => {
  const scope = `${repository.region}/${repository.name}`;
  const base = { region: repository.region, repository: repository.name };
  let plan: RepositoryPlan;
  let images: readonly ImageRecord[] = [];
  try {
    const fresh = preread ?? (await readRepository(ecr, repository, deps.config));
    const ownReads = manifests.ownReads;
    const read = ownReads.size === 0 ? fresh : { ...fresh, images: fresh.images.map((i) => (ownReads.has(i.digest) ? { ...i, lastPulledAt: ownReads.get(i.digest) } : i)) };
    images = read.images;
    // A dry run reads no manifest: BatchGetImage counts as a pull, a side effect a dry run must not have.
    const state = deps.readIndexManifests === false || mode === 'dry-run' ? read : { ...read, images: await withIndexChildren(ecr, repository, read.images, inUse, manifests) };
    plan = planRepository({ repository, ...state, inUse, inUseComplete, config: deps.config, now: deps.now() });
  } catch (error) {
    if (isNotFound(error)) return { ...base, status: 'skipped', reasons: ['repository was deleted during the sweep'], applied: NOTHING_APPLIED };
    const failure = toFailure(scope, 'inventory', error);
    deps.log.error('repository inventory failed', { repository: scope, error });
    return { ...base, status: 'failed', reasons: [failure.message], applied: NOTHING_APPLIED, failure };
  }

  if (plan.status === 'excluded') return { ...base, status: 'excluded', reasons: plan.reasons, plan, applied: NOTHING_APPLIED };
  const held = plan.steps.findIndex((s) => s.kind === 'remove-tag' || (s.kind === 'put-policy' && s.role === 'target'));
  const steps = pass === 'hold' && held !== -1 ? plan.steps.slice(0, held) : plan.steps;
  const pendingReleases = plan.steps.length - steps.length;
  if (mode === 'dry-run' || steps.length === 0) {
    const status: RepositoryStatus = plan.status === 'blocked' ? 'blocked' : plan.steps.length === 0 ? 'unchanged' : mode === 'dry-run' ? 'planned' : 'unchanged';
    return { ...base, status, reasons: plan.reasons, plan, applied: NOTHING_APPLIED, pendingReleases: mode === 'apply' ? pendingReleases : 0 };
  }

  const applied = { ...NOTHING_APPLIED };
  try {
    await applySteps(deps, ecr, repository, steps, applied, manifests, pulledTimes(images));
    deps.log.info('repository applied', { repository: scope, ...applied });
    return { ...base, status: plan.status === 'blocked' ? 'blocked' : 'applied', reasons: plan.reasons, plan, applied, pendingReleases };
  } catch (error) {
    // What landed before the failure is reported: those writes are in the account now.
    if (isNotFound(error)) return { ...base, status: 'skipped', reasons: ['repository was deleted during the sweep'], plan, applied };
    const failure = toFailure(scope, 'apply', error);
    deps.log.error('apply failed', { repository: scope, error, ...applied });
    return { ...base, status: 'failed', reasons: [...plan.reasons, failure.message], plan, applied, failure };
  }
};

const INDEX_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** The digests an index manifest lists (`manifests[].digest`); none for anything else or bad JSON. */
export const childDigestsOf = (body: string): Digest[] => {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null || !('manifests' in parsed) || !Array.isArray(parsed.manifests)) return [];
    return (parsed.manifests as unknown[]).flatMap((m) =>
      typeof m === 'object' && m !== null && 'digest' in m && typeof m.digest === 'string' && isDigest(m.digest) ? [m.digest] : [],
    );
  } catch {
    return [];
  }
};

const pulledTimes = (images: readonly ImageRecord[]): ReadonlyMap<Digest, Date | undefined> => new Map(images.map((i) => [i.digest, i.lastPulledAt] as const));

/**
 * Fills `childDigests` of the in-use image indexes from their manifests, so the simulator keeps
 * their children as ECR does and reports do not list them as expiring. Only in-use indexes are
 * read: BatchGetImage counts as a pull, which for an image in use changes nothing that matters.
 * One batched read for all of them, through the sweep's cache (an index tagged next is not read again).
 */
const withIndexChildren = async (
  ecr: EcrPort,
  repository: Repository,
  images: readonly ImageRecord[],
  inUse: readonly InUseImage[],
  manifests: ManifestCache,
): Promise<readonly ImageRecord[]> => {
  const used = new Set(inUse.map((u) => u.digest));
  const indexes = images.filter((i) => used.has(i.digest) && i.childDigests === undefined && INDEX_MEDIA_TYPES.has(i.manifestMediaType ?? '') && i.storageClass === 'standard');
  if (indexes.length === 0) return images;
  const read = await manifests.read(ecr, repository.name, indexes.map((i) => i.digest), pulledTimes(images));
  return images.map((i) => {
    const manifest = indexes.includes(i) ? read.get(i.digest) : undefined;
    return manifest === undefined ? i : { ...i, childDigests: childDigestsOf(manifest.body) };
  });
};

/**
 * Runs the plan's steps in the order `orderSteps` proved safe after each one; stops at the first
 * failure (every prefix is safe, so stopping anywhere leaves a safe state). The manifests of every
 * image to tag are read in one batched call (100 a BatchGetImage) just before the first PutImage,
 * through the sweep's cache, so one read serves all of an image's tags and both passes. An image
 * missing from that read fails at its own step, after the steps before it landed. `applied` is
 * updated as writes land, so a failure still reports them.
 */
const applySteps = async (
  deps: SweepDeps,
  ecr: EcrPort,
  repository: Repository,
  steps: readonly ApplyStep[],
  applied: Mutable<Applied>,
  cache: ManifestCache,
  pulledBefore: ReadonlyMap<Digest, Date | undefined>,
): Promise<void> => {
  let manifests: ReadonlyMap<Digest, Manifest> | undefined;
  for (const step of steps) {
    if (step.kind === 'add-tag') {
      manifests ??= await cache.read(
        ecr,
        repository.name,
        steps.flatMap((s) => (s.kind === 'add-tag' ? [s.digest] : [])),
        pulledBefore,
      );
      const manifest = manifests.get(step.digest);
      if (manifest === undefined)
        throw new AwsCallError(`image ${step.digest} vanished before it could be tagged ${step.tag}`, { action: 'ecr:BatchGetImage', repository: repository.name, awsCode: 'ImageNotFoundException' });
      await deps.throttlePutImage?.(repository.region);
      const outcome = await ecr.putImageTag(repository.name, manifest, step.tag);
      if (outcome === 'added') applied.tagsAdded += 1;
      else applied.tagsAlreadyPresent += 1;
    } else if (step.kind === 'remove-tag') {
      try {
        await ecr.removeImageTag(repository.name, step.tag);
      } catch (error) {
        // Already gone (a retried invocation, or someone removed it): the release is done.
        if (!(error instanceof AwsCallError && error.awsCode === 'ImageNotFound')) throw error;
      }
      applied.tagsReleased += 1;
    } else {
      await ecr.putLifecyclePolicy(repository.name, step.text);
      if (step.role === 'guard') applied.guardWritten = true;
      else applied.policyWritten = true;
    }
  }
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
