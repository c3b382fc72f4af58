import { describe, expect, it } from 'vitest';
import { planRepository } from '../../src/lib/plan/planner.js';
import type { RepositoryPlan } from '../../src/lib/plan/types.js';
import { capImageLists } from '../../src/lib/report.js';
import { configFactory, imageFactory, repositoryFactory } from '../helpers/factories.js';

const NOW = new Date('2026-06-01T00:00:00Z');

/** A repository of 50 untagged images pushed a year ago: the baseline expires every one of them. */
const planOf50 = (): RepositoryPlan =>
  planRepository({
    repository: repositoryFactory(),
    repositoryTags: {},
    images: Array.from({ length: 50 }, (_, i) => imageFactory({ pushedAt: new Date(Date.UTC(2025, 4, 1, 0, i)), sizeBytes: 1_000 })),
    currentPolicy: undefined,
    inUse: [],
    inUseComplete: true,
    config: configFactory(),
    now: NOW,
  });

describe('Function: capImageLists', () => {
  it('keeps the first entries of each image list, says how many it left out, and keeps every count exact', () => {
    // Prepare
    const plan = planOf50();

    // Act
    const capped = capImageLists(plan, 10);

    // Assess
    expect(plan.target?.affected).toHaveLength(50);
    expect(capped.target?.affected).toEqual(plan.target?.affected.slice(0, 10));
    expect(capped.target?.affectedTruncated).toBe(40);
    expect(capped.target?.expiringImages).toBe(50);
    expect(capped.target?.expiringBytes).toBe(50_000);
    expect(capped.newlyExpiring).toHaveLength(10);
    expect(capped.newlyExpiringTruncated).toBe(40);
    expect(capped.steps).toEqual(plan.steps);
  });

  it('leaves a plan within the cap, or with no cap, as it is', () => {
    // Prepare
    const plan = planOf50();

    // Assess
    expect(capImageLists(plan, 50)).toEqual(plan);
    expect(capImageLists(plan, undefined)).toBe(plan);
  });
});
