/**
 * A deliberately naive reference model of ECR lifecycle policy evaluation, written from the AWS
 * documentation (see ../shared/docs/ecr-facts.md, "How ECR evaluates a policy") and nothing else:
 * no shared code with `src/lib/policy/simulate.ts`, no optimisation, one rule and one image at a time.
 * Property tests compare the project's simulator with it, and the model-based sweep test checks its
 * invariants with both.
 *
 * - Rules are applied by ascending priority; each looks at the whole repository (storage class of
 *   the selection, `standard` by default).
 * - `tagPatternList` / `tagPrefixList` entries are ANDed: every entry must match some tag of the image.
 * - `imageCountMoreThan N` marks every candidate after the N newest (push time, `lastActivatedAt`
 *   for a restored image; ties: the smaller digest counts as newer); `since…` rules mark candidates
 *   strictly older than N days (`sinceImagePulled` falls back to push time, `sinceImageTransitioned`
 *   to push time when `lastArchivedAt` is missing).
 * - The first rule whose selection matches an image claims it: a lower rule never acts on it.
 * - `referenceVerdicts` adds referrers: an image whose `subjectDigest` names an expiring image of the
 *   listing expires with it (transitively). Only expiry is followed, not transition.
 */
import type { Digest, ImageRecord } from '../../src/lib/domain/types.js';
import type { LifecyclePolicy, Rule, Selection } from '../../src/lib/policy/types.js';

const DAY_MS = 86_400_000;

/** What the reference decides for one image: the acting (or claiming) rule's priority, if any. */
export interface ReferenceOutcome {
  readonly kind: 'keep' | 'expire' | 'transition';
  readonly rulePriority: number | undefined;
}

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/** Whole-tag match where `*` matches any run of characters. */
export const referenceTagMatch = (tag: string, pattern: string): boolean =>
  new RegExp(`^${pattern.split('*').map(escapeRegex).join('.*')}$`, 's').test(tag);

/** Whether a rule's selection matches an image (storage class, tag status, ANDed tag lists). */
export const referenceSelects = (selection: Selection, image: ImageRecord): boolean => {
  if ((selection.storageClass ?? 'standard') !== image.storageClass) return false;
  if (selection.tagStatus === 'any') return true;
  if (selection.tagStatus === 'untagged') return image.tags.length === 0;
  if (image.tags.length === 0) return false;
  const patterns = selection.tagPatternList ?? [];
  const prefixes = selection.tagPrefixList ?? [];
  return (
    patterns.every((p) => image.tags.some((tag) => referenceTagMatch(tag, p))) &&
    prefixes.every((p) => image.tags.some((tag) => tag.startsWith(p)))
  );
};

/** The time ECR ages an image by: its last restore from archive, else its push. */
export const referenceEffectivePush = (image: ImageRecord): number => (image.lastActivatedAt ?? image.pushedAt).getTime();

/** Comparator: newest first; on equal times the smaller digest counts as the newer. */
export const referenceNewestFirst = (a: ImageRecord, b: ImageRecord): number =>
  referenceEffectivePush(b) - referenceEffectivePush(a) || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);

/** Whether `rule` marks `image`, the candidate at `rank` (0 = newest) of the rule's selection, at `now`. */
export const referenceMarked = (rule: Rule, image: ImageRecord, rank: number, now: Date): boolean => {
  const { countType, countNumber } = rule.selection;
  if (countType === 'imageCountMoreThan') return rank >= countNumber;
  const base =
    countType === 'sinceImagePulled'
      ? (image.lastPulledAt?.getTime() ?? referenceEffectivePush(image))
      : countType === 'sinceImageTransitioned'
        ? (image.lastArchivedAt?.getTime() ?? referenceEffectivePush(image))
        : referenceEffectivePush(image);
  return base < now.getTime() - countNumber * DAY_MS;
};

/** Per digest: the acting rule's kind and priority, or keep with the claiming rule's priority (rules only). */
export const referenceSimulate = (policy: LifecyclePolicy, images: readonly ImageRecord[], now: Date): Map<Digest, ReferenceOutcome> => {
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const sorted = [...images].sort(referenceNewestFirst);
  const outcome = new Map<Digest, ReferenceOutcome>();
  for (const image of images) outcome.set(image.digest, { kind: 'keep', rulePriority: undefined });
  const claimed = new Set<Digest>();
  for (const rule of rules) {
    const candidates = sorted.filter((image) => referenceSelects(rule.selection, image));
    candidates.forEach((image, rank) => {
      if (claimed.has(image.digest)) return;
      claimed.add(image.digest);
      outcome.set(image.digest, { kind: referenceMarked(rule, image, rank, now) ? rule.action.type : 'keep', rulePriority: rule.rulePriority });
    });
  }
  return outcome;
};

/**
 * `referenceSimulate` plus referrers: a referrer (`subjectDigest`) of an image that expires expires
 * with it, transitively ("Referrers follow their subject"). A referrer whose subject is kept, archived
 * or absent from the listing keeps the rules' own outcome. No image index model (no `childDigests`).
 */
export const referenceVerdicts = (policy: LifecyclePolicy, images: readonly ImageRecord[], now: Date): Map<Digest, ReferenceOutcome> => {
  const outcome = referenceSimulate(policy, images, now);
  for (let changed = true; changed; ) {
    changed = false;
    for (const image of images) {
      const subject = image.subjectDigest === undefined ? undefined : outcome.get(image.subjectDigest);
      if (subject?.kind !== 'expire' || outcome.get(image.digest)?.kind === 'expire') continue;
      outcome.set(image.digest, { kind: 'expire', rulePriority: subject.rulePriority });
      changed = true;
    }
  }
  return outcome;
};
