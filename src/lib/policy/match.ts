/**
 * The project's one glob matcher, and which images a lifecycle rule's `selection` picks, exactly
 * as ECR decides it. Pure: no AWS SDK import.
 */
import type { ImageRecord } from '../domain/types.js';
import type { Selection } from './types.js';

const STAR = 0x2a; // '*'

export interface GlobOptions {
  /** Compare after `toLowerCase()` on both sides. Off by default. */
  readonly caseInsensitive?: boolean | undefined;
}

/**
 * True when `value` matches `pattern` as a whole, where `*` matches any run of characters
 * (including none) and every other character matches itself only. Case-sensitive unless
 * `caseInsensitive` is set. Its uses and their case rules:
 * - ECR `tagPatternList` entries (`selectionMatches`): case-sensitive, whole tag, `*` any run;
 *   ECR's documented semantics, so `prod*` does not match `Prod-1`.
 * - Repository name exclusions (`exclusions.repositoryPatterns`, planner): case-sensitive; ECR's
 *   repository name grammar allows lower case only, so a pattern with upper case matches nothing.
 * - Environment name patterns (`environmentResolution.namePatterns`): case-insensitive, as the
 *   README documents, since ECS cluster and service names are chosen freely (`STG-blue`).
 * The emulator patch (test/emulator/moto_server.py `_wildcard`) follows the same rule, case-sensitive.
 *
 * The usual greedy two-pointer match: on a mismatch, the last `*` takes one more character.
 * At most |value| × |pattern| steps; no backtracking blow-up as a naive regex can have.
 */
export const globMatches = (value: string, pattern: string, options?: GlobOptions): boolean => {
  const text = options?.caseInsensitive === true ? value.toLowerCase() : value;
  const glob = options?.caseInsensitive === true ? pattern.toLowerCase() : pattern;
  let t = 0;
  let g = 0;
  let star = -1; // position in `glob` of the last `*` seen
  let starText = 0; // where in `text` that `*`'s run currently ends
  while (t < text.length) {
    const c = g < glob.length ? glob.charCodeAt(g) : -1;
    if (c === STAR) {
      star = g++;
      starText = t;
    } else if (c === text.charCodeAt(t)) {
      g++;
      t++;
    } else if (star >= 0) {
      g = star + 1;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (glob.charCodeAt(g) === STAR) g++;
  return g === glob.length;
};

const NO_ENTRIES: readonly string[] = [];

/**
 * True when the selection picks the image:
 * - Storage class: an absent `storageClass` means `standard`; an archived image is only ever
 *   selected by `archive` rules and a standard image only by standard rules.
 * - `untagged` picks images without tags; `any` picks every image of the storage class (tag lists
 *   are ignored, as ECR refuses them there).
 * - `tagged` picks tagged images for which EVERY list entry matches SOME tag of the image (the
 *   lists are ANDed, per the ECR user guide): a `tagPatternList` entry by `globMatches`
 *   (case-sensitive), a `tagPrefixList` entry as a prefix. A `tagged` selection without a list,
 *   which ECR rejects, is read as "every tagged image".
 * The simulator and the apply-order check both use this function.
 */
export const selectionMatches = (selection: Selection, image: ImageRecord): boolean => {
  if (image.storageClass !== (selection.storageClass ?? 'standard')) return false;
  switch (selection.tagStatus) {
    case 'any':
      return true;
    case 'untagged':
      return image.tags.length === 0;
    case 'tagged': {
      const { tags } = image;
      if (tags.length === 0) return false;
      for (const pattern of selection.tagPatternList ?? NO_ENTRIES) {
        if (!tags.some((tag) => globMatches(tag, pattern))) return false;
      }
      for (const prefix of selection.tagPrefixList ?? NO_ENTRIES) {
        if (!tags.some((tag) => tag.startsWith(prefix))) return false;
      }
      return true;
    }
  }
};

