/**
 * The Lambda in-use source end to end: real SDK clients and adapters against the emulator, through
 * `collectInUse` (every registered source) and `resolveInUse`. An image that only a published
 * version behind an alias still runs must be in the in-use set, by the digest Lambda resolved at
 * deploy, even after its tag moved to another image and `$LATEST` runs something else.
 */
import { describe, expect, it } from 'vitest';
import { toAccountId } from '../../../src/lib/domain/types.js';
import { resolveInUse } from '../../../src/lib/inuse.js';
import { collectInUse } from '../../../src/lib/sources/index.js';
import { createRepository, daysAgo, pushImage } from '../../emulator/seed.js';
import { createAlias, createImageFunction, publishVersion, updateFunctionImage } from '../../emulator/seed-consumers.js';
import { byOperation, emulatorAccount } from '../../helpers/emulator-account.js';
import { useEmulator } from '../../helpers/use-emulator.js';

const { emu, ecr: seedEcr, lambda: seedLambda } = useEmulator();
/** The collection's clock; every seeded time is relative to it. */
const NOW = new Date('2026-03-01T12:00:00.000Z');

describe('Constant: lambdaSource (emulator)', () => {
  it('puts the digest an alias version runs in the in-use set after its tag moved and $LATEST moved on', async () => {
    // Prepare: version 1 (alias live) was deployed from orders:v1; v1 was then rebuilt and $LATEST runs v2
    const repository = await createRepository(seedEcr, 'shop/orders');
    const deployed = await pushImage(seedEcr, emu.control, { repository: 'shop/orders', tags: ['v1'], pushedAt: daysAgo(NOW, 30) });
    await createImageFunction(seedLambda, emu.control, { name: 'orders', imageUri: `${repository.uri}:v1`, tags: { environment: 'dev' } });
    const version = await publishVersion(seedLambda, 'orders');
    const aliasArn = await createAlias(seedLambda, 'orders', 'live', version);
    const rebuilt = await pushImage(seedEcr, emu.control, { repository: 'shop/orders', tags: ['v1'], pushedAt: daysAgo(NOW, 20), config: { rebuilt: true } });
    const latest = await pushImage(seedEcr, emu.control, { repository: 'shop/orders', tags: ['v2'], pushedAt: daysAgo(NOW, 10) });
    await updateFunctionImage(seedLambda, 'orders', `${repository.uri}:v2`);
    const account = emulatorAccount(emu, { now: NOW });
    const { region, adapters, deps } = account;

    // Act
    const collected = await collectInUse({ region, adapters, config: deps.config, now: NOW });
    const inUse = await resolveInUse(collected.references, (r) => (r === region ? adapters.ecr : undefined), new Set([toAccountId(emu.accountId)]), deps.config);

    // Assess
    expect(collected.failures.filter((f) => f.scope.startsWith('lambda:'))).toEqual([]);
    const byDigest = new Map(inUse.images.map((image) => [image.digest, image]));
    expect(byDigest.get(deployed.digest)).toMatchObject({
      repository: 'shop/orders',
      environment: 'dev',
      uses: [{ kind: 'lambda', arn: aliasArn, image: `${repository.uri}:v1`, environment: 'dev' }],
    });
    expect(byDigest.get(latest.digest)?.uses.map((u) => u.arn)).toEqual([`${aliasArn.replace(/:live$/, '')}:$LATEST`]);
    expect(byDigest.has(rebuilt.digest)).toBe(false);
    expect(byOperation(account.counts)).toMatchObject({ 'Lambda:ListFunctions': 1, 'Lambda:ListAliases': 1, 'Lambda:GetFunction': 2 });
  });
});
