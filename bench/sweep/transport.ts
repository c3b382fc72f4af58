/**
 * An in-process transport for the real SDK clients: a `requestHandler` that answers each request
 * from the synthetic account in the service's own wire format (ECR, ECS, EventBridge: JSON 1.1 with
 * `X-Amz-Target`; Inspector2, Lambda, Batch, Scheduler: REST-JSON by method and path), with the page
 * and batch limits AWS documents, and counts every call per operation. Writes change the account,
 * so an apply is followed by a sweep that sees what it wrote. Unknown operations fail loudly.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { HttpResponse } from '@smithy/core/protocols';
import type { HttpRequest } from '@smithy/types';
import {
  ACCOUNT,
  OCI_INDEX,
  REGION,
  manifestOf,
  resolveTaskDefinition,
  taskDefinitionArn,
  type BenchAccount,
  type BenchImage,
  type BenchRepository,
  type BenchService,
  type BenchTask,
  type ContainerRef,
} from './account.js';

type Json = Record<string, unknown>;

/** What the writes and reads did, for the minimum-call figures of the writes. */
export interface Effects {
  /** PutImage calls that added a tag, and those answered ImageAlreadyExistsException. */
  putImageAdded: number;
  putImageAlreadyPresent: number;
  /** Repository → distinct digests whose manifest BatchGetImage was asked for. */
  readonly manifestsRead: Map<string, Set<string>>;
  /** Repository → tags removed by BatchDeleteImage. */
  readonly tagsRemoved: Map<string, number>;
  /** Repository → PutLifecyclePolicy calls. */
  readonly policiesWritten: Map<string, number>;
  /** Repository → DescribeImages listings started (first page), i.e. full reads of the repository. */
  readonly listings: Map<string, number>;
}

export interface Transport {
  readonly handle: (request: HttpRequest) => Promise<{ response: HttpResponse }>;
  /** `Service:Operation` → calls, e.g. `ECR:DescribeImages`; tag lookups by id are `ECR:DescribeImages(imageIds)`. */
  readonly counts: Map<string, number>;
  readonly effects: Effects;
  readonly reset: () => void;
}

/** An AWS error answer: `type` is the error code (`__type` / `x-amzn-errortype`). */
class WireError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const newEffects = (): Effects => ({
  putImageAdded: 0,
  putImageAlreadyPresent: 0,
  manifestsRead: new Map(),
  tagsRemoved: new Map(),
  policiesWritten: new Map(),
  listings: new Map(),
});

const bump = <K>(map: Map<K, number>, key: K, by = 1): void => {
  map.set(key, (map.get(key) ?? 0) + by);
};

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : undefined);
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const obj = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});

/**
 * One page of `items`. `max` is the documented largest page, `fallback` the page size when the caller
 * sets none; a larger page or a bad token is refused as AWS refuses it. Tokens are offsets.
 */
const paginate = <T>(items: readonly T[], pageSize: number | undefined, token: string | undefined, fallback: number, max: number, what: string): { page: T[]; next: string | undefined } => {
  const size = pageSize ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) throw new WireError('InvalidParameterException', `${what}: maxResults must be 1..${max}, got ${String(pageSize)}`);
  const start = token === undefined || token === '' ? 0 : Number(Buffer.from(token, 'base64url').toString());
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new WireError('InvalidParameterException', `${what}: bad nextToken`);
  const end = Math.min(items.length, start + size);
  return { page: items.slice(start, end), next: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined };
};

/** A batch of ids: at most `max`, at least one. */
const batch = (ids: unknown[], max: number, what: string, code = 'InvalidParameterException'): unknown[] => {
  if (ids.length === 0 || ids.length > max) throw new WireError(code, `${what}: between 1 and ${max} ids, got ${ids.length}`);
  return ids;
};

const utf8 = new TextDecoder();

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** Builds the transport over `account`. */
export const createTransport = (account: BenchAccount): Transport => {
  const counts = new Map<string, number>();
  let effects = newEffects();

  // ---------------------------------------------------------------- ECR
  const repo = (name: unknown): BenchRepository => {
    const repository = account.repositoryByName.get(str(name) ?? '');
    if (repository === undefined) throw new WireError('RepositoryNotFoundException', `The repository with name '${String(name)}' does not exist in the registry with id '${ACCOUNT}'`);
    return repository;
  };
  const tagIndex = (repository: BenchRepository): Map<string, BenchImage> => {
    if (repository.tagIndex === undefined) {
      const index = new Map<string, BenchImage>();
      for (const image of repository.images) for (const tag of image.tags) index.set(tag, image);
      repository.tagIndex = index;
    }
    return repository.tagIndex;
  };
  const findImage = (repository: BenchRepository, id: Json): BenchImage | undefined => {
    const digest = str(id['imageDigest']);
    const tag = str(id['imageTag']);
    const image = digest !== undefined ? repository.byDigest.get(digest) : tag !== undefined ? tagIndex(repository).get(tag) : undefined;
    if (image === undefined || (tag !== undefined && !image.tags.includes(tag))) return undefined;
    return image;
  };
  const detail = (repository: BenchRepository, image: BenchImage): Json => ({
    registryId: ACCOUNT,
    repositoryName: repository.name,
    imageDigest: image.digest,
    ...(image.tags.length === 0 ? {} : { imageTags: image.tags }),
    ...(image.children === undefined ? { imageSizeInBytes: image.size } : {}),
    imagePushedAt: image.pushedAt,
    imageManifestMediaType: image.mediaType,
    ...(image.pulledAt === undefined ? {} : { lastRecordedPullTime: image.pulledAt }),
    imageStatus: image.status,
    ...(image.archivedAt === undefined ? {} : { lastArchivedAt: image.archivedAt }),
  });
  const repositoryJson = (repository: BenchRepository): Json => ({
    repositoryArn: repository.arn,
    registryId: ACCOUNT,
    repositoryName: repository.name,
    repositoryUri: repository.uri,
    createdAt: repository.createdAt,
    imageTagMutability: 'MUTABLE',
    imageScanningConfiguration: { scanOnPush: false },
    encryptionConfiguration: { encryptionType: 'AES256' },
  });

  const ecr: Record<string, (input: Json) => Json> = {
    DescribeRepositories: (input) => {
      const names = arr(input['repositoryNames']);
      if (names.length > 0) return { repositories: names.map((n) => repositoryJson(repo(n))) };
      const { page, next } = paginate(account.repositories, num(input['maxResults']), str(input['nextToken']), 100, 1000, 'DescribeRepositories');
      return { repositories: page.map(repositoryJson), nextToken: next };
    },
    DescribeImages: (input) => {
      const repository = repo(input['repositoryName']);
      const ids = arr(input['imageIds']);
      if (ids.length > 0) {
        batch(ids, 100, 'DescribeImages imageIds');
        const found = new Map<string, BenchImage>();
        for (const id of ids) {
          const image = findImage(repository, obj(id));
          if (image === undefined) throw new WireError('ImageNotFoundException', `The image with imageId ${JSON.stringify(id)} does not exist within the repository with name '${repository.name}'`);
          found.set(image.digest, image);
        }
        return { imageDetails: [...found.values()].map((image) => detail(repository, image)) };
      }
      const filter = obj(input['filter']);
      const status = str(filter['imageStatus']) ?? 'ACTIVE';
      const tagStatus = str(filter['tagStatus']) ?? 'ANY';
      const token = str(input['nextToken']);
      if (token === undefined) bump(effects.listings, repository.name);
      const listed = repository.images.filter(
        (image) =>
          (status === 'ANY' || image.status === status) &&
          (tagStatus === 'ANY' || (tagStatus === 'TAGGED') === image.tags.length > 0),
      );
      const { page, next } = paginate(listed, num(input['maxResults']), token, 100, 1000, 'DescribeImages');
      return { imageDetails: page.map((image) => detail(repository, image)), nextToken: next };
    },
    ListTagsForResource: (input) => {
      const arn = str(input['resourceArn']) ?? '';
      const repository = repo(arn.split(':repository/')[1]);
      return { tags: Object.entries(repository.tags).map(([Key, Value]) => ({ Key, Value })) };
    },
    GetLifecyclePolicy: (input) => {
      const repository = repo(input['repositoryName']);
      if (repository.policy === undefined) throw new WireError('LifecyclePolicyNotFoundException', `Lifecycle policy does not exist for the repository with name '${repository.name}' in the registry with id '${ACCOUNT}'`);
      return { registryId: ACCOUNT, repositoryName: repository.name, lifecyclePolicyText: repository.policy, lastEvaluatedAt: Math.floor(Date.now() / 1000) };
    },
    PutLifecyclePolicy: (input) => {
      const repository = repo(input['repositoryName']);
      const text = str(input['lifecyclePolicyText']);
      if (text === undefined || text.length > 30_720) throw new WireError('InvalidParameterException', 'lifecyclePolicyText missing or longer than 30,720 characters');
      repository.policy = text;
      bump(effects.policiesWritten, repository.name);
      return { registryId: ACCOUNT, repositoryName: repository.name, lifecyclePolicyText: text };
    },
    BatchGetImage: (input) => {
      const repository = repo(input['repositoryName']);
      const ids = batch(arr(input['imageIds']), 100, 'BatchGetImage imageIds');
      const read = effects.manifestsRead.get(repository.name) ?? new Set<string>();
      effects.manifestsRead.set(repository.name, read);
      const images: Json[] = [];
      const failures: Json[] = [];
      for (const id of ids) {
        const imageId = obj(id);
        const image = findImage(repository, imageId);
        if (image === undefined) {
          failures.push({ imageId, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
          continue;
        }
        if (image.status !== 'ACTIVE') {
          failures.push({ imageId, failureCode: 'ImageNotFound', failureReason: 'Requested image is archived' });
          continue;
        }
        read.add(image.digest);
        images.push({ registryId: ACCOUNT, repositoryName: repository.name, imageId, imageManifest: manifestOf(repository, image), imageManifestMediaType: image.mediaType });
      }
      return { images, failures };
    },
    PutImage: (input) => {
      const repository = repo(input['repositoryName']);
      const manifest = str(input['imageManifest']) ?? '';
      const digest = str(input['imageDigest']) ?? sha256(manifest);
      const tag = str(input['imageTag']);
      if (sha256(manifest) !== digest) throw new WireError('ImageDigestDoesNotMatchException', `The imageDigest ${digest} does not match the manifest`);
      const image = repository.byDigest.get(digest);
      // Every PutImage here re-tags an existing image (the only kind ecr-keeper sends).
      if (image === undefined) throw new WireError('LayersNotFoundException', `Image ${digest} has no layers in ${repository.name}`);
      if (tag === undefined) throw new WireError('InvalidParameterException', 'imageTag is required');
      if (image.tags.includes(tag)) {
        effects.putImageAlreadyPresent += 1;
        throw new WireError('ImageAlreadyExistsException', `Image with digest '${digest}' and tag '${tag}' already exists in the repository with name '${repository.name}'`);
      }
      const holder = tagIndex(repository).get(tag);
      if (holder !== undefined) holder.tags = holder.tags.filter((t) => t !== tag); // MUTABLE: the tag moves
      image.tags = [...image.tags, tag];
      repository.tagIndex = undefined;
      effects.putImageAdded += 1;
      const mediaType = str(input['imageManifestMediaType']) ?? (image.mediaType === OCI_INDEX ? OCI_INDEX : image.mediaType);
      return { image: { registryId: ACCOUNT, repositoryName: repository.name, imageId: { imageDigest: digest, imageTag: tag }, imageManifest: manifest, imageManifestMediaType: mediaType } };
    },
    BatchDeleteImage: (input) => {
      const repository = repo(input['repositoryName']);
      const ids = batch(arr(input['imageIds']), 100, 'BatchDeleteImage imageIds');
      const imageIds: Json[] = [];
      const failures: Json[] = [];
      for (const id of ids) {
        const imageId = obj(id);
        const image = findImage(repository, imageId);
        if (image === undefined) {
          failures.push({ imageId, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
          continue;
        }
        const tag = str(imageId['imageTag']);
        if (tag === undefined) {
          image.tags = [];
        } else {
          image.tags = image.tags.filter((t) => t !== tag);
          bump(effects.tagsRemoved, repository.name);
        }
        // Removing the last tag deletes the image.
        if (image.tags.length === 0) {
          repository.images = repository.images.filter((i) => i !== image);
          repository.byDigest.delete(image.digest);
        }
        repository.tagIndex = undefined;
        imageIds.push({ imageDigest: image.digest, ...(tag === undefined ? {} : { imageTag: tag }) });
      }
      return { imageIds, failures };
    },
  };

  // ---------------------------------------------------------------- ECS
  const clusterOf = (value: unknown): string => {
    const name = str(value) ?? 'default';
    const cluster = account.clusters.find((c) => c.arn === name || c.name === name);
    if (cluster === undefined) throw new WireError('ClusterNotFoundException', `Cluster not found: ${name}`);
    return cluster.arn;
  };
  const tasksByCluster = new Map<string, BenchTask[]>();
  for (const task of account.tasks) tasksByCluster.set(task.clusterArn, [...(tasksByCluster.get(task.clusterArn) ?? []), task]);
  const servicesByCluster = new Map<string, BenchService[]>();
  for (const service of account.services) servicesByCluster.set(service.clusterArn, [...(servicesByCluster.get(service.clusterArn) ?? []), service]);
  const imagesJson = (containers: readonly ContainerRef[]): Json[] =>
    containers.map((c) => ({ containerName: c.name, image: c.image, ...(c.digest === undefined ? {} : { imageDigest: c.digest }) }));
  const deploymentBrief = (d: { arn: string; serviceArn: string; clusterArn: string; createdAt: number; status: string; targetRevisionArn: string }): Json => ({
    serviceDeploymentArn: d.arn,
    serviceArn: d.serviceArn,
    clusterArn: d.clusterArn,
    createdAt: d.createdAt,
    startedAt: d.createdAt,
    ...(d.status === 'SUCCESSFUL' ? { finishedAt: d.createdAt + 600 } : {}),
    targetServiceRevisionArn: d.targetRevisionArn,
    status: d.status,
  });

  const ecs: Record<string, (input: Json) => Json> = {
    ListClusters: (input) => {
      const { page, next } = paginate(account.clusters, num(input['maxResults']), str(input['nextToken']), 100, 100, 'ListClusters');
      return { clusterArns: page.map((c) => c.arn), nextToken: next };
    },
    DescribeClusters: (input) => {
      const ids = batch(arr(input['clusters']), 100, 'DescribeClusters clusters');
      return {
        clusters: ids.map((id) => {
          const cluster = account.clusters.find((c) => c.arn === clusterOf(id));
          return { clusterArn: cluster?.arn, clusterName: cluster?.name, status: 'ACTIVE', tags: Object.entries(cluster?.tags ?? {}).map(([key, value]) => ({ key, value })) };
        }),
        failures: [],
      };
    },
    ListTasks: (input) => {
      const cluster = clusterOf(input['cluster']);
      const desired = str(input['desiredStatus']) ?? 'RUNNING';
      const service = str(input['serviceName']);
      const tasks = desired === 'STOPPED' ? [] : (tasksByCluster.get(cluster) ?? []).filter((t) => service === undefined || t.group === `service:${service}`);
      const { page, next } = paginate(tasks, num(input['maxResults']), str(input['nextToken']), 100, 100, 'ListTasks');
      return { taskArns: page.map((t) => t.arn), nextToken: next };
    },
    DescribeTasks: (input) => {
      const cluster = clusterOf(input['cluster']);
      const ids = batch(arr(input['tasks']), 100, 'DescribeTasks tasks');
      const tasks: Json[] = [];
      const failures: Json[] = [];
      for (const id of ids) {
        const task = account.taskByArn.get(str(id) ?? '');
        if (task === undefined || task.clusterArn !== cluster) {
          failures.push({ arn: id, reason: 'MISSING' });
          continue;
        }
        tasks.push({
          taskArn: task.arn,
          clusterArn: task.clusterArn,
          group: task.group,
          lastStatus: task.lastStatus,
          desiredStatus: 'RUNNING',
          launchType: 'FARGATE',
          taskDefinitionArn: task.taskDefinitionArn,
          containers: task.containers.map((c) => ({
            containerArn: `${task.arn.replace(':task/', ':container/')}/${c.name}`,
            taskArn: task.arn,
            name: c.name,
            image: c.image,
            ...(c.digest === undefined ? {} : { imageDigest: c.digest }),
            lastStatus: task.lastStatus,
          })),
          tags: [],
        });
      }
      return { tasks, failures };
    },
    ListServices: (input) => {
      const cluster = clusterOf(input['cluster']);
      const { page, next } = paginate(servicesByCluster.get(cluster) ?? [], num(input['maxResults']), str(input['nextToken']), 10, 100, 'ListServices');
      return { serviceArns: page.map((s) => s.arn), nextToken: next };
    },
    DescribeServices: (input) => {
      const cluster = clusterOf(input['cluster']);
      const ids = batch(arr(input['services']), 10, 'DescribeServices services');
      const services: Json[] = [];
      const failures: Json[] = [];
      for (const id of ids) {
        const service = account.serviceByArn.get(str(id) ?? '') ?? account.services.find((s) => s.name === id && s.clusterArn === cluster);
        if (service === undefined || service.clusterArn !== cluster) {
          failures.push({ arn: id, reason: 'MISSING' });
          continue;
        }
        services.push({
          serviceArn: service.arn,
          serviceName: service.name,
          clusterArn: service.clusterArn,
          status: 'ACTIVE',
          desiredCount: service.desiredCount,
          runningCount: service.desiredCount,
          pendingCount: 0,
          launchType: 'FARGATE',
          taskDefinition: service.taskDefinition,
          deploymentController: { type: service.controller },
          ...(service.controller === 'EXTERNAL'
            ? { taskSets: service.taskSetTaskDefinitions.map((td, k) => ({ id: `ecs-svc/${service.index}${k}`, taskDefinition: td, status: k === 0 ? 'PRIMARY' : 'ACTIVE' })) }
            : {}),
          ...(service.currentRevisionArns.length === 0
            ? {}
            : { currentServiceRevisions: service.currentRevisionArns.map((arn) => ({ arn, requestedTaskCount: service.desiredCount, runningTaskCount: service.desiredCount, pendingTaskCount: 0 })) }),
          tags: [],
        });
      }
      return { services, failures };
    },
    ListServiceDeployments: (input) => {
      const cluster = clusterOf(input['cluster']);
      const service = account.serviceByArn.get(str(input['service']) ?? '') ?? account.services.find((s) => s.name === input['service'] && s.clusterArn === cluster);
      if (service === undefined) throw new WireError('ServiceNotFoundException', `Service not found: ${String(input['service'])}`);
      const statuses = arr(input['status']).map(String);
      const createdAt = obj(input['createdAt']);
      const after = num(createdAt['after']);
      const before = num(createdAt['before']);
      const listed = service.deployments.filter(
        (d) => (statuses.length === 0 || statuses.includes(d.status)) && (after === undefined || d.createdAt >= after) && (before === undefined || d.createdAt <= before),
      );
      const { page, next } = paginate(listed, num(input['maxResults']), str(input['nextToken']), 20, 100, 'ListServiceDeployments');
      return { serviceDeployments: page.map(deploymentBrief), nextToken: next };
    },
    DescribeServiceDeployments: (input) => {
      const ids = batch(arr(input['serviceDeploymentArns']), 20, 'DescribeServiceDeployments serviceDeploymentArns');
      const serviceDeployments: Json[] = [];
      const failures: Json[] = [];
      for (const id of ids) {
        const d = account.deployments.get(str(id) ?? '');
        if (d === undefined) {
          failures.push({ arn: id, reason: 'MISSING' });
          continue;
        }
        serviceDeployments.push({
          ...deploymentBrief(d),
          sourceServiceRevisions: d.sourceRevisionArns.map((arn) => ({ arn, requestedTaskCount: 0, runningTaskCount: 0, pendingTaskCount: 0 })),
          targetServiceRevision: { arn: d.targetRevisionArn, requestedTaskCount: 1, runningTaskCount: 1, pendingTaskCount: 0 },
        });
      }
      return { serviceDeployments, failures };
    },
    DescribeServiceRevisions: (input) => {
      const ids = batch(arr(input['serviceRevisionArns']), 20, 'DescribeServiceRevisions serviceRevisionArns');
      const serviceRevisions: Json[] = [];
      const failures: Json[] = [];
      for (const id of ids) {
        const revision = account.revisions.get(str(id) ?? '');
        if (revision === undefined) {
          failures.push({ arn: id, reason: 'MISSING' });
          continue;
        }
        serviceRevisions.push({
          serviceRevisionArn: revision.arn,
          serviceArn: revision.serviceArn,
          clusterArn: revision.clusterArn,
          taskDefinition: revision.taskDefinition,
          launchType: 'FARGATE',
          containerImages: imagesJson(revision.containers),
        });
      }
      return { serviceRevisions, failures };
    },
    DescribeTaskDefinition: (input) => {
      const resolved = resolveTaskDefinition(account, str(input['taskDefinition']) ?? '');
      if (resolved === undefined) throw new WireError('ClientException', 'Unable to describe task definition.');
      const { family, revision } = resolved;
      return {
        taskDefinition: {
          taskDefinitionArn: taskDefinitionArn(family.family, revision),
          family: family.family,
          revision,
          status: 'ACTIVE',
          containerDefinitions: family.containersOf(revision).map((c) => ({ name: c.name, image: c.image, essential: true })),
        },
        tags: [],
      };
    },
    ListTaskDefinitionFamilies: (input) => {
      const prefix = str(input['familyPrefix']) ?? '';
      const families = [...account.families.keys()].filter((f) => f.startsWith(prefix)).sort();
      const { page, next } = paginate(families, num(input['maxResults']), str(input['nextToken']), 100, 100, 'ListTaskDefinitionFamilies');
      return { families: page, nextToken: next };
    },
    ListTaskDefinitions: (input) => {
      const prefix = str(input['familyPrefix']);
      const arns: string[] = [];
      for (const family of account.families.values()) {
        if (prefix !== undefined && family.family !== prefix) continue;
        for (let r = 1; r <= family.latest; r++) arns.push(taskDefinitionArn(family.family, r));
      }
      if (str(input['sort']) === 'DESC') arns.reverse();
      const { page, next } = paginate(arns, num(input['maxResults']), str(input['nextToken']), 100, 100, 'ListTaskDefinitions');
      return { taskDefinitionArns: page, nextToken: next };
    },
  };

  // ---------------------------------------------------------------- EventBridge (JSON 1.1)
  const events: Record<string, (input: Json) => Json> = {
    ListEventBuses: (input) => {
      const { page, next } = paginate(account.buses, num(input['Limit']), str(input['NextToken']), 100, 100, 'ListEventBuses');
      return { EventBuses: page.map((Name) => ({ Name, Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${Name}` })), NextToken: next };
    },
    ListRules: (input) => {
      const bus = str(input['EventBusName']) ?? 'default';
      const rules = account.rules.filter((r) => r.bus === bus);
      const { page, next } = paginate(rules, num(input['Limit']), str(input['NextToken']), 100, 100, 'ListRules');
      return {
        Rules: page.map((r) => ({ Name: r.name, Arn: r.arn, State: 'ENABLED', EventBusName: bus, ...(bus === 'default' ? { ScheduleExpression: 'cron(0 2 * * ? *)' } : { EventPattern: '{"source":["ops"]}' }) })),
        NextToken: next,
      };
    },
    ListTargetsByRule: (input) => {
      const bus = str(input['EventBusName']) ?? 'default';
      const rule = account.rules.find((r) => r.name === input['Rule'] && r.bus === bus);
      if (rule === undefined) throw new WireError('ResourceNotFoundException', `Rule ${String(input['Rule'])} does not exist on EventBus ${bus}.`);
      const target = {
        Id: 'target-1',
        Arn: rule.targetArn,
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/events-run-task`,
        ...(rule.taskDefinitionArn === undefined ? {} : { EcsParameters: { TaskDefinitionArn: rule.taskDefinitionArn, TaskCount: 1, LaunchType: 'FARGATE' } }),
      };
      const { page, next } = paginate([target], num(input['Limit']), str(input['NextToken']), 100, 100, 'ListTargetsByRule');
      return { Targets: page, NextToken: next };
    },
  };

  // ---------------------------------------------------------------- Resource Groups Tagging API (JSON 1.1)
  const tagging: Record<string, (input: Json) => Json> = {
    GetResources: (input) => {
      const types = arr(input['ResourceTypeFilters']).map(String);
      if (types.length > 0 && !types.includes('ecr:repository') && !types.includes('ecr')) return { ResourceTagMappingList: [] };
      // Tagged resources only: a repository without tags does not appear.
      const tagged = account.repositories.filter((r) => Object.keys(r.tags).length > 0);
      const { page, next } = paginate(tagged, num(input['ResourcesPerPage']), str(input['PaginationToken']), 50, 100, 'GetResources');
      return {
        ResourceTagMappingList: page.map((r) => ({ ResourceARN: r.arn, Tags: Object.entries(r.tags).map(([Key, Value]) => ({ Key, Value })) })),
        PaginationToken: next ?? '',
      };
    },
  };

  // ---------------------------------------------------------------- REST-JSON services
  type Rest = (path: string[], query: Record<string, string>, body: Json) => Json;
  const scheduler: Record<string, Rest> = {
    ListSchedules: (_path, query) => {
      const { page, next } = paginate(account.schedules, num(query['MaxResults']), query['NextToken'], 100, 100, 'ListSchedules');
      return { Schedules: page.map((s) => ({ Arn: s.arn, Name: s.name, GroupName: s.group, State: 'ENABLED', Target: { Arn: s.targetArn } })), NextToken: next };
    },
    GetSchedule: (path, query) => {
      const name = decodeURIComponent(path[1] ?? '');
      const group = query['groupName'] ?? query['GroupName'] ?? 'default';
      const schedule = account.schedules.find((s) => s.name === name && s.group === group);
      if (schedule === undefined) throw new WireError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
      return {
        Arn: schedule.arn,
        Name: schedule.name,
        GroupName: schedule.group,
        State: 'ENABLED',
        ScheduleExpression: 'cron(0 3 * * ? *)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: {
          Arn: schedule.targetArn,
          RoleArn: `arn:aws:iam::${ACCOUNT}:role/scheduler-run-task`,
          ...(schedule.taskDefinitionArn === undefined ? {} : { EcsParameters: { TaskDefinitionArn: schedule.taskDefinitionArn, TaskCount: 1 } }),
        },
      };
    },
  };
  const lambda: Record<string, Rest> = {
    ListFunctions: (_path, query) => {
      // ListFunctions returns at most 50 a page whatever MaxItems says (Lambda API reference).
      const asked = num(query['MaxItems']);
      const { page, next } = paginate(account.functions, asked === undefined ? undefined : Math.min(asked, 50), query['Marker'], 50, 50, 'ListFunctions');
      return { Functions: page.map((f) => ({ FunctionName: f.name, FunctionArn: f.arn, PackageType: f.packageType, Version: '$LATEST' })), NextMarker: next };
    },
    ListAliases: (path, query) => {
      const fn = account.functions.find((f) => f.name === decodeURIComponent(path[2] ?? ''));
      if (fn === undefined) throw new WireError('ResourceNotFoundException', 'Function not found', 404);
      const { page, next } = paginate(fn.aliases, num(query['MaxItems']), query['Marker'], 50, 10_000, 'ListAliases');
      return {
        Aliases: page.map((a) => ({
          AliasArn: `${fn.arn}:${a.name}`,
          Name: a.name,
          FunctionVersion: a.version,
          ...(a.weighted === undefined ? {} : { RoutingConfig: { AdditionalVersionWeights: { [a.weighted]: 0.1 } } }),
        })),
        NextMarker: next,
      };
    },
    GetFunction: (path, query) => {
      const fn = account.functions.find((f) => f.name === decodeURIComponent(path[2] ?? ''));
      const qualifier = query['Qualifier'] ?? '$LATEST';
      const version = fn?.versions.get(qualifier);
      if (fn === undefined || (fn.packageType === 'Image' && version === undefined)) throw new WireError('ResourceNotFoundException', 'Function not found', 404);
      const repository = version?.imageUri.split(':')[0] ?? '';
      return {
        Configuration: { FunctionName: fn.name, FunctionArn: qualifier === '$LATEST' ? fn.arn : `${fn.arn}:${qualifier}`, Version: qualifier, PackageType: fn.packageType, State: 'Active' },
        Code: fn.packageType === 'Image' ? { RepositoryType: 'ECR', ImageUri: version?.imageUri, ResolvedImageUri: `${repository}@${version?.digest ?? ''}` } : { RepositoryType: 'S3' },
        Tags: {},
      };
    },
  };
  const batchService: Record<string, Rest> = {
    DescribeJobDefinitions: (_path, _query, body) => {
      const status = str(body['status']);
      const definitions = account.jobDefinitions.filter(() => status === undefined || status === 'ACTIVE');
      const { page, next } = paginate(definitions, num(body['maxResults']), str(body['nextToken']), 100, 100, 'DescribeJobDefinitions');
      return {
        jobDefinitions: page.map((d) => ({
          jobDefinitionName: d.name,
          jobDefinitionArn: d.arn,
          revision: d.revision,
          status: 'ACTIVE',
          type: 'container',
          containerProperties: { image: d.image, resourceRequirements: [{ type: 'VCPU', value: '1' }] },
          tags: {},
        })),
        nextToken: next,
      };
    },
  };
  const inspector: Record<string, Rest> = {
    ListCoverage: (_path, _query, body) => {
      const criteria = obj(body['filterCriteria']);
      const types = arr(criteria['resourceType']).map((f) => str(obj(f)['value']));
      const since = arr(criteria['ecrImageLastInUseAt']).map((f) => num(obj(f)['startInclusive']))[0];
      const matching = account.coverage.filter((c) => (types.length === 0 || types.includes('AWS_ECR_CONTAINER_IMAGE')) && (since === undefined || c.lastInUseAt >= since));
      const { page, next } = paginate(matching, num(body['maxResults']), str(body['nextToken']), 100, 200, 'ListCoverage');
      return {
        coveredResources: page.map((c) => ({
          resourceType: 'AWS_ECR_CONTAINER_IMAGE',
          resourceId: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${c.repository}/${c.digest}`,
          accountId: ACCOUNT,
          scanType: 'PACKAGE',
          scanStatus: { statusCode: 'ACTIVE', reason: 'SUCCESSFUL' },
          resourceMetadata: { ecrImage: { tags: c.tags, lastInUseAt: c.lastInUseAt, inUseCount: 1 } },
        })),
        nextToken: next,
      };
    },
  };

  /** REST routes: method, service host prefix and path pattern → operation. */
  const route = (service: string, method: string, path: string[]): string | undefined => {
    if (service === 'scheduler' && method === 'GET' && path[0] === 'schedules') return path.length === 1 ? 'ListSchedules' : 'GetSchedule';
    if (service === 'lambda' && method === 'GET' && path[0] === '2015-03-31' && path[1] === 'functions')
      return path.length === 2 ? 'ListFunctions' : path[3] === 'aliases' ? 'ListAliases' : path.length === 3 ? 'GetFunction' : undefined;
    if (service === 'batch' && method === 'POST' && path.join('/') === 'v1/describejobdefinitions') return 'DescribeJobDefinitions';
    if (service === 'inspector2' && method === 'POST' && path.join('/') === 'coverage/list') return 'ListCoverage';
    return undefined;
  };
  const restServices: Record<string, { label: string; ops: Record<string, Rest> }> = {
    scheduler: { label: 'Scheduler', ops: scheduler },
    lambda: { label: 'Lambda', ops: lambda },
    batch: { label: 'Batch', ops: batchService },
    inspector2: { label: 'Inspector2', ops: inspector },
  };
  const jsonServices: Record<string, { label: string; namespace: string; ops: Record<string, (input: Json) => Json> }> = {
    AmazonEC2ContainerRegistry_V20150921: { label: 'ECR', namespace: 'com.amazonaws.ecr', ops: ecr },
    AmazonEC2ContainerServiceV20141113: { label: 'ECS', namespace: 'com.amazonaws.ecs', ops: ecs },
    AWSEvents: { label: 'EventBridge', namespace: 'com.amazonaws.eventbridge', ops: events },
    ResourceGroupsTaggingAPI_20170126: { label: 'ResourceGroupsTagging', namespace: 'com.amazonaws.resourcegroupstaggingapi', ops: tagging },
  };

  const respond = (status: number, body: Json, headers: Record<string, string>): { response: HttpResponse } => {
    const bytes = Buffer.from(JSON.stringify(body));
    return {
      response: new HttpResponse({
        statusCode: status,
        headers: { 'x-amzn-requestid': '00000000-0000-0000-0000-000000000000', 'content-length': String(bytes.length), ...headers },
        body: Readable.from([bytes]),
      }),
    };
  };

  const bodyOf = (request: HttpRequest): Json => {
    const raw: unknown = request.body;
    // TextDecoder reads the bytes; Buffer.from would call the SDK body's valueOf (a string adapter that warns).
    const text = typeof raw === 'string' ? raw : raw instanceof Uint8Array ? utf8.decode(raw) : '';
    return text === '' ? {} : obj(JSON.parse(text));
  };

  const handle = async (request: HttpRequest): Promise<{ response: HttpResponse }> => {
    const target = request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'];
    if (target !== undefined) {
      const [prefix = '', operation = ''] = target.split('.');
      const service = jsonServices[prefix];
      const handler = service?.ops[operation];
      if (service === undefined || handler === undefined) throw new Error(`bench transport: no model for ${target}`);
      const input = bodyOf(request);
      const key = `${service.label}:${operation}${operation === 'DescribeImages' && arr(input['imageIds']).length > 0 ? '(imageIds)' : ''}`;
      bump(counts, key);
      try {
        return respond(200, handler(input), { 'content-type': 'application/x-amz-json-1.1' });
      } catch (error) {
        if (!(error instanceof WireError)) throw error;
        return respond(error.status, { __type: `${service.namespace}#${error.type}`, message: error.message }, { 'content-type': 'application/x-amz-json-1.1' });
      }
    }
    const host = request.hostname.split('.')[0] ?? '';
    const service = restServices[host];
    const path = request.path.split('/').filter((p) => p !== '');
    const operation = route(host, request.method, path);
    const handler = operation === undefined ? undefined : service?.ops[operation];
    if (service === undefined || operation === undefined || handler === undefined) throw new Error(`bench transport: no model for ${request.method} ${request.hostname}${request.path}`);
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.query ?? {})) if (typeof v === 'string') query[k] = v;
    bump(counts, `${service.label}:${operation}`);
    try {
      return respond(200, handler(path, query, bodyOf(request)), { 'content-type': 'application/json' });
    } catch (error) {
      if (!(error instanceof WireError)) throw error;
      return respond(error.status, { message: error.message }, { 'content-type': 'application/json', 'x-amzn-errortype': error.type });
    }
  };

  return {
    handle,
    counts,
    get effects() {
      return effects;
    },
    reset: () => {
      counts.clear();
      effects = newEffects();
    },
  };
};
