/**
 * The Organizations adapter against the emulator (moto implements AWS Organizations): ACTIVE
 * accounts of the whole organisation or under roots and OUs (nested OUs included), with their tags.
 */
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import { createOrganizationsAdapter } from '../../../src/lib/aws/organizations.js';
import { useEmulator } from '../../helpers/use-emulator.js';

const { emu } = useEmulator();

const client = (): OrganizationsClient => new OrganizationsClient({ region: emu.region, endpoint: emu.endpoint, credentials: emu.credentials, maxAttempts: 1 });

/** An organisation: root → ou/workloads → ou/teams (nested), one account in each OU and one at the root. */
const seedOrganisation = async (org: OrganizationsClient) => {
  await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const rootId = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  const workloads = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'workloads' }))).OrganizationalUnit?.Id ?? '';
  const teams = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: workloads, Name: 'teams' }))).OrganizationalUnit?.Id ?? '';
  const create = async (name: string, parent: string, tags: Record<string, string>): Promise<string> => {
    const status = await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com`, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
    const id = status.CreateAccountStatus?.AccountId ?? '';
    if (parent !== rootId) await org.send(new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: parent }));
    return id;
  };
  const shop = await create('shop-prod', workloads, { environment: 'prod' });
  const team = await create('team-dev', teams, { environment: 'dev', team: 'search' });
  const sandbox = await create('sandbox', rootId, {});
  await org.send(new TagResourceCommand({ ResourceId: sandbox, Tags: [{ Key: 'owner', Value: 'nobody' }] }));
  return { rootId, workloads, teams, shop, team, sandbox };
};

describe('createOrganizationsAdapter', () => {
  it('lists every ACTIVE account of the organisation with its tags', async () => {
    // Prepare
    const org = client();
    const seeded = await seedOrganisation(org);

    // Act
    const accounts = await createOrganizationsAdapter(org).listActiveAccounts([]);

    // Assess
    const byId = new Map(accounts.map((a) => [a.id as string, a]));
    expect(byId.get(seeded.shop)?.tags).toEqual({ environment: 'prod' });
    expect(byId.get(seeded.team)?.tags).toEqual({ environment: 'dev', team: 'search' });
    expect(byId.get(seeded.sandbox)?.tags).toEqual({ owner: 'nobody' });
    expect(byId.has(emu.accountId)).toBe(true); // the management account is a member too
    org.destroy();
  });

  it('lists only the accounts under the given OU, nested OUs included', async () => {
    // Prepare
    const org = client();
    const seeded = await seedOrganisation(org);

    // Act
    const accounts = await createOrganizationsAdapter(org).listActiveAccounts([seeded.workloads]);

    // Assess
    expect(accounts.map((a) => a.id).sort()).toEqual([seeded.shop, seeded.team].sort());
    org.destroy();
  });
});
