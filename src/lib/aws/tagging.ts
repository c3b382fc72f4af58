/**
 * The Resource Groups Tagging API adapter: `TaggingPort` over a real `ResourceGroupsTaggingAPIClient`.
 * One `GetResources` page returns up to 100 repositories with their tags, where `ecr:ListTagsForResource`
 * takes one repository a call: 10 calls instead of 1,000 for a region of 1,000 repositories.
 */
import { paginateGetResources, type ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import type { Region } from '../domain/types.js';
import { pagesOf, type AdapterOptions } from './actions.js';
import type { Tags, TaggingPort } from './ports.js';

/** `GetResources` returns at most 100 resources a page. */
const MAX_PAGE = 100;

/** Builds the tagging port of one region over `client`; throws `AwsCallError` (`tag:GetResources`) on any failure. */
export const createTaggingAdapter = (client: ResourceGroupsTaggingAPIClient, region: Region, options: AdapterOptions = {}): TaggingPort => {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };
  return {
    region,
    async repositoryTags() {
      const byArn = new Map<string, Tags>();
      // ResourcesPerPage only: TagsPerPage could return a token in place of a resource (API reference).
      const pages = paginateGetResources({ client, pageSize: MAX_PAGE }, { ResourceTypeFilters: ['ecr:repository'] }, send);
      for await (const page of pagesOf('tag:GetResources', undefined, pages)) {
        for (const mapping of page.ResourceTagMappingList ?? []) {
          if (mapping.ResourceARN === undefined) continue;
          const tags: Record<string, string> = {};
          for (const tag of mapping.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
          byArn.set(mapping.ResourceARN, tags);
        }
      }
      return byArn;
    },
  };
};
