/**
 * The sweep and audit handlers as Lambda runs them with a report bucket (`KEEPER_REPORT_BUCKET`, which
 * serverless.yml sets): the result carries the summary and the key, and the full report is in S3.
 * Real SDK clients pointed at the emulator by AWS_ENDPOINT_URL; a fresh module graph per cold start.
 */
import { readFileSync } from 'node:fs';
import { CreateBucketCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createS3Client } from '../../src/lib/aws/clients.js';
import { createRepository, pushImage } from '../emulator/seed.js';
import { lambdaContext, stubLambdaEnv } from '../helpers/lambda.js';
import { useEmulator } from '../helpers/use-emulator.js';

const { emu, ecr, region } = useEmulator();
const BUCKET = 'ecr-keeper-test-reports';
const REQUEST_ID = '5d1f0f0e-2f41-4c61-9d0b-1e0b3c8c7a11';
const s3: S3Client = createS3Client({ region, endpoint: emu.endpoint, credentials: emu.credentials, maxAttempts: 1, forcePathStyle: true });
afterAll(() => s3.destroy());

const context = (functionName: string): Context => lambdaContext(emu, functionName, { requestId: REQUEST_ID });

const event = (file: string): unknown => JSON.parse(readFileSync(`events/${file}`, 'utf8'));

/** A cold start of `which` with the report bucket set, as a deployment has it. */
const coldStart = async (which: 'sweep' | 'audit'): Promise<(event: unknown) => Promise<unknown>> => {
  vi.resetModules();
  const { handler } = which === 'sweep' ? await import('../../src/handlers/sweep.js') : await import('../../src/handlers/audit.js');
  return (e) => handler(e, context(`ecr-keeper-prod-${which}`));
};

const objectText = async (key: string): Promise<string> => (await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body?.transformToString()) ?? '';

beforeEach(async () => {
  stubLambdaEnv(emu, { KEEPER_REPORT_BUCKET: BUCKET });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await createRepository(ecr, 'shop/api');
  await pushImage(ecr, emu.control, { repository: 'shop/api', tags: ['prod-1.0.0'] });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('Handlers with a report bucket', () => {
  it('audit: returns the summary and the key; the object is the full report', async () => {
    // Prepare
    const invoke = await coldStart('audit');

    // Act
    const result = (await invoke(event('audit.json'))) as { generatedAt: string; repositories: number; reports: { bucket: string; key: string }[] };

    // Assess
    expect(result.repositories).toBe(1);
    const name = `reports/audit/${result.generatedAt}-${REQUEST_ID}`;
    expect(result.reports).toEqual(['json', 'md', 'html'].map((extension) => ({ bucket: BUCKET, key: `${name}.${extension}` })));
    const stored = JSON.parse(await objectText(`${name}.json`)) as { kind: string; repositories: { repository: string }[] };
    expect(stored.kind).toBe('audit');
    expect(stored.repositories.map((r) => r.repository)).toEqual(['shop/api']);
    expect(await objectText(`${name}.md`)).toContain('shop/api');
    expect(await objectText(`${name}.html`)).toMatch(/^<!DOCTYPE html>/i);
  });

  it('sweep: adds the key of the full report to its summary', async () => {
    // Prepare
    const invoke = await coldStart('sweep');

    // Act
    const result = (await invoke(event('sweep.scheduled.json'))) as { mode: string; startedAt: string; reports: { bucket: string; key: string }[] };

    // Assess
    expect(result.mode).toBe('dry-run');
    const name = `reports/sweep/${result.startedAt}-${REQUEST_ID}`;
    expect(result.reports).toEqual(['json', 'md'].map((extension) => ({ bucket: BUCKET, key: `${name}.${extension}` })));
    expect(await objectText(`${name}.md`)).toContain('shop/api');
    const stored = JSON.parse(await objectText(`${name}.json`)) as { mode: string; repositories: { repository: string }[] };
    expect(stored).toMatchObject({ mode: 'dry-run', repositories: [expect.objectContaining({ repository: 'shop/api' })] });
  });
});
