/**
 * The AWS Organizations adapter: the ACTIVE accounts of the organisation (or of some roots and OUs,
 * nested OUs included) with their tags, for the organisation mode's consumer accounts. Needs the
 * management account or a delegated administrator; any failure is thrown, never an empty list.
 */
import {
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  paginateListTagsForResource,
  type Account,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { toAccountId } from '../domain/types.js';
import { pagesOf, type AdapterOptions } from './actions.js';
import type { OrganizationAccount, OrganizationsPort, Tags } from './ports.js';

// `State` replaces `Status` (retired September 2026); either says whether the account is usable.
const isActive = (account: Account): boolean => (account.State ?? account.Status) === 'ACTIVE';

/** Builds the Organizations port over `client`; throws `AwsCallError` naming the failed action. */
export const createOrganizationsAdapter = (client: OrganizationsClient, options: AdapterOptions = {}): OrganizationsPort => {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };

  const tagsOf = async (accountId: string): Promise<Tags> => {
    const tags: Record<string, string> = {};
    const pages = paginateListTagsForResource({ client }, { ResourceId: accountId }, send);
    for await (const page of pagesOf('organizations:ListTagsForResource', undefined, pages))
      for (const tag of page.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
    return tags;
  };

  async function* underParent(parentId: string): AsyncGenerator<Account> {
    for await (const page of pagesOf('organizations:ListAccountsForParent', undefined, paginateListAccountsForParent({ client }, { ParentId: parentId }, send)))
      yield* page.Accounts ?? [];
    const units = paginateListOrganizationalUnitsForParent({ client }, { ParentId: parentId }, send);
    for await (const page of pagesOf('organizations:ListOrganizationalUnitsForParent', undefined, units))
      for (const unit of page.OrganizationalUnits ?? []) if (unit.Id !== undefined) yield* underParent(unit.Id);
  }

  async function* everyAccount(): AsyncGenerator<Account> {
    for await (const page of pagesOf('organizations:ListAccounts', undefined, paginateListAccounts({ client }, {}, send))) yield* page.Accounts ?? [];
  }

  return {
    async listActiveAccounts(parentIds) {
      const seen = new Map<string, Account>();
      const sources = parentIds.length === 0 ? [everyAccount()] : parentIds.map((id) => underParent(id));
      for (const source of sources) for await (const account of source) if (account.Id !== undefined && isActive(account)) seen.set(account.Id, account);
      const out: OrganizationAccount[] = [];
      for (const [id, account] of seen) out.push({ id: toAccountId(id), ...(account.Name === undefined ? {} : { name: account.Name }), tags: await tagsOf(id) });
      return out.sort((a, b) => a.id.localeCompare(b.id));
    },
  };
};
