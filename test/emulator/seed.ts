/**
 * Seeding over the real SDK, shared by the emulator tests and the README demo: functions take
 * clients and the control URL as parameters (no vitest `inject`).
 * Images are real Docker v2 / OCI manifests whose digest is the sha256 of the exact bytes,
 * pushed with PutImage (moto does not check blobs, so the layers need not exist).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  CreateRepositoryCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  type ECRClient,
  type ImageTagMutability,
} from '@aws-sdk/client-ecr';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  ListContainerInstancesCommand,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  UpdateServiceCommand,
  type ECSClient,
  type ServiceDeploymentStatus,
  type Tag as EcsTag,
} from '@aws-sdk/client-ecs';
import type { Inspector2Client } from '@aws-sdk/client-inspector2';
import type { Digest } from '../../src/lib/domain/types.js';
import { toDigest } from '../helpers/factories.js';
import { addContainerInstance, defaultNetwork, seedFindings, setImageTimes, type FindingSeed } from './control.js';

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

const DAY_MS = 86_400_000;

/** `now` minus `days` days. */
export const daysAgo = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS);

const sha256 = (data: string | Uint8Array): Digest =>
  toDigest(`sha256:${createHash('sha256').update(data).digest('hex')}`);

/** ECS tags (`{key, value}`) from a plain map. */
const ecsTags = (tags: Readonly<Record<string, string>> = {}): EcsTag[] =>
  Object.entries(tags).map(([key, value]) => ({ key, value }));

export interface SeededRepository {
  readonly name: string;
  readonly arn: string;
  readonly uri: string;
}

export interface CreateRepositoryOptions {
  readonly mutability?: ImageTagMutability;
  /** Repository resource tags (ECR `{Key, Value}` on the wire). */
  readonly tags?: Readonly<Record<string, string>>;
  /** WILDCARD exclusion filters for the `*_WITH_EXCLUSION` mutability modes. */
  readonly exclusionFilters?: readonly string[];
}

/** Creates a repository; returns its name, ARN and URI. */
export const createRepository = async (
  ecr: ECRClient,
  name: string,
  options: CreateRepositoryOptions = {},
): Promise<SeededRepository> => {
  const { repository } = await ecr.send(
    new CreateRepositoryCommand({
      repositoryName: name,
      imageTagMutability: options.mutability ?? 'MUTABLE',
      imageTagMutabilityExclusionFilters: options.exclusionFilters?.map((filter) => ({
        filter,
        filterType: 'WILDCARD',
      })),
      tags: Object.entries(options.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  if (repository?.repositoryArn === undefined || repository.repositoryUri === undefined) {
    throw new Error(`CreateRepository ${name} returned no repository`);
  }
  return { name, arn: repository.repositoryArn, uri: repository.repositoryUri };
};

export interface Platform {
  readonly architecture: 'amd64' | 'arm64';
  readonly os: 'linux';
}

export interface PushImageOptions {
  readonly repository: string;
  /** The account `ecr` pushes to, when not the emulator's own (its times are set there). */
  readonly accountId?: string;
  /** Tags to put on the image; empty pushes it untagged. */
  readonly tags?: readonly string[];
  /** Push time to record (moto would stamp "now"). */
  readonly pushedAt?: Date;
  /** Last recorded pull, if any. */
  readonly lastPulledAt?: Date;
  /** Byte sizes of generated layers (default two small layers). */
  readonly layers?: readonly number[];
  /** Extra fields for the image config blob (labels, env...). */
  readonly config?: Readonly<Record<string, unknown>>;
  readonly platform?: Platform;
  /** `docker` (schema 2) or `oci` (default). */
  readonly format?: 'docker' | 'oci';
  /** OCI only: leave `mediaType` out of the manifest body (PutImage must then name it). */
  readonly omitMediaType?: boolean;
  /** OCI only: make this image a referrer (signature, SBOM) of `subject`. */
  readonly subject?: { readonly digest: Digest; readonly mediaType: string; readonly size: number };
  readonly artifactType?: string;
  readonly region?: string;
}

export interface PushedImage {
  /** sha256 of the exact manifest bytes. */
  readonly digest: Digest;
  /** The manifest text exactly as pushed. */
  readonly manifest: string;
  readonly mediaType: string;
  readonly tags: readonly string[];
  readonly pushedAt?: Date;
  readonly platform?: Platform;
}

interface Descriptor {
  readonly mediaType: string;
  readonly digest: Digest;
  readonly size: number;
}

const blob = (mediaType: string, bytes: Uint8Array): Descriptor => ({
  mediaType,
  digest: sha256(bytes),
  size: bytes.byteLength,
});

/** Layers up to this size are generated; larger ones are only declared. */
const GENERATED_LAYER_MAX = 64 * 1024;

/**
 * A layer of realistic size (hundreds of MB) without generating it: moto never checks blobs,
 * and ECR's `imageSizeInBytes` is the sum of the declared layer sizes, so costs are realistic.
 */
const declaredBlob = (mediaType: string, size: number): Descriptor => ({ mediaType, digest: sha256(randomBytes(32)), size });

/**
 * Serialises like registries do (3-space indent, Docker's habit): never the compact form,
 * so a client that re-serialises the manifest changes its digest and the test notices.
 */
const serialise = (value: unknown): string => JSON.stringify(value, null, 3);

/** Builds a single-platform image manifest over generated config and layer blobs. */
export const buildImageManifest = (
  options: Pick<PushImageOptions, 'layers' | 'config' | 'platform' | 'format' | 'omitMediaType' | 'subject' | 'artifactType' | 'pushedAt'>,
): { readonly manifest: string; readonly mediaType: string } => {
  const docker = options.format === 'docker';
  const platform = options.platform ?? { architecture: 'amd64', os: 'linux' };
  const configBytes = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      created: (options.pushedAt ?? new Date()).toISOString(),
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
      rootfs: { type: 'layers', diff_ids: [] },
      // A nonce keeps every pushed image distinct even with identical options.
      nonce: randomBytes(16).toString('hex'),
      ...options.config,
    }),
  );
  const layerType = docker ? MEDIA_TYPES.dockerLayer : MEDIA_TYPES.ociLayer;
  const layers = (options.layers ?? [1024, 4096]).map((size) =>
    size <= GENERATED_LAYER_MAX ? blob(layerType, randomBytes(size)) : declaredBlob(layerType, size),
  );
  const mediaType = docker ? MEDIA_TYPES.dockerManifest : MEDIA_TYPES.ociManifest;
  const body: Record<string, unknown> = { schemaVersion: 2 };
  if (docker || options.omitMediaType !== true) body['mediaType'] = mediaType;
  if (!docker && options.artifactType !== undefined) body['artifactType'] = options.artifactType;
  body['config'] = blob(docker ? MEDIA_TYPES.dockerConfig : MEDIA_TYPES.ociConfig, configBytes);
  body['layers'] = layers;
  if (!docker && options.subject !== undefined) body['subject'] = options.subject;
  return { manifest: serialise(body), mediaType };
};

const putManifest = async (
  ecr: ECRClient,
  control: string,
  input: {
    readonly repository: string;
    readonly manifest: string;
    readonly mediaType: string;
    readonly tags: readonly string[];
    readonly pushedAt?: Date | undefined;
    readonly lastPulledAt?: Date | undefined;
    readonly region?: string | undefined;
    readonly accountId?: string | undefined;
  },
): Promise<Digest> => {
  const digest = sha256(input.manifest);
  const [first, ...rest] = input.tags;
  // Every tag is one PutImage of the same bytes, as `docker push` of several tags does.
  for (const tag of [first, ...rest]) {
    await ecr.send(
      new PutImageCommand({
        repositoryName: input.repository,
        imageManifest: input.manifest,
        imageManifestMediaType: input.mediaType,
        imageDigest: digest,
        imageTag: tag,
      }),
    );
  }
  if (input.pushedAt !== undefined || input.lastPulledAt !== undefined) {
    await setImageTimes(control, {
      accountId: input.accountId,
      region: input.region,
      repositoryName: input.repository,
      imageDigest: digest,
      ...(input.pushedAt !== undefined ? { imagePushedAt: input.pushedAt } : {}),
      ...(input.lastPulledAt !== undefined ? { lastRecordedPullTime: input.lastPulledAt } : {}),
    });
  }
  return digest;
};

/** Builds and pushes one image manifest; returns its digest (sha256 of the exact bytes). */
export const pushImage = async (ecr: ECRClient, control: string, options: PushImageOptions): Promise<PushedImage> => {
  const { manifest, mediaType } = buildImageManifest(options);
  const tags = options.tags ?? [];
  const digest = await putManifest(ecr, control, { ...options, manifest, mediaType, tags });
  return {
    digest,
    manifest,
    mediaType,
    tags,
    ...(options.pushedAt !== undefined ? { pushedAt: options.pushedAt } : {}),
    ...(options.platform !== undefined ? { platform: options.platform } : {}),
  };
};

export interface PushIndexOptions {
  readonly repository: string;
  readonly tags?: readonly string[];
  readonly pushedAt?: Date;
  readonly lastPulledAt?: Date;
  readonly format?: 'docker' | 'oci';
  readonly region?: string;
  /** Layer sizes of each platform manifest (default two small layers). */
  readonly layers?: readonly number[];
}

export interface PushedIndex extends PushedImage {
  /** The linux/amd64 and linux/arm64 manifests, pushed untagged first (as buildx does). */
  readonly children: readonly PushedImage[];
}

/** Pushes two platform manifests, then an image index (manifest list) over them. */
export const pushIndex = async (ecr: ECRClient, control: string, options: PushIndexOptions): Promise<PushedIndex> => {
  const format = options.format ?? 'oci';
  const platforms: readonly Platform[] = [
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux' },
  ];
  const children: PushedImage[] = [];
  for (const platform of platforms) {
    children.push(
      await pushImage(ecr, control, {
        repository: options.repository,
        platform,
        format,
        ...(options.layers !== undefined ? { layers: options.layers } : {}),
        ...(options.pushedAt !== undefined ? { pushedAt: options.pushedAt } : {}),
        ...(options.region !== undefined ? { region: options.region } : {}),
      }),
    );
  }
  const mediaType = format === 'docker' ? MEDIA_TYPES.dockerManifestList : MEDIA_TYPES.ociIndex;
  const manifest = serialise({
    schemaVersion: 2,
    mediaType,
    manifests: children.map((child) => ({
      mediaType: child.mediaType,
      digest: child.digest,
      size: Buffer.byteLength(child.manifest),
      platform: child.platform,
    })),
  });
  const tags = options.tags ?? [];
  const digest = await putManifest(ecr, control, { ...options, manifest, mediaType, tags });
  return {
    digest,
    manifest,
    mediaType,
    tags,
    children,
    ...(options.pushedAt !== undefined ? { pushedAt: options.pushedAt } : {}),
  };
};

export type LaunchType = 'FARGATE' | 'EC2';

export interface ContainerSpec {
  readonly name: string;
  /** Image string as a task definition holds it: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG`, `…@sha256:…`, or any registry. */
  readonly image: string;
}

/** Registers a task definition for Fargate (awsvpc, task-level cpu/memory) or EC2; returns its ARN. */
export const registerTaskDefinition = async (
  ecs: ECSClient,
  input: { readonly family: string; readonly containers: readonly ContainerSpec[]; readonly launchType: LaunchType },
): Promise<string> => {
  const fargate = input.launchType === 'FARGATE';
  const { taskDefinition } = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: input.family,
      requiresCompatibilities: [input.launchType],
      ...(fargate ? { networkMode: 'awsvpc', cpu: '256', memory: '512' } : {}),
      containerDefinitions: input.containers.map((container, index) => ({
        name: container.name,
        image: container.image,
        essential: index === 0,
        ...(fargate ? {} : { cpu: 64, memory: 128 }),
      })),
    }),
  );
  if (taskDefinition?.taskDefinitionArn === undefined) throw new Error(`RegisterTaskDefinition ${input.family} failed`);
  return taskDefinition.taskDefinitionArn;
};

/** Creates a cluster with ECS tags; returns its ARN. */
export const createCluster = async (
  ecs: ECSClient,
  name: string,
  tags: Readonly<Record<string, string>> = {},
): Promise<string> => {
  const { cluster } = await ecs.send(new CreateClusterCommand({ clusterName: name, tags: ecsTags(tags) }));
  if (cluster?.clusterArn === undefined) throw new Error(`CreateCluster ${name} failed`);
  return cluster.clusterArn;
};

const awsvpc = async (control: string, region: string | undefined) => {
  const network = await defaultNetwork(control, region);
  return {
    awsvpcConfiguration: {
      subnets: network.subnets.slice(0, 1),
      securityGroups: [...network.securityGroups],
      assignPublicIp: 'DISABLED' as const,
    },
  };
};

export interface RunTaskOptions {
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly launchType: LaunchType;
  readonly tags?: Readonly<Record<string, string>>;
  /** `service:NAME` marks the task as started by a service (moto never starts service tasks). */
  readonly group?: string;
  readonly startedBy?: string;
  readonly count?: number;
  readonly region?: string;
}

/**
 * Runs tasks; for EC2 registers container instances until every task is placed, for Fargate
 * uses the default VPC network. Returns the task ARNs.
 */
export const runTask = async (ecs: ECSClient, control: string, options: RunTaskOptions): Promise<readonly string[]> => {
  const count = options.count ?? 1;
  const base = {
    cluster: options.cluster,
    taskDefinition: options.taskDefinition,
    launchType: options.launchType,
    tags: ecsTags(options.tags),
    ...(options.group !== undefined ? { group: options.group } : {}),
    ...(options.startedBy !== undefined ? { startedBy: options.startedBy } : {}),
  };
  if (options.launchType === 'FARGATE') {
    const result = await ecs.send(
      new RunTaskCommand({ ...base, count, networkConfiguration: await awsvpc(control, options.region) }),
    );
    return (result.tasks ?? []).map((task) => task.taskArn ?? '');
  }
  const arns: string[] = [];
  const instances = await ecs.send(new ListContainerInstancesCommand({ cluster: options.cluster }));
  if ((instances.containerInstanceArns ?? []).length === 0) await addContainerInstance(control, options.cluster, options.region);
  for (let attempt = 0; arns.length < count && attempt < 5; attempt += 1) {
    const result = await ecs.send(new RunTaskCommand({ ...base, count: count - arns.length }));
    arns.push(...(result.tasks ?? []).map((task) => task.taskArn ?? ''));
    if (arns.length < count) await addContainerInstance(control, options.cluster, options.region);
  }
  if (arns.length < count) throw new Error(`could place only ${arns.length} of ${count} EC2 tasks in ${options.cluster}`);
  return arns;
};

export interface CreateServiceOptions {
  readonly cluster: string;
  readonly serviceName: string;
  readonly taskDefinition: string;
  readonly desiredCount: number;
  readonly launchType: LaunchType;
  readonly tags?: Readonly<Record<string, string>>;
  /** Run `desiredCount` tasks with group `service:NAME`, as ECS would (default true). */
  readonly launchTasks?: boolean;
  readonly region?: string;
}

/** Creates a service and (moto starts none) runs its tasks; returns the service and task ARNs. */
export const createService = async (
  ecs: ECSClient,
  control: string,
  options: CreateServiceOptions,
): Promise<{ readonly serviceArn: string; readonly taskArns: readonly string[] }> => {
  const fargate = options.launchType === 'FARGATE';
  const { service } = await ecs.send(
    new CreateServiceCommand({
      cluster: options.cluster,
      serviceName: options.serviceName,
      taskDefinition: options.taskDefinition,
      desiredCount: options.desiredCount,
      launchType: options.launchType,
      tags: ecsTags(options.tags),
      ...(fargate ? { networkConfiguration: await awsvpc(control, options.region) } : {}),
    }),
  );
  if (service?.serviceArn === undefined) throw new Error(`CreateService ${options.serviceName} failed`);
  const taskArns =
    options.launchTasks === false || options.desiredCount === 0
      ? []
      : await runTask(ecs, control, {
          cluster: options.cluster,
          taskDefinition: options.taskDefinition,
          launchType: options.launchType,
          group: `service:${options.serviceName}`,
          startedBy: `ecs-svc/${options.serviceName}`,
          count: options.desiredCount,
          ...(options.tags !== undefined ? { tags: options.tags } : {}),
          ...(options.region !== undefined ? { region: options.region } : {}),
        });
  return { serviceArn: service.serviceArn, taskArns };
};

export interface UpdateServiceOptions {
  readonly cluster: string;
  readonly serviceName: string;
  /** A new task definition starts a deployment (a new service revision pins the digests resolved now). */
  readonly taskDefinition?: string;
  /** Redeploys the same task definition, re-resolving tags to digests (AWS: how a moved tag is picked up). */
  readonly forceNewDeployment?: boolean;
  readonly desiredCount?: number;
  /**
   * After a deployment, stop the service's tasks and run `desiredCount` on the new task definition,
   * as the scheduler's rolling update ends (default true). `false` leaves the old tasks running,
   * e.g. for a rollout still in progress (see `setDeploymentStatus`).
   */
  readonly replaceTasks?: boolean;
  readonly region?: string;
}

/**
 * Updates a service like ECS: with a new task definition or `forceNewDeployment` the emulator
 * records a service revision and a SUCCESSFUL deployment, and the service's tasks are replaced
 * (moto starts none). Returns the service ARN and its RUNNING task ARNs afterwards.
 */
export const updateService = async (
  ecs: ECSClient,
  control: string,
  options: UpdateServiceOptions,
): Promise<{ readonly serviceArn: string; readonly taskArns: readonly string[] }> => {
  const { service } = await ecs.send(
    new UpdateServiceCommand({
      cluster: options.cluster,
      service: options.serviceName,
      ...(options.taskDefinition !== undefined ? { taskDefinition: options.taskDefinition } : {}),
      ...(options.forceNewDeployment === true ? { forceNewDeployment: true } : {}),
      ...(options.desiredCount !== undefined ? { desiredCount: options.desiredCount } : {}),
    }),
  );
  if (service?.serviceArn === undefined || service.taskDefinition === undefined) {
    throw new Error(`UpdateService ${options.serviceName} failed`);
  }
  const launchType: LaunchType = service.launchType === 'FARGATE' ? 'FARGATE' : 'EC2';
  const desired = service.desiredCount ?? 0;
  const listed = await ecs.send(new ListTasksCommand({ cluster: options.cluster, serviceName: options.serviceName }));
  const current = listed.taskArns ?? [];
  const deployed = options.taskDefinition !== undefined || options.forceNewDeployment === true;
  const replace = deployed && options.replaceTasks !== false;
  const keep = replace ? [] : current.slice(0, desired);
  for (const taskArn of replace ? current : current.slice(desired)) {
    await ecs.send(new StopTaskCommand({ cluster: options.cluster, task: taskArn, reason: `ecs-svc/${options.serviceName} deployment` }));
  }
  const missing = replace ? desired : Math.max(0, desired - current.length);
  const started =
    missing === 0
      ? []
      : await runTask(ecs, control, {
          cluster: options.cluster,
          taskDefinition: service.taskDefinition,
          launchType,
          group: `service:${options.serviceName}`,
          startedBy: `ecs-svc/${options.serviceName}`,
          count: missing,
          ...(options.region !== undefined ? { region: options.region } : {}),
        });
  return { serviceArn: service.serviceArn, taskArns: [...keep, ...started] };
};

/** Sets the status of a service's newest deployment (or of `serviceDeploymentArn`): moto completes every deployment at once. */
export const setDeploymentStatus = async (
  control: string,
  input: {
    readonly region?: string;
    readonly cluster: string;
    readonly service: string;
    readonly status: ServiceDeploymentStatus;
    readonly serviceDeploymentArn?: string;
    readonly statusReason?: string;
  },
): Promise<string> => {
  const response = await fetch(`${control}/ecs/deployment-status`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ region: 'us-east-1', ...input }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`emulator control /ecs/deployment-status answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { serviceDeploymentArn: string }).serviceDeploymentArn;
};

/** The service's current revision ARNs (DescribeServices `currentServiceRevisions`). */
export const currentRevisionArns = async (ecs: ECSClient, cluster: string, service: string): Promise<readonly string[]> => {
  const { services } = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  return (services?.[0]?.currentServiceRevisions ?? []).flatMap((revision) => (revision.arn === undefined ? [] : [revision.arn]));
};

// ---------------------------------------------------------------------------
// The demo account
// ---------------------------------------------------------------------------

export interface DemoClients {
  readonly ecr: ECRClient;
  readonly ecs: ECSClient;
  /** Unused by the seeding itself (findings go through the control server); kept for symmetry. */
  readonly inspector?: Inspector2Client;
}

export interface SeededImage {
  readonly repository: string;
  readonly digest: Digest;
  readonly tags: readonly string[];
  readonly pushedAt: Date;
  readonly ageDays: number;
  readonly mediaType: string;
}

/** One running use of an image, as DescribeTasks should report it. */
export interface SeededUse {
  readonly cluster: 'prod' | 'dev';
  readonly taskArn: string;
  readonly containerName: string;
  readonly image: string;
  readonly repository: string;
  readonly digest: Digest;
  readonly launchType: LaunchType;
  readonly service?: string;
}

export interface DemoAccount {
  readonly region: string;
  readonly accountId: string;
  readonly now: Date;
  readonly repositories: Readonly<Record<'api' | 'web' | 'worker' | 'legacy' | 'ci', SeededRepository>>;
  /** Every image pushed, per repository name (index children included in `shop/web`). */
  readonly images: Readonly<Record<string, readonly SeededImage[]>>;
  readonly clusters: Readonly<Record<'prod' | 'dev', string>>;
  /** Every container of every RUNNING task that resolves to an ECR image of this account. */
  readonly uses: readonly SeededUse[];
  /** Digests in use per repository name (RUNNING tasks only; index children not listed). */
  readonly inUseDigests: Readonly<Record<string, readonly Digest[]>>;
  /** shop/api image 300 days old, beyond prod's newest 30 `prod-*` images, still running in prod. */
  readonly oldInUse: SeededImage;
  /** The multi-arch index running in prod (shop/web) and its two children. */
  readonly index: { readonly digest: Digest; readonly tag: string; readonly childDigests: readonly Digest[] };
  /** Service with desiredCount 0 (no tasks): its image is in use only through its service revision. */
  readonly scaledToZero: { readonly cluster: 'dev'; readonly serviceName: string; readonly serviceArn: string; readonly image: string; readonly digest: Digest };
  /** A STOPPED task: its image must not count as in use. */
  readonly stopped: { readonly taskArn: string; readonly digest: Digest; readonly repository: string };
  /** Repository opted out by its resource tag `ecr-keeper:managed=false`. */
  readonly excludedRepository: string;
  readonly legacyPolicyText: string;
  readonly findingArns: readonly string[];
}

const MIB = 1024 * 1024;
/** Node front end per platform: distroless base, node_modules, app. */
const WEB_LAYERS = [22 * MIB, 31 * MIB, 4 * MIB];
/** Compressed layer sizes per repository, as a JVM API, a Python worker with ML wheels, and so on weigh. */
const DEMO_LAYERS: Readonly<Record<string, readonly number[]>> = {
  'shop/api': [48 * MIB, 96 * MIB, 61 * MIB, 9 * MIB],
  'shop/web': WEB_LAYERS,
  'shop/worker': [29 * MIB, 412 * MIB, 77 * MIB],
  'shop/legacy': [71 * MIB, 118 * MIB],
  'tools/ci': [180 * MIB, 640 * MIB],
};

const API_PROD_IMAGES = 45;
const OLD_IN_USE_AGE = 300;
/** 33 newer `prod-*` releases: beyond a "keep the newest 30" rule. */
const OLD_IN_USE_INDEX = 33;

/** A legacy policy written by a team: untagged after 14 days, at most 10 images overall. */
export const LEGACY_POLICY_TEXT = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'Expire untagged images older than 14 days',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      description: 'Keep at most 10 images',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 10 },
      action: { type: 'expire' },
    },
  ],
});

/**
 * Seeds a realistic account: five repositories (one opted out), two tagged clusters, Fargate
 * and EC2 tasks, services (one scaled to zero), an old image still in production, a
 * multi-arch index in use, and Inspector findings. Returns what it seeded.
 */
export const seedDemoAccount = async (clients: DemoClients, control: string, now: Date): Promise<DemoAccount> => {
  const { ecr, ecs } = clients;
  const region = 'us-east-1';
  const images: Record<string, SeededImage[]> = {};
  const record = (repository: string, pushed: PushedImage, ageDays: number): SeededImage => {
    const seeded: SeededImage = {
      repository,
      digest: pushed.digest,
      tags: pushed.tags,
      pushedAt: daysAgo(now, ageDays),
      ageDays,
      mediaType: pushed.mediaType,
    };
    (images[repository] ??= []).push(seeded);
    return seeded;
  };
  const push = async (repository: string, tags: readonly string[], ageDays: number, format: 'docker' | 'oci' = 'docker') =>
    record(
      repository,
      await pushImage(ecr, control, { repository, tags, pushedAt: daysAgo(now, ageDays), format, layers: DEMO_LAYERS[repository] ?? [] }),
      ageDays,
    );

  const repositories = {
    api: await createRepository(ecr, 'shop/api', { tags: { team: 'shop' } }),
    web: await createRepository(ecr, 'shop/web', { tags: { team: 'shop' } }),
    worker: await createRepository(ecr, 'shop/worker', { mutability: 'IMMUTABLE', tags: { team: 'shop' } }),
    legacy: await createRepository(ecr, 'shop/legacy', { tags: { team: 'legacy' } }),
    ci: await createRepository(ecr, 'tools/ci', { tags: { team: 'platform', 'ecr-keeper:managed': 'false' } }),
  };

  // shop/api: 45 prod releases spread over 2..400 days (newest also `latest`), 15 dev builds, 10 untagged.
  const apiProd: SeededImage[] = [];
  for (let i = 0; i < API_PROD_IMAGES; i += 1) {
    const age = i === OLD_IN_USE_INDEX ? OLD_IN_USE_AGE : Math.round(2 + (i * 398) / (API_PROD_IMAGES - 1));
    const number = API_PROD_IMAGES - i;
    apiProd.push(await push('shop/api', i === 0 ? [`prod-${number}`, 'latest'] : [`prod-${number}`], age));
  }
  const apiDev: SeededImage[] = [];
  for (let i = 0; i < 15; i += 1) apiDev.push(await push('shop/api', [`dev-${15 - i}`], 1 + i * 4, 'oci'));
  for (let i = 0; i < 10; i += 1) await push('shop/api', [], 3 + i * 44);
  const oldInUse = apiProd.find((image) => image.ageDays === OLD_IN_USE_AGE);
  const newestProd = apiProd[0];
  const devInUse = apiDev[2];
  const stoppedImage = apiProd[10];
  if (oldInUse === undefined || newestProd === undefined || devInUse === undefined || stoppedImage === undefined) {
    throw new Error('demo seed: shop/api plan is inconsistent');
  }

  // shop/web: old single-arch releases, the multi-arch index running in prod, a newer unused index.
  for (const [tag, age] of [['v1.0.0', 350], ['v1.1.0', 280], ['v1.2.0', 200]] as const) await push('shop/web', [tag], age);
  const webIndex = await pushIndex(ecr, control, { repository: 'shop/web', tags: ['v2.0.0', 'prod-web'], pushedAt: daysAgo(now, 120), layers: WEB_LAYERS });
  for (const child of webIndex.children) record('shop/web', child, 120);
  record('shop/web', webIndex, 120);
  const newerIndex = await pushIndex(ecr, control, { repository: 'shop/web', tags: ['v2.1.0'], pushedAt: daysAgo(now, 10), layers: WEB_LAYERS });
  for (const child of newerIndex.children) record('shop/web', child, 10);
  record('shop/web', newerIndex, 10);

  // shop/worker (IMMUTABLE): semver releases.
  const worker: SeededImage[] = [];
  for (let i = 0; i <= 5; i += 1) worker.push(await push('shop/worker', [`1.${i}.0`], 250 - i * 48));
  const workerProd = worker[5];
  const workerDev = worker[4];
  const workerScaledToZero = worker[2];
  if (workerProd === undefined || workerDev === undefined || workerScaledToZero === undefined) {
    throw new Error('demo seed: shop/worker plan is inconsistent');
  }

  // shop/legacy: its own lifecycle policy; tools/ci: opted out.
  for (let i = 0; i < 6; i += 1) await push('shop/legacy', i % 2 === 0 ? [`r${i}`] : [], 30 + i * 90);
  await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'shop/legacy', lifecyclePolicyText: LEGACY_POLICY_TEXT }));
  for (let i = 0; i < 4; i += 1) await push('tools/ci', i === 0 ? ['runner-latest'] : [`runner-${i}`], 20 + i * 100);

  const clusters = {
    prod: await createCluster(ecs, 'prod', { environment: 'prod' }),
    dev: await createCluster(ecs, 'dev', { environment: 'dev' }),
  };

  const uri = (repository: SeededRepository, reference: string): string =>
    reference.startsWith('sha256:') ? `${repository.uri}@${reference}` : `${repository.uri}:${reference}`;
  const sidecar = { name: 'log-router', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4' };
  const uses: SeededUse[] = [];
  const addUses = (
    cluster: 'prod' | 'dev',
    taskArns: readonly string[],
    launchType: LaunchType,
    container: ContainerSpec & { readonly repository: string; readonly digest: Digest },
    service?: string,
  ): void => {
    for (const taskArn of taskArns) {
      uses.push({
        cluster,
        taskArn,
        containerName: container.name,
        image: container.image,
        repository: container.repository,
        digest: container.digest,
        launchType,
        ...(service !== undefined ? { service } : {}),
      });
    }
  };

  // prod: service `api` (Fargate) on the newest release by digest, with a non-ECR sidecar.
  const apiByDigest = { name: 'api', image: uri(repositories.api, newestProd.digest), repository: 'shop/api', digest: newestProd.digest };
  const apiTd = await registerTaskDefinition(ecs, { family: 'shop-api', launchType: 'FARGATE', containers: [apiByDigest, sidecar] });
  const apiService = await createService(ecs, control, {
    cluster: 'prod', serviceName: 'api', taskDefinition: apiTd, desiredCount: 2, launchType: 'FARGATE', tags: { team: 'shop' },
  });
  addUses('prod', apiService.taskArns, 'FARGATE', apiByDigest, 'api');

  // prod: a standalone Fargate task still on the 300-day-old release, referenced by tag.
  const oldTag = oldInUse.tags[0] ?? '';
  const apiOld = { name: 'report', image: uri(repositories.api, oldTag), repository: 'shop/api', digest: oldInUse.digest };
  const reportTd = await registerTaskDefinition(ecs, { family: 'shop-report', launchType: 'FARGATE', containers: [apiOld] });
  addUses('prod', await runTask(ecs, control, { cluster: 'prod', taskDefinition: reportTd, launchType: 'FARGATE', tags: { job: 'monthly-report' } }), 'FARGATE', apiOld);

  // prod: service `web` (Fargate) on the multi-arch index, by tag.
  const web = { name: 'web', image: uri(repositories.web, 'v2.0.0'), repository: 'shop/web', digest: webIndex.digest };
  const webTd = await registerTaskDefinition(ecs, { family: 'shop-web', launchType: 'FARGATE', containers: [web] });
  const webService = await createService(ecs, control, {
    cluster: 'prod', serviceName: 'web', taskDefinition: webTd, desiredCount: 1, launchType: 'FARGATE',
  });
  addUses('prod', webService.taskArns, 'FARGATE', web, 'web');

  // prod: an EC2 worker task.
  const workerProdSpec = { name: 'worker', image: uri(repositories.worker, '1.5.0'), repository: 'shop/worker', digest: workerProd.digest };
  const workerProdTd = await registerTaskDefinition(ecs, { family: 'shop-worker', launchType: 'EC2', containers: [workerProdSpec] });
  addUses('prod', await runTask(ecs, control, { cluster: 'prod', taskDefinition: workerProdTd, launchType: 'EC2' }), 'EC2', workerProdSpec);

  // prod: a task that ran an older release and has STOPPED.
  const stoppedSpec = { name: 'api', image: uri(repositories.api, stoppedImage.tags[0] ?? ''), repository: 'shop/api', digest: stoppedImage.digest };
  const stoppedTd = await registerTaskDefinition(ecs, { family: 'shop-api-canary', launchType: 'FARGATE', containers: [stoppedSpec] });
  const [stoppedArn] = await runTask(ecs, control, { cluster: 'prod', taskDefinition: stoppedTd, launchType: 'FARGATE' });
  if (stoppedArn === undefined) throw new Error('demo seed: canary task did not start');
  await ecs.send(new StopTaskCommand({ cluster: 'prod', task: stoppedArn, reason: 'canary finished' }));

  // dev: Fargate API on a dev build, EC2 worker, and a service scaled to zero.
  const apiDevSpec = { name: 'api', image: uri(repositories.api, devInUse.tags[0] ?? ''), repository: 'shop/api', digest: devInUse.digest };
  const apiDevTd = await registerTaskDefinition(ecs, { family: 'shop-api-dev', launchType: 'FARGATE', containers: [apiDevSpec, sidecar] });
  addUses('dev', await runTask(ecs, control, { cluster: 'dev', taskDefinition: apiDevTd, launchType: 'FARGATE', tags: { owner: 'alice' } }), 'FARGATE', apiDevSpec);
  const workerDevSpec = { name: 'worker', image: uri(repositories.worker, '1.4.0'), repository: 'shop/worker', digest: workerDev.digest };
  const workerDevTd = await registerTaskDefinition(ecs, { family: 'shop-worker-dev', launchType: 'EC2', containers: [workerDevSpec] });
  const workerDevService = await createService(ecs, control, {
    cluster: 'dev', serviceName: 'worker', taskDefinition: workerDevTd, desiredCount: 1, launchType: 'EC2',
  });
  addUses('dev', workerDevService.taskArns, 'EC2', workerDevSpec, 'worker');
  const batchImage = uri(repositories.worker, '1.2.0');
  const batchTd = await registerTaskDefinition(ecs, { family: 'shop-batch', launchType: 'EC2', containers: [{ name: 'batch', image: batchImage }] });
  const batch = await createService(ecs, control, {
    cluster: 'dev', serviceName: 'batch', taskDefinition: batchTd, desiredCount: 0, launchType: 'EC2', tags: { schedule: 'nightly' },
  });

  const findingSeeds: FindingSeed[] = [
    { repositoryName: 'shop/api', imageDigest: oldInUse.digest, severity: 'CRITICAL', title: 'CVE-2024-3094 - xz-utils' },
    { repositoryName: 'shop/api', imageDigest: oldInUse.digest, severity: 'HIGH', title: 'CVE-2023-4911 - glibc' },
    { repositoryName: 'shop/api', imageDigest: devInUse.digest, severity: 'MEDIUM' },
    { repositoryName: 'shop/web', imageDigest: webIndex.digest, severity: 'LOW', status: 'CLOSED' },
    // Old releases nobody runs: the vulnerabilities that leave with them.
    ...apiProd.slice(-6).filter((image) => image !== oldInUse).flatMap((image): FindingSeed[] => [
      { repositoryName: 'shop/api', imageDigest: image.digest, severity: 'CRITICAL', title: 'CVE-2024-3094 - xz-utils' },
      { repositoryName: 'shop/api', imageDigest: image.digest, severity: 'HIGH', title: 'CVE-2023-4911 - glibc' },
      { repositoryName: 'shop/api', imageDigest: image.digest, severity: 'MEDIUM', title: 'CVE-2023-44487 - nghttp2' },
    ]),
    ...worker.slice(0, 2).map((image): FindingSeed => ({ repositoryName: 'shop/worker', imageDigest: image.digest, severity: 'HIGH', title: 'CVE-2024-6345 - setuptools' })),
  ];
  const findingArns = await seedFindings(control, findingSeeds, region);

  const inUseDigests: Record<string, Digest[]> = {};
  for (const use of uses) {
    const list = (inUseDigests[use.repository] ??= []);
    if (!list.includes(use.digest)) list.push(use.digest);
  }

  return {
    region,
    accountId: repositories.api.arn.split(':')[4] ?? '',
    now,
    repositories,
    images,
    clusters,
    uses,
    inUseDigests,
    oldInUse,
    index: { digest: webIndex.digest, tag: 'v2.0.0', childDigests: webIndex.children.map((child) => child.digest) },
    scaledToZero: { cluster: 'dev', serviceName: 'batch', serviceArn: batch.serviceArn, image: batchImage, digest: workerScaledToZero.digest },
    stopped: { taskArn: stoppedArn, digest: stoppedImage.digest, repository: 'shop/api' },
    excludedRepository: 'tools/ci',
    legacyPolicyText: LEGACY_POLICY_TEXT,
    findingArns,
  };
};
