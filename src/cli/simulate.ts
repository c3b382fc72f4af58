/** `ecr-keeper simulate` and `ecr-keeper validate`: the lifecycle model on local files. */
import { imageRecordFromDetail } from '../lib/domain/image-record.js';
import type { ImageDetailLike, ImageRecord } from '../lib/domain/types.js';
import { InputError } from '../lib/errors.js';
import { parsePolicyText } from '../lib/policy/parse.js';
import { simulatePolicy } from '../lib/policy/simulate.js';
import type { LifecyclePolicy, SimulationResult } from '../lib/policy/types.js';
import { parseJson } from './io.js';
import { ageInDays, count, formatBytes, renderTable } from './table.js';

export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  /** Lines for stderr (a refusal's reasons), if any. */
  readonly stderr?: string;
}

/**
 * The lifecycle policy text in what the user gave: the policy itself, the output of
 * `aws ecr get-lifecycle-policy` (`{"lifecyclePolicyText": "…", "repositoryName": …}`), or the policy
 * as one JSON string (what `--query lifecyclePolicyText --output json` prints). `InputError` (exit 2)
 * when there is nothing to judge: an empty file, or text that is not JSON at all.
 */
export const policyTextOf = (text: string, path: string): string => {
  if (text.trim() === '') throw new InputError(`--policy: ${path} is empty`, { field: '--policy' });
  const value = parseJson(text, '--policy', path);
  if (typeof value === 'string') return value;
  if (isObject(value) && !Object.hasOwn(value, 'rules') && Object.hasOwn(value, 'lifecyclePolicyText')) {
    const inner = value.lifecyclePolicyText;
    if (typeof inner !== 'string') throw new InputError(`--policy: ${path}: lifecyclePolicyText must be a string (the policy as ECR stores it)`, { field: '--policy' });
    return inner;
  }
  return text;
};

/** A policy that was read but breaks ECR's grammar: exit 1 (the answer is "no"), every issue named. */
export class InvalidPolicy extends Error {
  constructor(readonly lines: readonly string[]) {
    super(lines.join('; '));
    this.name = 'InvalidPolicy';
  }
}

/** Parses the policy for `simulate`; throws `InputError` (unreadable) or `InvalidPolicy` (invalid). */
export const loadPolicy = (text: string, path: string): LifecyclePolicy => {
  const parsed = parsePolicyText(policyTextOf(text, path));
  if (!parsed.ok) throw new InvalidPolicy(parsed.issues.map((i) => `${path}: ${i.path}: ${i.message}`));
  return parsed.policy;
};

/** Accepts `aws ecr describe-images` output (`{"imageDetails": […]}`) or a bare array of image details. */
export const loadImages = (text: string, path: string): ImageRecord[] => {
  const value = parseJson(text, '--images', path);
  const list = Array.isArray(value) ? value : isObject(value) && Array.isArray(value.imageDetails) ? value.imageDetails : undefined;
  const base = Array.isArray(value) ? '' : 'imageDetails';
  if (list === undefined)
    throw new InputError(`--images: ${path} must be {"imageDetails": [...]} (aws ecr describe-images) or an array of image details`, { field: '--images' });
  return list.map((detail: unknown, i: number) => {
    const where = `${base}[${i}]`;
    if (!isObject(detail)) throw new InputError(`--images: ${where} must be an object`, { field: '--images' });
    try {
      return imageRecordFromDetail(detail as ImageDetailLike, where);
    } catch (cause) {
      throw new InputError(`--images: ${(cause as Error).message}`, { cause, field: '--images' });
    }
  });
};

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const upper = (kind: 'expire' | 'transition'): 'EXPIRE' | 'TRANSITION' => (kind === 'expire' ? 'EXPIRE' : 'TRANSITION');

/**
 * The simulation shaped like ECR's `GetLifecyclePolicyPreview` response (upper-case actions, as the API answers),
 * plus `keptImages` with the reason each image stays.
 */
export const toPreviewJson = (result: SimulationResult): object => {
  const acted = result.verdicts.flatMap(({ image, decision }) =>
    decision.kind === 'keep'
      ? []
      : [
          {
            imageDigest: image.digest,
            imageTags: [...image.tags],
            imagePushedAt: image.pushedAt.toISOString(),
            action: decision.kind === 'transition' ? { type: upper(decision.kind), targetStorageClass: 'ARCHIVE' } : { type: upper(decision.kind) },
            appliedRulePriority: decision.rulePriority,
            storageClass: image.storageClass.toUpperCase(),
            reason: decision.reason,
          },
        ],
  );
  const kept = result.verdicts.flatMap(({ image, decision }) =>
    decision.kind === 'keep'
      ? [{ imageDigest: image.digest, imageTags: [...image.tags], imagePushedAt: image.pushedAt.toISOString(), ...(decision.rulePriority === undefined ? {} : { matchedRulePriority: decision.rulePriority }), reason: decision.reason }]
      : [],
  );
  return {
    previewResults: acted,
    summary: {
      expiringImageTotalCount: result.summary.expiringImageTotalCount,
      transitioningImageTotalCounts: [{ targetStorageClass: 'ARCHIVE', imageTotalCount: result.summary.transitioningImageTotalCount }],
    },
    keptImages: kept,
  };
};

/** One row per image, newest first, and a total of what would go. */
export const toPreviewTable = (result: SimulationResult, now: Date): string => {
  const sorted = [...result.verdicts].sort((a, b) => b.image.pushedAt.getTime() - a.image.pushedAt.getTime() || a.image.digest.localeCompare(b.image.digest));
  const rows = sorted.map(({ image, decision }) => [
    image.digest.slice(7, 19),
    image.tags.length > 0 ? image.tags.join(',') : '<untagged>',
    image.pushedAt.toISOString().slice(0, 10),
    `${ageInDays(image.pushedAt, now)}d`,
    formatBytes(image.sizeBytes ?? 0),
    decision.kind.toUpperCase(),
    decision.rulePriority === undefined ? '-' : String(decision.rulePriority),
    decision.reason,
  ]);
  const table = renderTable(['DIGEST', 'TAGS', 'PUSHED', 'AGE', 'SIZE', 'DECISION', 'RULE', 'REASON'], rows, [3, 4]);
  const s = result.summary;
  const kept = result.verdicts.length - s.expiringImageTotalCount - s.transitioningImageTotalCount;
  const total =
    `${count(result.verdicts.length, 'image')}: ${s.expiringImageTotalCount} expire (${formatBytes(s.expiringBytes)}), ` +
    `${s.transitioningImageTotalCount} move to archive (${formatBytes(s.transitioningBytes)}), ${kept} kept`;
  return `${table}\n\n${total}`;
};

/**
 * Runs `simulate` on already-read texts. An invalid policy exits 1 with its issues on stderr, as
 * `validate` does; unreadable input throws `InputError` (exit 2).
 */
export const simulateCommand = (input: { policyText: string; policyPath: string; imagesText: string; imagesPath: string; now: Date; output: 'json' | 'table' }): CommandResult => {
  let policy: LifecyclePolicy;
  try {
    policy = loadPolicy(input.policyText, input.policyPath);
  } catch (error) {
    if (error instanceof InvalidPolicy) return { exitCode: 1, stdout: '', stderr: error.lines.map((l) => `ecr-keeper: ${l}`).join('\n') };
    throw error;
  }
  const images = loadImages(input.imagesText, input.imagesPath);
  const result = simulatePolicy(policy, images, input.now);
  const stdout = input.output === 'json' ? JSON.stringify(toPreviewJson(result), null, 2) : toPreviewTable(result, input.now);
  return { exitCode: 0, stdout };
};

/** Runs `validate`: exit 0 and "valid", exit 1 and one line per issue; unreadable input throws `InputError` (exit 2). */
export const validateCommand = (policyText: string, policyPath: string): CommandResult => {
  const parsed = parsePolicyText(policyTextOf(policyText, policyPath));
  if (parsed.ok) return { exitCode: 0, stdout: `${policyPath}: valid (${count(parsed.policy.rules.length, 'rule')})` };
  return { exitCode: 1, stdout: parsed.issues.map((i) => `${policyPath}: ${i.path}: ${i.message}`).join('\n') };
};
