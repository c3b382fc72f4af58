import 'aws-sdk-client-mock-vitest/extend';
import { Inspector2Client, ListCoverageCommand, ListFindingsCommand, type CoveredResource, type Finding, type FilterCriteria } from '@aws-sdk/client-inspector2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../../src/lib/aws/clients.js';
import { createInspectorAdapter } from '../../../src/lib/aws/inspector2.js';
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
