/**
 * Other accounts on the emulator, as the organisation tests and the demo need them: a StackSet role
 * created in an account (moto keeps one IAM per account; the harness makes AssumeRole need it), and
 * credentials inside that account through it (moto picks the account from the assumed role's key).
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';

/** Creates `roleName` in `account`, trusting `trustedAccount` (the keeper's), through the control server. */
export const createRoleIn = async (control: string, account: string, roleName: string, trustedAccount = '123456789012'): Promise<void> => {
  const trustPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${trustedAccount}:root` }, Action: 'sts:AssumeRole' }] };
  const response = await fetch(`${control}/iam/role`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ accountId: account, roleName, trustPolicy }) });
  if (!response.ok) throw new Error(`could not create ${roleName} in ${account}: ${await response.text()}`);
};

/** Credentials inside `account` through `roleName` (assumed with `base`, the keeper's). */
export const credentialsIn = async (
  emu: { readonly endpoint: string; readonly region: string; readonly credentials: AwsCredentialIdentity },
  account: string,
  roleName: string,
): Promise<AwsCredentialIdentity> => {
  const sts = new STSClient({ region: emu.region, endpoint: emu.endpoint, credentials: emu.credentials });
  try {
    const { Credentials: c } = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${account}:role/${roleName}`, RoleSessionName: 'seed' }));
    return { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
  } finally {
    sts.destroy();
  }
};
