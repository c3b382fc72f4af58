import { describe, expect, it } from 'vitest';
import type { OrganisationAccess, OrganizationAccount, RegionAdapters } from '../../src/lib/aws/ports.js';
import { DEFAULT_CONFIG, parseConfig, type KeeperConfig } from '../../src/lib/config.js';
import { toAccountId, type AccountId } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { environmentOfAccount, organisationAccounts } from '../../src/lib/organisation.js';
import { sweepAccounts } from '../../src/lib/sweep.js';

const HOME = toAccountId('123456789012');
const config = (organisation: Record<string, unknown>): KeeperConfig => parseConfig({ ...(DEFAULT_CONFIG as Record<string, unknown>), organisation });
const account = (id: string, tags: Record<string, string> = {}): OrganizationAccount => ({ id: toAccountId(id), tags });

/** Access whose Organizations answer is `listed` (or throws it); no account is ever entered here. */
const access = (listed: OrganizationAccount[] | Error, asked: string[][] = []): OrganisationAccess => ({
  home: () => Promise.resolve(HOME),
  organizations: {
    listActiveAccounts: (parents) => {
      asked.push([...parents]);
      return listed instanceof Error ? Promise.reject(listed) : Promise.resolve(listed);
    },
  },
  verify: () => Promise.resolve(),
  adaptersIn: (): RegionAdapters => {
    throw new Error('not entered in this test');
  },
});

const ids = (list: readonly { id: AccountId }[]): string[] => list.map((a) => a.id);

describe('organisationAccounts', () => {
  it('reads the keeper account, every registry and the configured consumers, without asking Organizations unless told', async () => {
    // Prepare
    const asked: string[][] = [];
    const c = config({ registryAccounts: ['210987654321'], consumerAccounts: ['111111111111', { id: '222222222222', environment: 'dev' }] });

    // Act
    const accounts = await organisationAccounts(c, c.organisation as NonNullable<KeeperConfig['organisation']>, access([], asked));

    // Assess
    expect(accounts.registries).toEqual(['210987654321']);
    expect(ids(accounts.consumers)).toEqual(['111111111111', '123456789012', '210987654321', '222222222222']);
    expect(accounts.consumers.find((a) => a.id === '222222222222')?.environment).toBe('dev');
    expect(accounts.consumers.find((a) => a.id === '123456789012')?.why).toEqual(['keeper']);
    expect(asked).toEqual([]);
    expect(accounts.failures).toEqual([]);
  });

  it('defaults the registry to the keeper account and adds discovered accounts whose tags match, with their environment tag', async () => {
    // Prepare
    const c = config({ discover: { parentIds: ['ou-ab12-34cd56ef'], tags: { team: 'search' } } });
    const listed = [account('111111111111', { team: 'search', Environment: 'PROD' }), account('222222222222', { team: 'ads' }), account('333333333333', { team: 'search', environment: 'qa' })];
    const asked: string[][] = [];

    // Act
    const accounts = await organisationAccounts(c, c.organisation as NonNullable<KeeperConfig['organisation']>, access(listed, asked));

    // Assess
    expect(accounts.registries).toEqual([HOME]);
    expect(asked).toEqual([['ou-ab12-34cd56ef']]);
    expect(ids(accounts.consumers)).toEqual(['111111111111', '123456789012', '333333333333']);
    expect(accounts.consumers.find((a) => a.id === '111111111111')?.environment).toBe('prod');
    // `qa` is no configured environment: the config default applies, not a made-up one.
    expect(accounts.consumers.find((a) => a.id === '333333333333')?.environment).toBeUndefined();
  });

  it('a configured environment wins over the account tag', async () => {
    // Prepare
    const c = config({ consumerAccounts: [{ id: '111111111111', environment: 'dev' }], discover: {} });

    // Act
    const accounts = await organisationAccounts(c, c.organisation as NonNullable<KeeperConfig['organisation']>, access([account('111111111111', { environment: 'prod' })]));

    // Assess
    expect(accounts.consumers.find((a) => a.id === '111111111111')).toMatchObject({ environment: 'dev', why: ['config', 'organizations'] });
  });

  it.each([
    ['a refused listing', new Error('AccessDeniedException: not the management account')],
    ['an empty listing', [] as OrganizationAccount[]],
  ])('reports %s as a failure, never as "no consumers"', async (_name, listed) => {
    // Prepare
    const c = config({ discover: {} });

    // Act
    const accounts = await organisationAccounts(c, c.organisation as NonNullable<KeeperConfig['organisation']>, access(listed));

    // Assess
    expect(accounts.failures).toHaveLength(1);
    expect(accounts.failures[0]?.scope).toBe('organizations');
    expect(ids(accounts.consumers)).toEqual([HOME]);
  });
});

describe('sweepAccounts: a step handed the in-use set (a state machine batch or discovery item)', () => {
  it('neither lists the organisation nor enters a consumer account; it proves only the registry roles', async () => {
    // Prepare
    const asked: string[][] = [];
    const entered: string[] = [];
    const c = config({ registryAccounts: ['210987654321'], consumerAccounts: ['111111111111'], discover: {} });
    const counting: OrganisationAccess = {
      ...access([account('333333333333')], asked),
      verify: (id, role) => {
        entered.push(`${id}:${role}`);
        return Promise.resolve();
      },
    };

    // Act
    const accounts = await sweepAccounts({ config: c, organisation: counting, log: silentLog, now: () => new Date(), adaptersFor: () => { throw new Error('no adapters here'); } }, { readConsumers: false });

    // Assess
    expect(asked).toEqual([]);
    expect(entered).toEqual(['210987654321:registry']);
    expect(accounts.registries).toEqual(['210987654321']);
  });

  it('a full sweep lists the organisation once and enters every account once per role', async () => {
    // Prepare
    const asked: string[][] = [];
    const entered: string[] = [];
    const c = config({ registryAccounts: ['210987654321'], discover: {} });
    const counting: OrganisationAccess = {
      ...access([account('333333333333')], asked),
      verify: (id, role) => {
        entered.push(`${id}:${role}`);
        return Promise.resolve();
      },
    };

    // Act
    await sweepAccounts({ config: c, organisation: counting, log: silentLog, now: () => new Date(), adaptersFor: () => { throw new Error('no adapters here'); } });

    // Assess
    expect(asked).toEqual([[]]);
    expect(entered.sort()).toEqual(['123456789012:consumer', '210987654321:consumer', '210987654321:registry', '333333333333:consumer']);
  });
});

describe('environmentOfAccount', () => {
  it('reads the configured tag key ignoring case, and only configured environments', () => {
    // Prepare
    const c = config({ environmentTagKey: 'stage' });
    const organisation = c.organisation as NonNullable<KeeperConfig['organisation']>;

    // Act
    const found = [environmentOfAccount(c, organisation, account('111111111111', { STAGE: ' Dev ' })), environmentOfAccount(c, organisation, account('111111111111', { environment: 'prod' }))];

    // Assess
    expect(found).toEqual(['dev', undefined]);
  });
});

describe('config: organisation', () => {
  it.each([
    [{ registryAccounts: ['12345'] }, 'organisation.registryAccounts[0]'],
    [{ consumerAccounts: [{ id: '111111111111', environment: 'staging' }] }, 'organisation.consumerAccounts[0].environment'],
    [{ discover: { parentIds: ['ou-x'] } }, 'organisation.discover.parentIds[0]'],
    [{ consumerRoleName: 'bad role' }, 'organisation.consumerRoleName'],
    [{ consumerAcounts: [] }, 'organisation.consumerAcounts'],
  ])('rejects %j naming %s', (organisation, field) => {
    // Act
    const parse = (): KeeperConfig => config(organisation);

    // Assess
    expect(parse).toThrow(expect.objectContaining({ field }));
  });
});
