/**
 * The sweep as steps over plain data, for drivers that run them apart (the organisation's state
 * machine: one Lambda invocation per step or map item, S3 between them). The single-Lambda sweep and
 * the CLI run the same core in one process (`runSweep`); these steps add nothing to its rules:
 *
 *   targets → discover (account × region, in parallel) → merge → apply `protect` (batches)
 *           → discover → merge → apply `release` (batches, against both reads) → summary
 *
 * Every value in and out is JSON. A consumer that could not be read travels as a failure and makes
 * the merged set incomplete, which `runSweep` turns into "no policy written, nothing released".
 */
import type { AccountId, Region, RepositoryName } from './domain/types.js';
import { ConfigError } from './errors.js';
import type { EcrPort, RegionAdapters } from './aws/ports.js';
import { chunksOf } from './aws/actions.js';
import { mergeInUseImages } from './inuse.js';
import {
  discover,
  discoveryRegions,
  readOnly,
  runSweep,
  sweepAccounts,
  toFailure,
  type Failure,
  type InUseSet,
  type SweepDeps,
  type SweepMode,
  type SweepReport,
} from './sweep.js';

/** One account and region whose consumers a discovery item reads. */
export interface ConsumerTarget {
  readonly account: AccountId;
  readonly region: Region;
  readonly environment?: string | undefined;
}

/** Repositories of one registry account and region that one apply item sweeps. */
export interface RegistryBatch {
  readonly account: AccountId;
  readonly region: Region;
  readonly repositories: readonly RepositoryName[];
}

/** What the targets step hands to the state machine. */
export interface SweepTargets {
  readonly mode: SweepMode;
  /** The regions planned and written. */
  readonly regions: readonly Region[];
  readonly consumers: readonly ConsumerTarget[];
  /** Consumers that cannot be read at all (a role that cannot be assumed, Organizations refused). */
  readonly unread: readonly Failure[];
  readonly batches: readonly RegistryBatch[];
  /** Registries that could not be entered or listed: nothing there is planned. */
  readonly failures: readonly Failure[];
}

const organisationOnly = (deps: SweepDeps): void => {
  if (deps.config.organisation === undefined || deps.organisation === undefined)
    throw new ConfigError('the organisation state machine needs the config.organisation block (the single-account sweep is the `sweep` function)', { field: 'organisation' });
};

/** The registry's adapters of `region`: the keeper's own in its account, the registry role elsewhere. */
const registryAdapters = async (deps: SweepDeps, account: AccountId, region: Region): Promise<RegionAdapters> =>
  account === (await (deps.organisation as NonNullable<SweepDeps['organisation']>).home())
    ? deps.adaptersFor(region)
    : (deps.organisation as NonNullable<SweepDeps['organisation']>).adaptersIn(account, region, 'registry');

/**
 * Step 1: the accounts (each role proven once), every consumer account × region to read, and the
 * repositories of every registry in scope in batches of `batchSize`.
 */
export const sweepTargets = async (
  deps: SweepDeps,
  input: { readonly mode: SweepMode; readonly regions: readonly Region[]; readonly repositories?: readonly RepositoryName[] | undefined },
  batchSize = 100,
): Promise<SweepTargets> => {
  organisationOnly(deps);
  const accounts = await sweepAccounts(deps);
  const failures: Failure[] = [...accounts.unreadRegistries.values()];
  const regionsRead = discoveryRegions(deps.config, input.regions);
  const consumers = accounts.consumers.flatMap((c) => regionsRead.map((region) => ({ account: c.id as AccountId, region, ...(c.environment === undefined ? {} : { environment: c.environment }) })));
  const batches: RegistryBatch[] = [];
  for (const account of accounts.registries as AccountId[]) {
    if (accounts.unreadRegistries.has(account)) continue;
    for (const region of input.regions) {
      try {
        const ecr = (await registryAdapters(deps, account, region)).ecr;
        const names: RepositoryName[] = [];
        if (input.repositories !== undefined) {
          for (const name of input.repositories) if ((await ecr.describeRepository(name)) !== undefined) names.push(name);
        } else for await (const repository of ecr.listRepositories()) names.push(repository.name);
        for (const chunk of chunksOf(names.sort(), batchSize)) batches.push({ account, region, repositories: chunk });
      } catch (error) {
        failures.push(toFailure(`${account}/${region}`, 'inventory', error));
      }
    }
  }
  return { mode: input.mode, regions: input.regions, consumers, unread: accounts.unreadConsumers, batches, failures };
};

/** Step 2 (one map item): the in-use set of one consumer account and region, tags resolved in the registries. */
export const discoverTarget = async (deps: SweepDeps, target: ConsumerTarget): Promise<InUseSet> => {
  organisationOnly(deps);
  const access = deps.organisation as NonNullable<SweepDeps['organisation']>;
  const accounts = await sweepAccounts(deps, { readConsumers: false });
  const home = await access.home();
  try {
    await access.verify(target.account, 'consumer');
  } catch (error) {
    const failure = toFailure(`account:${target.account}`, 'in-use', error);
    return { images: [], complete: false, failures: [{ ...failure, message: `consumer role in account ${target.account} cannot be assumed: ${failure.message}` }], warnings: [], foreign: [], unresolved: [] };
  }
  const adapters = readOnly(target.account === home ? deps.adaptersFor(target.region) : access.adaptersIn(target.account, target.region, 'consumer'));
  const registries = (accounts.registries as AccountId[]).filter((a) => !accounts.unreadRegistries.has(a));
  const ecrByPlace = new Map<string, EcrPort>();
  const ecrAt = (region: Region, registryId: AccountId): EcrPort | undefined => {
    if (!registries.includes(registryId)) return undefined;
    const key = `${registryId}/${region}`;
    let ecr = ecrByPlace.get(key);
    if (ecr === undefined) {
      ecr = readOnly(registryId === home ? deps.adaptersFor(region) : access.adaptersIn(registryId, region, 'registry')).ecr;
      ecrByPlace.set(key, ecr);
    }
    return ecr;
  };
  const found = await discover(deps, [{ account: target.account, region: target.region, adapters, environment: target.environment }], ecrAt, new Set(registries), [...accounts.unreadRegistries.values()]);
  return { images: found.images, complete: found.complete, failures: found.failures, warnings: found.warnings, foreign: found.foreign, unresolved: found.unresolved };
};

const uniqueBy = <T>(items: readonly T[], key: (item: T) => string): T[] => [...new Map(items.map((i) => [key(i), i])).values()];

/**
 * Step 3: one in-use set from the items' sets (and, for the `release` pass, the first read's set too).
 * `unread` are the consumers the targets step could not enter. Complete only when every part is.
 */
export const mergeInUse = (deps: Pick<SweepDeps, 'config'>, parts: readonly InUseSet[], unread: readonly Failure[] = []): InUseSet => ({
  images: mergeInUseImages(deps.config, parts.map((p) => p.images)),
  complete: unread.length === 0 && parts.every((p) => p.complete),
  failures: uniqueBy([...unread, ...parts.flatMap((p) => p.failures)], (f) => `${f.scope}\u0000${f.message}`),
  warnings: uniqueBy(parts.flatMap((p) => p.warnings), (w) => `${w.scope}\u0000${w.message}`),
  foreign: uniqueBy(parts.flatMap((p) => p.foreign), (f) => `${f.image}\u0000${f.why}`),
  unresolved: uniqueBy(parts.flatMap((p) => p.unresolved), (u) => `${u.image}\u0000${u.why}`),
});

/**
 * Steps 4 and 6 (one map item): one batch, planned and applied by the core against the merged set.
 * `protect` makes only protection writes; `release` applies whole plans (its set holds both reads).
 */
export const applyBatch = (deps: SweepDeps, input: { readonly mode: SweepMode; readonly batch: RegistryBatch; readonly inUse: InUseSet; readonly pass: 'protect' | 'release' }): Promise<SweepReport> =>
  runSweep(deps, {
    mode: input.mode,
    regions: [input.batch.region],
    repositories: input.batch.repositories,
    registryAccounts: [input.batch.account],
    inUse: input.inUse,
    pass: input.pass,
  });

/** What a run of the steps did: the state machine's result, and the in-process steps driver's. */
export interface StepsSummary {
  readonly mode: SweepMode;
  readonly ok: boolean;
  readonly inUseComplete: boolean;
  /** True when the `release` pass ran (the re-check was complete and something was held). */
  readonly released: boolean;
  readonly consumers: number;
  readonly batches: number;
  readonly totals: {
    readonly repositories: number;
    readonly inUseImages: number;
    readonly tagsAdded: number;
    readonly tagsReleased: number;
    readonly policiesWritten: number;
    readonly blocked: number;
    readonly failed: number;
    readonly heldForRecheck: number;
  };
  readonly failures: readonly Failure[];
}

/** Adds up the batch reports of both passes (a repository counts once, by its last pass). */
export const summarizeSteps = (input: {
  readonly targets: SweepTargets;
  readonly first: InUseSet;
  readonly recheck?: InUseSet | undefined;
  readonly protect: readonly SweepReport[];
  readonly release: readonly SweepReport[];
}): StepsSummary => {
  const all = [...input.protect, ...input.release];
  const last = new Map<string, SweepReport['repositories'][number]>();
  for (const report of all) for (const o of report.repositories) last.set(`${o.registryId ?? ''}/${o.region}/${o.repository}`, o);
  const outcomes = [...last.values()];
  const failures = uniqueBy(
    [...input.targets.failures, ...input.first.failures, ...(input.recheck?.failures.map((f) => ({ ...f, message: `re-check before release: ${f.message}` })) ?? []), ...all.flatMap((r) => r.failures)],
    (f) => `${f.scope}\u0000${f.message}`,
  );
  const sum = (f: (r: SweepReport) => number): number => all.reduce((n, r) => n + f(r), 0);
  return {
    mode: input.targets.mode,
    ok: failures.length === 0,
    inUseComplete: input.first.complete && (input.recheck?.complete ?? true),
    released: input.release.length > 0,
    consumers: input.targets.consumers.length,
    batches: input.targets.batches.length,
    totals: {
      repositories: outcomes.length,
      inUseImages: input.first.images.length,
      tagsAdded: sum((r) => r.totals.tagsAdded),
      tagsReleased: sum((r) => r.totals.tagsReleased),
      policiesWritten: sum((r) => r.totals.policiesWritten),
      blocked: outcomes.filter((o) => o.status === 'blocked').length,
      failed: outcomes.filter((o) => o.status === 'failed').length,
      heldForRecheck: input.release.length > 0 ? input.release.reduce((n, r) => n + r.totals.heldForRecheck, 0) : input.protect.reduce((n, r) => n + r.totals.heldForRecheck, 0),
    },
    failures,
  };
};

/**
 * The steps run in this process, in the state machine's order (the CLI's organisation driver, and
 * the reference the state machine is tested against): read everything, protect, read again, release.
 */
export const runSweepSteps = async (
  deps: SweepDeps,
  input: { readonly mode: SweepMode; readonly regions: readonly Region[]; readonly repositories?: readonly RepositoryName[] | undefined },
): Promise<StepsSummary> => {
  const targets = await sweepTargets(deps, input);
  const readAll = async (): Promise<InUseSet> => mergeInUse(deps, await Promise.all(targets.consumers.map((t) => discoverTarget(deps, t))), targets.unread);
  const first = await readAll();
  const protect: SweepReport[] = [];
  for (const batch of targets.batches) protect.push(await applyBatch(deps, { mode: input.mode, batch, inUse: first, pass: 'protect' }));
  const held = protect.reduce((n, r) => n + r.totals.heldForRecheck, 0);
  if (input.mode !== 'apply' || held === 0 || !first.complete) return summarizeSteps({ targets, first, protect, release: [] });
  const recheck = await readAll();
  const both = mergeInUse(deps, [first, recheck]);
  const release: SweepReport[] = [];
  if (recheck.complete)
    for (const [i, batch] of targets.batches.entries())
      if ((protect[i]?.totals.heldForRecheck ?? 0) > 0) release.push(await applyBatch(deps, { mode: input.mode, batch, inUse: both, pass: 'release' }));
  return summarizeSteps({ targets, first, recheck, protect, release });
};
