/**
 * The newest N ACTIVE revisions of every ECS task definition family: tasks started on demand
 * (`run-task`, Step Functions, a CI job) run nothing between runs, and their next run starts one of
 * these revisions. N is `inUse.taskDefinitionRevisions`; 0 turns the source off.
 */
import type { ScopedFailure, WorkloadReference } from '../inuse.js';
import { taskDefinitionReferences } from './task-definition-images.js';
import type { InUseSource } from './types.js';

export const taskDefinitionsSource: InUseSource = {
  name: 'task-definitions',
  enabled: (config) => config.inUse.taskDefinitionRevisions > 0,
  collect: async ({ adapters, config, region }) => {
    const count = config.inUse.taskDefinitionRevisions;
    const failures: ScopedFailure[] = [];
    const families: string[] = [];
    for await (const family of adapters.ecs.listTaskDefinitionFamilies()) families.push(family);

    // ECS shares one request quota per category with every caller in the account: for the newest
    // revision alone, describing the bare family (latest ACTIVE) needs no ListTaskDefinitions call.
    let names: string[];
    if (count === 1) {
      names = families;
    } else {
      names = [];
      for (const family of families) {
        try {
          names.push(...(await adapters.ecs.newestTaskDefinitionArns(family, count)));
        } catch (error) {
          failures.push({ scope: `task-definitions:${region}:family/${family}`, error });
        }
      }
    }
    if (names.length === 0) return { references: [], failures };

    const definitions = await adapters.ecs.describeTaskDefinitions(names);
    const references: WorkloadReference[] = [];
    // Keyed by definition ARN: two names for one revision must not cite it twice.
    const seen = new Set<string>();
    for (const definition of definitions.values()) {
      if (seen.has(definition.arn)) continue;
      seen.add(definition.arn);
      references.push(...taskDefinitionReferences(definition, { kind: 'task-definition', region, arn: definition.arn }, config));
    }
    return { references, failures };
  },
};
