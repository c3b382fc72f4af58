/**
 * ECR's own lifecycle policy preview as a cross-check of the simulator: on a sample of repositories,
 * ECR evaluates the target policy on the images as they are now, the simulator does the same, and the
 * two answers are compared image by image. Any disagreement is an error that shows both answers.
 * Reaches AWS only through `LifecyclePreviewPort` and `EcrPort.listImages`.
 */
import type { Digest, ImageRecord, Region, RepositoryName } from './domain/types.js';
import type { LifecyclePreviewPort, RegionAdapters } from './aws/ports.js';
import { parsePolicyText } from './policy/parse.js';
import { simulatePolicy } from './policy/simulate.js';
import { toFailure, type Failure } from './sweep.js';

/** Repositories previewed when `--sample` is not given. */
export const DEFAULT_PREVIEW_SAMPLE = 3;
/** How long one repository's preview may take before it counts as failed. */
export const DEFAULT_PREVIEW_WAIT_SECONDS = 300;

/** One side's answer for one image: `EXPIRE`, `TRANSITION` (ECR's spelling) or `KEEP`. */
export interface PreviewAnswer {
  readonly action: string;
  readonly rulePriority?: number | undefined;
}

/** An image on which ECR and the simulator disagree (action or rule), with both answers. */
export interface PreviewDisagreement {
  readonly digest: Digest;
  readonly tags: readonly string[];
  readonly ecr: PreviewAnswer;
  readonly simulator: PreviewAnswer & { readonly reason: string };
}

export interface PreviewCheck {
  readonly region: Region;
  readonly repository: RepositoryName;
  /** `failed`: ECR's preview (or the listing) could not be read, see `failure`. */
  readonly status: 'agree' | 'disagree' | 'failed';
  /** Images ECR would expire or transition. */
  readonly ecrActsOn: number;
  /** Images the simulator would expire or transition. */
  readonly simulatorActsOn: number;
  readonly disagreements: readonly PreviewDisagreement[];
  readonly failure?: Failure | undefined;
}

export interface PreviewVerification {
  /** Repositories asked for (`--sample`). */
  readonly sample: number;
  readonly repositories: readonly PreviewCheck[];
  /** Images with a disagreement, over all repositories. */
  readonly disagreements: number;
  /** Repositories whose preview failed. */
  readonly failed: number;
}

/** A repository the preview may run on: its target policy text and how many images that policy acts on. */
export interface PreviewCandidate {
  readonly region: Region;
  readonly repository: RepositoryName;
  readonly targetText: string;
  readonly actsOn: number;
}

/**
 * `n` repositories, deterministically: those where the target policy acts on most images first
 * (a preview that expires nothing proves little), then by region and name.
 */
export const choosePreviewSample = (candidates: readonly PreviewCandidate[], n: number): PreviewCandidate[] =>
  [...candidates]
    .sort((a, b) => b.actsOn - a.actsOn || a.region.localeCompare(b.region) || a.repository.localeCompare(b.repository))
    .slice(0, Math.max(0, n));

const KEEP: PreviewAnswer = { action: 'KEEP' };

/** Compares ECR's preview with the simulator's verdicts on the same images; pure. */
export const comparePreview = (
  images: readonly ImageRecord[],
  targetText: string,
  ecr: Awaited<ReturnType<LifecyclePreviewPort['previewLifecyclePolicy']>>,
  now: Date,
): { readonly simulatorActsOn: number; readonly disagreements: PreviewDisagreement[] } => {
  const parsed = parsePolicyText(targetText);
  if (!parsed.ok) throw new Error(`the target policy does not parse: ${parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
  const simulation = simulatePolicy(parsed.policy, images, now);
  const ecrByDigest = new Map(ecr.map((r) => [r.digest, r]));
  const disagreements: PreviewDisagreement[] = [];
  let simulatorActsOn = 0;
  const seen = new Set<Digest>();
  for (const { image, decision } of simulation.verdicts) {
    seen.add(image.digest);
    const mine: PreviewAnswer & { reason: string } =
      decision.kind === 'keep' ? { ...KEEP, reason: decision.reason } : { action: decision.kind.toUpperCase(), rulePriority: decision.rulePriority, reason: decision.reason };
    if (decision.kind !== 'keep') simulatorActsOn += 1;
    const theirs = ecrByDigest.get(image.digest);
    const their: PreviewAnswer = theirs === undefined ? KEEP : { action: theirs.action.toUpperCase(), rulePriority: theirs.rulePriority };
    if (their.action !== mine.action || (their.action !== 'KEEP' && their.rulePriority !== mine.rulePriority)) {
      disagreements.push({ digest: image.digest, tags: image.tags, ecr: their, simulator: mine });
    }
  }
  // An image ECR acts on that the listing did not hold (pushed since): shown, not silently ignored.
  for (const r of ecr) {
    if (!seen.has(r.digest)) disagreements.push({ digest: r.digest, tags: r.tags, ecr: { action: r.action.toUpperCase(), rulePriority: r.rulePriority }, simulator: { ...KEEP, reason: 'not in the repository listing' } });
  }
  return { simulatorActsOn, disagreements };
};

/**
 * Runs ECR's preview of each sampled repository's target policy, one repository at a time, and
 * compares it with the simulator on the images listed just before.
 */
export const verifyWithPreview = async (
  adaptersFor: (region: Region) => RegionAdapters,
  candidates: readonly PreviewCandidate[],
  options: { readonly sample: number; readonly maxWaitSeconds: number; readonly now: Date },
): Promise<PreviewVerification> => {
  const checks: PreviewCheck[] = [];
  for (const candidate of choosePreviewSample(candidates, options.sample)) {
    const { region, repository } = candidate;
    const adapters = adaptersFor(region);
    try {
      if (adapters.preview === undefined) throw new Error(`no lifecycle policy preview in ${region}`);
      const images = await adapters.ecr.listImages(repository);
      const ecr = await adapters.preview.previewLifecyclePolicy(repository, candidate.targetText, { maxWaitSeconds: options.maxWaitSeconds });
      const { simulatorActsOn, disagreements } = comparePreview(images, candidate.targetText, ecr, options.now);
      checks.push({ region, repository, status: disagreements.length === 0 ? 'agree' : 'disagree', ecrActsOn: ecr.length, simulatorActsOn, disagreements });
    } catch (error) {
      checks.push({ region, repository, status: 'failed', ecrActsOn: 0, simulatorActsOn: 0, disagreements: [], failure: toFailure(`${region}/${repository}`, 'inventory', error) });
    }
  }
  return {
    sample: options.sample,
    repositories: checks,
    disagreements: checks.reduce((n, c) => n + c.disagreements.length, 0),
    failed: checks.filter((c) => c.status === 'failed').length,
  };
};
