/**
 * The demo account seeds completely and the emulator reports it the way ecr-keeper reads it.
 */
import { DescribeImagesCommand, DescribeRepositoriesCommand, GetLifecyclePolicyCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ecr';
import { DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand } from '@aws-sdk/client-ecs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/use-emulator.js';
import { seedDemoAccount, type DemoAccount } from './seed.js';

const { emu, ecr, ecs, inspector } = useEmulator({ reset: 'once' });
const NOW = new Date('2026-03-01T12:00:00.000Z');
let demo: DemoAccount;

beforeAll(async () => {
  demo = await seedDemoAccount({ ecr, ecs, inspector }, emu.control, NOW);
});

describe('Function: seedDemoAccount', () => {
  it('creates the five repositories, the opted-out one tagged ecr-keeper:managed=false', async () => {
    // Act
    const { repositories } = await ecr.send(new DescribeRepositoriesCommand({}));
    const { tags } = await ecr.send(new ListTagsForResourceCommand({ resourceArn: demo.repositories.ci.arn }));

    // Assess
    expect(repositories?.map((r) => r.repositoryName).sort()).toEqual(['shop/api', 'shop/legacy', 'shop/web', 'shop/worker', 'tools/ci']);
    expect(repositories?.find((r) => r.repositoryName === 'shop/worker')?.imageTagMutability).toBe('IMMUTABLE');
    expect(tags).toContainEqual({ Key: 'ecr-keeper:managed', Value: 'false' });
  });

  it('records the seeded push times, images from 1 to 400 days old', async () => {
    // Act
    const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName: 'shop/api' }));
    const ages = (imageDetails ?? []).map((d) => Math.round((NOW.getTime() - (d.imagePushedAt?.getTime() ?? 0)) / 86_400_000));

    // Assess
    expect(imageDetails).toHaveLength(demo.images['shop/api']?.length ?? -1);
    expect(Math.min(...ages)).toBe(1);
    expect(Math.max(...ages)).toBe(400);
    expect((imageDetails ?? []).some((d) => d.imageTags === undefined)).toBe(true);
  });

  it('keeps an old image beyond the newest 30 prod releases and older than 90 days in use', () => {
    // Prepare
    const prodReleases = (demo.images['shop/api'] ?? []).filter((image) => image.tags.some((tag) => tag.startsWith('prod-')));
    const newer = prodReleases.filter((image) => image.pushedAt > demo.oldInUse.pushedAt);

    // Assess
    expect(demo.oldInUse.ageDays).toBe(300);
    expect(newer.length).toBeGreaterThanOrEqual(30);
    expect(demo.uses.some((use) => use.cluster === 'prod' && use.digest === demo.oldInUse.digest)).toBe(true);
  });

  it('reports the seeded digests on the containers of every RUNNING task', async () => {
    // Prepare
    const clusters = ['prod', 'dev'] as const;

    // Act
    const seen: { cluster: string; taskArn: string; name: string; digest: string | undefined; status: string | undefined }[] = [];
    for (const cluster of clusters) {
      const { taskArns } = await ecs.send(new ListTasksCommand({ cluster }));
      const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns ?? [] }));
      for (const task of tasks ?? []) {
        for (const container of task.containers ?? []) {
          seen.push({ cluster, taskArn: task.taskArn ?? '', name: container.name ?? '', digest: container.imageDigest, status: task.lastStatus });
        }
      }
    }

    // Assess
    for (const use of demo.uses) {
      expect(seen).toContainEqual({ cluster: use.cluster, taskArn: use.taskArn, name: use.containerName, digest: use.digest, status: 'RUNNING' });
    }
    expect(seen.some((entry) => entry.taskArn === demo.stopped.taskArn)).toBe(false);
    expect(seen.some((entry) => entry.digest === demo.index.digest)).toBe(true);
    expect(seen.filter((entry) => entry.name === 'log-router').every((entry) => entry.digest === undefined)).toBe(true);
  });

  it('runs both Fargate and EC2 tasks and has a service scaled to zero', async () => {
    // Act
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'dev', services: [demo.scaledToZero.serviceName] }));
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'dev', serviceName: demo.scaledToZero.serviceName }));

    // Assess
    expect(new Set(demo.uses.map((use) => use.launchType))).toEqual(new Set(['FARGATE', 'EC2']));
    expect(services?.[0]?.desiredCount).toBe(0);
    expect(taskArns).toEqual([]);
  });

  it('gives shop/legacy its own lifecycle policy', async () => {
    // Act
    const policy = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'shop/legacy' }));

    // Assess
    expect(policy.lifecyclePolicyText).toBe(demo.legacyPolicyText);
  });
});
