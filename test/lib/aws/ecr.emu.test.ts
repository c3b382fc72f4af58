/**
 * The ECR adapter over the real SDK against the emulator: what we read and write is what ECR
 * stores (byte-exact manifests, push times, mutability, policies, repository tags).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { toRepositoryName } from '../../../src/lib/domain/types.js';
import { createRepository, daysAgo, pushImage, pushIndex } from '../../emulator/seed.js';
import { digestOf } from '../../helpers/factories.js';
import { useEmulator } from '../../helpers/use-emulator.js';

const {
  emu,
  ecr: seedEcr,
  adapters: { ecr },
} = useEmulator();
const NOW = new Date('2026-03-01T12:00:00.000Z');
const api = toRepositoryName('team/api');
const locked = toRepositoryName('team/locked');

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

const POLICY = JSON.stringify({
  rules: [
    {
      rulePriority: 1,
      description: 'keep the newest thirty images of any tag',
      selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 },
      action: { type: 'expire' },
    },
  ],
});

beforeEach(async () => {
  await createRepository(seedEcr, api, { tags: { team: 'core', env: 'prod' } });
  await createRepository(seedEcr, locked, { mutability: 'IMMUTABLE' });
});

describe('Function: listRepositories', () => {
  it('lists every repository with its tag mutability', async () => {
    // Act
    const repositories = await collect(ecr.listRepositories());

    // Assess
    const byName = new Map(repositories.map((r) => [r.name, r]));
    expect([...byName.keys()].sort()).toEqual(['team/api', 'team/locked']);
    expect(byName.get(api)?.tagMutability).toBe('MUTABLE');
    expect(byName.get(locked)?.tagMutability).toBe('IMMUTABLE');
    expect(byName.get(api)).toMatchObject({ registryId: emu.accountId, region: emu.region });
    expect(byName.get(api)?.arn).toContain(':repository/team/api');
  });
});

describe('Function: describeRepository', () => {
  it('describes an existing repository and returns undefined for a missing one', async () => {
    // Act
    const found = await ecr.describeRepository(locked);
    const missing = await ecr.describeRepository(toRepositoryName('team/absent'));

    // Assess
    expect(found?.tagMutability).toBe('IMMUTABLE');
    expect(missing).toBeUndefined();
  });
});

describe('Function: repositoryTags', () => {
  it('returns the resource tags of the repository', async () => {
    // Prepare
    const repository = await ecr.describeRepository(api);

    // Act
    const tags = await ecr.repositoryTags(repository?.arn ?? '');

    // Assess
    expect(tags).toEqual({ team: 'core', env: 'prod' });
  });
});

describe('Function: listImages', () => {
  it('lists images with the push times ECR recorded, archived ones included', async () => {
    // Prepare
    const old = await pushImage(seedEcr, emu.control, { repository: api, tags: ['v1'], pushedAt: daysAgo(NOW, 200), format: 'docker' });
    const recent = await pushImage(seedEcr, emu.control, { repository: api, tags: ['v2', 'latest'], pushedAt: daysAgo(NOW, 3) });
    const untagged = await pushImage(seedEcr, emu.control, { repository: api, pushedAt: daysAgo(NOW, 40), lastPulledAt: daysAgo(NOW, 10) });
    await emu.setImageTimes({ repositoryName: api, imageDigest: old.digest, imageStatus: 'ARCHIVED', lastArchivedAt: daysAgo(NOW, 100) });

    // Act
    const images = await ecr.listImages(api);

    // Assess
    const byDigest = new Map(images.map((i) => [i.digest, i]));
    expect(byDigest.size).toBe(3);
    expect(byDigest.get(old.digest)).toMatchObject({ pushedAt: daysAgo(NOW, 200), storageClass: 'archive', lastArchivedAt: daysAgo(NOW, 100) });
    expect(byDigest.get(recent.digest)?.tags.slice().sort()).toEqual(['latest', 'v2']);
    expect(byDigest.get(recent.digest)?.storageClass).toBe('standard');
    expect(byDigest.get(untagged.digest)).toMatchObject({ tags: [], pushedAt: daysAgo(NOW, 40), lastPulledAt: daysAgo(NOW, 10) });
  });
});

describe('Function: resolveTags', () => {
  it('maps existing tags to their digests and leaves missing tags out', async () => {
    // Prepare
    const one = await pushImage(seedEcr, emu.control, { repository: api, tags: ['v1'] });
    const two = await pushImage(seedEcr, emu.control, { repository: api, tags: ['v2', 'latest'] });

    // Act
    const resolved = await ecr.resolveTags(api, ['v1', 'latest', 'nope']);

    // Assess
    expect(resolved.get('v1')).toBe(one.digest);
    expect(resolved.get('latest')).toBe(two.digest);
    expect(resolved.has('nope')).toBe(false);
  });
});

/** The manifest of one image, read as the sweep reads it (BatchGetImage by digest). */
const manifestOf = async (repository: typeof api, digest: ReturnType<typeof digestOf>) => (await ecr.getManifests(repository, [digest])).get(digest);

describe('Function: getManifests', () => {
  it.each(['docker', 'oci'] as const)('returns a %s manifest byte for byte with its media type', async (format) => {
    // Prepare
    const pushed = await pushImage(seedEcr, emu.control, { repository: api, tags: ['v1'], format });

    // Act
    const manifest = await manifestOf(api, pushed.digest);

    // Assess
    expect(manifest?.body).toBe(pushed.manifest);
    expect(manifest?.mediaType).toBe(pushed.mediaType);
    expect(manifest?.digest).toBe(pushed.digest);
  });

  it('returns an image index unchanged', async () => {
    // Prepare
    const index = await pushIndex(seedEcr, emu.control, { repository: api, tags: ['multi'] });

    // Act
    const manifest = await manifestOf(api, index.digest);

    // Assess
    expect(manifest?.body).toBe(index.manifest);
    expect(manifest?.mediaType).toBe('application/vnd.oci.image.index.v1+json');
  });

  it('leaves out a digest the repository does not hold', async () => {
    // Act
    const manifests = await ecr.getManifests(api, [digestOf('never pushed')]);

    // Assess
    expect(manifests.size).toBe(0);
  });

  it('reads several images of every kind in one call, each byte for byte under its own digest, without the missing one', async () => {
    // Prepare
    const docker = await pushImage(seedEcr, emu.control, { repository: api, tags: ['d'], format: 'docker' });
    const oci = await pushImage(seedEcr, emu.control, { repository: api, tags: ['o'], format: 'oci' });
    const index = await pushIndex(seedEcr, emu.control, { repository: api, tags: ['i'] });
    const pushed = [docker, oci, index];
    const absent = digestOf('never pushed');

    // Act
    const manifests = await ecr.getManifests(api, [absent, ...pushed.map((p) => p.digest)]);

    // Assess
    expect([...manifests.keys()].sort()).toEqual(pushed.map((p) => p.digest).sort());
    for (const p of pushed) expect(manifests.get(p.digest)).toEqual({ digest: p.digest, body: p.manifest, mediaType: p.mediaType });
  });
});

describe('Function: putImageTag', () => {
  it('adds a tag to the image, then reports it already present', async () => {
    // Prepare
    const pushed = await pushImage(seedEcr, emu.control, { repository: api, tags: ['v1'], pushedAt: daysAgo(NOW, 50) });
    const manifest = await manifestOf(api, pushed.digest);
    if (manifest === undefined) throw new Error('seeded manifest not found');

    // Act
    const first = await ecr.putImageTag(api, manifest, 'keeper-protect-abc');
    const second = await ecr.putImageTag(api, manifest, 'keeper-protect-abc');

    // Assess
    expect(first).toBe('added');
    expect(second).toBe('already-present');
    const images = await ecr.listImages(api);
    expect(images).toHaveLength(1);
    expect(images[0]?.tags.slice().sort()).toEqual(['keeper-protect-abc', 'v1']);
    expect(images[0]?.pushedAt).toEqual(daysAgo(NOW, 50));
  });

  it('adds a new tag in an IMMUTABLE repository', async () => {
    // Prepare
    const pushed = await pushImage(seedEcr, emu.control, { repository: locked, tags: ['1.0.0'] });
    const manifest = await manifestOf(locked, pushed.digest);
    if (manifest === undefined) throw new Error('seeded manifest not found');

    // Act
    const outcome = await ecr.putImageTag(locked, manifest, 'keeper-protect-1');

    // Assess
    expect(outcome).toBe('added');
    expect((await ecr.resolveTags(locked, ['keeper-protect-1'])).get('keeper-protect-1')).toBe(pushed.digest);
  });

  it('tags an OCI manifest that carries no mediaType field', async () => {
    // Prepare
    const pushed = await pushImage(seedEcr, emu.control, { repository: api, tags: ['bare'], format: 'oci', omitMediaType: true });
    const manifest = await manifestOf(api, pushed.digest);
    if (manifest === undefined) throw new Error('seeded manifest not found');

    // Act
    const outcome = await ecr.putImageTag(api, manifest, 'keeper-protect-bare');

    // Assess
    expect(outcome).toBe('added');
    expect(Object.keys(JSON.parse(manifest.body) as object)).not.toContain('mediaType');
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
  });

  it('refuses a manifest whose bytes do not match the digest', async () => {
    // Prepare
    const pushed = await pushImage(seedEcr, emu.control, { repository: api, tags: ['v1'] });
    const manifest = { digest: pushed.digest, body: JSON.stringify(JSON.parse(pushed.manifest)), mediaType: pushed.mediaType };

    // Act
    const result = ecr.putImageTag(api, manifest, 'keeper-protect-x');

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', action: 'ecr:PutImage', repository: 'team/api' });
  });
});

describe('Function: removeImageTag', () => {
  it('removes one tag and keeps the image with its other tags', async () => {
    // Prepare
    const pushed = await pushImage(seedEcr, emu.control, { repository: api, tags: ['v1', 'keeper-protect-1'] });

    // Act
    await ecr.removeImageTag(api, 'keeper-protect-1');

    // Assess
    const resolved = await ecr.resolveTags(api, ['v1', 'keeper-protect-1']);
    expect(resolved.get('v1')).toBe(pushed.digest);
    expect(resolved.has('keeper-protect-1')).toBe(false);
  });
});

describe('Function: getLifecyclePolicy / putLifecyclePolicy', () => {
  it('returns undefined for a repository without a policy', async () => {
    // Act
    const policy = await ecr.getLifecyclePolicy(api);

    // Assess
    expect(policy).toBeUndefined();
  });

  it('reads back the policy it wrote', async () => {
    // Act
    await ecr.putLifecyclePolicy(api, POLICY);
    const policy = await ecr.getLifecyclePolicy(api);

    // Assess
    expect(JSON.parse(policy?.text ?? '{}')).toEqual(JSON.parse(POLICY));
  });

  it('fails with AwsCallError for a repository that does not exist', async () => {
    // Act
    const result = ecr.getLifecyclePolicy(toRepositoryName('team/absent'));

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', action: 'ecr:GetLifecyclePolicy', awsCode: 'RepositoryNotFoundException' });
  });
});
