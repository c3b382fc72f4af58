import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Digest, ImageRecord } from '../../../src/lib/domain/types.js';
import { packListing } from '../../../src/lib/domain/packed-listing.js';
import { fcRuns } from '../../fuzz-setup.js';

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
const digest = hex64.map((hex) => `sha256:${hex}` as Digest);
// Mostly what ECR gives; now and then what it never does (the packer must still give it back).
const anyDigest = fc.oneof({ weight: 9, arbitrary: digest }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((s) => s as Digest) });
const tag = fc.oneof({ weight: 9, arbitrary: fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
const date = fc.oneof(
  { weight: 9, arbitrary: fc.date({ min: new Date('2015-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }) },
  { weight: 1, arbitrary: fc.constant(new Date(Number.NaN)) },
);
const mediaType = fc.constantFrom('application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json', 'x');

const record: fc.Arbitrary<ImageRecord> = fc.record(
  {
    digest: anyDigest,
    tags: fc.uniqueArray(tag, { maxLength: 4 }),
    pushedAt: date,
    lastActivatedAt: fc.option(date, { nil: undefined }),
    lastPulledAt: fc.option(date, { nil: undefined }),
    lastArchivedAt: fc.option(date, { nil: undefined }),
    storageClass: fc.constantFrom('standard' as const, 'archive' as const),
    sizeBytes: fc.option(fc.nat({ max: 2 ** 40 }), { nil: undefined }),
    manifestMediaType: fc.option(mediaType, { nil: undefined }),
    artifactMediaType: fc.option(mediaType, { nil: undefined }),
    subjectDigest: fc.option(digest, { nil: undefined }),
    childDigests: fc.option(fc.array(digest, { maxLength: 3 }), { nil: undefined }),
  },
  { requiredKeys: ['digest', 'tags', 'pushedAt', 'storageClass'] },
);

/** Tag → digest over records, as the read-ahead resolved tags before listings were packed. */
const tagsOver = (images: readonly ImageRecord[], wanted: ReadonlySet<string>): Map<string, Digest> => {
  const found = new Map<string, Digest>();
  for (const image of images) for (const t of image.tags) if (wanted.has(t)) found.set(t, image.digest);
  return found;
};

/** A record as plain values (Dates as their time, NaN included), so equality is exact. */
const plain = (image: ImageRecord): unknown =>
  Object.fromEntries(
    Object.entries(image)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v instanceof Date ? `date:${v.getTime()}` : v]),
  );

describe('Function: packListing (properties)', () => {
  it('unpacks to records equal to the ones packed, in the same order', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 40 }), (images) => {
        const unpacked = packListing(images).unpack();
        expect(unpacked.map(plain)).toEqual(images.map(plain));
        expect(packListing(images).length).toBe(images.length);
      }),
      { numRuns: fcRuns(4_000) },
    );
  });

  it('resolves tags to the digests that hold them without unpacking, as over the records', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 40 }), fc.array(tag, { maxLength: 6 }), (images, asked) => {
        const wanted = new Set([...asked, ...images.slice(0, 3).flatMap((i) => i.tags.slice(0, 1))]);
        expect(packListing(images).tagsIn(wanted)).toEqual(tagsOver(images, wanted));
      }),
      { numRuns: fcRuns(4_000) },
    );
  });
});
