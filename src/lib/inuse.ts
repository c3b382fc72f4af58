/**
 * The in-use set: every image digest a workload runs or may run again, with who uses it.
 * Two steps: `collectReferences` reads ECS in one region (tasks, service revisions, deployment
 * revisions) and `resolveInUse` turns image strings into registry/region/repository/digest,
 * resolving tag-only references through ECR. Every "keep" downstream cites these `uses`.
 */
import pLimit from 'p-limit';
import { AwsCallError } from './errors.js';
import type { Cluster, ContainerImage, DeploymentRevisions, EcrPort, EcsPort, Service, ServiceRevision, Tags, TaskDefinitionImages } from './aws/ports.js';
import type { KeeperConfig } from './config.js';
import { parseImageReference, partitionOf, type EcrImageReference, type ImageReference } from './domain/image-ref.js';
import type { AccountId, Digest, InUseImage, Region, RepositoryName, UseSource } from './domain/types.js';
import { pickEnvironment, resolveEnvironment } from './environment.js';

/** One container image named by one workload, before its digest is known for sure. */
export interface WorkloadReference {
  readonly source: UseSource;
  /** The digest ECS reports the workload actually pulled (`imageDigest`); absent e.g. while a task is pending. */
  readonly imageDigest?: Digest | undefined;
}

/** A read that failed; `scope` names what could not be read, e.g. `ecs:us-east-1:cluster/prod:service/api`. */
export interface ScopedFailure {
  readonly scope: string;
  readonly error: unknown;
}

/** What `collectReferences` found in one region. */
export interface CollectedReferences {
  readonly references: readonly WorkloadReference[];
  readonly failures: readonly ScopedFailure[];
  /**
   * False when any read failed: some workload's images may be missing from `references`, so the
   * in-use set of this region is incomplete and the caller must not write anything in it
   * (a policy or tag change could expire an image that a workload we could not read still runs).
   */
  readonly complete: boolean;
}

/** A reference that is reported but not protected, and why. */
export interface ReportedReference {
  readonly reference: WorkloadReference;
  readonly why: string;
}

/** The in-use set of a sweep, with everything that could not be placed in it. */
export interface InUseResult {
  /** One entry per registry + region + repository + digest; `uses` merged, `environment` the most important. */
  readonly images: readonly InUseImage[];
  /** Images in another account's registry: ours cannot protect them; reported only. */
  readonly foreign: readonly ReportedReference[];
  /** Images outside private ECR (Docker Hub, ghcr.io, ECR Public, …). */
  readonly nonEcr: readonly WorkloadReference[];
  /** References with no usable digest: unparseable, tag not found, region without a port. */
  readonly unresolved: readonly ReportedReference[];
  /** Tag lookups that failed; the repositories they name have an incomplete in-use set. */
  readonly failures: readonly ScopedFailure[];
  /** False when `failures` is not empty (see `CollectedReferences.complete`). */
  readonly complete: boolean;
}

const SERVICE_GROUP = 'service:';
/** Repositories whose tags are looked up at once (the sweep's ECR port reads a listing for each). */
const TAG_LOOKUPS_IN_FLIGHT = 4;
/** Deployment controllers whose task sets, not service revisions, say what a service runs. */
const TASK_SET_CONTROLLERS: ReadonlySet<string> = new Set(['CODE_DEPLOY', 'EXTERNAL']);

/**
 * The task definitions a service may start tasks from when its revisions do not say: a service with
 * no current revision (deployed before ECS recorded revisions) or one that CodeDeploy or an external
 * controller deploys through task sets. Scaling it up runs these, so their images count as in use.
 */
const fallbackTaskDefinitions = (service: Service): string[] =>
  service.currentRevisionArns.length > 0 && !TASK_SET_CONTROLLERS.has(service.deploymentController ?? 'ECS')
    ? []
    : [...new Set([service.taskDefinitionArn, ...(service.taskSetTaskDefinitionArns ?? [])].filter((arn): arn is string => arn !== undefined && arn !== ''))];

/** The key of a repository in `inUseByRepository`: `${registryId}/${region}/${repository}`. */
export const repositoryKey = (registryId: AccountId, region: Region, repository: RepositoryName): string =>
  `${registryId}/${region}/${repository}`;

const imageKey = (registryId: AccountId, region: Region, repository: RepositoryName, digest: Digest): string =>
  `${repositoryKey(registryId, region, repository)}@${digest}`;

/** Groups in-use images by repository (key from `repositoryKey`), for the per-repository planner. */
export const inUseByRepository = (images: readonly InUseImage[]): Map<string, InUseImage[]> => {
  const byRepository = new Map<string, InUseImage[]>();
  for (const image of images) {
    const key = repositoryKey(image.registryId, image.region, image.repository);
    const list = byRepository.get(key);
    if (list) list.push(image);
    else byRepository.set(key, [image]);
  }
  return byRepository;
};

/**
 * Reads every workload of one region: each cluster's running and pending tasks (every container)
 * and each service (scaled to zero included) with its current revisions and its deployments'
 * source and target revisions. A read that fails is recorded in `failures` with its scope and
 * collection goes on; `complete` is then false and the region must stay read-only.
 */
export const collectReferences = async (
  ecs: EcsPort,
  config: Pick<KeeperConfig, 'environments' | 'environmentResolution'>,
): Promise<CollectedReferences> => {
  const region = ecs.region;
  const references: WorkloadReference[] = [];
  const failures: ScopedFailure[] = [];
  const clusters: Cluster[] = [];
  // Task definitions described so far, shared by every cluster: a revision is immutable, so one call each.
  const taskDefinitions = new Map<string, TaskDefinitionImages>();
  try {
    for await (const cluster of ecs.listClusters()) clusters.push(cluster);
  } catch (error) {
    failures.push({ scope: `ecs:${region}:clusters`, error });
  }

  // Each cluster's references and failures, kept apart so the result lists them cluster by cluster
  // although deployments and revisions are read for all clusters at once.
  interface ClusterRead {
    readonly cluster: Cluster;
    readonly scope: string;
    readonly services: Service[];
    readonly references: WorkloadReference[];
    readonly failures: ScopedFailure[];
    readonly add: (
      kind: UseSource['kind'],
      arn: string,
      container: ContainerImage,
      labels: { serviceName?: string | undefined; serviceTags?: Tags | undefined; taskTags?: Tags | undefined },
    ) => void;
  }
  const reads: ClusterRead[] = [];
  for (const cluster of clusters) {
    const clusterScope = `ecs:${region}:cluster/${cluster.name}`;
    const clusterReferences: WorkloadReference[] = [];
    const clusterFailures: ScopedFailure[] = [];
    const add: ClusterRead['add'] = (kind, arn, container, labels) => {
      const { environment } = resolveEnvironment(config, { ...labels, clusterTags: cluster.tags, clusterName: cluster.name });
      clusterReferences.push({
        source: { kind, region, cluster: cluster.name, service: labels.serviceName, arn, image: container.image, environment },
        imageDigest: container.imageDigest,
      });
    };

    // Services first, so a task started by a service inherits the service's tags for its environment.
    const services: Service[] = [];
    try {
      for await (const service of ecs.listServices(cluster.arn)) services.push(service);
    } catch (error) {
      clusterFailures.push({ scope: `${clusterScope}:services`, error });
    }
    const serviceByName = new Map(services.map((s) => [s.name, s]));

    try {
      for await (const task of ecs.listTasks(cluster.arn)) {
        const serviceName = task.group?.startsWith(SERVICE_GROUP) ? task.group.slice(SERVICE_GROUP.length) : undefined;
        const serviceTags = serviceName === undefined ? undefined : serviceByName.get(serviceName)?.tags;
        for (const container of task.containers) add('task', task.arn, container, { serviceName, serviceTags, taskTags: task.tags });
      }
    } catch (error) {
      clusterFailures.push({ scope: `${clusterScope}:tasks`, error });
    }
    reads.push({ cluster, scope: clusterScope, services, references: clusterReferences, failures: clusterFailures, add });
  }

  // A service scaled to zero or rolling back pulls the digests pinned in its revisions
  // (software version consistency), so revisions count even with no task running.
  // One lookup and one describe per region: ECS throttles these calls per account, not per service,
  // and both describes take ARNs only, so their batches span clusters.
  const withServices = reads.filter((read) => read.services.length > 0);
  let deployedByCluster: ReadonlyMap<string, DeploymentRevisions> = new Map();
  let deployedFailure: { readonly error: unknown } | undefined;
  if (withServices.length > 0) {
    try {
      deployedByCluster = await ecs.deploymentRevisionArns(withServices.map((read) => ({ clusterArn: read.cluster.arn, serviceArns: read.services.map((s) => s.arn) })));
    } catch (error) {
      deployedFailure = { error };
    }
  }
  const deployedOf = (read: ClusterRead): DeploymentRevisions =>
    deployedFailure !== undefined
      ? { byService: new Map(), failures: new Map(read.services.map((s) => [s.arn, deployedFailure?.error])) }
      : (deployedByCluster.get(read.cluster.arn) ?? { byService: new Map(), failures: new Map() });
  const arnsOf = (deployed: DeploymentRevisions, service: Service): string[] => [
    ...new Set([...service.currentRevisionArns, ...(deployed.byService.get(service.arn) ?? [])]),
  ];
  const wanted = [...new Set(reads.flatMap((read) => read.services.flatMap((service) => arnsOf(deployedOf(read), service))))];
  const revisions = new Map<string, ServiceRevision>();
  let describeFailure: { readonly error: unknown } | undefined;
  if (wanted.length > 0) {
    try {
      for (const revision of await ecs.describeServiceRevisions(wanted)) revisions.set(revision.arn, revision);
    } catch (error) {
      describeFailure = { error };
    }
  }

  for (const read of reads) {
    const { scope: clusterScope, services, failures: clusterFailures, add } = read;
    const deployed = deployedOf(read);
    const definitionArns = [...new Set(services.flatMap(fallbackTaskDefinitions))].filter((arn) => !taskDefinitions.has(arn));
    let definitionFailure: { readonly error: unknown } | undefined;
    if (definitionArns.length > 0) {
      try {
        for (const [arn, definition] of await ecs.describeTaskDefinitions(definitionArns)) taskDefinitions.set(arn, definition);
      } catch (error) {
        definitionFailure = { error };
      }
    }

    for (const service of services) {
      const scope = `${clusterScope}:service/${service.name}`;
      if (deployed.failures.has(service.arn)) clusterFailures.push({ scope: `${scope}:deployments`, error: deployed.failures.get(service.arn) });
      const fallback = fallbackTaskDefinitions(service);
      for (const arn of fallback)
        for (const container of taskDefinitions.get(arn)?.containerImages ?? [])
          add('task-definition', arn, container, { serviceName: service.name, serviceTags: service.tags });
      // The service names them, so they exist unless deleted under us: their images are unknown, not unused.
      const unread = fallback.filter((arn) => !taskDefinitions.has(arn));
      if (unread.length > 0)
        clusterFailures.push({
          scope: `${scope}:task-definitions`,
          error: definitionFailure?.error ?? new Error(`task definition(s) not returned by DescribeTaskDefinition: ${unread.join(', ')}`),
        });
      const arns = arnsOf(deployed, service);
      if (arns.length === 0) continue;
      if (describeFailure !== undefined) {
        clusterFailures.push({ scope: `${scope}:revisions`, error: describeFailure.error });
        continue;
      }
      const current = new Set(service.currentRevisionArns);
      for (const arn of arns) {
        const revision = revisions.get(arn);
        if (revision === undefined) continue;
        const kind = current.has(arn) ? 'service-revision' : 'deployment-revision';
        for (const container of revision.containerImages) add(kind, arn, container, { serviceName: service.name, serviceTags: service.tags });
      }
      // DescribeServiceRevisions reports unknown ARNs in failures[] rather than throwing: a revision
      // we were told about but could not read may pin a digest we would then fail to protect.
      const missing = arns.filter((arn) => !revisions.has(arn));
      if (missing.length > 0)
        clusterFailures.push({ scope: `${scope}:revisions`, error: new Error(`service revision(s) not returned by DescribeServiceRevisions: ${missing.join(', ')}`) });
    }
  }
  for (const read of reads) {
    references.push(...read.references);
    failures.push(...read.failures);
  }
  return { references, failures, complete: failures.length === 0 };
};

interface Placed {
  readonly registryId: AccountId;
  readonly region: Region;
  readonly repository: RepositoryName;
  readonly digest: Digest;
  readonly source: UseSource;
}

// The service and cluster are part of the key: a task definition named by a service and by the families source are two uses.
const useKey = (use: UseSource): string => [use.kind, use.arn, use.image, use.cluster ?? '', use.service ?? ''].join('\u0000');

const isRepositoryNotFound = (error: unknown): boolean =>
  error instanceof AwsCallError && error.awsCode === 'RepositoryNotFoundException';

/** `; ECS reported digest …`, so a reported reference never loses the digest a workload pulled. */
const reportedDigest = (reference: WorkloadReference): string =>
  reference.imageDigest === undefined ? '' : `; ECS reported digest ${reference.imageDigest}`;

/**
 * Places every reference in the in-use set. The digest used is, in order: the container's
 * `imageDigest` (what was actually pulled, so it wins over the tag), the `@sha256:` digest the
 * image string names, else the tag resolved through `ecrFor(region).resolveTags` with one call per
 * repository. Another account's registry, or a registry in another partition than the workload's
 * region (the sweep's partition), goes to `foreign`; other registries to `nonEcr`. A host shaped
 * like ECR that fits no partition is `foreign` when another account's, else `unresolved` and a
 * failure: it may be one of ours, so nothing can be proven unused.
 * `ownRegistryIds` are the registries `ecrFor` reaches (normally the sweep's one account).
 */
export const resolveInUse = async (
  references: readonly WorkloadReference[],
  /** The ECR port of a registry in a region (`registryId` matters in the organisation mode). */
  ecrFor: (region: Region, registryId: AccountId) => EcrPort | undefined,
  ownRegistryIds: ReadonlySet<AccountId>,
  config: Pick<KeeperConfig, 'environments' | 'environmentResolution'>,
): Promise<InUseResult> => {
  const placed: Placed[] = [];
  const foreign: ReportedReference[] = [];
  const nonEcr: WorkloadReference[] = [];
  const unresolved: ReportedReference[] = [];
  const failures: ScopedFailure[] = [];
  const byTag = new Map<string, { parsed: EcrImageReference; pending: { reference: WorkloadReference; tag: string }[] }>();

  for (const reference of references) {
    const parsed: ImageReference = parseImageReference(reference.source.image);
    if (parsed.kind === 'invalid') {
      unresolved.push({ reference, why: `cannot parse image "${reference.source.image}": ${parsed.reason}` });
      continue;
    }
    if (parsed.kind === 'other') {
      nonEcr.push(reference);
      continue;
    }
    if (parsed.kind === 'ecr-unplaced') {
      const why = `ECR host "${parsed.host}" cannot be placed: ${parsed.reason}${reportedDigest(reference)}`;
      if (!ownRegistryIds.has(parsed.registryId)) {
        foreign.push({ reference, why });
        continue;
      }
      unresolved.push({ reference, why });
      failures.push({ scope: `ecr:${parsed.host}/${parsed.repository}`, error: new Error(`${reference.source.image}: ${why}; it names this sweep's account, so its image may be one this sweep must keep`) });
      continue;
    }
    // Accounts, credentials and registries never cross partitions: the sweep reaches only the workload's.
    const sweepPartition = partitionOf(reference.source.region);
    if (parsed.partition !== sweepPartition) {
      foreign.push({
        reference,
        why: `registry ${parsed.registryId} is in partition ${parsed.partition} (${parsed.region}), not partition ${sweepPartition} of this sweep (workload in ${reference.source.region})${reportedDigest(reference)}`,
      });
      continue;
    }
    if (!ownRegistryIds.has(parsed.registryId)) {
      foreign.push({ reference, why: `registry ${parsed.registryId} is not one of this sweep's accounts (${[...ownRegistryIds].join(', ')})${reportedDigest(reference)}` });
      continue;
    }
    const where = { registryId: parsed.registryId, region: parsed.region, repository: parsed.repository, source: reference.source };
    const digests = new Set<Digest>();
    if (reference.imageDigest !== undefined) digests.add(reference.imageDigest);
    // A task definition that pins `@sha256:` pulls exactly that digest; if ECS reports another one
    // (it should not), protecting both costs nothing and errs on the side of keeping.
    if (parsed.digest !== undefined) digests.add(parsed.digest);
    if (digests.size > 0) {
      for (const digest of digests) placed.push({ ...where, digest });
      continue;
    }
    // parseImageReference gives `latest` when neither tag nor digest is named, so a tag is set here.
    const tag = parsed.tag ?? 'latest';
    const key = repositoryKey(parsed.registryId, parsed.region, parsed.repository);
    const group = byTag.get(key);
    if (group) group.pending.push({ reference, tag });
    else byTag.set(key, { parsed, pending: [{ reference, tag }] });
  }

  // A few repositories looked up at once (each may wait for its listing); results taken in order.
  type Lookup = { readonly ok: true; readonly digestOfTag: ReadonlyMap<string, Digest> } | { readonly ok: false; readonly error: unknown };
  const limit = pLimit(TAG_LOOKUPS_IN_FLIGHT);
  const lookups = new Map<string, Promise<Lookup>>();
  for (const [key, { parsed, pending }] of byTag) {
    const ecr = ecrFor(parsed.region, parsed.registryId);
    if (ecr === undefined) continue;
    lookups.set(
      key,
      limit(() => ecr.resolveTags(parsed.repository, [...new Set(pending.map((p) => p.tag))])).then(
        (digestOfTag): Lookup => ({ ok: true, digestOfTag }),
        (error: unknown): Lookup => ({ ok: false, error }),
      ),
    );
  }
  for (const [key, { parsed, pending }] of byTag) {
    const lookup = lookups.get(key);
    if (lookup === undefined) {
      for (const { reference, tag } of pending)
        unresolved.push({ reference, why: `tag "${tag}" cannot be resolved: region ${parsed.region} is not swept` });
      continue;
    }
    const looked = await lookup;
    if (!looked.ok) {
      const { error } = looked;
      if (isRepositoryNotFound(error)) {
        for (const { reference, tag } of pending)
          unresolved.push({ reference, why: `tag "${tag}" cannot be resolved: repository ${parsed.repository} does not exist` });
        continue;
      }
      failures.push({ scope: `ecr:${parsed.region}:repository/${parsed.repository}`, error });
      for (const { reference, tag } of pending) unresolved.push({ reference, why: `tag "${tag}" lookup failed in ${key}` });
      continue;
    }
    for (const { reference, tag } of pending) {
      const digest = looked.digestOfTag.get(tag);
      if (digest === undefined) unresolved.push({ reference, why: `tag "${tag}" not found in ${key}` });
      else placed.push({ registryId: parsed.registryId, region: parsed.region, repository: parsed.repository, digest, source: reference.source });
    }
  }

  const merged = new Map<string, { image: Omit<InUseImage, 'uses' | 'environment'>; uses: Map<string, UseSource> }>();
  for (const p of placed) {
    const key = imageKey(p.registryId, p.region, p.repository, p.digest);
    let entry = merged.get(key);
    if (!entry) {
      entry = { image: { registryId: p.registryId, region: p.region, repository: p.repository, digest: p.digest }, uses: new Map() };
      merged.set(key, entry);
    }
    entry.uses.set(useKey(p.source), p.source);
  }
  const images: InUseImage[] = [...merged.values()].map(({ image, uses }) => {
    const list = [...uses.values()];
    return { ...image, environment: pickEnvironment(config, list.map((u) => u.environment)), uses: list };
  });

  return { images, foreign, nonEcr, unresolved, failures, complete: failures.length === 0 };
};

/**
 * Merges in-use sets read apart (one per account and region, by a state machine's items): one entry
 * per image, every use kept once, the most important environment.
 */
export const mergeInUseImages = (config: Pick<KeeperConfig, 'environments' | 'environmentResolution'>, sets: readonly (readonly InUseImage[])[]): InUseImage[] => {
  const merged = new Map<string, { image: Omit<InUseImage, 'uses' | 'environment'>; uses: Map<string, UseSource> }>();
  for (const set of sets)
    for (const { uses, environment: _environment, ...image } of set) {
      const key = imageKey(image.registryId, image.region, image.repository, image.digest);
      let entry = merged.get(key);
      if (!entry) {
        entry = { image, uses: new Map() };
        merged.set(key, entry);
      }
      for (const use of uses) entry.uses.set(useKey(use), use);
    }
  return [...merged.values()].map(({ image, uses }) => {
    const list = [...uses.values()];
    return { ...image, environment: pickEnvironment(config, list.map((u) => u.environment)), uses: list };
  });
};
