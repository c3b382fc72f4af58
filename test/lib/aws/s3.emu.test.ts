/**
 * The report bucket's adapter over the real S3 client against the emulator: the object lands with
 * its body and content type, and a failure names `s3:PutObject`.
 */
import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createS3Client } from '../../../src/lib/aws/clients.js';
import { createReportStore } from '../../../src/lib/aws/s3.js';
import { AwsCallError } from '../../../src/lib/errors.js';
import { useEmulator } from '../../helpers/use-emulator.js';

const { emu, region } = useEmulator();
const BUCKET = 'ecr-keeper-reports-test';

const s3: S3Client = createS3Client({ region, endpoint: emu.endpoint, credentials: emu.credentials, maxAttempts: 1, forcePathStyle: true });
afterAll(() => s3.destroy());

describe('Function: createReportStore', () => {
  it('writes the report under its key with its content type', async () => {
    // Prepare
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const store = createReportStore(s3, BUCKET);
    const body = JSON.stringify({ kind: 'audit', totals: { repositories: 3 } });

    // Act
    const stored = await store.put('reports/audit/2026-03-01T12:00:00.000Z-req-1.json', body, 'application/json');

    // Assess
    expect(stored).toEqual({ bucket: BUCKET, key: 'reports/audit/2026-03-01T12:00:00.000Z-req-1.json' });
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: stored.key }));
    expect(object.ContentType).toBe('application/json');
    expect(await object.Body?.transformToString()).toBe(body);
  });

  it('fails with an AwsCallError naming s3:PutObject when the bucket does not exist', async () => {
    // Prepare
    const store = createReportStore(s3, 'no-such-report-bucket');

    // Act
    const put = store.put('reports/sweep/x.json', '{}', 'application/json');

    // Assess
    await expect(put).rejects.toBeInstanceOf(AwsCallError);
    await expect(put).rejects.toMatchObject({ action: 's3:PutObject', awsCode: 'NoSuchBucket' });
  });
});
