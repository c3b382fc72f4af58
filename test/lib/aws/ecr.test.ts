import 'aws-sdk-client-mock-vitest/extend';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  ImageAlreadyExistsException,
  ImageNotFoundException,
  ImageTagAlreadyExistsException,
  LifecyclePolicyNotFoundException,
  ListTagsForResourceCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  RepositoryNotFoundException,
  type ImageDetail,
  type Repository as SdkRepository,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../../src/lib/aws/clients.js';
import { ACCEPTED_MANIFEST_MEDIA_TYPES, createEcrAdapter } from '../../../src/lib/aws/ecr.js';
import type { Manifest } from '../../../src/lib/aws/ports.js';
import { AwsCallError, InputError } from '../../../src/lib/errors.js';
import { toRegion, toRepositoryName } from '../../../src/lib/domain/types.js';
import { digestOf } from '../../helpers/factories.js';

const region = toRegion('eu-west-1');
const repo = toRepositoryName('team/api');
const ecrMock = mockClient(ECRClient);
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

const adapter = () => createEcrAdapter(createClients({ region, credentials }).ecr, region);

const sdkRepository = (name: string, mutability?: SdkRepository['imageTagMutability']): SdkRepository => ({
  repositoryName: name,
  repositoryArn: `arn:aws:ecr:eu-west-1:123456789012:repository/${name}`,
  registryId: '123456789012',
  repositoryUri: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${name}`,
  imageTagMutability: mutability,
  createdAt: new Date('2024-02-01T00:00:00Z'),
});

const detail = (seed: string, tags: string[] = [], pushedAt = '2024-03-01T00:00:00Z'): ImageDetail => ({
  imageDigest: digestOf(seed),
  imageTags: tags,
  imagePushedAt: new Date(pushedAt),
  imageStatus: 'ACTIVE',
});

const awsError = (name: string, message = name): Error => Object.assign(new Error(message), { name, $metadata: {} });

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

beforeEach(() => {
  ecrMock.reset();
});

afterEach(() => {
  ecrMock.reset();
});

describe('Function: listRepositories', () => {
  it('follows nextToken across three pages of the largest size', async () => {
    // Prepare
    // The SDK paginator reuses one input object across pages: snapshot each request as sent.
    const sent: { nextToken?: string | undefined; maxResults?: number | undefined }[] = [];
    const pages = [
      { repositories: [sdkRepository('a/one'), sdkRepository('a/two')], nextToken: 't1' },
      { repositories: [sdkRepository('b/three', 'IMMUTABLE')], nextToken: 't2' },
      { repositories: [sdkRepository('c/four', 'MUTABLE_WITH_EXCLUSION')] },
    ];
    ecrMock.on(DescribeRepositoriesCommand).callsFake((input: { nextToken?: string; maxResults?: number }) => {
      sent.push({ nextToken: input.nextToken, maxResults: input.maxResults });
      return pages[sent.length - 1];
    });

    // Act
    const repositories = await collect(adapter().listRepositories());

    // Assess
    expect(repositories.map((r) => r.name)).toEqual(['a/one', 'a/two', 'b/three', 'c/four']);
    expect(ecrMock).toReceiveCommandTimes(DescribeRepositoriesCommand, 3);
    expect(sent).toEqual([
      { nextToken: undefined, maxResults: 1000 },
      { nextToken: 't1', maxResults: 1000 },
      { nextToken: 't2', maxResults: 1000 },
    ]);
  });

  it('maps the repository fields and the tag mutability', async () => {
    // Prepare
    ecrMock.on(DescribeRepositoriesCommand).resolves({ repositories: [sdkRepository('team/api', 'IMMUTABLE_WITH_EXCLUSION')] });

    // Act
    const [repository] = await collect(adapter().listRepositories());

    // Assess
    expect(repository).toEqual({
      name: 'team/api',
      arn: 'arn:aws:ecr:eu-west-1:123456789012:repository/team/api',
      registryId: '123456789012',
      region: 'eu-west-1',
      uri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api',
      tagMutability: 'IMMUTABLE_WITH_EXCLUSION',
      createdAt: new Date('2024-02-01T00:00:00Z'),
    });
  });

  it('reads a missing mutability as MUTABLE', async () => {
    // Prepare
    ecrMock.on(DescribeRepositoriesCommand).resolves({ repositories: [sdkRepository('team/api')] });

    // Act
    const [repository] = await collect(adapter().listRepositories());

    // Assess
    expect(repository?.tagMutability).toBe('MUTABLE');
  });
});

describe('Function: describeRepository', () => {
  it('returns undefined when the repository does not exist', async () => {
    // Prepare
    ecrMock.on(DescribeRepositoriesCommand).rejects(new RepositoryNotFoundException({ message: 'nope', $metadata: {} }));

    // Act
    const repository = await adapter().describeRepository(repo);

    // Assess
    expect(repository).toBeUndefined();
    expect(ecrMock).toReceiveCommandWith(DescribeRepositoriesCommand, { repositoryNames: ['team/api'] });
  });

  it('wraps any other failure as AwsCallError naming the action', async () => {
    // Prepare
    ecrMock.on(DescribeRepositoriesCommand).rejects(awsError('AccessDeniedException'));

    // Act
    const result = adapter().describeRepository(repo);

    // Assess
    await expect(result).rejects.toThrow(AwsCallError);
    await expect(result).rejects.toMatchObject({ action: 'ecr:DescribeRepositories', repository: 'team/api', awsCode: 'AccessDeniedException' });
  });
});

describe('Function: listImages', () => {
  it('lists every image status with the largest page and follows nextToken', async () => {
    // Prepare
    const tokens: (string | undefined)[] = [];
    const pages = [
      { imageDetails: [detail('a', ['v1']), detail('b')], nextToken: 'next' },
      { imageDetails: [{ ...detail('c', ['old']), imageStatus: 'ARCHIVED' as const }] },
    ];
    ecrMock.on(DescribeImagesCommand).callsFake((input: { nextToken?: string }) => {
      tokens.push(input.nextToken);
      return pages[tokens.length - 1];
    });

    // Act
    const images = await adapter().listImages(repo);

    // Assess
    expect(images.map((i) => i.digest)).toEqual([digestOf('a'), digestOf('b'), digestOf('c')]);
    expect(images[2]?.storageClass).toBe('archive');
    expect(images[0]?.tags).toEqual(['v1']);
    expect(ecrMock).toReceiveCommandTimes(DescribeImagesCommand, 2);
    expect(ecrMock).toReceiveNthCommandWith(DescribeImagesCommand, 1, {
      repositoryName: 'team/api',
      maxResults: 1000,
      filter: { imageStatus: 'ANY' },
    });
    expect(tokens).toEqual([undefined, 'next']);
  });

  it('fails with AwsCallError when a later page is denied, and hands out no part of the listing', async () => {
    // Prepare
    ecrMock
      .on(DescribeImagesCommand)
      .resolvesOnce({ imageDetails: [detail('a')], nextToken: 'n1' })
      .resolvesOnce({ imageDetails: [detail('b')], nextToken: 'n2' })
      .rejectsOnce(awsError('AccessDeniedException', 'not authorized to perform ecr:DescribeImages'));
    // Act
    const listing = adapter().listImages(repo);

    // Assess
    await expect(listing).rejects.toMatchObject({
      name: 'AwsCallError',
      action: 'ecr:DescribeImages',
      repository: 'team/api',
      awsCode: 'AccessDeniedException',
    });
    expect(ecrMock).toReceiveCommandTimes(DescribeImagesCommand, 3);
  });

  it('keeps the SDK error as cause of a throttling failure', async () => {
    // Prepare
    const throttled = awsError('ThrottlingException', 'Rate exceeded');
    ecrMock.on(DescribeImagesCommand).rejects(throttled);

    // Act
    const error: unknown = await adapter().listImages(repo).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect((error as AwsCallError).awsCode).toBe('ThrottlingException');
    expect((error as AwsCallError).cause).toBe(throttled);
  });

  it('lets a malformed image detail surface as InputError, not as an AWS failure', async () => {
    // Prepare
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageDigest: digestOf('x') }] });

    // Act
    const result = adapter().listImages(repo);

    // Assess
    await expect(result).rejects.toThrow(InputError);
  });
});

describe('Function: repositoryTags', () => {
  it('returns the resource tags of the repository ARN as a map', async () => {
    // Prepare
    const arn = 'arn:aws:ecr:eu-west-1:123456789012:repository/team/api';
    ecrMock.on(ListTagsForResourceCommand).resolves({ tags: [{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'core' }] });

    // Act
    const tags = await adapter().repositoryTags(arn);

    // Assess
    expect(tags).toEqual({ env: 'prod', team: 'core' });
    expect(ecrMock).toReceiveCommandWith(ListTagsForResourceCommand, { resourceArn: arn });
  });

  it('names the repository from the ARN when the call fails', async () => {
    // Prepare
    ecrMock.on(ListTagsForResourceCommand).rejects(awsError('AccessDeniedException'));

    // Act
    const result = adapter().repositoryTags('arn:aws:ecr:eu-west-1:123456789012:repository/team/api');

    // Assess
    await expect(result).rejects.toMatchObject({ action: 'ecr:ListTagsForResource', repository: 'team/api' });
  });
});

describe('Function: getLifecyclePolicy', () => {
  it('returns undefined when the repository has no policy', async () => {
    // Prepare
    ecrMock.on(GetLifecyclePolicyCommand).rejects(new LifecyclePolicyNotFoundException({ message: 'none', $metadata: {} }));

    // Act
    const policy = await adapter().getLifecyclePolicy(repo);

    // Assess
    expect(policy).toBeUndefined();
  });

  it('returns the stored text and when ECR last evaluated it', async () => {
    // Prepare
    const text = '{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}';
    const lastEvaluatedAt = new Date('2024-05-01T12:00:00Z');
    ecrMock.on(GetLifecyclePolicyCommand).resolves({ repositoryName: 'team/api', lifecyclePolicyText: text, lastEvaluatedAt });

    // Act
    const policy = await adapter().getLifecyclePolicy(repo);

    // Assess
    expect(policy).toEqual({ text, lastEvaluatedAt });
  });

  it('wraps a repository-not-found as AwsCallError', async () => {
    // Prepare
    ecrMock.on(GetLifecyclePolicyCommand).rejects(new RepositoryNotFoundException({ message: 'gone', $metadata: {} }));

    // Act
    const result = adapter().getLifecyclePolicy(repo);

    // Assess
    await expect(result).rejects.toMatchObject({ action: 'ecr:GetLifecyclePolicy', awsCode: 'RepositoryNotFoundException' });
  });
});

describe('Function: putLifecyclePolicy', () => {
  it('writes the policy text unchanged', async () => {
    // Prepare
    const text = '{ "rules" : [ ] }\n';
    ecrMock.on(PutLifecyclePolicyCommand).resolves({});

    // Act
    await adapter().putLifecyclePolicy(repo, text);

    // Assess
    expect(ecrMock).toReceiveCommandExactlyOnceWith(PutLifecyclePolicyCommand, { repositoryName: 'team/api', lifecyclePolicyText: text });
  });
});

describe('Function: resolveTags', () => {
  it('describes at most 100 tags per call and maps each tag to its digest', async () => {
    // Prepare
    const tags = Array.from({ length: 150 }, (_, i) => `t${i}`);
    ecrMock.on(DescribeImagesCommand).callsFake((input: { imageIds?: { imageTag?: string }[] }) => ({
      imageDetails: (input.imageIds ?? []).map((id) => detail(`img-${id.imageTag ?? ''}`, [id.imageTag ?? '', 'extra'])),
    }));

    // Act
    const resolved = await adapter().resolveTags(repo, tags);

    // Assess
    expect(ecrMock).toReceiveCommandTimes(DescribeImagesCommand, 2);
    const sizes = ecrMock.commandCalls(DescribeImagesCommand).map((c) => c.args[0].input.imageIds?.length);
    expect(sizes).toEqual([100, 50]);
    expect(resolved.size).toBe(150);
    expect(resolved.get('t7')).toBe(digestOf('img-t7'));
    expect(resolved.has('extra')).toBe(false);
  });

  it('lists the tagged images once when a tag of a chunk is missing, never one call per tag', async () => {
    // Prepare
    const tags = ['gone', ...Array.from({ length: 149 }, (_, i) => `t${i}`)];
    ecrMock.on(DescribeImagesCommand).callsFake((input: { imageIds?: { imageTag?: string }[]; filter?: { tagStatus?: string } }) => {
      const ids = input.imageIds ?? [];
      if (ids.some((id) => id.imageTag === 'gone')) {
        throw new ImageNotFoundException({ message: "The image with imageId {imageTag:'gone'} does not exist", $metadata: {} });
      }
      if (ids.length === 0 && input.filter?.tagStatus === 'TAGGED') return { imageDetails: tags.slice(1).map((t) => detail(`img-${t}`, [t])) };
      return { imageDetails: ids.map((id) => detail(`img-${id.imageTag ?? ''}`, [id.imageTag ?? ''])) };
    });

    // Act
    const resolved = await adapter().resolveTags(repo, tags);

    // Assess
    expect(resolved.size).toBe(149);
    expect(resolved.has('gone')).toBe(false);
    expect(resolved.get('t120')).toBe(digestOf('img-t120'));
    expect(ecrMock).toReceiveCommandTimes(DescribeImagesCommand, 2);
    expect(ecrMock.commandCalls(DescribeImagesCommand)[1]?.args[0].input).toMatchObject({ filter: { tagStatus: 'TAGGED', imageStatus: 'ANY' } });
  });

  it('does not read manifests (BatchGetImage would count as a pull)', async () => {
    // Prepare
    ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [detail('a', ['v1'])] });

    // Act
    await adapter().resolveTags(repo, ['v1']);

    // Assess
    expect(ecrMock).not.toReceiveCommand(BatchGetImageCommand);
  });

  it('fails with AwsCallError on an error other than a missing image', async () => {
    // Prepare
    ecrMock.on(DescribeImagesCommand).rejects(awsError('ThrottlingException'));

    // Act
    const result = adapter().resolveTags(repo, ['v1']);

    // Assess
    await expect(result).rejects.toMatchObject({ action: 'ecr:DescribeImages', awsCode: 'ThrottlingException' });
  });
});

describe('Function: getManifests', () => {
  const digest = digestOf('manifest');
  const OCI = 'application/vnd.oci.image.manifest.v1+json';
  // Odd whitespace and key order: any parse/re-serialise would change these bytes (and the digest).
  const body = '{\n   "schemaVersion": 2,\t"mediaType":"application/vnd.oci.image.manifest.v1+json" ,"layers":[ ]}\n\n';
  const bodyOf = (d: string): string => `{"schemaVersion":2,"config":{"digest":"${d}"}}`;
  /** BatchGetImage answering every id asked for, except `missing` (ImageNotFound). */
  const serving = (missing: ReadonlySet<string> = new Set()) =>
    ecrMock.on(BatchGetImageCommand).callsFake((input: { imageIds?: { imageDigest?: string }[] }) => {
      const ids = input.imageIds ?? [];
      return {
        images: ids
          .filter((id) => !missing.has(id.imageDigest ?? ''))
          .map((id) => ({ imageId: { imageDigest: id.imageDigest }, imageManifest: bodyOf(id.imageDigest ?? ''), imageManifestMediaType: OCI })),
        failures: ids
          .filter((id) => missing.has(id.imageDigest ?? ''))
          .map((id) => ({ imageId: { imageDigest: id.imageDigest }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' })),
      };
    });
  const idsSent = (): string[][] => ecrMock.commandCalls(BatchGetImageCommand).map((c) => (c.args[0].input.imageIds ?? []).map((id) => id.imageDigest ?? ''));

  it('fetches by digest accepting all six manifest media types', async () => {
    // Prepare
    const other = digestOf('other');
    serving();

    // Act
    await adapter().getManifests(repo, [digest, other]);

    // Assess
    expect(ecrMock).toReceiveCommandExactlyOnceWith(BatchGetImageCommand, {
      repositoryName: 'team/api',
      imageIds: [{ imageDigest: digest }, { imageDigest: other }],
    });
    const accepted = ecrMock.commandCalls(BatchGetImageCommand)[0]?.args[0].input.acceptedMediaTypes;
    expect(new Set(accepted)).toEqual(
      new Set([
        'application/vnd.docker.distribution.manifest.v1+json',
        'application/vnd.docker.distribution.manifest.v1+prettyjws',
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
      ]),
    );
    expect(ACCEPTED_MANIFEST_MEDIA_TYPES).toHaveLength(6);
  });

  it('reads 250 digests in 3 calls of at most 100 ids, each digest once, and returns every manifest by digest', async () => {
    // Prepare: 250 distinct digests, the first 10 asked twice
    const digests = Array.from({ length: 250 }, (_, i) => digestOf(`image-${i}`));
    const asked = [...digests, ...digests.slice(0, 10)];
    serving();

    // Act
    const manifests = await adapter().getManifests(repo, asked);

    // Assess
    const sent = idsSent();
    expect(sent).toHaveLength(Math.ceil(digests.length / 100));
    expect(sent.map((ids) => ids.length)).toEqual([100, 100, 50]);
    expect(sent.flat()).toEqual(digests);
    expect(manifests.size).toBe(digests.length);
    for (const d of digests) expect(manifests.get(d)).toEqual({ digest: d, body: bodyOf(d), mediaType: OCI });
  });

  it('makes no call for no digest', async () => {
    // Act
    const manifests = await adapter().getManifests(repo, []);

    // Assess
    expect(manifests.size).toBe(0);
    expect(ecrMock).toReceiveCommandTimes(BatchGetImageCommand, 0);
  });

  it('returns each body exactly as received with the response media type', async () => {
    // Prepare
    const list = digestOf('list');
    const listBody = ' {"schemaVersion":2,"manifests":[]} ';
    ecrMock.on(BatchGetImageCommand).resolves({
      images: [
        { imageId: { imageDigest: list }, imageManifest: listBody, imageManifestMediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' },
        { imageId: { imageDigest: digest }, imageManifest: body, imageManifestMediaType: OCI },
      ],
    });

    // Act
    const manifests = await adapter().getManifests(repo, [digest, list]);

    // Assess
    expect(manifests.get(digest)).toEqual({ digest, body, mediaType: OCI });
    expect(manifests.get(list)).toEqual({ digest: list, body: listBody, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json' });
  });

  it('leaves images that do not exist out of the map and returns the others', async () => {
    // Prepare: 150 digests, one missing in each call
    const digests = Array.from({ length: 150 }, (_, i) => digestOf(`some-${i}`));
    const missing = new Set([digests[3] ?? '', digests[120] ?? '']);
    serving(missing);

    // Act
    const manifests = await adapter().getManifests(repo, digests);

    // Assess
    expect(idsSent()).toHaveLength(Math.ceil(digests.length / 100));
    expect(manifests.size).toBe(digests.length - missing.size);
    for (const d of digests) expect(manifests.has(d)).toBe(!missing.has(d));
  });

  it('fails naming ecr:BatchGetImage, the failure code and the digest on any other per-image failure', async () => {
    // Prepare
    ecrMock.on(BatchGetImageCommand).resolves({
      images: [],
      failures: [{ imageId: { imageDigest: digest }, failureCode: 'KmsError', failureReason: 'key disabled' }],
    });

    // Act
    const result = adapter().getManifests(repo, [digest]);

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', action: 'ecr:BatchGetImage', awsCode: 'KmsError', repository: 'team/api' });
    await expect(result).rejects.toThrow(digest);
  });

  it('stops at the first call that fails: no later batch is sent', async () => {
    // Prepare: the second of three calls is refused
    const digests = Array.from({ length: 201 }, (_, i) => digestOf(`batch-${i}`));
    ecrMock
      .on(BatchGetImageCommand)
      .resolvesOnce({ images: [] })
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'));

    // Act
    const result = adapter().getManifests(repo, digests);

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', action: 'ecr:BatchGetImage', awsCode: 'ThrottlingException' });
    expect(ecrMock).toReceiveCommandTimes(BatchGetImageCommand, 2);
  });

  it('fails when the response has no media type for a manifest (PutImage would need it)', async () => {
    // Prepare
    ecrMock.on(BatchGetImageCommand).resolves({ images: [{ imageId: { imageDigest: digest }, imageManifest: body }] });

    // Act
    const result = adapter().getManifests(repo, [digest]);

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', action: 'ecr:BatchGetImage' });
  });

  it('ignores an image the call was not asked for', async () => {
    // Prepare
    const stranger = digestOf('stranger');
    ecrMock.on(BatchGetImageCommand).resolves({
      images: [
        { imageId: { imageDigest: stranger }, imageManifest: body, imageManifestMediaType: OCI },
        { imageId: { imageDigest: digest }, imageManifest: body, imageManifestMediaType: OCI },
      ],
    });

    // Act
    const manifests = await adapter().getManifests(repo, [digest, digestOf('absent')]);

    // Assess
    expect([...manifests.keys()]).toEqual([digest]);
  });
});

describe('Function: putImageTag', () => {
  const manifest: Manifest = {
    digest: digestOf('tagged'),
    body: '{"schemaVersion":2,   "config":{} ,\r\n "layers":[]}  ',
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  };

  it('passes the manifest string unchanged with its media type and digest', async () => {
    // Prepare
    ecrMock.on(PutImageCommand).resolves({});

    // Act
    const outcome = await adapter().putImageTag(repo, manifest, 'keeper-protect-1');

    // Assess
    expect(outcome).toBe('added');
    expect(ecrMock).toReceiveCommandExactlyOnceWith(PutImageCommand, {
      repositoryName: 'team/api',
      imageManifest: manifest.body,
      imageManifestMediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      imageDigest: manifest.digest,
      imageTag: 'keeper-protect-1',
    });
    const sent = ecrMock.commandCalls(PutImageCommand)[0]?.args[0].input.imageManifest;
    expect(sent).toBe(manifest.body);
  });

  it('reports already-present when the image already has the tag', async () => {
    // Prepare
    ecrMock.on(PutImageCommand).rejects(new ImageAlreadyExistsException({ message: 'exists', $metadata: {} }));

    // Act
    const outcome = await adapter().putImageTag(repo, manifest, 'keeper-protect-1');

    // Assess
    expect(outcome).toBe('already-present');
  });

  it('fails when an immutable tag is held by another image', async () => {
    // Prepare
    ecrMock.on(PutImageCommand).rejects(new ImageTagAlreadyExistsException({ message: 'immutable', $metadata: {} }));

    // Act
    const result = adapter().putImageTag(repo, manifest, 'latest');

    // Assess
    await expect(result).rejects.toMatchObject({ action: 'ecr:PutImage', awsCode: 'ImageTagAlreadyExistsException', repository: 'team/api' });
  });
});

describe('Function: removeImageTag', () => {
  it('deletes by tag only', async () => {
    // Prepare
    ecrMock.on(BatchDeleteImageCommand).resolves({ imageIds: [{ imageTag: 'keeper-protect-1' }], failures: [] });

    // Act
    await adapter().removeImageTag(repo, 'keeper-protect-1');

    // Assess
    expect(ecrMock).toReceiveCommandExactlyOnceWith(BatchDeleteImageCommand, {
      repositoryName: 'team/api',
      imageIds: [{ imageTag: 'keeper-protect-1' }],
    });
  });

  it('turns a reported failure into AwsCallError with the failure code', async () => {
    // Prepare
    ecrMock.on(BatchDeleteImageCommand).resolves({
      imageIds: [],
      failures: [{ imageId: { imageTag: 'x' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }],
    });

    // Act
    const result = adapter().removeImageTag(repo, 'x');

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', action: 'ecr:BatchDeleteImage', awsCode: 'ImageNotFound' });
  });
});
