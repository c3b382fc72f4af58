/**
 * In-memory fakes of the AWS ports, for unit tests of the core (planner, sweep, in-use set).
 * They follow the behaviour in docs/ecr-facts.md: a tag put on another digest moves in a mutable
 * repository and is refused in an immutable one, removing an image's last tag deletes the image,
 * reading a manifest counts as a pull. Every call is recorded in `calls`; `failOn` injects faults.
 *
 * @example
 * const ecr = new FakeEcr()
 *   .withRepository('team/api', { tagMutability: 'IMMUTABLE' })
 *   .withImage('team/api', { digest: digestOf('v1'), tags: ['v1'] });
 * ecr.failOn = (method) => (method === 'putImageTag' ? awsError('AccessDeniedException', 'ecr:PutImage') : undefined);
 */
import {
  toAccountId,
  toRegion,
  toRepositoryName,
  type AccountId,
  type Digest,
  type ImageRecord,
  type Region,
  type Repository,
  type RepositoryName,
  type TagMutability,
} from '../../src/lib/domain/types.js';
import type {
  BatchJobDefinition,
  BatchPort,
  Cluster,
  ContainerImage,
  CoveredImage,
  ClusterServices,
  DeploymentRevisions,
  EcrPort,
  EcsPort,
  EventsPort,
  ImageFindingCounts,
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
  Tags,
  Task,
  TaskDefinitionImages,
} from '../../src/lib/aws/ports.js';
import { ECR_WRITE_METHODS } from '../../src/lib/aws/ports.js';
import { AwsCallError, ReadOnlyViolationError } from '../../src/lib/errors.js';
import { imageFactory } from './factories.js';

/** One recorded port call: the method name and its arguments as passed. */
export interface RecordedCall<M extends string = string> {
  readonly method: M;
  readonly args: readonly unknown[];
}

/** Fault injection: return an error to make the call throw it, `undefined` to let it run. May have side effects. */
export type FailOn<M extends string = string> = (method: M, args: readonly unknown[]) => Error | undefined;

/** An `AwsCallError` as the adapters throw it, e.g. `awsError('AccessDeniedException', 'ecr:PutImage')`. */
export const awsError = (awsCode: string, action: string, repository?: string): AwsCallError =>
  new AwsCallError(`${action} failed: ${awsCode}`, { action, awsCode, repository, cause: Object.assign(new Error(awsCode), { name: awsCode }) });

const DEFAULT_REGION = toRegion('us-east-1');
const DEFAULT_ACCOUNT = toAccountId('123456789012');
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const MAX_TAGS_PER_IMAGE = 1000;

/** Options shared by the fakes. */
export interface FakeOptions {
  readonly region?: string;
  readonly accountId?: string;
}

class Recorder<M extends string> {
  readonly calls: RecordedCall<M>[] = [];
  /** Set at any time; consulted at the start of every call, after it is recorded (for listings: at the first `next()`). */
  failOn: FailOn<M> | undefined;

  protected enter(method: M, args: readonly unknown[]): void {
    this.calls.push({ method, args });
    const error = this.failOn?.(method, args);
    if (error) throw error;
  }

  /** Calls of one method, in order. */
  callsOf(method: M): RecordedCall<M>[] {
    return this.calls.filter((c) => c.method === method);
  }
}

// ---------------------------------------------------------------------------------------------
// ECR
// ---------------------------------------------------------------------------------------------

/** The methods of `EcrPort`, as recorded in `FakeEcr.calls`. */
export type EcrMethod = Exclude<keyof EcrPort, 'region'>;

/** Repository options for `FakeEcr.withRepository`. */
export interface FakeRepositoryOptions {
  readonly tagMutability?: TagMutability;
  /** Repository resource tags (`ListTagsForResource`). */
  readonly tags?: Readonly<Record<string, string>>;
  /** Current lifecycle policy text. */
  readonly policy?: string;
  readonly createdAt?: Date;
}

/** Image fields for `FakeEcr.withImage`: any `ImageRecord` field, plus the stored manifest. */
export type FakeImageInput = Partial<ImageRecord> & {
  /** Manifest bytes; defaults to a small OCI manifest unique to the digest. */
  readonly manifestBody?: string;
};

interface StoredImage {
  record: ImageRecord;
  readonly manifest: { readonly body: string; readonly mediaType: string };
}

interface StoredRepository {
  readonly repository: Repository;
  tags: Record<string, string>;
  policy: StoredPolicy | undefined;
  readonly images: Map<Digest, StoredImage>;
}

const ECR_ACTION: Record<EcrMethod, string> = {
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

const WRITE_METHODS: ReadonlySet<string> = new Set(ECR_WRITE_METHODS);

/** Options for `FakeEcr`. */
export interface FakeEcrOptions extends FakeOptions {
  /** Clock for pull times set by `getManifests`; defaults to `new Date()`. */
  readonly now?: () => Date;
  /** Write methods throw `ReadOnlyViolationError` (audit and dry-run tests). */
  readonly readOnly?: boolean;
}

/** In-memory ECR registry of one account and region, implementing `EcrPort` faithfully. */
export class FakeEcr extends Recorder<EcrMethod> implements EcrPort {
  readonly region: Region;
  readonly registryId: AccountId;
  private readonly repositories = new Map<string, StoredRepository>();
  private readonly now: () => Date;
  private readonly readOnly: boolean;

  constructor(options: FakeEcrOptions = {}) {
    super();
    this.region = toRegion(options.region ?? DEFAULT_REGION);
    this.registryId = toAccountId(options.accountId ?? DEFAULT_ACCOUNT);
    this.now = options.now ?? (() => new Date());
    this.readOnly = options.readOnly ?? false;
  }

  // --- builders (not recorded) ---

  /** Adds (or replaces) an empty repository; chainable. */
  withRepository(name: string, options: FakeRepositoryOptions = {}): this {
    const repositoryName = toRepositoryName(name);
    const host = `${this.registryId}.dkr.ecr.${this.region}.amazonaws.com`;
    this.repositories.set(name, {
      repository: {
        name: repositoryName,
        arn: `arn:aws:ecr:${this.region}:${this.registryId}:repository/${name}`,
        registryId: this.registryId,
        region: this.region,
        uri: `${host}/${name}`,
        tagMutability: options.tagMutability ?? 'MUTABLE',
        createdAt: options.createdAt,
      },
      tags: { ...options.tags },
      policy: options.policy === undefined ? undefined : { text: options.policy },
      images: new Map(),
    });
    return this;
  }

  /**
   * Adds an image (defaults from `imageFactory`) to a repository, creating the repository if needed;
   * its tags are taken from any image holding them. Chainable.
   */
  withImage(repository: string, input: FakeImageInput = {}): this {
    if (!this.repositories.has(repository)) this.withRepository(repository);
    const stored = this.repo(repository);
    const { manifestBody, ...fields } = input;
    const record = imageFactory({ manifestMediaType: OCI_MANIFEST, ...fields });
    for (const tag of record.tags) this.detachTag(stored, tag);
    stored.images.set(record.digest, {
      record,
      manifest: { body: manifestBody ?? defaultManifest(record.digest), mediaType: record.manifestMediaType ?? OCI_MANIFEST },
    });
    return this;
  }

  /** Adds several images to one repository; chainable. */
  withImages(repository: string, inputs: readonly FakeImageInput[]): this {
    for (const input of inputs) this.withImage(repository, input);
    return this;
  }

  /** Deletes a repository and its images, e.g. from a `failOn` hook to simulate a race. */
  deleteRepository(name: string): void {
    this.repositories.delete(name);
  }

  /** Deletes one image (as a lifecycle expiry would). */
  deleteImage(repository: string, digest: Digest): void {
    this.repositories.get(repository)?.images.delete(digest);
  }

  // --- inspection (not recorded) ---

  /** The calls that write: putLifecyclePolicy, putImageTag, removeImageTag. */
  writeCalls(): RecordedCall<EcrMethod>[] {
    return this.calls.filter((c) => WRITE_METHODS.has(c.method));
  }

  /** The current record of an image, or `undefined` when it does not exist. */
  image(repository: string, digest: Digest): ImageRecord | undefined {
    return this.repositories.get(repository)?.images.get(digest)?.record;
  }

  /** Every image of a repository (empty when the repository does not exist). */
  imagesOf(repository: string): ImageRecord[] {
    return [...(this.repositories.get(repository)?.images.values() ?? [])].map((i) => i.record);
  }

  /** The tags of an image (empty when it does not exist). */
  tagsOf(repository: string, digest: Digest): readonly string[] {
    return this.image(repository, digest)?.tags ?? [];
  }

  /** The stored policy text, or `undefined`. */
  policyOf(repository: string): string | undefined {
    return this.repositories.get(repository)?.policy?.text;
  }

  /** The stored manifest of an image, as `getManifests` would return it (without counting as a pull). */
  manifestOf(repository: string, digest: Digest): Manifest | undefined {
    const image = this.repositories.get(repository)?.images.get(digest);
    return image ? { digest, ...image.manifest } : undefined;
  }

  // --- EcrPort ---

  async *listRepositories(): AsyncIterable<Repository> {
    this.enter('listRepositories', []);
    for (const stored of [...this.repositories.values()]) yield stored.repository;
  }

  async describeRepository(name: RepositoryName): Promise<Repository | undefined> {
    this.enter('describeRepository', [name]);
    return this.repositories.get(name)?.repository;
  }

  async listImages(repository: RepositoryName): Promise<ImageRecord[]> {
    this.enter('listImages', [repository]);
    const stored = this.existing('listImages', repository);
    return [...stored.images.values()].map((image) => image.record);
  }

  async repositoryTags(repositoryArn: string): Promise<Readonly<Record<string, string>>> {
    this.enter('repositoryTags', [repositoryArn]);
    const stored = [...this.repositories.values()].find((r) => r.repository.arn === repositoryArn);
    if (!stored) throw awsError('RepositoryNotFoundException', ECR_ACTION.repositoryTags, repositoryArn);
    return { ...stored.tags };
  }

  async getLifecyclePolicy(repository: RepositoryName): Promise<StoredPolicy | undefined> {
    this.enter('getLifecyclePolicy', [repository]);
    return this.existing('getLifecyclePolicy', repository).policy;
  }

  async resolveTags(repository: RepositoryName, tags: readonly string[]): Promise<ReadonlyMap<string, Digest>> {
    this.enter('resolveTags', [repository, [...tags]]);
    const stored = this.existing('resolveTags', repository);
    const resolved = new Map<string, Digest>();
    for (const image of stored.images.values())
      for (const tag of image.record.tags) if (tags.includes(tag)) resolved.set(tag, image.record.digest);
    return resolved;
  }

  /**
   * One recorded call however many digests (the adapter sends one BatchGetImage per 100). Counts as
   * a pull: sets `lastPulledAt` to `now()` on every image returned (BatchGetImage refreshes
   * lastRecordedPullTime). Digests the repository does not hold are absent from the map.
   */
  async getManifests(repository: RepositoryName, digests: readonly Digest[]): Promise<ReadonlyMap<Digest, Manifest>> {
    this.enter('getManifests', [repository, [...digests]]);
    const images = this.existing('getManifests', repository).images;
    const manifests = new Map<Digest, Manifest>();
    for (const digest of new Set(digests)) {
      const image = images.get(digest);
      if (!image) continue;
      image.record = { ...image.record, lastPulledAt: this.now() };
      manifests.set(digest, { digest, ...image.manifest });
    }
    return manifests;
  }

  /** Refuses text outside 100..30,720 characters or not JSON (`InvalidParameterException`), as ECR does. */
  async putLifecyclePolicy(repository: RepositoryName, policyText: string): Promise<void> {
    this.enter('putLifecyclePolicy', [repository, policyText]);
    this.writable('putLifecyclePolicy');
    const stored = this.existing('putLifecyclePolicy', repository);
    if (policyText.length < 100 || policyText.length > 30_720 || !isJson(policyText))
      throw awsError('InvalidParameterException', ECR_ACTION.putLifecyclePolicy, repository);
    stored.policy = { text: policyText };
  }

  /**
   * PutImage semantics: the manifest must be byte-identical to the stored one
   * (`ImageDigestDoesNotMatchException` otherwise) and the image must still exist
   * (`LayersNotFoundException` once it was deleted). A tag already on this digest is
   * `already-present`; a tag on another digest moves in a mutable repository (the other image
   * stays, possibly untagged) and is refused with `ImageTagAlreadyExistsException` in an
   * immutable one (`IMMUTABLE_WITH_EXCLUSION` counts as immutable: the fake has no exclusion filters).
   */
  async putImageTag(repository: RepositoryName, manifest: Manifest, tag: string): Promise<PutTagOutcome> {
    this.enter('putImageTag', [repository, manifest, tag]);
    this.writable('putImageTag');
    const action = ECR_ACTION.putImageTag;
    const stored = this.existing('putImageTag', repository);
    if (!TAG.test(tag)) throw awsError('InvalidParameterException', action, repository);
    const target = stored.images.get(manifest.digest);
    if (!target) throw awsError('LayersNotFoundException', action, repository);
    if (manifest.body !== target.manifest.body || manifest.mediaType !== target.manifest.mediaType)
      throw awsError('ImageDigestDoesNotMatchException', action, repository);
    if (target.record.tags.includes(tag)) return 'already-present';
    const holder = [...stored.images.values()].find((i) => i.record.tags.includes(tag));
    if (holder) {
      if (stored.repository.tagMutability.startsWith('IMMUTABLE')) throw awsError('ImageTagAlreadyExistsException', action, repository);
      this.detachTag(stored, tag);
    }
    if (target.record.tags.length >= MAX_TAGS_PER_IMAGE) throw awsError('LimitExceededException', action, repository);
    target.record = { ...target.record, tags: [...target.record.tags, tag] };
    return 'added';
  }

  /** BatchDeleteImage by tag: removing an image's last tag deletes the image. An absent tag is a no-op. */
  async removeImageTag(repository: RepositoryName, tag: string): Promise<void> {
    this.enter('removeImageTag', [repository, tag]);
    this.writable('removeImageTag');
    const stored = this.existing('removeImageTag', repository);
    const holder = [...stored.images.values()].find((i) => i.record.tags.includes(tag));
    if (!holder) return;
    if (holder.record.tags.length === 1) stored.images.delete(holder.record.digest);
    else holder.record = { ...holder.record, tags: holder.record.tags.filter((t) => t !== tag) };
  }

  // --- internals ---

  private repo(name: string): StoredRepository {
    const stored = this.repositories.get(name);
    if (!stored) throw new Error(`FakeEcr: no repository ${name}`);
    return stored;
  }

  private existing(method: EcrMethod, name: string): StoredRepository {
    const stored = this.repositories.get(name);
    if (!stored) throw awsError('RepositoryNotFoundException', ECR_ACTION[method], name);
    return stored;
  }

  private writable(method: EcrMethod): void {
    if (this.readOnly) throw new ReadOnlyViolationError(`${ECR_ACTION[method]} attempted through a read-only port`);
  }

  // The other image keeps existing even with no tag left: moving a tag never deletes an image.
  private detachTag(stored: StoredRepository, tag: string): void {
    for (const image of stored.images.values())
      if (image.record.tags.includes(tag)) image.record = { ...image.record, tags: image.record.tags.filter((t) => t !== tag) };
  }
}

const defaultManifest = (digest: Digest): string =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest, size: 2 },
    layers: [],
  });

const isJson = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

// ---------------------------------------------------------------------------------------------
// ECS
// ---------------------------------------------------------------------------------------------

/** `EcsPort.deploymentRevisionArns` for the services of one cluster: that cluster's result. */
export const deploymentRevisionsIn = async (port: EcsPort, clusterArn: string, serviceArns: readonly string[]): Promise<DeploymentRevisions> => {
  const found = (await port.deploymentRevisionArns([{ clusterArn, serviceArns }])).get(clusterArn);
  if (found === undefined) throw new Error(`deploymentRevisionArns returned nothing for ${clusterArn}`);
  return found;
};

/** The methods of `EcsPort`, as recorded in `FakeEcs.calls`. */
export type EcsMethod = Exclude<keyof EcsPort, 'region'>;

/** A container: a bare image string, or the image with its digest (and name). */
export type ContainerInput = string | ContainerImage;

/** Task options for `FakeEcs.withTask`. */
export interface FakeTaskInput {
  readonly containers: readonly ContainerInput[];
  /** Sets `group` to `service:NAME`. */
  readonly service?: string;
  /** Raw `group`, e.g. `family:batch`; wins over `service`. */
  readonly group?: string;
  readonly arn?: string;
  readonly lastStatus?: 'RUNNING' | 'PENDING' | 'PROVISIONING' | 'ACTIVATING';
  /** Defaults to `FARGATE`. */
  readonly launchType?: 'FARGATE' | 'EC2' | 'EXTERNAL';
  readonly capacityProviderName?: string;
  readonly taskDefinitionArn?: string;
  readonly tags?: Tags;
}

/** Service options for `FakeEcs.withService`. */
export interface FakeServiceInput {
  readonly desiredCount?: number;
  readonly tags?: Tags;
  /** Each entry is one current revision, given by its containers; ARNs are generated. */
  readonly currentRevisions?: readonly (readonly ContainerInput[])[];
  /** Each entry is one deployment source/target revision (rollback target), given by its containers. */
  readonly deploymentRevisions?: readonly (readonly ContainerInput[])[];
  /** Extra current revision ARNs with no revision behind them (to test missing revisions). */
  readonly extraCurrentRevisionArns?: readonly string[];
  /** Extra deployment revision ARNs with no revision behind them. */
  readonly extraDeploymentRevisionArns?: readonly string[];
  /** `taskDefinition` (an ARN); give its containers with `withTaskDefinition`. */
  readonly taskDefinitionArn?: string;
  /** Task definition ARNs of the service's PRIMARY and ACTIVE task sets (CODE_DEPLOY, EXTERNAL). */
  readonly taskSetTaskDefinitionArns?: readonly string[];
  /** Defaults to `ECS` (left unset on the service, as the port allows). */
  readonly deploymentController?: 'ECS' | 'CODE_DEPLOY' | 'EXTERNAL';
}

interface StoredCluster {
  readonly cluster: Cluster;
  readonly tasks: Task[];
  readonly services: Service[];
}

const toContainer = (input: ContainerInput): ContainerImage => (typeof input === 'string' ? { image: input } : input);

/** Options for `FakeEcs`. */
export type FakeEcsOptions = FakeOptions;

/** In-memory ECS of one account and region, implementing `EcsPort`. */
export class FakeEcs extends Recorder<EcsMethod> implements EcsPort {
  readonly region: Region;
  readonly accountId: AccountId;
  private readonly clusters = new Map<string, StoredCluster>();
  private readonly revisions = new Map<string, ServiceRevision>();
  private readonly deployments = new Map<string, string[]>();
  private readonly taskDefinitions = new Map<string, TaskDefinitionImages>();
  private readonly inactiveTaskDefinitions = new Set<string>();
  private counter = 0;

  constructor(options: FakeEcsOptions = {}) {
    super();
    this.region = toRegion(options.region ?? DEFAULT_REGION);
    this.accountId = toAccountId(options.accountId ?? DEFAULT_ACCOUNT);
  }

  /** The ARN `withCluster(name)` gives a cluster. */
  clusterArn(name: string): string {
    return `arn:aws:ecs:${this.region}:${this.accountId}:cluster/${name}`;
  }

  /** The ARN `withService(cluster, name)` gives a service. */
  serviceArn(cluster: string, name: string): string {
    return `arn:aws:ecs:${this.region}:${this.accountId}:service/${cluster}/${name}`;
  }

  /** Adds a cluster (no-op when it exists, except that given tags are merged); chainable. */
  withCluster(name: string, options: { readonly tags?: Tags } = {}): this {
    const existing = this.clusters.get(name);
    if (existing) {
      this.clusters.set(name, { ...existing, cluster: { ...existing.cluster, tags: { ...existing.cluster.tags, ...options.tags } } });
      return this;
    }
    this.clusters.set(name, { cluster: { arn: this.clusterArn(name), name, tags: { ...options.tags } }, tasks: [], services: [] });
    return this;
  }

  /** Adds a running Fargate task (by default) to a cluster, creating the cluster if needed; chainable. */
  withTask(cluster: string, input: FakeTaskInput): this {
    const stored = this.cluster(cluster);
    this.counter += 1;
    stored.tasks.push({
      arn: input.arn ?? `arn:aws:ecs:${this.region}:${this.accountId}:task/${cluster}/${this.counter.toString(16).padStart(32, '0')}`,
      clusterArn: stored.cluster.arn,
      group: input.group ?? (input.service === undefined ? undefined : `service:${input.service}`),
      lastStatus: input.lastStatus ?? 'RUNNING',
      launchType: input.launchType ?? 'FARGATE',
      capacityProviderName: input.capacityProviderName,
      taskDefinitionArn: input.taskDefinitionArn,
      tags: { ...input.tags },
      containers: input.containers.map(toContainer),
    });
    return this;
  }

  /** Adds a service with its current and deployment revisions, creating the cluster if needed; chainable. */
  withService(cluster: string, name: string, input: FakeServiceInput = {}): this {
    const stored = this.cluster(cluster);
    const serviceArn = this.serviceArn(cluster, name);
    const register = (containers: readonly ContainerInput[]): string => {
      this.counter += 1;
      const arn = `arn:aws:ecs:${this.region}:${this.accountId}:service-revision/${cluster}/${name}/${this.counter}`;
      this.withRevision({ arn, serviceArn, clusterArn: stored.cluster.arn, containerImages: containers.map(toContainer) });
      return arn;
    };
    const current = [...(input.currentRevisions ?? []).map(register), ...(input.extraCurrentRevisionArns ?? [])];
    const deployment = [...(input.deploymentRevisions ?? []).map(register), ...(input.extraDeploymentRevisionArns ?? [])];
    stored.services.push({
      arn: serviceArn,
      name,
      clusterArn: stored.cluster.arn,
      desiredCount: input.desiredCount ?? 1,
      tags: { ...input.tags },
      currentRevisionArns: current,
      ...(input.taskDefinitionArn === undefined ? {} : { taskDefinitionArn: input.taskDefinitionArn }),
      ...(input.taskSetTaskDefinitionArns === undefined ? {} : { taskSetTaskDefinitionArns: [...input.taskSetTaskDefinitionArns] }),
      ...(input.deploymentController === undefined ? {} : { deploymentController: input.deploymentController }),
    });
    this.deployments.set(serviceArn, deployment);
    return this;
  }

  /**
   * Registers a task definition by its full ARN (`…:task-definition/FAMILY:REVISION`), returned by
   * `describeTaskDefinitions` for that ARN, `FAMILY:REVISION`, or `FAMILY` when it is the newest; chainable.
   */
  withTaskDefinition(arn: string, containers: readonly ContainerInput[], options: { readonly tags?: Tags } = {}): this {
    const [family = '', revision = '0'] = (arn.split('/').pop() ?? '').split(':');
    this.taskDefinitions.set(arn, { arn, family, revision: Number(revision), tags: { ...options.tags }, containerImages: containers.map(toContainer) });
    return this;
  }

  /** Registers a raw service revision (returned by `describeServiceRevisions`); chainable. */
  withRevision(revision: ServiceRevision): this {
    this.revisions.set(revision.arn, revision);
    return this;
  }

  // --- EcsPort ---

  async *listClusters(): AsyncIterable<Cluster> {
    this.enter('listClusters', []);
    for (const stored of [...this.clusters.values()]) yield stored.cluster;
  }

  async *listTasks(clusterArn: string): AsyncIterable<Task> {
    this.enter('listTasks', [clusterArn]);
    for (const task of [...this.byArn(clusterArn).tasks]) yield task;
  }

  async *listServices(clusterArn: string): AsyncIterable<Service> {
    this.enter('listServices', [clusterArn]);
    for (const service of [...this.byArn(clusterArn).services]) yield service;
  }

  /** Recorded once per service (as the adapter lists per service); a `failOn` fault fails that service only. */
  async deploymentRevisionArns(clusters: readonly ClusterServices[]): Promise<ReadonlyMap<string, DeploymentRevisions>> {
    const result = new Map<string, DeploymentRevisions>();
    for (const { clusterArn, serviceArns } of clusters) {
      this.byArn(clusterArn);
      const byService = new Map<string, readonly string[]>();
      const failures = new Map<string, unknown>();
      for (const serviceArn of serviceArns) {
        try {
          this.enter('deploymentRevisionArns', [clusterArn, serviceArn]);
          byService.set(serviceArn, [...(this.deployments.get(serviceArn) ?? [])]);
        } catch (error) {
          failures.set(serviceArn, error);
        }
      }
      result.set(clusterArn, { byService, failures });
    }
    return result;
  }

  /** Any number of ARNs (the adapter batches); unknown ARNs are skipped, as the port says. */
  async describeServiceRevisions(arns: readonly string[]): Promise<readonly ServiceRevision[]> {
    this.enter('describeServiceRevisions', [[...arns]]);
    return arns.flatMap((arn) => {
      const revision = this.revisions.get(arn);
      return revision ? [revision] : [];
    });
  }

  /** One recorded call with every name asked for; unknown definitions are absent from the map, as the port says. */
  async describeTaskDefinitions(arnsOrFamilies: readonly string[]): Promise<ReadonlyMap<string, TaskDefinitionImages>> {
    this.enter('describeTaskDefinitions', [[...arnsOrFamilies]]);
    const found = new Map<string, TaskDefinitionImages>();
    const all = [...this.taskDefinitions.values()];
    for (const name of arnsOrFamilies) {
      const [family = '', revision] = (name.split('/').pop() ?? '').split(':');
      const definition =
        this.taskDefinitions.get(name) ??
        (revision === undefined
          ? all.filter((d) => d.family === family).sort((a, b) => b.revision - a.revision)[0]
          : all.find((d) => d.family === family && d.revision === Number(revision)));
      if (definition !== undefined) found.set(name, definition);
    }
    return found;
  }

  /** Marks a task definition (by its full ARN) INACTIVE: no longer listed as the newest of its family. */
  deregisterTaskDefinition(arn: string): this {
    this.inactiveTaskDefinitions.add(arn);
    return this;
  }

  /** Families with at least one ACTIVE task definition, in registration order. */
  async *listTaskDefinitionFamilies(): AsyncIterable<string> {
    this.enter('listTaskDefinitionFamilies', []);
    const families = [...this.taskDefinitions.values()].filter((d) => !this.inactiveTaskDefinitions.has(d.arn)).map((d) => d.family);
    for (const family of [...new Set(families)]) yield family;
  }

  /** The ARNs of the newest `count` ACTIVE revisions of `family`, newest first. */
  async newestTaskDefinitionArns(family: string, count: number): Promise<readonly string[]> {
    this.enter('newestTaskDefinitionArns', [family, count]);
    return [...this.taskDefinitions.values()]
      .filter((d) => d.family === family && !this.inactiveTaskDefinitions.has(d.arn))
      .sort((a, b) => b.revision - a.revision)
      .slice(0, count)
      .map((d) => d.arn);
  }

  // --- internals ---

  private cluster(name: string): StoredCluster {
    if (!this.clusters.has(name)) this.withCluster(name);
    return this.clusters.get(name) as StoredCluster;
  }

  private byArn(clusterArn: string): StoredCluster {
    const stored = [...this.clusters.values()].find((c) => c.cluster.arn === clusterArn);
    if (!stored) throw awsError('ClusterNotFoundException', 'ecs:DescribeClusters');
    return stored;
  }
}

// ---------------------------------------------------------------------------------------------
// Inspector
// ---------------------------------------------------------------------------------------------

/** The methods of `InspectorPort`, as recorded in `FakeInspector.calls`. */
export type InspectorMethod = Exclude<keyof InspectorPort, 'region'>;

/** In-memory Inspector findings per repository and digest, implementing `InspectorPort`. */
export class FakeInspector extends Recorder<InspectorMethod> implements InspectorPort {
  readonly region: Region;
  private readonly findings = new Map<string, ImageFindings>();
  private readonly coverage: CoveredImage[] = [];

  constructor(options: Pick<FakeOptions, 'region'> = {}) {
    super();
    this.region = toRegion(options.region ?? DEFAULT_REGION);
  }

  /** Records active findings of one image, e.g. `{ CRITICAL: 1, HIGH: 3 }`; chainable. */
  withFindings(repository: string, digest: Digest, bySeverity: Readonly<Record<string, number>>): this {
    const total = Object.values(bySeverity).reduce((sum, n) => sum + n, 0);
    this.findings.set(`${repository}@${digest}`, { digest, bySeverity: { ...bySeverity }, total });
    return this;
  }

  /**
   * Adds an image to Inspector's coverage with its in-use data (region and account default to the
   * fake's); `imagesInUseSince` returns it when `lastInUseAt` is at or after the date asked. Chainable.
   */
  withCoverage(
    repository: string,
    digest: Digest,
    input: {
      readonly lastInUseAt?: Date;
      readonly inUseCount?: number;
      readonly tags?: readonly string[];
      readonly accountId?: string;
      readonly region?: string;
      /** Default: ACTIVE / SUCCESSFUL (monitored). */
      readonly scanStatus?: { readonly code: string; readonly reason?: string };
      readonly lastScannedAt?: Date;
    },
  ): this {
    const region = toRegion(input.region ?? this.region);
    const registryId = toAccountId(input.accountId ?? DEFAULT_ACCOUNT);
    this.coverage.push({
      resourceId: `arn:aws:ecr:${region}:${registryId}:repository/${repository}/${digest}`,
      registryId,
      region,
      repository: toRepositoryName(repository),
      digest,
      tags: [...(input.tags ?? [])],
      lastInUseAt: input.lastInUseAt,
      inUseCount: input.inUseCount,
      scanStatus: input.scanStatus ?? { code: 'ACTIVE', reason: 'SUCCESSFUL' },
      lastScannedAt: input.lastScannedAt,
    });
    return this;
  }

  /** Every covered image, in use or not, in the order added. */
  async *ecrImageCoverage(): AsyncIterable<CoveredImage> {
    this.enter('ecrImageCoverage', []);
    for (const image of [...this.coverage]) yield image;
  }

  /** Covered images with `lastInUseAt` at or after `since`, in the order added. */
  async *imagesInUseSince(since: Date): AsyncIterable<CoveredImage> {
    this.enter('imagesInUseSince', [since]);
    for (const image of [...this.coverage]) if (image.lastInUseAt !== undefined && image.lastInUseAt.getTime() >= since.getTime()) yield image;
  }

  /** One entry per requested digest that has findings; images without findings are absent. */
  async findingsForImages(repository: RepositoryName, digests: readonly Digest[]): Promise<ReadonlyMap<Digest, ImageFindings>> {
    this.enter('findingsForImages', [repository, [...digests]]);
    const result = new Map<Digest, ImageFindings>();
    for (const digest of digests) {
      const found = this.findings.get(`${repository}@${digest}`);
      if (found && found.total > 0) result.set(digest, found);
    }
    return result;
  }

  /**
   * The aggregation's view of the same findings: `CRITICAL`, `HIGH`, `MEDIUM` and `OTHER` (every
   * other severity). When `failOn` fails it, falls back to `findingsForImages` as the adapter does.
   */
  async findingCountsForImages(repository: RepositoryName, digests: readonly Digest[]): Promise<ImageFindingCounts> {
    try {
      this.enter('findingCountsForImages', [repository, [...digests]]);
    } catch (error) {
      const images = await this.findingsForImages(repository, digests);
      return { images, source: 'list-findings', fallback: error instanceof Error ? error : new Error(String(error)) };
    }
    const images = new Map<Digest, ImageFindings>();
    for (const digest of digests) {
      const found = this.findings.get(`${repository}@${digest}`);
      if (found === undefined || found.total === 0) continue;
      const bySeverity: Record<string, number> = {};
      for (const [severity, n] of Object.entries(found.bySeverity)) {
        const key = severity === 'CRITICAL' || severity === 'HIGH' || severity === 'MEDIUM' ? severity : 'OTHER';
        if (n > 0) bySeverity[key] = (bySeverity[key] ?? 0) + n;
      }
      images.set(digest, { digest, bySeverity, total: found.total });
    }
    return { images, source: 'aggregation' };
  }
}

// ---------------------------------------------------------------------------------------------
// EventBridge rules and EventBridge Scheduler schedules (scheduled ECS tasks)
// ---------------------------------------------------------------------------------------------

/** The methods of `EventsPort` and `SchedulerPort`, as recorded in their fakes' `calls`. */
export type ScheduledTasksMethod = Exclude<keyof EventsPort | keyof SchedulerPort, 'region'>;

/** A scheduled ECS task for the fakes: the task definition, and optionally the rest of `ScheduledEcsTask`. */
export type FakeScheduledTaskInput = Partial<Omit<ScheduledEcsTask, 'name' | 'taskDefinition'>> & { readonly taskDefinition: string };

class FakeScheduledTasks extends Recorder<ScheduledTasksMethod> {
  readonly region: Region;
  private readonly tasks: ScheduledEcsTask[] = [];

  constructor(
    private readonly kind: 'rule' | 'schedule',
    options: Pick<FakeOptions, 'region' | 'accountId'> = {},
  ) {
    super();
    this.region = toRegion(options.region ?? DEFAULT_REGION);
    this.accountId = toAccountId(options.accountId ?? DEFAULT_ACCOUNT);
  }

  private readonly accountId: AccountId;

  protected add(name: string, input: FakeScheduledTaskInput): this {
    const group = input.group ?? 'default';
    const arn =
      input.arn ??
      (this.kind === 'rule'
        ? `arn:aws:events:${this.region}:${this.accountId}:rule/${group === 'default' ? '' : `${group}/`}${name}`
        : `arn:aws:scheduler:${this.region}:${this.accountId}:schedule/${group}/${name}`);
    this.tasks.push({ state: 'ENABLED', ...input, arn, group, name });
    return this;
  }

  async *ecsTaskTargets(): AsyncIterable<ScheduledEcsTask> {
    this.enter('ecsTaskTargets', []);
    for (const task of [...this.tasks]) yield task;
  }
}

/** In-memory EventBridge rules with ECS task targets, implementing `EventsPort`; empty by default. */
export class FakeEvents extends FakeScheduledTasks implements EventsPort {
  constructor(options: Pick<FakeOptions, 'region' | 'accountId'> = {}) {
    super('rule', options);
  }

  /** Adds a rule (on `group`, the event bus, default `default`) that starts a task; chainable. */
  withRule(name: string, input: FakeScheduledTaskInput): this {
    return this.add(name, input);
  }
}

/** In-memory EventBridge Scheduler schedules with ECS targets, implementing `SchedulerPort`; empty by default. */
export class FakeScheduler extends FakeScheduledTasks implements SchedulerPort {
  constructor(options: Pick<FakeOptions, 'region' | 'accountId'> = {}) {
    super('schedule', options);
  }

  /** Adds a schedule (in `group`, default `default`) that starts a task; chainable. */
  withSchedule(name: string, input: FakeScheduledTaskInput): this {
    return this.add(name, input);
  }
}

// ---------------------------------------------------------------------------------------------
// Lambda (functions packaged as images) and AWS Batch (job definitions)
// ---------------------------------------------------------------------------------------------

/** The methods of `LambdaPort`, as recorded in `FakeLambda.calls`. */
export type LambdaMethod = Exclude<keyof LambdaPort, 'region'>;

/** One version (or `$LATEST`) of a fake function. */
export interface FakeLambdaCodeInput {
  /** `Code.ImageUri` as deployed. */
  readonly imageUri: string;
  /** The digest Lambda resolved at deploy: gives `ResolvedImageUri = repository@digest`; absent leaves it out. */
  readonly digest?: Digest;
  readonly state?: string;
}

/** A fake function: its `$LATEST` code, tags and package type (default `Image`). */
export interface FakeLambdaFunctionInput extends FakeLambdaCodeInput {
  readonly tags?: Tags;
  readonly packageType?: 'Image' | 'Zip';
}

interface StoredFunction {
  readonly name: string;
  readonly arn: string;
  readonly packageType: 'Image' | 'Zip';
  readonly tags: Tags;
  readonly versions: Map<string, FakeLambdaCodeInput>;
  readonly aliases: Map<string, readonly string[]>;
}

// `…/repo:tag` or `…/repo@sha256:…` → `…/repo`: what ResolvedImageUri puts before `@digest`.
const repositoryPart = (imageUri: string): string => {
  const bare = imageUri.split('@')[0] ?? imageUri;
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  return colon > slash ? bare.slice(0, colon) : bare;
};

/** In-memory Lambda functions of one account and region, implementing `LambdaPort`; empty by default. */
export class FakeLambda extends Recorder<LambdaMethod> implements LambdaPort {
  readonly region: Region;
  readonly accountId: AccountId;
  private readonly functions = new Map<string, StoredFunction>();

  constructor(options: FakeOptions = {}) {
    super();
    this.region = toRegion(options.region ?? DEFAULT_REGION);
    this.accountId = toAccountId(options.accountId ?? DEFAULT_ACCOUNT);
  }

  /** The unqualified ARN `withFunction(name)` gives a function. */
  functionArn(name: string): string {
    return `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
  }

  /** Adds (or replaces) a function with its `$LATEST` code; chainable. */
  withFunction(name: string, input: FakeLambdaFunctionInput): this {
    const { tags, packageType, ...code } = input;
    this.functions.set(name, {
      name,
      arn: this.functionArn(name),
      packageType: packageType ?? 'Image',
      tags: { ...tags },
      versions: new Map([['$LATEST', code]]),
      aliases: new Map(),
    });
    return this;
  }

  /** Adds a published version of an existing function, keeping the code it was published with; chainable. */
  withVersion(name: string, version: string, code: FakeLambdaCodeInput): this {
    this.stored(name).versions.set(version, code);
    return this;
  }

  /** Points an alias at `versions` (the first is `FunctionVersion`, the others weighted); chainable. */
  withAlias(name: string, alias: string, versions: readonly string[]): this {
    this.stored(name).aliases.set(alias, [...versions]);
    return this;
  }

  async *listImageFunctions(): AsyncIterable<LambdaImageFunction> {
    this.enter('listImageFunctions', []);
    for (const fn of [...this.functions.values()]) if (fn.packageType === 'Image') yield { name: fn.name, arn: fn.arn };
  }

  async listAliases(functionName: string): Promise<readonly LambdaAlias[]> {
    this.enter('listAliases', [functionName]);
    const fn = this.functions.get(functionName);
    if (fn === undefined) return [];
    return [...fn.aliases].map(([alias, versions]) => ({ name: alias, arn: `${fn.arn}:${alias}`, versions }));
  }

  async getFunctionCode(functionName: string, qualifier: string): Promise<LambdaFunctionCode | undefined> {
    this.enter('getFunctionCode', [functionName, qualifier]);
    const fn = this.functions.get(functionName);
    const code = fn?.versions.get(qualifier);
    if (fn === undefined || code === undefined) return undefined;
    return {
      arn: `${fn.arn}:${qualifier}`,
      version: qualifier,
      imageUri: code.imageUri,
      resolvedImageUri: code.digest === undefined ? undefined : `${repositoryPart(code.imageUri)}@${code.digest}`,
      state: code.state ?? 'Active',
      tags: { ...fn.tags },
    };
  }

  private stored(name: string): StoredFunction {
    const fn = this.functions.get(name);
    if (fn === undefined) throw new Error(`FakeLambda: no function ${name}`);
    return fn;
  }
}

/** The methods of `BatchPort`, as recorded in `FakeBatch.calls`. */
export type BatchMethod = Exclude<keyof BatchPort, 'region'>;

/** One job definition revision for `FakeBatch.withJobDefinition`. */
export interface FakeJobDefinitionInput {
  /** Every image the revision names, wherever the API puts it. */
  readonly containers: readonly ContainerInput[];
  /** Defaults to one more than the newest revision of the name. */
  readonly revision?: number;
  readonly tags?: Tags;
  /** `INACTIVE` (deregistered) revisions are not listed. */
  readonly status?: 'ACTIVE' | 'INACTIVE';
}

/** In-memory AWS Batch job definitions of one account and region, implementing `BatchPort`; empty by default. */
export class FakeBatch extends Recorder<BatchMethod> implements BatchPort {
  readonly region: Region;
  readonly accountId: AccountId;
  private readonly definitions: (BatchJobDefinition & { readonly status: 'ACTIVE' | 'INACTIVE' })[] = [];

  constructor(options: FakeOptions = {}) {
    super();
    this.region = toRegion(options.region ?? DEFAULT_REGION);
    this.accountId = toAccountId(options.accountId ?? DEFAULT_ACCOUNT);
  }

  /** Registers a revision of job definition `name`; chainable. */
  withJobDefinition(name: string, input: FakeJobDefinitionInput): this {
    const newest = Math.max(0, ...this.definitions.filter((d) => d.name === name).map((d) => d.revision));
    const revision = input.revision ?? newest + 1;
    this.definitions.push({
      name,
      revision,
      arn: `arn:aws:batch:${this.region}:${this.accountId}:job-definition/${name}:${revision}`,
      tags: { ...input.tags },
      containerImages: input.containers.map(toContainer),
      status: input.status ?? 'ACTIVE',
    });
    return this;
  }

  async *listActiveJobDefinitions(): AsyncIterable<BatchJobDefinition> {
    this.enter('listActiveJobDefinitions', []);
    for (const { status, ...definition } of [...this.definitions]) if (status === 'ACTIVE') yield definition;
  }
}

/** Every port of one region as an empty in-memory fake, with the given ones in their place. */
export const fakeRegionAdapters = (region: Region, ports: Partial<Omit<RegionAdapters, 'region'>> = {}): RegionAdapters => ({
  region,
  ecr: new FakeEcr({ region }),
  ecs: new FakeEcs({ region }),
  inspector: new FakeInspector({ region }),
  events: new FakeEvents({ region }),
  scheduler: new FakeScheduler({ region }),
  lambda: new FakeLambda({ region }),
  batch: new FakeBatch({ region }),
  ...ports,
});
