/**
 * ECR lifecycle policy, as a typed value. Field names and lower-case values follow the
 * policy JSON accepted by `PutLifecyclePolicy` (the preview API answers in upper case).
 */
import type { Digest, ImageRecord, StorageClass } from '../domain/types.js';

export type TagStatus = 'tagged' | 'untagged' | 'any';
export type CountType = 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled' | 'sinceImageTransitioned';

export interface Selection {
  readonly tagStatus: TagStatus;
  /** Whole-tag patterns, `*` = any run of characters. Several entries are ANDed. */
  readonly tagPatternList?: readonly string[] | undefined;
  /** Tag prefixes. Several entries are ANDed. */
  readonly tagPrefixList?: readonly string[] | undefined;
  readonly countType: CountType;
  /** Only `days`, and only with the `since…` count types. */
  readonly countUnit?: 'days' | undefined;
  readonly countNumber: number;
  /** Defaults to `standard`; `archive` only with `sinceImageTransitioned`. */
  readonly storageClass?: StorageClass | undefined;
}

export type Action =
  | { readonly type: 'expire' }
  | { readonly type: 'transition'; readonly targetStorageClass: 'archive' };

export interface Rule {
  readonly rulePriority: number;
  readonly description?: string | undefined;
  readonly selection: Selection;
  readonly action: Action;
}

export interface LifecyclePolicy {
  readonly rules: readonly Rule[];
}

/** One problem found in a policy: where (`rules[2].selection.countUnit`) and what. */
export interface PolicyIssue {
  readonly path: string;
  readonly message: string;
}

/** What the simulator decided for one image. */
export type Decision =
  | {
      readonly kind: 'expire';
      readonly rulePriority: number;
      readonly reason: string;
    }
  | {
      readonly kind: 'transition';
      readonly rulePriority: number;
      readonly targetStorageClass: 'archive';
      readonly reason: string;
    }
  | {
      readonly kind: 'keep';
      /** The rule whose selection claimed the image, if any (it blocks all lower rules). */
      readonly rulePriority?: number | undefined;
      readonly reason: string;
    };

export interface ImageVerdict {
  readonly image: ImageRecord;
  readonly decision: Decision;
}

export interface SimulationResult {
  /** One verdict per input image, in input order. */
  readonly verdicts: readonly ImageVerdict[];
  /** Quick lookup by digest. */
  readonly byDigest: ReadonlyMap<Digest, ImageVerdict>;
  readonly summary: {
    readonly expiringImageTotalCount: number;
    readonly transitioningImageTotalCount: number;
    readonly expiringBytes: number;
    readonly transitioningBytes: number;
  };
}
