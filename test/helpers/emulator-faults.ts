/**
 * Fault injection for the end-to-end sweep tests: an emulated account that answers in several
 * regions (moto serves every region on one endpoint; the control server takes `region`), and the
 * smallest port wrappers that reproduce what the emulator cannot: a call AWS refuses
 * (AccessDenied), a consumer region that cannot be read, and the world changing between two
 * reads of one sweep (a rollback, CI moving a tag). Each wrapper delegates to the real adapter
 * for everything it does not fault, so the rest still goes over the real SDK to the emulator.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { countCommands, type CallCounts } from './call-counter.js';
import { adaptersOver, createClients } from '../../src/lib/aws/clients.js';
import type { Cluster, EcrPort, EcsPort, RegionAdapters } from '../../src/lib/aws/ports.js';
import type { KeeperConfig } from '../../src/lib/config.js';
import { toRegion, type Region } from '../../src/lib/domain/types.js';
import { AwsCallError } from '../../src/lib/errors.js';
import { silentLog } from '../../src/lib/observability.js';
import type { SweepDeps } from '../../src/lib/sweep.js';
import { clientConfig, type Emulator } from '../emulator/harness.js';
import { defaultConfig, recordRepositoryCalls, type RepositoryCall } from './emulator-account.js';

/** Wraps the adapters of one region (return them unchanged to leave the region alone). */
export type AdapterWrapper = (adapters: RegionAdapters) => RegionAdapters;

export interface MultiRegionAccount {
  /** `Service:Operation` → calls, every region together. */
  readonly counts: CallCounts;
  /** ECR commands that named a repository, every region together, in order. */
  readonly ecrCalls: RepositoryCall[];
  readonly deps: SweepDeps;
}

/**
 * The sweep's deps over the emulator for every region in `regions`: per region the same real
 * clients (one attempt, explicit credentials) and real adapters as `emulatorAccount`, counted at
 * the wire, then `wrap(region)` applied. A region outside `regions` throws, as an unreachable one would.
 */
export const multiRegionAccount = (
  emu: Emulator,
  options: {
    readonly now: Date;
    readonly regions: readonly string[];
    readonly config?: KeeperConfig;
    readonly wrap?: Readonly<Record<string, AdapterWrapper>>;
  },
): MultiRegionAccount => {
  const counts: CallCounts = new Map();
  const ecrCalls: RepositoryCall[] = [];
  const adapters = new Map<Region, RegionAdapters>();
  for (const name of options.regions) {
    const region = toRegion(name);
    const clients = createClients({ region, endpoint: emu.endpoint, credentials: emu.credentials, maxAttempts: 1 });
    for (const client of Object.values(clients)) countCommands(client, counts);
    recordRepositoryCalls(clients.ecr, ecrCalls);
    const real = adaptersOver(clients, region);
    const wrap = options.wrap?.[name];
    adapters.set(region, wrap === undefined ? real : wrap(real));
  }
  const deps: SweepDeps = {
    config: options.config ?? defaultConfig(),
    log: silentLog,
    now: () => options.now,
    adaptersFor: (region) => {
      const found = adapters.get(region);
      if (found === undefined) throw new Error(`the test account serves ${[...adapters.keys()].join(', ')}, not ${region}`);
      return found;
    },
  };
  return { counts, ecrCalls, deps };
};

/** An ECS client of the emulator in another region than the harness's default, for seeding. */
export const ecsClientIn = (emu: Emulator, region: string): ECSClient => new ECSClient({ ...clientConfig(emu), region });

/** What the real adapters throw when IAM (or an SCP) refuses `action`. */
export const accessDenied = (action: string, repository?: string): AwsCallError =>
  new AwsCallError(`User: arn:aws:sts::123456789012:assumed-role/ecr-keeper/sweep is not authorized to perform: ${action}`, {
    action,
    awsCode: 'AccessDeniedException',
    ...(repository === undefined ? {} : { repository }),
  });

/** An async iterable that fails on the first read, as a paginator whose first page is refused. */
const refusedPages = <T>(error: Error): AsyncIterable<T> => ({
  [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(error) }),
});

/** An ECS port whose every call is refused with `error` (a consumer region that cannot be read). */
export const unreadableEcs = (port: EcsPort, error: (action: string) => Error = accessDenied): EcsPort => ({
  region: port.region,
  listClusters: () => refusedPages(error('ecs:ListClusters')),
  listTasks: () => refusedPages(error('ecs:ListTasks')),
  listServices: () => refusedPages(error('ecs:ListServices')),
  deploymentRevisionArns: () => Promise.reject(error('ecs:ListServiceDeployments')),
  describeServiceRevisions: () => Promise.reject(error('ecs:DescribeServiceRevisions')),
  describeTaskDefinitions: () => Promise.reject(error('ecs:DescribeTaskDefinition')),
  listTaskDefinitionFamilies: () => refusedPages(error('ecs:ListTaskDefinitionFamilies')),
  newestTaskDefinitionArns: () => Promise.reject(error('ecs:ListTaskDefinitions')),
});

/**
 * The real ECS port, except that each discovery (one ListClusters per region per discovery) first
 * awaits `beforeDiscovery(n)`, n = 1 for the sweep's first read of the region's consumers. The
 * world change a test makes there lands before that read starts, as a deploy started between
 * two reads of one sweep would.
 */
export const ecsWithDiscoveryHook = (port: EcsPort, beforeDiscovery: (discovery: number) => Promise<void>): EcsPort => {
  let discoveries = 0;
  return {
    region: port.region,
    listClusters: () => ({
      [Symbol.asyncIterator]: () => {
        let inner: AsyncIterator<Cluster> | undefined;
        return {
          next: async () => {
            if (inner === undefined) {
              discoveries += 1;
              await beforeDiscovery(discoveries);
              inner = port.listClusters()[Symbol.asyncIterator]();
            }
            return inner.next();
          },
        };
      },
    }),
    listTasks: (cluster) => port.listTasks(cluster),
    listServices: (cluster) => port.listServices(cluster),
    deploymentRevisionArns: (clusters) => port.deploymentRevisionArns(clusters),
    describeServiceRevisions: (arns) => port.describeServiceRevisions(arns),
    describeTaskDefinitions: (arns) => port.describeTaskDefinitions(arns),
    listTaskDefinitionFamilies: () => port.listTaskDefinitionFamilies(),
    newestTaskDefinitionArns: (family, count) => port.newestTaskDefinitionArns(family, count),
  };
};

export interface EcrFaults {
  /** Called before each PutLifecyclePolicy (n counts from 1); a returned error is thrown instead of writing. */
  readonly putLifecyclePolicy?: (repository: string, text: string, n: number) => Error | undefined;
  /** Awaited before each BatchDeleteImage by tag (n counts from 1), then the real call is made. */
  readonly beforeRemoveImageTag?: (repository: string, tag: string, n: number) => Promise<void>;
}

/** The real ECR port with `faults` applied to its write methods; every read is the real one. */
export const ecrWithFaults = (port: EcrPort, faults: EcrFaults): EcrPort => {
  let puts = 0;
  let removes = 0;
  return {
    region: port.region,
    listRepositories: () => port.listRepositories(),
    describeRepository: (name) => port.describeRepository(name),
    listImages: (repository) => port.listImages(repository),
    repositoryTags: (arn) => port.repositoryTags(arn),
    getLifecyclePolicy: (repository) => port.getLifecyclePolicy(repository),
    resolveTags: (repository, tags) => port.resolveTags(repository, tags),
    getManifests: (repository, digests) => port.getManifests(repository, digests),
    putImageTag: (repository, manifest, tag) => port.putImageTag(repository, manifest, tag),
    putLifecyclePolicy: async (repository, text) => {
      puts += 1;
      const error = faults.putLifecyclePolicy?.(repository, text, puts);
      if (error !== undefined) throw error;
      return port.putLifecyclePolicy(repository, text);
    },
    removeImageTag: async (repository, tag) => {
      removes += 1;
      await faults.beforeRemoveImageTag?.(repository, tag, removes);
      return port.removeImageTag(repository, tag);
    },
  };
};
