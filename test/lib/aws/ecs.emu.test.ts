/**
 * The ECS adapter over the real SDK against the emulator: clusters, running tasks with the
 * digests they pulled, services, all with their ECS tags. Service revisions and deployments
 * (served by the patched emulator) are in test/emulator/moto-revisions.emu.test.ts; paging and
 * failures that no emulator produces are in test/lib/aws/ecs.test.ts with aws-sdk-client-mock.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from '../../../src/lib/domain/types.js';
import { createCluster, createRepository, createService, pushImage, registerTaskDefinition, runTask } from '../../emulator/seed.js';
import { useEmulator } from '../../helpers/use-emulator.js';

const {
  emu,
  ecr: seedEcr,
  ecs: seedEcs,
  adapters: { ecs },
} = useEmulator();
let clusterArn: string;
let imageUri: string;
let digest: Digest;

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

beforeEach(async () => {
  const repository = await createRepository(seedEcr, 'team/api');
  digest = (await pushImage(seedEcr, emu.control, { repository: 'team/api', tags: ['v1'] })).digest;
  imageUri = `${repository.uri}:v1`;
  clusterArn = await createCluster(seedEcs, 'prod', { env: 'production' });
});

describe('Function: listClusters', () => {
  it('lists clusters with their tags', async () => {
    // Prepare
    await createCluster(seedEcs, 'dev', { env: 'development' });

    // Act
    const clusters = await collect(ecs.listClusters());

    // Assess
    const byName = new Map(clusters.map((c) => [c.name, c]));
    expect(byName.get('prod')).toEqual({ arn: clusterArn, name: 'prod', tags: { env: 'production' } });
    expect(byName.get('dev')?.tags).toEqual({ env: 'development' });
  });
});

describe('Function: listTasks', () => {
  it('reports running tasks with the digest each container pulled and the task tags', async () => {
    // Prepare
    const taskDefinition = await registerTaskDefinition(seedEcs, {
      family: 'api',
      launchType: 'FARGATE',
      containers: [
        { name: 'app', image: imageUri },
        { name: 'log-router', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4' },
      ],
    });
    const [taskArn] = await runTask(seedEcs, emu.control, { cluster: 'prod', taskDefinition, launchType: 'FARGATE', tags: { job: 'report' } });

    // Act
    const tasks = await collect(ecs.listTasks(clusterArn));

    // Assess
    expect(tasks).toHaveLength(1);
    const [task] = tasks;
    expect(task?.arn).toBe(taskArn);
    expect(task?.tags).toEqual({ job: 'report' });
    expect(task?.launchType).toBe('FARGATE');
    expect(task?.containers.find((c) => c.containerName === 'app')).toEqual({ containerName: 'app', image: imageUri, imageDigest: digest });
  });

  it('reports no digest for a container still pulling its image', async () => {
    // Prepare
    const taskDefinition = await registerTaskDefinition(seedEcs, { family: 'api', launchType: 'FARGATE', containers: [{ name: 'app', image: imageUri }] });
    const [taskArn] = await runTask(seedEcs, emu.control, { cluster: 'prod', taskDefinition, launchType: 'FARGATE' });
    await emu.setTaskStatus({ cluster: 'prod', taskArn: taskArn ?? '', lastStatus: 'PENDING' });
    await emu.setTaskDigest({ cluster: 'prod', taskArn: taskArn ?? '', containerName: 'app', imageDigest: null });

    // Act
    const tasks = await collect(ecs.listTasks(clusterArn));

    // Assess
    expect(tasks).toHaveLength(1);
    expect(tasks[0]?.lastStatus).toBe('PENDING');
    expect(tasks[0]?.containers[0]).toEqual({ containerName: 'app', image: imageUri, imageDigest: undefined });
  });

  it('describes more than 100 running tasks', async () => {
    // Prepare
    const taskDefinition = await registerTaskDefinition(seedEcs, { family: 'api', launchType: 'FARGATE', containers: [{ name: 'app', image: imageUri }] });
    const arns = [
      ...(await runTask(seedEcs, emu.control, { cluster: 'prod', taskDefinition, launchType: 'FARGATE', count: 10 })),
    ];
    for (let i = 0; i < 10; i += 1) {
      arns.push(...(await runTask(seedEcs, emu.control, { cluster: 'prod', taskDefinition, launchType: 'FARGATE', count: 10 })));
    }

    // Act
    const tasks = await collect(ecs.listTasks(clusterArn));

    // Assess
    expect(new Set(tasks.map((t) => t.arn))).toEqual(new Set(arns));
    expect(tasks.every((t) => t.containers[0]?.imageDigest === digest)).toBe(true);
  });
});

describe('Function: listServices', () => {
  it('lists services with their tags and desired count', async () => {
    // Prepare
    const taskDefinition = await registerTaskDefinition(seedEcs, { family: 'api', launchType: 'FARGATE', containers: [{ name: 'app', image: imageUri }] });
    const { serviceArn } = await createService(seedEcs, emu.control, {
      cluster: 'prod',
      serviceName: 'api',
      taskDefinition,
      desiredCount: 0,
      launchType: 'FARGATE',
      tags: { team: 'core' },
    });

    // Act
    const services = await collect(ecs.listServices(clusterArn));

    // Assess
    expect(services).toHaveLength(1);
    expect(services[0]).toMatchObject({ arn: serviceArn, name: 'api', clusterArn, desiredCount: 0, tags: { team: 'core' } });
  });
});
