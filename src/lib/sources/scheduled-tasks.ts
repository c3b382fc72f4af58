/**
 * ECS tasks started by EventBridge rules (on every event bus) and EventBridge Scheduler schedules
 * (in every group). Between runs no task is running, so nothing else sees the images of a nightly
 * job; each rule or schedule counts as a user of its task definition's images.
 */
import type { ScheduledEcsTask } from '../aws/ports.js';
import type { ScopedFailure, WorkloadReference } from '../inuse.js';
import { clusterNameOf, taskDefinitionName, taskDefinitionReferences } from './task-definition-images.js';
import type { InUseSource } from './types.js';

type ScheduledKind = 'scheduled-rule' | 'schedule';

export const scheduledTasksSource: InUseSource = {
  name: 'scheduled-tasks',
  enabled: (config) => config.inUse.scheduledTasks,
  collect: async ({ adapters, config, region }) => {
    const failures: ScopedFailure[] = [];
    const scheduled: { readonly kind: ScheduledKind; readonly task: ScheduledEcsTask }[] = [];
    // Rules and schedules are read independently: one failing still leaves the other's references.
    const read = async (kind: ScheduledKind, what: string, tasks: () => AsyncIterable<ScheduledEcsTask>): Promise<void> => {
      try {
        for await (const task of tasks()) scheduled.push({ kind, task });
      } catch (error) {
        failures.push({ scope: `scheduled-tasks:${region}:${what}`, error });
      }
    };
    await read('scheduled-rule', 'rules', () => adapters.events.ecsTaskTargets());
    await read('schedule', 'schedules', () => adapters.scheduler.ecsTaskTargets());
    if (scheduled.length === 0) return { references: [], failures };

    const names = [...new Set(scheduled.map(({ task }) => taskDefinitionName(task.taskDefinition)))];
    const definitions = await adapters.ecs.describeTaskDefinitions(names);
    const references: WorkloadReference[] = [];
    for (const { kind, task } of scheduled) {
      // A task definition that does not exist (deleted, or never registered) starts no task.
      const definition = definitions.get(taskDefinitionName(task.taskDefinition));
      if (definition === undefined) continue;
      references.push(...taskDefinitionReferences(definition, { kind, region, arn: task.arn, cluster: clusterNameOf(task.clusterArn) }, config));
    }
    return { references, failures };
  },
};
