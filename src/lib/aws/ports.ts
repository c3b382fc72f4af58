/**
 * The small interfaces the core uses to reach AWS, one per service and region.
 * The core never sees an SDK client: unit tests pass in-memory fakes, emulator tests
 * pass the real adapters (`ecr.ts`, `ecs.ts`, `inspector2.ts`) over real clients.
 * Every method throws `AwsCallError` (naming the IAM action) on failure, except where noted.
 */
import type { AccountId, Digest, ImageRecord, Region, Repository, RepositoryName } from '../domain/types.js';

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
  /**
   * Every image of a repository, archived ones included (`imageStatus: ANY`): the whole listing or a
   * failure, never part of it. Whole rather than streamed: every reader needs all of it (a count rule
   * ranks the whole repository), and an item-by-item stream of 100,000 images costs more than the images.
   */
  listImages(repository: RepositoryName): Promise<ImageRecord[]>;
  /** The repository's resource tags (`ListTagsForResource`), as a plain map. */
  repositoryTags(repositoryArn: string): Promise<Readonly<Record<string, string>>>;
  /** The current lifecycle policy, or `undefined` when there is none. */
  getLifecyclePolicy(repository: RepositoryName): Promise<StoredPolicy | undefined>;
  /** Digest of the image a tag points at, for each tag that exists (others are absent from the map). */
  resolveTags(repository: RepositoryName, tags: readonly string[]): Promise<ReadonlyMap<string, Digest>>;
  /**
   * The manifests of images fetched by digest with every manifest media type accepted, keyed by
   * digest: one BatchGetImage per 100 distinct digests. An image that does not exist is absent
   * from the map; any other per-image failure throws (naming `ecr:BatchGetImage`).
   * Note: counts as a pull in ECR, for every image returned.
   */
  getManifests(repository: RepositoryName, digests: readonly Digest[]): Promise<ReadonlyMap<Digest, Manifest>>;

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
  /** `taskDefinition`: what the service deploys (for CODE_DEPLOY, the primary task set's; EXTERNAL may have none). */
  readonly taskDefinitionArn?: string | undefined;
  /** `taskSets[].taskDefinition` of the PRIMARY and ACTIVE task sets (CODE_DEPLOY and EXTERNAL controllers only). */
  readonly taskSetTaskDefinitionArns?: readonly string[] | undefined;
  /** `deploymentController.type`: `ECS` (the default), `CODE_DEPLOY` or `EXTERNAL`. */
  readonly deploymentController?: string | undefined;
}

export interface ServiceRevision {
  readonly arn: string;
  readonly serviceArn: string;
  readonly clusterArn: string;
  readonly containerImages: readonly ContainerImage[];
}

/** One cluster and the services of it whose deployments `EcsPort.deploymentRevisionArns` reads. */
export interface ClusterServices {
  readonly clusterArn: string;
  readonly serviceArns: readonly string[];
}

/** What `EcsPort.deploymentRevisionArns` found in one cluster, by service ARN. */
export interface DeploymentRevisions {
  readonly byService: ReadonlyMap<string, readonly string[]>;
  /**
   * Services whose deployments could not be read (a list or describe call failed, or a listed
   * deployment came back in `failures[]` or not at all): the revisions they pin are unknown.
   */
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
   * For each service of the given clusters, the revision ARNs its deployments may still pull: source
   * and target of deployments in flight or left mixed, and the source of the newest completed one
   * (where a rollback returns). Keyed by cluster ARN (every cluster asked for is present). One call
   * per region, so describes are shared across services and clusters.
   */
  deploymentRevisionArns(clusters: readonly ClusterServices[]): Promise<ReadonlyMap<string, DeploymentRevisions>>;
  /** Describes any number of revisions, of any clusters (the adapter batches them); unknown ARNs are skipped. */
  describeServiceRevisions(arns: readonly string[]): Promise<readonly ServiceRevision[]>;
  /**
   * The container images of each task definition (ARN with revision, or `family` / `family:rev`;
   * a bare family means its latest ACTIVE revision), keyed by the ARN or name asked for.
   * One DescribeTaskDefinition per distinct definition (the API takes one); a definition that does
   * not exist is absent from the map, any other failure throws.
   */
  describeTaskDefinitions(arnsOrFamilies: readonly string[]): Promise<ReadonlyMap<string, TaskDefinitionImages>>;
  /** Every task definition family with at least one ACTIVE revision (ListTaskDefinitionFamilies, status ACTIVE). */
  listTaskDefinitionFamilies(): AsyncIterable<string>;
  /**
   * ARNs of the newest `count` ACTIVE revisions of one family, newest first (ListTaskDefinitions
   * with `familyPrefix`, `sort: DESC`, pages of `count`, stopping once `count` are found).
   */
  newestTaskDefinitionArns(family: string, count: number): Promise<readonly string[]>;
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

/**
 * Finding counts of some images of one repository, and how they were read.
 * - `aggregation`: ListFindingAggregations gives `critical`, `high`, `medium` and `all` per image, so
 *   `bySeverity` holds `CRITICAL`, `HIGH`, `MEDIUM` and `OTHER` = all − critical − high − medium
 *   (LOW, INFORMATIONAL and UNTRIAGED together); `total` is `all`.
 * - `list-findings`: ListFindings, one finding at a time, `bySeverity` by each finding's own severity.
 */
export interface ImageFindingCounts {
  readonly images: ReadonlyMap<Digest, ImageFindings>;
  readonly source: 'aggregation' | 'list-findings';
  /** Why the aggregation was not used (its `AwsCallError`), when `source` is `list-findings` after a failure. */
  readonly fallback?: Error | undefined;
}

export interface InspectorPort {
  readonly region: Region;
  /** Active findings for the given images of one repository, one entry per digest with findings (ListFindings, 10 digests a query). */
  findingsForImages(repository: RepositoryName, digests: readonly Digest[]): Promise<ReadonlyMap<Digest, ImageFindings>>;
  /**
   * The same counts in far fewer calls: ListFindingAggregations (`AWS_ECR_CONTAINER`, 100 images a
   * page), over the whole repository or by digest filter (10 a query), whichever costs less. Its
   * `bySeverity` holds `CRITICAL`, `HIGH`, `MEDIUM` and `OTHER` (see `ImageFindingCounts`). When the
   * aggregation is not permitted or fails, it falls back to `findingsForImages` and says so; it throws
   * only when that fails too. Optional: a port without it is read with `findingsForImages`.
   */
  findingCountsForImages?(repository: RepositoryName, digests: readonly Digest[]): Promise<ImageFindingCounts>;
  /**
   * ECR images Inspector saw in use (ECS tasks, EKS pods) at or after `since`: ListCoverage with
   * `resourceType` AWS_ECR_CONTAINER_IMAGE and `ecrImageLastInUseAt`, 200 a page. A delegated
   * administrator also sees its member accounts' images (`registryId` says whose).
   */
  imagesInUseSince(since: Date): AsyncIterable<CoveredImage>;
  /**
   * Every ECR image of the region in Inspector's coverage, in use or not, with its scan status
   * (ListCoverage, `resourceType` AWS_ECR_CONTAINER_IMAGE, 200 a page). The audit reads it once per
   * region for both the in-use data and "scanned recently, or not". Optional: without it the audit
   * cannot tell a clean image from an unscanned one and says so.
   */
  ecrImageCoverage?(): AsyncIterable<CoveredImage>;
}

/** One ECR image in Inspector's coverage, with its in-use data. */
export interface CoveredImage {
  /** `resourceId`: `arn:aws:ecr:REGION:ACCOUNT:repository/REPO/sha256:…`. */
  readonly resourceId: string;
  /** `accountId`: the account whose registry holds the image. */
  readonly registryId: AccountId;
  readonly region: Region;
  readonly repository: RepositoryName;
  readonly digest: Digest;
  /** `resourceMetadata.ecrImage.tags`. */
  readonly tags: readonly string[];
  readonly lastInUseAt?: Date | undefined;
  /** ECS tasks and EKS pods running it when Inspector last looked. */
  readonly inUseCount?: number | undefined;
  /** `scanStatus`: `ACTIVE` (monitored) or `INACTIVE`, and why (`SUCCESSFUL`, `SCAN_ELIGIBILITY_EXPIRED`, `UNSUPPORTED_OS`, …). */
  readonly scanStatus?: { readonly code: string; readonly reason?: string | undefined } | undefined;
  /** `lastScannedAt`: when Inspector last scanned the image. */
  readonly lastScannedAt?: Date | undefined;
}

/**
 * One ECS task that an EventBridge rule or an EventBridge Scheduler schedule starts. Disabled
 * rules and schedules are included: enabling one again runs its task with no deploy in between.
 */
export interface ScheduledEcsTask {
  /** The rule ARN or the schedule ARN. */
  readonly arn: string;
  /** Event bus name (rules) or schedule group name (schedules). */
  readonly group: string;
  readonly name: string;
  /** `ENABLED`, `DISABLED`, … as the service reports it. */
  readonly state?: string | undefined;
  /** The cluster the task runs in (the target's `Arn`), when the target names one. */
  readonly clusterArn?: string | undefined;
  /** `EcsParameters.TaskDefinitionArn`; without `:revision` it means the family's latest ACTIVE revision. */
  readonly taskDefinition: string;
}

/** EventBridge rules of one region. */
export interface EventsPort {
  readonly region: Region;
  /**
   * The ECS task targets of every rule on every event bus (ListEventBuses, ListRules, ListTargetsByRule;
   * 100 a page). Targets without `EcsParameters` are skipped.
   */
  ecsTaskTargets(): AsyncIterable<ScheduledEcsTask>;
}

/** EventBridge Scheduler schedules of one region. */
export interface SchedulerPort {
  readonly region: Region;
  /**
   * The ECS tasks of every schedule in every group: ListSchedules (all groups, 100 a page) gives only
   * the target ARN, so GetSchedule is called for each schedule whose target is an ECS cluster or the
   * `aws-sdk:ecs:runTask` universal target.
   */
  ecsTaskTargets(): AsyncIterable<ScheduledEcsTask>;
}

/** A Lambda function packaged as a container image (`PackageType: Image`), as `ListFunctions` lists it. */
export interface LambdaImageFunction {
  readonly name: string;
  /** Unqualified function ARN. */
  readonly arn: string;
}

/** A Lambda alias and the versions it sends invocations to. */
export interface LambdaAlias {
  readonly name: string;
  readonly arn: string;
  /** `FunctionVersion` first, then the versions of `RoutingConfig.AdditionalVersionWeights` (weighted aliases). */
  readonly versions: readonly string[];
}

/** What `GetFunction` says about one version (or `$LATEST`) of an image function. */
export interface LambdaFunctionCode {
  /** Qualified ARN of the version read (`…:function:NAME:3`, `…:function:NAME:$LATEST`). */
  readonly arn: string;
  /** `Configuration.Version`: `$LATEST` or a version number. */
  readonly version: string;
  /** `Code.ImageUri`: the image as deployed (a tag or a digest reference). */
  readonly imageUri?: string | undefined;
  /** `Code.ResolvedImageUri`: `repository@sha256:…`, the digest Lambda resolved at deploy and runs until the next one. */
  readonly resolvedImageUri?: string | undefined;
  /** `Configuration.State`: `Pending`, `Active`, `Inactive`, `Failed`… */
  readonly state?: string | undefined;
  /** The function's tags (tags belong to the function, not to a version; `lambda:ListTags` lets `GetFunction` return them). */
  readonly tags: Tags;
}

export interface LambdaPort {
  readonly region: Region;
  /** Every function of the region whose `PackageType` is `Image` (paginated lazily). */
  listImageFunctions(): AsyncIterable<LambdaImageFunction>;
  /** Every alias of a function; empty when the function no longer exists. */
  listAliases(functionName: string): Promise<readonly LambdaAlias[]>;
  /** `GetFunction` with a qualifier (`$LATEST` or a version); `undefined` when the function or version no longer exists. */
  getFunctionCode(functionName: string, qualifier: string): Promise<LambdaFunctionCode | undefined>;
}

/** One revision of an AWS Batch job definition and the images it names. */
export interface BatchJobDefinition {
  readonly name: string;
  /** ARN with the revision: `…:job-definition/NAME:REV`. */
  readonly arn: string;
  readonly revision: number;
  readonly tags: Tags;
  /**
   * Every image the revision names: `containerProperties`, `ecsProperties` task containers, `eksProperties`
   * pod containers and init containers, and the same three in every multi-node `nodeRangeProperties` entry.
   */
  readonly containerImages: readonly ContainerImage[];
}

export interface BatchPort {
  readonly region: Region;
  /** Every ACTIVE revision of every job definition (`DescribeJobDefinitions`, paginated lazily). */
  listActiveJobDefinitions(): AsyncIterable<BatchJobDefinition>;
}

/** One image ECR's lifecycle policy preview would act on (`GetLifecyclePolicyPreview` `previewResults[]`). */
export interface PreviewedImage {
  readonly digest: Digest;
  readonly tags: readonly string[];
  /** `action.type` as ECR writes it: `EXPIRE` or `TRANSITION`. */
  readonly action: string;
  readonly rulePriority?: number | undefined;
  /** `action.targetStorageClass` of a TRANSITION. */
  readonly targetStorageClass?: string | undefined;
}

/**
 * ECR's own evaluation of a lifecycle policy text, without writing the policy: StartLifecyclePolicyPreview,
 * then the SDK waiter, then GetLifecyclePolicyPreview pages. Not a write to the repository, but an
 * action outside the read-only set (`ECR_PREVIEW_ACTIONS`), and ECR runs one preview per repository at a time.
 */
export interface LifecyclePreviewPort {
  readonly region: Region;
  /**
   * The images ECR would expire or transition under `policyText`. Waits for a preview already running
   * on the repository to finish before starting its own; throws `AwsCallError` when ECR fails the
   * preview or it does not finish within `maxWaitSeconds`.
   */
  previewLifecyclePolicy(repository: RepositoryName, policyText: string, options: { readonly maxWaitSeconds: number }): Promise<readonly PreviewedImage[]>;
}

/** Where full reports go (the report bucket): a Lambda result is limited to 6 MB, so it carries a summary and the keys. */
export interface ReportStore {
  /** Writes one object; throws `AwsCallError` (`s3:PutObject`). */
  put(key: string, body: string, contentType: string): Promise<StoredObject>;
}

/** Where a report was written. */
export interface StoredObject {
  readonly bucket: string;
  readonly key: string;
}

/** The adapters of one region. */
export interface RegionAdapters {
  readonly region: Region;
  readonly ecr: EcrPort;
  readonly ecs: EcsPort;
  readonly inspector: InspectorPort;
  readonly events: EventsPort;
  readonly scheduler: SchedulerPort;
  readonly lambda: LambdaPort;
  readonly batch: BatchPort;
  /** ECR's lifecycle policy preview; absent where it is not wired (fakes). */
  readonly preview?: LifecyclePreviewPort | undefined;
  /** Repository tags in bulk; without it (or when it fails) the sweep reads them one repository at a time. */
  readonly tagging?: TaggingPort | undefined;
}

/** The Resource Groups Tagging API of one region: repository tags in bulk. */
export interface TaggingPort {
  readonly region: Region;
  /**
   * The tags of every tagged ECR repository of the region, by repository ARN (`GetResources` with
   * `ResourceTypeFilters: ["ecr:repository"]`, 100 a page). A repository without tags is absent
   * (it has none). Throws on any failure, never returns a partial map: a tag that could not be read
   * must not pass for "no exclusion tag".
   */
  repositoryTags(): Promise<ReadonlyMap<string, Tags>>;
}

/** An ACTIVE account of the organisation, with its tags (environment, filters). */
export interface OrganizationAccount {
  readonly id: AccountId;
  readonly name?: string | undefined;
  readonly tags: Tags;
}

/** AWS Organizations, read from the management account or a delegated administrator. */
export interface OrganizationsPort {
  /** ACTIVE accounts under `parentIds` (roots or OUs, nested OUs included), or of the whole organisation when empty. */
  listActiveAccounts(parentIds: readonly string[]): Promise<OrganizationAccount[]>;
}

/** Which role is assumed in another account: read-only discovery, the registry's ECR reads and writes, or the audit's reads. */
export type AccountRole = 'consumer' | 'registry' | 'audit';

/** The organisation mode's way into accounts (`SweepDeps.organisation`). */
export interface OrganisationAccess {
  /** The account the keeper runs in. */
  readonly home: () => Promise<AccountId>;
  /** AWS Organizations, read with the keeper's own credentials. */
  readonly organizations: OrganizationsPort;
  /** Resolves the role's credentials once; throws `AwsCallError` (`sts:AssumeRole`) when it cannot be assumed. */
  readonly verify: (account: AccountId, role: AccountRole) => Promise<void>;
  /** The adapters of `region` in `account` through the role; never asked for the home account (the caller has its own). */
  readonly adaptersIn: (account: AccountId, region: Region, role: AccountRole) => RegionAdapters;
}

/** The state machine's hand-off between steps (the report bucket, under `runs/`): what one Lambda writes, the next reads. */
export interface HandOffStore extends ReportStore {
  /** Reads one object as text; throws `AwsCallError` (`s3:GetObject`). */
  get(key: string): Promise<string>;
}
