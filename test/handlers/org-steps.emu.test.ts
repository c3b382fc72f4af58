/**
 * The organisation state machine's steps as Lambda handlers (src/handlers/org-*.ts), driven in the
 * definition's order (deploy/state-machine.asl.json) with a real report bucket as the hand-off:
 * moto's Step Functions cannot run a Distributed Map of Lambda tasks, so this test plays the
 * executor. Accounts as in sweep.organisation.emu.test.ts: a central registry, consumers elsewhere.
 */
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { ECSClient } from '@aws-sdk/client-ecs';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createS3Client } from '../../src/lib/aws/clients.js';
import { DEFAULT_CONFIG } from '../../src/lib/config.js';
import { toRegion } from '../../src/lib/domain/types.js';
import { createRepository, daysAgo, pushImage, registerTaskDefinition } from '../emulator/seed.js';
import { storedImages, storedPolicy } from '../helpers/emulator-account.js';
import { createRoleIn, credentialsIn } from '../emulator/accounts.js';
import { lambdaContext, stubLambdaEnv } from '../helpers/lambda.js';
import { useEmulator } from '../helpers/use-emulator.js';

const { emu, ecr } = useEmulator();
const BUCKET = 'ecr-keeper-org-handoff';
const CONSUMER = '111111111111';
const MISSING = '333333333333';
const ROLE = 'EcrKeeperConsumerRole';
const s3: S3Client = createS3Client({ region: toRegion(emu.region), endpoint: emu.endpoint, credentials: emu.credentials, maxAttempts: 1, forcePathStyle: true });
afterAll(() => s3.destroy());

const context = (name: string): Context => lambdaContext(emu, name, { remainingMs: 600_000 });

type Step = 'targets' | 'discover' | 'merge' | 'apply' | 'summary';
/** Each step as its own cold start, as Lambda runs them. */
const step = async (which: Step, input: unknown): Promise<Record<string, unknown>> => {
  vi.resetModules();
  const modules = {
    targets: () => import('../../src/handlers/org-targets.js'),
    discover: () => import('../../src/handlers/org-discover.js'),
    merge: () => import('../../src/handlers/org-merge.js'),
    apply: () => import('../../src/handlers/org-apply.js'),
    summary: () => import('../../src/handlers/org-summary.js'),
  };
  const { handler } = await modules[which]();
  return (await handler(input, context(`ecr-keeper-org-${which}`))) as Record<string, unknown>;
};

/** What a map's ItemReader reads: the JSON array the targets step wrote to the bucket. */
const itemsAt = async (targets: Record<string, unknown>, key: 'consumersKey' | 'batchesKey'): Promise<Record<string, unknown>[]> => {
  const object = await s3.send(new GetObjectCommand({ Bucket: String(targets['bucket']), Key: String(targets[key]) }));
  return JSON.parse((await object.Body?.transformToString('utf8')) ?? '[]') as Record<string, unknown>[];
};

/**
 * The definition's order and data flow: targets (items written to the bucket) → discover ×N (items
 * read from it) → merge → protect ×M (likewise) → [apply mode, complete, something held] (discover →
 * merge → release of the batches that held, each found by index) → summary.
 */
/** Every state the executor passed between steps, as JSON (what Step Functions would carry). */
let states: string[] = [];
const execute = async (runId: string): Promise<Record<string, unknown>> => {
  const targets = await step('targets', { runId });
  states = [JSON.stringify(targets)];
  const discoverAll = async (round: 'first' | 'recheck') =>
    Promise.all((await itemsAt(targets, 'consumersKey')).map((c) => step('discover', { ...c, runId, round })));
  const first = await step('merge', { runId, round: 'first', discovered: await discoverAll('first'), unread: targets['unread'] });
  const protect = await Promise.all(
    (await itemsAt(targets, 'batchesKey')).map((batch, index) => step('apply', { runId, pass: 'protect', mode: targets['mode'], batch, index, inUseKey: first['key'] })),
  );
  let recheck: Record<string, unknown> | undefined;
  let release: Record<string, unknown>[] = [];
  // HeldForRecheck, then ReleaseNeeded (the definition's Choice): apply mode, a complete first read,
  // and a batch that held writes back; only those batches are released.
  const held = protect.filter((p) => Number(p['heldForRecheck']) > 0);
  if (targets['mode'] === 'apply' && first['complete'] === true && held.length > 0) {
    recheck = await step('merge', { runId, round: 'recheck', discovered: await discoverAll('recheck'), unread: targets['unread'], firstKey: first['key'] });
    release = await Promise.all(
      held.map((p) => step('apply', { runId, pass: 'release', mode: targets['mode'], index: p['index'], heldForRecheck: p['heldForRecheck'], inUseKey: recheck?.['key'] })),
    );
  }
  states.push(JSON.stringify(first), JSON.stringify(protect), JSON.stringify(recheck ?? {}), JSON.stringify(release));
  return step('summary', { runId, targets, firstKey: first['key'], ...(recheck === undefined ? {} : { recheckKey: recheck['key'] }), protect, release });
};

const deployConsumerRole = (account: string): Promise<void> => createRoleIn(emu.control, account, ROLE, emu.accountId);
const ecsIn = async (account: string): Promise<ECSClient> => new ECSClient({ region: emu.region, endpoint: emu.endpoint, credentials: await credentialsIn(emu, account, ROLE) });

const NOW = new Date();
const setConfig = (consumerAccounts: string[]): void => {
  vi.stubEnv('KEEPER_CONFIG', JSON.stringify({ ...(DEFAULT_CONFIG as Record<string, unknown>), regions: [emu.region], organisation: { consumerAccounts } }));
};

beforeEach(async () => {
  stubLambdaEnv(emu, { KEEPER_DRY_RUN: 'false', KEEPER_REPORT_BUCKET: BUCKET });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await createRepository(ecr, 'shop/api');
  await deployConsumerRole(CONSUMER);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

/** shop/api: v1 run only by a task definition in the consumer account, v2 run by nobody; both 400 days old. */
const seed = async () => {
  const used = await pushImage(ecr, emu.control, { repository: 'shop/api', tags: ['v1'], pushedAt: daysAgo(NOW, 400) });
  const unused = await pushImage(ecr, emu.control, { repository: 'shop/api', tags: ['v2'], pushedAt: daysAgo(NOW, 400) });
  const consumerEcs = await ecsIn(CONSUMER);
  await registerTaskDefinition(consumerEcs, { family: 'checkout', launchType: 'FARGATE', containers: [{ name: 'app', image: `${emu.accountId}.dkr.ecr.${emu.region}.amazonaws.com/shop/api:v1` }] });
  consumerEcs.destroy();
  return { used, unused };
};

describe('Organisation state machine steps (handlers)', () => {
  it('protects what another account runs, writes the policy in the release pass, and reports the run', async () => {
    // Prepare
    const { used, unused } = await seed();
    setConfig([CONSUMER]);

    // Act
    const summary = await execute('run-1');

    // Assess
    expect(summary).toMatchObject({ ok: true, inUseComplete: true, released: true, consumers: 2, batches: 1, reportKey: 'reports/organisation/run-1.json' });
    const stored = await storedImages(ecr, 'shop/api');
    expect(stored.find((i) => i.digest === used.digest)?.tags).toContain(`prod-keep-${used.digest.slice(7)}`);
    expect(stored.find((i) => i.digest === unused.digest)?.tags).toEqual(['v2']);
    expect(await storedPolicy(ecr, 'shop/api')).toBeDefined();
    // Repository names travel through the bucket, never in a state (256 KB would not hold an organisation's).
    expect(states.filter((state) => state.includes('shop/api'))).toEqual([]);
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'runs/run-1/' }))).Contents ?? []).map((o) => o.Key).sort();
    expect(keys).toEqual([
      'runs/run-1/targets.json',
      'runs/run-1/targets/batches.json',
      'runs/run-1/targets/batches/0.json',
      'runs/run-1/targets/consumers.json',
      'runs/run-1/first/in-use.json',
      `runs/run-1/first/in-use/${CONSUMER}-${emu.region}.json`,
      `runs/run-1/first/in-use/${emu.accountId}-${emu.region}.json`,
      'runs/run-1/protect/batches/0.json',
      'runs/run-1/recheck/in-use.json',
      `runs/run-1/recheck/in-use/${CONSUMER}-${emu.region}.json`,
      `runs/run-1/recheck/in-use/${emu.accountId}-${emu.region}.json`,
      'runs/run-1/release/batches/0.json',
    ].sort());
  });

  it('a second run over the unchanged organisation holds nothing back, so it reads no consumer twice and writes nothing', async () => {
    // Prepare
    await seed();
    setConfig([CONSUMER]);
    await execute('run-4');
    const policy = await storedPolicy(ecr, 'shop/api');

    // Act
    const again = await execute('run-5');

    // Assess: HeldForRecheck is empty, so the Choice goes straight to the summary
    expect(again).toMatchObject({ ok: true, inUseComplete: true, released: false });
    expect(await storedPolicy(ecr, 'shop/api')).toBe(policy);
    const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'runs/run-5/' }))).Contents ?? []).map((o) => o.Key ?? '');
    expect(keys.some((k) => k.startsWith('runs/run-5/protect/'))).toBe(true);
    expect(keys.filter((k) => k.startsWith('runs/run-5/recheck/') || k.startsWith('runs/run-5/release/'))).toEqual([]);
  });

  it('a consumer whose role is missing: protection only, no release pass, the failure named', async () => {
    // Prepare
    const { used } = await seed();
    setConfig([CONSUMER, MISSING]);

    // Act
    const summary = await execute('run-2');

    // Assess
    expect(summary).toMatchObject({ ok: false, inUseComplete: false, released: false });
    expect((summary['failures'] as { scope: string }[]).map((f) => f.scope)).toContain(`account:${MISSING}`);
    expect(await storedPolicy(ecr, 'shop/api')).toBeUndefined();
    expect((await storedImages(ecr, 'shop/api')).find((i) => i.digest === used.digest)?.tags).toContain(`prod-keep-${used.digest.slice(7)}`);
  });

  it('a bad step input fails the step naming the field, before any AWS call', async () => {
    // Act
    const error = await step('apply', { runId: 'run-3', pass: 'release', mode: 'apply', batch: { account: '12', region: emu.region, repositories: ['shop/api'] }, index: 0, inUseKey: 'k' }).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ field: 'batch.account' });
  });
});
