import { describe, expect, it } from 'vitest';
import { toAccountId, toRegion, toRepositoryName, type Digest, type InUseImage } from '../../../src/lib/domain/types.js';
import { gate } from '../../../src/lib/plan/gate.js';
import type { LifecyclePolicy } from '../../../src/lib/policy/types.js';
import { digestOf, imageFactory, ruleFactory } from '../../helpers/factories.js';

const NOW = new Date('2024-06-15T12:00:00Z');
const DAY_MS = 86_400_000;
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * DAY_MS);

const inUse = (digest: Digest, service = 'api'): InUseImage => ({
  registryId: toAccountId('123456789012'),
  region: toRegion('eu-west-1'),
  repository: toRepositoryName('team/api'),
  digest,
  environment: 'prod',
  uses: [
    {
      kind: 'task',
      region: toRegion('eu-west-1'),
      cluster: 'main',
      service,
      arn: `arn:aws:ecs:eu-west-1:123456789012:task/main/${service}`,
      image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api@${digest}`,
      environment: 'prod',
    },
  ],
});

const expireOlderThan30: LifecyclePolicy = {
  rules: [ruleFactory({ rulePriority: 1, description: 'old', selection: { tagStatus: 'any', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 } })],
};

describe('Function: gate', () => {
  it('is safe when the policy expires only images out of use', () => {
    // Prepare
    const running = imageFactory({ digest: digestOf('running'), pushedAt: daysAgo(5) });
    const stale = imageFactory({ digest: digestOf('stale'), pushedAt: daysAgo(60) });

    // Act
    const result = gate(expireOlderThan30, [running, stale], [inUse(running.digest)], NOW);

    // Assess
    expect(result.safe).toBe(true);
    expect(result.simulation.byDigest.get(stale.digest)?.decision.kind).toBe('expire');
  });

  it('names the in-use image, the rule and every workload that uses it when the policy would expire it', () => {
    // Prepare
    const old = imageFactory({ digest: digestOf('old'), tags: ['v1'], pushedAt: daysAgo(60) });

    // Act
    const result = gate(expireOlderThan30, [old], [inUse(old.digest, 'api'), inUse(old.digest, 'worker')], NOW);

    // Assess
    expect(result.safe).toBe(false);
    const atRisk = result.safe ? [] : result.atRisk;
    expect(atRisk).toHaveLength(1);
    const [risk] = atRisk;
    expect(risk?.digest).toBe(old.digest);
    expect(risk?.tags).toEqual(['v1']);
    expect(risk?.decision).toMatchObject({ kind: 'expire', rulePriority: 1 });
    expect(risk?.ruleDescription).toBe('old');
    expect(risk?.uses.map((u) => u.service)).toEqual(['api', 'worker']);
  });

  it('counts archiving as a loss: an archived image cannot be pulled', () => {
    // Prepare
    const policy: LifecyclePolicy = {
      rules: [
        ruleFactory({
          rulePriority: 1,
          selection: { tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 30 },
          action: { type: 'transition', targetStorageClass: 'archive' },
        }),
      ],
    };
    const unpulled = imageFactory({ digest: digestOf('unpulled'), pushedAt: daysAgo(90) });

    // Act
    const result = gate(policy, [unpulled], [inUse(unpulled.digest)], NOW);

    // Assess
    expect(result.safe).toBe(false);
    expect(result.safe ? undefined : result.atRisk[0]?.decision.kind).toBe('transition');
  });

  it('is safe for an in-use child of an image index that survives', () => {
    // Prepare
    const child = imageFactory({ digest: digestOf('amd64'), pushedAt: daysAgo(60) });
    const index = imageFactory({ digest: digestOf('index'), tags: ['prod-1'], pushedAt: daysAgo(60), childDigests: [child.digest] });
    const policy: LifecyclePolicy = {
      rules: [
        ruleFactory({ rulePriority: 1, selection: { tagStatus: 'tagged', tagPrefixList: ['prod-'], countType: 'imageCountMoreThan', countNumber: 5 } }),
        ruleFactory({ rulePriority: 2, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 } }),
      ],
    };

    // Act
    const result = gate(policy, [index, child], [inUse(child.digest)], NOW);

    // Assess
    expect(result.safe).toBe(true);
  });

  it('flags an in-use referrer whose subject expires, since ECR deletes it with its subject', () => {
    // Prepare
    const subject = imageFactory({ digest: digestOf('subject'), tags: ['old'], pushedAt: daysAgo(60) });
    const signature = imageFactory({ digest: digestOf('signature'), tags: ['sig'], pushedAt: daysAgo(1), subjectDigest: subject.digest });

    // Act
    const result = gate(expireOlderThan30, [subject, signature], [inUse(signature.digest)], NOW);

    // Assess
    expect(result.safe).toBe(false);
    expect(result.safe ? [] : result.atRisk.map((r) => r.digest)).toEqual([signature.digest]);
  });

  it('ignores in-use digests the listing does not hold', () => {
    // Prepare
    const image = imageFactory({ digest: digestOf('present'), pushedAt: daysAgo(1) });

    // Act
    const result = gate(expireOlderThan30, [image], [inUse(digestOf('gone'))], NOW);

    // Assess
    expect(result.safe).toBe(true);
  });
});
