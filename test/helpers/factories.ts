/**
 * Test data factories (Powertools' `tests/helpers/factories.ts` style): sensible defaults,
 * every field overridable. Exported names only; add new factories below.
 */
import { createHash } from 'node:crypto';
import { toDigest, type Digest, type ImageRecord } from '../../src/lib/domain/types.js';
import type { Rule, Selection } from '../../src/lib/policy/types.js';

/** A valid, deterministic digest: `sha256:` + the SHA-256 of `seed`. */
export const digestOf = (seed: string): Digest =>
  toDigest(`sha256:${createHash('sha256').update(seed).digest('hex')}`);

let imageCounter = 0;

/** An untagged standard image pushed 2024-01-01T00:00:00Z with a fresh digest; override any field. */
export const imageFactory = (overrides: Partial<ImageRecord> = {}): ImageRecord => {
  imageCounter += 1;
  return {
    digest: digestOf(`image-${imageCounter}`),
    tags: [],
    pushedAt: new Date('2024-01-01T00:00:00Z'),
    storageClass: 'standard',
    ...overrides,
  };
};

/** Overrides for `ruleFactory`: any rule field, and any subset of the selection. */
export type RuleOverrides = Partial<Omit<Rule, 'selection'>> & { readonly selection?: Partial<Selection> };

/** Rule priority 1 expiring all but the newest image (`any`, `imageCountMoreThan 1`); override any field. */
export const ruleFactory = (overrides: RuleOverrides = {}): Rule => {
  const { selection, ...rest } = overrides;
  return {
    rulePriority: 1,
    action: { type: 'expire' },
    ...rest,
    selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1, ...selection },
  };
};
