import 'aws-sdk-client-mock-vitest/extend';
import {
  DescribeClustersCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
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
import { digestOf } from '../../helpers/factories.js';

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
    const deployed = await adapter().deploymentRevisionArns(clusterArn, [serviceArn]);
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
    const result = await adapter().deploymentRevisionArns(clusterArn, [serviceArn]);

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
    const result = await adapter().deploymentRevisionArns(clusterArn, services);

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
    const result = await adapter().deploymentRevisionArns(clusterArn, [healthy, broken]);

    // Assess
    expect(new Set(result.byService.get(healthy))).toEqual(new Set([revisionArn('s'), revisionArn('t')]));
    expect(result.byService.has(broken)).toBe(false);
    expect(result.failures.get(broken)).toMatchObject({ action: 'ecs:ListServiceDeployments', awsCode: 'AccessDeniedException' });
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
