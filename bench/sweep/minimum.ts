/**
 * The fewest calls the synthetic data requires, per operation, from its own shape: pages at the
 * largest page size AWS documents, batches at the largest batch size, one call per item where the
 * API has no batch form. Writes are counted from what the run actually changed (the transport's
 * effects), so the minimum of a write is "what the plan wrote, batched as tightly as the API allows".
 * And the time the calls take at AWS's published request rates (assumptions where none is published).
 */
import { NOW, resolveTaskDefinition, type BenchAccount, type BenchDeployment, type BenchService } from './account.js';

/**
 * The task-definition names the task-definition source resolves: each family (its newest revision),
 * services without revisions or not controlled by ECS, task sets, scheduled rules and schedules.
 */
const taskDefinitionReferences = (account: BenchAccount): string[] => [
  ...[...account.families.values()].map((family) => family.family),
  ...account.services.flatMap((service) => [
    ...(service.currentRevisionArns.length === 0 || service.controller !== 'ECS' ? [service.taskDefinition] : []),
    ...service.taskSetTaskDefinitions,
  ]),
  ...account.rules.flatMap((rule) => (rule.taskDefinitionArn === undefined ? [] : [rule.taskDefinitionArn])),
  ...account.schedules.flatMap((schedule) => (schedule.taskDefinitionArn === undefined ? [] : [schedule.taskDefinitionArn])),
];

/**
 * Tags workloads name without a digest, by repository: what a sweep must resolve to digests. Task
 * definitions (the families source's newest revision, services without revisions or with task sets,
 * scheduled rules and schedules), Batch job definitions' newest revisions, and pending tasks (no
 * `imageDigest` yet). Running tasks, service revisions, Lambda and Inspector name digests.
 */
const tagReferences = (account: BenchAccount): Map<string, Set<string>> => {
  const out = new Map<string, Set<string>>();
  const add = (image: string): void => {
    const path = image.slice(image.indexOf('/') + 1);
    const at = path.lastIndexOf(':');
    if (at < 0 || path.includes('@')) return;
    const repository = path.slice(0, at);
    out.set(repository, (out.get(repository) ?? new Set()).add(path.slice(at + 1)));
  };
  for (const name of taskDefinitionReferences(account)) {
    const resolved = resolveTaskDefinition(account, name);
    if (resolved !== undefined) for (const c of resolved.family.containersOf(resolved.revision)) add(c.image);
  }
  const newestJob = new Map<string, { revision: number; image: string }>();
  for (const d of account.jobDefinitions) if ((newestJob.get(d.name)?.revision ?? 0) < d.revision) newestJob.set(d.name, d);
  for (const d of newestJob.values()) add(d.image);
  for (const task of account.tasks) for (const c of task.containers) if (c.digest === undefined) add(c.image);
  return out;
};
import type { Effects } from './transport.js';

export interface Minimum {
  readonly min: number;
  readonly why: string;
}

export interface RunFacts {
  readonly mode: 'dry-run' | 'apply';
  /**
   * Times every in-use source was read: 2 when an apply re-checked every consumer before its held-back
   * writes (target policies, releases). The sweep's safety design, counted as required; 1 gives the
   * pure data minimum (one read of everything).
   */
  readonly discoveryPasses: number;
  /** Repositories read again for the re-checked pass (listed twice); none for the pure data minimum. */
  readonly rereadRepositories: ReadonlySet<string>;
  readonly effects: Effects;
}

const ceil = (n: number, size: number): number => Math.ceil(n / size);
/** A list call costs one page even when there is nothing to list. */
const pages = (n: number, size: number): number => Math.max(1, ceil(n, size));

const groupBy = <T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
};

const EXCLUDED = (tags: Readonly<Record<string, string>>): boolean => tags['ecr-keeper:managed'] === 'false';

/** Deployments a reader must describe: the ones not completed, and the newest completed one (where a rollback goes). */
const worthDescribing = (service: BenchService): BenchDeployment[] => {
  const newestCompleted = service.deployments.find((d) => d.status === 'SUCCESSFUL');
  return service.deployments.filter((d) => d.status !== 'SUCCESSFUL' || d === newestCompleted);
};

/** Revisions a service may run or pull again: current ones, both sides of in-flight deployments, the newest completed one's source. */
const revisionsNeeded = (service: BenchService): string[] => {
  const arns = new Set(service.currentRevisionArns);
  for (const d of service.deployments.filter((x) => x.status !== 'SUCCESSFUL')) {
    for (const s of d.sourceRevisionArns) arns.add(s);
    arns.add(d.targetRevisionArn);
  }
  for (const s of service.deployments.find((d) => d.status === 'SUCCESSFUL')?.sourceRevisionArns ?? []) arns.add(s);
  return [...arns];
};

/** Minimum calls per `Service:Operation` for one run over `account` (its state before the run). */
export const minimumCalls = (account: BenchAccount, facts: RunFacts): Map<string, Minimum> => {
  const out = new Map<string, Minimum>();
  const set = (op: string, min: number, why: string): void => {
    out.set(op, { min, why });
  };
  const P = facts.discoveryPasses;
  const perPass = (n: number): number => n * P;
  const passNote = P > 1 ? ` ×${P} reads of every consumer (re-check before held-back writes)` : '';

  // --- ECR: inventory and one full read of every managed repository (plus a fresh read of each releasing one).
  const R = account.repositories.length;
  const managed = account.repositories.filter((r) => !EXCLUDED(r.tags));
  const releasing = account.repositories.filter((r) => facts.rereadRepositories.has(r.name));
  const listPages = (rs: typeof managed): number => rs.reduce((n, r) => n + pages(r.images.length, 1000), 0);
  set('ECR:DescribeRepositories', pages(R, 1000), `${R} repositories / 1,000 a page`);
  const tagged = account.repositories.filter((r) => Object.keys(r.tags).length > 0).length;
  set('ResourceGroupsTagging:GetResources', pages(tagged, 100), `${tagged} tagged repositories / 100 a page, once a sweep (untagged ones are not listed: no tags)`);
  set('ECR:ListTagsForResource', 0, 'every repository\'s tags come from tag:GetResources');
  set('ECR:GetLifecyclePolicy', managed.length + releasing.length, `${managed.length} managed repositories (excluded ones need no read)${releasing.length > 0 ? ` + ${releasing.length} re-read` : ''}`);
  set('ECR:DescribeImages', listPages(managed) + listPages(releasing), `Σ ceil(images/1,000) over managed repositories${releasing.length > 0 ? ' + re-read ones again' : ''}`);
  // A tag is resolved from the listing of a repository the sweep lists; an excluded one is never listed.
  const references = tagReferences(account);
  const unlisted = account.repositories.filter((r) => EXCLUDED(r.tags) && references.has(r.name));
  const lookups = unlisted.reduce((n, r) => n + ceil(references.get(r.name)?.size ?? 0, 100), 0);
  set('ECR:DescribeImages(imageIds)', perPass(lookups), `tags resolved from the listings the sweep reads; by id (100 a call) only in the ${unlisted.length} excluded repositories workloads name by tag${P > 1 ? ', every consumer read' : ''}`);

  // --- ECS
  const C = account.clusters.length;
  const tasksBy = groupBy(account.tasks, (t) => t.clusterArn);
  const servicesBy = groupBy(account.services, (s) => s.clusterArn);
  const perCluster = (f: (c: string) => number): number => account.clusters.reduce((n, c) => n + f(c.arn), 0);
  set('ECS:ListClusters', perPass(pages(C, 100)), `${C} clusters / 100${passNote}`);
  set('ECS:DescribeClusters', perPass(ceil(C, 100)), `${C} clusters / 100 ids`);
  set('ECS:ListTasks', perPass(perCluster((c) => pages(tasksBy.get(c)?.length ?? 0, 100))), `${account.tasks.length} tasks, per cluster / 100${passNote}`);
  set('ECS:DescribeTasks', perPass(perCluster((c) => ceil(tasksBy.get(c)?.length ?? 0, 100))), 'per cluster / 100 ids');
  set('ECS:ListServices', perPass(perCluster((c) => pages(servicesBy.get(c)?.length ?? 0, 100))), `${account.services.length} services, per cluster / 100`);
  set('ECS:DescribeServices', perPass(perCluster((c) => ceil(servicesBy.get(c)?.length ?? 0, 10))), 'per cluster / 10 ids');
  const relevant = account.services.map((s) => worthDescribing(s).length);
  // One call per service by API necessity: it takes one service and has no batch form. The whole
  // history is paged (100 a page): an older deployment may still be in flight, and no status filter
  // returns both those and the newest completed one (where a rollback goes) in one call.
  set('ECS:ListServiceDeployments', perPass(account.services.reduce((n, s) => n + pages(s.deployments.length, 100), 0)), `one per service (${account.services.length}; the API takes one service, no batch form) + a page per further 100 deployments of its history`);
  const describedDeployments = relevant.reduce((n, k) => n + k, 0);
  set('ECS:DescribeServiceDeployments', perPass(ceil(describedDeployments, 20)), `${describedDeployments} in-flight or newest completed deployments / 20 ARNs, across clusters`);
  const revisions = new Set(account.services.flatMap(revisionsNeeded));
  set('ECS:DescribeServiceRevisions', perPass(ceil(revisions.size, 20)), `${revisions.size} distinct revisions / 20 ARNs, across clusters`);
  const definitions = new Set<string>();
  for (const name of taskDefinitionReferences(account)) {
    const resolved = resolveTaskDefinition(account, name);
    if (resolved !== undefined) definitions.add(`${resolved.family.family}:${resolved.revision}`);
  }
  set('ECS:DescribeTaskDefinition', perPass(definitions.size), `${definitions.size} distinct task-definition revisions (no batch form), shared by every source`);
  set('ECS:ListTaskDefinitionFamilies', perPass(pages(account.families.size, 100)), `${account.families.size} ACTIVE families / 100`);
  set('ECS:ListTaskDefinitions', 0, 'newest 1 revision: the bare family names it');

  // --- Scheduled tasks, Lambda, Batch, Inspector
  const rulesBy = groupBy(account.rules, (r) => r.bus);
  set('EventBridge:ListEventBuses', perPass(pages(account.buses.length, 100)), `${account.buses.length} buses`);
  set('EventBridge:ListRules', perPass(account.buses.reduce((n, b) => n + pages(rulesBy.get(b)?.length ?? 0, 100), 0)), 'per bus / 100');
  set('EventBridge:ListTargetsByRule', perPass(account.rules.length), `${account.rules.length} rules, one a call`);
  const ecsSchedules = account.schedules.filter((s) => s.taskDefinitionArn !== undefined).length;
  set('Scheduler:ListSchedules', perPass(pages(account.schedules.length, 100)), `${account.schedules.length} schedules / 100`);
  set('Scheduler:GetSchedule', perPass(ecsSchedules), `${ecsSchedules} schedules with an ECS target (the list names only the target ARN)`);
  const imageFunctions = account.functions.filter((f) => f.packageType === 'Image');
  set('Lambda:ListFunctions', perPass(pages(account.functions.length, 50)), `${account.functions.length} functions / 50`);
  set('Lambda:ListAliases', perPass(imageFunctions.length), `${imageFunctions.length} image functions`);
  const versions = imageFunctions.reduce((n, f) => n + f.versions.size, 0);
  set('Lambda:GetFunction', perPass(versions), `${versions} versions ($LATEST + alias targets) — the only call with ResolvedImageUri`);
  set('Batch:DescribeJobDefinitions', perPass(pages(account.jobDefinitions.length, 100)), `${account.jobDefinitions.length} ACTIVE revisions / 100`);
  const covered = account.coverage.filter((c) => c.lastInUseAt >= NOW.getTime() / 1000 - 14 * 86_400).length;
  set('Inspector2:ListCoverage', perPass(pages(covered, 200)), `${covered} images in use within 14 days / 200`);

  // --- Writes (apply): what the run changed, batched as tightly as the API allows.
  if (facts.mode === 'apply') {
    const e = facts.effects;
    set('ECR:PutImage', e.putImageAdded, `${e.putImageAdded} tags added (no batch form)`);
    let manifests = 0;
    let read = 0;
    for (const digests of e.manifestsRead.values()) {
      manifests += ceil(digests.size, 100);
      read += digests.size;
    }
    set('ECR:BatchGetImage', manifests, `${read} distinct manifests, per repository / 100 ids`);
    let removes = 0;
    let removed = 0;
    for (const n of e.tagsRemoved.values()) {
      removes += ceil(n, 100);
      removed += n;
    }
    set('ECR:BatchDeleteImage', removes, `${removed} tags released, per repository / 100 ids`);
    set('ECR:PutLifecyclePolicy', e.policiesWritten.size, `${e.policiesWritten.size} repositories whose policy changed, one write each`);
  }
  return out;
};

/** A request-rate group: calls in one group share its rate. */
export interface RateGroup {
  readonly group: string;
  readonly perSecond: number;
  /** Where the figure comes from. */
  readonly source: 'published' | 'assumed';
}

/** ECR reads publish no rate: assumed 20/s each (printed in the header). */
export const ASSUMED_ECR_READ_RATE = 20;
/** Calls with no published rate outside ECS and ECR: assumed 20/s each. */
export const ASSUMED_OTHER_RATE = 20;

const RATES: Readonly<Record<string, RateGroup>> = {
  'ECS:ListTasks': { group: 'ECS ListTasks+DescribeTasks', perSecond: 20, source: 'published' },
  'ECS:DescribeTasks': { group: 'ECS ListTasks+DescribeTasks', perSecond: 20, source: 'published' },
  'ECS:ListServices': { group: 'ECS ListServices+DescribeServices', perSecond: 20, source: 'published' },
  'ECS:DescribeServices': { group: 'ECS ListServices+DescribeServices', perSecond: 20, source: 'published' },
  'ECS:DescribeTaskDefinition': { group: 'ECS DescribeTaskDefinition', perSecond: 20, source: 'published' },
  'ECS:DescribeServiceRevisions': { group: 'ECS DescribeServiceRevisions', perSecond: 20, source: 'published' },
  'ECR:PutImage': { group: 'ECR PutImage', perSecond: 10, source: 'published' },
  'ECR:BatchGetImage': { group: 'ECR BatchGetImage', perSecond: 2_000, source: 'published' },
  'Lambda:GetFunction': { group: 'Lambda GetFunction', perSecond: 100, source: 'published' },
  'Lambda:ListFunctions': { group: 'Lambda control plane', perSecond: 15, source: 'published' },
  'Lambda:ListAliases': { group: 'Lambda control plane', perSecond: 15, source: 'published' },
};

/** The rate group of an operation; every other operation is its own group at an assumed rate. */
export const rateOf = (op: string): RateGroup => {
  const known = RATES[op];
  if (known !== undefined) return known;
  const base = op.replace(/\(.*\)$/, '');
  if (base.startsWith('ECR:')) return { group: base, perSecond: ASSUMED_ECR_READ_RATE, source: 'assumed' };
  return { group: base, perSecond: op.startsWith('ECS:') ? 20 : ASSUMED_OTHER_RATE, source: 'assumed' };
};

export const WRITE_OPERATIONS: ReadonlySet<string> = new Set(['ECR:PutImage', 'ECR:PutLifecyclePolicy', 'ECR:BatchDeleteImage']);

/**
 * Seconds the calls take at the rates: `serial` runs the groups one after another (the sweep's
 * stages are mostly sequential), `parallel` all groups at once (the floor at full quota).
 */
export const modelledSeconds = (calls: ReadonlyMap<string, number>, include: (op: string) => boolean): { serial: number; parallel: number } => {
  const byGroup = new Map<string, number>();
  for (const [op, n] of calls) {
    if (!include(op) || n === 0) continue;
    const rate = rateOf(op);
    byGroup.set(rate.group, (byGroup.get(rate.group) ?? 0) + n / rate.perSecond);
  }
  const values = [...byGroup.values()];
  return { serial: values.reduce((a, b) => a + b, 0), parallel: values.reduce((a, b) => Math.max(a, b), 0) };
};

/** Assumed time of one call, where a call's latency rather than its quota bounds a chain: 100 ms. */
export const ASSUMED_CALL_SECONDS = 0.1;

/**
 * Calls the sweep keeps in flight at once per operation (from the code): repositories are read
 * `repositories` at a time (listing and policy side by side), ListServiceDeployments and
 * DescribeTaskDefinition 2 at a time (src/lib/aws/ecs.ts); every other call waits for the one before.
 */
const inFlight = (op: string, repositories: number): number =>
  op === 'ECR:DescribeImages' || op === 'ECR:GetLifecyclePolicy' || op === 'ECR:DescribeImages(imageIds)' || op === 'ECR:BatchGetImage'
    ? repositories
    : op === 'ECS:ListServiceDeployments' || op === 'ECS:DescribeTaskDefinition'
      ? 2
      : 1;

/**
 * How the sweep's reads run: the inventory first (DescribeRepositories, tag:GetResources); then the
 * in-use sources side by side, each a chain of calls one after another, while the repositories the
 * inventory listed are read ahead (repository-reads.ts) under their own quotas. The ECR chain's
 * operations run side by side; every other chain's one after another.
 */
const INVENTORY = ['ECR:DescribeRepositories', 'ResourceGroupsTagging:GetResources'];
const CHAINS: readonly { readonly name: string; readonly ops: readonly string[]; readonly parallel: boolean }[] = [
  { name: 'repositories (ECR)', ops: ['ECR:DescribeImages', 'ECR:GetLifecyclePolicy', 'ECR:DescribeImages(imageIds)', 'ECR:ListTagsForResource'], parallel: true },
  {
    name: 'ECS tasks and services',
    ops: ['ECS:ListClusters', 'ECS:DescribeClusters', 'ECS:ListServices', 'ECS:DescribeServices', 'ECS:ListTasks', 'ECS:DescribeTasks', 'ECS:ListServiceDeployments', 'ECS:DescribeServiceDeployments', 'ECS:DescribeServiceRevisions'],
    parallel: false,
  },
  { name: 'task-definition families', ops: ['ECS:ListTaskDefinitionFamilies', 'ECS:ListTaskDefinitions', 'ECS:DescribeTaskDefinition'], parallel: false },
  { name: 'scheduled tasks', ops: ['EventBridge:ListEventBuses', 'EventBridge:ListRules', 'EventBridge:ListTargetsByRule', 'Scheduler:ListSchedules', 'Scheduler:GetSchedule'], parallel: false },
  { name: 'Lambda', ops: ['Lambda:ListFunctions', 'Lambda:ListAliases', 'Lambda:GetFunction'], parallel: false },
  { name: 'Batch', ops: ['Batch:DescribeJobDefinitions'], parallel: false },
  { name: 'Inspector', ops: ['Inspector2:ListCoverage'], parallel: false },
];

/** Seconds of one operation's calls: its quota, or its latency over the calls in flight, whichever is slower. */
const opSeconds = (op: string, calls: number, repositories: number): number =>
  Math.max(calls / rateOf(op).perSecond, (calls * ASSUMED_CALL_SECONDS) / inFlight(op, repositories));

/**
 * Share of the managed repositories' listing pages the sweep reads ahead, in the order it lists them,
 * before `budgetImages` held stops it (the repository that crosses the bound is read whole); the
 * rest is read once discovery is over and planning takes the listings held.
 */
export const readAheadShare = (account: BenchAccount, budgetImages: number): number => {
  let held = 0;
  let ahead = 0;
  let total = 0;
  for (const repository of account.repositories) {
    if (EXCLUDED(repository.tags)) continue;
    const listing = pages(repository.images.length, 1000);
    total += listing;
    if (held < budgetImages) {
      ahead += listing;
      held += repository.images.length;
    }
  }
  return total === 0 ? 1 : ahead / total;
};

/**
 * Read time of one pass as the sweep runs it (see `CHAINS`): the inventory, then the in-use chains
 * beside the repositories' reads, of which only `aheadShare` can run before discovery ends (the
 * read-ahead bound); the rest follows it. `repositories` is the configured repository concurrency.
 */
export const modelledOverlapped = (
  calls: ReadonlyMap<string, number>,
  repositories: number,
  aheadShare = 1,
): { readonly seconds: number; readonly slowest: string; readonly inventory: number } => {
  const of = (op: string): number => opSeconds(op, calls.get(op) ?? 0, repositories);
  const inventory = INVENTORY.reduce((n, op) => n + of(op), 0);
  const chainSeconds = (chain: (typeof CHAINS)[number]): number => {
    const times = chain.ops.map(of);
    return chain.parallel ? Math.max(0, ...times) : times.reduce((a, b) => a + b, 0);
  };
  const [ecr, ...sources] = CHAINS as [(typeof CHAINS)[number], ...(typeof CHAINS)[number][]];
  const repositoriesSeconds = chainSeconds(ecr);
  let discovery = { name: '-', seconds: 0 };
  for (const chain of sources) if (chainSeconds(chain) > discovery.seconds) discovery = { name: chain.name, seconds: chainSeconds(chain) };
  const afterDiscovery = discovery.seconds + (1 - aheadShare) * repositoriesSeconds;
  return afterDiscovery > repositoriesSeconds
    ? { seconds: inventory + afterDiscovery, slowest: aheadShare >= 1 ? discovery.name : `${discovery.name}, then ${Math.round((1 - aheadShare) * 100)} % of the repository reads`, inventory }
    : { seconds: inventory + repositoriesSeconds, slowest: ecr.name, inventory };
};
