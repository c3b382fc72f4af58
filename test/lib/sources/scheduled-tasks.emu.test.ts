/**
 * Scheduled ECS tasks end to end: the real SDK and adapters against the emulator, through
 * `collectInUse` and `resolveInUse`. Between two runs of a nightly job nothing runs its image; the
 * EventBridge rule or Scheduler schedule that starts it is the only trace, and it must keep it.
 */
import { PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateScheduleCommand, CreateScheduleGroupCommand } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { toAccountId, type Digest, type InUseImage } from '../../../src/lib/domain/types.js';
import { resolveInUse } from '../../../src/lib/inuse.js';
import { collectInUse } from '../../../src/lib/sources/index.js';
import { createRepository, pushImage, registerTaskDefinition } from '../../emulator/seed.js';
import { configFactory } from '../../helpers/factories.js';
import { useEmulator } from '../../helpers/use-emulator.js';

const { emu, ecr, ecs, events, scheduler, region, adapters } = useEmulator();
const NOW = new Date('2026-03-01T12:00:00.000Z');
const CLUSTER = `arn:aws:ecs:${emu.region}:${emu.accountId}:cluster/jobs`;
const ROLE = `arn:aws:iam::${emu.accountId}:role/ecs-events`;
const TASK_DEFINITION = `arn:aws:ecs:${emu.region}:${emu.accountId}:task-definition`;
// Only the scheduled-task source (and ECS, which finds nothing running) may see these images.
const config = configFactory({ regions: [emu.region], inUse: { taskDefinitionRevisions: 0, inspectorInUseDays: 0 } });

/** The in-use set of the emulator's account as a sweep would build it. */
const inUseSet = async (): Promise<{ readonly images: readonly InUseImage[]; readonly complete: boolean }> => {
  const collected = await collectInUse({ region, adapters, config, now: NOW });
  const resolved = await resolveInUse(collected.references, () => adapters.ecr, new Set([toAccountId(emu.accountId)]), config);
  return { images: resolved.images, complete: collected.complete && resolved.complete };
};

const usesOf = (images: readonly InUseImage[], digest: Digest) =>
  images.find((image) => image.repository === 'jobs/nightly' && image.digest === digest)?.uses.map((use) => [use.kind, use.arn]);

describe('Source: scheduled-tasks (emulator)', () => {
  it('keeps an image that only a nightly EventBridge rule runs, by the latest revision of a revisionless task definition ARN', async () => {
    // Prepare: revision 1 runs v1, revision 2 runs v2; the rule names the family without revision
    const repository = await createRepository(ecr, 'jobs/nightly');
    const v1 = await pushImage(ecr, emu.control, { repository: 'jobs/nightly', tags: ['v1'], pushedAt: NOW });
    const v2 = await pushImage(ecr, emu.control, { repository: 'jobs/nightly', tags: ['v2'], pushedAt: NOW });
    await registerTaskDefinition(ecs, { family: 'nightly', launchType: 'FARGATE', containers: [{ name: 'job', image: `${repository.uri}:v1` }] });
    await registerTaskDefinition(ecs, { family: 'nightly', launchType: 'FARGATE', containers: [{ name: 'job', image: `${repository.uri}:v2` }] });
    await events.send(new PutRuleCommand({ Name: 'nightly', ScheduleExpression: 'cron(0 2 * * ? *)' }));
    await events.send(
      new PutTargetsCommand({ Rule: 'nightly', Targets: [{ Id: 'job', Arn: CLUSTER, RoleArn: ROLE, EcsParameters: { TaskDefinitionArn: `${TASK_DEFINITION}/nightly`, TaskCount: 1 } }] }),
    );

    // Act
    const { images, complete } = await inUseSet();

    // Assess
    expect(complete).toBe(true);
    expect(usesOf(images, v2.digest)).toEqual([['scheduled-rule', `arn:aws:events:${emu.region}:${emu.accountId}:rule/nightly`]]);
    expect(usesOf(images, v1.digest)).toBeUndefined();
  });

  it('keeps an image that only an EventBridge Scheduler schedule in a custom group runs', async () => {
    // Prepare
    const repository = await createRepository(ecr, 'jobs/nightly');
    const image = await pushImage(ecr, emu.control, { repository: 'jobs/nightly', tags: ['cleanup'], pushedAt: NOW });
    const definition = await registerTaskDefinition(ecs, { family: 'cleanup', launchType: 'FARGATE', containers: [{ name: 'job', image: `${repository.uri}:cleanup` }] });
    await scheduler.send(new CreateScheduleGroupCommand({ Name: 'ops' }));
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'weekly-cleanup',
        GroupName: 'ops',
        ScheduleExpression: 'rate(7 days)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: CLUSTER, RoleArn: ROLE, EcsParameters: { TaskDefinitionArn: definition } },
      }),
    );

    // Act
    const { images, complete } = await inUseSet();

    // Assess
    expect(complete).toBe(true);
    expect(usesOf(images, image.digest)).toEqual([['schedule', `arn:aws:scheduler:${emu.region}:${emu.accountId}:schedule/ops/weekly-cleanup`]]);
  });
});
