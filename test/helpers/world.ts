/**
 * An in-memory AWS account over a few regions, for the model-based sweep test
 * (`test/lib/sweep.model.fuzz.test.ts`): ECR repositories with images and lifecycle policies, and
 * every kind of consumer the sweep reads (ECS tasks, services with revisions and deployments, task
 * definitions, EventBridge rules, Lambda functions, Batch job definitions). The ports the sweep
 * takes (`RegionAdapters`) are views of it, so a consumer in one region may pull from another
 * region's registry and every call sees one consistent account.
 *
 * What makes it a test harness rather than a fake:
 * - the ground truth: `truth()` is every image some consumer runs or may run again, computed from
 *   the world itself, not from what the sweep managed to read;
 * - a check after EVERY write call of ecr-keeper (PutImage, BatchDeleteImage, PutLifecyclePolicy):
 *   no image deleted by the call, and no truly in-use image newly at risk (expire or archive) under
 *   the policy in force, judged by the project's simulator and by the naive reference evaluator;
 * - fault injection per sweep: call number k throws (`AccessDeniedException`, `ThrottlingException`),
 *   a "Lambda timeout" makes every call after k throw, or one consumer service fails in one region;
 * - world moves injected inside a sweep (a rollback, a deploy, CI moving `latest`…) at call k, at
 *   the first write, or at the first call of a given method;
 * - ECR semantics: a tag put on another digest moves (mutable) or is refused (immutable); removing an
 *   image's last tag deletes the image, and every deletion records who made it.
 */
import { createHash } from 'node:crypto';
import type {
  BatchJobDefinition,
  BatchPort,
  Cluster,
  CoveredImage,
  ClusterServices,
  DeploymentRevisions,
  EcrPort,
  EcsPort,
  EventsPort,
  ImageFindings,
  InspectorPort,
  LambdaAlias,
  LambdaFunctionCode,
  LambdaImageFunction,
  LambdaPort,
  Manifest,
  PutTagOutcome,
  RegionAdapters,
  ScheduledEcsTask,
  SchedulerPort,
  Service,
  ServiceRevision,
  StoredPolicy,
  Task,
  TaskDefinitionImages,
} from '../../src/lib/aws/ports.js';
import { toAccountId, toRegion, toRepositoryName, type AccountId, type Digest, type ImageRecord, type Region, type Repository, type RepositoryName, type StorageClass, type TagMutability } from '../../src/lib/domain/types.js';
import { AwsCallError } from '../../src/lib/errors.js';
import { parsePolicyText } from '../../src/lib/policy/parse.js';
import { simulatePolicy } from '../../src/lib/policy/simulate.js';
import type { LifecyclePolicy } from '../../src/lib/policy/types.js';
import { toDigest } from './factories.js';
import { referenceVerdicts } from './reference-evaluator.js';

export const WORLD_ACCOUNT: AccountId = toAccountId('123456789012');
export const WORLD_REGIONS: readonly Region[] = [toRegion('us-east-1'), toRegion('eu-west-1'), toRegion('ap-southeast-2')];
const DAY_MS = 86_400_000;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export const registryHost = (region: Region): string => `${WORLD_ACCOUNT}.dkr.ecr.${region}.amazonaws.com`;
/** `host/repo:tag` or `host/repo@digest`. */
export const imageString = (region: Region, repository: string, ref: { tag: string } | { digest: Digest }): string =>
  `${registryHost(region)}/${repository}${'tag' in ref ? `:${ref.tag}` : `@${ref.digest}`}`;

const IMAGE_STRING = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([^:@]+)(?::([^@]+))?(?:@(sha256:[0-9a-f]{64}))?$/;

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

export interface WorldImage {
  readonly digest: Digest;
  tags: string[];
  readonly pushedAt: Date;
  lastPulledAt?: Date | undefined;
  lastArchivedAt?: Date | undefined;
  lastActivatedAt?: Date | undefined;
  storageClass: StorageClass;
  readonly subjectDigest?: Digest | undefined;
  readonly sizeBytes: number;
  readonly manifest: { readonly body: string; readonly mediaType: string };
}

export interface WorldRepository {
  readonly region: Region;
  readonly name: RepositoryName;
  readonly mutability: TagMutability;
  readonly resourceTags: Readonly<Record<string, string>>;
  policyText: string | undefined;
  readonly images: Map<Digest, WorldImage>;
}

/** A container as ECS records it: the image string, and the digest resolved when it started or was deployed. */
export interface WorldContainer {
  readonly image: string;
  readonly digest?: Digest | undefined;
}

export interface WorldCluster {
  readonly region: Region;
  readonly name: string;
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface WorldTask {
  readonly arn: string;
  readonly clusterArn: string;
  readonly containers: readonly WorldContainer[];
}

export interface WorldRevision {
  readonly arn: string;
  readonly serviceArn: string;
  readonly clusterArn: string;
  readonly containers: readonly WorldContainer[];
}

export interface WorldDeployment {
  readonly sources: readonly string[];
  readonly target: string;
  status: 'IN_PROGRESS' | 'SUCCESSFUL';
}

export interface WorldService {
  readonly region: Region;
  readonly name: string;
  readonly arn: string;
  readonly clusterArn: string;
  desiredCount: number;
  readonly tags: Readonly<Record<string, string>>;
  /** Oldest first. */
  readonly deployments: WorldDeployment[];
}

export interface WorldTaskDefinition {
  readonly region: Region;
  readonly family: string;
  readonly revision: number;
  readonly arn: string;
  readonly containers: readonly WorldContainer[];
}

export interface WorldRule {
  readonly region: Region;
  readonly name: string;
  readonly arn: string;
  readonly clusterArn: string;
  /** An ARN with or without `:revision` (without: the family's newest revision). */
  readonly taskDefinition: string;
}

export interface WorldFunction {
  readonly region: Region;
  readonly name: string;
  imageUri: string;
  resolvedDigest: Digest | undefined;
}

export interface WorldJobDefinition {
  readonly region: Region;
  readonly name: string;
  readonly revision: number;
  readonly image: string;
}

export type Deleter = 'ecr-keeper' | 'user' | 'lifecycle';

export interface Deletion {
  readonly region: Region;
  readonly repository: RepositoryName;
  readonly digest: Digest;
  readonly by: Deleter;
  readonly what: string;
}

/** One image some consumer runs or may run again. */
export interface TruthEntry {
  readonly region: Region;
  readonly repository: RepositoryName;
  readonly digest: Digest;
  readonly users: string[];
}

// ---------------------------------------------------------------------------------------------
// Faults, moves, sweeps
// ---------------------------------------------------------------------------------------------

export type ServiceName = 'ecr' | 'ecs' | 'inspector' | 'events' | 'scheduler' | 'lambda' | 'batch';
export const CONSUMER_SERVICES: readonly ServiceName[] = ['ecs', 'lambda', 'batch', 'events', 'scheduler', 'inspector'];

export type Fault =
  | { readonly kind: 'none' }
  /** Call number `at` (1-based, every port call of the sweep counted) throws `code`. */
  | { readonly kind: 'fail'; readonly at: number; readonly code: 'AccessDeniedException' | 'ThrottlingException' }
  /** Every call after call `at` throws: the Lambda ran out of time mid-sweep. */
  | { readonly kind: 'timeout'; readonly at: number }
  /** Every call to one consumer service in one region throws (a consumer that cannot be read). */
  | { readonly kind: 'consumer'; readonly service: ServiceName; readonly region: Region; readonly code: 'AccessDeniedException' | 'ThrottlingException' }
  /** Every PutLifecyclePolicy made after a tag landed in this sweep throws (the policy write fails after the tags). */
  | { readonly kind: 'policy-after-tags'; readonly code: 'AccessDeniedException' | 'ThrottlingException' };

export type Trigger =
  | { readonly kind: 'call'; readonly at: number }
  | { readonly kind: 'first-write' }
  | { readonly kind: 'method'; readonly method: string };

export interface MidSweepMove {
  readonly trigger: Trigger;
  /** Runs the move; returns a description, or `undefined` when it changed nothing. */
  readonly apply: () => string | undefined;
}

export interface SweepScope {
  readonly regions: ReadonlySet<Region>;
  readonly repositories: ReadonlySet<string> | undefined;
}

export interface Violation {
  readonly invariant: string;
  readonly detail: string;
}

interface SweepContext {
  readonly label: string;
  readonly fault: Fault;
  readonly move: MidSweepMove | undefined;
  readonly scope: SweepScope;
  calls: number;
  writes: number;
  /** Digests asked for by BatchGetImage, whatever came back. */
  manifestReads: number;
  /** `region/repository@digest` of every manifest returned in this sweep: none may be read twice. */
  readonly manifestsReturned: Set<string>;
  tagsAdded: number;
  tagsRemoved: number;
  faultsFired: number;
  moveFired: string | undefined;
  moveChecked: boolean;
  /** Call number of the world move, when it happened. */
  moveCall: number | undefined;
  /** Call number that began the latest run of consumer reads (a discovery round). */
  roundStart: number;
  previousService: ServiceName | undefined;
  /** Per repository (`region/name`): call number of its latest DescribeImages. */
  readonly repositoryRead: Map<string, number>;
  /** Per repository (`region/name`): call number of its latest GetLifecyclePolicy. */
  readonly policyRead: Map<string, number>;
}

/** What a finished sweep context saw. */
export interface SweepObservation {
  readonly calls: number;
  readonly writes: number;
  readonly manifestReads: number;
  readonly tagsAdded: number;
  readonly tagsRemoved: number;
  readonly faultsFired: number;
  /** Description of the world move made during the sweep, if one happened. */
  readonly moved: string | undefined;
}

const ECR_ACTIONS: Readonly<Record<string, string>> = {
  listRepositories: 'ecr:DescribeRepositories',
  describeRepository: 'ecr:DescribeRepositories',
  listImages: 'ecr:DescribeImages',
  repositoryTags: 'ecr:ListTagsForResource',
  getLifecyclePolicy: 'ecr:GetLifecyclePolicy',
  resolveTags: 'ecr:DescribeImages',
  getManifests: 'ecr:BatchGetImage',
  putLifecyclePolicy: 'ecr:PutLifecyclePolicy',
  putImageTag: 'ecr:PutImage',
  removeImageTag: 'ecr:BatchDeleteImage',
};

const actionOf = (service: ServiceName, method: string): string => (service === 'ecr' ? (ECR_ACTIONS[method] ?? `ecr:${method}`) : `${service}:${method}`);

const awsError = (code: string, action: string, repository?: string): AwsCallError =>
  new AwsCallError(`${action} failed: ${code}`, { action, awsCode: code, repository, cause: Object.assign(new Error(code), { name: code }) });

export const shortDigest = (digest: string): string => digest.slice(0, 19);

/** A policy text parsed once per distinct text. */
const policyCache = new Map<string, LifecyclePolicy | undefined>();
export const parsedPolicy = (text: string | undefined): LifecyclePolicy | undefined => {
  if (text === undefined) return undefined;
  if (policyCache.has(text)) return policyCache.get(text);
  const parsed = parsePolicyText(text);
  const policy = parsed.ok ? parsed.policy : undefined;
  if (policyCache.size > 5_000) policyCache.clear();
  policyCache.set(text, policy);
  return policy;
};

/** What the simulator and the reference say of one listing: the digests each would expire or archive, and where they differ. */
export interface Evaluation {
  readonly sim: ReadonlySet<Digest>;
  readonly ref: ReadonlySet<Digest>;
  /** One line per image whose verdict kind differs between the two. */
  readonly disagreements: readonly string[];
}

/** Both evaluators on one listing. */
export const evaluate = (policy: LifecyclePolicy, images: readonly ImageRecord[], now: Date): Evaluation => {
  const sim = new Set<Digest>();
  const ref = new Set<Digest>();
  const disagreements: string[] = [];
  const reference = referenceVerdicts(policy, images, now);
  for (const [digest, outcome] of reference) if (outcome.kind !== 'keep') ref.add(digest);
  for (const { image, decision } of simulatePolicy(policy, images, now).verdicts) {
    if (decision.kind !== 'keep') sim.add(image.digest);
    const other = reference.get(image.digest)?.kind;
    if (other !== decision.kind) disagreements.push(`${shortDigest(image.digest)} [${image.tags.join(',')}]: simulator ${decision.kind} (${decision.reason}), reference ${other ?? '?'}`);
  }
  return { sim, ref, disagreements };
};

/** Digests of `images` the policy would expire or archive, by the simulator and by the reference. */
export const markedDigests = (policy: LifecyclePolicy | undefined, images: readonly ImageRecord[], now: Date): Evaluation =>
  policy === undefined || images.length === 0 ? { sim: new Set(), ref: new Set(), disagreements: [] } : evaluate(policy, images, now);

// ---------------------------------------------------------------------------------------------
// The world
// ---------------------------------------------------------------------------------------------

export class World {
  now: Date;
  readonly regions: readonly Region[];
  readonly repositories: WorldRepository[] = [];
  readonly clusters: WorldCluster[] = [];
  readonly tasks: WorldTask[] = [];
  readonly services: WorldService[] = [];
  readonly revisions = new Map<string, WorldRevision>();
  readonly taskDefinitions: WorldTaskDefinition[] = [];
  readonly rules: WorldRule[] = [];
  readonly functions: WorldFunction[] = [];
  readonly jobDefinitions: WorldJobDefinition[] = [];
  readonly deletions: Deletion[] = [];
  readonly violations: Violation[] = [];
  /** Keeper writes checked against invariants 1 and 2. */
  writesChecked = 0;
  /**
   * False when ecr-keeper's role is registered with RegisterPullTimeUpdateExclusion: its BatchGetImage
   * (read before every PutImage) then does not refresh `lastRecordedPullTime`.
   */
  keeperPullsRecorded = true;
  private counter = 0;
  private ctx: SweepContext | undefined;

  constructor(now: Date, regions: readonly Region[]) {
    this.now = now;
    this.regions = regions;
  }

  next(): number {
    this.counter += 1;
    return this.counter;
  }

  newDigest(seed: string): Digest {
    return toDigest(`sha256:${createHash('sha256').update(`${seed}#${this.next()}`).digest('hex')}`);
  }

  // --- building and moving (the world's own actors: CI, users, ECS, ECR's lifecycle) ---

  addRepository(region: Region, name: string, options: { mutability?: TagMutability; resourceTags?: Record<string, string>; policyText?: string } = {}): WorldRepository {
    const repository: WorldRepository = {
      region,
      name: toRepositoryName(name),
      mutability: options.mutability ?? 'MUTABLE',
      resourceTags: { ...options.resourceTags },
      policyText: options.policyText,
      images: new Map(),
    };
    this.repositories.push(repository);
    return repository;
  }

  repository(region: Region, name: string): WorldRepository | undefined {
    return this.repositories.find((r) => r.region === region && r.name === name);
  }

  /** Pushes an image; its tags move off any other image (mutable) or are dropped when held (immutable). */
  push(
    repository: WorldRepository,
    input: { tags?: readonly string[]; pushedAt?: Date; lastPulledAt?: Date; storageClass?: StorageClass; lastArchivedAt?: Date; subjectDigest?: Digest } = {},
  ): WorldImage {
    const digest = this.newDigest(`${repository.region}/${repository.name}`);
    const tags: string[] = [];
    for (const tag of input.tags ?? []) {
      if (tags.includes(tag)) continue;
      const holder = this.holderOf(repository, tag);
      if (holder !== undefined) {
        if (repository.mutability.startsWith('IMMUTABLE')) continue;
        holder.tags = holder.tags.filter((t) => t !== tag);
      }
      tags.push(tag);
    }
    const body = JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: 2 },
      layers: [],
      ...(input.subjectDigest === undefined ? {} : { subject: { mediaType: OCI_MANIFEST, digest: input.subjectDigest, size: 2 } }),
    });
    const image: WorldImage = {
      digest,
      tags,
      pushedAt: input.pushedAt ?? this.now,
      lastPulledAt: input.lastPulledAt,
      lastArchivedAt: input.storageClass === 'archive' ? (input.lastArchivedAt ?? input.pushedAt ?? this.now) : undefined,
      storageClass: input.storageClass ?? 'standard',
      subjectDigest: input.subjectDigest,
      sizeBytes: 1_000_000 + (this.counter % 7) * 100_000,
      manifest: { body, mediaType: OCI_MANIFEST },
    };
    repository.images.set(digest, image);
    return image;
  }

  holderOf(repository: WorldRepository, tag: string): WorldImage | undefined {
    for (const image of repository.images.values()) if (image.tags.includes(tag)) return image;
    return undefined;
  }

  /** CI or a user puts `tag` on `image` (PutImage): moves it in a mutable repository; false when refused. */
  userPutTag(repository: WorldRepository, image: WorldImage, tag: string): boolean {
    if (image.tags.includes(tag)) return false;
    const holder = this.holderOf(repository, tag);
    if (holder !== undefined) {
      if (repository.mutability.startsWith('IMMUTABLE')) return false;
      holder.tags = holder.tags.filter((t) => t !== tag);
    }
    image.tags = [...image.tags, tag];
    return true;
  }

  /** Deletes an image (a user's BatchDeleteImage by digest, or ECR's lifecycle). */
  deleteImage(repository: WorldRepository, digest: Digest, by: Deleter, what: string): void {
    if (!repository.images.delete(digest)) return;
    this.deletions.push({ region: repository.region, repository: repository.name, digest, by, what });
  }

  addCluster(region: Region, name: string, tags: Record<string, string> = {}): WorldCluster {
    const cluster: WorldCluster = { region, name, arn: `arn:aws:ecs:${region}:${WORLD_ACCOUNT}:cluster/${name}`, tags };
    this.clusters.push(cluster);
    return cluster;
  }

  runTask(cluster: WorldCluster, containers: readonly WorldContainer[]): WorldTask {
    const task: WorldTask = { arn: `arn:aws:ecs:${cluster.region}:${WORLD_ACCOUNT}:task/${cluster.name}/${this.next().toString(16).padStart(32, '0')}`, clusterArn: cluster.arn, containers };
    this.tasks.push(task);
    return task;
  }

  private addRevision(service: WorldService, containers: readonly WorldContainer[]): string {
    const cluster = service.clusterArn.split('/').pop() ?? '';
    const arn = `arn:aws:ecs:${service.region}:${WORLD_ACCOUNT}:service-revision/${cluster}/${service.name}/${this.next()}`;
    this.revisions.set(arn, { arn, serviceArn: service.arn, clusterArn: service.clusterArn, containers });
    return arn;
  }

  addService(cluster: WorldCluster, name: string, containers: readonly WorldContainer[], options: { desiredCount?: number; tags?: Record<string, string> } = {}): WorldService {
    const service: WorldService = {
      region: cluster.region,
      name,
      arn: `arn:aws:ecs:${cluster.region}:${WORLD_ACCOUNT}:service/${cluster.name}/${name}`,
      clusterArn: cluster.arn,
      desiredCount: options.desiredCount ?? 1,
      tags: { ...options.tags },
      deployments: [],
    };
    this.services.push(service);
    service.deployments.push({ sources: [], target: this.addRevision(service, containers), status: 'SUCCESSFUL' });
    return service;
  }

  /** `currentServiceRevisions`: the newest deployment's target, plus its sources while it is in flight. */
  currentRevisions(service: WorldService): string[] {
    const newest = service.deployments[service.deployments.length - 1];
    if (newest === undefined) return [];
    return newest.status === 'SUCCESSFUL' ? [newest.target] : [...new Set([newest.target, ...newest.sources])];
  }

  /** What `deploymentRevisionArns` reports: source and target of deployments in flight, and the newest completed one's source. */
  deploymentRevisions(service: WorldService): string[] {
    const out: string[] = [];
    for (const d of service.deployments) if (d.status === 'IN_PROGRESS') out.push(...d.sources, d.target);
    const completed = [...service.deployments].reverse().find((d) => d.status === 'SUCCESSFUL');
    if (completed !== undefined) out.push(...completed.sources);
    return [...new Set(out)];
  }

  /** A new deployment of `service` to `containers` (UpdateService with a new task definition). */
  deploy(service: WorldService, containers: readonly WorldContainer[], status: WorldDeployment['status']): void {
    // Earlier in-flight deployments are superseded (ECS stops them once the new one starts).
    for (const d of service.deployments) if (d.status === 'IN_PROGRESS') d.status = 'SUCCESSFUL';
    const sources = this.currentRevisions(service);
    service.deployments.push({ sources, target: this.addRevision(service, containers), status });
  }

  /** ECS rollback: a new deployment back to the newest deployment's source revision; false when there is none. */
  rollback(service: WorldService): boolean {
    const newest = service.deployments[service.deployments.length - 1];
    const back = newest?.sources[0];
    if (newest === undefined || back === undefined) return false;
    for (const d of service.deployments) if (d.status === 'IN_PROGRESS') d.status = 'SUCCESSFUL';
    service.deployments.push({ sources: [newest.target], target: back, status: 'SUCCESSFUL' });
    return true;
  }

  registerTaskDefinition(region: Region, family: string, containers: readonly WorldContainer[]): WorldTaskDefinition {
    const revision = 1 + Math.max(0, ...this.taskDefinitions.filter((d) => d.region === region && d.family === family).map((d) => d.revision));
    const definition: WorldTaskDefinition = { region, family, revision, arn: `arn:aws:ecs:${region}:${WORLD_ACCOUNT}:task-definition/${family}:${revision}`, containers };
    this.taskDefinitions.push(definition);
    return definition;
  }

  addRule(cluster: WorldCluster, name: string, taskDefinition: string): WorldRule {
    const rule: WorldRule = { region: cluster.region, name, arn: `arn:aws:events:${cluster.region}:${WORLD_ACCOUNT}:rule/${name}`, clusterArn: cluster.arn, taskDefinition };
    this.rules.push(rule);
    return rule;
  }

  registerJobDefinition(region: Region, name: string, image: string): WorldJobDefinition {
    const revision = 1 + Math.max(0, ...this.jobDefinitions.filter((d) => d.region === region && d.name === name).map((d) => d.revision));
    const definition: WorldJobDefinition = { region, name, revision, image };
    this.jobDefinitions.push(definition);
    return definition;
  }

  /** Where an image string points in this world, with the digest a pull of it would get now (tag resolved now). */
  locate(image: string): { repository: WorldRepository; named?: Digest | undefined; tag?: string | undefined } | undefined {
    const match = IMAGE_STRING.exec(image);
    if (match === null || match[1] !== WORLD_ACCOUNT) return undefined;
    const repository = this.repository(toRegion(match[2] ?? ''), match[3] ?? '');
    if (repository === undefined) return undefined;
    return { repository, named: match[5] === undefined ? undefined : toDigest(match[5]), tag: match[4] };
  }

  /** Resolves what a container would pull: its recorded digest, else the digest it names, else its tag now. */
  resolveContainer(container: WorldContainer): { repository: WorldRepository; digest: Digest } | undefined {
    const where = this.locate(container.image);
    if (where === undefined) return undefined;
    const digest = container.digest ?? where.named ?? (where.tag === undefined ? undefined : this.holderOf(where.repository, where.tag)?.digest);
    return digest === undefined ? undefined : { repository: where.repository, digest };
  }

  /** The newest revision of a task definition family in a region. */
  newestTaskDefinition(region: Region, family: string): WorldTaskDefinition | undefined {
    return this.taskDefinitions.filter((d) => d.region === region && d.family === family).sort((a, b) => b.revision - a.revision)[0];
  }

  private taskDefinitionNamed(region: Region, name: string): WorldTaskDefinition | undefined {
    const tail = name.includes(':task-definition/') ? (name.split(':task-definition/').pop() ?? '') : name;
    const [family = '', revision] = tail.split(':');
    if (revision === undefined) return this.newestTaskDefinition(region, family);
    return this.taskDefinitions.find((d) => d.region === region && d.family === family && d.revision === Number(revision));
  }

  /**
   * The ground truth: every image some consumer of the account runs or may run again, whatever the
   * sweep managed to read. Running tasks; every service's current revisions (scaled to zero too) and
   * the revisions its deployments may return to; the newest revision of every task definition family
   * (run on demand) and the definitions EventBridge rules start; Lambda `$LATEST` (the digest resolved
   * at deploy); the newest revision of every Batch job definition. Tags are resolved as they are now.
   */
  truth(): Map<string, TruthEntry> {
    const out = new Map<string, TruthEntry>();
    const add = (container: WorldContainer, user: string): void => {
      const resolved = this.resolveContainer(container);
      if (resolved === undefined || !resolved.repository.images.has(resolved.digest)) return;
      const key = `${resolved.repository.region}/${resolved.repository.name}@${resolved.digest}`;
      const entry = out.get(key);
      if (entry === undefined) out.set(key, { region: resolved.repository.region, repository: resolved.repository.name, digest: resolved.digest, users: [user] });
      else entry.users.push(user);
    };
    for (const task of this.tasks) for (const c of task.containers) add(c, `task ${task.arn.split('/').pop()?.slice(-4) ?? ''}`);
    for (const service of this.services)
      for (const arn of new Set([...this.currentRevisions(service), ...this.deploymentRevisions(service)]))
        for (const c of this.revisions.get(arn)?.containers ?? []) add(c, `service ${service.region}/${service.name}`);
    const families = new Set(this.taskDefinitions.map((d) => `${d.region}\u0000${d.family}`));
    for (const key of families) {
      const [region = '', family = ''] = key.split('\u0000');
      for (const c of this.newestTaskDefinition(toRegion(region), family)?.containers ?? []) add(c, `task definition ${region}/${family}`);
    }
    for (const rule of this.rules) for (const c of this.taskDefinitionNamed(rule.region, rule.taskDefinition)?.containers ?? []) add(c, `rule ${rule.region}/${rule.name}`);
    for (const fn of this.functions) add({ image: fn.imageUri, digest: fn.resolvedDigest }, `lambda ${fn.region}/${fn.name}`);
    const newestJobs = new Map<string, WorldJobDefinition>();
    for (const d of this.jobDefinitions) {
      const key = `${d.region}/${d.name}`;
      const seen = newestJobs.get(key);
      if (seen === undefined || d.revision > seen.revision) newestJobs.set(key, d);
    }
    for (const d of newestJobs.values()) add({ image: d.image }, `batch ${d.region}/${d.name}:${d.revision}`);
    return out;
  }

  /** Truly in-use digests present in one repository, each with who uses it. */
  inUseOf(repository: WorldRepository, truth = this.truth()): Map<Digest, string[]> {
    const out = new Map<Digest, string[]>();
    for (const entry of truth.values()) if (entry.region === repository.region && entry.repository === repository.name) out.set(entry.digest, entry.users);
    return out;
  }

  /** The listing as DescribeImages shows it. */
  records(repository: WorldRepository): ImageRecord[] {
    return [...repository.images.values()].map(toRecord);
  }

  /** Truly in-use images of the repository that the policy in force would expire or archive now (simulator, reference). */
  atRisk(repository: WorldRepository, truth = this.truth()): { sim: Set<Digest>; ref: Set<Digest>; unreadable: boolean } {
    const policy = parsedPolicy(repository.policyText);
    const unreadable = repository.policyText !== undefined && policy === undefined;
    const inUse = this.inUseOf(repository, truth);
    if (inUse.size === 0 || policy === undefined) return { sim: new Set(), ref: new Set(), unreadable };
    const marked = markedDigests(policy, this.records(repository), this.now);
    for (const line of marked.disagreements) this.violation('evaluators (simulator and reference agree)', `${repository.region}/${repository.name} ${line}`);
    return { sim: new Set([...marked.sim].filter((d) => inUse.has(d))), ref: new Set([...marked.ref].filter((d) => inUse.has(d))), unreadable };
  }

  /** Images running tasks have just pulled (ECR refreshes `lastRecordedPullTime`). */
  recordPulls(): void {
    const running: WorldContainer[] = this.tasks.flatMap((t) => [...t.containers]);
    for (const service of this.services)
      if (service.desiredCount > 0) for (const arn of this.currentRevisions(service)) running.push(...(this.revisions.get(arn)?.containers ?? []));
    for (const container of running) {
      const resolved = this.resolveContainer(container);
      const image = resolved?.repository.images.get(resolved.digest);
      if (image !== undefined && image.storageClass === 'standard') image.lastPulledAt = this.now;
    }
  }

  /**
   * ECR's lifecycle run: every repository's policy in force acts (the reference evaluator decides):
   * expired images are deleted, transitioned ones archived. Returns the truly in-use images it lost.
   */
  runLifecycle(): string[] {
    const truth = this.truth();
    const lost: string[] = [];
    for (const repository of this.repositories) {
      const policy = parsedPolicy(repository.policyText);
      if (policy === undefined || repository.images.size === 0) continue;
      const inUse = this.inUseOf(repository, truth);
      const records = this.records(repository);
      for (const line of markedDigests(policy, records, this.now).disagreements) this.violation('evaluators (simulator and reference agree)', `${repository.region}/${repository.name} ${line}`);
      for (const [digest, outcome] of referenceVerdicts(policy, records, this.now)) {
        if (outcome.kind === 'keep') continue;
        if (inUse.has(digest)) lost.push(`${outcome.kind} ${repository.region}/${repository.name}@${shortDigest(digest)} (used by ${(inUse.get(digest) ?? []).join(', ')})`);
        if (outcome.kind === 'expire') this.deleteImage(repository, digest, 'lifecycle', `rule ${outcome.rulePriority ?? '?'}`);
        else {
          const image = repository.images.get(digest);
          if (image !== undefined) {
            image.storageClass = 'archive';
            image.lastArchivedAt = this.now;
          }
        }
      }
    }
    return lost;
  }

  // --- sweeps ---

  beginSweep(label: string, fault: Fault, move: MidSweepMove | undefined, scope: SweepScope): void {
    this.ctx = {
      label,
      fault,
      move,
      scope,
      calls: 0,
      writes: 0,
      manifestReads: 0,
      manifestsReturned: new Set(),
      tagsAdded: 0,
      tagsRemoved: 0,
      faultsFired: 0,
      moveFired: undefined,
      moveChecked: false,
      moveCall: undefined,
      roundStart: 0,
      previousService: undefined,
      repositoryRead: new Map(),
      policyRead: new Map(),
    };
  }

  endSweep(): SweepObservation {
    const ctx = this.ctx;
    this.ctx = undefined;
    if (ctx === undefined) throw new Error('endSweep without beginSweep');
    return { calls: ctx.calls, writes: ctx.writes, manifestReads: ctx.manifestReads, tagsAdded: ctx.tagsAdded, tagsRemoved: ctx.tagsRemoved, faultsFired: ctx.faultsFired, moved: ctx.moveFired };
  }

  violation(invariant: string, detail: string): void {
    this.violations.push({ invariant, detail: `${this.ctx === undefined ? '' : `[${this.ctx.label}, call ${this.ctx.calls}] `}${detail}` });
  }

  /** Every port call: counted, maybe a world move first, then maybe a fault. */
  enter(service: ServiceName, region: Region, method: string, write: boolean, repository?: string): void {
    const ctx = this.ctx;
    if (ctx === undefined) return;
    ctx.calls += 1;
    const consumer = service !== 'ecr';
    if (consumer && (ctx.previousService === undefined || ctx.previousService === 'ecr')) ctx.roundStart = ctx.calls;
    ctx.previousService = service;
    if (method === 'listImages' && repository !== undefined) ctx.repositoryRead.set(`${region}/${repository}`, ctx.calls);
    if (method === 'getLifecyclePolicy' && repository !== undefined) ctx.policyRead.set(`${region}/${repository}`, ctx.calls);
    const move = ctx.move;
    if (move !== undefined && !ctx.moveChecked) {
      const t = move.trigger;
      const due = t.kind === 'call' ? ctx.calls >= t.at : t.kind === 'first-write' ? write : t.method === method;
      if (due) {
        ctx.moveChecked = true;
        ctx.moveFired = move.apply();
        if (ctx.moveFired !== undefined) ctx.moveCall = ctx.calls;
      }
    }
    const f = ctx.fault;
    const action = actionOf(service, method);
    if (f.kind === 'fail' && ctx.calls === f.at) {
      ctx.faultsFired += 1;
      throw awsError(f.code, action, repository);
    }
    if (f.kind === 'timeout' && ctx.calls > f.at) {
      ctx.faultsFired += 1;
      throw new AwsCallError(`${action}: Task timed out (the Lambda ran out of time)`, { action, awsCode: 'TimeoutError', repository });
    }
    if (f.kind === 'consumer' && f.service === service && f.region === region) {
      ctx.faultsFired += 1;
      throw awsError(f.code, action, repository);
    }
    if (f.kind === 'policy-after-tags' && method === 'putLifecyclePolicy' && ctx.tagsAdded > 0) {
      ctx.faultsFired += 1;
      throw awsError(f.code, action, repository);
    }
    if (write) {
      ctx.writes += 1;
      if (!ctx.scope.regions.has(region) || (ctx.scope.repositories !== undefined && repository !== undefined && !ctx.scope.repositories.has(repository)))
        this.violation('scope', `${method} on ${region}/${repository ?? '?'}, outside the sweep's scope`);
    }
  }

  /**
   * Runs one ecr-keeper write against `repository` and checks it: (1) no image deleted by it;
   * (2) no truly in-use image newly at risk under the policy in force, by the simulator or the reference.
   */
  keeperWrite<T>(repository: WorldRepository, what: string, apply: () => T): T {
    const truth = this.truth();
    const before = this.atRisk(repository, truth);
    const deletionsBefore = this.deletions.length;
    const result = apply();
    this.writesChecked += 1;
    for (const d of this.deletions.slice(deletionsBefore))
      if (d.by === 'ecr-keeper') this.violation('1 (never deletes an image)', `${what} deleted ${d.region}/${d.repository}@${shortDigest(d.digest)}`);
    const after = this.atRisk(repository, truth);
    const inUse = this.inUseOf(repository, truth);
    // `2-race`: the world moved (mid-sweep move) after ecr-keeper's latest read of the consumers or of
    // this repository, so the write was decided on a state that no longer held. A repository is read
    // in two calls (its listing and its policy, in either order): the move races the read if it came
    // after the earlier of the two.
    const ctx = this.ctx;
    const key = `${repository.region}/${repository.name}`;
    const read = Math.min(ctx?.repositoryRead.get(key) ?? 0, ctx?.policyRead.get(key) ?? Number.MAX_SAFE_INTEGER);
    const race = ctx?.moveCall !== undefined && (ctx.moveCall > ctx.roundStart || ctx.moveCall > read);
    const id = race ? `2-race (no write puts an in-use image at risk; the world moved after ecr-keeper's last read: ${ctx?.moveFired ?? ''})` : '2 (no write puts an in-use image at risk)';
    for (const [evaluator, b, a] of [['simulator', before.sim, after.sim], ['reference', before.ref, after.ref]] as const) {
      const fresh = [...a].filter((d) => !b.has(d));
      for (const digest of fresh) {
        const image = repository.images.get(digest);
        this.violation(id, `${what} put in-use ${repository.region}/${repository.name}@${shortDigest(digest)} [${image?.tags.map((t) => (/-(keep|kept)-[0-9a-f]{64}$/.test(t) ? t.slice(0, t.indexOf('-ke') + 7) + '…' : t)).join(',') ?? '?'}] at risk (${evaluator}); used by ${(inUse.get(digest) ?? []).join(', ')}`);
      }
    }
    if (after.unreadable && !before.unreadable) this.violation('2 (no write puts an in-use image at risk)', `${what} left a policy that cannot be parsed`);
    return result;
  }

  /** Counts a keeper write that landed, for comparing with the report. */
  countWrite(what: 'tagsAdded' | 'tagsRemoved'): void {
    if (this.ctx !== undefined) this.ctx[what] += 1;
  }

  /** Manifests asked for by one BatchGetImage (a pull each, in ECR). */
  countManifestReads(digests: number): void {
    if (this.ctx !== undefined) this.ctx.manifestReads += digests;
  }

  /** A manifest BatchGetImage returned: one sweep reads each manifest at most once (its bytes never change). */
  manifestReturned(region: Region, repository: string, digest: Digest): void {
    const key = `${region}/${repository}@${digest}`;
    if (this.ctx === undefined) return;
    if (this.ctx.manifestsReturned.has(key)) this.violation('manifest-once (no manifest read twice in one sweep)', `${region}/${repository}@${shortDigest(digest)} read again`);
    this.ctx.manifestsReturned.add(key);
  }

  // --- ports ---

  adapters(region: Region): RegionAdapters {
    return {
      region,
      ecr: new WorldEcr(this, region),
      ecs: new WorldEcs(this, region),
      inspector: new WorldInspector(this, region),
      events: new WorldEvents(this, region),
      scheduler: new WorldScheduler(this, region),
      lambda: new WorldLambda(this, region),
      batch: new WorldBatch(this, region),
    };
  }
}

export const toRecord = (image: WorldImage): ImageRecord => ({
  digest: image.digest,
  tags: [...image.tags],
  pushedAt: image.pushedAt,
  lastPulledAt: image.lastPulledAt,
  lastArchivedAt: image.lastArchivedAt,
  lastActivatedAt: image.lastActivatedAt,
  storageClass: image.storageClass,
  sizeBytes: image.sizeBytes,
  manifestMediaType: image.manifest.mediaType,
  subjectDigest: image.subjectDigest,
});

const repositoryOf = (repository: WorldRepository): Repository => ({
  name: repository.name,
  arn: `arn:aws:ecr:${repository.region}:${WORLD_ACCOUNT}:repository/${repository.name}`,
  registryId: WORLD_ACCOUNT,
  region: repository.region,
  uri: `${registryHost(repository.region)}/${repository.name}`,
  tagMutability: repository.mutability,
});

class WorldEcr implements EcrPort {
  constructor(
    private readonly world: World,
    readonly region: Region,
  ) {}

  private existing(method: string, name: string): WorldRepository {
    const repository = this.world.repository(this.region, name);
    if (repository === undefined) throw awsError('RepositoryNotFoundException', actionOf('ecr', method), name);
    return repository;
  }

  async *listRepositories(): AsyncIterable<Repository> {
    this.world.enter('ecr', this.region, 'listRepositories', false);
    for (const r of this.world.repositories.filter((x) => x.region === this.region)) yield repositoryOf(r);
  }

  async describeRepository(name: RepositoryName): Promise<Repository | undefined> {
    this.world.enter('ecr', this.region, 'describeRepository', false, name);
    const repository = this.world.repository(this.region, name);
    return repository === undefined ? undefined : repositoryOf(repository);
  }

  async listImages(name: RepositoryName): Promise<ImageRecord[]> {
    this.world.enter('ecr', this.region, 'listImages', false, name);
    return [...this.existing('listImages', name).images.values()].map(toRecord);
  }

  async repositoryTags(repositoryArn: string): Promise<Readonly<Record<string, string>>> {
    this.world.enter('ecr', this.region, 'repositoryTags', false);
    const repository = this.world.repositories.find((r) => repositoryOf(r).arn === repositoryArn);
    if (repository === undefined) throw awsError('RepositoryNotFoundException', actionOf('ecr', 'repositoryTags'), repositoryArn);
    return { ...repository.resourceTags };
  }

  async getLifecyclePolicy(name: RepositoryName): Promise<StoredPolicy | undefined> {
    this.world.enter('ecr', this.region, 'getLifecyclePolicy', false, name);
    const text = this.existing('getLifecyclePolicy', name).policyText;
    return text === undefined ? undefined : { text };
  }

  async resolveTags(name: RepositoryName, tags: readonly string[]): Promise<ReadonlyMap<string, Digest>> {
    this.world.enter('ecr', this.region, 'resolveTags', false, name);
    const repository = this.existing('resolveTags', name);
    const out = new Map<string, Digest>();
    for (const tag of tags) {
      const holder = this.world.holderOf(repository, tag);
      if (holder !== undefined) out.set(tag, holder.digest);
    }
    return out;
  }

  /**
   * BatchGetImage by digest (one call here, one per 100 digests at the wire): counts as a pull for
   * every image returned. ECR serves no manifest of an archived image: the whole call fails.
   */
  async getManifests(name: RepositoryName, digests: readonly Digest[]): Promise<ReadonlyMap<Digest, Manifest>> {
    const wanted = [...new Set(digests)];
    this.world.countManifestReads(wanted.length); // asked for, even if the call then fails
    this.world.enter('ecr', this.region, 'getManifests', false, name);
    const repository = this.existing('getManifests', name);
    const found = wanted.flatMap((digest) => {
      const image = repository.images.get(digest);
      return image === undefined ? [] : [image];
    });
    if (found.some((image) => image.storageClass === 'archive')) throw awsError('ImageArchivedException', actionOf('ecr', 'getManifests'), name);
    const out = new Map<Digest, Manifest>();
    for (const image of found) {
      if (this.world.keeperPullsRecorded) image.lastPulledAt = this.world.now;
      this.world.manifestReturned(this.region, name, image.digest);
      out.set(image.digest, { digest: image.digest, body: image.manifest.body, mediaType: image.manifest.mediaType });
    }
    return out;
  }

  async putLifecyclePolicy(name: RepositoryName, policyText: string): Promise<void> {
    this.world.enter('ecr', this.region, 'putLifecyclePolicy', true, name);
    const repository = this.existing('putLifecyclePolicy', name);
    if (policyText.length < 100 || policyText.length > 30_720) throw awsError('InvalidParameterException', actionOf('ecr', 'putLifecyclePolicy'), name);
    try {
      JSON.parse(policyText);
    } catch {
      throw awsError('InvalidParameterException', actionOf('ecr', 'putLifecyclePolicy'), name);
    }
    this.world.keeperWrite(repository, `PutLifecyclePolicy ${this.region}/${name}`, () => {
      repository.policyText = policyText;
    });
  }

  async putImageTag(name: RepositoryName, manifest: Manifest, tag: string): Promise<PutTagOutcome> {
    this.world.enter('ecr', this.region, 'putImageTag', true, name);
    const action = actionOf('ecr', 'putImageTag');
    const repository = this.existing('putImageTag', name);
    if (!TAG.test(tag)) throw awsError('InvalidParameterException', action, name);
    const target = repository.images.get(manifest.digest);
    if (target === undefined) throw awsError('LayersNotFoundException', action, name);
    if (target.storageClass === 'archive') throw awsError('ImageArchivedException', action, name);
    if (manifest.body !== target.manifest.body || manifest.mediaType !== target.manifest.mediaType) throw awsError('ImageDigestDoesNotMatchException', action, name);
    if (target.tags.includes(tag)) return 'already-present';
    const holder = this.world.holderOf(repository, tag);
    if (holder !== undefined && repository.mutability.startsWith('IMMUTABLE')) throw awsError('ImageTagAlreadyExistsException', action, name);
    return this.world.keeperWrite(repository, `PutImage ${this.region}/${name}@${shortDigest(manifest.digest)} +${tag}`, () => {
      if (holder !== undefined) holder.tags = holder.tags.filter((t) => t !== tag);
      target.tags = [...target.tags, tag];
      this.bump('tagsAdded');
      return 'added' as const;
    });
  }

  /** BatchDeleteImage by tag: removing an image's last tag deletes the image. An absent tag is `ImageNotFound`. */
  async removeImageTag(name: RepositoryName, tag: string): Promise<void> {
    this.world.enter('ecr', this.region, 'removeImageTag', true, name);
    const repository = this.existing('removeImageTag', name);
    const holder = this.world.holderOf(repository, tag);
    if (holder === undefined) {
      // Already gone: the sweep counts it as released, so the comparison with the report does too.
      this.bump('tagsRemoved');
      throw awsError('ImageNotFound', actionOf('ecr', 'removeImageTag'), name);
    }
    this.world.keeperWrite(repository, `BatchDeleteImage ${this.region}/${name}:${tag}`, () => {
      if (holder.tags.length === 1) this.world.deleteImage(repository, holder.digest, 'ecr-keeper', `BatchDeleteImage of its last tag ${tag}`);
      else holder.tags = holder.tags.filter((t) => t !== tag);
      this.bump('tagsRemoved');
    });
  }

  private bump(what: 'tagsAdded' | 'tagsRemoved'): void {
    this.world.countWrite(what);
  }
}

class WorldEcs implements EcsPort {
  constructor(
    private readonly world: World,
    readonly region: Region,
  ) {}

  private cluster(method: string, arn: string): WorldCluster {
    const cluster = this.world.clusters.find((c) => c.arn === arn);
    if (cluster === undefined) throw awsError('ClusterNotFoundException', actionOf('ecs', method));
    return cluster;
  }

  private static container(c: WorldContainer): { image: string; imageDigest?: Digest | undefined } {
    return { image: c.image, imageDigest: c.digest };
  }

  async *listClusters(): AsyncIterable<Cluster> {
    this.world.enter('ecs', this.region, 'listClusters', false);
    for (const c of this.world.clusters.filter((x) => x.region === this.region)) yield { arn: c.arn, name: c.name, tags: { ...c.tags } };
  }

  /** Standalone tasks, and one task per current revision of every service that is scaled up. */
  async *listTasks(clusterArn: string): AsyncIterable<Task> {
    this.world.enter('ecs', this.region, 'listTasks', false);
    this.cluster('listTasks', clusterArn);
    const tasks: Task[] = this.world.tasks
      .filter((t) => t.clusterArn === clusterArn)
      .map((t) => ({ arn: t.arn, clusterArn, lastStatus: 'RUNNING', launchType: 'FARGATE', tags: {}, containers: t.containers.map(WorldEcs.container) }));
    for (const service of this.world.services.filter((s) => s.clusterArn === clusterArn && s.desiredCount > 0))
      for (const arn of this.world.currentRevisions(service))
        tasks.push({
          arn: `${arn.replace(':service-revision/', ':task/')}-t`,
          clusterArn,
          group: `service:${service.name}`,
          lastStatus: 'RUNNING',
          launchType: 'FARGATE',
          tags: {},
          containers: (this.world.revisions.get(arn)?.containers ?? []).map(WorldEcs.container),
        });
    for (const task of tasks) yield task;
  }

  async *listServices(clusterArn: string): AsyncIterable<Service> {
    this.world.enter('ecs', this.region, 'listServices', false);
    this.cluster('listServices', clusterArn);
    for (const s of this.world.services.filter((x) => x.clusterArn === clusterArn))
      yield { arn: s.arn, name: s.name, clusterArn, desiredCount: s.desiredCount, tags: { ...s.tags }, currentRevisionArns: this.world.currentRevisions(s) };
  }

  async deploymentRevisionArns(clusters: readonly ClusterServices[]): Promise<ReadonlyMap<string, DeploymentRevisions>> {
    this.world.enter('ecs', this.region, 'deploymentRevisionArns', false);
    const result = new Map<string, DeploymentRevisions>();
    for (const { clusterArn, serviceArns } of clusters) {
      this.cluster('deploymentRevisionArns', clusterArn);
      const byService = new Map<string, readonly string[]>();
      for (const arn of serviceArns) {
        const service = this.world.services.find((s) => s.arn === arn);
        byService.set(arn, service === undefined ? [] : this.world.deploymentRevisions(service));
      }
      result.set(clusterArn, { byService, failures: new Map() });
    }
    return result;
  }

  async describeServiceRevisions(arns: readonly string[]): Promise<readonly ServiceRevision[]> {
    this.world.enter('ecs', this.region, 'describeServiceRevisions', false);
    return arns.flatMap((arn) => {
      const r = this.world.revisions.get(arn);
      return r === undefined ? [] : [{ arn: r.arn, serviceArn: r.serviceArn, clusterArn: r.clusterArn, containerImages: r.containers.map(WorldEcs.container) }];
    });
  }

  async describeTaskDefinitions(arnsOrFamilies: readonly string[]): Promise<ReadonlyMap<string, TaskDefinitionImages>> {
    this.world.enter('ecs', this.region, 'describeTaskDefinitions', false);
    const out = new Map<string, TaskDefinitionImages>();
    for (const name of arnsOrFamilies) {
      const tail = name.includes(':task-definition/') ? (name.split(':task-definition/').pop() ?? '') : name;
      const [family = '', revision] = tail.split(':');
      const d =
        revision === undefined
          ? this.world.newestTaskDefinition(this.region, family)
          : this.world.taskDefinitions.find((x) => x.region === this.region && x.family === family && x.revision === Number(revision));
      if (d !== undefined) out.set(name, { arn: d.arn, family: d.family, revision: d.revision, tags: {}, containerImages: d.containers.map(WorldEcs.container) });
    }
    return out;
  }

  async *listTaskDefinitionFamilies(): AsyncIterable<string> {
    this.world.enter('ecs', this.region, 'listTaskDefinitionFamilies', false);
    for (const family of new Set(this.world.taskDefinitions.filter((d) => d.region === this.region).map((d) => d.family))) yield family;
  }

  async newestTaskDefinitionArns(family: string, count: number): Promise<readonly string[]> {
    this.world.enter('ecs', this.region, 'newestTaskDefinitionArns', false);
    return this.world.taskDefinitions
      .filter((d) => d.region === this.region && d.family === family)
      .sort((a, b) => b.revision - a.revision)
      .slice(0, count)
      .map((d) => d.arn);
  }
}

class WorldInspector implements InspectorPort {
  constructor(
    private readonly world: World,
    readonly region: Region,
  ) {}

  async findingsForImages(_repository: RepositoryName, _digests: readonly Digest[]): Promise<ReadonlyMap<Digest, ImageFindings>> {
    this.world.enter('inspector', this.region, 'findingsForImages', false);
    return new Map();
  }

  /** The world keeps no Inspector coverage: every consumer is read directly. */
  async *imagesInUseSince(_since: Date): AsyncIterable<CoveredImage> {
    this.world.enter('inspector', this.region, 'imagesInUseSince', false);
    yield* [];
  }
}

class WorldEvents implements EventsPort {
  constructor(
    private readonly world: World,
    readonly region: Region,
  ) {}

  async *ecsTaskTargets(): AsyncIterable<ScheduledEcsTask> {
    this.world.enter('events', this.region, 'ecsTaskTargets', false);
    for (const r of this.world.rules.filter((x) => x.region === this.region))
      yield { arn: r.arn, group: 'default', name: r.name, state: 'ENABLED', clusterArn: r.clusterArn, taskDefinition: r.taskDefinition };
  }
}

class WorldScheduler implements SchedulerPort {
  constructor(
    private readonly world: World,
    readonly region: Region,
  ) {}

  /** The world has no EventBridge Scheduler schedules (its rules stand for scheduled tasks). */
  async *ecsTaskTargets(): AsyncIterable<ScheduledEcsTask> {
    this.world.enter('scheduler', this.region, 'ecsTaskTargets', false);
    yield* [];
  }
}

class WorldLambda implements LambdaPort {
  constructor(
    private readonly world: World,
    readonly region: Region,
  ) {}

  private arnOf(fn: WorldFunction): string {
    return `arn:aws:lambda:${fn.region}:${WORLD_ACCOUNT}:function:${fn.name}`;
  }

  async *listImageFunctions(): AsyncIterable<LambdaImageFunction> {
    this.world.enter('lambda', this.region, 'listImageFunctions', false);
    for (const fn of this.world.functions.filter((f) => f.region === this.region)) yield { name: fn.name, arn: this.arnOf(fn) };
  }

  async listAliases(_functionName: string): Promise<readonly LambdaAlias[]> {
    this.world.enter('lambda', this.region, 'listAliases', false);
    return [];
  }

  async getFunctionCode(functionName: string, qualifier: string): Promise<LambdaFunctionCode | undefined> {
    this.world.enter('lambda', this.region, 'getFunctionCode', false);
    const fn = this.world.functions.find((f) => f.region === this.region && f.name === functionName);
    if (fn === undefined || qualifier !== '$LATEST') return undefined;
    const repositoryPart = fn.imageUri.split('@')[0]?.replace(/:[^:/]+$/, '') ?? fn.imageUri;
    return {
      arn: `${this.arnOf(fn)}:$LATEST`,
      version: '$LATEST',
      imageUri: fn.imageUri,
      resolvedImageUri: fn.resolvedDigest === undefined ? undefined : `${repositoryPart}@${fn.resolvedDigest}`,
      state: 'Active',
      tags: {},
    };
  }
}

class WorldBatch implements BatchPort {
  constructor(
    private readonly world: World,
    readonly region: Region,
  ) {}

  async *listActiveJobDefinitions(): AsyncIterable<BatchJobDefinition> {
    this.world.enter('batch', this.region, 'listActiveJobDefinitions', false);
    for (const d of this.world.jobDefinitions.filter((x) => x.region === this.region))
      yield {
        name: d.name,
        revision: d.revision,
        arn: `arn:aws:batch:${d.region}:${WORLD_ACCOUNT}:job-definition/${d.name}:${d.revision}`,
        tags: {},
        containerImages: [{ image: d.image }],
      };
  }
}

/** Days before `now`, plus an hour so that day boundaries are not hit exactly. */
export const daysBefore = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS - 3_600_000);
export const addDays = (now: Date, days: number): Date => new Date(now.getTime() + days * DAY_MS);
