import { describe, expect, it } from 'vitest';
import { ECR_WRITE_METHODS, type EcrPort, type Manifest } from '../../../src/lib/aws/ports.js';
import { readOnlyEcr } from '../../../src/lib/aws/read-only.js';
import { ReadOnlyViolationError } from '../../../src/lib/errors.js';
import { toAccountId, toRegion, toRepositoryName, type Digest } from '../../../src/lib/domain/types.js';
import { digestOf, imageFactory } from '../../helpers/factories.js';

const region = toRegion('eu-west-1');
const repo = toRepositoryName('team/api');

/** An in-memory port that records every call. */
const recordingPort = (): { port: EcrPort; calls: string[] } => {
  const calls: string[] = [];
  const image = imageFactory({ tags: ['v1'] });
  const port: EcrPort = {
    region,
    async *listRepositories() {
      calls.push('listRepositories');
      yield { name: repo, arn: 'arn', registryId: toAccountId('123456789012'), region, uri: 'uri', tagMutability: 'MUTABLE' };
    },
    describeRepository: async () => {
      calls.push('describeRepository');
      return undefined;
    },
    listImages: async () => {
      calls.push('listImages');
      return [image];
    },
    repositoryTags: async () => {
      calls.push('repositoryTags');
      return { env: 'prod' };
    },
    getLifecyclePolicy: async () => {
      calls.push('getLifecyclePolicy');
      return { text: '{}' };
    },
    resolveTags: async () => {
      calls.push('resolveTags');
      return new Map<string, Digest>([['v1', image.digest]]);
    },
    getManifests: async (_repository, digests) => {
      calls.push('getManifests');
      return new Map(digests.map((digest) => [digest, { digest, body: '{}', mediaType: 'application/vnd.oci.image.manifest.v1+json' }]));
    },
    putLifecyclePolicy: async () => {
      calls.push('putLifecyclePolicy');
    },
    putImageTag: async () => {
      calls.push('putImageTag');
      return 'added';
    },
    removeImageTag: async () => {
      calls.push('removeImageTag');
    },
  };
  return { port, calls };
};

const manifest: Manifest = { digest: digestOf('m'), body: '{}', mediaType: 'application/vnd.oci.image.manifest.v1+json' };

describe('Function: readOnlyEcr', () => {
  it.each([
    ['putLifecyclePolicy', (p: EcrPort) => p.putLifecyclePolicy(repo, '{}')],
    ['putImageTag', (p: EcrPort) => p.putImageTag(repo, manifest, 'keep')],
    ['removeImageTag', (p: EcrPort) => p.removeImageTag(repo, 'keep')],
  ] as const)('refuses %s without reaching the port', async (method, call) => {
    // Prepare
    const { port, calls } = recordingPort();

    // Act
    const result = call(readOnlyEcr(port));

    // Assess
    await expect(result).rejects.toThrow(ReadOnlyViolationError);
    await expect(result).rejects.toThrow(method);
    expect(calls).toEqual([]);
  });

  it('covers every write method the port declares', async () => {
    // Prepare
    const { port } = recordingPort();
    const guarded = readOnlyEcr(port);

    // Act
    const outcomes = await Promise.allSettled(
      ECR_WRITE_METHODS.map((method) => (guarded[method] as (...args: unknown[]) => Promise<unknown>)(repo, manifest, 'x')),
    );

    // Assess
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof ReadOnlyViolationError)).toBe(true);
  });

  it('delegates every read to the wrapped port', async () => {
    // Prepare
    const { port, calls } = recordingPort();
    const guarded = readOnlyEcr(port);

    // Act
    const repositories = [];
    for await (const r of guarded.listRepositories()) repositories.push(r);
    const images = await guarded.listImages(repo);
    await guarded.describeRepository(repo);
    const tags = await guarded.repositoryTags('arn');
    const policy = await guarded.getLifecyclePolicy(repo);
    const resolved = await guarded.resolveTags(repo, ['v1']);
    const fetched = await guarded.getManifests(repo, [digestOf('x')]);

    // Assess
    expect(calls).toEqual([
      'listRepositories',
      'listImages',
      'describeRepository',
      'repositoryTags',
      'getLifecyclePolicy',
      'resolveTags',
      'getManifests',
    ]);
    expect(repositories).toHaveLength(1);
    expect(images).toHaveLength(1);
    expect(tags).toEqual({ env: 'prod' });
    expect(policy).toEqual({ text: '{}' });
    expect(resolved.size).toBe(1);
    expect(fetched.get(digestOf('x'))?.digest).toBe(digestOf('x'));
    expect(guarded.region).toBe(region);
  });
});
