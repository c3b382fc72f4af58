/**
 * The EventBridge Scheduler adapter: `SchedulerPort` over a real `SchedulerClient`. Finds the ECS
 * tasks that schedules start, in every schedule group.
 */
import { GetScheduleCommand, paginateListSchedules, type SchedulerClient } from '@aws-sdk/client-scheduler';
import type { Region } from '../domain/types.js';
import { AwsCallError } from '../errors.js';
import { callAws, pagesOf, type AdapterOptions } from './actions.js';
import type { ScheduledEcsTask, SchedulerPort } from './ports.js';

/** ListSchedules takes `MaxResults` 1..100. */
const MAX_PAGE = 100;
/** A templated ECS target's `Arn` is the cluster. */
const ECS_CLUSTER_ARN = /^arn:[^:]+:ecs:[^:]*:\d{12}:cluster\/.+/;
/** The universal target that calls ECS RunTask; its `Input` holds the RunTask parameters. */
const RUN_TASK_TARGET = /^arn:[^:]+:scheduler:::aws-sdk:ecs:runTask$/i;

const isEcsTarget = (arn: string | undefined): boolean => arn !== undefined && (ECS_CLUSTER_ARN.test(arn) || RUN_TASK_TARGET.test(arn));

const stringField = (value: Record<string, unknown>, ...keys: string[]): string | undefined => {
  for (const key of keys) {
    const field = value[key];
    if (typeof field === 'string' && field !== '') return field;
  }
  return undefined;
};

/**
 * The task definition and cluster of a universal `ecs:runTask` target, from its JSON `Input`
 * (Scheduler documents PascalCase parameter names; camelCase is accepted too). Unparseable input
 * gives nothing: such a schedule fails at every run, so it starts no task.
 */
const runTaskInput = (input: string | undefined): { taskDefinition?: string | undefined; cluster?: string | undefined } => {
  if (input === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(input);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const fields = parsed as Record<string, unknown>;
    return { taskDefinition: stringField(fields, 'TaskDefinition', 'taskDefinition'), cluster: stringField(fields, 'Cluster', 'cluster') };
  } catch {
    return {};
  }
};

/** Builds the Scheduler port of one region over `client`; throws `AwsCallError` naming the failed action. */
export const createSchedulerAdapter = (client: SchedulerClient, region: Region, options: AdapterOptions = {}): SchedulerPort => {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };

  return {
    region,

    async *ecsTaskTargets() {
      // Without GroupName, ListSchedules lists the schedules of every group (GroupName in each summary).
      const pages = paginateListSchedules({ client, pageSize: MAX_PAGE }, {}, send);
      for await (const page of pagesOf('scheduler:ListSchedules', undefined, pages)) {
        for (const summary of page.Schedules ?? []) {
          // ListSchedules gives only the target ARN: GetSchedule only for schedules that may run an ECS task.
          if (summary.Name === undefined || !isEcsTarget(summary.Target?.Arn)) continue;
          const name = summary.Name;
          const schedule = await callAws('scheduler:GetSchedule', undefined, () =>
            client.send(new GetScheduleCommand({ Name: name, GroupName: summary.GroupName }), send),
          ).catch((error: unknown) => {
            // Deleted between the list and the get: it starts nothing any more.
            if (error instanceof AwsCallError && error.awsCode === 'ResourceNotFoundException') return undefined;
            throw error;
          });
          if (schedule === undefined) continue;
          const target = schedule.Target;
          const universal = runTaskInput(target?.Input);
          const taskDefinition = target?.EcsParameters?.TaskDefinitionArn ?? universal.taskDefinition;
          if (taskDefinition === undefined || taskDefinition === '') continue;
          const task: ScheduledEcsTask = {
            arn: schedule.Arn ?? summary.Arn ?? name,
            group: schedule.GroupName ?? summary.GroupName ?? 'default',
            name,
            state: schedule.State ?? summary.State,
            clusterArn: target?.Arn !== undefined && ECS_CLUSTER_ARN.test(target.Arn) ? target.Arn : universal.cluster,
            taskDefinition,
          };
          yield task;
        }
      }
    },
  };
};
