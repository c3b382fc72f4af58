import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeClustersCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListClustersCommand,
  ListServiceDeploymentsCommand,
  ListServicesCommand,
  ListTasksCommand,
  type ServiceDeployment,
  type ServiceDeploymentStatus,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../../src/lib/aws/clients.js';
import { createEcsAdapter } from '../../../src/lib/aws/ecs.js';
import { AwsCallError } from '../../../src/lib/errors.js';
import { toRegion } from '../../../src/lib/domain/types.js';
import { collectReferences } from '../../../src/lib/inuse.js';
import { configFactory, digestOf } from '../../helpers/factories.js';
import { deploymentRevisionsIn } from '../../helpers/fakes.js';

const region = toRegion('eu-west-1');
const ecsMock = mockClient(ECSClient);
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const clusterArn = 'arn:aws:ecs:eu-west-1:123456789012:cluster/prod';
const serviceArn = 'arn:aws:ecs:eu-west-1:123456789012:service/prod/api';

const adapter = () => createEcsAdapter(createClients({ region, credentials }).ecs, region);

const taskArn = (i: number): string => `arn:aws:ecs:eu-west-1:123456789012:task/prod/${i.toString().padStart(32, '0')}`;
const serviceArnOf = (i: number): string => `arn:aws:ecs:eu-west-1:123456789012:service/prod/svc-${i}`;
const revisionArn = (name: string): string => `arn:aws:ecs:eu-west-1:123456789012:service-revision/prod/api/${name}`;
const deploymentArn = (name: string): string => `arn:aws:ecs:eu-west-1:123456789012:service-deployment/prod/api/${name}`;
const taskDefinitionArn = (family: string, revision: number): string => `arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:${revision}`;

const awsError = (name: string): Error => Object.assign(new Error(name), { name, $metadata: {} });

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

beforeEach(() => {
  ecsMock.reset();
});

describe('Function: listClusters', () => {
  it('describes the listed clusters with their tags', async () => {
    // Prepare
    ecsMock.on(ListClustersCommand).resolves({ clusterArns: [clusterArn] });
    ecsMock.on(DescribeClustersCommand).resolves({
      clusters: [{ clusterArn, clusterName: 'prod', tags: [{ key: 'env', value: 'production' }] }],
    });

    // Act
    const clusters = await collect(adapter().listClusters());

    // Assess
    expect(clusters).toEqual([{ arn: clusterArn, name: 'prod', tags: { env: 'production' } }]);
    expect(ecsMock).toReceiveCommandWith(DescribeClustersCommand, { clusters: [clusterArn], include: ['TAGS'] });
  });
});

describe('Function: listTasks', () => {
  it('lists desired-running tasks and describes them in chunks of 100 with tags', async () => {
    // Prepare
    const arns = Array.from({ length: 250 }, (_, i) => taskArn(i));
    ecsMock
      .on(ListTasksCommand)
      .resolvesOnce({ taskArns: arns.slice(0, 100), nextToken: 'p2' })
      .resolvesOnce({ taskArns: arns.slice(100, 200), nextToken: 'p3' })
      .resolvesOnce({ taskArns: arns.slice(200) });
    ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks?: string[] }) => ({
      tasks: (input.tasks ?? []).map((arn) => ({ taskArn: arn, clusterArn, containers: [] })),
    }));

    // Act
    const tasks = await collect(adapter().listTasks(clusterArn));

    // Assess
    expect(tasks.map((t) => t.arn)).toEqual(arns);
    expect(ecsMock).toReceiveCommandWith(ListTasksCommand, { cluster: clusterArn, desiredStatus: 'RUNNING' });
    const sizes = ecsMock.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input.tasks?.length);
    expect(sizes).toEqual([100, 100, 50]);
    expect(ecsMock).toReceiveCommandWith(DescribeTasksCommand, { cluster: clusterArn, include: ['TAGS'] });
  });

  it('maps containers, keeping only valid digests, and turns tags into a map', async () => {
    // Prepare
    const digest = digestOf('running');
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1)] });
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: taskArn(1),
          clusterArn,
          group: 'service:api',
          lastStatus: 'RUNNING',
          launchType: 'FARGATE',
          capacityProviderName: 'FARGATE_SPOT',
          taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/api:3',
          tags: [{ key: 'env', value: 'prod' }, { key: 'team', value: 'core' }],
          containers: [
            { name: 'app', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:v1', imageDigest: digest },
            { name: 'sidecar', image: 'public.ecr.aws/x/y:latest', imageDigest: 'not-a-digest' },
            { name: 'pending', image: 'team/api:v2' },
          ],
        },
      ],
    });

    // Act
    const [task] = await collect(adapter().listTasks(clusterArn));

    // Assess
    expect(task).toEqual({
      arn: taskArn(1),
      clusterArn,
      group: 'service:api',
      lastStatus: 'RUNNING',
      launchType: 'FARGATE',
      capacityProviderName: 'FARGATE_SPOT',
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/api:3',
      tags: { env: 'prod', team: 'core' },
      containers: [
        { containerName: 'app', image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api:v1', imageDigest: digest },
        { containerName: 'sidecar', image: 'public.ecr.aws/x/y:latest', imageDigest: undefined },
        { containerName: 'pending', image: 'team/api:v2', imageDigest: undefined },
      ],
    });
  });

  it('fails with AwsCallError naming DescribeTasks when throttled', async () => {
    // Prepare
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [taskArn(1)] });
    ecsMock.on(DescribeTasksCommand).rejects(awsError('ThrottlingException'));

    // Act
    const result = collect(adapter().listTasks(clusterArn));

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', action: 'ecs:DescribeTasks', awsCode: 'ThrottlingException' });
  });
});

describe('Function: listServices', () => {
  it('describes services in chunks of 10 with tags and current revisions', async () => {
    // Prepare
    const arns = Array.from({ length: 23 }, (_, i) => serviceArnOf(i));
    ecsMock.on(ListServicesCommand).resolves({ serviceArns: arns });
    ecsMock.on(DescribeServicesCommand).callsFake((input: { services?: string[] }) => ({
      services: (input.services ?? []).map((arn) => ({
        serviceArn: arn,
        serviceName: arn.split('/').pop(),
        clusterArn,
        desiredCount: 0,
        tags: [{ key: 'env', value: 'staging' }],
        currentServiceRevisions: [{ arn: `${arn}/rev-1` }, { arn: `${arn}/rev-2` }],
      })),
    }));

    // Act
    const services = await collect(adapter().listServices(clusterArn));

    // Assess
    const sizes = ecsMock.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input.services?.length);
    expect(sizes).toEqual([10, 10, 3]);
    expect(ecsMock).toReceiveCommandWith(DescribeServicesCommand, { cluster: clusterArn, include: ['TAGS'] });
    expect(services).toHaveLength(23);
    expect(services[5]).toEqual({
      arn: serviceArnOf(5),
      name: 'svc-5',
      clusterArn,
      desiredCount: 0,
      tags: { env: 'staging' },
      currentRevisionArns: [`${serviceArnOf(5)}/rev-1`, `${serviceArnOf(5)}/rev-2`],
      taskSetTaskDefinitionArns: [],
    });
  });

  it('gives a service that reports no revisions its task definition, so the caller can fall back to it', async () => {
    // Prepare: a service deployed before service revisions existed, scaled to zero
    ecsMock.on(ListServicesCommand).resolves({ serviceArns: [serviceArn] });
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [{ serviceArn, serviceName: 'api', clusterArn, desiredCount: 0, taskDefinition: taskDefinitionArn('api', 7), deploymentController: { type: 'ECS' } }],
    });

    // Act
    const [service] = await collect(adapter().listServices(clusterArn));

    // Assess
    expect(service).toEqual({
      arn: serviceArn,
      name: 'api',
      clusterArn,
      desiredCount: 0,
      tags: {},
      currentRevisionArns: [],
      taskDefinitionArn: taskDefinitionArn('api', 7),
      taskSetTaskDefinitionArns: [],
      deploymentController: 'ECS',
    });
  });

  it('gives a CODE_DEPLOY service the task definitions of its primary and active task sets, not of a draining one', async () => {
    // Prepare: blue/green in progress (blue PRIMARY, green ACTIVE) and an old task set draining
    ecsMock.on(ListServicesCommand).resolves({ serviceArns: [serviceArn] });
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceArn,
          serviceName: 'api',
          clusterArn,
          desiredCount: 2,
          taskDefinition: taskDefinitionArn('api', 2),
          deploymentController: { type: 'CODE_DEPLOY' },
          taskSets: [
            { taskSetArn: 'ts-blue', status: 'PRIMARY', taskDefinition: taskDefinitionArn('api', 2) },
            { taskSetArn: 'ts-green', status: 'ACTIVE', taskDefinition: taskDefinitionArn('api', 3) },
            { taskSetArn: 'ts-old', status: 'DRAINING', taskDefinition: taskDefinitionArn('api', 1) },
            { taskSetArn: 'ts-twin', status: 'ACTIVE', taskDefinition: taskDefinitionArn('api', 3) },
          ],
        },
      ],
    });

    // Act
    const [service] = await collect(adapter().listServices(clusterArn));

    // Assess
    expect(service).toMatchObject({
      currentRevisionArns: [],
      deploymentController: 'CODE_DEPLOY',
      taskDefinitionArn: taskDefinitionArn('api', 2),
      taskSetTaskDefinitionArns: [taskDefinitionArn('api', 2), taskDefinitionArn('api', 3)],
    });
  });

  it('fails with AwsCallError when access is denied on the second page', async () => {
    // Prepare
    ecsMock
      .on(ListServicesCommand)
      .resolvesOnce({ serviceArns: [serviceArnOf(1)], nextToken: 'p2' })
      .rejectsOnce(awsError('AccessDeniedException'));
    ecsMock.on(DescribeServicesCommand).resolves({ services: [{ serviceArn: serviceArnOf(1), clusterArn }] });

    // Act
    const result = collect(adapter().listServices(clusterArn));

    // Assess
    await expect(result).rejects.toMatchObject({ action: 'ecs:ListServices', awsCode: 'AccessDeniedException' });
  });
});

describe('Function: deploymentRevisionArns', () => {
  const deployment = (
    name: string,
    status: ServiceDeploymentStatus,
    createdAt: string,
    sources: string[],
    target: string,
  ): ServiceDeployment => ({
    serviceDeploymentArn: deploymentArn(name),
    serviceArn,
    clusterArn,
    status,
    createdAt: new Date(createdAt),
    sourceServiceRevisions: sources.map((s) => ({ arn: revisionArn(s) })),
    targetServiceRevision: { arn: revisionArn(target) },
  });

  /** The revisions the adapter finds for `serviceArn` alone. */
  const revisionsOfApi = async (): Promise<readonly string[] | undefined> => {
    const deployed = await deploymentRevisionsIn(adapter(), clusterArn, [serviceArn]);
    expect(deployed.failures.size).toBe(0);
    return deployed.byService.get(serviceArn);
  };

  const arrange = (deployments: ServiceDeployment[]): void => {
    ecsMock.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: deployments.map((d) => ({ serviceDeploymentArn: d.serviceDeploymentArn, status: d.status })),
    });
    ecsMock.on(DescribeServiceDeploymentsCommand).callsFake((input: { serviceDeploymentArns?: string[] }) => ({
      serviceDeployments: deployments.filter((d) => input.serviceDeploymentArns?.includes(d.serviceDeploymentArn ?? '')),
    }));
  };

  it('keeps source and target of deployments in flight or left mixed', async () => {
    // Prepare
    arrange([
      deployment('d1', 'IN_PROGRESS', '2025-01-03T00:00:00Z', ['r1'], 'r2'),
      deployment('d2', 'ROLLBACK_IN_PROGRESS', '2025-01-02T00:00:00Z', ['r3'], 'r4'),
      deployment('d3', 'STOPPED', '2025-01-01T00:00:00Z', ['r5'], 'r6'),
    ]);

    // Act
    const arns = await revisionsOfApi();

    // Assess
    expect(new Set(arns)).toEqual(new Set(['r1', 'r2', 'r3', 'r4', 'r5', 'r6'].map(revisionArn)));
    expect(ecsMock).toReceiveCommandWith(ListServiceDeploymentsCommand, { cluster: clusterArn, service: serviceArn });
  });

  it('keeps only the source of the newest completed deployment (the rollback target)', async () => {
    // Prepare
    arrange([
      deployment('old', 'SUCCESSFUL', '2025-01-01T00:00:00Z', ['r0'], 'r1'),
      deployment('new', 'SUCCESSFUL', '2025-01-05T00:00:00Z', ['r1'], 'r2'),
    ]);

    // Act
    const arns = await revisionsOfApi();

    // Assess
    expect(arns).toEqual([revisionArn('r1')]);
  });

  it('follows nextToken and describes deployments 20 at a time', async () => {
    // Prepare
    const all = Array.from({ length: 45 }, (_, i) => deployment(`d${i}`, 'IN_PROGRESS', '2025-01-01T00:00:00Z', [`s${i}`], `t${i}`));
    ecsMock
      .on(ListServiceDeploymentsCommand)
      .resolvesOnce({ serviceDeployments: all.slice(0, 30).map((d) => ({ serviceDeploymentArn: d.serviceDeploymentArn })), nextToken: 'more' })
      .resolvesOnce({ serviceDeployments: all.slice(30).map((d) => ({ serviceDeploymentArn: d.serviceDeploymentArn })) });
    ecsMock.on(DescribeServiceDeploymentsCommand).callsFake((input: { serviceDeploymentArns?: string[] }) => ({
      serviceDeployments: all.filter((d) => input.serviceDeploymentArns?.includes(d.serviceDeploymentArn ?? '')),
    }));

    // Act
    const arns = await revisionsOfApi();

    // Assess
    expect(arns).toHaveLength(90);
    expect(ecsMock).toReceiveNthCommandWith(ListServiceDeploymentsCommand, 2, { nextToken: 'more' });
    const sizes = ecsMock.commandCalls(DescribeServiceDeploymentsCommand).map((c) => c.args[0].input.serviceDeploymentArns?.length);
    expect(sizes).toEqual([20, 20, 5]);
  });

  it('reports an unsupported call as AwsCallError for the caller to decide', async () => {
    // Prepare
    ecsMock.on(ListServiceDeploymentsCommand).rejects(awsError('UnknownOperationException'));

    // Act
    const result = await deploymentRevisionsIn(adapter(), clusterArn, [serviceArn]);

    // Assess
    expect(result.failures.get(serviceArn)).toBeInstanceOf(AwsCallError);
    expect(result.failures.get(serviceArn)).toMatchObject({ action: 'ecs:ListServiceDeployments', awsCode: 'UnknownOperationException' });
    expect(result.byService.has(serviceArn)).toBe(false);
  });

  it('describes only deployments in flight and the newest completed one, not months of finished rollouts', async () => {
    // Prepare: 30 SUCCESSFUL deployments, the newest one's source is the rollback target
    const history = Array.from({ length: 30 }, (_, i) =>
      deployment(`d${i}`, 'SUCCESSFUL', new Date(Date.UTC(2025, 0, 1 + i)).toISOString(), [`r${i}`], `r${i + 1}`),
    );
    ecsMock.on(ListServiceDeploymentsCommand).resolves({
      serviceDeployments: history.map((d) => ({ serviceDeploymentArn: d.serviceDeploymentArn, status: d.status, createdAt: d.createdAt })),
    });
    ecsMock.on(DescribeServiceDeploymentsCommand).callsFake((input: { serviceDeploymentArns?: string[] }) => ({
      serviceDeployments: history.filter((d) => input.serviceDeploymentArns?.includes(d.serviceDeploymentArn ?? '')),
    }));

    // Act
    const arns = await revisionsOfApi();

    // Assess
    expect(arns).toEqual([revisionArn('r29')]);
    expect(ecsMock).toHaveReceivedCommandTimes(DescribeServiceDeploymentsCommand, 1);
    expect(ecsMock).toReceiveCommandWith(DescribeServiceDeploymentsCommand, { serviceDeploymentArns: [deploymentArn('d29')] });
  });

  it('describes the deployments of many services 20 at a time and gives each service its own revisions', async () => {
    // Prepare: 30 services, each with one deployment in progress from s<i> to t<i>
    const services = Array.from({ length: 30 }, (_, i) => serviceArnOf(i));
    const byService = new Map(services.map((arn, i) => [arn, { ...deployment(`svc-${i}`, 'IN_PROGRESS', '2025-01-01T00:00:00Z', [`s${i}`], `t${i}`), serviceArn: arn }]));
    ecsMock.on(ListServiceDeploymentsCommand).callsFake((input: { service?: string }) => {
      const d = byService.get(input.service ?? '');
      return { serviceDeployments: d ? [{ serviceDeploymentArn: d.serviceDeploymentArn, status: d.status, createdAt: d.createdAt }] : [] };
    });
    ecsMock.on(DescribeServiceDeploymentsCommand).callsFake((input: { serviceDeploymentArns?: string[] }) => ({
      serviceDeployments: [...byService.values()].filter((d) => input.serviceDeploymentArns?.includes(d.serviceDeploymentArn ?? '')),
    }));

    // Act
    const result = await deploymentRevisionsIn(adapter(), clusterArn, services);

    // Assess
    const sizes = ecsMock.commandCalls(DescribeServiceDeploymentsCommand).map((c) => c.args[0].input.serviceDeploymentArns?.length);
    expect(sizes).toEqual([20, 10]);
    expect(ecsMock).toHaveReceivedCommandTimes(ListServiceDeploymentsCommand, 30);
    expect(new Set(result.byService.get(serviceArnOf(7)))).toEqual(new Set([revisionArn('s7'), revisionArn('t7')]));
    expect(result.failures.size).toBe(0);
  });

  it('fails only the service whose deployments cannot be listed', async () => {
    // Prepare
    const [healthy, broken] = [serviceArnOf(1), serviceArnOf(2)];
    const d = { ...deployment('ok', 'IN_PROGRESS', '2025-01-01T00:00:00Z', ['s'], 't'), serviceArn: healthy };
    ecsMock.on(ListServiceDeploymentsCommand, { service: healthy }).resolves({ serviceDeployments: [{ serviceDeploymentArn: d.serviceDeploymentArn, status: d.status }] });
    ecsMock.on(ListServiceDeploymentsCommand, { service: broken }).rejects(awsError('AccessDeniedException'));
    ecsMock.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: [d] });

    // Act
    const result = await deploymentRevisionsIn(adapter(), clusterArn, [healthy, broken]);

    // Assess
    expect(new Set(result.byService.get(healthy))).toEqual(new Set([revisionArn('s'), revisionArn('t')]));
    expect(result.byService.has(broken)).toBe(false);
    expect(result.failures.get(broken)).toMatchObject({ action: 'ecs:ListServiceDeployments', awsCode: 'AccessDeniedException' });
  });
});

describe('Function: deploymentRevisionArns, deployments not returned', () => {
  const [healthy, broken] = [serviceArnOf(1), serviceArnOf(2)];
  const inFlight = (name: string, service: string): ServiceDeployment => ({
    serviceDeploymentArn: deploymentArn(name),
    serviceArn: service,
    clusterArn,
    status: 'IN_PROGRESS',
    sourceServiceRevisions: [{ arn: revisionArn(`${name}-source`) }],
    targetServiceRevision: { arn: revisionArn(`${name}-target`) },
  });

  const arrange = (returned: ServiceDeployment[], failures: { arn: string; reason: string }[]): void => {
    ecsMock.on(ListServiceDeploymentsCommand, { service: healthy }).resolves({ serviceDeployments: [{ serviceDeploymentArn: deploymentArn('ok'), status: 'IN_PROGRESS' }] });
    ecsMock.on(ListServiceDeploymentsCommand, { service: broken }).resolves({ serviceDeployments: [{ serviceDeploymentArn: deploymentArn('gone'), status: 'IN_PROGRESS' }] });
    ecsMock.on(DescribeServiceDeploymentsCommand).resolves({ serviceDeployments: returned, failures });
  };

  it('fails the service whose deployment DescribeServiceDeployments reports in failures[]', async () => {
    // Prepare
    arrange([inFlight('ok', healthy)], [{ arn: deploymentArn('gone'), reason: 'MISSING' }]);

    // Act
    const result = await deploymentRevisionsIn(adapter(), clusterArn, [healthy, broken]);

    // Assess
    expect(new Set(result.byService.get(healthy))).toEqual(new Set([revisionArn('ok-source'), revisionArn('ok-target')]));
    expect(result.byService.has(broken)).toBe(false);
    expect(result.failures.has(healthy)).toBe(false);
    expect(result.failures.get(broken)).toBeInstanceOf(AwsCallError);
    expect(result.failures.get(broken)).toMatchObject({ action: 'ecs:DescribeServiceDeployments' });
    expect(String(result.failures.get(broken))).toContain(`${deploymentArn('gone')} (MISSING)`);
  });

  it('fails the service whose listed deployment is neither returned nor reported', async () => {
    // Prepare
    arrange([inFlight('ok', healthy)], []);

    // Act
    const result = await deploymentRevisionsIn(adapter(), clusterArn, [healthy, broken]);

    // Assess
    expect(result.byService.has(broken)).toBe(false);
    expect(String(result.failures.get(broken))).toContain(deploymentArn('gone'));
    expect(result.failures.has(healthy)).toBe(false);
  });

  it('so collectReferences reports the service and marks the in-use set incomplete', async () => {
    // Prepare: one cluster, one service with a current revision and a deployment ECS cannot describe
    ecsMock.on(ListClustersCommand).resolves({ clusterArns: [clusterArn] });
    ecsMock.on(DescribeClustersCommand).resolves({ clusters: [{ clusterArn, clusterName: 'prod' }] });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    ecsMock.on(ListServicesCommand).resolves({ serviceArns: [broken] });
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [{ serviceArn: broken, serviceName: 'svc-2', clusterArn, desiredCount: 0, currentServiceRevisions: [{ arn: revisionArn('live') }] }],
    });
    arrange([], [{ arn: deploymentArn('gone'), reason: 'MISSING' }]);
    ecsMock.on(DescribeServiceRevisionsCommand).resolves({
      serviceRevisions: [{ serviceRevisionArn: revisionArn('live'), containerImages: [{ image: 'team/api:v1', imageDigest: digestOf('live') }] }],
    });

    // Act
    const collected = await collectReferences(adapter(), configFactory());

    // Assess
    expect(collected.complete).toBe(false);
    expect(collected.failures.map((f) => f.scope)).toEqual(['ecs:eu-west-1:cluster/prod:service/svc-2:deployments']);
    expect(collected.references.map((r) => r.imageDigest)).toEqual([digestOf('live')]);
  });
});

describe('Function: describeTaskDefinitions', () => {
  const definition = (family: string, revision: number, images: string[]) => ({
    taskDefinition: {
      taskDefinitionArn: taskDefinitionArn(family, revision),
      family,
      revision,
      containerDefinitions: images.map((image, i) => ({ name: `c${i}`, image })),
    },
    tags: [{ key: 'env', value: 'prod' }],
  });

  it('describes each distinct task definition once, with its container images and tags', async () => {
    // Prepare
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: taskDefinitionArn('api', 2) }).resolves(definition('api', 2, ['team/api:v2', 'nginx:1']));
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: taskDefinitionArn('api', 3) }).resolves(definition('api', 3, ['team/api@sha256:' + 'a'.repeat(64)]));

    // Act
    const found = await adapter().describeTaskDefinitions([taskDefinitionArn('api', 2), taskDefinitionArn('api', 3), taskDefinitionArn('api', 2)]);

    // Assess
    expect(ecsMock).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 2);
    expect(ecsMock).toReceiveCommandWith(DescribeTaskDefinitionCommand, { taskDefinition: taskDefinitionArn('api', 2), include: ['TAGS'] });
    expect(found.get(taskDefinitionArn('api', 2))).toEqual({
      arn: taskDefinitionArn('api', 2),
      family: 'api',
      revision: 2,
      tags: { env: 'prod' },
      containerImages: [
        { containerName: 'c0', image: 'team/api:v2', imageDigest: undefined },
        { containerName: 'c1', image: 'nginx:1', imageDigest: undefined },
      ],
    });
    expect(found.get(taskDefinitionArn('api', 3))?.containerImages.map((c) => c.image)).toEqual(['team/api@sha256:' + 'a'.repeat(64)]);
  });

  it('keys a family or family:revision by the name asked for', async () => {
    // Prepare
    ecsMock.on(DescribeTaskDefinitionCommand).resolves(definition('batch', 9, ['team/batch:1']));

    // Act
    const found = await adapter().describeTaskDefinitions(['batch']);

    // Assess
    expect(found.get('batch')?.arn).toBe(taskDefinitionArn('batch', 9));
  });

  it('leaves out a task definition that does not exist', async () => {
    // Prepare
    ecsMock.on(DescribeTaskDefinitionCommand).rejects(Object.assign(awsError('ClientException'), { message: 'Unable to describe task definition.' }));

    // Act
    const found = await adapter().describeTaskDefinitions([taskDefinitionArn('gone', 1)]);

    // Assess
    expect(found.size).toBe(0);
  });

  it('throws AwsCallError naming DescribeTaskDefinition on any other failure', async () => {
    // Prepare
    ecsMock.on(DescribeTaskDefinitionCommand).rejects(awsError('AccessDeniedException'));

    // Act
    const result = adapter().describeTaskDefinitions([taskDefinitionArn('api', 2)]);

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', action: 'ecs:DescribeTaskDefinition', awsCode: 'AccessDeniedException' });
  });
});

describe('Function: describeServiceRevisions', () => {
  it('describes 20 revisions per call, maps container images and skips failures', async () => {
    // Prepare
    const arns = Array.from({ length: 45 }, (_, i) => revisionArn(`r${i}`));
    ecsMock.on(DescribeServiceRevisionsCommand).callsFake((input: { serviceRevisionArns?: string[] }) => {
      const asked = input.serviceRevisionArns ?? [];
      return {
        serviceRevisions: asked
          .filter((arn) => arn !== revisionArn('r3'))
          .map((arn) => ({
            serviceRevisionArn: arn,
            serviceArn,
            clusterArn,
            containerImages: [{ containerName: 'app', image: 'team/api:v1', imageDigest: digestOf(arn) }],
          })),
        failures: asked.includes(revisionArn('r3')) ? [{ arn: revisionArn('r3'), reason: 'MISSING' }] : [],
      };
    });

    // Act
    const revisions = await adapter().describeServiceRevisions(arns);

    // Assess
    const sizes = ecsMock.commandCalls(DescribeServiceRevisionsCommand).map((c) => c.args[0].input.serviceRevisionArns?.length);
    expect(sizes).toEqual([20, 20, 5]);
    expect(revisions).toHaveLength(44);
    expect(revisions.find((r) => r.arn === revisionArn('r3'))).toBeUndefined();
    expect(revisions[0]).toEqual({
      arn: revisionArn('r0'),
      serviceArn,
      clusterArn,
      containerImages: [{ containerName: 'app', image: 'team/api:v1', imageDigest: digestOf(revisionArn('r0')) }],
    });
  });

  it('asks once for an ARN given twice', async () => {
    // Prepare
    ecsMock.on(DescribeServiceRevisionsCommand).resolves({ serviceRevisions: [] });

    // Act
    await adapter().describeServiceRevisions([revisionArn('a'), revisionArn('a')]);

    // Assess
    expect(ecsMock).toReceiveCommandWith(DescribeServiceRevisionsCommand, { serviceRevisionArns: [revisionArn('a')] });
  });
});

describe('Function: collectReferences, describes batched across clusters', () => {
  const clusterNames = ['blue', 'green', 'red'];
  const arnIn = (kind: string, cluster: string, rest: string): string => `arn:aws:ecs:eu-west-1:123456789012:${kind}/${cluster}/${rest}`;
  /** 3 clusters × 10 services, each with a current revision and one deployment in progress to it (from `previous`, if asked). */
  const arrangeClusters = (withPrevious: boolean): void => {
    ecsMock.on(ListClustersCommand).resolves({ clusterArns: clusterNames.map((c) => arnIn('cluster', c, '').slice(0, -1)) });
    ecsMock.on(DescribeClustersCommand).resolves({ clusters: clusterNames.map((c) => ({ clusterArn: arnIn('cluster', c, '').slice(0, -1), clusterName: c })) });
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    for (const c of clusterNames) {
      const cluster = arnIn('cluster', c, '').slice(0, -1);
      const services = Array.from({ length: 10 }, (_, i) => arnIn('service', c, `svc-${i}`));
      ecsMock.on(ListServicesCommand, { cluster }).resolves({ serviceArns: services });
      ecsMock.on(DescribeServicesCommand, { cluster }).callsFake((input: { services?: string[] }) => ({
        services: (input.services ?? []).map((arn) => ({
          serviceArn: arn,
          serviceName: arn.split('/').pop(),
          clusterArn: cluster,
          desiredCount: 1,
          currentServiceRevisions: [{ arn: arnIn('service-revision', c, `${arn.split('/').pop() ?? ''}/current`) }],
        })),
      }));
    }
    ecsMock.on(ListServiceDeploymentsCommand).callsFake((input: { cluster?: string; service?: string }) => ({
      serviceDeployments: [{ serviceDeploymentArn: `${input.service ?? ''}/deployment`.replace(':service/', ':service-deployment/'), status: 'IN_PROGRESS' }],
    }));
    ecsMock.on(DescribeServiceDeploymentsCommand).callsFake((input: { serviceDeploymentArns?: string[] }) => ({
      serviceDeployments: (input.serviceDeploymentArns ?? []).map((arn) => ({
        serviceDeploymentArn: arn,
        status: 'IN_PROGRESS',
        // The target is the current revision; the source, if any, is the one before it.
        sourceServiceRevisions: withPrevious ? [{ arn: arn.replace(':service-deployment/', ':service-revision/').replace(/\/deployment$/, '/previous') }] : [],
        targetServiceRevision: { arn: arn.replace(':service-deployment/', ':service-revision/').replace(/\/deployment$/, '/current') },
      })),
    }));
  };
  const revisionOf = (arn: string) => ({ serviceRevisionArn: arn, containerImages: [{ image: 'team/api:v1', imageDigest: digestOf(arn) }] });

  it('describes the deployments and revisions of 30 services in 3 clusters in 2 calls each', async () => {
    // Prepare
    arrangeClusters(false);
    ecsMock.on(DescribeServiceRevisionsCommand).callsFake((input: { serviceRevisionArns?: string[] }) => ({
      serviceRevisions: (input.serviceRevisionArns ?? []).map(revisionOf),
    }));

    // Act
    const collected = await collectReferences(adapter(), configFactory());

    // Assess: 30 deployments and 30 revisions, 20 ARNs a call whatever their cluster
    expect(collected.failures).toEqual([]);
    expect(ecsMock).toHaveReceivedCommandTimes(ListServiceDeploymentsCommand, 30);
    expect(ecsMock.commandCalls(DescribeServiceDeploymentsCommand).map((c) => c.args[0].input.serviceDeploymentArns?.length)).toEqual([20, 10]);
    expect(ecsMock.commandCalls(DescribeServiceRevisionsCommand).map((c) => c.args[0].input.serviceRevisionArns?.length)).toEqual([20, 10]);
    const clustersIn = (arns: readonly string[] | undefined): Set<string | undefined> => new Set((arns ?? []).map((arn) => arn.split('/')[1]));
    expect(clustersIn(ecsMock.commandCalls(DescribeServiceRevisionsCommand)[0]?.args[0].input.serviceRevisionArns)).toEqual(new Set(['blue', 'green']));
    expect(clustersIn(ecsMock.commandCalls(DescribeServiceDeploymentsCommand)[0]?.args[0].input.serviceDeploymentArns)).toEqual(new Set(['blue', 'green']));
    expect(collected.references).toHaveLength(30);
    // References come cluster by cluster, each attributed to its own cluster and service.
    expect(collected.references.map((r) => r.source.cluster)).toEqual(clusterNames.flatMap((c) => Array.from({ length: 10 }, () => c)));
    for (const reference of collected.references) expect(reference.source.arn).toContain(`/${reference.source.cluster ?? ''}/${reference.source.service ?? ''}/`);
  });

  it('fails only the services whose revisions or deployments a batch did not return', async () => {
    // Prepare: green/svc-3's previous revision and red/svc-9's deployment are missing
    arrangeClusters(true);
    const missingRevision = arnIn('service-revision', 'green', 'svc-3/previous');
    const missingDeployment = arnIn('service-deployment', 'red', 'svc-9/deployment');
    ecsMock.on(DescribeServiceRevisionsCommand).callsFake((input: { serviceRevisionArns?: string[] }) => ({
      serviceRevisions: (input.serviceRevisionArns ?? []).filter((arn) => arn !== missingRevision).map(revisionOf),
      failures: (input.serviceRevisionArns ?? []).filter((arn) => arn === missingRevision).map((arn) => ({ arn, reason: 'MISSING' })),
    }));
    ecsMock.on(DescribeServiceDeploymentsCommand).callsFake((input: { serviceDeploymentArns?: string[] }) => ({
      serviceDeployments: (input.serviceDeploymentArns ?? [])
        .filter((arn) => arn !== missingDeployment)
        .map((arn) => ({
          serviceDeploymentArn: arn,
          status: 'IN_PROGRESS',
          sourceServiceRevisions: [{ arn: arn.replace(':service-deployment/', ':service-revision/').replace(/\/deployment$/, '/previous') }],
          targetServiceRevision: { arn: arn.replace(':service-deployment/', ':service-revision/').replace(/\/deployment$/, '/current') },
        })),
      failures: (input.serviceDeploymentArns ?? []).filter((arn) => arn === missingDeployment).map((arn) => ({ arn, reason: 'MISSING' })),
    }));

    // Act
    const collected = await collectReferences(adapter(), configFactory());

    // Assess
    expect(collected.complete).toBe(false);
    expect(collected.failures.map((f) => f.scope)).toEqual([
      'ecs:eu-west-1:cluster/green:service/svc-3:revisions',
      'ecs:eu-west-1:cluster/red:service/svc-9:deployments',
    ]);
    // green/svc-3 keeps its current revision; red/svc-9 its current one only.
    expect(collected.references).toHaveLength(58);
  });
});
