/**
 * The ECS adapter: `EcsPort` over a real `ECSClient`. Finds the digests workloads run now
 * (tasks) and may pull again (service revisions pinned at deployment, rollback sources), and the
 * images task definitions name (services with no revision, CodeDeploy and external task sets).
 */
import {
  DescribeClustersCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  paginateListClusters,
  paginateListServices,
  paginateListTaskDefinitionFamilies,
  paginateListTaskDefinitions,
  paginateListTasks,
  type ContainerImage as SdkContainerImage,
  type ECSPaginationConfiguration,
  type ListServiceDeploymentsCommandInput,
  type ListServiceDeploymentsCommandOutput,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
  type ServiceDeploymentStatus,
  type Tag,
  type TaskSet,
} from '@aws-sdk/client-ecs';
import { createPaginator } from '@smithy/core';
import pLimit from 'p-limit';
import { isDigest, type Region } from '../domain/types.js';
import { AwsCallError } from '../errors.js';
import { callAws, chunksOf, pagesOf, type AdapterOptions } from './actions.js';
import type { ContainerImage, DeploymentRevisions, EcsPort, ServiceRevision, Tags, TaskDefinitionImages } from './ports.js';

/** `DescribeClusters` and `DescribeTasks` accept ≤100 ARNs, `DescribeServices` ≤10. */
const MAX_DESCRIBE_CLUSTERS = 100;
const MAX_DESCRIBE_TASKS = 100;
const MAX_DESCRIBE_SERVICES = 10;
/** `DescribeServiceRevisions` and `DescribeServiceDeployments` accept ≤20 ARNs. */
const MAX_DESCRIBE_REVISIONS = 20;
const MAX_DESCRIBE_DEPLOYMENTS = 20;
/** Largest page of the ECS list calls. */
const MAX_LIST_PAGE = 100;
/**
 * Calls in flight at once for the two ECS reads with no batch form (ListServiceDeployments per
 * service, DescribeTaskDefinition per revision): at ~100 ms a call, 2 reach the 20/s ECS allows
 * per action group without bursting past it, leaving the rest of the quota to other callers.
 */
const ONE_AT_A_TIME_READS_IN_FLIGHT = 2;

/** The SDK ships no paginator for ListServiceDeployments; this is the one its code generator would write. */
const paginateListServiceDeployments = createPaginator<ECSPaginationConfiguration, ListServiceDeploymentsCommandInput, ListServiceDeploymentsCommandOutput>(
  ECSClient,
  ListServiceDeploymentsCommand,
  'nextToken',
  'nextToken',
  'maxResults',
);

/**
 * Deployments whose source and target revisions may both be running or be pulled again:
 * the ones in flight (pending, ongoing, stopping, rolling back) and those that ended in a
 * mixed state (`STOPPED` without rollback, `ROLLBACK_FAILED`).
 */
const BOTH_SIDES: ReadonlySet<ServiceDeploymentStatus> = new Set<ServiceDeploymentStatus>([
  'PENDING',
  'IN_PROGRESS',
  'STOP_REQUESTED',
  'ROLLBACK_REQUESTED',
  'ROLLBACK_IN_PROGRESS',
  'STOPPED',
  'ROLLBACK_FAILED',
]);
/** Completed cleanly: only the newest one's source matters (the revision a rollback returns to). */
const COMPLETED: ReadonlySet<ServiceDeploymentStatus> = new Set<ServiceDeploymentStatus>(['SUCCESSFUL', 'ROLLBACK_SUCCESSFUL']);

/**
 * Task sets whose task definition a CodeDeploy or external controller may run or route back to:
 * PRIMARY and ACTIVE. A DRAINING set is being scaled in for good; its tasks, while they last, are listed.
 */
const liveTaskSet = (taskSet: TaskSet): boolean => taskSet.status !== 'DRAINING';

/** DescribeTaskDefinition's answer for a task definition that does not exist (deleted, or never registered). */
const isMissingTaskDefinition = (error: unknown): boolean =>
  error instanceof AwsCallError && error.awsCode === 'ClientException' && /unable to describe task definition/i.test(error.message);

const tagsOf = (tags: readonly Tag[] | undefined): Tags => {
  const map: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.key !== undefined) map[tag.key] = tag.value ?? '';
  return map;
};

/** `imageDigest` is kept only when it is a canonical sha256 digest (it is missing while a task is pending). */
const containerImageOf = (container: { name?: string | undefined; containerName?: string | undefined; image?: string | undefined; imageDigest?: string | undefined }): ContainerImage => ({
  containerName: container.name ?? container.containerName,
  image: container.image ?? '',
  imageDigest: container.imageDigest !== undefined && isDigest(container.imageDigest) ? container.imageDigest : undefined,
});

const newestFirst = (a: { createdAt?: Date | undefined }, b: { createdAt?: Date | undefined }): number =>
  (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0);

const isCompleted = (d: { status?: ServiceDeploymentStatus | undefined }): boolean => d.status !== undefined && COMPLETED.has(d.status);

/**
 * The listed deployments worth describing: those that may pin both sides, the newest completed one,
 * and any whose status or time the list left out (undecidable without a describe). Months of
 * finished rollouts are skipped, so a service usually costs no more than one described deployment.
 */
const worthDescribing = (briefs: readonly ServiceDeploymentBrief[]): ServiceDeploymentBrief[] => {
  const newestCompleted = briefs.filter((b) => isCompleted(b) && b.createdAt !== undefined).sort(newestFirst)[0];
  return briefs.filter(
    (b) => b === newestCompleted || b.status === undefined || !COMPLETED.has(b.status) || b.createdAt === undefined,
  );
};

/** Revision ARNs a service's (described) deployments may still pull; see `EcsPort.deploymentRevisionArns`. */
const revisionsPinnedBy = (deployments: readonly ServiceDeployment[]): string[] => {
  const revisions = new Set<string>();
  const addSources = (deployment: ServiceDeployment): void => {
    for (const source of deployment.sourceServiceRevisions ?? []) if (source.arn !== undefined) revisions.add(source.arn);
  };
  for (const deployment of deployments) {
    if (deployment.status === undefined || !BOTH_SIDES.has(deployment.status)) continue;
    addSources(deployment);
    if (deployment.targetServiceRevision?.arn !== undefined) revisions.add(deployment.targetServiceRevision.arn);
  }
  const lastCompleted = deployments.filter(isCompleted).sort(newestFirst)[0];
  if (lastCompleted !== undefined) addSources(lastCompleted);
  return [...revisions];
};

/** Builds the ECS port of one region over `client`; every method throws `AwsCallError` naming its IAM action. */
export const createEcsAdapter = (client: ECSClient, region: Region, options: AdapterOptions = {}): EcsPort => {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };

  const listDeployments = async (cluster: string, service: string): Promise<ServiceDeploymentBrief[]> => {
    // ECS keeps 90 days of deployment history.
    const briefs: ServiceDeploymentBrief[] = [];
    const pages = paginateListServiceDeployments({ client, pageSize: MAX_LIST_PAGE }, { cluster, service }, send);
    for await (const page of pagesOf('ecs:ListServiceDeployments', undefined, pages)) briefs.push(...(page.serviceDeployments ?? []));
    return briefs;
  };

  return {
    region,

    async *listClusters() {
      const pages = paginateListClusters({ client, pageSize: MAX_LIST_PAGE }, {}, send);
      for await (const page of pagesOf('ecs:ListClusters', undefined, pages)) {
        for (const chunk of chunksOf(page.clusterArns ?? [], MAX_DESCRIBE_CLUSTERS)) {
          const output = await callAws('ecs:DescribeClusters', undefined, () =>
            client.send(new DescribeClustersCommand({ clusters: chunk, include: ['TAGS'] }), send),
          );
          for (const cluster of output.clusters ?? []) {
            if (cluster.clusterArn === undefined) continue;
            yield { arn: cluster.clusterArn, name: cluster.clusterName ?? '', tags: tagsOf(cluster.tags) };
          }
        }
      }
    },

    async *listTasks(clusterArn) {
      // desiredStatus RUNNING lists tasks whose lastStatus is still PENDING as well: those pull soon.
      const pages = paginateListTasks({ client, pageSize: MAX_LIST_PAGE }, { cluster: clusterArn, desiredStatus: 'RUNNING' }, send);
      for await (const page of pagesOf('ecs:ListTasks', undefined, pages)) {
        for (const chunk of chunksOf(page.taskArns ?? [], MAX_DESCRIBE_TASKS)) {
          const output = await callAws('ecs:DescribeTasks', undefined, () =>
            client.send(new DescribeTasksCommand({ cluster: clusterArn, tasks: chunk, include: ['TAGS'] }), send),
          );
          for (const task of output.tasks ?? []) {
            if (task.taskArn === undefined) continue;
            yield {
              arn: task.taskArn,
              clusterArn: task.clusterArn ?? clusterArn,
              group: task.group,
              lastStatus: task.lastStatus,
              launchType: task.launchType,
              capacityProviderName: task.capacityProviderName,
              taskDefinitionArn: task.taskDefinitionArn,
              tags: tagsOf(task.tags),
              containers: (task.containers ?? []).map(containerImageOf),
            };
          }
        }
      }
    },

    async *listServices(clusterArn) {
      const pages = paginateListServices({ client, pageSize: MAX_LIST_PAGE }, { cluster: clusterArn }, send);
      for await (const page of pagesOf('ecs:ListServices', undefined, pages)) {
        for (const chunk of chunksOf(page.serviceArns ?? [], MAX_DESCRIBE_SERVICES)) {
          const output = await callAws('ecs:DescribeServices', undefined, () =>
            client.send(new DescribeServicesCommand({ cluster: clusterArn, services: chunk, include: ['TAGS'] }), send),
          );
          for (const service of output.services ?? []) {
            if (service.serviceArn === undefined) continue;
            yield {
              arn: service.serviceArn,
              name: service.serviceName ?? '',
              clusterArn: service.clusterArn ?? clusterArn,
              desiredCount: service.desiredCount ?? 0,
              tags: tagsOf(service.tags),
              currentRevisionArns: (service.currentServiceRevisions ?? []).flatMap((r) => (r.arn === undefined ? [] : [r.arn])),
              taskDefinitionArn: service.taskDefinition,
              taskSetTaskDefinitionArns: [
                ...new Set((service.taskSets ?? []).filter(liveTaskSet).flatMap((t) => (t.taskDefinition === undefined ? [] : [t.taskDefinition]))),
              ],
              deploymentController: service.deploymentController?.type,
            };
          }
        }
      }
    },

    async deploymentRevisionArns(clusters): Promise<ReadonlyMap<string, DeploymentRevisions>> {
      // Keyed by cluster and service: an old-format service ARN does not name its cluster.
      interface Owner {
        readonly failures: Map<string, unknown>;
        readonly deployments: Map<string, ServiceDeployment[]>;
        // Service ARN → its listed deployments that came back in failures[] or not at all, with the reason.
        readonly undescribed: Map<string, string[]>;
      }
      const owners = new Map<string, Owner>();
      // Deployment ARN → the cluster and service it was listed for (the one whose revisions it pins).
      const serviceOf = new Map<string, { readonly owner: Owner; readonly serviceArn: string }>();
      // Listed a bounded number at a time, recorded in the order asked (describe batches stay stable).
      const limit = pLimit(ONE_AT_A_TIME_READS_IN_FLIGHT);
      type Listed = { readonly ok: true; readonly briefs: ServiceDeploymentBrief[] } | { readonly ok: false; readonly error: unknown };
      const deploymentLists = clusters.map(({ clusterArn, serviceArns }) =>
        serviceArns.map((serviceArn) =>
          limit(() => listDeployments(clusterArn, serviceArn)).then(
            (briefs): Listed => ({ ok: true, briefs }),
            (error: unknown): Listed => ({ ok: false, error }),
          ),
        ),
      );
      for (const [k, { clusterArn, serviceArns }] of clusters.entries()) {
        const owner: Owner = owners.get(clusterArn) ?? { failures: new Map(), deployments: new Map(), undescribed: new Map() };
        owners.set(clusterArn, owner);
        for (const [j, serviceArn] of serviceArns.entries()) {
          owner.deployments.set(serviceArn, owner.deployments.get(serviceArn) ?? []);
          const listed = await (deploymentLists[k]?.[j] as Promise<Listed>);
          if (!listed.ok) {
            owner.failures.set(serviceArn, listed.error);
            continue;
          }
          for (const brief of worthDescribing(listed.briefs))
            if (brief.serviceDeploymentArn !== undefined) serviceOf.set(brief.serviceDeploymentArn, { owner, serviceArn });
        }
      }
      // Described 20 at a time across services and clusters: the call takes deployment ARNs only.
      for (const chunk of chunksOf([...serviceOf.keys()], MAX_DESCRIBE_DEPLOYMENTS)) {
        try {
          const output = await callAws('ecs:DescribeServiceDeployments', undefined, () =>
            client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: chunk }), send),
          );
          const returned = new Set<string>();
          for (const deployment of output.serviceDeployments ?? []) {
            const listed = serviceOf.get(deployment.serviceDeploymentArn ?? '');
            if (listed === undefined) continue;
            returned.add(deployment.serviceDeploymentArn ?? '');
            listed.owner.deployments.get(listed.serviceArn)?.push(deployment);
          }
          // A listed deployment in failures[] (or missing altogether) may pin revisions we would then
          // never see: its service's in-use set is unknown, exactly as if the call had failed.
          const reasons = new Map((output.failures ?? []).map((f) => [f.arn ?? '', [f.reason, f.detail].filter(Boolean).join(': ')]));
          for (const arn of chunk) {
            const listed = serviceOf.get(arn);
            if (listed === undefined || returned.has(arn)) continue;
            const { undescribed } = listed.owner;
            undescribed.set(listed.serviceArn, [...(undescribed.get(listed.serviceArn) ?? []), `${arn} (${reasons.get(arn) || 'not returned'})`]);
          }
        } catch (error) {
          for (const arn of chunk) {
            const listed = serviceOf.get(arn);
            if (listed !== undefined) listed.owner.failures.set(listed.serviceArn, error);
          }
        }
      }
      const result = new Map<string, DeploymentRevisions>();
      for (const [clusterArn, { failures, deployments, undescribed }] of owners) {
        for (const [serviceArn, arns] of undescribed)
          if (!failures.has(serviceArn))
            failures.set(serviceArn, new AwsCallError(`ecs:DescribeServiceDeployments did not describe ${arns.join(', ')}`, { action: 'ecs:DescribeServiceDeployments' }));
        const byService = new Map<string, readonly string[]>();
        for (const [serviceArn, described] of deployments) if (!failures.has(serviceArn)) byService.set(serviceArn, revisionsPinnedBy(described));
        result.set(clusterArn, { byService, failures });
      }
      return result;
    },

    async describeServiceRevisions(arns) {
      const revisions: ServiceRevision[] = [];
      for (const chunk of chunksOf([...new Set(arns)], MAX_DESCRIBE_REVISIONS)) {
        const output = await callAws('ecs:DescribeServiceRevisions', undefined, () =>
          client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: chunk }), send),
        );
        // Unknown or pre-October-2024 revisions come back in failures[]: skipped, as the port says.
        for (const revision of output.serviceRevisions ?? []) {
          if (revision.serviceRevisionArn === undefined) continue;
          revisions.push({
            arn: revision.serviceRevisionArn,
            serviceArn: revision.serviceArn ?? '',
            clusterArn: revision.clusterArn ?? '',
            containerImages: (revision.containerImages ?? []).map((c: SdkContainerImage) => containerImageOf(c)),
          });
        }
      }
      return revisions;
    },

    async describeTaskDefinitions(arnsOrFamilies) {
      // No batch form: one call per distinct name, a bounded number in flight (DescribeTaskDefinition
      // has its own 20/s quota, shared with every other caller in the account). Not cached: tags can change.
      const limit = pLimit(ONE_AT_A_TIME_READS_IN_FLIGHT);
      const names = [...new Set(arnsOrFamilies)];
      const outputs = await Promise.all(
        names.map((name) =>
          limit(async () => {
            try {
              return await callAws('ecs:DescribeTaskDefinition', undefined, () =>
                client.send(new DescribeTaskDefinitionCommand({ taskDefinition: name, include: ['TAGS'] }), send),
              );
            } catch (error) {
              if (isMissingTaskDefinition(error)) return undefined;
              throw error;
            }
          }),
        ),
      );
      const found = new Map<string, TaskDefinitionImages>();
      for (const [k, name] of names.entries()) {
        const output = outputs[k];
        const definition = output?.taskDefinition;
        if (output === undefined || definition?.taskDefinitionArn === undefined) continue;
        found.set(name, {
          arn: definition.taskDefinitionArn,
          family: definition.family ?? '',
          revision: definition.revision ?? 0,
          tags: tagsOf(output.tags),
          containerImages: (definition.containerDefinitions ?? []).map(containerImageOf),
        });
      }
      return found;
    },

    async *listTaskDefinitionFamilies() {
      const pages = paginateListTaskDefinitionFamilies({ client, pageSize: MAX_LIST_PAGE }, { status: 'ACTIVE' }, send);
      for await (const page of pagesOf('ecs:ListTaskDefinitionFamilies', undefined, pages)) yield* page.families ?? [];
    },

    async newestTaskDefinitionArns(family, count) {
      const arns: string[] = [];
      if (count <= 0) return arns;
      // Pages of exactly `count` newest first: one call per family in practice, since ECS shares
      // the list quota of this category with every other caller in the account.
      const pages = paginateListTaskDefinitions(
        { client, pageSize: Math.min(count, MAX_LIST_PAGE) },
        { familyPrefix: family, status: 'ACTIVE', sort: 'DESC' },
        send,
      );
      for await (const page of pagesOf('ecs:ListTaskDefinitions', undefined, pages)) {
        arns.push(...(page.taskDefinitionArns ?? []));
        if (arns.length >= count) break;
      }
      return arns.slice(0, count);
    },
  };
};
