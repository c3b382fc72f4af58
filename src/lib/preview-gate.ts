/**
 * ECR's lifecycle policy preview as a gate inside the sweep (config `verifyWithPreview`, off by
 * default): right before a target policy is written, ECR previews it on the repository as it is then
 * (protection tags already added), the simulator judges the same listing, and any disagreement holds
 * the write. The sweep reaches ECR only through the ports; a run's previews share one time budget.
 */
import { comparePreview } from './audit-preview.js';
import type { EcrPort, LifecyclePreviewPort } from './aws/ports.js';
import type { KeeperConfig } from './config.js';
import type { Region, Repository } from './domain/types.js';
import { KeeperError } from './errors.js';

/** The policy write was held: ECR's preview disagreed, or could not be run within the budget. */
export class PreviewGateError extends KeeperError {}

/** Checks `policyText` on `repository` with ECR's preview; throws `PreviewGateError` (or the port's error) to hold the write. */
export type PreviewGate = (repository: Repository, ecr: EcrPort, policyText: string) => Promise<void>;

/** Disagreements named in the error, at most (the count is always given). */
const SHOWN = 5;

/**
 * The gate of one sweep, or `undefined` when the config leaves it off. `clock` gives milliseconds
 * (tests pass their own); `preview` finds the region's preview port (`RegionAdapters.preview`).
 */
export const createPreviewGate = (
  config: KeeperConfig,
  deps: { readonly preview: (region: Region) => LifecyclePreviewPort | undefined; readonly now: () => Date; readonly clock?: () => number },
): PreviewGate | undefined => {
  if (!config.verifyWithPreview.enabled) return undefined;
  const clock = deps.clock ?? Date.now;
  const budgetMs = config.verifyWithPreview.budgetSeconds * 1000;
  let spentMs = 0;
  return async (repository, ecr, policyText) => {
    const scope = `${repository.region}/${repository.name}`;
    const left = budgetMs - spentMs;
    // Conservative: a policy ECR could not confirm is not written (the next sweep tries again).
    if (left < 1000) throw new PreviewGateError(`policy write held for ${scope}: the preview budget (${config.verifyWithPreview.budgetSeconds} s a sweep) is spent`);
    const preview = deps.preview(repository.region);
    if (preview === undefined) throw new PreviewGateError(`policy write held for ${scope}: no lifecycle policy preview in ${repository.region}`);
    const started = clock();
    try {
      const images = await ecr.listImages(repository.name);
      const answer = await preview.previewLifecyclePolicy(repository.name, policyText, { maxWaitSeconds: Math.floor(left / 1000) });
      const { disagreements } = comparePreview(images, policyText, answer, deps.now());
      if (disagreements.length > 0) {
        const shown = disagreements
          .slice(0, SHOWN)
          .map((d) => `${d.digest} (${d.tags.join(',') || 'untagged'}): ECR ${d.ecr.action}${d.ecr.rulePriority === undefined ? '' : ` rule ${d.ecr.rulePriority}`}, simulator ${d.simulator.action}${d.simulator.rulePriority === undefined ? '' : ` rule ${d.simulator.rulePriority}`} (${d.simulator.reason})`);
        throw new PreviewGateError(
          `policy write held for ${scope}: ECR's lifecycle policy preview disagrees with the simulator on ${disagreements.length} images: ${shown.join('; ')}${disagreements.length > SHOWN ? '; …' : ''}`,
        );
      }
    } finally {
      spentMs += clock() - started;
    }
  };
};
