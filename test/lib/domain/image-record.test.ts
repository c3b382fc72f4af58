import { describe, expect, it } from 'vitest';
import { imageRecordFromDetail } from '../../../src/lib/domain/image-record.js';
import type { ImageDetailLike } from '../../../src/lib/domain/types.js';
import { InputError } from '../../../src/lib/errors.js';
import { digestOf, thrownBy } from '../../helpers/factories.js';

const DIGEST = digestOf('image-record');
const SUBJECT = digestOf('subject');

describe('Function: imageRecordFromDetail', () => {
  it('converts an SDK ImageDetail with Date fields', () => {
    // Prepare
    const detail: ImageDetailLike = {
      imageDigest: DIGEST,
      imageTags: ['v1', 'latest'],
      imagePushedAt: new Date('2024-01-01T10:00:00Z'),
      imageSizeInBytes: 1234,
      imageManifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactMediaType: 'application/vnd.oci.image.config.v1+json',
      lastRecordedPullTime: new Date('2024-02-01T00:00:00Z'),
      imageStatus: 'ACTIVE',
    };

    // Act
    const record = imageRecordFromDetail(detail);

    // Assess
    expect(record).toEqual({
      digest: DIGEST,
      tags: ['v1', 'latest'],
      pushedAt: new Date('2024-01-01T10:00:00Z'),
      lastActivatedAt: undefined,
      lastPulledAt: new Date('2024-02-01T00:00:00Z'),
      lastArchivedAt: undefined,
      storageClass: 'standard',
      sizeBytes: 1234,
      manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactMediaType: 'application/vnd.oci.image.config.v1+json',
      subjectDigest: undefined,
    });
  });

  it('parses the ISO strings printed by aws ecr describe-images', () => {
    // Prepare
    const detail: ImageDetailLike = {
      imageDigest: DIGEST,
      imagePushedAt: '2024-01-01T10:00:00+00:00',
      lastRecordedPullTime: '2024-03-05T12:30:00.123000+01:00',
    };

    // Act
    const record = imageRecordFromDetail(detail);

    // Assess
    expect(record.pushedAt.toISOString()).toBe('2024-01-01T10:00:00.000Z');
    expect(record.lastPulledAt?.toISOString()).toBe('2024-03-05T11:30:00.123Z');
  });

  it('parses epoch seconds, including fractions and numeric strings', () => {
    // Prepare
    const detail: ImageDetailLike = {
      imageDigest: DIGEST,
      imagePushedAt: 1704103200.5,
      lastArchivedAt: '1704103200',
      imageStatus: 'ARCHIVED',
    };

    // Act
    const record = imageRecordFromDetail(detail);

    // Assess
    expect(record.pushedAt.toISOString()).toBe('2024-01-01T10:00:00.500Z');
    expect(record.lastArchivedAt?.toISOString()).toBe('2024-01-01T10:00:00.000Z');
  });

  it('does not share Date or tag array instances with the input', () => {
    // Prepare
    const pushedAt = new Date('2024-01-01T00:00:00Z');
    const tags = ['v1'];

    // Act
    const record = imageRecordFromDetail({ imageDigest: DIGEST, imagePushedAt: pushedAt, imageTags: tags });
    pushedAt.setTime(0);
    tags.push('v2');

    // Assess
    expect(record.pushedAt.toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(record.tags).toEqual(['v1']);
  });

  it('defaults tags to an empty list', () => {
    // Act
    const record = imageRecordFromDetail({ imageDigest: DIGEST, imagePushedAt: 0 });

    // Assess
    expect(record.tags).toEqual([]);
  });

  it.each([
    ['ARCHIVED', 'archive'],
    ['ACTIVATING', 'archive'],
    ['ACTIVE', 'standard'],
    [undefined, 'standard'],
    ['SOMETHING_NEW', 'standard'],
  ])('maps imageStatus %s to storage class %s', (imageStatus, storageClass) => {
    // Act
    const record = imageRecordFromDetail({ imageDigest: DIGEST, imagePushedAt: 0, imageStatus });

    // Assess
    expect(record.storageClass).toBe(storageClass);
  });

  it('maps lastActivatedAt and subjectManifestDigest', () => {
    // Act
    const record = imageRecordFromDetail({
      imageDigest: DIGEST,
      imagePushedAt: 0,
      lastActivatedAt: '2024-06-01T00:00:00Z',
      subjectManifestDigest: SUBJECT,
    });

    // Assess
    expect(record.lastActivatedAt?.toISOString()).toBe('2024-06-01T00:00:00.000Z');
    expect(record.subjectDigest).toBe(SUBJECT);
  });

  it.each([
    [{ imagePushedAt: 0 }, 'imageDetails[3].imageDigest'],
    [{ imageDigest: 'sha256:abc', imagePushedAt: 0 }, 'imageDetails[3].imageDigest'],
    [{ imageDigest: DIGEST }, 'imageDetails[3].imagePushedAt'],
    [{ imageDigest: DIGEST, imagePushedAt: 'yesterday' }, 'imageDetails[3].imagePushedAt'],
    [{ imageDigest: DIGEST, imagePushedAt: Number.NaN }, 'imageDetails[3].imagePushedAt'],
    [{ imageDigest: DIGEST, imagePushedAt: new Date(Number.NaN) }, 'imageDetails[3].imagePushedAt'],
    [{ imageDigest: DIGEST, imagePushedAt: 0, lastRecordedPullTime: 'soon' }, 'imageDetails[3].lastRecordedPullTime'],
    [{ imageDigest: DIGEST, imagePushedAt: 0, subjectManifestDigest: 'md5:1' }, 'imageDetails[3].subjectManifestDigest'],
  ] satisfies [ImageDetailLike, string][])('throws InputError naming %j field %s', (detail, field) => {
    // Act
    const error = thrownBy(() => imageRecordFromDetail(detail, 'imageDetails[3]'));

    // Assess
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ field, message: expect.stringContaining(field) });
  });

  it.each([
    ['a millisecond epoch number', 1_704_103_200_000, /imagePushedAt looks like epoch milliseconds/],
    ['a millisecond epoch string', '1704103200000', /imagePushedAt looks like epoch milliseconds/],
    ['a time with no zone', '2024-01-01T10:00:00', /imagePushedAt has no time zone; add Z or an offset/],
    ['a time with a space and no zone', '2024-01-01 10:00', /imagePushedAt has no time zone/],
  ])('refuses %s rather than misread it, naming the field', (_name, imagePushedAt, message) => {
    // Act
    const error = thrownBy(() => imageRecordFromDetail({ imageDigest: DIGEST, imagePushedAt }, 'imageDetails[0]'));

    // Assess
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ field: 'imageDetails[0].imagePushedAt', message: expect.stringMatching(message) });
  });

  it.each([
    ['an offset with a colon', '2024-01-01T12:00:00+02:00'],
    ['an offset without a colon', '2024-01-01T12:00:00+0200'],
    ['a lower-case z', '2024-01-01T10:00:00z'],
    ['the largest epoch in seconds it reads', '99999999999'],
  ])('reads a time with %s', (_name, imagePushedAt) => {
    // Act
    const record = imageRecordFromDetail({ imageDigest: DIGEST, imagePushedAt });

    // Assess
    expect(record.pushedAt.getTime()).toBe(imagePushedAt === '99999999999' ? 99_999_999_999_000 : Date.parse('2024-01-01T10:00:00Z'));
  });

  it('names the field with a default path when none is given', () => {
    // Act & Assess
    expect(() => imageRecordFromDetail({ imagePushedAt: 0 })).toThrow('imageDetail.imageDigest is missing');
  });
});
