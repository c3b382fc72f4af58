/**
 * A synthetic AWS account for `npm run bench:sweep`: ECR repositories and images, ECS clusters,
 * services (revisions, deployments), tasks and task definitions, EventBridge rules, Scheduler
 * schedules, Lambda image functions, Batch job definitions and Inspector coverage. Generated
 * deterministically from the size alone, so runs are comparable across machines and commits.
 * Images are stored compactly; manifests are regenerated on demand (their digests are checked).
 */
import { createHash } from 'node:crypto';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const NOW = new Date('2026-06-01T00:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const DAY_S = 86_400;
const HOST = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

export const DOCKER_V2 = 'application/vnd.docker.distribution.manifest.v2+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';

/** One size of the benchmark. */
export interface SizeSpec {
  readonly name: string;
  readonly repositories: number;
  /** Images in repository 0 (`platform/monorepo`); every other repository has 20–180 (mean 100). */
  readonly largestImages: number;
  readonly clusters: number;
  readonly tasks: number;
  readonly services: number;
  /** Every repository holds this many images (instead of 20–180 and `largestImages` for the first). */
  readonly imagesEach?: number;
  /** Run only when named in --sizes (a long run). */
  readonly onRequest?: boolean;
}

export const SIZES: readonly SizeSpec[] = [
  { name: 'r10', repositories: 10, largestImages: 1_000, clusters: 1, tasks: 20, services: 5 },
  { name: 'r100', repositories: 100, largestImages: 1_000, clusters: 1, tasks: 200, services: 50 },
  { name: 'r1000', repositories: 1_000, largestImages: 10_000, clusters: 10, tasks: 2_000, services: 500 },
  { name: 'r1000-100k', repositories: 1_000, largestImages: 100_000, clusters: 10, tasks: 2_000, services: 500 },
  // Issue 8's own "measured today" account: 1,000 repositories of 1,000 images (about 2.5 minutes).
  { name: 'r1000x1000', repositories: 1_000, largestImages: 1_000, imagesEach: 1_000, clusters: 10, tasks: 2_000, services: 500, onRequest: true },
];

export interface BenchImage {
  digest: string;
  tags: string[];
  /** Epoch seconds, as ECR's JSON 1.1 wire format carries them. */
  readonly pushedAt: number;
  pulledAt: number | undefined;
  readonly archivedAt: number | undefined;
  readonly status: 'ACTIVE' | 'ARCHIVED';
  readonly size: number;
  readonly mediaType: string;
  /** Position in the repository (0 oldest): regenerates the manifest. */
  readonly seed: number;
  readonly children: readonly string[] | undefined;
}

export interface BenchRepository {
  readonly index: number;
  readonly name: string;
  readonly arn: string;
  readonly uri: string;
  readonly createdAt: number;
  readonly tags: Readonly<Record<string, string>>;
  images: BenchImage[];
  readonly byDigest: Map<string, BenchImage>;
  policy: string | undefined;
  /** Tag → image; rebuilt after a write. */
  tagIndex: Map<string, BenchImage> | undefined;
}

export interface ContainerRef {
  readonly name: string;
  /** `HOST/repo:tag`, as a task definition names it. */
  readonly image: string;
  readonly digest: string | undefined;
}

export interface BenchCluster {
  readonly name: string;
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface BenchRevision {
  readonly arn: string;
  readonly serviceArn: string;
  readonly clusterArn: string;
  readonly taskDefinition: string;
  readonly containers: readonly ContainerRef[];
}

export type DeploymentStatus = 'IN_PROGRESS' | 'SUCCESSFUL';

export interface BenchDeployment {
  readonly arn: string;
  readonly serviceArn: string;
  readonly clusterArn: string;
  readonly createdAt: number;
  readonly status: DeploymentStatus;
  readonly sourceRevisionArns: readonly string[];
  readonly targetRevisionArn: string;
}

export interface BenchService {
  readonly index: number;
  readonly name: string;
  readonly arn: string;
  readonly clusterArn: string;
  readonly desiredCount: number;
  readonly currentRevisionArns: readonly string[];
  /** Newest first. */
  readonly deployments: readonly BenchDeployment[];
  readonly taskDefinition: string;
  readonly controller: 'ECS' | 'EXTERNAL';
  readonly taskSetTaskDefinitions: readonly string[];
}

export interface BenchTask {
  readonly arn: string;
  readonly clusterArn: string;
  readonly group: string;
  readonly lastStatus: 'RUNNING' | 'PENDING';
  readonly taskDefinitionArn: string;
  readonly containers: readonly ContainerRef[];
}

export interface BenchFamily {
  readonly family: string;
  readonly latest: number;
  /** Container images of a revision (by tag, as task definitions usually name them). */
  readonly containersOf: (revision: number) => readonly { readonly name: string; readonly image: string }[];
}

export interface BenchRule {
  readonly bus: string;
  readonly name: string;
  readonly arn: string;
  readonly targetArn: string;
  readonly taskDefinitionArn: string | undefined;
}

export interface BenchSchedule {
  readonly group: string;
  readonly name: string;
  readonly arn: string;
  readonly targetArn: string;
  readonly taskDefinitionArn: string | undefined;
}

export interface BenchFunction {
  readonly name: string;
  readonly arn: string;
  readonly packageType: 'Image' | 'Zip';
  /** Version → image URI (by tag) and the digest Lambda resolved at deploy. */
  readonly versions: ReadonlyMap<string, { readonly imageUri: string; readonly digest: string }>;
  readonly aliases: readonly { readonly name: string; readonly version: string; readonly weighted: string | undefined }[];
}

export interface BenchJobDefinition {
  readonly name: string;
  readonly arn: string;
  readonly revision: number;
  readonly image: string;
}

export interface BenchCoverage {
  readonly repository: string;
  readonly digest: string;
  readonly tags: readonly string[];
  readonly lastInUseAt: number;
}

export interface BenchAccount {
  readonly size: SizeSpec;
  readonly repositories: readonly BenchRepository[];
  readonly repositoryByName: ReadonlyMap<string, BenchRepository>;
  readonly clusters: readonly BenchCluster[];
  readonly services: readonly BenchService[];
  readonly serviceByArn: ReadonlyMap<string, BenchService>;
  readonly revisions: ReadonlyMap<string, BenchRevision>;
  readonly deployments: ReadonlyMap<string, BenchDeployment>;
  readonly tasks: readonly BenchTask[];
  readonly taskByArn: ReadonlyMap<string, BenchTask>;
  readonly families: ReadonlyMap<string, BenchFamily>;
  readonly buses: readonly string[];
  readonly rules: readonly BenchRule[];
  readonly schedules: readonly BenchSchedule[];
  readonly functions: readonly BenchFunction[];
  readonly jobDefinitions: readonly BenchJobDefinition[];
  readonly coverage: readonly BenchCoverage[];
}

/** A 32-bit hash of small integers (murmur3 finaliser over a running mix): deterministic "randomness". */
const mix = (...values: number[]): number => {
  let h = 0x9e3779b9;
  for (const v of values) {
    h = Math.imul(h ^ (v | 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
};

const hex64 = (...values: number[]): string => {
  let out = '';
  for (let k = 0; k < 8; k++) out += mix(...values, k).toString(16).padStart(8, '0');
  return out;
};

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** The manifest of a single-platform image: config and one layer derived from (repository, position). */
const plainManifest = (repository: number, seed: number, size: number): string =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: DOCKER_V2,
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1_469, digest: `sha256:${hex64(repository, seed, 1)}` },
    layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size, digest: `sha256:${hex64(repository, seed, 2)}` }],
  });

const indexManifest = (children: readonly string[]): string =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: children.map((digest, k) => ({ mediaType: DOCKER_V2, size: 528, digest, platform: { architecture: k === 0 ? 'amd64' : 'arm64', os: 'linux' } })),
  });

/** The exact manifest bytes of `image` (its digest is their sha256). */
export const manifestOf = (repository: BenchRepository, image: BenchImage): string =>
  image.children === undefined ? plainManifest(repository.index, image.seed, image.size) : indexManifest(image.children);

const repositoryName = (r: number): string =>
  r === 0 ? 'platform/monorepo' : r === 1 ? 'platform/envoy' : `team${String(r % 20).padStart(2, '0')}/service-${String(r).padStart(4, '0')}`;

const imagesIn = (r: number, size: SizeSpec): number => size.imagesEach ?? (r === 0 ? size.largestImages : 20 + (mix(r, 7) % 161));

/** Protection and home tag of a digest in the `prod` environment of `config/default.json`. */
const protectionTags = (digest: string): string[] => [`prod-keep-${digest.slice(7)}`, `prod-kept-${digest.slice(7)}`];

const buildRepository = (r: number, size: SizeSpec): BenchRepository => {
  const name = repositoryName(r);
  const n = imagesIn(r, size);
  // n images pushed evenly over the last 400 days, newest last.
  const spacing = (400 * DAY_S) / n;
  const images: BenchImage[] = [];
  const childOf = new Set<number>();
  for (let i = 0; i < n; i++) {
    const pushedAt = Math.floor(NOW_S - (n - i) * spacing);
    const roll = mix(r, i, 3) % 100;
    // Repository 0 is multi-platform: every 10th image is an index of the two before it (untagged children).
    const isIndex = r === 0 && i % 10 === 9;
    if (isIndex) {
      childOf.add(i - 1);
      childOf.add(i - 2);
    }
    const size_ = 5_000_000 + (mix(r, i, 4) % 400_000_000);
    const archived = !isIndex && pushedAt < NOW_S - 300 * DAY_S && mix(r, i, 5) % 100 < 10;
    const tags = roll < 15 ? [] : [`${roll < 55 ? 'prod' : roll < 80 ? 'dev' : 'build'}-${i}`];
    const base = { pushedAt, archivedAt: archived ? pushedAt + 200 * DAY_S : undefined, status: archived ? ('ARCHIVED' as const) : ('ACTIVE' as const), size: size_, seed: i };
    // Never pulled since the push, or last pulled long ago: the pull guard (30 days) sees only what workloads pull.
    const pulledAt = pushedAt < NOW_S - 60 * DAY_S ? Math.min(pushedAt + 10 * DAY_S, NOW_S - 45 * DAY_S) : undefined;
    if (isIndex) {
      const children = [images[i - 2]?.digest ?? '', images[i - 1]?.digest ?? ''];
      images.push({ ...base, digest: sha256(indexManifest(children)), tags, pulledAt, mediaType: OCI_INDEX, children });
    } else {
      images.push({ ...base, digest: sha256(plainManifest(r, i, size_)), tags, pulledAt, mediaType: DOCKER_V2, children: undefined });
    }
  }
  for (const i of childOf) {
    const child = images[i];
    if (child !== undefined) child.tags = [];
  }
  const newest = images[n - 1];
  if (newest !== undefined && newest.children === undefined && !childOf.has(n - 1)) newest.tags = [...newest.tags, 'latest'];
  // One in five repositories holds an old, out-of-use image that ecr-keeper protected earlier: a release.
  if (r % 5 === 2) {
    const old = images[Math.floor(n / 3)];
    if (old !== undefined && old.status === 'ACTIVE' && old.children === undefined && !childOf.has(old.seed)) {
      old.tags = [...(old.tags.length === 0 ? [`prod-${old.seed}`] : old.tags), ...protectionTags(old.digest)];
      old.pulledAt = NOW_S - 60 * DAY_S;
    }
  }
  const tags: Record<string, string> = { team: `team${String(r % 20).padStart(2, '0')}` };
  if (r % 50 === 17) tags['ecr-keeper:managed'] = 'false';
  // A third of the repositories carry a team's own rule (kept, above the baseline, in merge mode).
  const policy =
    r % 3 === 0
      ? JSON.stringify({
          rules: [
            {
              rulePriority: 1,
              description: 'team rule: keep the 50 newest release images',
              selection: { tagStatus: 'tagged', tagPatternList: ['release-*'], countType: 'imageCountMoreThan', countNumber: 50 },
              action: { type: 'expire' },
            },
          ],
        })
      : undefined;
  return {
    index: r,
    name,
    arn: `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${name}`,
    uri: `${HOST}/${name}`,
    createdAt: Math.floor(NOW_S - 500 * DAY_S),
    tags,
    images,
    byDigest: new Map(images.map((image) => [image.digest, image])),
    policy,
    tagIndex: undefined,
  };
};

/** Tagged, active, non-child images of a repository, newest first: what workloads deploy. */
const deployableOf = (repository: BenchRepository): BenchImage[] => {
  const out: BenchImage[] = [];
  for (let i = repository.images.length - 1; i >= 0; i--) {
    const image = repository.images[i] as BenchImage;
    if (image.status === 'ACTIVE' && image.tags.length > 0) out.push(image);
  }
  return out;
};

/** Builds the account of one size. */
export const buildAccount = (size: SizeSpec): BenchAccount => {
  const R = size.repositories;
  const repositories = Array.from({ length: R }, (_, r) => buildRepository(r, size));
  const deployable = repositories.map(deployableOf);
  const pick = (r: number, k: number): { repository: BenchRepository; image: BenchImage } => {
    const list = deployable[r] as BenchImage[];
    return { repository: repositories[r] as BenchRepository, image: list[k % list.length] as BenchImage };
  };
  const refOf = (r: number, k: number, name: string): ContainerRef => {
    const { repository, image } = pick(r, k);
    return { name, image: `${repository.uri}:${image.tags[0] ?? 'latest'}`, digest: image.digest };
  };
  const otherRepo = (k: number): number => (R > 2 ? 2 + (k % (R - 2)) : k % R);

  const clusters: BenchCluster[] = Array.from({ length: size.clusters }, (_, c) => {
    const name = `${c % 2 === 0 ? 'prod' : 'dev'}-${c}`;
    return { name, arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${name}`, tags: { owner: 'platform' } };
  });
  const tdArn = (family: string, revision?: number): string =>
    `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}${revision === undefined ? '' : `:${revision}`}`;

  // Services: the first S/25 deploy from the monorepo, the others from one repository each.
  const S = size.services;
  const monorepoServices = Math.max(1, Math.round(S / 25));
  const serviceRepo = (s: number): number => (s < monorepoServices ? 0 : otherRepo(s - monorepoServices));
  const serviceSlot = (s: number): number => (s < monorepoServices ? 4 * s : 0);
  const hasSidecar = (s: number): boolean => s % 10 < 3;
  const containersAt = (s: number, generation: number): ContainerRef[] => [
    refOf(serviceRepo(s), serviceSlot(s) + generation, 'app'),
    ...(hasSidecar(s) ? [refOf(1, 0, 'envoy')] : []),
  ];
  const families = new Map<string, BenchFamily>();
  const revisions = new Map<string, BenchRevision>();
  const deployments = new Map<string, BenchDeployment>();
  const services: BenchService[] = [];
  const tasks: BenchTask[] = [];
  const T = size.tasks;
  const serviceTasks = Math.round(T * 0.8);
  const tasksOf = (s: number): number => Math.floor(serviceTasks / S) + (s < serviceTasks % S ? 1 : 0);

  for (let s = 0; s < S; s++) {
    const cluster = clusters[s % clusters.length] as BenchCluster;
    const name = `svc-${s}`;
    const arn = `arn:aws:ecs:${REGION}:${ACCOUNT}:service/${cluster.name}/${name}`;
    const latest = 2 + (s % 4);
    // Revision r of the family runs the image `latest - r` generations back, named by tag.
    families.set(name, {
      family: name,
      latest,
      containersOf: (revision) => containersAt(s, latest - revision).map(({ name: n, image }) => ({ name: n, image })),
    });
    const legacy = s % 33 === 5;
    const inFlight = s % 20 === 3;
    const external = s % 100 === 11;
    const count = legacy ? 0 : s % 50 === 7 ? 150 : 1 + (s % 6);
    const revisionArn = (k: number): string => `arn:aws:ecs:${REGION}:${ACCOUNT}:service-revision/${cluster.name}/${name}/${String(4_000_000 + s * 1000 + k)}`;
    const list: BenchDeployment[] = [];
    for (let k = 0; k < count; k++) {
      const target = revisionArn(k);
      revisions.set(target, { arn: target, serviceArn: arn, clusterArn: cluster.arn, taskDefinition: tdArn(name, Math.max(1, latest - k)), containers: containersAt(s, k) });
      const deployment: BenchDeployment = {
        arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:service-deployment/${cluster.name}/${name}/${hex64(s, k, 9).slice(0, 21)}`,
        serviceArn: arn,
        clusterArn: cluster.arn,
        createdAt: Math.floor(NOW_S - k * 0.5 * DAY_S - s * 60),
        status: k === 0 && inFlight ? 'IN_PROGRESS' : 'SUCCESSFUL',
        sourceRevisionArns: k + 1 < count ? [revisionArn(k + 1)] : [],
        targetRevisionArn: target,
      };
      list.push(deployment);
      deployments.set(deployment.arn, deployment);
    }
    services.push({
      index: s,
      name,
      arn,
      clusterArn: cluster.arn,
      desiredCount: tasksOf(s),
      currentRevisionArns: legacy ? [] : inFlight && count > 1 ? [revisionArn(0), revisionArn(1)] : [revisionArn(0)],
      deployments: list,
      taskDefinition: tdArn(name, latest),
      controller: external ? 'EXTERNAL' : 'ECS',
      taskSetTaskDefinitions: external ? [tdArn(name, latest), tdArn(name, latest - 1)] : [],
    });
    for (let k = 0; k < tasksOf(s); k++) {
      const generation = inFlight && k % 2 === 1 ? 1 : 0;
      tasks.push({
        arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${cluster.name}/${hex64(s, k, 11).slice(0, 32)}`,
        clusterArn: cluster.arn,
        group: `service:${name}`,
        lastStatus: 'RUNNING',
        taskDefinitionArn: tdArn(name, latest - generation),
        containers: containersAt(s, generation),
      });
    }
  }

  // Stand-alone families (run-task, scheduled jobs). job-0 names a tag that was deleted.
  const J = Math.max(2, Math.round(S / 5));
  const jobRepo = (j: number): number => otherRepo(j * 13 + 5);
  for (let j = 0; j < J; j++) {
    const family = `job-${j}`;
    const latest = 1 + (j % 3);
    families.set(family, {
      family,
      latest,
      containersOf: (revision) =>
        j === 0
          ? [{ name: 'job', image: `${(repositories[0] as BenchRepository).uri}:deleted-tag-0` }]
          : [{ name: 'job', image: refOf(jobRepo(j), 1 + latest - revision, 'job').image }],
    });
  }
  for (let k = 0; k < T - serviceTasks; k++) {
    const j = 1 + (k % (J - 1));
    const cluster = clusters[k % clusters.length] as BenchCluster;
    const family = families.get(`job-${j}`) as BenchFamily;
    const pending = k % 20 === 7;
    const ref = refOf(jobRepo(j), 1, 'job');
    tasks.push({
      arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${cluster.name}/${hex64(900_000 + k, 11).slice(0, 32)}`,
      clusterArn: cluster.arn,
      group: `family:job-${j}`,
      lastStatus: pending ? 'PENDING' : 'RUNNING',
      taskDefinitionArn: tdArn(family.family, family.latest),
      containers: [{ ...ref, digest: pending ? undefined : ref.digest }],
    });
  }

  // EventBridge rules (default bus and one custom bus) and Scheduler schedules; some target Lambda.
  const buses = ['default', 'ops'];
  const rules: BenchRule[] = [];
  for (let q = 0; q < Math.max(2, Math.round(R / 20)); q++) {
    const bus = q % 5 === 4 ? 'ops' : 'default';
    const j = 1 + (q % (J - 1));
    const family = families.get(`job-${j}`) as BenchFamily;
    const ecs = q % 5 !== 3;
    rules.push({
      bus,
      name: `nightly-${q}`,
      arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${bus === 'default' ? '' : `${bus}/`}nightly-${q}`,
      targetArn: ecs ? (clusters[q % clusters.length] as BenchCluster).arn : `arn:aws:lambda:${REGION}:${ACCOUNT}:function:notify`,
      taskDefinitionArn: ecs ? (q % 2 === 0 ? tdArn(family.family) : tdArn(family.family, family.latest)) : undefined,
    });
  }
  const schedules: BenchSchedule[] = [];
  for (let n = 0; n < Math.max(2, Math.round(R / 20)); n++) {
    const group = n % 4 === 0 ? 'batch' : 'default';
    const j = 1 + ((n * 3) % (J - 1));
    const family = families.get(`job-${j}`) as BenchFamily;
    const ecs = n % 10 < 7;
    schedules.push({
      group,
      name: `schedule-${n}`,
      arn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/${group}/schedule-${n}`,
      targetArn: ecs ? (clusters[n % clusters.length] as BenchCluster).arn : `arn:aws:lambda:${REGION}:${ACCOUNT}:function:report`,
      taskDefinitionArn: ecs ? tdArn(family.family, family.latest) : undefined,
    });
  }

  // Lambda: half the functions are container images; aliases point at published versions (one weighted).
  const functions: BenchFunction[] = [];
  for (let f = 0; f < Math.max(2, Math.round(R / 10)); f++) {
    const name = `fn-${f}`;
    const image = f % 2 === 0;
    const r = otherRepo(f * 17 + 3);
    const version = (k: number): { imageUri: string; digest: string } => {
      const ref = refOf(r, k, 'fn');
      return { imageUri: ref.image, digest: ref.digest ?? '' };
    };
    const versions = new Map<string, { imageUri: string; digest: string }>();
    const aliases: { name: string; version: string; weighted: string | undefined }[] = [];
    if (image) {
      versions.set('$LATEST', version(0));
      if (f % 3 === 1) {
        versions.set('3', version(1));
        aliases.push({ name: 'live', version: '3', weighted: undefined });
      } else if (f % 3 === 2) {
        versions.set('4', version(2));
        versions.set('5', version(1));
        aliases.push({ name: 'live', version: '4', weighted: '5' });
      }
    }
    functions.push({ name, arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`, packageType: image ? 'Image' : 'Zip', versions, aliases });
  }

  // Batch: job definitions with two or three ACTIVE revisions each, images by tag.
  const jobDefinitions: BenchJobDefinition[] = [];
  for (let b = 0; b < Math.max(2, Math.round(R / 20)); b++) {
    const r = otherRepo(b * 7 + 1);
    const count = 2 + (b % 2);
    for (let revision = 1; revision <= count; revision++) {
      jobDefinitions.push({
        name: `batch-${b}`,
        arn: `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/batch-${b}:${revision}`,
        revision,
        image: refOf(r, 2 + count - revision, 'batch').image,
      });
    }
  }

  // Inspector coverage: what tasks run now, images EKS ran 5 days ago, and stale records (30 days: filtered out).
  const coverage: BenchCoverage[] = [];
  const covered = new Set<string>();
  const cover = (repository: string, digest: string, lastInUseAt: number): void => {
    if (covered.has(`${repository}@${digest}`)) return;
    covered.add(`${repository}@${digest}`);
    const image = repositoryByName.get(repository)?.byDigest.get(digest);
    coverage.push({ repository, digest, tags: image?.tags ?? [], lastInUseAt });
  };
  const repositoryByName = new Map(repositories.map((repository) => [repository.name, repository]));
  const repositoryOfRef = (image: string): string => image.slice(HOST.length + 1).split(':')[0] ?? '';
  for (const task of tasks)
    for (const container of task.containers) if (container.digest !== undefined) cover(repositoryOfRef(container.image), container.digest, NOW_S - 3_600);
  for (let e = 0; e < Math.max(1, Math.round(R / 10)); e++) {
    const eks = pick(otherRepo(e * 11 + 2), 4);
    cover(eks.repository.name, eks.image.digest, NOW_S - 5 * DAY_S);
    const stale = pick(otherRepo(e * 11 + 3), 6);
    cover(stale.repository.name, stale.image.digest, NOW_S - 30 * DAY_S);
  }

  // What runs was pulled yesterday; each repository's newest image was pulled by CI two days ago.
  for (const task of tasks)
    for (const container of task.containers) {
      const image = container.digest === undefined ? undefined : repositoryByName.get(repositoryOfRef(container.image))?.byDigest.get(container.digest);
      if (image !== undefined) image.pulledAt = NOW_S - DAY_S;
    }
  for (const repository of repositories) {
    const newest = repository.images[repository.images.length - 1];
    if (newest !== undefined && (newest.pulledAt ?? 0) < NOW_S - 2 * DAY_S) newest.pulledAt = NOW_S - 2 * DAY_S;
  }

  return {
    size,
    repositories,
    repositoryByName,
    clusters,
    services,
    serviceByArn: new Map(services.map((s) => [s.arn, s])),
    revisions,
    deployments,
    tasks,
    taskByArn: new Map(tasks.map((t) => [t.arn, t])),
    families,
    buses,
    rules,
    schedules,
    functions,
    jobDefinitions,
    coverage,
  };
};

/** Resolves `family`, `family:revision` or a task definition ARN (with or without revision). */
export const resolveTaskDefinition = (account: BenchAccount, name: string): { family: BenchFamily; revision: number } | undefined => {
  const bare = name.includes(':task-definition/') ? (name.split(':task-definition/')[1] ?? '') : name;
  const [familyName = '', revisionText] = bare.split(':');
  const family = account.families.get(familyName);
  if (family === undefined) return undefined;
  const revision = revisionText === undefined ? family.latest : Number(revisionText);
  if (!Number.isInteger(revision) || revision < 1 || revision > family.latest) return undefined;
  return { family, revision };
};

export const taskDefinitionArn = (family: string, revision: number): string => `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`;

/** Total images in the account. */
export const imageCount = (account: BenchAccount): number => account.repositories.reduce((n, r) => n + r.images.length, 0);
