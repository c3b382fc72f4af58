/**
 * ECR's lifecycle policy preview as the simulator models it, over a fake registry: the tests of the
 * preview cross-check and the preview gate need an ECR that agrees, and one that disagrees (`bend`).
 */
import type { LifecyclePreviewPort, PreviewedImage } from '../../src/lib/aws/ports.js';
import type { RepositoryName } from '../../src/lib/domain/types.js';
import { parsePolicyOrThrow } from '../../src/lib/policy/parse.js';
import { simulatePolicy } from '../../src/lib/policy/simulate.js';
import type { FakeEcr } from './fakes.js';

export interface SimulatedPreviewOptions {
  /** Changes the answer, e.g. an ECR that keeps an image the simulator expires. */
  readonly bend?: ((answer: PreviewedImage[]) => PreviewedImage[]) | undefined;
  /** Sees each request before it is answered. */
  readonly onPreview?: ((repository: RepositoryName, policyText: string) => void) | undefined;
}

/**
 * A preview port in `ecr`'s region answering with every image the policy text would expire or archive
 * among `ecr`'s images at `now`, with ECR's upper-case action and the rule's priority.
 */
export const simulatedPreview = (ecr: FakeEcr, now: Date, options: SimulatedPreviewOptions = {}): LifecyclePreviewPort => ({
  region: ecr.region,
  previewLifecyclePolicy: async (repository, policyText) => {
    options.onPreview?.(repository, policyText);
    const images = await ecr.listImages(repository);
    const answer = simulatePolicy(parsePolicyOrThrow(policyText), images, now).verdicts.flatMap(({ image, decision }) =>
      decision.kind === 'keep' ? [] : [{ digest: image.digest, tags: image.tags, action: decision.kind.toUpperCase(), rulePriority: decision.rulePriority }],
    );
    return options.bend === undefined ? answer : options.bend(answer);
  },
});
