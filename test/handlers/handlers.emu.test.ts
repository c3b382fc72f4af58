/**
 * The three Lambda handlers as Lambda runs them: settings read from the environment on the first
 * invocation, real SDK clients (pointed at the emulator by AWS_ENDPOINT_URL), the sample events of
 * events/. Each suite loads a fresh module graph so the handler reads its own environment.
 *
 * The handlers read the clock themselves (`new Date()`), so the file fakes `Date` alone: it starts
 * at NOW and runs on from there, and every seeded time is relative to NOW, whenever the tests run.
 *
 * Running tasks are the in-use source here; services, their revisions and deployments are
 * exercised end to end in test/lib/sweep.emu.test.ts.
 */
import { readFileSync } from 'node:fs';
import { DescribeImagesCommand, GetLifecyclePolicyCommand } from '@aws-sdk/client-ecr';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCluster, createRepository, daysAgo, pushImage, registerTaskDefinition, runTask, type PushedImage } from '../emulator/seed.js';
import { lambdaContext, stubLambdaEnv } from '../helpers/lambda.js';
import { createRoleIn, credentialsIn } from '../emulator/accounts.js';
import { useEmulator } from '../helpers/use-emulator.js';

const { emu, ecr, ecs } = useEmulator();
/** The handlers' clock at the start of the file (whole seconds: the emulator stores push times to the second). */
const NOW = new Date('2026-03-01T12:00:00.000Z');

const CREATED = 'shop/payments';
const EXISTING = 'shop/api';
/** Every protected image gets its protection tag and its home tag. */
const TAGS_PER_PROTECTED_IMAGE = 2;
/** One image of EXISTING runs (see `seedAccount`). */
const IN_USE_IMAGES = 1;

type Event = Record<string, unknown> & { detail: Record<string, unknown> & { requestParameters: Record<string, unknown> | null } };
const loadEvent = (file: string): Event => JSON.parse(readFileSync(`events/${file}`, 'utf8')) as Event;
const createdEvent = (): Event => {
  const event = loadEvent('create-repository.cloudtrail.json');
  event.detail.requestParameters = { ...event.detail.requestParameters, repositoryName: CREATED };
  return event;
};

const context = (functionName: string): Context => lambdaContext(emu, functionName, { requestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678' });
const stubKeeperEnv = (keeper: Readonly<Record<string, string | undefined>>): void => stubLambdaEnv(emu, keeper);

type Invoke = (event: unknown) => Promise<unknown>;

/** A cold start: fresh modules, so settings and clients are built from the current environment. */
const coldStart = async (which: 'repository-created' | 'sweep' | 'audit'): Promise<Invoke> => {
  vi.resetModules();
  const { handler } =
    which === 'repository-created'
      ? await import('../../src/handlers/repository-created.js')
      : which === 'sweep'
        ? await import('../../src/handlers/sweep.js')
        : await import('../../src/handlers/audit.js');
  return (event) => handler(event, context(`ecr-keeper-${which}`));
};

interface Seeded {
  readonly inUse: PushedImage;
}

/**
 * Two repositories: the one the CreateRepository event names (empty) and an older one whose
 * 200-day-old `prod-` image still runs in the `prod` cluster.
 */
const seedAccount = async (): Promise<Seeded> => {
  await createRepository(ecr, CREATED);
  const existing = await createRepository(ecr, EXISTING);
  const inUse = await pushImage(ecr, emu.control, { repository: EXISTING, tags: ['prod-1.0.0'], pushedAt: daysAgo(NOW, 200) });
  await pushImage(ecr, emu.control, { repository: EXISTING, tags: ['prod-1.1.0'], pushedAt: daysAgo(NOW, 10) });
  await pushImage(ecr, emu.control, { repository: EXISTING, pushedAt: daysAgo(NOW, 30) });
  await createCluster(ecs, 'prod');
  const taskDefinition = await registerTaskDefinition(ecs, {
    family: 'shop-api',
    launchType: 'FARGATE',
    containers: [{ name: 'api', image: `${existing.uri}:prod-1.0.0` }],
  });
  await runTask(ecs, emu.control, { cluster: 'prod', taskDefinition, launchType: 'FARGATE' });
  return { inUse };
};

/** The stored policy text, or `undefined` when the repository has none. */
const policyOf = async (repositoryName: string): Promise<string | undefined> => {
  try {
    return (await ecr.send(new GetLifecyclePolicyCommand({ repositoryName }))).lifecyclePolicyText;
  } catch (error) {
    if ((error as Error).name === 'LifecyclePolicyNotFoundException') return undefined;
    throw error;
  }
};

/** Digest → sorted tags of every image of the repository. */
const tagsByDigest = async (repositoryName: string): Promise<Record<string, string[]>> => {
  const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName }));
  return Object.fromEntries((imageDetails ?? []).map((d) => [d.imageDigest ?? '', [...(d.imageTags ?? [])].sort()]));
};

interface SweepSummary {
  readonly mode: 'apply' | 'dry-run';
  readonly ok: boolean;
  readonly inUseComplete: boolean;
  readonly totals: {
    readonly repositories: number;
    readonly inUseImages: number;
    readonly tagsAdded: number;
    readonly policiesWritten: number;
    readonly unchanged: number;
  };
  readonly repositories: readonly { readonly repository: string; readonly status: string; readonly tagsToAdd: number; readonly policy: string }[];
}

interface PolicyDocument {
  readonly rules: readonly { readonly rulePriority: number; readonly description?: string }[];
}

beforeAll(() => {
  // Only `Date`: timers, ticks and the SDK's I/O stay real.
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(NOW);
});

afterAll(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
});

describe('Function: handler (repository-created)', () => {
  let invoke: Invoke;

  beforeAll(async () => {
    stubKeeperEnv({ KEEPER_DRY_RUN: 'false' });
    invoke = await coldStart('repository-created');
  });

  beforeEach(async () => {
    await seedAccount();
  });

  it('applies the baseline lifecycle policy to exactly the created repository', async () => {
    // Act
    const result = (await invoke(createdEvent())) as SweepSummary;

    // Assess
    expect(result).toMatchObject({ mode: 'apply', ok: true, inUseComplete: true });
    expect(result.totals).toMatchObject({ repositories: 1, policiesWritten: 1 });
    const policy = JSON.parse((await policyOf(CREATED)) ?? '{"rules":[]}') as PolicyDocument;
    const descriptions = policy.rules.map((r) => r.description ?? '');
    expect(descriptions.every((d) => d.startsWith('ecr-keeper:'))).toBe(true);
    expect(descriptions.some((d) => d.includes('protection'))).toBe(true);
    expect(descriptions.some((d) => d.includes('retention'))).toBe(true);
    expect(await policyOf(EXISTING)).toBeUndefined();
  });

  it('writes nothing the second time it receives the same event', async () => {
    // Prepare
    await invoke(createdEvent());
    const first = await policyOf(CREATED);

    // Act
    const again = (await invoke(createdEvent())) as SweepSummary;

    // Assess
    expect(first).toBeDefined();
    expect(again.totals).toMatchObject({ repositories: 1, policiesWritten: 0, unchanged: 1 });
    expect(await policyOf(CREATED)).toBe(first);
  });

  it('ignores a failed CreateRepository call and writes nothing', async () => {
    // Prepare
    const event = loadEvent('create-repository.failed.json');
    event.detail.requestParameters = { ...event.detail.requestParameters, repositoryName: CREATED };

    // Act
    const result = await invoke(event);

    // Assess
    expect(result).toMatchObject({ status: 'ignored' });
    expect(await policyOf(CREATED)).toBeUndefined();
  });

  it('rejects a malformed event, naming the field, and writes nothing', async () => {
    // Prepare
    const event = createdEvent();
    event.detail.requestParameters = null;

    // Act
    const result = await invoke(event);

    // Assess
    expect(result).toEqual({ status: 'rejected', reason: expect.stringContaining('detail.requestParameters.repositoryName') });
    expect(await policyOf(CREATED)).toBeUndefined();
    expect(await policyOf(EXISTING)).toBeUndefined();
  });
});

describe('Function: handler (repository-created, misspelt setting)', () => {
  let invoke: Invoke;

  beforeAll(async () => {
    stubKeeperEnv({ KEEPER_DRYRUN: 'false' });
    invoke = await coldStart('repository-created');
  });

  beforeEach(async () => {
    await seedAccount();
  });

  afterAll(() => {
    vi.stubEnv('KEEPER_DRYRUN', undefined);
  });

  it('rejects with a ConfigError naming KEEPER_DRYRUN and writes nothing', async () => {
    // Act
    const run = invoke(createdEvent());

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'ConfigError', field: 'KEEPER_DRYRUN' });
    await expect(run).rejects.toThrow(/KEEPER_DRYRUN/);
    expect(await policyOf(CREATED)).toBeUndefined();
  });
});

describe('Function: handler (sweep)', () => {
  let seeded: Seeded;

  beforeEach(async () => {
    seeded = await seedAccount();
  });

  it('dry-runs by default: reports the plan and totals, writes no policy and no tag', async () => {
    // Prepare
    stubKeeperEnv({});
    const invoke = await coldStart('sweep');
    const tagsBefore = await tagsByDigest(EXISTING);

    // Act
    const result = (await invoke(loadEvent('sweep.scheduled.json'))) as SweepSummary;

    // Assess
    expect(result).toMatchObject({ mode: 'dry-run', ok: true, inUseComplete: true });
    expect(result.totals).toMatchObject({ repositories: 2, inUseImages: IN_USE_IMAGES, tagsAdded: 0, policiesWritten: 0 });
    const existing = result.repositories.find((r) => r.repository === EXISTING);
    expect(existing).toMatchObject({ status: 'planned', tagsToAdd: IN_USE_IMAGES * TAGS_PER_PROTECTED_IMAGE, policy: 'create' });
    expect(await policyOf(CREATED)).toBeUndefined();
    expect(await policyOf(EXISTING)).toBeUndefined();
    expect(await tagsByDigest(EXISTING)).toEqual(tagsBefore);
  });

  it('with KEEPER_DRY_RUN=false protects the running image, then writes both policies', async () => {
    // Prepare
    stubKeeperEnv({ KEEPER_DRY_RUN: 'false' });
    const invoke = await coldStart('sweep');

    // Act
    const result = (await invoke(loadEvent('sweep.scheduled.json'))) as SweepSummary;

    // Assess
    expect(result).toMatchObject({ mode: 'apply', ok: true });
    expect(result.totals).toMatchObject({ repositories: 2, tagsAdded: IN_USE_IMAGES * TAGS_PER_PROTECTED_IMAGE, policiesWritten: 2 });
    const hex = seeded.inUse.digest.slice('sha256:'.length);
    const tags = (await tagsByDigest(EXISTING))[seeded.inUse.digest] ?? [];
    expect(tags).toEqual(['prod-1.0.0', `prod-keep-${hex}`, `prod-kept-${hex}`].sort());
    expect(await policyOf(EXISTING)).toBeDefined();
    expect(await policyOf(CREATED)).toBeDefined();
  });
});

describe('Function: handler (audit)', () => {
  let invoke: Invoke;

  beforeAll(async () => {
    // Writing is switched on: the audit must stay read-only regardless.
    stubKeeperEnv({ KEEPER_DRY_RUN: 'false' });
    invoke = await coldStart('audit');
  });

  beforeEach(async () => {
    await seedAccount();
  });

  it('returns a read-only report and writes no policy and no tag', async () => {
    // Prepare
    const tagsBefore = await tagsByDigest(EXISTING);

    // Act
    const report = (await invoke(loadEvent('audit.json'))) as {
      kind: string;
      readOnly: boolean;
      regions: string[];
      totals: { repositories: number; missingPolicy: number };
      repositories: { repository: string; drift: string; protection: { toAdd: number } }[];
    };

    // Assess
    expect(report).toMatchObject({ kind: 'audit', readOnly: true, regions: [emu.region] });
    expect(report.totals).toMatchObject({ repositories: 2, missingPolicy: 2 });
    expect(report.repositories.find((r) => r.repository === EXISTING)).toMatchObject({ drift: 'missing', protection: { toAdd: IN_USE_IMAGES * TAGS_PER_PROTECTED_IMAGE } });
    expect(await policyOf(CREATED)).toBeUndefined();
    expect(await policyOf(EXISTING)).toBeUndefined();
    expect(await tagsByDigest(EXISTING)).toEqual(tagsBefore);
  });
});

describe('Function: handler (repository-created, organisation mode)', () => {
  const REGISTRY_B = '555555555555';
  const STRANGER = '666666666666';
  /** What deploy/stackset-events.yml forwards: the registry account's own CloudTrail event. */
  const forwardedFrom = (account: string, repositoryName: string): Event => {
    const event = loadEvent('create-repository.cloudtrail.json');
    event.account = account;
    event.detail.recipientAccountId = account;
    event.detail.requestParameters = { ...event.detail.requestParameters, repositoryName };
    return event;
  };
  const ecrIn = async (account: string) => {
    const { ECRClient } = await import('@aws-sdk/client-ecr');
    return new ECRClient({ region: emu.region, endpoint: emu.endpoint, credentials: await credentialsIn(emu, account, 'EcrKeeperRegistryRole') });
  };

  it('applies the baseline to a repository created in a registry account, through its registry role; another account\'s event is ignored', async () => {
    // Prepare: the StackSet's roles in registry B and in an account the config does not name
    const { CreateRepositoryCommand } = await import('@aws-sdk/client-ecr');
    for (const account of [REGISTRY_B, STRANGER])
      for (const role of ['EcrKeeperConsumerRole', 'EcrKeeperRegistryRole']) await createRoleIn(emu.control, account, role, emu.accountId);
    const ecrB = await ecrIn(REGISTRY_B);
    const ecrC = await ecrIn(STRANGER);
    await ecrB.send(new CreateRepositoryCommand({ repositoryName: 'team-b/new' }));
    await ecrC.send(new CreateRepositoryCommand({ repositoryName: 'team-c/new' }));
    stubKeeperEnv({ KEEPER_DRY_RUN: 'false', KEEPER_CONFIG: JSON.stringify({ ...JSON.parse(readFileSync('config/default.json', 'utf8')), regions: [emu.region], organisation: { registryAccounts: [REGISTRY_B] } }) });
    const invoke = await coldStart('repository-created');
    const policyIn = async (client: typeof ecrB, repositoryName: string): Promise<string | undefined> =>
      client.send(new GetLifecyclePolicyCommand({ repositoryName })).then((o) => o.lifecyclePolicyText, () => undefined);

    // Act
    const fromRegistry = (await invoke(forwardedFrom(REGISTRY_B, 'team-b/new'))) as SweepSummary;
    const fromStranger = await invoke(forwardedFrom(STRANGER, 'team-c/new'));

    // Assess
    expect(fromRegistry).toMatchObject({ mode: 'apply', ok: true });
    expect(fromRegistry.totals).toMatchObject({ repositories: 1, policiesWritten: 1 });
    expect(await policyIn(ecrB, 'team-b/new')).toContain('ecr-keeper:');
    expect(fromStranger).toMatchObject({ status: 'ignored', reason: expect.stringContaining(`manages the registries ${REGISTRY_B}`) });
    expect(await policyIn(ecrC, 'team-c/new')).toBeUndefined();
    ecrB.destroy();
    ecrC.destroy();
  });
});
