/**
 * The small interfaces the core uses to reach AWS, one per service and region.
 * The core never sees an SDK client: unit tests pass in-memory fakes, emulator tests
 * pass the real adapters (`ecr.ts`, `ecs.ts`, `inspector2.ts`) over real clients.
 * Every method throws `AwsCallError` (naming the IAM action) on failure, except where noted.
 */
import type { Digest, ImageRecord, Region, Repository, RepositoryName } from '../domain/types.js';

/** A manifest exactly as ECR returned it: bytes must be written back unchanged. */
export interface Manifest {
  readonly digest: Digest;
  readonly body: string;
  readonly mediaType: string;
}

/** The stored lifecycle policy text of a repository. */
export interface StoredPolicy {
  readonly text: string;
  readonly lastEvaluatedAt?: Date | undefined;
}

export type PutTagOutcome = 'added' | 'already-present';

export interface EcrPort {
  readonly region: Region;
  /** Every repository in the region (paginated lazily, largest pages). */
  listRepositories(): AsyncIterable<Repository>;
  /** One repository, or `undefined` if it does not exist. */
  describeRepository(name: RepositoryName): Promise<Repository | undefined>;
  /** Every image of a repository, archived ones included (`imageStatus: ANY`). */
  listImages(repository: RepositoryName): AsyncIterable<ImageRecord>;
  /** The repository's resource tags (`ListTagsForResource`), as a plain map. */
  repositoryTags(repositoryArn: string): Promise<Readonly<Record<string, string>>>;
  /** The current lifecycle policy, or `undefined` when there is none. */
  getLifecyclePolicy(repository: RepositoryName): Promise<StoredPolicy | undefined>;
  /** Digest of the image a tag points at, for each tag that exists (others are absent from the map). */
  resolveTags(repository: RepositoryName, tags: readonly string[]): Promise<ReadonlyMap<string, Digest>>;
  /**
   * The manifest of one image fetched by digest with every manifest media type accepted,
   * or `undefined` when the image does not exist. Note: counts as a pull in ECR.
   */
  getManifest(repository: RepositoryName, digest: Digest): Promise<Manifest | undefined>;

  // --- writes: the only three calls that change anything ---
  /** Writes the policy text as given. */
  putLifecyclePolicy(repository: RepositoryName, policyText: string): Promise<void>;
  /**
   * Adds `tag` to the image `manifest.digest` (PutImage with the exact manifest bytes,
   * media type and digest). `ImageAlreadyExistsException` is `already-present`.
   */
  putImageTag(repository: RepositoryName, manifest: Manifest, tag: string): Promise<PutTagOutcome>;
  /** Removes one tag (BatchDeleteImage by tag). Callers must never remove an image's last tag. */
  removeImageTag(repository: RepositoryName, tag: string): Promise<void>;
}

/** Names of the port methods that write; guards and tests use this list. */
export const ECR_WRITE_METHODS = ['putLifecyclePolicy', 'putImageTag', 'removeImageTag'] as const;

export type Tags = Readonly<Record<string, string>>;

export interface Cluster {
  readonly arn: string;
  readonly name: string;
  readonly tags: Tags;
}

export interface ContainerImage {
  readonly containerName?: string | undefined;
  /** The image string from the task definition: a tag or an `@sha256:` reference. */
  readonly image: string;
  /** The digest actually resolved; missing while a task is pending. */
  readonly imageDigest?: Digest | undefined;
}

export interface Task {
  readonly arn: string;
  readonly clusterArn: string;
  /** `service:NAME` when started by a service. */
  readonly group?: string | undefined;
  readonly lastStatus?: string | undefined;
  readonly launchType?: string | undefined;
  readonly capacityProviderName?: string | undefined;
  readonly taskDefinitionArn?: string | undefined;
  readonly tags: Tags;
  readonly containers: readonly ContainerImage[];
}

export interface Service {
  readonly arn: string;
  readonly name: string;
  readonly clusterArn: string;
  readonly desiredCount: number;
  readonly tags: Tags;
  /** `currentServiceRevisions[].arn`. */
  readonly currentRevisionArns: readonly string[];
}

export interface ServiceRevision {
  readonly arn: string;
  readonly serviceArn: string;
  readonly clusterArn: string;
  readonly containerImages: readonly ContainerImage[];
}

/** What `EcsPort.deploymentRevisionArns` found, by service ARN. */
export interface DeploymentRevisions {
  readonly byService: ReadonlyMap<string, readonly string[]>;
  /** Services whose deployments could not be read: the revisions they pin are unknown. */
  readonly failures: ReadonlyMap<string, unknown>;
}

export interface EcsPort {
  readonly region: Region;
  listClusters(): AsyncIterable<Cluster>;
  /** Running and pending tasks of a cluster, described (≤100 per DescribeTasks), with tags. */
  listTasks(clusterArn: string): AsyncIterable<Task>;
  /** Every service of a cluster, described (≤10 per DescribeServices), with tags. */
  listServices(clusterArn: string): AsyncIterable<Service>;
  /**
   * For each service of one cluster, the revision ARNs its deployments may still pull: source and
   * target of deployments in flight or left mixed, and the source of the newest completed one
   * (where a rollback returns). One call per cluster, so describes are shared across services.
   */
  deploymentRevisionArns(clusterArn: string, serviceArns: readonly string[]): Promise<DeploymentRevisions>;
  /** Describes any number of revisions (the adapter batches them); unknown ARNs are skipped. */
  describeServiceRevisions(arns: readonly string[]): Promise<readonly ServiceRevision[]>;
  /**
   * The container images of each task definition (ARN with revision, or `family` / `family:rev`;
   * a bare family means its latest ACTIVE revision), keyed by the ARN or name asked for.
   * One DescribeTaskDefinition per distinct definition (the API takes one); a definition that does
   * not exist is absent from the map, any other failure throws.
   */
  describeTaskDefinitions(arnsOrFamilies: readonly string[]): Promise<ReadonlyMap<string, TaskDefinitionImages>>;
}

/** The container images one ECS task definition names. */
export interface TaskDefinitionImages {
  readonly arn: string;
  readonly family: string;
  readonly revision: number;
  readonly tags: Tags;
  readonly containerImages: readonly ContainerImage[];
}

/** Inspector findings that leave with an image. */
export interface ImageFindings {
  readonly digest: Digest;
  /** Active findings by severity (CRITICAL, HIGH, MEDIUM, LOW, INFORMATIONAL, UNTRIAGED). */
  readonly bySeverity: Readonly<Record<string, number>>;
  readonly total: number;
}

export interface InspectorPort {
  readonly region: Region;
  /** Active findings for the given images of one repository, one entry per digest with findings. */
  findingsForImages(repository: RepositoryName, digests: readonly Digest[]): Promise<ReadonlyMap<Digest, ImageFindings>>;
}

/** The adapters of one region. */
export interface RegionAdapters {
  readonly region: Region;
  readonly ecr: EcrPort;
  readonly ecs: EcsPort;
  readonly inspector: InspectorPort;
}
