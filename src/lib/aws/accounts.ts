/**
 * Access to other accounts for the organisation mode: the keeper's own account (its own
 * credentials), and every other account through a role assumed there. Role chaining from a
 * Lambda's role limits sessions to one hour: each account's credentials are one memoized provider
 * that assumes the role again shortly before expiry, shared by every client of that account.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import { doesIdentityRequireRefresh, isIdentityExpired, memoizeIdentityProvider } from '@smithy/core';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { partitionOf } from '../domain/image-ref.js';
import { toAccountId, type AccountId, type Region } from '../domain/types.js';
import type { KeeperConfig } from '../config.js';
import { callAws, toAwsCallError } from './actions.js';
import { adaptersOver, createAccountClients, createClients } from './clients.js';
import { createOrganizationsAdapter } from './organizations.js';
import type { AccountRole, OrganisationAccess, RegionAdapters } from './ports.js';

export type { OrganisationAccess } from './ports.js';

export interface OrganisationAccessOptions {
  /** The organisation block of the config. */
  readonly organisation: NonNullable<KeeperConfig['organisation']>;
  /** Region of the STS and Organizations calls (the keeper's own). */
  readonly region: Region;
  /** Explicit endpoint and base credentials (tests); otherwise the SDK's defaults. */
  readonly endpoint?: string | undefined;
  readonly credentials?: AwsCredentialIdentity | undefined;
  readonly signal?: AbortSignal | undefined;
}

const SESSION_SECONDS = 3600;

/** The ARN of `name` in `account`, in the partition of `region`. */
export const roleArn = (account: AccountId, name: string, region: Region): string => `arn:${partitionOf(region)}:iam::${account}:role/${name}`;

export const createOrganisationAccess = (options: OrganisationAccessOptions): OrganisationAccess => {
  const { organisation, region, endpoint, credentials, signal } = options;
  const { sts, organizations } = createAccountClients({ region, ...(endpoint === undefined ? {} : { endpoint }), ...(credentials === undefined ? {} : { credentials }) });
  let home: Promise<AccountId> | undefined;
  const homeAccount = (): Promise<AccountId> => {
    home ??= callAws('sts:GetCallerIdentity', undefined, async () => toAccountId((await sts.send(new GetCallerIdentityCommand({}), { abortSignal: signal })).Account ?? '')).catch((error: unknown) => {
      home = undefined;
      throw error;
    });
    return home;
  };

  const providers = new Map<string, AwsCredentialIdentityProvider>();
  const providerFor = (account: AccountId, role: AccountRole): AwsCredentialIdentityProvider => {
    const key = `${account}|${role}`;
    let provider = providers.get(key);
    if (provider === undefined) {
      const name = { consumer: organisation.consumerRoleName, registry: organisation.registryRoleName, audit: organisation.auditRoleName }[role];
      const assume = fromTemporaryCredentials({
        params: {
          RoleArn: roleArn(account, name, region),
          RoleSessionName: `ecr-keeper-${role}`,
          DurationSeconds: SESSION_SECONDS,
          ...(organisation.externalId === undefined ? {} : { ExternalId: organisation.externalId }),
        },
        ...(credentials === undefined ? {} : { masterCredentials: credentials }),
        clientConfig: { region, ...(endpoint === undefined ? {} : { endpoint }) },
      });
      const memoized = memoizeIdentityProvider(assume, isIdentityExpired, doesIdentityRequireRefresh);
      const named: AwsCredentialIdentityProvider = async () => {
        try {
          return await (memoized as AwsCredentialIdentityProvider)();
        } catch (error) {
          throw toAwsCallError(error, 'sts:AssumeRole', undefined);
        }
      };
      provider = named;
      providers.set(key, provider);
    }
    return provider;
  };

  const adapters = new Map<string, RegionAdapters>();
  return {
    home: homeAccount,
    organizations: createOrganizationsAdapter(organizations, { signal }),
    verify: async (account, role) => {
      if (account === (await homeAccount())) return;
      await providerFor(account, role)();
    },
    adaptersIn: (account, adapterRegion, role) => {
      const key = `${account}|${adapterRegion}|${role}`;
      let found = adapters.get(key);
      if (found === undefined) {
        found = adaptersOver(
          createClients({ region: adapterRegion, ...(endpoint === undefined ? {} : { endpoint }), credentials: providerFor(account, role) }),
          adapterRegion,
          { signal },
        );
        adapters.set(key, found);
      }
      return found;
    },
  };
};
