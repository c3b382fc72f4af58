/**
 * AWS Batch: the newest ACTIVE revision of every job definition. A job submitted by name runs that
 * revision, pulling its images when the job starts; between runs nothing else sees them. Job
 * definitions name images by tag or digest only, so `resolveInUse` resolves tags through ECR.
 */
import type { BatchJobDefinition } from '../aws/ports.js';
import { resolveEnvironment } from '../environment.js';
import type { ScopedFailure, WorkloadReference } from '../inuse.js';
import type { InUseSource } from './types.js';

/** The highest revision of each job definition name. */
export const newestRevisions = (definitions: Iterable<BatchJobDefinition>): BatchJobDefinition[] => {
  const newest = new Map<string, BatchJobDefinition>();
  for (const definition of definitions) {
    const seen = newest.get(definition.name);
    if (seen === undefined || definition.revision > seen.revision) newest.set(definition.name, definition);
  }
  return [...newest.values()];
};

export const batchSource: InUseSource = {
  name: 'batch',
  enabled: (config) => config.inUse.batch,
  collect: async ({ adapters, config, region }) => {
    const definitions: BatchJobDefinition[] = [];
    const failures: ScopedFailure[] = [];
    try {
      for await (const definition of adapters.batch.listActiveJobDefinitions()) definitions.push(definition);
    } catch (error) {
      // A revision listed before the failure may not be the newest: the set cannot be complete.
      failures.push({ scope: `batch:${region}:job-definitions`, error });
    }
    const references: WorkloadReference[] = [];
    for (const definition of newestRevisions(definitions)) {
      const { environment } = resolveEnvironment(config, { taskTags: definition.tags, serviceName: definition.name, clusterName: '' });
      for (const container of definition.containerImages) {
        if (container.image === '') continue;
        references.push({ source: { kind: 'batch', region, arn: definition.arn, image: container.image, environment }, imageDigest: container.imageDigest });
      }
    }
    return { references, failures };
  },
};
