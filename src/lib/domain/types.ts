/**
 * Domain vocabulary shared by the pure core and the adapters.
 * Identifiers are branded so a digest is never passed where a repository name is expected.
 */

declare const brand: unique symbol;
/** A string that has been checked to be of kind `B`. */
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** An ECR repository name, e.g. `team/api`. */
export type RepositoryName = Brand<string, 'RepositoryName'>;
/** A content digest, always `sha256:` followed by 64 lower-case hex characters. */
export type Digest = Brand<string, 'Digest'>;
/** An AWS region code, e.g. `eu-west-1`. */
export type Region = Brand<string, 'Region'>;
/** A 12-digit AWS account id (also an ECR registry id). */
export type AccountId = Brand<string, 'AccountId'>;

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REPOSITORY = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
// Every partition's shape: `us-east-1`, `us-gov-west-1`, `cn-north-1`, `us-isob-east-1`, `eusc-de-east-1`.
const REGION = /^(?:[a-z]{2}|eusc)(?:-[a-z]+)+-\d$/;
const ACCOUNT = /^\d{12}$/;

/** True when `value` is a sha256 digest in canonical form. */
export const isDigest = (value: string): value is Digest => DIGEST.test(value);
/** True when `value` follows ECR's repository name grammar (2–256 characters). */
export const isRepositoryName = (value: string): value is RepositoryName =>
  value.length >= 2 && value.length <= 256 && REPOSITORY.test(value);
/** Brands `value` as a repository name; throws `TypeError` if it breaks ECR's grammar. */
export const toRepositoryName = (value: string): RepositoryName => {
  if (!isRepositoryName(value)) throw new TypeError(`not an ECR repository name: ${JSON.stringify(value)}`);
  return value;
};
/** True when `value` looks like an AWS region code. */
export const isRegion = (value: string): value is Region => REGION.test(value);
/** Brands `value` as a region; throws `TypeError` if it is not shaped like one. */
export const toRegion = (value: string): Region => {
  if (!isRegion(value)) throw new TypeError(`not an AWS region: ${JSON.stringify(value)}`);
  return value;
};
/** Brands `value` as an account id; throws `TypeError` unless it is 12 digits. */
export const toAccountId = (value: string): AccountId => {
  if (!ACCOUNT.test(value)) throw new TypeError(`not a 12-digit AWS account id: ${JSON.stringify(value)}`);
  return value as AccountId;
};

/** Where an image lives: lifecycle rules select `standard` or `archive`. */
export type StorageClass = 'standard' | 'archive';

/**
 * One image as the lifecycle model sees it. Built from ECR's `ImageDetail`
 * (see `imageRecordFromDetail`); the simulator needs nothing else.
 */
export interface ImageRecord {
  readonly digest: Digest;
  readonly tags: readonly string[];
  /** `imagePushedAt`. */
  readonly pushedAt: Date;
  /** `lastActivatedAt`: set when the image was restored from archive; it then counts as the push time. */
  readonly lastActivatedAt?: Date | undefined;
  /** `lastRecordedPullTime`: read by `sinceImagePulled`; absent when never pulled. */
  readonly lastPulledAt?: Date | undefined;
  /** `lastArchivedAt`: read by `sinceImageTransitioned`. */
  readonly lastArchivedAt?: Date | undefined;
  readonly storageClass: StorageClass;
  readonly sizeBytes?: number | undefined;
  readonly manifestMediaType?: string | undefined;
  readonly artifactMediaType?: string | undefined;
  /** `subjectManifestDigest`: set on referrers (signatures, SBOMs); they follow their subject. */
  readonly subjectDigest?: Digest | undefined;
  /**
   * For an image index (manifest list): the digests of the manifests it references.
   * ECR keeps a child while its index exists. Known only from the manifest, so optional.
   */
  readonly childDigests?: readonly Digest[] | undefined;
}

/**
 * The subset of ECR's `ImageDetail` the project reads, typed structurally so the
 * pure core needs no SDK import. Both the SDK's objects and the JSON printed by
 * `aws ecr describe-images` (dates as ISO strings or epoch seconds) fit.
 */
export interface ImageDetailLike {
  readonly imageDigest?: string | undefined;
  readonly imageTags?: readonly string[] | undefined;
  readonly imagePushedAt?: Date | string | number | undefined;
  readonly imageSizeInBytes?: number | undefined;
  readonly imageManifestMediaType?: string | undefined;
  readonly artifactMediaType?: string | undefined;
  readonly lastRecordedPullTime?: Date | string | number | undefined;
  readonly subjectManifestDigest?: string | undefined;
  readonly imageStatus?: string | undefined;
  readonly lastArchivedAt?: Date | string | number | undefined;
  readonly lastActivatedAt?: Date | string | number | undefined;
}

/** ECR's tag mutability settings; adding a brand-new tag is allowed in every mode. */
export type TagMutability = 'MUTABLE' | 'IMMUTABLE' | 'IMMUTABLE_WITH_EXCLUSION' | 'MUTABLE_WITH_EXCLUSION';

/** A repository as the inventory sees it. */
export interface Repository {
  readonly name: RepositoryName;
  readonly arn: string;
  readonly registryId: AccountId;
  readonly region: Region;
  readonly uri: string;
  readonly tagMutability: TagMutability;
  readonly createdAt?: Date | undefined;
}

/** Why an image counts as in use: one workload reference, kept so every "keep" has a reason. */
export interface UseSource {
  /**
   * Which in-use source saw it (one module each under `src/lib/sources/`; the planner adds
   * `recent-pull` and `referrer` from the repository listing itself).
   */
  readonly kind:
    | 'task'
    | 'service-revision'
    | 'deployment-revision'
    | 'task-definition'
    | 'scheduled-rule'
    | 'schedule'
    | 'lambda'
    | 'batch'
    | 'inspector'
    | 'recent-pull'
    | 'referrer';
  readonly region: Region;
  /** The ECS cluster, for ECS workloads. */
  readonly cluster?: string | undefined;
  readonly service?: string | undefined;
  /** Task ARN or service revision ARN. */
  readonly arn: string;
  /** The image string as the workload wrote it (tag or `@sha256:` reference). */
  readonly image: string;
  /** The environment name resolved for the workload (see config). */
  readonly environment: string;
}

/** An image some workload may run, identified by registry, region, repository and digest. */
export interface InUseImage {
  readonly registryId: AccountId;
  readonly region: Region;
  readonly repository: RepositoryName;
  readonly digest: Digest;
  readonly environment: string;
  readonly uses: readonly UseSource[];
}
