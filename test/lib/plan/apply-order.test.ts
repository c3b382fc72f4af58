/**
 * The order of writes: every prefix of an apply must be safe under the policy in force at that
 * moment (issue 6, finding 2: a policy write that fails after tags landed).
 */
import { describe, expect, it } from 'vitest';
import type { Digest, ImageRecord, InUseImage } from '../../../src/lib/domain/types.js';
import { orderSteps, type ApplyStep } from '../../../src/lib/plan/apply-order.js';
import { planRepository } from '../../../src/lib/plan/planner.js';
import { simulatePolicy } from '../../../src/lib/policy/simulate.js';
import { serializePolicy } from '../../../src/lib/policy/canonical.js';
import type { LifecyclePolicy } from '../../../src/lib/policy/types.js';
import { configFactory, digestOf, imageFactory, repositoryFactory } from '../../helpers/factories.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const DAY_MS = 86_400_000;
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * DAY_MS);
const REPOSITORY = repositoryFactory();

/** The team's own policy: keep the newest image tagged `prod*`, expire older ones. */
const OWN: LifecyclePolicy = {
  rules: [{ rulePriority: 1, selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 1 }, action: { type: 'expire' } }],
};

const inUseOf = (digest: Digest): InUseImage => ({
  registryId: REPOSITORY.registryId,
  region: REPOSITORY.region,
  repository: REPOSITORY.name,
  digest,
  environment: 'prod',
  uses: [{ kind: 'task', region: REPOSITORY.region, cluster: 'prod', arn: `arn:task/${digest.slice(7, 15)}`, image: 'x', environment: 'prod' }],
});

/** Replays `steps` and returns the in-use digests at risk after each step under the policy then in force. */
const atRiskAfterEachStep = (images: readonly ImageRecord[], start: LifecyclePolicy | undefined, steps: readonly ApplyStep[], inUse: ReadonlySet<Digest>, policies: ReadonlyMap<string, LifecyclePolicy>): Digest[][] => {
  let listing = [...images];
  let policy = start;
  const out: Digest[][] = [];
  for (const step of steps) {
    if (step.kind === 'put-policy') policy = policies.get(step.text);
    else if (step.kind === 'add-tag') listing = listing.map((i) => (i.digest === step.digest ? { ...i, tags: [...i.tags, step.tag] } : { ...i, tags: i.tags.filter((t) => t !== step.tag) }));
    else listing = listing.map((i) => (i.digest === step.digest ? { ...i, tags: i.tags.filter((t) => t !== step.tag) } : i));
    const verdicts = policy === undefined ? [] : simulatePolicy(policy, listing, NOW).verdicts;
    out.push(verdicts.filter((v) => v.decision.kind !== 'keep' && inUse.has(v.image.digest)).map((v) => v.image.digest));
  }
  return out;
};

describe('Function: orderSteps', () => {
  const a = imageFactory({ digest: digestOf('A'), tags: ['prod-a'], pushedAt: daysAgo(20) });
  const b = imageFactory({ digest: digestOf('B'), tags: [], pushedAt: daysAgo(2) });
  const config = configFactory();

  it('writes a guard policy before tags when a new tag would push another in-use image out of a foreign count rule', () => {
    // Prepare
    const input = { repository: REPOSITORY, repositoryTags: {}, images: [a, b], currentPolicy: { text: serializePolicy(OWN) }, inUse: [inUseOf(a.digest), inUseOf(b.digest)], inUseComplete: true, config, now: NOW };

    // Act
    const plan = planRepository(input);

    // Assess
    expect(plan.status).toBe('apply');
    expect(plan.steps[0]).toMatchObject({ kind: 'put-policy', role: 'guard' });
    expect(plan.steps.at(-1)).toMatchObject({ kind: 'put-policy', role: 'target' });
    const guardText = plan.steps[0]?.kind === 'put-policy' ? plan.steps[0].text : '';
    const policies = new Map<string, LifecyclePolicy>([
      [guardText, JSON.parse(guardText) as LifecyclePolicy],
      [plan.policy.text ?? '', JSON.parse(plan.policy.text ?? '{}') as LifecyclePolicy],
    ]);
    const risks = atRiskAfterEachStep([a, b], OWN, plan.steps, new Set([a.digest, b.digest]), policies);
    expect(risks.every((r) => r.length === 0)).toBe(true);
  });

  it('proves the old order (all tags, then the policy) unsafe in the same repository: a failed policy write would leave A expiring', () => {
    // Prepare
    const adds = [
      { digest: b.digest, tag: `prod-keep-${b.digest.slice(7)}`, role: 'protection' as const },
      { digest: a.digest, tag: `prod-keep-${a.digest.slice(7)}`, role: 'protection' as const },
    ];

    // Act
    const result = orderSteps({ images: [a, b], inForce: { kind: 'policy', policy: OWN }, adds, removes: [], inUse: new Set([a.digest, b.digest]), complete: true, now: NOW });
    const naive = atRiskAfterEachStep([a, b], OWN, adds.map((t) => ({ kind: 'add-tag', ...t })), new Set([a.digest, b.digest]), new Map());

    // Assess
    expect(naive.some((r) => r.includes(a.digest))).toBe(true);
    // Without a guard on offer no order of the two tags is safe: only A's own tag (which moves
    // nothing) is written, and B's, which would push A out of "newest 1", is not.
    expect(result.complete).toBe(false);
    expect(result.steps.map((s) => (s.kind === 'add-tag' ? s.digest : s.kind))).toEqual([a.digest]);
    expect(result.reason).toContain(`at risk`);
  });

  it('adds no tag at all under an incomplete in-use set when a tag would newly expire another image', () => {
    // Prepare: C is not known to be in use, but the set is incomplete, so it cannot be called unused.
    const c = imageFactory({ digest: digestOf('C'), tags: ['prod-c'], pushedAt: daysAgo(5) });
    const adds = [{ digest: b.digest, tag: `prod-keep-${b.digest.slice(7)}`, role: 'protection' as const }];

    // Act
    const result = orderSteps({ images: [c, b], inForce: { kind: 'policy', policy: OWN }, adds, removes: [], inUse: new Set([b.digest]), complete: false, now: NOW });

    // Assess
    expect(result.complete).toBe(false);
    expect(result.steps).toEqual([]);
    expect(result.reason).toMatch(/cannot be proven unused/);
  });

  it('never removes an image\'s last tag', () => {
    // Prepare
    const only = imageFactory({ digest: digestOf('only'), tags: [`prod-keep-${digestOf('only').slice(7)}`], pushedAt: daysAgo(400) });

    // Act
    const result = orderSteps({ images: [only], inForce: { kind: 'none' }, adds: [], removes: [{ digest: only.digest, tag: only.tags[0] ?? '' }], inUse: new Set(), complete: true, now: NOW });

    // Assess
    expect(result.complete).toBe(false);
    expect(result.steps).toEqual([]);
    expect(result.reason).toMatch(/last tag/);
  });

  it('writes no policy, not even a guard, while the in-use set is incomplete', () => {
    // Prepare
    const target = { policy: OWN, text: serializePolicy(OWN) };

    // Act
    const result = orderSteps({ images: [a], inForce: { kind: 'none' }, adds: [], removes: [], target, inUse: new Set(), complete: false, now: NOW });

    // Assess
    expect(result.steps).toEqual([]);
    expect(result.reason).toMatch(/incomplete/);
  });
});
