/**
 * A repository listing packed for holding while it waits (the sweep reads repositories ahead while
 * the consumers are read, and plans them only once the in-use set is whole). An `ImageRecord` costs
 * about 500 bytes of heap (its digest string, two or three Date objects, the tag array, the media
 * type string); packed, an image costs about 100: the digest as 32 bytes, the times as numbers, the
 * media types as indexes into a table, and the tags as one string. Unpacking gives back records equal
 * to the ones packed. Pure: no AWS SDK import.
 */
import { isDigest, type Digest, type ImageRecord } from './types.js';

/** A listing held packed (see the module comment). */
export interface PackedListing {
  /** Images in the listing. */
  readonly length: number;
  /** Tag → digest for the tags asked, read without unpacking (resolving a workload's tag). */
  tagsIn(wanted: ReadonlySet<string>): Map<string, Digest>;
  /** The records, in listing order, equal to the ones packed. */
  unpack(): ImageRecord[];
}

const DIGEST_PREFIX = 'sha256:';
/** Between the tags of one image: no OCI tag holds a line break. */
const TAG_SEPARATOR = '\n';
const NO_TAGS = '';
/** Times per image, in this order. */
const TIMES = 4;
const validDate = (date: Date | undefined): boolean => date === undefined || !Number.isNaN(date.getTime());

/** Whether `image` packs exactly (see `Packed.whole`). */
const packable = (image: ImageRecord): boolean =>
  isDigest(image.digest) &&
  image.tags.every((t) => t !== NO_TAGS && !t.includes(TAG_SEPARATOR)) &&
  validDate(image.pushedAt) &&
  validDate(image.lastActivatedAt) &&
  validDate(image.lastPulledAt) &&
  validDate(image.lastArchivedAt);

class Packed implements PackedListing {
  readonly length: number;
  /** 32 bytes a digest (a Buffer: it converts hex both ways natively). */
  private readonly digests: Buffer;
  /**
   * Images kept as they are: a digest that is not `sha256:` + 64 lower-case hex, a tag holding the
   * separator, an invalid date. None comes from ECR (the adapter refuses them); kept so that unpacking
   * gives back exactly what was packed, whatever it was.
   */
  private readonly whole = new Map<number, ImageRecord>();
  /** pushedAt, lastActivatedAt, lastPulledAt, lastArchivedAt in epoch ms; NaN when absent. */
  private readonly times: Float64Array;
  /** sizeBytes; NaN when absent. */
  private readonly sizes: Float64Array;
  /** 1 for archive storage. */
  private readonly archived: Uint8Array;
  /** manifestMediaType and artifactMediaType, each 1 + its index in `mediaTypes`; 0 when absent. */
  private readonly mediaTypeAt: Uint16Array;
  private readonly mediaTypes: string[] = [];
  /** Each image's tags joined by TAG_SEPARATOR (a lone tag is kept as it is). */
  private readonly tags: string[];
  private readonly subjects = new Map<number, Digest>();
  private readonly children = new Map<number, readonly Digest[]>();

  constructor(images: readonly ImageRecord[]) {
    const n = images.length;
    this.length = n;
    this.digests = Buffer.alloc(32 * n);
    this.times = new Float64Array(TIMES * n);
    this.sizes = new Float64Array(n);
    this.archived = new Uint8Array(n);
    this.mediaTypeAt = new Uint16Array(2 * n);
    this.tags = new Array<string>(n);
    const typeIndex = new Map<string, number>();
    const typeOf = (type: string | undefined): number => {
      if (type === undefined) return 0;
      let index = typeIndex.get(type);
      if (index === undefined) {
        index = this.mediaTypes.push(type);
        typeIndex.set(type, index);
      }
      return index;
    };
    for (let i = 0; i < n; i++) {
      const image = images[i] as ImageRecord;
      this.tags[i] = NO_TAGS;
      if (!packable(image)) {
        this.whole.set(i, image);
        continue;
      }
      this.digests.write(image.digest.slice(DIGEST_PREFIX.length), 32 * i, 32, 'hex');
      this.times[TIMES * i] = image.pushedAt.getTime();
      this.times[TIMES * i + 1] = image.lastActivatedAt?.getTime() ?? Number.NaN;
      this.times[TIMES * i + 2] = image.lastPulledAt?.getTime() ?? Number.NaN;
      this.times[TIMES * i + 3] = image.lastArchivedAt?.getTime() ?? Number.NaN;
      this.sizes[i] = image.sizeBytes ?? Number.NaN;
      this.archived[i] = image.storageClass === 'archive' ? 1 : 0;
      this.mediaTypeAt[2 * i] = typeOf(image.manifestMediaType);
      this.mediaTypeAt[2 * i + 1] = typeOf(image.artifactMediaType);
      const tags = image.tags;
      this.tags[i] = tags.length === 0 ? NO_TAGS : tags.length === 1 ? (tags[0] as string) : tags.join(TAG_SEPARATOR);
      if (image.subjectDigest !== undefined) this.subjects.set(i, image.subjectDigest);
      if (image.childDigests !== undefined) this.children.set(i, [...image.childDigests]);
    }
  }

  private digestAt(i: number): Digest {
    const kept = this.whole.get(i);
    if (kept !== undefined) return kept.digest;
    return `${DIGEST_PREFIX}${this.digests.toString('hex', 32 * i, 32 * i + 32)}` as Digest;
  }

  private tagsAt(i: number): readonly string[] {
    const kept = this.whole.get(i);
    if (kept !== undefined) return kept.tags;
    const joined = this.tags[i] as string;
    return joined === NO_TAGS ? [] : joined.split(TAG_SEPARATOR);
  }

  private timeAt(i: number, field: number): Date | undefined {
    const ms = this.times[TIMES * i + field] as number;
    return Number.isNaN(ms) ? undefined : new Date(ms);
  }

  tagsIn(wanted: ReadonlySet<string>): Map<string, Digest> {
    const found = new Map<string, Digest>();
    for (let i = 0; i < this.length; i++) {
      if (this.tags[i] === NO_TAGS && !this.whole.has(i)) continue;
      for (const tag of this.tagsAt(i)) if (wanted.has(tag)) found.set(tag, this.digestAt(i));
    }
    return found;
  }

  unpack(): ImageRecord[] {
    const images = new Array<ImageRecord>(this.length);
    for (let i = 0; i < this.length; i++) {
      const kept = this.whole.get(i);
      if (kept !== undefined) {
        images[i] = kept;
        continue;
      }
      const size = this.sizes[i] as number;
      const manifestType = this.mediaTypeAt[2 * i] as number;
      const artifactType = this.mediaTypeAt[2 * i + 1] as number;
      const children = this.children.get(i);
      // The keys `imageRecordFromDetail` gives, in its order.
      images[i] = {
        digest: this.digestAt(i),
        tags: this.tagsAt(i),
        pushedAt: this.timeAt(i, 0) as Date,
        lastActivatedAt: this.timeAt(i, 1),
        lastPulledAt: this.timeAt(i, 2),
        lastArchivedAt: this.timeAt(i, 3),
        storageClass: this.archived[i] === 1 ? 'archive' : 'standard',
        sizeBytes: Number.isNaN(size) ? undefined : size,
        manifestMediaType: manifestType === 0 ? undefined : this.mediaTypes[manifestType - 1],
        artifactMediaType: artifactType === 0 ? undefined : this.mediaTypes[artifactType - 1],
        subjectDigest: this.subjects.get(i),
        ...(children === undefined ? {} : { childDigests: [...children] }),
      };
    }
    return images;
  }
}

/** Packs `images` for holding (see the module comment). */
export const packListing = (images: readonly ImageRecord[]): PackedListing => new Packed(images);
