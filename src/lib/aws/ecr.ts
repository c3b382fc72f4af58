/**
 * The ECR adapter: `EcrPort` over a real `ECRClient`. Lists with the SDK paginators only,
 * and keeps manifests as the exact strings ECR returned (a re-serialised manifest has another digest).
 */
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  ListTagsForResourceCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  paginateDescribeImages,
  paginateDescribeRepositories,
  type ECRClient,
  type ImageDetail,
  type Repository as SdkRepository,
} from '@aws-sdk/client-ecr';
import { AwsCallError } from '../errors.js';
import { imageRecordFromDetail } from '../domain/image-record.js';
import type { ImageRecord } from '../domain/types.js';
import {
  isDigest,
  toAccountId,
  toRepositoryName,
  type Digest,
  type Region,
  type Repository,
  type RepositoryName,
  type TagMutability,
} from '../domain/types.js';
import { awsErrorName, callAws, chunksOf, pagesOf, toAwsCallError, type AdapterOptions } from './actions.js';
import type { EcrPort, Manifest, PutTagOutcome, StoredPolicy } from './ports.js';

/**
 * Every manifest media type ECR stores. `BatchGetImage` may convert a manifest to a type the caller
 * accepts, which changes its digest; accepting all of them returns the stored bytes unchanged.
 */
export const ACCEPTED_MANIFEST_MEDIA_TYPES = [
  'application/vnd.docker.distribution.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
] as const;

/** Largest page `DescribeRepositories` / `DescribeImages` accept (default 100). */
const MAX_PAGE = 1000;
/** `DescribeImages` and `BatchGetImage` accept at most 100 image ids per call. */
const MAX_IMAGE_IDS = 100;

const TAG_MUTABILITIES: readonly TagMutability[] = ['MUTABLE', 'IMMUTABLE', 'IMMUTABLE_WITH_EXCLUSION', 'MUTABLE_WITH_EXCLUSION'];

/** Maps ECR's `Repository` to the domain type; an unknown mutability is read as `IMMUTABLE` (the stricter). */
export const repositoryFromSdk = (repository: SdkRepository, region: Region): Repository => {
  const mutability = repository.imageTagMutability ?? 'MUTABLE';
  return {
    name: toRepositoryName(repository.repositoryName ?? ''),
    arn: repository.repositoryArn ?? '',
    registryId: toAccountId(repository.registryId ?? ''),
    region,
    uri: repository.repositoryUri ?? '',
    tagMutability: TAG_MUTABILITIES.find((m) => m === mutability) ?? 'IMMUTABLE',
    createdAt: repository.createdAt,
  };
};

const repositoryOfArn = (arn: string): string | undefined => arn.split(':repository/')[1];

/** Builds the ECR port of one region over `client`; every method throws `AwsCallError` naming its IAM action. */
export const createEcrAdapter = (client: ECRClient, region: Region, options: AdapterOptions = {}): EcrPort => {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };

  /** Tag → digest for the tags found among `details`. */
  const collectTags = (details: readonly ImageDetail[], wanted: ReadonlySet<string>, into: Map<string, Digest>): void => {
    for (const detail of details) {
      const digest = detail.imageDigest;
      if (digest === undefined || !isDigest(digest)) continue;
      for (const tag of detail.imageTags ?? []) if (wanted.has(tag)) into.set(tag, digest);
    }
  };

  const describeByTags = async (repository: RepositoryName, tags: readonly string[]): Promise<ImageDetail[]> => {
    const output = await client.send(
      new DescribeImagesCommand({ repositoryName: repository, imageIds: tags.map((imageTag) => ({ imageTag })) }),
      send,
    );
    return output.imageDetails ?? [];
  };

  return {
    region,

    async *listRepositories() {
      const pages = paginateDescribeRepositories({ client, pageSize: MAX_PAGE }, {}, send);
      for await (const page of pagesOf('ecr:DescribeRepositories', undefined, pages)) {
        for (const repository of page.repositories ?? []) yield repositoryFromSdk(repository, region);
      }
    },

    async describeRepository(name) {
      let output;
      try {
        output = await client.send(new DescribeRepositoriesCommand({ repositoryNames: [name] }), send);
      } catch (error) {
        if (awsErrorName(error) === 'RepositoryNotFoundException') return undefined;
        throw toAwsCallError(error, 'ecr:DescribeRepositories', name);
      }
      const repository = output.repositories?.[0];
      return repository === undefined ? undefined : repositoryFromSdk(repository, region);
    },

    async listImages(repository) {
      // DescribeImages returns only ACTIVE images unless filter.imageStatus says ANY;
      // archived images are subject to archive rules and must be seen too.
      const pages = paginateDescribeImages(
        { client, pageSize: MAX_PAGE },
        { repositoryName: repository, filter: { imageStatus: 'ANY' } },
        send,
      );
      const images: ImageRecord[] = [];
      for await (const page of pagesOf('ecr:DescribeImages', repository, pages)) {
        for (const detail of page.imageDetails ?? []) images.push(imageRecordFromDetail(detail, `${repository}.imageDetails[${images.length}]`));
      }
      return images;
    },

    async repositoryTags(repositoryArn) {
      const output = await callAws('ecr:ListTagsForResource', repositoryOfArn(repositoryArn), () =>
        client.send(new ListTagsForResourceCommand({ resourceArn: repositoryArn }), send),
      );
      const tags: Record<string, string> = {};
      for (const tag of output.tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
      return tags;
    },

    async getLifecyclePolicy(repository): Promise<StoredPolicy | undefined> {
      try {
        const output = await client.send(new GetLifecyclePolicyCommand({ repositoryName: repository }), send);
        if (output.lifecyclePolicyText === undefined) return undefined;
        return { text: output.lifecyclePolicyText, lastEvaluatedAt: output.lastEvaluatedAt };
      } catch (error) {
        if (awsErrorName(error) === 'LifecyclePolicyNotFoundException') return undefined;
        throw toAwsCallError(error, 'ecr:GetLifecyclePolicy', repository);
      }
    },

    async resolveTags(repository, tags) {
      // DescribeImages rather than BatchGetImage: BatchGetImage counts as a pull and would refresh
      // lastRecordedPullTime, which sinceImagePulled rules read. DescribeImages fails the whole call
      // with ImageNotFoundException when any id is missing, and says which one only in prose; so
      // then the repository's tagged images are listed once (1,000 a page) and every tag still
      // wanted is found there, rather than one call per tag of the chunk.
      const found = new Map<string, Digest>();
      const wanted = new Set(tags);
      for (const chunk of chunksOf([...wanted], MAX_IMAGE_IDS)) {
        try {
          collectTags(await describeByTags(repository, chunk), wanted, found);
        } catch (error) {
          if (awsErrorName(error) !== 'ImageNotFoundException') throw toAwsCallError(error, 'ecr:DescribeImages', repository);
          const pages = paginateDescribeImages(
            { client, pageSize: MAX_PAGE },
            { repositoryName: repository, filter: { tagStatus: 'TAGGED', imageStatus: 'ANY' } },
            send,
          );
          for await (const page of pagesOf('ecr:DescribeImages', repository, pages)) collectTags(page.imageDetails ?? [], wanted, found);
          return found;
        }
      }
      return found;
    },

    async getManifests(repository, digests): Promise<ReadonlyMap<Digest, Manifest>> {
      const manifests = new Map<Digest, Manifest>();
      for (const chunk of chunksOf([...new Set(digests)], MAX_IMAGE_IDS)) {
        const output = await callAws('ecr:BatchGetImage', repository, () =>
          client.send(
            new BatchGetImageCommand({
              repositoryName: repository,
              imageIds: chunk.map((imageDigest) => ({ imageDigest })),
              acceptedMediaTypes: [...ACCEPTED_MANIFEST_MEDIA_TYPES],
            }),
            send,
          ),
        );
        const asked = new Set<string>(chunk);
        for (const failure of output.failures ?? []) {
          if (failure.failureCode === 'ImageNotFound') continue;
          const which = failure.imageId?.imageDigest ?? (chunk.length === 1 ? chunk[0] : undefined) ?? 'an image';
          throw new AwsCallError(
            `ecr:BatchGetImage failed for ${which} (repository ${repository}): ${failure.failureCode ?? 'unknown'}: ${failure.failureReason ?? ''}`,
            { action: 'ecr:BatchGetImage', repository, ...(failure.failureCode === undefined ? {} : { awsCode: failure.failureCode }) },
          );
        }
        for (const image of output.images ?? []) {
          // Asked by digest, so each image names its digest; a lone id needs no matching.
          const digest = image.imageId?.imageDigest ?? (chunk.length === 1 ? chunk[0] : undefined);
          if (digest === undefined || !asked.has(digest) || !isDigest(digest) || image.imageManifest === undefined) continue;
          // Media type from the response: PutImage of an OCI manifest without a `mediaType` field fails otherwise.
          const mediaType = image.imageManifestMediaType;
          if (mediaType === undefined) {
            throw new AwsCallError(`ecr:BatchGetImage returned no media type for ${digest} (repository ${repository})`, {
              action: 'ecr:BatchGetImage',
              repository,
            });
          }
          manifests.set(digest, { digest, body: image.imageManifest, mediaType });
        }
      }
      return manifests;
    },

    async putLifecyclePolicy(repository, policyText) {
      await callAws('ecr:PutLifecyclePolicy', repository, () =>
        client.send(new PutLifecyclePolicyCommand({ repositoryName: repository, lifecyclePolicyText: policyText }), send),
      );
    },

    async putImageTag(repository, manifest, tag): Promise<PutTagOutcome> {
      try {
        // The manifest string goes back byte for byte, with the digest so ECR refuses a mismatch.
        await client.send(
          new PutImageCommand({
            repositoryName: repository,
            imageManifest: manifest.body,
            imageManifestMediaType: manifest.mediaType,
            imageDigest: manifest.digest,
            imageTag: tag,
          }),
          send,
        );
        return 'added';
      } catch (error) {
        if (awsErrorName(error) === 'ImageAlreadyExistsException') return 'already-present';
        throw toAwsCallError(error, 'ecr:PutImage', repository);
      }
    },

    async removeImageTag(repository, tag) {
      const output = await callAws('ecr:BatchDeleteImage', repository, () =>
        client.send(new BatchDeleteImageCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }), send),
      );
      const failure = output.failures?.[0];
      if (failure !== undefined) {
        throw new AwsCallError(
          `ecr:BatchDeleteImage could not remove tag ${tag} (repository ${repository}): ${failure.failureCode ?? 'unknown'}: ${failure.failureReason ?? ''}`,
          { action: 'ecr:BatchDeleteImage', repository, ...(failure.failureCode === undefined ? {} : { awsCode: failure.failureCode }) },
        );
      }
    },
  };
};
