/**
 * The organisation state machine's steps as Lambda handlers see them: each step's input is the
 * state's JSON, large values (in-use sets, batch reports) go through the hand-off store under
 * `runs/<runId>/`, and each output stays far below Step Functions' 256 KB payload limit.
 */
import pLimit from 'p-limit';
import { z } from 'zod';
import { isRegion, isRepositoryName, type AccountId, type Region, type RepositoryName } from './domain/types.js';
import type { HandOffStore } from './aws/ports.js';
import { InputError } from './errors.js';
import { formatZodError } from './config.js';
import { applyBatch, discoverTarget, mergeInUse, summarizeSteps, sweepTargets, type StepsSummary, type SweepTargets } from './steps.js';
import type { Failure, InUseSet, SweepDeps, SweepMode, SweepReport } from './sweep.js';

/** Failures carried in a state's output: enough to name what went wrong, bounded in size. */
const MAX_FAILURES_IN_STATE = 20;
/** Failures in one batch's map result (thousands of batches share one state; its report has them all). */
const FAILURES_IN_MAP_RESULT = 3;

const region = z.string().refine(isRegion, { message: 'must be an AWS region code such as eu-west-1' });
const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit account id');
const repositoryName = z.string().refine(isRepositoryName, { message: 'must be an ECR repository name' });
const runId = z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be 1-200 of [A-Za-z0-9._:-] (the execution name)');
const mode = z.enum(['apply', 'dry-run']);
const failure = z.looseObject({ scope: z.string(), stage: z.enum(['inventory', 'in-use', 'plan', 'apply']), message: z.string() });
const batch = z.strictObject({ account: accountId, region, repositories: z.array(repositoryName).min(1) });

export const TargetsEventSchema = z.strictObject({
  runId,
  mode: mode.optional(),
  regions: z.array(region).min(1).optional(),
  repositories: z.array(repositoryName).min(1).optional(),
});
export const DiscoverEventSchema = z.strictObject({ runId, round: z.enum(['first', 'recheck']), account: accountId, region, environment: z.string().optional() });
/** A discovery item's result, or the state machine's Catch of a failed item (no key, `complete: false`). */
const DiscoveredSchema = z.looseObject({ key: z.string().optional(), complete: z.boolean(), failures: z.array(z.unknown()).default([]) });
export const MergeEventSchema = z.strictObject({
  runId,
  round: z.enum(['first', 'recheck']),
  discovered: z.array(DiscoveredSchema),
  unread: z.array(failure).default([]),
  /** The first round's merged set, merged in for the release pass. */
  firstKey: z.string().optional(),
});
export const ApplyEventSchema = z
  .strictObject({
    runId,
    pass: z.enum(['protect', 'release']),
    mode,
    /** The batch itself (the protect pass: the item the map read); absent, it is read by `index` from the run's targets (the release pass). */
    batch: batch.optional(),
    index: z.number().int().min(0),
    inUseKey: z.string().min(1),
    /** For the release pass: what the batch's protect pass held back; 0 means nothing to do. */
    heldForRecheck: z.number().int().min(0).optional(),
  });
const AppliedSchema = z.looseObject({ key: z.string().optional(), heldForRecheck: z.number().default(0), failures: z.array(z.unknown()).default([]) });
export const SummaryEventSchema = z.strictObject({
  runId,
  /** The targets step's output: the whole targets are read from `key`. */
  targets: z.looseObject({ key: z.string().min(1) }),
  firstKey: z.string().min(1),
  recheckKey: z.string().optional(),
  protect: z.array(AppliedSchema),
  release: z.array(AppliedSchema).default([]),
});

/** Validates a step's input; a bad one is `InputError` naming the field (the state machine fails the step). */
export const parseStep = <S extends z.ZodType>(schema: S, event: unknown, what: string): z.output<S> => {
  const parsed = schema.safeParse(event);
  if (!parsed.success) {
    const { message, field } = formatZodError(parsed.error, what);
    throw new InputError(message, { cause: parsed.error, field });
  }
  return parsed.data;
};

const json = 'application/json';
const keyFor = (run: string, ...parts: string[]): string => `runs/${run}/${parts.join('/')}`;
const bounded = (failures: readonly unknown[]): unknown[] => failures.slice(0, MAX_FAILURES_IN_STATE);
/** A Catch result (`{complete: false, failures: [error]}`) as a failure of the set. */
const asFailure = (value: unknown): Failure =>
  typeof value === 'object' && value !== null && 'scope' in value && 'message' in value
    ? (value as Failure)
    : { scope: 'state-machine', stage: 'in-use', message: `a discovery item failed: ${JSON.stringify(value).slice(0, 500)}` };

/** What the targets step hands the state machine: counts and keys; the items themselves are in the store. */
export interface TargetsOutput {
  readonly runId: string;
  readonly mode: SweepMode;
  readonly regions: readonly Region[];
  /** Consumers that cannot be read (the first ones): any makes the merged in-use set incomplete. */
  readonly unread: readonly Failure[];
  readonly failures: readonly Failure[];
  /** The hand-off bucket, for the maps' ItemReader. */
  readonly bucket: string;
  /** The whole targets (`SweepTargets`), for the summary. */
  readonly key: string;
  /** JSON arrays the discovery and protect maps read their items from: consumer items, registry batches. */
  readonly consumersKey: string;
  readonly batchesKey: string;
  readonly consumers: number;
  readonly batches: number;
}

/**
 * Step 1: the run's targets, written to the store; the state carries keys and counts. Inline, the
 * repository names of every batch would pass Step Functions' 256 KB state limit at a few thousand
 * repositories; the maps read their items from the store (ItemReader).
 */
export const targetsStep = async (
  deps: SweepDeps,
  store: HandOffStore,
  event: z.output<typeof TargetsEventSchema>,
  defaults: { readonly dryRun: boolean; readonly regions: readonly Region[] },
): Promise<TargetsOutput> => {
  const mode: SweepMode = event.mode ?? (defaults.dryRun ? 'dry-run' : 'apply');
  const targets = await sweepTargets(deps, { mode, regions: (event.regions ?? defaults.regions) as Region[], repositories: event.repositories as RepositoryName[] | undefined });
  const consumers = await store.put(keyFor(event.runId, 'targets', 'consumers.json'), JSON.stringify(targets.consumers), json);
  const batches = await store.put(keyFor(event.runId, 'targets', 'batches.json'), JSON.stringify(targets.batches), json);
  // Each batch also on its own, for the release pass (an item there reads its batch, not them all).
  const limit = pLimit(BATCH_WRITES_AT_ONCE);
  await Promise.all(targets.batches.map((b, index) => limit(() => store.put(batchKey(event.runId, index), JSON.stringify(b), json))));
  const whole = await store.put(keyFor(event.runId, 'targets.json'), JSON.stringify(targets), json);
  return {
    runId: event.runId,
    mode: targets.mode,
    regions: targets.regions,
    unread: bounded(targets.unread) as Failure[],
    failures: bounded(targets.failures) as Failure[],
    bucket: whole.bucket,
    key: whole.key,
    consumersKey: consumers.key,
    batchesKey: batches.key,
    consumers: targets.consumers.length,
    batches: targets.batches.length,
  };
};

/** Step 2: one account × region read, its set written to the store. */
export const discoverStep = async (deps: SweepDeps, store: HandOffStore, event: z.output<typeof DiscoverEventSchema>) => {
  const set = await discoverTarget(deps, { account: event.account as AccountId, region: event.region as Region, environment: event.environment });
  const { key } = await store.put(keyFor(event.runId, event.round, 'in-use', `${event.account}-${event.region}.json`), JSON.stringify(set), json);
  return { key, account: event.account, region: event.region, complete: set.complete, images: set.images.length, failures: bounded(set.failures) };
};

const readSet = async (store: HandOffStore, key: string): Promise<InUseSet> => JSON.parse(await store.get(key)) as InUseSet;

/** Step 3: the items' sets (and the first round's, for the release pass) merged into one. */
export const mergeStep = async (deps: SweepDeps, store: HandOffStore, event: z.output<typeof MergeEventSchema>) => {
  const parts: InUseSet[] = [];
  const lost: Failure[] = [];
  for (const item of event.discovered) {
    if (item.key === undefined) lost.push(...(item.failures.length > 0 ? item.failures.map(asFailure) : [asFailure(item)]));
    else parts.push(await readSet(store, item.key));
  }
  // An item that failed without a set is a consumer not read: the set cannot be complete.
  const unread = [...(event.unread as Failure[]), ...lost];
  const round = mergeInUse(deps, parts, unread);
  const merged = event.firstKey === undefined ? round : mergeInUse(deps, [await readSet(store, event.firstKey), round]);
  // The release pass may run only when the re-check itself was complete.
  const result = event.firstKey === undefined ? merged : { ...merged, complete: round.complete };
  const { key } = await store.put(keyFor(event.runId, event.round, 'in-use.json'), JSON.stringify(result), json);
  return { key, complete: result.complete, images: result.images.length, failures: bounded(result.failures) };
};

/** Steps 4 and 6: one batch against the merged set; its full report to the store. */
export const applyStep = async (deps: SweepDeps, store: HandOffStore, event: z.output<typeof ApplyEventSchema>) => {
  if (event.pass === 'release' && event.heldForRecheck === 0) return { index: event.index, heldForRecheck: 0, failures: [] };
  const given = event.batch ?? (await batchAt(store, event.runId, event.index));
  const inUse = await readSet(store, event.inUseKey);
  const report = await applyBatch(deps, {
    mode: event.mode,
    batch: { account: given.account as AccountId, region: given.region as Region, repositories: given.repositories as RepositoryName[] },
    inUse,
    pass: event.pass,
  });
  const { key } = await store.put(keyFor(event.runId, event.pass, 'batches', `${event.index}.json`), JSON.stringify(report), json);
  // The map's results share the state's 256 KB: no repository names, no totals, the first failures
  // only (the summary reads the whole report from `key`). About 150 bytes a batch of 100 repositories.
  return { key, index: event.index, heldForRecheck: report.totals.heldForRecheck, failures: report.failures.slice(0, FAILURES_IN_MAP_RESULT) };
};

const batchKey = (run: string, index: number): string => keyFor(run, 'targets', 'batches', `${index}.json`);
/** PutObject calls the targets step keeps in flight while it writes one file per batch. */
const BATCH_WRITES_AT_ONCE = 16;

/** Batch `index` as the targets step wrote it, checked like an inline one. */
const batchAt = async (store: HandOffStore, run: string, index: number): Promise<z.output<typeof batch>> =>
  parseStep(batch, JSON.parse(await store.get(batchKey(run, index))), batchKey(run, index));

/** Step 7: the run's summary from the batch reports; the full summary is also written as the run's report. */
export const summaryStep = async (store: HandOffStore, event: z.output<typeof SummaryEventSchema>): Promise<StepsSummary & { readonly reportKey: string }> => {
  // A release item with nothing held has no report; a failed item (caught) has only its failures.
  const reports = async (items: readonly { key?: string | undefined; heldForRecheck: number; failures: readonly unknown[] }[]): Promise<SweepReport[]> =>
    Promise.all(
      items
        .filter((item) => item.key !== undefined || item.failures.length > 0)
        .map(async (item) => (item.key === undefined ? failedBatch(item.failures) : (JSON.parse(await store.get(item.key)) as SweepReport))),
    );
  const summary = summarizeSteps({
    targets: JSON.parse(await store.get(event.targets.key)) as SweepTargets,
    first: await readSet(store, event.firstKey),
    recheck: event.recheckKey === undefined ? undefined : await readSet(store, event.recheckKey),
    protect: await reports(event.protect),
    release: await reports(event.release),
  });
  const { key } = await store.put(`reports/organisation/${event.runId}.json`, JSON.stringify(summary), json);
  return { ...summary, failures: summary.failures.slice(0, MAX_FAILURES_IN_STATE), reportKey: key };
};

/** A batch whose Lambda failed outright (caught by the state machine): a report with only its failures. */
const failedBatch = (failures: readonly unknown[]): SweepReport => ({
  mode: 'apply',
  startedAt: '',
  finishedAt: '',
  regions: [],
  inUse: { images: [], complete: false, discoverySkipped: false, warnings: [], foreign: [], unresolved: [] },
  repositories: [],
  failures: failures.map((f) => ({ ...asFailure(f), stage: 'apply' as const })),
  totals: { repositories: 0, inUseImages: 0, tagsAdded: 0, tagsReleased: 0, policiesWritten: 0, unchanged: 0, blocked: 0, excluded: 0, skipped: 0, failed: 0, leftForNextRun: 0, heldForRecheck: 0 },
});
