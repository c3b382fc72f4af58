/**
 * ECR's lifecycle policy preview as a port: ECR's own evaluation of a policy text, which the audit
 * compares with the simulator's. StartLifecyclePolicyPreview does not change the repository's policy,
 * but it is not a read either (`ECR_PREVIEW_ACTIONS`), and ECR runs one preview per repository at a time.
 */
import {
  LifecyclePolicyPreviewInProgressException,
  paginateGetLifecyclePolicyPreview,
  StartLifecyclePolicyPreviewCommand,
  waitUntilLifecyclePolicyPreviewComplete,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import { isDigest, type Region } from '../domain/types.js';
import { AwsCallError } from '../errors.js';
import { callAws, pagesOf, toAwsCallError, type AdapterOptions } from './actions.js';
import type { LifecyclePreviewPort, PreviewedImage } from './ports.js';

/** `GetLifecyclePolicyPreview` pages hold at most 100 results (ECR API reference). */
export const MAX_PREVIEW_PAGE = 100;

/** Options of the preview adapter beyond the shared ones. */
export interface PreviewAdapterOptions extends AdapterOptions {
  /** The waiter's first delay between polls, in seconds (the SDK's default is 5; tests shorten it). */
  readonly minDelaySeconds?: number | undefined;
}

/**
 * Builds the preview port of one region over `client`; throws `AwsCallError`
 * (`ecr:StartLifecyclePolicyPreview`, `ecr:GetLifecyclePolicyPreview`).
 */
export const createLifecyclePreviewAdapter = (client: ECRClient, region: Region, options: PreviewAdapterOptions = {}): LifecyclePreviewPort => {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };
  const minDelay = options.minDelaySeconds ?? 5;

  /** Polls with the SDK's waiter until the repository's preview is COMPLETE; FAILED or too slow throws. */
  const waitForPreview = async (repositoryName: string, maxWaitSeconds: number): Promise<void> => {
    await callAws('ecr:GetLifecyclePolicyPreview', repositoryName, () =>
      waitUntilLifecyclePolicyPreviewComplete(
        { client, maxWaitTime: Math.max(maxWaitSeconds, minDelay * 2), minDelay, maxDelay: Math.max(minDelay, 30), ...(options.signal === undefined ? {} : { abortSignal: options.signal }) },
        { repositoryName },
      ),
    );
  };

  return {
    region,
    async previewLifecyclePolicy(repositoryName, lifecyclePolicyText, { maxWaitSeconds }) {
      const start = () => client.send(new StartLifecyclePolicyPreviewCommand({ repositoryName, lifecyclePolicyText }), send);
      try {
        await start();
      } catch (error) {
        // Someone else's preview runs on this repository: let it finish, then start ours once.
        if (!(error instanceof LifecyclePolicyPreviewInProgressException)) throw toAwsCallError(error, 'ecr:StartLifecyclePolicyPreview', repositoryName);
        await waitForPreview(repositoryName, maxWaitSeconds);
        await callAws('ecr:StartLifecyclePolicyPreview', repositoryName, start);
      }
      await waitForPreview(repositoryName, maxWaitSeconds);

      const images: PreviewedImage[] = [];
      const pages = paginateGetLifecyclePolicyPreview({ client, pageSize: MAX_PREVIEW_PAGE }, { repositoryName }, send);
      for await (const page of pagesOf('ecr:GetLifecyclePolicyPreview', repositoryName, pages)) {
        for (const result of page.previewResults ?? []) {
          const digest = result.imageDigest;
          if (digest === undefined || !isDigest(digest)) continue;
          images.push({
            digest,
            tags: [...(result.imageTags ?? [])],
            action: result.action?.type ?? 'UNKNOWN',
            rulePriority: result.appliedRulePriority,
            targetStorageClass: result.action?.targetStorageClass,
          });
        }
        // A preview started by someone else after ours would answer for their policy, not ours.
        if (page.lifecyclePolicyText !== undefined && page.lifecyclePolicyText !== lifecyclePolicyText) {
          throw new AwsCallError(`ecr:GetLifecyclePolicyPreview answered for another policy text (another preview started on ${repositoryName})`, {
            action: 'ecr:GetLifecyclePolicyPreview',
            repository: repositoryName,
          });
        }
      }
      return images;
    },
  };
};
