/**
 * Every in-use source, in one list: a new consumer kind is one module here and one line below.
 * `collectInUse` runs the enabled sources of one region and merges what they found; a source that
 * failed (or threw) makes the region's in-use set incomplete, so nothing is released and no policy
 * is written anywhere that region's consumers may pull from.
 */
import type { CollectedReferences, ScopedFailure } from '../inuse.js';
import { batchSource } from './batch.js';
import { ecsWorkloadsSource } from './ecs-workloads.js';
import { inspectorSource } from './inspector.js';
import { lambdaSource } from './lambda.js';
import { scheduledTasksSource } from './scheduled-tasks.js';
import { taskDefinitionsSource } from './task-definitions.js';
import type { InUseSource, SourceContext, SourceResult, SourceWarning } from './types.js';

export type { InUseSource, SourceContext, SourceResult, SourceWarning } from './types.js';

/** The merged references and failures of one region, plus what sources skipped without failing. */
export interface CollectedInUse extends CollectedReferences {
  readonly warnings: readonly SourceWarning[];
}

/** The sources a sweep reads, in this order; each decides from the config whether it is on. */
export const IN_USE_SOURCES: readonly InUseSource[] = [ecsWorkloadsSource, scheduledTasksSource, taskDefinitionsSource, inspectorSource, lambdaSource, batchSource];

/** Runs the enabled sources of one region concurrently and merges their references and failures. */
export const collectInUse = async (context: SourceContext, sources: readonly InUseSource[] = IN_USE_SOURCES): Promise<CollectedInUse> => {
  const enabled = sources.filter((source) => source.enabled(context.config));
  const results = await Promise.all(
    enabled.map(async (source): Promise<SourceResult> => {
      try {
        return await source.collect(context);
      } catch (error) {
        const failure: ScopedFailure = { scope: `${source.name}:${context.region}`, error };
        return { references: [], failures: [failure] };
      }
    }),
  );
  const references = results.flatMap((r) => r.references);
  const failures = results.flatMap((r) => r.failures);
  const warnings = results.flatMap((r) => r.warnings ?? []);
  return { references, failures, warnings, complete: failures.length === 0 };
};
