/**
 * The organisation mode's accounts: which are swept (registries) and which are read for the in-use
 * set (consumers), and the environment each consumer account's workloads fall back to. Pure apart
 * from the ports it is given. Anything it cannot list is a failure, never an account left out
 * quietly: a consumer that cannot be seen makes the in-use set incomplete.
 */
import type { KeeperConfig } from './config.js';
import type { AccountId } from './domain/types.js';
import type { OrganisationAccess, OrganizationAccount } from './aws/ports.js';

/** An account whose workloads are read. */
export interface ConsumerAccount {
  readonly id: AccountId;
  /** Environment of its workloads when no workload tag or name pattern names one; absent: the config default. */
  readonly environment?: string | undefined;
  /** Why it is read: `keeper`, `registry`, `config`, `organizations`. */
  readonly why: readonly string[];
}

export interface OrganisationAccounts {
  readonly home: AccountId;
  readonly registries: readonly AccountId[];
  readonly consumers: readonly ConsumerAccount[];
  /** What could not be listed (`organizations`): the in-use set is then incomplete. */
  readonly failures: readonly { readonly scope: string; readonly error: unknown }[];
}

type Organisation = NonNullable<KeeperConfig['organisation']>;

/** The configured environment an account tag names (key and value compared ignoring case), if any. */
export const environmentOfAccount = (config: KeeperConfig, organisation: Organisation, account: OrganizationAccount): string | undefined => {
  const key = organisation.environmentTagKey.toLowerCase();
  const value = Object.entries(account.tags).find(([k]) => k.toLowerCase() === key)?.[1];
  if (value === undefined) return undefined;
  return config.environments.find((e) => e.name.toLowerCase() === value.trim().toLowerCase())?.name;
};

const matchesTags = (account: OrganizationAccount, wanted: Readonly<Record<string, string>>): boolean =>
  Object.entries(wanted).every(([key, value]) => account.tags[key] === value);

/**
 * Resolves the accounts of one sweep. Consumers: the keeper's own account, every registry account
 * (registries run workloads too), the configured ones, and those AWS Organizations lists when
 * `discover` is set. A configured environment wins over an account tag.
 */
export const organisationAccounts = async (
  config: KeeperConfig,
  organisation: Organisation,
  access: OrganisationAccess,
  options: { readonly listOrganization?: boolean } = {},
): Promise<OrganisationAccounts> => {
  const home = await access.home();
  const registries = [...new Set(organisation.registryAccounts?.map((a) => a as AccountId) ?? [home])];
  const consumers = new Map<AccountId, { environment?: string | undefined; why: string[] }>();
  const add = (id: AccountId, why: string, environment?: string): void => {
    const found = consumers.get(id);
    if (found === undefined) consumers.set(id, { environment, why: [why] });
    else {
      if (!found.why.includes(why)) found.why.push(why);
      found.environment ??= environment;
    }
  };
  for (const entry of organisation.consumerAccounts) {
    if (typeof entry === 'string') add(entry as AccountId, 'config');
    else add(entry.id as AccountId, 'config', entry.environment);
  }
  const failures: OrganisationAccounts['failures'][number][] = [];
  // A step that is handed the in-use set needs no consumer list: it must not list the organisation again.
  if (organisation.discover !== undefined && options.listOrganization !== false) {
    try {
      const listed = await access.organizations.listActiveAccounts(organisation.discover.parentIds);
      // An organisation always has a member (its management account) and an OU named in the config
      // is expected to hold some: an empty answer is a misread (wrong account, no organisation), not "no consumers".
      if (listed.length === 0) throw new Error(`AWS Organizations listed no ACTIVE account${organisation.discover.parentIds.length > 0 ? ` under ${organisation.discover.parentIds.join(', ')}` : ''}`);
      for (const account of listed)
        if (matchesTags(account, organisation.discover.tags)) add(account.id, 'organizations', environmentOfAccount(config, organisation, account));
    } catch (error) {
      failures.push({ scope: 'organizations', error });
    }
  }
  add(home, 'keeper');
  for (const id of registries) add(id, 'registry');
  return {
    home,
    registries,
    consumers: [...consumers].map(([id, c]) => ({ id, ...(c.environment === undefined ? {} : { environment: c.environment }), why: c.why })).sort((a, b) => a.id.localeCompare(b.id)),
    failures,
  };
};
