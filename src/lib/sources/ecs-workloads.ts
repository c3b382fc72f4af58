/** Running and pending ECS tasks, and every service's current and deployment revisions (always on). */
import { collectReferences } from '../inuse.js';
import type { InUseSource } from './types.js';

export const ecsWorkloadsSource: InUseSource = {
  name: 'ecs',
  enabled: () => true,
  collect: async ({ adapters, config }) => collectReferences(adapters.ecs, config),
};
