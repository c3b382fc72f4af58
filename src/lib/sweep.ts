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
import type { AccountRole, EcrPort, EcsPort, Manifest, RegionAdapters, StoredPolicy, TaskDefinitionImages } from './aws/ports.js';
import type { OrganisationAccess } from './aws/ports.js';
import { readOnlyEcr } from './aws/read-only.js';
import { inUseByRepository, repositoryKey, resolveInUse, type WorkloadReference } from './inuse.js';
import { exclusionReason, planRepository } from './plan/planner.js';
import type { ApplyStep, RepositoryPlan } from './plan/types.js';
import { collectInUse, type SourceWarning } from './sources/index.js';
import { sweepEcr, type SweepWarning } from './repository-reads.js';
import { organisationAccounts, type ConsumerAccount } from './organisation.js';

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
  /**
   * Checks a target policy with ECR's own preview right before it is written (config `verifyWithPreview`);
   * throwing holds the write, and the repository is reported failed with why. Absent: no check.
   */
  readonly previewGate?: ((repository: Repository, ecr: EcrPort, policyText: string) => Promise<void>) | undefined;
  /**
   * True keeps every per-image entry of every plan (the audit). Otherwise each image list of a
   * repository keeps at most `config.reportImagesPerRepository` entries and the sweep about
   * `config.reportImagesTotal` per list across all its repositories (`imageListLimitOf`); counts stay exact.
   */
  readonly reportAllImages?: boolean | undefined;
  /** Images read ahead at most while consumers are read; default `READ_AHEAD_IMAGES` (tests and the bench set less). */
  readonly readAheadImages?: number | undefined;
  /**
   * The organisation mode's access to other accounts (assumed roles, AWS Organizations); used when
   * the config has an `organisation` block. Absent: the single-account mode.
   */
  readonly organisation?: OrganisationAccess | undefined;
  /** Called after each repository of the first pass is planned (and applied): `done` of `total`, for a CLI's progress line. */
  readonly onProgress?: ((done: number, total: number) => void) | undefined;
  /** The role entered in other registry accounts: `registry` (reads and writes; the default) or `audit` (reads only). */
  readonly registryRole?: 'registry' | 'audit' | undefined;
}

export interface SweepInput {
  readonly mode: SweepMode;
  /** The regions planned and written. Consumers are read in these and every configured and consumer region. */
  readonly regions: readonly Region[];
  /** Only these repositories (CreateRepository, CLI `--repository`); all when absent. */
  readonly repositories?: readonly RepositoryName[] | undefined;
  /** Organisation mode: only these registry accounts are swept (a state machine's batch); all when absent. */
  readonly registryAccounts?: readonly AccountId[] | undefined;
  /**
   * The in-use set, read by other steps (the state machine's discovery and merge): no consumer is
   * read by this run. For the `release` pass it holds the first read and the re-check together.
   */
  readonly inUse?: InUseSet | undefined;
  /**
   * A state machine runs a sweep in two passes around a fresh read of every consumer: `protect`
   * makes only the protection writes (tags, guard) and reports what it held back; `release` applies
   * whole plans against `inUse`. In-process drivers leave it out and get both, re-reading in between.
   */
  readonly pass?: 'protect' | 'release' | undefined;
}

/** An in-use set as steps hand it over (JSON). */
export interface InUseSet {
  readonly images: readonly InUseImage[];
  readonly complete: boolean;
  readonly failures: readonly Failure[];
  readonly warnings: readonly SourceWarning[];
  readonly foreign: SweepReport['inUse']['foreign'];
  readonly unresolved: SweepReport['inUse']['unresolved'];
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
  /** The registry (account) of the repository; absent only when it was never read. */
  readonly registryId?: AccountId | undefined;
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
  /** The organisation mode's accounts, each with what it was read for and whether that worked. */
  readonly accounts?: readonly AccountReport[] | undefined;
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
  /** What the sweep did another way than planned, without failing (e.g. repository tags read one by one). */
  readonly warnings?: readonly SweepWarning[] | undefined;
  readonly totals: SweepTotals;
}

/** One account of the organisation mode in the report. */
export interface AccountReport {
  readonly account: AccountId;
  /** `registry`: repositories swept; `consumer`: workloads read. */
  readonly roles: readonly ('registry' | 'consumer')[];
  readonly environment?: string | undefined;
  /** False when its role could not be assumed or a read failed there (see `failures`). */
  readonly ok: boolean;
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
  /**
   * Repositories whose target policy or releases wait for a re-check of the consumers that this run
   * did not make (a `protect` pass, an incomplete in-use set, or the time budget): the next pass or run does them.
   */
  readonly heldForRecheck: number;
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


export interface Discovery {
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

/** One account and region whose consumers are read. */
export interface ConsumerPlace {
  /** Absent in the single-account mode. */
  readonly account?: AccountId | undefined;
  readonly region: Region;
  readonly adapters: RegionAdapters;
  /** The account's environment, for workloads nothing else names. */
  readonly environment?: string | undefined;
}

const placeKey = (account: AccountId | undefined, region: Region): string => (account === undefined ? region : `${account}/${region}`);

/** The config with a consumer account's environment as the default (workload tags and names still win). */
const withAccountEnvironment = (config: KeeperConfig, environment: string | undefined): KeeperConfig =>
  environment === undefined ? config : { ...config, environmentResolution: { ...config.environmentResolution, default: environment } };

/**
 * Reads every in-use source at every consumer place and resolves references to digests. `unread`
 * are consumers already known to be unreadable (an account whose role cannot be assumed): they
 * make the set incomplete as any failed source does.
 */
export const discover = async (
  deps: SweepDeps,
  places: readonly ConsumerPlace[],
  ecrFor: (region: Region, registryId: AccountId) => EcrPort | undefined,
  ownRegistryIds: ReadonlySet<AccountId>,
  unread: readonly Failure[] = [],
): Promise<Discovery> => {
  const { config, log } = deps;
  const failures: Failure[] = [...unread];
  const regionsOk = new Map<Region, boolean>();
  const references: WorkloadReference[] = [];
  const warnings: SourceWarning[] = [];
  for (const place of places) {
    const { region, adapters } = place;
    const prefix = place.account === undefined ? '' : `${place.account}:`;
    const collected = await collectInUse({ region, adapters: { ...adapters, ecs: sharingTaskDefinitions(adapters.ecs) }, config: withAccountEnvironment(config, place.environment), now: deps.now() });
    warnings.push(...collected.warnings.map((w) => ({ ...w, scope: `${prefix}${w.scope}` })));
    for (const w of collected.warnings) log.warn('in-use source unavailable', { ...w, account: place.account });
    for (const f of collected.failures) if (!failures.some((x) => x.scope === `${prefix}${f.scope}`)) failures.push(toFailure(`${prefix}${f.scope}`, 'in-use', f.error));
    regionsOk.set(region, (regionsOk.get(region) ?? true) && collected.complete);
    references.push(...collected.references);
  }
  const resolved = await resolveInUse(references, ecrFor, ownRegistryIds, config);
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

const TASK_DEFINITION = ':task-definition/';

/** A task definition as asked: `family`, `family:N`, or an ARN (`prefix` up to the family) with or without `:N`. */
interface TaskDefinitionName {
  readonly prefix: string;
  readonly family: string;
  readonly revision: number | undefined;
}

const taskDefinitionName = (key: string): TaskDefinitionName => {
  const at = key.indexOf(TASK_DEFINITION);
  const prefix = at < 0 ? '' : key.slice(0, at + TASK_DEFINITION.length);
  const [family = '', revision] = key.slice(prefix.length).split(':');
  const n = revision === undefined ? undefined : Number(revision);
  return { prefix, family, revision: n !== undefined && Number.isInteger(n) ? n : undefined };
};

/** One describe of a sweep: `latest` when asked without a revision, `plain` when asked by name (so in the port's own account). */
interface Described {
  readonly promise: Promise<TaskDefinitionImages | undefined>;
  readonly latest: boolean;
  readonly plain: boolean;
}

/** True when `found` (the answer to `by`) is exactly what `key` names: compared on the full ARN, never on the family alone. */
const answers = (key: string, name: TaskDefinitionName, by: Described, found: TaskDefinitionImages | undefined): found is TaskDefinitionImages => {
  if (found === undefined) return false;
  if (name.prefix !== '') return name.revision === undefined ? by.latest && found.arn.startsWith(`${key}:`) : found.arn === key;
  return by.plain && (name.revision === undefined ? by.latest : found.revision === name.revision);
};

/**
 * The ECS port with `describeTaskDefinitions` shared by every source of one discovery: services,
 * scheduled tasks and task-definition families often name the same revision, and the API takes one
 * definition a call (20/s shared with the account's other callers).
 */
const sharingTaskDefinitions = (ecs: EcsPort): EcsPort => {
  const described = new Map<string, Promise<TaskDefinitionImages | undefined>>();
  const byFamily = new Map<string, Described[]>();
  const remember = (key: string, name: TaskDefinitionName, promise: Promise<TaskDefinitionImages | undefined>): void => {
    // Another source may never await this key once its describe failed; its caller already got the error.
    promise.catch(() => undefined);
    described.set(key, promise);
    byFamily.set(name.family, [...(byFamily.get(name.family) ?? []), { promise, latest: name.revision === undefined, plain: name.prefix === '' }]);
  };
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
      // One revision asked under several names (`family`, `family:N`, its ARN, a bare ARN) is described
      // once: a name waits for the describes of its family already asked and takes an answer whose ARN
      // is exactly the one it names; otherwise it is described on its own.
      const direct: string[] = [];
      for (const key of missing) {
        const name = taskDefinitionName(key);
        const asked = byFamily.get(name.family) ?? [];
        if (asked.length === 0) {
          direct.push(key);
          continue;
        }
        const answered = Promise.all(asked.map((by) => by.promise.then((found) => (answers(key, name, by, found) ? found : undefined), () => undefined)));
        remember(key, name, answered.then((found) => found.find((f) => f !== undefined) ?? ecs.describeTaskDefinitions([key]).then((again) => again.get(key))));
      }
      if (direct.length > 0) {
        const batch = ecs.describeTaskDefinitions(direct);
        for (const key of direct) remember(key, taskDefinitionName(key), batch.then((found) => found.get(key)));
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

/**
 * Images a sweep reads ahead of planning, at most, while consumers are read: about 23 MB of listings,
 * held packed (90 bytes an image, against 550 as records; domain/packed-listing.ts, measured). Memory
 * against overlap: reading stops here until planning takes listings, so a larger account reads the
 * rest after discovery (one repository larger than this is still read whole). 250,000 covers an
 * account of 1,000 repositories with one of 100,000 images: its whole listing is read while ECS is.
 */
export const READ_AHEAD_IMAGES = 250_000;

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
  const [images, currentPolicy] = await Promise.all([ecr.listImages(repository.name), ecr.getLifecyclePolicy(repository.name)]);
  return { repositoryTags, images, currentPolicy };
};

/** The accounts of one sweep; the single-account mode has one of each, `undefined` (the caller's own). */
export interface SweepAccounts {
  /** The keeper's own account in the organisation mode; absent in the single-account mode. */
  readonly home: AccountId | undefined;
  readonly registries: readonly (AccountId | undefined)[];
  readonly consumers: readonly { readonly id: AccountId | undefined; readonly environment?: string | undefined }[];
  /** Registry accounts whose role could not be assumed: nothing is listed or written there. */
  readonly unreadRegistries: ReadonlyMap<AccountId, Failure>;
  /** Consumers that could not be read at all (Organizations, an unassumable role): the set is incomplete. */
  readonly unreadConsumers: readonly Failure[];
  readonly report: (failures: readonly Failure[]) => AccountReport[] | undefined;
}

const SINGLE_ACCOUNT: SweepAccounts = {
  home: undefined,
  registries: [undefined],
  consumers: [{ id: undefined }],
  unreadRegistries: new Map(),
  unreadConsumers: [],
  report: () => undefined,
};

/**
 * Resolves the organisation mode's accounts and proves each role can be assumed, once per account
 * and role, before anything is read: a consumer account that cannot be entered is named in the
 * report and makes the in-use set incomplete, so nothing is released or written anywhere.
 */
export const sweepAccounts = async (deps: SweepDeps, options: { readonly only?: readonly AccountId[] | undefined; readonly readConsumers?: boolean } = {}): Promise<SweepAccounts> => {
  const { only, readConsumers = true } = options;
  const organisation = deps.config.organisation;
  if (organisation === undefined) return SINGLE_ACCOUNT;
  const access = deps.organisation;
  if (access === undefined) throw new KeeperError('config.organisation is set, but this driver was given no access to other accounts');
  const all = await organisationAccounts(deps.config, organisation, access, { listOrganization: readConsumers });
  const resolved = only === undefined ? all : { ...all, registries: all.registries.filter((a) => only.includes(a)) };
  const limit = pLimit(8);
  const unreadRegistries = new Map<AccountId, Failure>();
  const unreadConsumers: Failure[] = resolved.failures.map((f) => toFailure(f.scope, 'in-use', f.error));
  const entered = async (account: AccountId, role: AccountRole): Promise<Failure | undefined> => {
    try {
      await access.verify(account, role);
      return undefined;
    } catch (error) {
      deps.log.error('cannot enter account', { account, role, error });
      const failure = toFailure(`account:${account}`, role === 'consumer' ? 'in-use' : 'inventory', error);
      return { ...failure, message: `${role} role in account ${account} cannot be assumed: ${failure.message}` };
    }
  };
  await Promise.all([
    ...resolved.registries.map((account) => limit(async () => {
      const failure = await entered(account, deps.registryRole ?? 'registry');
      if (failure !== undefined) unreadRegistries.set(account, failure);
    })),
    ...(readConsumers ? resolved.consumers : []).map((consumer) => limit(async () => {
      const failure = await entered(consumer.id, 'consumer');
      if (failure !== undefined) unreadConsumers.push(failure);
    })),
  ]);
  const unreadConsumerIds = new Set(unreadConsumers.map((f) => f.scope));
  const readable = resolved.consumers.filter((c) => !unreadConsumerIds.has(`account:${c.id}`));
  const registrySet = new Set(resolved.registries);
  return {
    home: resolved.home,
    registries: resolved.registries,
    consumers: readable.map((c: ConsumerAccount) => ({ id: c.id, environment: c.environment })),
    unreadRegistries,
    unreadConsumers,
    report: (failures) =>
      [...new Set([...resolved.registries, ...resolved.consumers.map((c) => c.id)])].sort().map((account) => ({
        account,
        roles: [...(registrySet.has(account) ? (['registry'] as const) : []), ...(resolved.consumers.some((c) => c.id === account) ? (['consumer'] as const) : [])],
        environment: resolved.consumers.find((c) => c.id === account)?.environment,
        ok: !failures.some((f) => f.scope === `account:${account}` || f.scope.startsWith(`${account}:`) || f.scope.startsWith(`${account}/`)),
      })),
  };
};

/** Adapters whose ECR port refuses writes (a consumer account is only ever read). */
export const readOnly = (adapters: RegionAdapters): RegionAdapters => ({ ...adapters, ecr: readOnlyEcr(adapters.ecr) });

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
  // ECR reads shared by the whole sweep (repository-reads.ts): repository tags in bulk, repositories
  // read ahead while consumers are read, workloads' tags resolved from those listings.
  const warnings: SweepWarning[] = [];
  const forSweep = (raw: RegionAdapters): RegionAdapters => ({
    ...raw,
    ecr: sweepEcr(raw.ecr, {
      tagging: raw.tagging,
      bulkTags: input.repositories === undefined,
      isExcluded: (repository, tags) => exclusionReason(config, repository, tags) !== undefined,
      concurrency: config.concurrency.repositories,
      budgetImages: deps.readAheadImages ?? READ_AHEAD_IMAGES,
      log,
      warn: (warning) => warnings.push(warning),
    }),
  });

  const regionsRead = discoveryRegions(config, input.regions);
  // Outside the scope nothing is written, whatever the mode.
  const guarded = (raw: RegionAdapters): RegionAdapters => (input.mode === 'dry-run' || !scope.has(raw.region) ? { ...raw, ecr: readOnlyEcr(raw.ecr) } : raw);
  // With an in-use set given, consumers were entered by the step that read them.
  const accounts = await sweepAccounts(deps, { only: input.registryAccounts, readConsumers: input.inUse === undefined });
  failures.push(...accounts.unreadRegistries.values());
  const org = deps.organisation;
  const adaptersAt = (account: AccountId | undefined, region: Region, role: AccountRole): RegionAdapters =>
    account === undefined || account === accounts.home || org === undefined ? deps.adaptersFor(region) : org.adaptersIn(account, region, role);

  // The registries, in every region read: tags are resolved there, and planned regions are written.
  const registryAdapters = new Map<string, RegionAdapters>();
  for (const account of accounts.registries)
    if (account === undefined || !accounts.unreadRegistries.has(account))
      for (const region of regionsRead) registryAdapters.set(placeKey(account, region), guarded(forSweep(adaptersAt(account, region, deps.registryRole ?? 'registry'))));
  const ecrAt = (region: Region, registryId: AccountId): EcrPort | undefined =>
    registryAdapters.get(placeKey(accounts.home === undefined ? undefined : registryId, region))?.ecr;
  const ecrOf = (repository: Repository): EcrPort => ecrAt(repository.region, repository.registryId) as EcrPort;
  const consumerPlaces: ConsumerPlace[] = (input.inUse === undefined ? accounts.consumers : []).flatMap((consumer) =>
    regionsRead.map((region) => {
      const own = consumer.id === undefined || consumer.id === accounts.home;
      // The keeper's own account shares the registry adapters; elsewhere only reads are possible.
      const adapters = own ? guarded(deps.adaptersFor(region)) : readOnly(adaptersAt(consumer.id, region, 'consumer'));
      return { account: consumer.id, region, adapters, environment: consumer.environment };
    }),
  );

  // 1. Inventory of the regions in scope, in every registry.
  const inventories: { account: AccountId | undefined; region: Region; repositories: Repository[]; ok: boolean }[] = [];
  for (const account of accounts.registries) {
    if (account !== undefined && accounts.unreadRegistries.has(account)) {
      for (const region of input.regions) inventories.push({ account, region, repositories: [], ok: false });
      continue;
    }
    for (const region of input.regions) {
      const ecr = (registryAdapters.get(placeKey(account, region)) as RegionAdapters).ecr;
      const where = placeKey(account, region);
      try {
        const repositories = input.repositories
          ? (await Promise.all(input.repositories.map((name) => ecr.describeRepository(name)))).filter((r): r is Repository => r !== undefined)
          : await collect(ecr.listRepositories());
        inventories.push({ account, region, repositories, ok: true });
      } catch (error) {
        failures.push(toFailure(where, 'inventory', error));
        log.error('repository listing failed', { region, account, error });
        inventories.push({ account, region, repositories: [], ok: false });
      }
    }
  }
  const targets = inventories.flatMap((inv) => inv.repositories);
  // A reference to a registry outside these accounts is foreign: this sweep cannot protect it.
  const ownRegistryIds = new Set<AccountId>(accounts.home === undefined ? targets.map((r) => r.registryId) : accounts.registries.filter((a): a is AccountId => a !== undefined));

  // A narrowed sweep of repositories that hold no image yet (CreateRepository) has nothing to
  // protect or release, so it needs no consumer scan; any image present means a full scan.
  const preread = new Map<Repository, RepositoryState>();
  let skipDiscovery = false;
  // Nothing in scope (named repositories that exist nowhere, or regions with no repository) leaves
  // nothing to plan: no consumer scan either, whose images could not be placed without a registry.
  if (input.repositories !== undefined || targets.length === 0) {
    const states = await Promise.all(
      targets.map(async (repository) => {
        try {
          const state = await readRepository(ecrOf(repository), repository, config);
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
  const given = input.inUse;
  const discovery: Discovery = skipDiscovery
    ? { images: [], complete: true, warnings: [], foreign: [], unresolved: [], failures: [], regionsOk: new Map() }
    : given !== undefined
      ? { ...given, failures: [...accounts.unreadConsumers, ...given.failures], complete: given.complete && accounts.unreadConsumers.length === 0, regionsOk: new Map(regionsRead.map((r) => [r, given.complete])) }
      : await discover(deps, consumerPlaces, ecrAt, ownRegistryIds, accounts.unreadConsumers);
  failures.push(...discovery.failures);
  const inUseByRepo = inUseByRepository(discovery.images);
  const inUseOf = (repository: Repository): InUseImage[] => inUseByRepo.get(repositoryKey(repository.registryId, repository.region, repository.name)) ?? [];

  // A listing read early is handed to its repository once, then let go.
  const takePreread = (repository: Repository): RepositoryState | undefined => {
    const state = preread.get(repository);
    preread.delete(repository);
    return state;
  };

  const imageListLimit = deps.reportAllImages === true ? undefined : imageListLimitOf(config, targets.length);
  const jobOf = (repository: Repository) => ({ deps, mode: input.mode, ecr: ecrOf(repository), repository, manifests: cacheOf(repository), imageListLimit });

  // 3. Plan and apply, repository by repository, a bounded number at a time. Releases wait.
  const limit = pLimit(config.concurrency.repositories);
  let done = 0;
  const planned = <T>(task: () => Promise<T>): Promise<T> =>
    limit(task).then((outcome) => {
      done += 1;
      deps.onProgress?.(done, targets.length);
      return outcome;
    });
  const left: Repository[] = [];
  // One manifest cache per repository for the whole sweep: the index-children read, the first pass
  // and the re-checked pass share it, so no manifest is read (pulled) twice.
  const manifestCaches = new Map<string, ManifestCache>();
  const cacheOf = (repository: Repository): ManifestCache => {
    const key = `${repository.registryId}/${repository.region}/${repository.name}`;
    let cache = manifestCaches.get(key);
    if (cache === undefined) {
      cache = new ManifestCache();
      manifestCaches.set(key, cache);
    }
    return cache;
  };
  let outcomes = await Promise.all(
    targets.map((repository) =>
      planned(() =>
        deps.shouldStop?.() === true
          ? Promise.resolve(leftForNextRun(repository, left))
          : sweepRepository(
              { ...jobOf(repository), inUse: inUseOf(repository), inUseComplete: discovery.complete, preread: takePreread(repository) },
              skipDiscovery || input.pass === 'release' ? 'all' : 'hold',
            ),
      ),
    ),
  );
  // Only repositories with writes held back are visited again.
  for (const o of outcomes) if ((o.pendingReleases ?? 0) === 0) manifestCaches.delete(`${o.registryId}/${o.region}/${o.repository}`);

  // 4. Policy writes and releases, after a fresh look at every consumer: a rollback or deploy that
  //    started after the first read must not lose its image. Protection (and the guard that makes it
  //    safe) went first; each repository with a write held back is read and planned anew with the
  //    fresh in-use set, and that whole plan is applied. Only empty new repositories skip this.
  const releasing = outcomes.filter((o) => (o.pendingReleases ?? 0) > 0);
  let recheck: Discovery | undefined;
  if (input.mode === 'apply' && input.pass === undefined && releasing.length > 0 && discovery.complete && deps.shouldStop?.() !== true) {
    recheck = await discover(deps, consumerPlaces, ecrAt, ownRegistryIds);
    for (const f of recheck.failures) failures.push({ ...f, message: `re-check before release: ${f.message}` });
    const fresh = inUseByRepository(recheck.images);
    const again = await Promise.all(
      releasing.map((first) =>
        limit(async () => {
          const repository = first.plan?.repository;
          if (repository === undefined) return first;
          const inUse = [...inUseOf(repository), ...(fresh.get(repositoryKey(repository.registryId, repository.region, repository.name)) ?? [])];
          const second = await sweepRepository({ ...jobOf(repository), inUse, inUseComplete: recheck?.complete === true }, 'all');
          return mergeOutcomes(first, second);
        }),
      ),
    );
    const byKey = new Map(again.map((o) => [`${o.registryId}/${o.region}/${o.repository}`, o]));
    outcomes = outcomes.map((o) => byKey.get(`${o.registryId}/${o.region}/${o.repository}`) ?? o);
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
    heldForRecheck: recheck === undefined ? releasing.length : 0,
  };
  return {
    mode: input.mode,
    startedAt: startedAt.toISOString(),
    finishedAt: deps.now().toISOString(),
    regions: regionsRead.map((region) => {
      const listed = inventories.filter((i) => i.region === region);
      return {
        region,
        planned: scope.has(region),
        repositories: sum(listed, (i) => i.repositories.length),
        ok: listed.every((i) => i.ok) && (skipDiscovery || discovery.regionsOk.get(region) === true),
      };
    }),
    accounts: accounts.report(failures),
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
    warnings,
    failures,
    totals,
  };
};

/**
 * Per-image entries each image list of a repository keeps in a sweep report: at most
 * `reportImagesPerRepository`, and `reportImagesTotal` shared by the repositories swept, so the
 * report's memory stays flat however many repositories there are (counts stay exact).
 */
export const imageListLimitOf = (config: KeeperConfig, repositories: number): number =>
  Math.min(config.reportImagesPerRepository, Math.max(1, Math.ceil(config.reportImagesTotal / Math.max(1, repositories))));

const leftForNextRun = (repository: Repository, left: Repository[]): InternalOutcome => {
  left.push(repository);
  return {
    registryId: repository.registryId,
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

/** One repository of a sweep pass and what it is planned with. */
interface RepositoryJob {
  readonly deps: SweepDeps;
  readonly mode: SweepMode;
  readonly ecr: EcrPort;
  readonly repository: Repository;
  readonly inUse: readonly InUseImage[];
  readonly inUseComplete: boolean;
  /** Its state read before the sweep planned (a narrowed sweep's empty-repository check). */
  readonly preread?: RepositoryState | undefined;
  /** Shared by the sweep's passes over the repository. */
  readonly manifests: ManifestCache;
  /** Per-image report entries kept per list (`imageListLimitOf`); undefined keeps all. */
  readonly imageListLimit: number | undefined;
}

/**
 * Reads, plans and (in apply mode) applies one repository; never throws. With `hold`, only the
 * plan's leading protection writes (tags, and the guard policy) are made; the rest (the target
 * policy, releases) is counted in `pendingReleases` for the re-checked pass. Every prefix of the
 * plan is proven safe, so stopping after the protection is safe.
 */
const sweepRepository = async (job: RepositoryJob, pass: 'hold' | 'all'): Promise<InternalOutcome> => {
  const { deps, mode, ecr, repository, manifests } = job;
  const scope = `${repository.region}/${repository.name}`;
  const base = { registryId: repository.registryId, region: repository.region, repository: repository.name };
  let plan: RepositoryPlan;
  let pulledBefore: ReadonlyMap<Digest, Date | undefined>;
  try {
    // The listing lives only while the repository is planned: nothing holds it during the writes.
    ({ plan, pulledBefore } = await readAndPlan(job));
    logDecisions(deps.log, scope, plan);
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
    await applySteps(deps, ecr, repository, steps, applied, manifests, pulledBefore);
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

/**
 * Reads (unless `preread`) and plans one repository. Returns the plan, and the last pull time the
 * listing gave each image the plan tags (the manifest cache must not take ecr-keeper's own read of
 * a manifest for a consumer's pull).
 */
const readAndPlan = async (job: RepositoryJob): Promise<{ readonly plan: RepositoryPlan; readonly pulledBefore: ReadonlyMap<Digest, Date | undefined> }> => {
  const { deps, mode, ecr, repository, inUse, inUseComplete, preread, manifests, imageListLimit } = job;
  const fresh = preread ?? (await readRepository(ecr, repository, deps.config));
  const ownReads = manifests.ownReads;
  const read = ownReads.size === 0 ? fresh : { ...fresh, images: fresh.images.map((i) => (ownReads.has(i.digest) ? { ...i, lastPulledAt: ownReads.get(i.digest) } : i)) };
  // A dry run reads no manifest: BatchGetImage counts as a pull, a side effect a dry run must not have.
  const state = deps.readIndexManifests === false || mode === 'dry-run' ? read : { ...read, images: await withIndexChildren(ecr, repository, read.images, inUse, manifests) };
  const plan = planRepository({ repository, ...state, inUse, inUseComplete, config: deps.config, now: deps.now(), imageListLimit });
  const tagged = new Set(plan.steps.flatMap((s) => (s.kind === 'add-tag' ? [s.digest] : [])));
  const pulledBefore = new Map<Digest, Date | undefined>();
  for (const image of read.images) if (tagged.has(image.digest)) pulledBefore.set(image.digest, image.lastPulledAt);
  return { plan, pulledBefore };
};

/** Every decision of one plan, at debug level (the CLI's --verbose; the Lambda's DEBUG log level). */
const logDecisions = (log: SweepDeps['log'], repository: string, plan: RepositoryPlan): void => {
  for (const t of plan.tagsToAdd)
    log.debug('protect', { repository, digest: t.digest, tag: t.tag, environment: t.environment, usedBy: t.uses.map((u) => `${u.kind} ${u.arn}`) });
  for (const k of plan.protectionKept) log.debug('keep protection', { repository, ...k });
  for (const t of plan.tagsToRelease) log.debug('release', { repository, digest: t.digest, tag: t.tag, reason: t.reason });
  for (const b of plan.newlyExpiring) log.debug('would newly expire', { repository, digest: b.digest, tags: b.tags, action: b.action, rule: b.rulePriority, reason: b.reason });
  log.debug('plan', { repository, status: plan.status, policy: plan.policy.change, tagsToAdd: plan.tagsToAdd.length, tagsToRelease: plan.tagsToRelease.length, reasons: plan.reasons });
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
  const read = await manifests.read(ecr, repository.name, indexes.map((i) => i.digest), new Map(indexes.map((i) => [i.digest, i.lastPulledAt] as const)));
  const isIndex = new Set(indexes);
  return images.map((i) => {
    const manifest = isIndex.has(i) ? read.get(i.digest) : undefined;
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
      // Only the target policy: the guard only puts protection rules on top of the policy in force.
      if (step.role === 'target') await deps.previewGate?.(repository, ecr, step.text);
      await ecr.putLifecyclePolicy(repository.name, step.text);
      if (step.role === 'guard') applied.guardWritten = true;
      else applied.policyWritten = true;
    }
  }
};

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
