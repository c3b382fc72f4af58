/**
 * Converts ECR's `ImageDetail` (SDK objects or the JSON printed by `aws ecr describe-images`)
 * into the `ImageRecord` the lifecycle model reads. Pure: no AWS SDK import.
 */
import { InputError } from '../errors.js';
import { isDigest, type Digest, type ImageDetailLike, type ImageRecord, type StorageClass } from './types.js';

type DateInput = Date | string | number | undefined;

// `aws ecr describe-images` prints epoch seconds (often with a fraction) when the CLI's
// timestamp format is `none`/`wire`, and ISO-8601 otherwise; the SDK hands us Date objects.
const EPOCH_SECONDS = /^\d+(?:\.\d+)?$/;
// 10^11 seconds is the year 5138, 10^11 milliseconds is 1973: a larger epoch is milliseconds.
const MAX_EPOCH_SECONDS = 1e11;
// A date and a time of day; the zone that must follow is checked apart, to name it in the error.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
const ZONE_SUFFIX = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** The instant, or why the value is refused: a wrong verdict from a misread date is worse than an error. */
const parseDate = (value: Exclude<DateInput, undefined>): Date | string => {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'is not a valid date' : new Date(value.getTime());
  const text = typeof value === 'number' ? String(value) : value.trim();
  if (typeof value === 'number' || EPOCH_SECONDS.test(text)) {
    const seconds = Number(text);
    if (!Number.isFinite(seconds)) return 'is not a valid date';
    if (seconds >= MAX_EPOCH_SECONDS)
      return 'looks like epoch milliseconds; give epoch seconds (as `aws ecr describe-images` prints them) or ISO-8601 with a zone';
    return new Date(seconds * 1000);
  }
  if (ISO_DATE_TIME.test(text) && !ZONE_SUFFIX.test(text))
    return 'has no time zone; add Z or an offset (e.g. 2026-11-23T12:00:00Z), as `aws ecr describe-images` prints it';
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? 'is not a valid date' : date;
};

// Field names (`${path}.${name}`) are built only for an error: a listing converts 100,000 details.
const optionalDate = (value: DateInput, path: string, name: string): Date | undefined => {
  if (value === undefined || value === null) return undefined;
  const date = parseDate(value);
  if (typeof date === 'string') throw new InputError(`${path}.${name} ${date}: ${JSON.stringify(value)}`, { field: `${path}.${name}` });
  return date;
};

const requiredDate = (value: DateInput, path: string, name: string): Date => {
  const date = optionalDate(value, path, name);
  if (date === undefined) throw new InputError(`${path}.${name} is missing`, { field: `${path}.${name}` });
  return date;
};

const digestField = (value: string | undefined, path: string, name: string, required: boolean): Digest | undefined => {
  if (value === undefined || value === null) {
    if (required) throw new InputError(`${path}.${name} is missing`, { field: `${path}.${name}` });
    return undefined;
  }
  if (!isDigest(value)) throw new InputError(`${path}.${name} is not a sha256 digest: ${JSON.stringify(value)}`, { field: `${path}.${name}` });
  return value;
};

/**
 * `ARCHIVED` and `ACTIVATING` images are in archive storage: an activating image is still being
 * restored and is not pullable until it becomes `ACTIVE`, so only archive rules can select it.
 * `ACTIVE`, a missing status (older APIs and CLI output) and any status unknown to us count as
 * standard: that exposes the image to the standard rules, so the simulator errs towards
 * predicting an expiry rather than hiding one.
 */
const storageClassOf = (imageStatus: string | undefined): StorageClass =>
  imageStatus === 'ARCHIVED' || imageStatus === 'ACTIVATING' ? 'archive' : 'standard';

/**
 * One string object per media type: each ImageDetail carries its own copy (about 80 bytes), and a
 * listing of 100,000 images holds two or three distinct ones. Bounded, for input of any kind.
 */
const mediaTypes = new Map<string, string>();
const MEDIA_TYPES_KEPT = 256;
const sharedMediaType = (type: string | undefined): string | undefined => {
  if (type === undefined) return undefined;
  const known = mediaTypes.get(type);
  if (known !== undefined) return known;
  if (mediaTypes.size < MEDIA_TYPES_KEPT) mediaTypes.set(type, type);
  return type;
};

/**
 * Builds an `ImageRecord` from one `ImageDetail`; `path` (e.g. `imageDetails[3]`) prefixes field
 * names in errors. Throws `InputError` naming the field when the digest or push time is missing
 * or invalid, or when an optional date or the subject digest is malformed.
 */
export const imageRecordFromDetail = (detail: ImageDetailLike, path = 'imageDetail'): ImageRecord => {
  const digest = digestField(detail.imageDigest, path, 'imageDigest', true) as Digest;
  const pushedAt = requiredDate(detail.imagePushedAt, path, 'imagePushedAt');
  return {
    digest,
    tags: [...(detail.imageTags ?? [])],
    pushedAt,
    lastActivatedAt: optionalDate(detail.lastActivatedAt, path, 'lastActivatedAt'),
    lastPulledAt: optionalDate(detail.lastRecordedPullTime, path, 'lastRecordedPullTime'),
    lastArchivedAt: optionalDate(detail.lastArchivedAt, path, 'lastArchivedAt'),
    storageClass: storageClassOf(detail.imageStatus),
    sizeBytes: detail.imageSizeInBytes,
    manifestMediaType: sharedMediaType(detail.imageManifestMediaType),
    artifactMediaType: sharedMediaType(detail.artifactMediaType),
    subjectDigest: digestField(detail.subjectManifestDigest, path, 'subjectManifestDigest', false),
  };
};
