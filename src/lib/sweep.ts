/**
 * The sweep: scan → find what is in use → plan each repository → gate → apply (only if asked).
 * One core for the scheduled sweep, the CreateRepository handler, the audit and the CLI.
 * A failure in one repository or region is recorded in the report and the sweep goes on.
 */
import pLimit from 'p-limit';
import type { AccountId, InUseImage, Region, Repository, RepositoryName } from './domain/types.js';
import { AwsCallError, KeeperError } from './errors.js';
import type { KeeperConfig } from './config.js';
import type { Log } from './observability.js';
import type { EcrPort, RegionAdapters } from './aws/ports.js';
import { readOnlyEcr } from './aws/read-only.js';
import { collectReferences, inUseByRepository, repositoryKey, resolveInUse, type WorkloadReference } from './inuse.js';
import { planRepository } from './plan/planner.js';
import type { RepositoryPlan } from './plan/types.js';

export type SweepMode = 'apply' | 'dry-run';

export interface SweepDeps {
  readonly config: KeeperConfig;
  /** The adapters of a region; built once per region by the caller. */
  readonly adaptersFor: (region: Region) => RegionAdapters;
  readonly log: Log;
  readonly now: () => Date;
  /** Waits until another PutImage may be sent (ECR allows 10 a second per account and region). */
  readonly throttlePutImage?: (region: Region) => Promise<void>;
}

export interface SweepInput {
  readonly mode: SweepMode;
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
  readonly regions: readonly { readonly region: Region; readonly repositories: number; readonly ok: boolean }[];
  readonly inUse: {
    readonly images: readonly InUseImage[];
    /** False when any ECS or ECR lookup failed: policies are then not written and nothing is released. */
    readonly complete: boolean;
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
}

const NOTHING_APPLIED: Applied = Object.freeze({ tagsAdded: 0, tagsAlreadyPresent: 0, tagsReleased: 0, policyWritten: false });

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

interface RegionScan {
  readonly region: Region;
  readonly adapters: RegionAdapters;
  readonly repositories: readonly Repository[];
  readonly references: readonly WorkloadReference[];
  readonly ok: boolean;
}

/**
 * Runs one sweep. In `dry-run` the ECR port is wrapped read-only, so a write attempt throws
 * instead of reaching AWS; the plan is still computed and returned in full.
 */
export const runSweep = async (deps: SweepDeps, input: SweepInput): Promise<SweepReport> => {
  const startedAt = deps.now();
  const failures: Failure[] = [];
  const { config, log } = deps;

  // 1. Inventory and workloads, per region. Workloads are read in every region before any plan,
  //    because a task in one region may run an image from another region's registry.
  const scans: RegionScan[] = [];
  for (const region of input.regions) {
    const raw = deps.adaptersFor(region);
    const adapters: RegionAdapters = input.mode === 'dry-run' ? { ...raw, ecr: readOnlyEcr(raw.ecr) } : raw;
    let ok = true;
    let repositories: Repository[] = [];
    try {
      repositories = input.repositories
        ? (await Promise.all(input.repositories.map((name) => adapters.ecr.describeRepository(name)))).filter((r): r is Repository => r !== undefined)
        : await collect(adapters.ecr.listRepositories());
    } catch (error) {
      ok = false;
      failures.push(toFailure(region, 'inventory', error));
      log.error('repository listing failed', { region, error });
    }
    const collected = await collectReferences(adapters.ecs, config).catch((error: unknown) => {
      failures.push(toFailure(`ecs:${region}`, 'in-use', error));
      return { references: [] as WorkloadReference[], failures: [{ scope: `ecs:${region}`, error }], complete: false };
    });
    for (const f of collected.failures) if (!failures.some((x) => x.scope === f.scope)) failures.push(toFailure(f.scope, 'in-use', f.error));
    if (!collected.complete) ok = false;
    scans.push({ region, adapters, repositories, references: collected.references, ok });
  }

  // 2. Resolve references to digests, in the registry and region each names.
  const byRegion = new Map(scans.map((s) => [s.region, s.adapters.ecr] as const));
  const ownRegistryIds = new Set<AccountId>(scans.flatMap((s) => s.repositories.map((r) => r.registryId)));
  const resolved = await resolveInUse(
    scans.flatMap((s) => s.references),
    (region) => byRegion.get(region),
    ownRegistryIds,
    config,
  );
  for (const f of resolved.failures) failures.push(toFailure(f.scope, 'in-use', f.error));
  const inUseComplete = scans.every((s) => s.ok) && resolved.failures.length === 0 && failures.every((f) => f.stage !== 'in-use');
  if (!inUseComplete) log.warn('in-use set incomplete: no policy is written and no protection released in this sweep');
  const inUseByRepo = inUseByRepository(resolved.images);

  // 3. Plan and apply, repository by repository, a bounded number at a time.
  const limit = pLimit(config.concurrency.repositories);
  const outcomes = await Promise.all(
    scans.flatMap((scan) =>
      scan.repositories.map((repository) =>
        limit(() =>
          sweepRepository(deps, input.mode, scan.adapters.ecr, repository, inUseByRepo.get(repositoryKey(repository.registryId, repository.region, repository.name)) ?? [], inUseComplete),
        ),
      ),
    ),
  );
  for (const o of outcomes) if (o.failure) failures.push(o.failure);

  const totals: SweepTotals = {
    repositories: outcomes.length,
    inUseImages: resolved.images.length,
    tagsAdded: sum(outcomes, (o) => o.applied.tagsAdded),
    tagsReleased: sum(outcomes, (o) => o.applied.tagsReleased),
    policiesWritten: outcomes.filter((o) => o.applied.policyWritten).length,
    unchanged: outcomes.filter((o) => o.status === 'unchanged').length,
    blocked: outcomes.filter((o) => o.status === 'blocked').length,
    excluded: outcomes.filter((o) => o.status === 'excluded').length,
    skipped: outcomes.filter((o) => o.status === 'skipped').length,
    failed: outcomes.filter((o) => o.status === 'failed').length,
  };
  return {
    mode: input.mode,
    startedAt: startedAt.toISOString(),
    finishedAt: deps.now().toISOString(),
    regions: scans.map((s) => ({ region: s.region, repositories: s.repositories.length, ok: s.ok })),
    inUse: {
      images: resolved.images,
      complete: inUseComplete,
      foreign: resolved.foreign.map((f) => ({ image: f.reference.source.image, why: f.why })),
      unresolved: resolved.unresolved.map((u) => ({ image: u.reference.source.image, why: u.why })),
    },
    repositories: outcomes,
    failures,
    totals,
  };
};

const sum = <T>(items: readonly T[], f: (item: T) => number): number => items.reduce((acc, item) => acc + f(item), 0);

/** Inventory, plan and (in apply mode) apply one repository; never throws. */
const sweepRepository = async (
  deps: SweepDeps,
  mode: SweepMode,
  ecr: EcrPort,
  repository: Repository,
  inUse: readonly InUseImage[],
  inUseComplete: boolean,
): Promise<RepositoryOutcome> => {
  const scope = `${repository.region}/${repository.name}`;
  const base = { region: repository.region, repository: repository.name };
  let plan: RepositoryPlan;
  try {
    const [repositoryTags, images, currentPolicy] = await Promise.all([
      ecr.repositoryTags(repository.arn),
      collect(ecr.listImages(repository.name)),
      ecr.getLifecyclePolicy(repository.name),
    ]);
    plan = planRepository({ repository, repositoryTags, images, currentPolicy, inUse, inUseComplete, config: deps.config, now: deps.now() });
  } catch (error) {
    if (isNotFound(error)) return { ...base, status: 'skipped', reasons: ['repository was deleted during the sweep'], applied: NOTHING_APPLIED };
    const failure = toFailure(scope, 'inventory', error);
    deps.log.error('repository inventory failed', { repository: scope, error });
    return { ...base, status: 'failed', reasons: [failure.message], applied: NOTHING_APPLIED, failure };
  }

  const pending = plan.tagsToAdd.length + plan.tagsToRelease.length + (plan.policy.change === 'none' ? 0 : 1);
  if (plan.status === 'excluded') return { ...base, status: 'excluded', reasons: plan.reasons, plan, applied: NOTHING_APPLIED };
  if (mode === 'dry-run' || pending === 0) {
    const status: RepositoryStatus = plan.status === 'blocked' ? 'blocked' : pending === 0 ? 'unchanged' : 'planned';
    return { ...base, status, reasons: plan.reasons, plan, applied: NOTHING_APPLIED };
  }

  try {
    const applied = await applyPlan(deps, ecr, repository, plan);
    deps.log.info('repository applied', { repository: scope, ...applied });
    return { ...base, status: plan.status === 'blocked' ? 'blocked' : 'applied', reasons: plan.reasons, plan, applied };
  } catch (error) {
    if (isNotFound(error)) return { ...base, status: 'skipped', reasons: ['repository was deleted during the sweep'], plan, applied: NOTHING_APPLIED };
    const failure = toFailure(scope, 'apply', error);
    deps.log.error('apply failed', { repository: scope, error });
    return { ...base, status: 'failed', reasons: [...plan.reasons, failure.message], plan, applied: NOTHING_APPLIED, failure };
  }
};

/**
 * Applies one plan. Order matters for safety: protection tags first, then releases, and the
 * policy last and only if every protection tag is in place — the gate approved the policy
 * for the images *with* those tags, so a missing tag voids that approval.
 */
const applyPlan = async (deps: SweepDeps, ecr: EcrPort, repository: Repository, plan: RepositoryPlan): Promise<Applied> => {
  let tagsAdded = 0;
  let tagsAlreadyPresent = 0;
  for (const add of plan.tagsToAdd) {
    const manifest = await ecr.getManifest(repository.name, add.digest);
    if (manifest === undefined) throw new AwsCallError(`image ${add.digest} vanished before it could be tagged ${add.tag}`, { action: 'ecr:BatchGetImage', repository: repository.name, awsCode: 'ImageNotFoundException' });
    await deps.throttlePutImage?.(repository.region);
    const outcome = await ecr.putImageTag(repository.name, manifest, add.tag);
    if (outcome === 'added') tagsAdded += 1;
    else tagsAlreadyPresent += 1;
  }
  let tagsReleased = 0;
  for (const release of plan.tagsToRelease) {
    try {
      await ecr.removeImageTag(repository.name, release.tag);
    } catch (error) {
      // Already gone (a retried invocation, or someone removed it): the release is done.
      if (!(error instanceof AwsCallError && error.awsCode === 'ImageNotFound')) throw error;
    }
    tagsReleased += 1;
  }
  let policyWritten = false;
  if (plan.status !== 'blocked' && plan.policy.change !== 'none' && plan.policy.text !== undefined) {
    await ecr.putLifecyclePolicy(repository.name, plan.policy.text);
    policyWritten = true;
  }
  return { tagsAdded, tagsAlreadyPresent, tagsReleased, policyWritten };
};
