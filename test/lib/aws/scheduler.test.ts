import 'aws-sdk-client-mock-vitest/extend';
import { GetScheduleCommand, ListSchedulesCommand, ResourceNotFoundException, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../../src/lib/aws/clients.js';
import type { ScheduledEcsTask } from '../../../src/lib/aws/ports.js';
import { createSchedulerAdapter } from '../../../src/lib/aws/scheduler.js';
import { toRegion } from '../../../src/lib/domain/types.js';
import { AwsCallError } from '../../../src/lib/errors.js';

const region = toRegion('eu-west-1');
const schedulerMock = mockClient(SchedulerClient);
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/jobs';
const TD = 'arn:aws:ecs:eu-west-1:123456789012:task-definition';
const ROLE = 'arn:aws:iam::123456789012:role/scheduler';

const adapter = () => createSchedulerAdapter(createClients({ region, credentials, maxAttempts: 1 }).scheduler, region);
const all = async (): Promise<ScheduledEcsTask[]> => {
  const out: ScheduledEcsTask[] = [];
  for await (const task of adapter().ecsTaskTargets()) out.push(task);
  return out;
};

beforeEach(() => {
  schedulerMock.reset();
});

describe('Function: ecsTaskTargets', () => {
  it('lists schedules of all groups across pages and gets only those whose target may run an ECS task', async () => {
    // Prepare
    schedulerMock
      .on(ListSchedulesCommand)
      .resolvesOnce({
        Schedules: [
          { Name: 'nightly', GroupName: 'default', Arn: 'arn:schedule/default/nightly', State: 'ENABLED', Target: { Arn: CLUSTER } },
          { Name: 'ping', GroupName: 'default', Target: { Arn: 'arn:aws:lambda:eu-west-1:123456789012:function:ping' } },
        ],
        NextToken: 'p2',
      })
      .resolvesOnce({ Schedules: [{ Name: 'sdk', GroupName: 'ops', State: 'DISABLED', Target: { Arn: 'arn:aws:scheduler:::aws-sdk:ecs:runTask' } }] });
    schedulerMock.on(GetScheduleCommand, { Name: 'nightly', GroupName: 'default' }).resolves({
      Arn: 'arn:schedule/default/nightly',
      Name: 'nightly',
      GroupName: 'default',
      State: 'ENABLED',
      Target: { Arn: CLUSTER, RoleArn: ROLE, EcsParameters: { TaskDefinitionArn: `${TD}/report` } },
    });
    schedulerMock.on(GetScheduleCommand, { Name: 'sdk', GroupName: 'ops' }).resolves({
      Arn: 'arn:schedule/ops/sdk',
      Name: 'sdk',
      GroupName: 'ops',
      State: 'DISABLED',
      Target: { Arn: 'arn:aws:scheduler:::aws-sdk:ecs:runTask', RoleArn: ROLE, Input: JSON.stringify({ Cluster: 'jobs', TaskDefinition: 'cleanup:2' }) },
    });

    // Act
    const tasks = await all();

    // Assess
    expect(tasks).toEqual([
      { arn: 'arn:schedule/default/nightly', group: 'default', name: 'nightly', state: 'ENABLED', clusterArn: CLUSTER, taskDefinition: `${TD}/report` },
      { arn: 'arn:schedule/ops/sdk', group: 'ops', name: 'sdk', state: 'DISABLED', clusterArn: 'jobs', taskDefinition: 'cleanup:2' },
    ]);
    expect(schedulerMock).toReceiveCommandTimes(GetScheduleCommand, 2);
    expect(schedulerMock).toReceiveCommandWith(ListSchedulesCommand, { MaxResults: 100, NextToken: 'p2' });
  });

  it('skips a schedule deleted between ListSchedules and GetSchedule', async () => {
    // Prepare
    schedulerMock.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: 'gone', GroupName: 'default', Target: { Arn: CLUSTER } }] });
    schedulerMock.on(GetScheduleCommand).rejects(new ResourceNotFoundException({ Message: 'Schedule gone does not exist.', message: 'Schedule gone does not exist.', $metadata: {} }));

    // Act
    const tasks = await all();

    // Assess
    expect(tasks).toEqual([]);
  });

  it('throws AwsCallError naming GetSchedule when it is throttled', async () => {
    // Prepare
    schedulerMock.on(ListSchedulesCommand).resolves({ Schedules: [{ Name: 'nightly', GroupName: 'default', Target: { Arn: CLUSTER } }] });
    schedulerMock.on(GetScheduleCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const error: unknown = await all().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ action: 'scheduler:GetSchedule', awsCode: 'ThrottlingException' });
  });
});
