/**
 * Amazon Inspector's in-use data: ECR images that ECS tasks or EKS pods ran within the last N days
 * (`inUse.inspectorInUseDays`; 0 turns the source off), from Inspector's coverage. It sees what a
 * sweep between two runs cannot (a job that ran yesterday, EKS), and each image comes with its digest.
 */
import type { Region } from '../domain/types.js';
import { AwsCallError } from '../errors.js';
import { resolveEnvironment } from '../environment.js';
import type { WorkloadReference } from '../inuse.js';
import type { InUseSource, SourceWarning } from './types.js';

const DAY_MS = 86_400_000;

/**
 * Inspector answers `AccessDeniedException` when the role may not read it or the account is not
 * enabled for it, and `ValidationException` naming the account as not enabled in some cases.
 */
const NOT_ENABLED = /not enabled|isn't enabled|not activated|must enable|not (?:an )?active member/i;

/**
 * True when Inspector is simply not there for this account and region (not enabled, or not granted).
 *
 * Why that is a warning and not a failure: Inspector is a supplement to the direct reads of ECS
 * (tasks, services, scheduled tasks, task definitions), which stay authoritative and whose failures
 * still block. The source is on by default; if an account without Inspector counted as "in-use set
 * incomplete", every sweep of that account would write nothing and release nothing, forever, until
 * someone either enabled a paid service or found the switch. Any other error (throttling, a server
 * error, a failure on a later page) means Inspector is there but could not be read, and may have
 * held the only trace of an image in use (EKS): that stays a failure.
 */
export const isInspectorUnavailable = (error: unknown): boolean => {
  if (!(error instanceof AwsCallError)) return false;
  if (error.awsCode === 'AccessDeniedException') return true;
  return error.awsCode === 'ValidationException' && NOT_ENABLED.test(error.message);
};

/** The image string of an ECR image by digest, e.g. `123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api@sha256:…`. */
export const ecrImageByDigest = (registryId: string, region: Region, repository: string, digest: string): string =>
  `${registryId}.dkr.ecr.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}/${repository}@${digest}`;

export const inspectorSource: InUseSource = {
  name: 'inspector',
  enabled: (config) => config.inUse.inspectorInUseDays > 0,
  collect: async ({ adapters, config, region, now }) => {
    const since = new Date(now.getTime() - config.inUse.inspectorInUseDays * DAY_MS);
    // Coverage names no workload: the environment is the default unless another source names it.
    const { environment } = resolveEnvironment(config, { clusterName: '' });
    const references: WorkloadReference[] = [];
    try {
      for await (const image of adapters.inspector.imagesInUseSince(since)) {
        references.push({
          source: {
            kind: 'inspector',
            region: image.region,
            arn: image.resourceId,
            image: ecrImageByDigest(image.registryId, image.region, image.repository, image.digest),
            environment,
          },
          imageDigest: image.digest,
        });
      }
    } catch (error) {
      if (!isInspectorUnavailable(error)) throw error;
      // References read before the refusal are kept: each one only adds protection.
      const warning: SourceWarning = {
        scope: `inspector:${region}`,
        message: `Amazon Inspector in-use data unavailable in ${region} (not enabled, or not granted); ECS is still read directly`,
        cause: error,
      };
      return { references, failures: [], warnings: [warning] };
    }
    return { references, failures: [] };
  },
};
