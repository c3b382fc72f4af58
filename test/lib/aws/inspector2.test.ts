import 'aws-sdk-client-mock-vitest/extend';
import {
  Inspector2Client,
  ListCoverageCommand,
  ListFindingAggregationsCommand,
  ListFindingsCommand,
  type AwsEcrContainerAggregation,
  type AwsEcrContainerAggregationResponse,
  type CoveredResource,
  type Finding,
  type FilterCriteria,
  type ListFindingAggregationsRequest,
} from '@aws-sdk/client-inspector2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../../src/lib/aws/clients.js';
import { createInspectorAdapter, MAX_AGGREGATION_PAGE, MAX_AGGREGATION_SHAS } from '../../../src/lib/aws/inspector2.js';
import { toRegion, toRepositoryName, type Digest } from '../../../src/lib/domain/types.js';
import { digestOf } from '../../helpers/factories.js';

const region = toRegion('eu-west-1');
const repo = toRepositoryName('team/api');
const inspectorMock = mockClient(Inspector2Client);
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };

const adapter = () => createInspectorAdapter(createClients({ region, credentials }).inspector, region);

const finding = (digest: Digest, severity: Finding['severity'], repository = 'team/api', status: Finding['status'] = 'ACTIVE'): Finding => ({
    awsAccountId: '123456789012',
    findingArn: `arn:aws:inspector2:eu-west-1:123456789012:finding/${digest.slice(7, 20)}${severity ?? ''}`,
    severity,
    status,
    type: 'PACKAGE_VULNERABILITY',
    description: 'a vulnerable package',
    remediation: {},
    firstObservedAt: new Date('2025-01-01T00:00:00Z'),
    lastObservedAt: new Date('2025-01-02T00:00:00Z'),
    resources: [
      {
        type: 'AWS_ECR_CONTAINER_IMAGE',
        id: `arn:aws:ecr:eu-west-1:123456789012:repository/${repository}/${digest}`,
        details: { awsEcrContainerImage: { repositoryName: repository, imageHash: digest, registry: '123456789012' } },
      },
    ],
  });

beforeEach(() => {
  inspectorMock.reset();
});

describe('Function: findingsForImages', () => {
  it('counts active findings by severity for each digest, across pages', async () => {
    // Prepare
    const a = digestOf('a');
    const b = digestOf('b');
    const pages = [
      { findings: [finding(a, 'CRITICAL'), finding(a, 'HIGH'), finding(b, 'LOW')], nextToken: 'n' },
      { findings: [finding(a, 'HIGH')] },
    ];
    let call = 0;
    inspectorMock.on(ListFindingsCommand).callsFake(() => pages[call++]);

    // Act
    const result = await adapter().findingsForImages(repo, [a, b, digestOf('clean')]);

    // Assess
    expect(result.get(a)).toEqual({ digest: a, bySeverity: { CRITICAL: 1, HIGH: 2 }, total: 3 });
    expect(result.get(b)).toEqual({ digest: b, bySeverity: { LOW: 1 }, total: 1 });
    expect(result.has(digestOf('clean'))).toBe(false);
    expect(inspectorMock).toReceiveCommandTimes(ListFindingsCommand, 2);
  });

  it('filters by image resource type, repository, active status and the digests asked for', async () => {
    // Prepare
    const a = digestOf('a');
    inspectorMock.on(ListFindingsCommand).resolves({ findings: [] });

    // Act
    await adapter().findingsForImages(repo, [a]);

    // Assess
    expect(inspectorMock).toReceiveCommandWith(ListFindingsCommand, {
      maxResults: 100,
      filterCriteria: {
        resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }],
        ecrImageRepositoryName: [{ comparison: 'EQUALS', value: 'team/api' }],
        findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
        ecrImageHash: [{ comparison: 'EQUALS', value: a }],
      },
    });
  });

  it('asks for at most 10 digests per query (the FilterCriteria field limit)', async () => {
    // Prepare
    const digests = Array.from({ length: 23 }, (_, i) => digestOf(`d${i}`));
    inspectorMock.on(ListFindingsCommand).resolves({ findings: [] });

    // Act
    await adapter().findingsForImages(repo, digests);

    // Assess
    const asked = inspectorMock
      .commandCalls(ListFindingsCommand)
      .map((c) => (c.args[0].input.filterCriteria as FilterCriteria).ecrImageHash?.map((f) => f.value));
    expect(asked.map((values) => values?.length)).toEqual([10, 10, 3]);
    expect(new Set(asked.flat())).toEqual(new Set(digests));
  });

  it('ignores findings of other repositories, other digests or not active', async () => {
    // Prepare
    const a = digestOf('a');
    inspectorMock.on(ListFindingsCommand).resolves({
      findings: [finding(a, 'HIGH', 'other/repo'), finding(digestOf('z'), 'HIGH'), finding(a, 'LOW', 'team/api', 'CLOSED'), finding(a, 'MEDIUM')],
    });

    // Act
    const result = await adapter().findingsForImages(repo, [a]);

    // Assess
    expect(result.get(a)).toEqual({ digest: a, bySeverity: { MEDIUM: 1 }, total: 1 });
    expect(result.size).toBe(1);
  });

  it('makes no call when no digest is asked for', async () => {
    // Act
    const result = await adapter().findingsForImages(repo, []);

    // Assess
    expect(result.size).toBe(0);
    expect(inspectorMock).not.toReceiveCommand(ListFindingsCommand);
  });

  it('fails with AwsCallError naming inspector2:ListFindings', async () => {
    // Prepare
    inspectorMock.on(ListFindingsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: {} }));

    // Act
    const result = adapter().findingsForImages(repo, [digestOf('a')]);

    // Assess
    await expect(result).rejects.toMatchObject({
      name: 'AwsCallError',
      action: 'inspector2:ListFindings',
      repository: 'team/api',
      awsCode: 'AccessDeniedException',
    });
  });
});

describe('Function: findingCountsForImages', () => {
  const denied = () => Object.assign(new Error('not authorized to perform inspector2:ListFindingAggregations'), { name: 'AccessDeniedException', $metadata: {} });
  const counted = (imageSha: string, counts: { all: number; critical?: number; high?: number; medium?: number }, repository = 'team/api'): { awsEcrContainerAggregation: AwsEcrContainerAggregationResponse } => ({
    awsEcrContainerAggregation: { resourceId: `arn:aws:ecr:eu-west-1:123456789012:repository/${repository}/${imageSha}`, repository, imageSha, severityCounts: { critical: 0, high: 0, medium: 0, ...counts } },
  });
  /** Serves `responses` 100 a page (or `maxResults`), whatever the filter: the adapter must filter again. */
  const serve = (responses: readonly { awsEcrContainerAggregation: AwsEcrContainerAggregationResponse }[]) =>
    inspectorMock.on(ListFindingAggregationsCommand).callsFake((input: ListFindingAggregationsRequest) => {
      const start = Number(input.nextToken ?? '0');
      const end = start + (input.maxResults ?? MAX_AGGREGATION_PAGE);
      return { aggregationType: 'AWS_ECR_CONTAINER', responses: responses.slice(start, end), ...(end < responses.length ? { nextToken: String(end) } : {}) };
    });
  const filters = (): AwsEcrContainerAggregation[] =>
    inspectorMock.commandCalls(ListFindingAggregationsCommand).map((c) => c.args[0].input.aggregationRequest?.awsEcrContainerAggregation ?? {});

  it('reads severity counts per image, and counts LOW, INFORMATIONAL and UNTRIAGED as OTHER (all − critical − high − medium)', async () => {
    // Prepare
    const a = digestOf('a');
    const b = digestOf('b');
    serve([counted(a, { all: 7, critical: 1, high: 2, medium: 1 }), counted(b, { all: 0 })]);

    // Act
    const result = await adapter().findingCountsForImages?.(repo, [a, b]);

    // Assess
    expect(result?.source).toBe('aggregation');
    expect(result?.images.get(a)).toEqual({ digest: a, bySeverity: { CRITICAL: 1, HIGH: 2, MEDIUM: 1, OTHER: 3 }, total: 7 });
    expect(result?.images.has(b)).toBe(false);
    expect(inspectorMock).toReceiveCommandWith(ListFindingAggregationsCommand, {
      aggregationType: 'AWS_ECR_CONTAINER',
      maxResults: 100,
      aggregationRequest: { awsEcrContainerAggregation: { repositories: [{ comparison: 'EQUALS', value: 'team/api' }], imageShas: [a, b].map((value) => ({ comparison: 'EQUALS' as const, value })) } },
    });
  });

  it('reads the whole repository, 100 images a page, when most of it is expiring', async () => {
    // Prepare: 1,000 images, all asked for: 10 pages instead of 100 digest queries
    const digests = Array.from({ length: 1000 }, (_, i) => digestOf(`d${i}`));
    serve(digests.map((d) => counted(d, { all: 1, high: 1 })));

    // Act
    const result = await adapter().findingCountsForImages?.(repo, digests);

    // Assess
    expect(result?.images.size).toBe(1000);
    expect(inspectorMock).toReceiveCommandTimes(ListFindingAggregationsCommand, 1000 / MAX_AGGREGATION_PAGE);
    expect(filters().every((f) => f.imageShas === undefined && f.repositories?.[0]?.value === 'team/api')).toBe(true);
    expect(inspectorMock).not.toReceiveCommand(ListFindingsCommand);
  });

  it('asks by digest, 10 a query, for what a short look at a large repository did not find', async () => {
    // Prepare: 23 digests of a 1,000-image repository; the first page (the budget: half of 3 queries, rounded down) holds 5 of them
    const wanted = Array.from({ length: 23 }, (_, i) => digestOf(`w${i}`));
    const others = Array.from({ length: 995 }, (_, i) => counted(digestOf(`o${i}`), { all: 1, critical: 1 }));
    const all = [...wanted.slice(0, 5).map((d) => counted(d, { all: 2, medium: 2 })), ...others, ...wanted.slice(5).map((d) => counted(d, { all: 1, high: 1 }))];
    inspectorMock.on(ListFindingAggregationsCommand).callsFake((input: ListFindingAggregationsRequest) => {
      const shas = input.aggregationRequest?.awsEcrContainerAggregation?.imageShas?.map((f) => f.value);
      if (shas === undefined) return { aggregationType: 'AWS_ECR_CONTAINER', responses: all.slice(0, MAX_AGGREGATION_PAGE), nextToken: 'more' };
      return { aggregationType: 'AWS_ECR_CONTAINER', responses: all.filter((r) => shas.includes(r.awsEcrContainerAggregation.imageSha)) };
    });

    // Act
    const result = await adapter().findingCountsForImages?.(repo, wanted);

    // Assess
    expect(result?.images.size).toBe(23);
    expect(result?.images.get(wanted[0] as Digest)?.bySeverity).toEqual({ MEDIUM: 2 });
    expect(filters().map((f) => f.imageShas?.length)).toEqual([undefined, MAX_AGGREGATION_SHAS, 8]);
    expect(new Set(filters().flatMap((f) => f.imageShas?.map((s) => s.value) ?? []))).toEqual(new Set(wanted.slice(5)));
  });

  it('ignores images of other repositories and digests not asked for', async () => {
    // Prepare
    const a = digestOf('a');
    serve([counted(a, { all: 1, high: 1 }, 'other/repo'), counted(digestOf('z'), { all: 4, critical: 4 }), counted(a, { all: 2, critical: 2 })]);

    // Act
    const result = await adapter().findingCountsForImages?.(repo, [a]);

    // Assess
    expect([...(result?.images.values() ?? [])]).toEqual([{ digest: a, bySeverity: { CRITICAL: 2 }, total: 2 }]);
  });

  it('makes no call when no digest is asked for', async () => {
    // Act
    const result = await adapter().findingCountsForImages?.(repo, []);

    // Assess
    expect(result?.images.size).toBe(0);
    expect(inspectorMock).not.toReceiveCommand(ListFindingAggregationsCommand);
  });

  it('falls back to ListFindings when the aggregation is not permitted, and says why', async () => {
    // Prepare
    const a = digestOf('a');
    inspectorMock.on(ListFindingAggregationsCommand).rejects(denied());
    inspectorMock.on(ListFindingsCommand).resolves({ findings: [finding(a, 'LOW'), finding(a, 'CRITICAL')] });

    // Act
    const result = await adapter().findingCountsForImages?.(repo, [a]);

    // Assess
    expect(result?.source).toBe('list-findings');
    expect(result?.images.get(a)).toEqual({ digest: a, bySeverity: { LOW: 1, CRITICAL: 1 }, total: 2 });
    expect(result?.fallback).toMatchObject({ name: 'AwsCallError', action: 'inspector2:ListFindingAggregations', repository: 'team/api', awsCode: 'AccessDeniedException' });
    expect(inspectorMock).toReceiveCommandTimes(ListFindingsCommand, 1);
  });

  it('falls back to ListFindings for the whole request when a later page fails', async () => {
    // Prepare: the second page of the whole-repository read fails
    const digests = Array.from({ length: 40 }, (_, i) => digestOf(`d${i}`));
    inspectorMock
      .on(ListFindingAggregationsCommand)
      .resolvesOnce({ aggregationType: 'AWS_ECR_CONTAINER', responses: [counted(digests[0] as Digest, { all: 9, critical: 9 })], nextToken: 'n' })
      .rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: {} }));
    inspectorMock.on(ListFindingsCommand).resolves({ findings: [finding(digests[1] as Digest, 'HIGH')] });

    // Act
    const result = await adapter().findingCountsForImages?.(repo, digests);

    // Assess
    expect(result?.source).toBe('list-findings');
    expect([...(result?.images.keys() ?? [])]).toEqual([digests[1]]);
    expect(inspectorMock).toReceiveCommandTimes(ListFindingsCommand, 4);
  });

  it('throws the ListFindings error when the fallback fails too', async () => {
    // Prepare
    inspectorMock.on(ListFindingAggregationsCommand).rejects(denied());
    inspectorMock.on(ListFindingsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException', $metadata: {} }));

    // Act
    const result = adapter().findingCountsForImages?.(repo, [digestOf('a')]);

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', action: 'inspector2:ListFindings' });
  });
});

describe('Function: imagesInUseSince', () => {
  const since = new Date('2026-02-15T00:00:00Z');
  const covered = (repository: string, digest: Digest, lastInUseAt: Date | undefined, accountId = '123456789012'): CoveredResource => ({
    resourceType: 'AWS_ECR_CONTAINER_IMAGE',
    resourceId: `arn:aws:ecr:eu-west-1:${accountId}:repository/${repository}/${digest}`,
    accountId,
    scanType: 'PACKAGE',
    resourceMetadata: {
      ecrRepository: { name: repository },
      ecrImage: { tags: ['v1'], ...(lastInUseAt === undefined ? {} : { lastInUseAt }), inUseCount: 2 },
    },
  });

  const all = async () => {
    const out = [];
    for await (const image of adapter().imagesInUseSince(since)) out.push(image);
    return out;
  };

  it('asks for ECR images in use since the date, 200 a page, and reads repository, digest and account from each', async () => {
    // Prepare
    const a = digestOf('a');
    const b = digestOf('b');
    const inUse = new Date('2026-02-20T00:00:00Z');
    inspectorMock
      .on(ListCoverageCommand)
      .resolvesOnce({ coveredResources: [covered('team/api', a, inUse)], nextToken: 'n' })
      .resolvesOnce({ coveredResources: [covered('org/team/web', b, inUse, '210987654321')] });

    // Act
    const images = await all();

    // Assess
    expect(images).toEqual([
      { resourceId: `arn:aws:ecr:eu-west-1:123456789012:repository/team/api/${a}`, registryId: '123456789012', region: 'eu-west-1', repository: 'team/api', digest: a, tags: ['v1'], lastInUseAt: inUse, inUseCount: 2 },
      { resourceId: `arn:aws:ecr:eu-west-1:210987654321:repository/org/team/web/${b}`, registryId: '210987654321', region: 'eu-west-1', repository: 'org/team/web', digest: b, tags: ['v1'], lastInUseAt: inUse, inUseCount: 2 },
    ]);
    expect(inspectorMock).toReceiveCommandWith(ListCoverageCommand, {
      maxResults: 200,
      filterCriteria: { resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }], ecrImageLastInUseAt: [{ startInclusive: since }] },
    });
    expect(inspectorMock).toReceiveCommandTimes(ListCoverageCommand, 2);
  });

  it('drops what the filter should have excluded: other resource types, never or long ago in use, unparseable ids', async () => {
    // Prepare
    const a = digestOf('a');
    inspectorMock.on(ListCoverageCommand).resolves({
      coveredResources: [
        covered('team/api', a, new Date('2026-01-01T00:00:00Z')),
        covered('team/api', digestOf('never'), undefined),
        { ...covered('team/api', a, new Date('2026-02-20T00:00:00Z')), resourceType: 'AWS_ECR_REPOSITORY', resourceId: 'arn:aws:ecr:eu-west-1:123456789012:repository/team/api' },
        { ...covered('team/api', a, new Date('2026-02-20T00:00:00Z')), resourceId: 'i-0123456789abcdef0' },
      ],
    });

    // Act
    const images = await all();

    // Assess
    expect(images).toEqual([]);
  });

  it('throws AwsCallError naming ListCoverage with the AWS error name', async () => {
    // Prepare
    inspectorMock.on(ListCoverageCommand).rejects(Object.assign(new Error('Invoking account is not enabled'), { name: 'AccessDeniedException' }));

    // Act
    const error: unknown = await all().catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'AwsCallError', action: 'inspector2:ListCoverage', awsCode: 'AccessDeniedException' });
  });
});

describe('Function: ecrImageCoverage', () => {
  it('reads every ECR image in coverage, in use or not, with its scan status and last scan, 200 a page', async () => {
    // Prepare
    const scanned = new Date('2026-02-20T00:00:00Z');
    inspectorMock.on(ListCoverageCommand).resolves({
      coveredResources: [
        {
          resourceType: 'AWS_ECR_CONTAINER_IMAGE',
          resourceId: `arn:aws:ecr:eu-west-1:123456789012:repository/team/api/${digestOf('never-run')}`,
          accountId: '123456789012',
          scanType: 'PACKAGE',
          scanStatus: { statusCode: 'INACTIVE', reason: 'SCAN_ELIGIBILITY_EXPIRED' },
          lastScannedAt: scanned,
          resourceMetadata: { ecrRepository: { name: 'team/api' }, ecrImage: { tags: [] } },
        },
        { resourceType: 'AWS_ECR_REPOSITORY', resourceId: 'arn:aws:ecr:eu-west-1:123456789012:repository/team/api', accountId: '123456789012', scanType: 'PACKAGE' },
      ],
    });

    // Act
    const images = [];
    for await (const image of adapter().ecrImageCoverage?.() ?? []) images.push(image);

    // Assess
    expect(images).toEqual([
      expect.objectContaining({ repository: 'team/api', digest: digestOf('never-run'), lastInUseAt: undefined, scanStatus: { code: 'INACTIVE', reason: 'SCAN_ELIGIBILITY_EXPIRED' }, lastScannedAt: scanned }),
    ]);
    expect(inspectorMock).toReceiveCommandWith(ListCoverageCommand, { maxResults: 200, filterCriteria: { resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }] } });
  });
});
