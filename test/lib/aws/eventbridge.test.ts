import 'aws-sdk-client-mock-vitest/extend';
import { EventBridgeClient, ListEventBusesCommand, ListRulesCommand, ListTargetsByRuleCommand, ResourceNotFoundException } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../../src/lib/aws/clients.js';
import { createEventsAdapter } from '../../../src/lib/aws/eventbridge.js';
import type { ScheduledEcsTask } from '../../../src/lib/aws/ports.js';
import { toRegion } from '../../../src/lib/domain/types.js';
import { AwsCallError } from '../../../src/lib/errors.js';

const region = toRegion('eu-west-1');
const eventsMock = mockClient(EventBridgeClient);
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const CLUSTER = 'arn:aws:ecs:eu-west-1:123456789012:cluster/jobs';
const TD = 'arn:aws:ecs:eu-west-1:123456789012:task-definition';

const adapter = () => createEventsAdapter(createClients({ region, credentials, maxAttempts: 1 }).events, region);
const all = async (): Promise<ScheduledEcsTask[]> => {
  const out: ScheduledEcsTask[] = [];
  for await (const task of adapter().ecsTaskTargets()) out.push(task);
  return out;
};

beforeEach(() => {
  eventsMock.reset();
});

describe('Function: ecsTaskTargets', () => {
  it('reads every rule of every bus across pages and keeps only the targets with EcsParameters', async () => {
    // Prepare
    eventsMock.on(ListEventBusesCommand).resolvesOnce({ EventBuses: [{ Name: 'default' }], NextToken: 'b2' }).resolvesOnce({ EventBuses: [{ Name: 'jobs' }] });
    eventsMock
      .on(ListRulesCommand, { EventBusName: 'default' })
      .resolvesOnce({ Rules: [{ Name: 'nightly', Arn: 'arn:rule/nightly', State: 'ENABLED' }], NextToken: 'r2' })
      .resolvesOnce({ Rules: [{ Name: 'paused', Arn: 'arn:rule/paused', State: 'DISABLED' }] });
    eventsMock.on(ListRulesCommand, { EventBusName: 'jobs' }).resolves({ Rules: [{ Name: 'on-push', Arn: 'arn:rule/jobs/on-push' }] });
    eventsMock
      .on(ListTargetsByRuleCommand, { Rule: 'nightly' })
      .resolvesOnce({ Targets: [{ Id: 'lambda', Arn: 'arn:aws:lambda:eu-west-1:123456789012:function:f' }], NextToken: 't2' })
      .resolvesOnce({ Targets: [{ Id: 'task', Arn: CLUSTER, EcsParameters: { TaskDefinitionArn: `${TD}/report:3` } }] });
    eventsMock.on(ListTargetsByRuleCommand, { Rule: 'paused' }).resolves({ Targets: [{ Id: 'task', Arn: CLUSTER, EcsParameters: { TaskDefinitionArn: `${TD}/cleanup` } }] });
    eventsMock.on(ListTargetsByRuleCommand, { Rule: 'on-push', EventBusName: 'jobs' }).resolves({ Targets: [{ Id: 't', Arn: CLUSTER, EcsParameters: { TaskDefinitionArn: 'build:1' } }] });

    // Act
    const tasks = await all();

    // Assess
    expect(tasks).toEqual([
      { arn: 'arn:rule/nightly', group: 'default', name: 'nightly', state: 'ENABLED', clusterArn: CLUSTER, taskDefinition: `${TD}/report:3` },
      { arn: 'arn:rule/paused', group: 'default', name: 'paused', state: 'DISABLED', clusterArn: CLUSTER, taskDefinition: `${TD}/cleanup` },
      { arn: 'arn:rule/jobs/on-push', group: 'jobs', name: 'on-push', state: undefined, clusterArn: CLUSTER, taskDefinition: 'build:1' },
    ]);
    expect(eventsMock).toReceiveCommandTimes(ListEventBusesCommand, 2);
    expect(eventsMock).toReceiveCommandWith(ListRulesCommand, { EventBusName: 'default', Limit: 100, NextToken: 'r2' });
    expect(eventsMock).toReceiveCommandWith(ListTargetsByRuleCommand, { Rule: 'nightly', EventBusName: 'default', Limit: 100, NextToken: 't2' });
  });

  it('skips a rule deleted between ListRules and ListTargetsByRule', async () => {
    // Prepare
    eventsMock.on(ListEventBusesCommand).resolves({ EventBuses: [{ Name: 'default' }] });
    eventsMock.on(ListRulesCommand).resolves({ Rules: [{ Name: 'gone' }, { Name: 'kept', Arn: 'arn:rule/kept' }] });
    eventsMock.on(ListTargetsByRuleCommand, { Rule: 'gone' }).rejects(new ResourceNotFoundException({ message: 'Rule gone does not exist.', $metadata: {} }));
    eventsMock.on(ListTargetsByRuleCommand, { Rule: 'kept' }).resolves({ Targets: [{ Id: 't', Arn: CLUSTER, EcsParameters: { TaskDefinitionArn: 'kept:1' } }] });

    // Act
    const tasks = await all();

    // Assess
    expect(tasks.map((t) => t.name)).toEqual(['kept']);
  });

  it('throws AwsCallError naming the action for access denied on a later page', async () => {
    // Prepare
    eventsMock.on(ListEventBusesCommand).resolves({ EventBuses: [{ Name: 'default' }] });
    eventsMock
      .on(ListRulesCommand)
      .resolvesOnce({ Rules: [], NextToken: 'r2' })
      .rejectsOnce(Object.assign(new Error('not authorized to perform events:ListRules'), { name: 'AccessDeniedException' }));

    // Act
    const error: unknown = await all().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ action: 'events:ListRules', awsCode: 'AccessDeniedException' });
  });
});
