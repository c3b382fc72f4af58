/**
 * Test data factories (Powertools' `tests/helpers/factories.ts` style): sensible defaults,
 * every field overridable. Exported names only; add new factories below.
 */
import { createHash } from 'node:crypto';
import { parseConfig, type KeeperConfig } from '../../src/lib/config.js';
import { isDigest, toAccountId, toRegion, toRepositoryName, type Digest, type ImageRecord, type Repository } from '../../src/lib/domain/types.js';
import type { Rule, Selection } from '../../src/lib/policy/types.js';

/** Brands `value` as a digest; throws `TypeError` naming the value if it is not one (production code uses `isDigest`). */
export const toDigest = (value: string): Digest => {
  if (!isDigest(value)) throw new TypeError(`not a sha256 digest: ${JSON.stringify(value)}`);
  return value;
};

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

/** The repository `team/api` in eu-west-1 of account 123456789012 (MUTABLE); override any field. */
export const repositoryFactory = (overrides: Partial<Repository> = {}): Repository => ({
  name: toRepositoryName('team/api'),
  arn: 'arn:aws:ecr:eu-west-1:123456789012:repository/team/api',
  registryId: toAccountId('123456789012'),
  region: toRegion('eu-west-1'),
  uri: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api',
  tagMutability: 'MUTABLE',
  ...overrides,
});

/** A parsed config for eu-west-1: prod keeps 30, dev expires after 14 days, default prod; override any top-level key. */
export const configFactory = (overrides: Record<string, unknown> = {}): KeeperConfig =>
  parseConfig({
    regions: ['eu-west-1'],
    environments: [
      { name: 'prod', tagPrefix: 'prod-', keepNewest: 30 },
      { name: 'dev', tagPrefix: 'dev-', expireAfterDays: 14 },
    ],
    environmentResolution: { default: 'prod' },
    ...overrides,
  });

/** What `act` throws, or `undefined`: for asserting on an error's class and fields, not only its message. */
export const thrownBy = (act: () => unknown): unknown => {
  try {
    act();
  } catch (error) {
    return error;
  }
  return undefined;
};
