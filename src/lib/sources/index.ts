/**
 * Every in-use source, in one list: a new consumer kind is one module here and one line below.
 * `collectInUse` runs the enabled sources of one region and merges what they found; a source that
 * failed (or threw) makes the region's in-use set incomplete, so nothing is released and no policy
 * is written anywhere that region's consumers may pull from.
 */
import type { CollectedReferences, ScopedFailure, WorkloadReference } from '../inuse.js';
import { ecsWorkloadsSource } from './ecs-workloads.js';
import type { InUseSource, SourceContext } from './types.js';

export type { InUseSource, SourceContext, SourceResult } from './types.js';

/** The sources a sweep reads, in this order; each decides from the config whether it is on. */
export const IN_USE_SOURCES: readonly InUseSource[] = [ecsWorkloadsSource];

/** Runs the enabled sources of one region concurrently and merges their references and failures. */
export const collectInUse = async (context: SourceContext, sources: readonly InUseSource[] = IN_USE_SOURCES): Promise<CollectedReferences> => {
  const enabled = sources.filter((source) => source.enabled(context.config));
  const results = await Promise.all(
    enabled.map(async (source) => {
      try {
        return await source.collect(context);
      } catch (error) {
        const failure: ScopedFailure = { scope: `${source.name}:${context.region}`, error };
        return { references: [] as WorkloadReference[], failures: [failure] };
      }
    }),
  );
  const references = results.flatMap((r) => r.references);
  const failures = results.flatMap((r) => r.failures);
  return { references, failures, complete: failures.length === 0 };
};
