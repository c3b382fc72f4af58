/**
 * The Batch in-use source end to end: real SDK clients and adapters against the emulator, through
 * `collectInUse` (every registered source) and `resolveInUse`. An image that only the newest ACTIVE
 * revision of a job definition names (by ECS task properties, or in a multi-node range) must be in
 * the in-use set; an image only an older revision names must not.
 */
import { describe, expect, it } from 'vitest';
import { toAccountId } from '../../../src/lib/domain/types.js';
import { resolveInUse } from '../../../src/lib/inuse.js';
import { collectInUse } from '../../../src/lib/sources/index.js';
import { createRepository, daysAgo, pushImage } from '../../emulator/seed.js';
import { containerJob, registerJobDefinition } from '../../emulator/seed-consumers.js';
import { byOperation, emulatorAccount } from '../../helpers/emulator-account.js';
import { useEmulator } from '../../helpers/use-emulator.js';

const { emu, ecr: seedEcr, batch: seedBatch } = useEmulator();
/** The collection's clock; every seeded time is relative to it. */
const NOW = new Date('2026-03-01T12:00:00.000Z');

describe('Constant: batchSource (emulator)', () => {
  it('puts the images of the newest revision of each job definition in the in-use set, and not an older revision', async () => {
    // Prepare
    const repository = await createRepository(seedEcr, 'jobs/etl');
    const old = await pushImage(seedEcr, emu.control, { repository: 'jobs/etl', tags: ['2026-10'], pushedAt: daysAgo(NOW, 40) });
    const nightly = await pushImage(seedEcr, emu.control, { repository: 'jobs/etl', tags: ['2026-11'], pushedAt: daysAgo(NOW, 10) });
    const worker = await pushImage(seedEcr, emu.control, { repository: 'jobs/etl', tags: ['mpi-worker'], pushedAt: daysAgo(NOW, 5) });
    await registerJobDefinition(seedBatch, { jobDefinitionName: 'etl-dev', type: 'container', containerProperties: containerJob(`${repository.uri}:2026-10`) });
    const newest = await registerJobDefinition(seedBatch, {
      jobDefinitionName: 'etl-dev',
      type: 'container',
      ecsProperties: { taskProperties: [{ containers: [{ name: 'main', image: `${repository.uri}:2026-11` }] }] },
    });
    const mpi = await registerJobDefinition(seedBatch, {
      jobDefinitionName: 'reindex',
      type: 'multinode',
      tags: { environment: 'prod' },
      nodeProperties: { numNodes: 2, mainNode: 0, nodeRangeProperties: [{ targetNodes: '0:', container: containerJob(`${repository.uri}:mpi-worker`) }] },
    });
    const account = emulatorAccount(emu, { now: NOW });
    const { region, adapters, deps } = account;

    // Act
    const collected = await collectInUse({ region, adapters, config: deps.config, now: NOW });
    const inUse = await resolveInUse(collected.references, (r) => (r === region ? adapters.ecr : undefined), new Set([toAccountId(emu.accountId)]), deps.config);

    // Assess
    expect(collected.failures.filter((f) => f.scope.startsWith('batch:'))).toEqual([]);
    const byDigest = new Map(inUse.images.map((image) => [image.digest, image]));
    expect(byDigest.get(nightly.digest)).toMatchObject({ environment: 'dev', uses: [{ kind: 'batch', arn: newest, image: `${repository.uri}:2026-11` }] });
    expect(byDigest.get(worker.digest)).toMatchObject({ environment: 'prod', uses: [{ kind: 'batch', arn: mpi }] });
    expect(byDigest.has(old.digest)).toBe(false);
    expect(byOperation(account.counts)['Batch:DescribeJobDefinitions']).toBe(1);
  });
});
