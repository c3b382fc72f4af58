/**
 * Smoke test of the emulator's STS patch: AssumeRole answers AccessDenied, as AWS does, when the role
 * does not exist in the target account or the trust policy's sts:ExternalId does not match; moto
 * 5.2.1 alone hands out credentials for any role ARN (so a missing StackSet role would go unseen).
 */
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/use-emulator.js';

const { emu } = useEmulator();

const createRole = async (accountId: string, roleName: string, externalId?: string): Promise<void> => {
  const trustPolicy = {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::123456789012:root' },
        Action: 'sts:AssumeRole',
        ...(externalId === undefined ? {} : { Condition: { StringEquals: { 'sts:ExternalId': externalId } } }),
      },
    ],
  };
  const response = await fetch(`${emu.control}/iam/role`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accountId, roleName, trustPolicy }) });
  expect(response.ok).toBe(true);
};

const assume = (sts: STSClient, account: string, role: string, externalId?: string) =>
  sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${role}`, RoleSessionName: 'smoke', ...(externalId === undefined ? {} : { ExternalId: externalId }) }));

describe('Patch l: STS AssumeRole needs the role', () => {
  it('refuses a missing role and a wrong external ID, and enters the account otherwise', async () => {
    // Prepare
    const sts = new STSClient({ region: emu.region, endpoint: emu.endpoint, credentials: emu.credentials });
    await createRole('444455556666', 'Reader');
    await createRole('444455556666', 'Guarded', 'tenant-7');

    // Act
    const missing = await assume(sts, '444455556666', 'Nobody').catch((error: unknown) => error);
    const wrongId = await assume(sts, '444455556666', 'Guarded', 'tenant-8').catch((error: unknown) => error);
    const entered = await assume(sts, '444455556666', 'Reader');
    const guarded = await assume(sts, '444455556666', 'Guarded', 'tenant-7');

    // Assess
    expect(missing).toMatchObject({ name: 'AccessDenied' });
    expect(wrongId).toMatchObject({ name: 'AccessDenied' });
    expect(guarded.Credentials?.AccessKeyId).toBeDefined();
    const asReader = new STSClient({
      region: emu.region,
      endpoint: emu.endpoint,
      credentials: { accessKeyId: entered.Credentials?.AccessKeyId ?? '', secretAccessKey: entered.Credentials?.SecretAccessKey ?? '', sessionToken: entered.Credentials?.SessionToken ?? '' },
    });
    expect((await asReader.send(new GetCallerIdentityCommand({}))).Account).toBe('444455556666');
    asReader.destroy();
    sts.destroy();
  });
});
