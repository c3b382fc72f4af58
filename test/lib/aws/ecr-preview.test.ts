/**
 * The lifecycle policy preview adapter over the real SDK with `aws-sdk-client-mock`: the emulator
 * (moto 5.2.1) has no StartLifecyclePolicyPreview / GetLifecyclePolicyPreview (HTTP 500), so the
 * responses here are shaped like ECR's (ECR API reference, GetLifecyclePolicyPreview).
 */
import {
  ECRClient,
  GetLifecyclePolicyPreviewCommand,
  LifecyclePolicyPreviewInProgressException,
  StartLifecyclePolicyPreviewCommand,
  type GetLifecyclePolicyPreviewCommandInput,
  type GetLifecyclePolicyPreviewCommandOutput,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createLifecyclePreviewAdapter, MAX_PREVIEW_PAGE } from '../../../src/lib/aws/ecr-preview.js';
import { toRegion, toRepositoryName } from '../../../src/lib/domain/types.js';
import { AwsCallError } from '../../../src/lib/errors.js';
import { digestOf } from '../../helpers/factories.js';

const REGION = toRegion('us-east-1');
const REPOSITORY = toRepositoryName('shop/api');
const POLICY = JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 }, action: { type: 'expire' } }] });
const mock = mockClient(ECRClient);
const client = new ECRClient({ region: REGION, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' } });
/** Polls every millisecond instead of the SDK's 5 s. */
const adapter = () => createLifecyclePreviewAdapter(client, REGION, { minDelaySeconds: 0.001 });

/** ECR's answer once the preview is complete: `results` split in pages of `pageSize`, as ECR does. */
const completed = (results: NonNullable<GetLifecyclePolicyPreviewCommandOutput['previewResults']>, input: GetLifecyclePolicyPreviewCommandInput, policyText = POLICY) => {
  const start = Number(input.nextToken ?? '0');
  const end = start + (input.maxResults ?? 100);
  return {
    registryId: '123456789012',
    repositoryName: REPOSITORY,
    lifecyclePolicyText: policyText,
    status: 'COMPLETE' as const,
    previewResults: results.slice(start, end),
    ...(end < results.length ? { nextToken: String(end) } : {}),
    summary: { expiringImageTotalCount: results.length },
  };
};

const result = (seed: string, action: 'EXPIRE' | 'TRANSITION', rulePriority: number) => ({
  imageDigest: digestOf(seed),
  imageTags: [seed],
  imagePushedAt: new Date('2026-01-01T00:00:00Z'),
  action: action === 'EXPIRE' ? { type: 'EXPIRE' as const } : { type: 'TRANSITION' as const, targetStorageClass: 'ARCHIVE' as const },
  appliedRulePriority: rulePriority,
});

afterEach(() => mock.reset());

describe('Function: createLifecyclePreviewAdapter', () => {
  it('starts the preview with the policy text, polls until COMPLETE and reads every page of 100', async () => {
    // Prepare: 150 results (two pages); the first poll finds the preview still running
    const results = Array.from({ length: 150 }, (_, i) => result(`img-${i}`, i === 0 ? 'TRANSITION' : 'EXPIRE', i === 0 ? 2 : 1));
    mock.on(StartLifecyclePolicyPreviewCommand).resolves({ registryId: '123456789012', repositoryName: REPOSITORY, lifecyclePolicyText: POLICY, status: 'IN_PROGRESS' });
    let polls = 0;
    mock.on(GetLifecyclePolicyPreviewCommand).callsFake((input: GetLifecyclePolicyPreviewCommandInput) => {
      polls += 1;
      return polls === 1 ? { repositoryName: REPOSITORY, lifecyclePolicyText: POLICY, status: 'IN_PROGRESS' } : completed(results, input);
    });

    // Act
    const images = await adapter().previewLifecyclePolicy(REPOSITORY, POLICY, { maxWaitSeconds: 10 });

    // Assess
    expect(mock.commandCalls(StartLifecyclePolicyPreviewCommand).map((c) => c.args[0].input)).toEqual([{ repositoryName: REPOSITORY, lifecyclePolicyText: POLICY }]);
    expect(images).toHaveLength(150);
    expect(images[0]).toEqual({ digest: digestOf('img-0'), tags: ['img-0'], action: 'TRANSITION', rulePriority: 2, targetStorageClass: 'ARCHIVE' });
    expect(images[1]).toMatchObject({ digest: digestOf('img-1'), action: 'EXPIRE', rulePriority: 1 });
    const pageSizes = mock.commandCalls(GetLifecyclePolicyPreviewCommand).map((c) => c.args[0].input.maxResults).filter((n) => n !== undefined);
    expect(pageSizes).toEqual([MAX_PREVIEW_PAGE, MAX_PREVIEW_PAGE]);
  });

  it('waits for a preview already running on the repository, then starts its own once', async () => {
    // Prepare
    mock
      .on(StartLifecyclePolicyPreviewCommand)
      .rejectsOnce(new LifecyclePolicyPreviewInProgressException({ message: 'The previous lifecycle policy preview request has not completed', $metadata: {} }))
      .resolves({ repositoryName: REPOSITORY, lifecyclePolicyText: POLICY, status: 'IN_PROGRESS' });
    mock.on(GetLifecyclePolicyPreviewCommand).callsFake((input: GetLifecyclePolicyPreviewCommandInput) => completed([result('old', 'EXPIRE', 1)], input));

    // Act
    const images = await adapter().previewLifecyclePolicy(REPOSITORY, POLICY, { maxWaitSeconds: 10 });

    // Assess
    expect(mock.commandCalls(StartLifecyclePolicyPreviewCommand)).toHaveLength(2);
    expect(images.map((i) => i.digest)).toEqual([digestOf('old')]);
  });

  it('fails, naming the action, when ECR reports the preview FAILED', async () => {
    // Prepare
    mock.on(StartLifecyclePolicyPreviewCommand).resolves({ status: 'IN_PROGRESS' });
    mock.on(GetLifecyclePolicyPreviewCommand).resolves({ repositoryName: REPOSITORY, status: 'FAILED' });

    // Act
    const run = adapter().previewLifecyclePolicy(REPOSITORY, POLICY, { maxWaitSeconds: 10 });

    // Assess
    await expect(run).rejects.toBeInstanceOf(AwsCallError);
    await expect(run).rejects.toMatchObject({ action: 'ecr:GetLifecyclePolicyPreview', repository: REPOSITORY });
  });

  it('fails when the preview answers for another policy text (someone started another preview meanwhile)', async () => {
    // Prepare
    mock.on(StartLifecyclePolicyPreviewCommand).resolves({ status: 'IN_PROGRESS' });
    mock.on(GetLifecyclePolicyPreviewCommand).callsFake((input: GetLifecyclePolicyPreviewCommandInput) => completed([result('x', 'EXPIRE', 1)], input, '{"rules":[]}'));

    // Act
    const run = adapter().previewLifecyclePolicy(REPOSITORY, POLICY, { maxWaitSeconds: 10 });

    // Assess
    await expect(run).rejects.toThrow(/another policy text/);
  });

  it('turns any other refusal to start into an AwsCallError for ecr:StartLifecyclePolicyPreview', async () => {
    // Prepare
    mock.on(StartLifecyclePolicyPreviewCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException', $metadata: {} }));

    // Act
    const run = adapter().previewLifecyclePolicy(REPOSITORY, POLICY, { maxWaitSeconds: 10 });

    // Assess
    await expect(run).rejects.toMatchObject({ action: 'ecr:StartLifecyclePolicyPreview', awsCode: 'AccessDeniedException' });
    expect(mock.commandCalls(GetLifecyclePolicyPreviewCommand)).toEqual([]);
  });
});
