/**
 * The Inspector2 adapter: `InspectorPort` over a real `Inspector2Client`. Reports the active
 * findings of images, so a report can say what leaves with them.
 */
import {
  paginateListCoverage,
  paginateListFindingAggregations,
  paginateListFindings,
  type AwsEcrContainerAggregation,
  type AwsEcrContainerAggregationResponse,
  type CoverageFilterCriteria,
  type CoverageStringFilter,
  type CoveredResource,
  type Finding,
  type Inspector2Client,
  type StringFilter,
} from '@aws-sdk/client-inspector2';
import { isDigest, isRegion, isRepositoryName, toAccountId, type Digest, type Region } from '../domain/types.js';
import { chunksOf, pagesOf, toAwsCallError, type AdapterOptions } from './actions.js';
import type { CoveredImage, ImageFindings, InspectorPort } from './ports.js';

/** `ListFindings` pages hold at most 100 findings. */
const MAX_PAGE = 100;
/** A `FilterCriteria` field takes at most 10 `StringFilter`s (Inspector2 API reference, FilterCriteria). */
const MAX_FILTERS_PER_FIELD = 10;

const equals = (value: string): StringFilter => ({ comparison: 'EQUALS', value });

/** `ListFindingAggregations` pages hold at most 100 responses (Inspector2 API reference, ListFindingAggregations). */
export const MAX_AGGREGATION_PAGE = 100;
/** `AwsEcrContainerAggregation.imageShas` takes at most 10 `StringFilter`s (Inspector2 API reference). */
export const MAX_AGGREGATION_SHAS = 10;

/**
 * One image's severity counts from an `AWS_ECR_CONTAINER` aggregation response. The aggregation
 * counts `critical`, `high`, `medium` and `all`; LOW, INFORMATIONAL and UNTRIAGED become `OTHER`
 * (`all` − the three). Zero counts are left out; `undefined` when the image has no findings.
 */
const countsOf = (digest: Digest, response: AwsEcrContainerAggregationResponse): ImageFindings | undefined => {
  const counts = response.severityCounts ?? {};
  const critical = counts.critical ?? 0;
  const high = counts.high ?? 0;
  const medium = counts.medium ?? 0;
  const total = Math.max(counts.all ?? 0, critical + high + medium);
  if (total === 0) return undefined;
  const bySeverity: Record<string, number> = {};
  for (const [severity, n] of [['CRITICAL', critical], ['HIGH', high], ['MEDIUM', medium], ['OTHER', total - critical - high - medium]] as const) {
    if (n > 0) bySeverity[severity] = n;
  }
  return { digest, bySeverity, total };
};

/** `ListCoverage` pages hold at most 200 resources. */
const MAX_COVERAGE_PAGE = 200;
const ECR_IMAGES: CoverageStringFilter[] = [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }];
/** `resourceId` of an ECR image in coverage (Inspector2 API reference, CoveredResource). */
const ECR_IMAGE_RESOURCE = /^arn:[^:]+:ecr:([^:]+):(\d{12}):repository\/(.+)\/(sha256:[0-9a-f]{64})$/;

/**
 * One covered ECR image, or `undefined` for anything else. Repository, region and digest come from
 * `resourceId`; `accountId` names the registry. With `since`, a record last in use before it (or
 * never) is dropped here too, so a server that ignores the date filter cannot widen the in-use set.
 */
const coveredImageOf = (resource: CoveredResource, since: Date | undefined): CoveredImage | undefined => {
  if (resource.resourceType !== 'AWS_ECR_CONTAINER_IMAGE' || resource.resourceId === undefined) return undefined;
  const match = ECR_IMAGE_RESOURCE.exec(resource.resourceId);
  if (match === null) return undefined;
  const [, region = '', arnAccount = '', repository = '', digest = ''] = match;
  const account = resource.accountId ?? arnAccount;
  if (!isRegion(region) || !isDigest(digest) || !isRepositoryName(repository) || !/^\d{12}$/.test(account)) return undefined;
  const image = resource.resourceMetadata?.ecrImage;
  const lastInUseAt = image?.lastInUseAt;
  if (since !== undefined && (lastInUseAt === undefined || lastInUseAt.getTime() < since.getTime())) return undefined;
  const status = resource.scanStatus;
  return {
    resourceId: resource.resourceId,
    registryId: toAccountId(account),
    region,
    repository,
    digest,
    tags: [...(image?.tags ?? [])],
    lastInUseAt,
    inUseCount: image?.inUseCount,
    scanStatus: status?.statusCode === undefined ? undefined : { code: status.statusCode, reason: status.reason },
    lastScannedAt: resource.lastScannedAt,
  };
};

const imageOf = (finding: Finding, repository: string): string | undefined => {
  for (const resource of finding.resources ?? []) {
    const image = resource.details?.awsEcrContainerImage;
    if (image?.repositoryName === repository && image.imageHash !== undefined) return image.imageHash;
  }
  return undefined;
};

/**
 * Builds the Inspector port of one region over `client`; throws `AwsCallError` (`inspector2:ListFindings`,
 * `inspector2:ListCoverage`; `inspector2:ListFindingAggregations` falls back to ListFindings instead).
 */
export const createInspectorAdapter = (client: Inspector2Client, region: Region, options: AdapterOptions = {}): InspectorPort => {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };

  const findingsForImages: InspectorPort['findingsForImages'] = async (repository, digests) => {
    const wanted = new Set(digests);
    const counts = new Map<Digest, Record<string, number>>();
    // Up to 10 ecrImageHash filters per query (EQUALS filters on one field match any of them);
    // each finding is still checked against the repository and digest, so a server that
    // over-matches cannot attribute a finding to the wrong image.
    for (const chunk of chunksOf([...wanted], MAX_FILTERS_PER_FIELD)) {
      const pages = paginateListFindings(
        { client, pageSize: MAX_PAGE },
        {
          filterCriteria: {
            resourceType: [equals('AWS_ECR_CONTAINER_IMAGE')],
            ecrImageRepositoryName: [equals(repository)],
            findingStatus: [equals('ACTIVE')],
            ecrImageHash: chunk.map(equals),
          },
        },
        send,
      );
      for await (const page of pagesOf('inspector2:ListFindings', repository, pages)) {
        for (const finding of page.findings ?? []) {
          const hash = imageOf(finding, repository);
          if (hash === undefined || !isDigest(hash) || !wanted.has(hash) || finding.status !== 'ACTIVE') continue;
          const bySeverity = counts.get(hash) ?? {};
          const severity = finding.severity ?? 'UNTRIAGED';
          bySeverity[severity] = (bySeverity[severity] ?? 0) + 1;
          counts.set(hash, bySeverity);
        }
      }
    }
    const result = new Map<Digest, ImageFindings>();
    for (const [digest, bySeverity] of counts) {
      const total = Object.values(bySeverity).reduce((sum, n) => sum + n, 0);
      result.set(digest, { digest, bySeverity, total });
    }
    return result;
  };

  /** Covered ECR images matching `filterCriteria` (see `coveredImageOf` for `since`). */
  async function* coverage(filterCriteria: CoverageFilterCriteria, since: Date | undefined): AsyncIterable<CoveredImage> {
    const pages = paginateListCoverage({ client, pageSize: MAX_COVERAGE_PAGE }, { filterCriteria }, send);
    for await (const page of pagesOf('inspector2:ListCoverage', undefined, pages)) {
      for (const resource of page.coveredResources ?? []) {
        const image = coveredImageOf(resource, since);
        if (image !== undefined) yield image;
      }
    }
  }

  return {
    region,

    findingsForImages,

    async findingCountsForImages(repository, digests) {
      const wanted = new Set(digests);
      const found = new Map<Digest, ImageFindings>();
      const seen = new Set<Digest>();
      /** Pages through one aggregation query, keeping the wanted images of this repository; stops after `budget` pages. */
      const aggregate = async (filter: AwsEcrContainerAggregation, budget: number): Promise<'done' | 'budget-spent'> => {
        const pages = paginateListFindingAggregations(
          { client, pageSize: MAX_AGGREGATION_PAGE },
          { aggregationType: 'AWS_ECR_CONTAINER', aggregationRequest: { awsEcrContainerAggregation: filter } },
          send,
        );
        let read = 0;
        for await (const page of pagesOf('inspector2:ListFindingAggregations', repository, pages)) {
          read += 1;
          for (const response of page.responses ?? []) {
            const image = response.awsEcrContainerAggregation;
            const sha = image?.imageSha;
            // Checked again here, so a server that over-matches cannot attribute counts to the wrong image.
            if (image === undefined || image.repository !== repository || sha === undefined || !isDigest(sha) || !wanted.has(sha)) continue;
            seen.add(sha);
            const counts = countsOf(sha, image);
            if (counts !== undefined) found.set(sha, counts);
          }
          if (page.nextToken === undefined) return 'done';
          if (read >= budget) return 'budget-spent';
        }
        return 'done';
      };
      const byDigests = async (list: readonly Digest[]): Promise<void> => {
        for (const chunk of chunksOf(list, MAX_AGGREGATION_SHAS)) {
          await aggregate({ repositories: [equals(repository)], imageShas: chunk.map(equals) }, Number.POSITIVE_INFINITY);
        }
      };

      if (wanted.size === 0) return { images: found, source: 'aggregation' };
      try {
        // Digest filters cost one call per 10 images; the whole repository costs one call per 100 of
        // its images, a count the audit does not have. So the whole repository is read for at most
        // half the calls the digest filters would take: when most images are expiring it finishes
        // within that budget; otherwise the digests not seen yet are asked for by filter.
        const byFilter = Math.ceil(wanted.size / MAX_AGGREGATION_SHAS);
        const budget = Math.floor(byFilter / 2);
        if (budget >= 1 && (await aggregate({ repositories: [equals(repository)] }, budget)) === 'done') return { images: found, source: 'aggregation' };
        await byDigests([...wanted].filter((d) => !seen.has(d)));
        return { images: found, source: 'aggregation' };
      } catch (error) {
        // Not permitted (or not served): count the same findings one by one with ListFindings.
        const images = await findingsForImages(repository, digests);
        return { images, source: 'list-findings', fallback: toAwsCallError(error, 'inspector2:ListFindingAggregations', repository) };
      }
    },

    imagesInUseSince: (since) => coverage({ resourceType: ECR_IMAGES, ecrImageLastInUseAt: [{ startInclusive: since }] }, since),

    ecrImageCoverage: () => coverage({ resourceType: ECR_IMAGES }, undefined),
  };
};
