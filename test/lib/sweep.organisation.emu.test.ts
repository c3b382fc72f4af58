/**
 * Issue 9 end to end: a central registry account and consumers in two other accounts and two
 * regions, entered through assumed roles on the emulator (moto selects the account by the assumed
 * role's credentials; the harness makes AssumeRole refuse a role that does not exist, as AWS does).
 * Images used only from another account stay protected; a consumer account whose role is missing
 * blocks every policy write and release, and the report names it.
 */
import { ECSClient } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { createOrganisationAccess } from '../../src/lib/aws/accounts.js';
import { DEFAULT_CONFIG, parseConfig, type KeeperConfig } from '../../src/lib/config.js';
import { toRegion, type Digest } from '../../src/lib/domain/types.js';
import { parsePolicyOrThrow } from '../../src/lib/policy/parse.js';
import { simulatePolicy } from '../../src/lib/policy/simulate.js';
import { runAudit } from '../../src/lib/audit.js';
import { runSweepSteps } from '../../src/lib/steps.js';
import { runSweep, type SweepDeps } from '../../src/lib/sweep.js';
import { createRepository, daysAgo, pushImage, registerTaskDefinition, type PushedImage } from '../emulator/seed.js';
import { seedCoverage, seedFindings } from '../emulator/control.js';
import { storedImages, storedPolicy } from '../helpers/emulator-account.js';
import { multiRegionAccount } from '../helpers/emulator-faults.js';
import { createRoleIn, credentialsIn } from '../emulator/accounts.js';
import { useEmulator } from '../helpers/use-emulator.js';

const { emu, ecr: seedEcr } = useEmulator();
const NOW = new Date('2026-03-01T12:00:00.000Z');
const US = toRegion('us-east-1');
const EU = toRegion('eu-west-1');
const REGISTRY = '123456789012';
const TEAM_PROD = '111111111111';
const TEAM_DEV = '222222222222';
const NO_ROLE = '333333333333';
const ROLE = 'EcrKeeperConsumerRole';

/** The StackSet's consumer role in `account`, trusting the keeper's account (the emulator's default). */
const deployConsumerRole = (account: string): Promise<void> => createRoleIn(emu.control, account, ROLE, REGISTRY);

/** An ECS client acting in `account` through its consumer role (how a team would seed its own account). */
const ecsIn = async (account: string, region: string): Promise<ECSClient> =>
  new ECSClient({ region, endpoint: emu.endpoint, credentials: await credentialsIn({ ...emu, region }, account, ROLE) });

const imageUri = (repository: string, ref: string): string => `${REGISTRY}.dkr.ecr.us-east-1.amazonaws.com/${repository}${ref.startsWith('sha256:') ? `@${ref}` : `:${ref}`}`;

const organisationConfig = (consumerAccounts: unknown[]): KeeperConfig =>
  parseConfig({
    ...(DEFAULT_CONFIG as Record<string, unknown>),
    regions: ['us-east-1'],
    consumerRegions: ['eu-west-1'],
    organisation: { consumerAccounts },
  });

const orgDeps = (config: KeeperConfig): SweepDeps => {
  const account = multiRegionAccount(emu, { now: NOW, regions: ['us-east-1', 'eu-west-1'], config });
  return {
    ...account.deps,
    organisation: config.organisation === undefined ? undefined : createOrganisationAccess({ organisation: config.organisation, region: US, endpoint: emu.endpoint, credentials: emu.credentials }),
  };
};

interface Seeded {
  readonly byTeamProd: PushedImage;
  readonly byTeamDev: PushedImage;
  readonly unused: PushedImage;
}

/**
 * shop/api in the registry: one image a task definition in TEAM_PROD names by tag (us-east-1), one a
 * task definition in TEAM_DEV names by digest (eu-west-1, pulling across regions), one nobody runs.
 * All three are 400 days old: the baseline's catch-all (90 days) would expire each unless protected.
 */
const seed = async (): Promise<Seeded> => {
  await createRepository(seedEcr, 'shop/api');
  const push = (tags: string[]): Promise<PushedImage> => pushImage(seedEcr, emu.control, { repository: 'shop/api', tags, pushedAt: daysAgo(NOW, 400) });
  const byTeamProd = await push(['v1']);
  const byTeamDev = await push(['v2']);
  const unused = await push(['v3']);
  await deployConsumerRole(TEAM_PROD);
  await deployConsumerRole(TEAM_DEV);
  const prodEcs = await ecsIn(TEAM_PROD, US);
  const devEcs = await ecsIn(TEAM_DEV, EU);
  await registerTaskDefinition(prodEcs, { family: 'checkout', launchType: 'FARGATE', containers: [{ name: 'app', image: imageUri('shop/api', 'v1') }] });
  await registerTaskDefinition(devEcs, { family: 'report', launchType: 'FARGATE', containers: [{ name: 'app', image: imageUri('shop/api', byTeamDev.digest) }] });
  prodEcs.destroy();
  devEcs.destroy();
  return { byTeamProd, byTeamDev, unused };
};

const tagsOf = async (digest: Digest): Promise<readonly string[]> =>
  (await storedImages(seedEcr, 'shop/api')).find((i) => i.digest === digest)?.tags ?? [];

/** Digests the stored policy would expire or archive among the stored images, by the project's simulator. */
const atRiskUnderStoredPolicy = async (): Promise<Digest[]> => {
  const text = await storedPolicy(seedEcr, 'shop/api');
  if (text === undefined) return [];
  const result = simulatePolicy(parsePolicyOrThrow(text), await storedImages(seedEcr, 'shop/api'), NOW);
  return result.verdicts.filter((v) => v.decision.kind !== 'keep').map((v) => v.image.digest);
};

describe('runSweep: organisation mode on the emulator', () => {
  it('protects images that only other accounts run, in other regions, and expires the rest', async () => {
    // Prepare
    const images = await seed();
    const config = organisationConfig([{ id: TEAM_PROD, environment: 'prod' }, { id: TEAM_DEV, environment: 'dev' }]);

    // Act
    const report = await runSweep(orgDeps(config), { mode: 'apply', regions: [US] });

    // Assess
    expect(report.failures).toEqual([]);
    expect(report.inUse.complete).toBe(true);
    expect(report.accounts?.map((a) => [a.account, a.roles, a.ok])).toEqual([
      [TEAM_PROD, ['consumer'], true],
      [REGISTRY, ['registry', 'consumer'], true],
      [TEAM_DEV, ['consumer'], true],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    expect(await tagsOf(images.byTeamProd.digest)).toContain(`prod-keep-${images.byTeamProd.digest.slice(7)}`);
    expect(await tagsOf(images.byTeamDev.digest)).toContain(`dev-keep-${images.byTeamDev.digest.slice(7)}`);
    expect(await storedPolicy(seedEcr, 'shop/api')).toBeDefined();
    const atRisk = await atRiskUnderStoredPolicy();
    expect(atRisk).toContain(images.unused.digest);
    expect(atRisk).not.toContain(images.byTeamProd.digest);
    expect(atRisk).not.toContain(images.byTeamDev.digest);
  });

  it('without the consumer accounts, the same registry would expire what they run (the control case)', async () => {
    // Prepare
    const images = await seed();

    // Act: the registry alone, single-account mode
    await runSweep({ ...multiRegionAccount(emu, { now: NOW, regions: ['us-east-1', 'eu-west-1'], config: organisationConfig([]) }).deps, config: parseConfig({ ...(DEFAULT_CONFIG as Record<string, unknown>), consumerRegions: ['eu-west-1'] }) }, { mode: 'apply', regions: [US] });

    // Assess
    const atRisk = await atRiskUnderStoredPolicy();
    expect(atRisk).toContain(images.byTeamProd.digest);
    expect(atRisk).toContain(images.byTeamDev.digest);
  });

  it('a consumer account whose role is missing blocks every policy write and release, and the report names it', async () => {
    // Prepare
    const images = await seed();
    const config = organisationConfig([TEAM_PROD, TEAM_DEV, NO_ROLE]);

    // Act
    const report = await runSweep(orgDeps(config), { mode: 'apply', regions: [US] });

    // Assess
    expect(report.inUse.complete).toBe(false);
    const failure = report.failures.find((f) => f.scope === `account:${NO_ROLE}`);
    expect(failure?.message).toMatch(/consumer role in account 333333333333 cannot be assumed/);
    expect(failure?.code).toBe('AccessDenied');
    expect(report.accounts?.find((a) => a.account === NO_ROLE)?.ok).toBe(false);
    expect(await storedPolicy(seedEcr, 'shop/api')).toBeUndefined();
    expect(report.totals.policiesWritten).toBe(0);
    expect(report.totals.tagsReleased).toBe(0);
    // Protection is still safe to add, and is added, for what the readable accounts run.
    expect(await tagsOf(images.byTeamProd.digest)).toContain(`prod-keep-${images.byTeamProd.digest.slice(7)}`);
    expect(await tagsOf(images.unused.digest)).toEqual(['v3']);
  });
});

describe('runSweepSteps: the state machine\'s steps in one process', () => {
  it('ends where runSweep ends: the same tags and the same stored policy', async () => {
    // Prepare
    const images = await seed();
    const config = organisationConfig([{ id: TEAM_PROD, environment: 'prod' }, { id: TEAM_DEV, environment: 'dev' }]);

    // Act
    const summary = await runSweepSteps(orgDeps(config), { mode: 'apply', regions: [US] });

    // Assess
    expect(summary.failures).toEqual([]);
    expect(summary).toMatchObject({ inUseComplete: true, released: true, consumers: 6, batches: 1 });
    expect(summary.totals.policiesWritten).toBe(1);
    expect(await tagsOf(images.byTeamProd.digest)).toContain(`prod-keep-${images.byTeamProd.digest.slice(7)}`);
    expect(await tagsOf(images.byTeamDev.digest)).toContain(`dev-keep-${images.byTeamDev.digest.slice(7)}`);
    const stepsPolicy = await storedPolicy(seedEcr, 'shop/api');
    const atRisk = await atRiskUnderStoredPolicy();
    expect(atRisk).toEqual([images.unused.digest]);
    // A second in-process sweep over the unchanged account writes nothing: the steps agree with runSweep.
    const again = await runSweep(orgDeps(config), { mode: 'apply', regions: [US] });
    expect(again.totals).toMatchObject({ tagsAdded: 0, tagsReleased: 0, policiesWritten: 0 });
    expect(await storedPolicy(seedEcr, 'shop/api')).toBe(stepsPolicy);
  });

  it('a missing consumer role stops the release pass: protection only, no policy', async () => {
    // Prepare
    const images = await seed();
    const config = organisationConfig([TEAM_PROD, TEAM_DEV, NO_ROLE]);

    // Act
    const summary = await runSweepSteps(orgDeps(config), { mode: 'apply', regions: [US] });

    // Assess
    expect(summary).toMatchObject({ ok: false, inUseComplete: false, released: false });
    expect(summary.failures.map((f) => f.scope)).toContain(`account:${NO_ROLE}`);
    expect(await storedPolicy(seedEcr, 'shop/api')).toBeUndefined();
    expect(await tagsOf(images.byTeamProd.digest)).toContain(`prod-keep-${images.byTeamProd.digest.slice(7)}`);
  });
});

describe('runAudit: organisation mode on the emulator', () => {
  const REGISTRY_B = '555555555555';
  const roleIn = (account: string, roleName: string): Promise<void> => createRoleIn(emu.control, account, roleName, REGISTRY);
  const auditConfig = (): KeeperConfig =>
    parseConfig({ ...(DEFAULT_CONFIG as Record<string, unknown>), regions: ['us-east-1'], organisation: { registryAccounts: [REGISTRY_B] } });

  it('reads another registry through the read-only audit role, never the registry role, and its Inspector findings and coverage there', async () => {
    // Prepare: a repository in registry B, seeded through B's registry role (as a team would push)
    // The StackSet's roles in a registry account: consumer (it runs workloads too), registry, audit.
    await roleIn(REGISTRY_B, 'EcrKeeperConsumerRole');
    await roleIn(REGISTRY_B, 'EcrKeeperRegistryRole');
    await roleIn(REGISTRY_B, 'EcrKeeperAuditRole');
    const { ECRClient, CreateRepositoryCommand } = await import('@aws-sdk/client-ecr');
    const ecrB = new ECRClient({ region: US, endpoint: emu.endpoint, credentials: await credentialsIn(emu, REGISTRY_B, 'EcrKeeperRegistryRole') });
    await ecrB.send(new CreateRepositoryCommand({ repositoryName: 'team-b/api' }));
    // An untagged image of 400 days (the baseline expires it), scanned by B's Inspector, with a critical finding.
    const old = await pushImage(ecrB, emu.control, { repository: 'team-b/api', pushedAt: daysAgo(NOW, 400), accountId: REGISTRY_B });
    ecrB.destroy();
    await seedFindings(emu.control, [{ repositoryName: 'team-b/api', imageDigest: old.digest, severity: 'CRITICAL' }], US, REGISTRY_B);
    await seedCoverage(emu.control, [{ repositoryName: 'team-b/api', imageDigest: old.digest }], US, REGISTRY_B);
    const config = auditConfig();

    // Coverage reads in B by any role: discovery reads it (B is a consumer too), the audit must not read it again.
    const deps = orgDeps(config);
    const access = deps.organisation as NonNullable<SweepDeps['organisation']>;
    let coverageReadsInB = 0;
    const counted: SweepDeps = {
      ...deps,
      organisation: {
        ...access,
        adaptersIn: (account, region, role) => {
          const adapters = access.adaptersIn(account, region, role);
          if (account !== REGISTRY_B) return adapters;
          const { inspector } = adapters;
          return {
            ...adapters,
            inspector: {
              ...inspector,
              imagesInUseSince: (since) => ((coverageReadsInB += 1), inspector.imagesInUseSince(since)),
              ...(inspector.ecrImageCoverage === undefined ? {} : { ecrImageCoverage: () => ((coverageReadsInB += 1), inspector.ecrImageCoverage!()) }),
            },
          };
        },
      },
    };

    // Act
    const report = await runAudit(counted, { regions: [US] });

    // Assess
    expect(report.failures).toEqual([]);
    expect(coverageReadsInB).toBe(1);
    expect(report.repositories.map((r) => [r.repository, r.drift])).toEqual([['team-b/api', 'missing']]);
    const expiring = report.repositories[0]?.wouldExpire.list.find((i) => i.digest === old.digest);
    expect(expiring).toMatchObject({ scan: 'findings', findings: { total: 1, bySeverity: { CRITICAL: 1 } } });
    expect(report.inspector).toContainEqual({ account: REGISTRY_B, region: US, coverage: 'read', images: 1 });
  });

  it('without the audit role, the registry is reported as not entered (the registry role is not tried)', async () => {
    // Prepare
    await roleIn(REGISTRY_B, 'EcrKeeperConsumerRole');
    await roleIn(REGISTRY_B, 'EcrKeeperRegistryRole');

    // Act
    const report = await runAudit(orgDeps(auditConfig()), { regions: [US] });

    // Assess
    const failure = report.failures.find((f) => f.scope === `account:${REGISTRY_B}`);
    expect(failure?.message).toMatch(/audit role in account 555555555555 cannot be assumed/);
    expect(report.repositories).toEqual([]);
  });
});
