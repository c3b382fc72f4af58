/**
 * One smoke test per emulator patch (test/emulator/moto_server.py), through the real AWS SDK v3:
 * if moto changes or a patch breaks, these fail before the adapter tests mislead anyone.
 */
import { createHash } from 'node:crypto';
import {
  BatchDeleteImageCommand,
  BatchGetImageCommand,
  DescribeImagesCommand,
  GetLifecyclePolicyCommand,
  ImageAlreadyExistsException,
  ImageDigestDoesNotMatchException,
  ImageTagAlreadyExistsException,
  LifecyclePolicyNotFoundException,
  ListTagsForResourceCommand,
  PutImageCommand,
  PutLifecyclePolicyCommand,
  RepositoryNotFoundException,
  TagResourceCommand,
  type ImageDetail,
} from '@aws-sdk/client-ecr';
import {
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTasksCommand,
  ListTasksCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { ListFindingsCommand, type FilterCriteria } from '@aws-sdk/client-inspector2';
import { GetResourcesCommand, ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/use-emulator.js';
import { clientConfig } from './harness.js';
import {
  MEDIA_TYPES,
  buildImageManifest,
  createCluster,
  createRepository,
  createService,
  daysAgo,
  pushImage,
  registerTaskDefinition,
  runTask,
} from './seed.js';

const { emu, ecr, ecs, inspector } = useEmulator();
const NOW = new Date('2026-03-01T12:00:00.000Z');

const describeAll = async (repositoryName: string, imageStatus?: 'ANY' | 'ACTIVE' | 'ARCHIVED'): Promise<ImageDetail[]> =>
  (
    await ecr.send(
      new DescribeImagesCommand({ repositoryName, ...(imageStatus !== undefined ? { filter: { imageStatus } } : {}) }),
    )
  ).imageDetails ?? [];

const detailOf = async (repositoryName: string, digest: string): Promise<ImageDetail | undefined> =>
  (await describeAll(repositoryName, 'ANY')).find((detail) => detail.imageDigest === digest);

describe('Patch a: image times', () => {
  it('reports the push, pull, archive and activation times set through the control server', async () => {
    // Prepare
    await createRepository(ecr, 'times/app');
    const image = await pushImage(ecr, emu.control, { repository: 'times/app', tags: ['v1'] });
    const pushedAt = daysAgo(NOW, 100);
    const pulledAt = daysAgo(NOW, 3);
    const archivedAt = daysAgo(NOW, 40);
    const activatedAt = daysAgo(NOW, 2);

    // Act
    await emu.setImageTimes({
      repositoryName: 'times/app',
      imageDigest: image.digest,
      imagePushedAt: pushedAt,
      lastRecordedPullTime: pulledAt,
      lastArchivedAt: archivedAt,
      lastActivatedAt: activatedAt,
    });
    const detail = await detailOf('times/app', image.digest);

    // Assess
    expect(detail?.imagePushedAt?.toISOString()).toBe(pushedAt.toISOString());
    expect(detail?.lastRecordedPullTime?.toISOString()).toBe(pulledAt.toISOString());
    expect(detail?.lastArchivedAt?.toISOString()).toBe(archivedAt.toISOString());
    expect(detail?.lastActivatedAt?.toISOString()).toBe(activatedAt.toISOString());
    expect(detail?.imageStatus).toBe('ACTIVE');
  });

  it('omits lastRecordedPullTime for a never-pulled image and reports a referrer subject', async () => {
    // Prepare
    await createRepository(ecr, 'times/signed');
    const subject = await pushImage(ecr, emu.control, { repository: 'times/signed', tags: ['v1'] });
    const signature = await pushImage(ecr, emu.control, {
      repository: 'times/signed',
      subject: { digest: subject.digest, mediaType: subject.mediaType, size: Buffer.byteLength(subject.manifest) },
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
    });

    // Act
    const subjectDetail = await detailOf('times/signed', subject.digest);
    const signatureDetail = await detailOf('times/signed', signature.digest);

    // Assess
    expect(subjectDetail?.lastRecordedPullTime).toBeUndefined();
    expect(subjectDetail?.subjectManifestDigest).toBeUndefined();
    expect(signatureDetail?.subjectManifestDigest).toBe(subject.digest);
    expect(signatureDetail?.artifactMediaType).toBe('application/vnd.dev.cosign.artifact.sig.v1+json');
  });
});

describe('Patch b: DescribeImages filter.imageStatus', () => {
  it('hides archived images unless the filter asks for ARCHIVED or ANY', async () => {
    // Prepare
    await createRepository(ecr, 'status/app');
    const active = await pushImage(ecr, emu.control, { repository: 'status/app', tags: ['new'] });
    const archived = await pushImage(ecr, emu.control, { repository: 'status/app', tags: ['old'] });
    await emu.setImageTimes({ repositoryName: 'status/app', imageDigest: archived.digest, imageStatus: 'ARCHIVED' });

    // Act
    const byDefault = await describeAll('status/app');
    const onlyArchived = await describeAll('status/app', 'ARCHIVED');
    const any = await describeAll('status/app', 'ANY');

    // Assess
    expect(byDefault.map((d) => d.imageDigest)).toEqual([active.digest]);
    expect(onlyArchived.map((d) => d.imageDigest)).toEqual([archived.digest]);
    expect(any.map((d) => d.imageDigest).sort()).toEqual([active.digest, archived.digest].sort());
  });

  it('honours filter.tagStatus', async () => {
    // Prepare
    await createRepository(ecr, 'status/tags');
    const tagged = await pushImage(ecr, emu.control, { repository: 'status/tags', tags: ['v1'] });
    const untagged = await pushImage(ecr, emu.control, { repository: 'status/tags' });

    // Act
    const result = await ecr.send(new DescribeImagesCommand({ repositoryName: 'status/tags', filter: { tagStatus: 'UNTAGGED' } }));
    const resultTagged = await ecr.send(new DescribeImagesCommand({ repositoryName: 'status/tags', filter: { tagStatus: 'TAGGED' } }));

    // Assess
    expect(result.imageDetails?.map((d) => d.imageDigest)).toEqual([untagged.digest]);
    expect(result.imageDetails?.[0]?.imageTags).toBeUndefined();
    expect(resultTagged.imageDetails?.map((d) => d.imageDigest)).toEqual([tagged.digest]);
  });
});

describe('Patch c: ECS task containers', () => {
  it('reports every container with the digest its image resolved to, and none for a non-ECR image', async () => {
    // Prepare
    const repository = await createRepository(ecr, 'ecs/app');
    const byTag = await pushImage(ecr, emu.control, { repository: 'ecs/app', tags: ['v1'] });
    const byDigest = await pushImage(ecr, emu.control, { repository: 'ecs/app', tags: ['v2'] });
    await createCluster(ecs, 'c1');
    const taskDefinition = await registerTaskDefinition(ecs, {
      family: 'app',
      launchType: 'FARGATE',
      containers: [
        { name: 'main', image: `${repository.uri}:v1` },
        { name: 'pinned', image: `${repository.uri}@${byDigest.digest}` },
        { name: 'proxy', image: 'docker.io/library/nginx:1.27' },
      ],
    });
    const [taskArn] = await runTask(ecs, emu.control, { cluster: 'c1', taskDefinition, launchType: 'FARGATE' });

    // Act
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'c1', tasks: [taskArn ?? ''] }));
    const containers = Object.fromEntries((tasks?.[0]?.containers ?? []).map((c) => [c.name, c]));

    // Assess
    expect(Object.keys(containers).sort()).toEqual(['main', 'pinned', 'proxy']);
    expect(containers['main']?.imageDigest).toBe(byTag.digest);
    expect(containers['main']?.image).toBe(`${repository.uri}:v1`);
    expect(containers['pinned']?.imageDigest).toBe(byDigest.digest);
    expect(containers['proxy']?.imageDigest).toBeUndefined();
    expect(containers['main']?.taskArn).toBe(taskArn);
  });

  it('keeps the digest pulled at start when the tag later moves, and lets the control server remove it', async () => {
    // Prepare
    const repository = await createRepository(ecr, 'ecs/moving');
    const first = await pushImage(ecr, emu.control, { repository: 'ecs/moving', tags: ['latest'] });
    await createCluster(ecs, 'c2');
    const taskDefinition = await registerTaskDefinition(ecs, {
      family: 'moving',
      launchType: 'EC2',
      containers: [{ name: 'main', image: `${repository.uri}:latest` }],
    });
    const [running, pending] = await runTask(ecs, emu.control, { cluster: 'c2', taskDefinition, launchType: 'EC2', count: 2 });
    await pushImage(ecr, emu.control, { repository: 'ecs/moving', tags: ['latest'] });

    // Act
    await emu.setTaskDigest({ cluster: 'c2', taskArn: pending ?? '', containerName: 'main', imageDigest: null });
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'c2', tasks: [running ?? '', pending ?? ''] }));
    const byArn = new Map((tasks ?? []).map((task) => [task.taskArn, task.containers?.[0]?.imageDigest]));

    // Assess
    expect(byArn.get(running)).toBe(first.digest);
    expect(byArn.has(pending)).toBe(true);
    expect(byArn.get(pending)).toBeUndefined();
  });

  it('reports unknown task ARNs in failures[] and never returns another cluster\'s task', async () => {
    // Prepare
    const repository = await createRepository(ecr, 'ecs/other');
    await pushImage(ecr, emu.control, { repository: 'ecs/other', tags: ['v1'] });
    await createCluster(ecs, 'blue');
    await createCluster(ecs, 'green');
    const taskDefinition = await registerTaskDefinition(ecs, {
      family: 'other',
      launchType: 'FARGATE',
      containers: [{ name: 'main', image: `${repository.uri}:v1` }],
    });
    const [blueTask] = await runTask(ecs, emu.control, { cluster: 'blue', taskDefinition, launchType: 'FARGATE' });

    // Act
    const result = await ecs.send(new DescribeTasksCommand({ cluster: 'green', tasks: [blueTask ?? ''] }));

    // Assess
    expect(result.tasks).toEqual([]);
    expect(result.failures).toEqual([{ arn: blueTask, reason: 'MISSING' }]);
  });
});

describe('Patch d: task state', () => {
  it('keeps a RUNNING task RUNNING however often it is described', async () => {
    // Prepare
    const repository = await createRepository(ecr, 'state/app');
    await pushImage(ecr, emu.control, { repository: 'state/app', tags: ['v1'] });
    await createCluster(ecs, 'state');
    const taskDefinition = await registerTaskDefinition(ecs, {
      family: 'state',
      launchType: 'FARGATE',
      containers: [{ name: 'main', image: `${repository.uri}:v1` }],
    });
    const [taskArn] = await runTask(ecs, emu.control, { cluster: 'state', taskDefinition, launchType: 'FARGATE' });

    // Act
    const statuses: (string | undefined)[] = [];
    for (let i = 0; i < 6; i += 1) {
      const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'state', tasks: [taskArn ?? ''] }));
      statuses.push(tasks?.[0]?.lastStatus);
    }

    // Assess
    expect(statuses).toEqual(Array.from({ length: 6 }, () => 'RUNNING'));
  });

  it('lists RUNNING tasks by default, STOPPED ones on request, and filters by serviceName', async () => {
    // Prepare
    const repository = await createRepository(ecr, 'state/svc');
    await pushImage(ecr, emu.control, { repository: 'state/svc', tags: ['v1'] });
    await createCluster(ecs, 'svc');
    const taskDefinition = await registerTaskDefinition(ecs, {
      family: 'svc',
      launchType: 'FARGATE',
      containers: [{ name: 'main', image: `${repository.uri}:v1` }],
    });
    const service = await createService(ecs, emu.control, {
      cluster: 'svc', serviceName: 'front', taskDefinition, desiredCount: 2, launchType: 'FARGATE',
    });
    const [standalone, stopped] = await runTask(ecs, emu.control, { cluster: 'svc', taskDefinition, launchType: 'FARGATE', count: 2 });
    await ecs.send(new StopTaskCommand({ cluster: 'svc', task: stopped ?? '' }));

    // Act
    const running = await ecs.send(new ListTasksCommand({ cluster: 'svc' }));
    const stoppedList = await ecs.send(new ListTasksCommand({ cluster: 'svc', desiredStatus: 'STOPPED' }));
    const byService = await ecs.send(new ListTasksCommand({ cluster: 'svc', serviceName: 'front' }));

    // Assess
    expect(running.taskArns?.sort()).toEqual([...service.taskArns, standalone].sort());
    expect(stoppedList.taskArns).toEqual([stopped]);
    expect(byService.taskArns?.sort()).toEqual([...service.taskArns].sort());
  });
});

describe('Patch e: PutImage tag semantics', () => {
  it('moves a tag in a MUTABLE repository and leaves the previous image untagged, not deleted', async () => {
    // Prepare
    await createRepository(ecr, 'tags/mutable');
    const first = await pushImage(ecr, emu.control, { repository: 'tags/mutable', tags: ['latest'] });

    // Act
    const second = await pushImage(ecr, emu.control, { repository: 'tags/mutable', tags: ['latest'] });
    const details = await describeAll('tags/mutable');

    // Assess
    expect(details.find((d) => d.imageDigest === second.digest)?.imageTags).toEqual(['latest']);
    const previous = details.find((d) => d.imageDigest === first.digest);
    expect(previous).toBeDefined();
    expect(previous?.imageTags).toBeUndefined();
  });

  it('refuses to move a tag in an IMMUTABLE repository with ImageTagAlreadyExistsException', async () => {
    // Prepare
    await createRepository(ecr, 'tags/immutable', { mutability: 'IMMUTABLE' });
    await pushImage(ecr, emu.control, { repository: 'tags/immutable', tags: ['1.0.0'] });
    const other = buildImageManifest({});

    // Act
    const put = ecr.send(
      new PutImageCommand({ repositoryName: 'tags/immutable', imageManifest: other.manifest, imageManifestMediaType: other.mediaType, imageTag: '1.0.0' }),
    );

    // Assess
    await expect(put).rejects.toBeInstanceOf(ImageTagAlreadyExistsException);
  });

  it('adds a new tag in every mutability mode and moves only the tags excluded from immutability', async () => {
    // Prepare
    await createRepository(ecr, 'tags/exclusion', { mutability: 'IMMUTABLE_WITH_EXCLUSION', exclusionFilters: ['dev-*'] });
    const image = await pushImage(ecr, emu.control, { repository: 'tags/exclusion', tags: ['1.0.0', 'dev-a'] });
    const other = buildImageManifest({});
    const put = (tag: string) =>
      ecr.send(new PutImageCommand({ repositoryName: 'tags/exclusion', imageManifest: other.manifest, imageManifestMediaType: other.mediaType, imageTag: tag }));

    // Act
    await put('dev-a');
    await put('keeper-protect-1');
    const refused = put('1.0.0');

    // Assess
    await expect(refused).rejects.toBeInstanceOf(ImageTagAlreadyExistsException);
    expect((await detailOf('tags/exclusion', image.digest))?.imageTags).toEqual(['1.0.0']);
  });

  it('answers ImageAlreadyExistsException when the image already has the tag', async () => {
    // Prepare
    await createRepository(ecr, 'tags/again');
    const image = await pushImage(ecr, emu.control, { repository: 'tags/again', tags: ['v1'] });

    // Act
    const put = ecr.send(
      new PutImageCommand({ repositoryName: 'tags/again', imageManifest: image.manifest, imageManifestMediaType: image.mediaType, imageDigest: image.digest, imageTag: 'v1' }),
    );

    // Assess
    await expect(put).rejects.toBeInstanceOf(ImageAlreadyExistsException);
  });

  it('refuses a manifest whose sha256 is not the given imageDigest, and computes digests over the exact bytes', async () => {
    // Prepare
    await createRepository(ecr, 'tags/digest');
    const image = await pushImage(ecr, emu.control, { repository: 'tags/digest', tags: ['v1'] });
    const compact = JSON.stringify(JSON.parse(image.manifest));

    // Act
    const mismatch = ecr.send(
      new PutImageCommand({ repositoryName: 'tags/digest', imageManifest: compact, imageManifestMediaType: image.mediaType, imageDigest: image.digest, imageTag: 'v2' }),
    );

    // Assess
    await expect(mismatch).rejects.toBeInstanceOf(ImageDigestDoesNotMatchException);
    expect(image.digest).toBe(`sha256:${createHash('sha256').update(image.manifest).digest('hex')}`);
    expect((await describeAll('tags/digest')).map((d) => d.imageDigest)).toEqual([image.digest]);
  });

  it('answers RepositoryNotFoundException for PutImage into a missing repository', async () => {
    // Prepare
    const image = buildImageManifest({});

    // Act
    const put = ecr.send(new PutImageCommand({ repositoryName: 'nowhere/app', imageManifest: image.manifest, imageManifestMediaType: image.mediaType, imageTag: 'v1' }));

    // Assess
    await expect(put).rejects.toBeInstanceOf(RepositoryNotFoundException);
  });
});

describe('Patch f: Inspector2 ListFindings filters', () => {
  it('honours resourceType, repository, image hash, status and severity with EQUALS, NOT_EQUALS and PREFIX', async () => {
    // Prepare
    await createRepository(ecr, 'scan/api');
    await createRepository(ecr, 'scan/web');
    const api = await pushImage(ecr, emu.control, { repository: 'scan/api', tags: ['v1'] });
    const web = await pushImage(ecr, emu.control, { repository: 'scan/web', tags: ['v1'] });
    await emu.seedFindings([
      { repositoryName: 'scan/api', imageDigest: api.digest, severity: 'CRITICAL' },
      { repositoryName: 'scan/api', imageDigest: api.digest, severity: 'LOW', status: 'CLOSED' },
      { repositoryName: 'scan/web', imageDigest: web.digest, severity: 'HIGH' },
    ]);
    const list = async (filterCriteria: FilterCriteria) =>
      (await inspector.send(new ListFindingsCommand({ filterCriteria }))).findings ?? [];
    const ecrOnly = { resourceType: [{ comparison: 'EQUALS' as const, value: 'AWS_ECR_CONTAINER_IMAGE' }] };

    // Act
    const forApi = await list({ ...ecrOnly, ecrImageRepositoryName: [{ comparison: 'EQUALS', value: 'scan/api' }] });
    const activeForHash = await list({
      ecrImageHash: [{ comparison: 'EQUALS', value: api.digest }],
      findingStatus: [{ comparison: 'EQUALS', value: 'ACTIVE' }],
    });
    const notLow = await list({ severity: [{ comparison: 'NOT_EQUALS', value: 'LOW' }] });
    const byPrefix = await list({ ecrImageRepositoryName: [{ comparison: 'PREFIX', value: 'scan/w' }] });
    const lambdaOnly = await list({ resourceType: [{ comparison: 'EQUALS', value: 'AWS_LAMBDA_FUNCTION' }] });

    // Assess
    expect(forApi).toHaveLength(2);
    expect(activeForHash.map((f) => f.severity)).toEqual(['CRITICAL']);
    expect(notLow.map((f) => f.severity).sort()).toEqual(['CRITICAL', 'HIGH']);
    expect(byPrefix.map((f) => f.resources?.[0]?.details?.awsEcrContainerImage?.repositoryName)).toEqual(['scan/web']);
    expect(lambdaOnly).toEqual([]);
  });

  it('shapes seeded findings like real ECR image findings', async () => {
    // Prepare
    await createRepository(ecr, 'scan/shape');
    const image = await pushImage(ecr, emu.control, { repository: 'scan/shape', tags: ['v1', 'prod'], pushedAt: daysAgo(NOW, 5) });
    await emu.seedFindings([{ repositoryName: 'scan/shape', imageDigest: image.digest, severity: 'MEDIUM', title: 'CVE-2024-0001 - zlib' }]);

    // Act
    const { findings } = await inspector.send(new ListFindingsCommand({}));
    const resource = findings?.[0]?.resources?.[0];

    // Assess
    expect(findings?.[0]?.title).toBe('CVE-2024-0001 - zlib');
    expect(findings?.[0]?.status).toBe('ACTIVE');
    expect(resource?.type).toBe('AWS_ECR_CONTAINER_IMAGE');
    expect(resource?.details?.awsEcrContainerImage).toMatchObject({
      repositoryName: 'scan/shape',
      imageHash: image.digest,
      imageTags: ['v1', 'prod'],
      registry: emu.accountId,
    });
    expect(resource?.details?.awsEcrContainerImage?.pushedAt?.toISOString()).toBe(daysAgo(NOW, 5).toISOString());
  });

  it('pages with nextToken', async () => {
    // Prepare
    await createRepository(ecr, 'scan/many');
    const image = await pushImage(ecr, emu.control, { repository: 'scan/many', tags: ['v1'] });
    await emu.seedFindings(Array.from({ length: 5 }, () => ({ repositoryName: 'scan/many', imageDigest: image.digest, severity: 'LOW' as const })));

    // Act
    const first = await inspector.send(new ListFindingsCommand({ maxResults: 3 }));
    const second = await inspector.send(new ListFindingsCommand({ maxResults: 3, nextToken: first.nextToken }));

    // Assess
    expect(first.findings).toHaveLength(3);
    expect(second.findings).toHaveLength(2);
    expect(second.nextToken).toBeUndefined();
  });
});

describe('Patch g: other ecr-keeper paths', () => {
  it('returns the exact manifest bytes and media type from BatchGetImage by digest', async () => {
    // Prepare
    await createRepository(ecr, 'paths/oci');
    const image = await pushImage(ecr, emu.control, { repository: 'paths/oci', tags: ['v1'], omitMediaType: true });

    // Act
    const { images, failures } = await ecr.send(
      new BatchGetImageCommand({
        repositoryName: 'paths/oci',
        imageIds: [{ imageDigest: image.digest }],
        acceptedMediaTypes: Object.values(MEDIA_TYPES).filter((type) => !type.includes('config') && !type.includes('layer')),
      }),
    );

    // Assess
    expect(failures).toEqual([]);
    expect(images?.[0]?.imageManifest).toBe(image.manifest);
    expect(images?.[0]?.imageManifestMediaType).toBe(MEDIA_TYPES.ociManifest);
    expect(images?.[0]?.imageId).toEqual({ imageDigest: image.digest });
  });

  it('reports ImageTagDoesNotMatchDigest when the tag belongs to another image', async () => {
    // Prepare
    await createRepository(ecr, 'paths/mismatch');
    const a = await pushImage(ecr, emu.control, { repository: 'paths/mismatch', tags: ['a'] });
    await pushImage(ecr, emu.control, { repository: 'paths/mismatch', tags: ['b'] });

    // Act
    const { images, failures } = await ecr.send(
      new BatchGetImageCommand({ repositoryName: 'paths/mismatch', imageIds: [{ imageDigest: a.digest, imageTag: 'b' }] }),
    );

    // Assess
    expect(images).toEqual([]);
    expect(failures?.[0]?.failureCode).toBe('ImageTagDoesNotMatchDigest');
  });

  it('removes one tag with BatchDeleteImage and deletes the image with its last tag', async () => {
    // Prepare
    await createRepository(ecr, 'paths/delete');
    const image = await pushImage(ecr, emu.control, { repository: 'paths/delete', tags: ['v1', 'keeper-1'] });

    // Act
    await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'paths/delete', imageIds: [{ imageTag: 'keeper-1' }] }));
    const afterFirst = await detailOf('paths/delete', image.digest);
    await ecr.send(new BatchDeleteImageCommand({ repositoryName: 'paths/delete', imageIds: [{ imageTag: 'v1' }] }));
    const afterLast = await detailOf('paths/delete', image.digest);

    // Assess
    expect(afterFirst?.imageTags).toEqual(['v1']);
    expect(afterLast).toBeUndefined();
  });

  it('stores lifecycle policy text verbatim and answers LifecyclePolicyNotFoundException without one', async () => {
    // Prepare
    await createRepository(ecr, 'paths/policy');
    await createRepository(ecr, 'paths/nopolicy');
    const text = JSON.stringify({
      rules: [{ rulePriority: 1, description: 'expire untagged after 14 days', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 }, action: { type: 'expire' } }],
    });

    // Act
    await ecr.send(new PutLifecyclePolicyCommand({ repositoryName: 'paths/policy', lifecyclePolicyText: text }));
    const stored = await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'paths/policy' }));
    const missing = ecr.send(new GetLifecyclePolicyCommand({ repositoryName: 'paths/nopolicy' }));

    // Assess
    expect(stored.lifecyclePolicyText).toBe(text);
    await expect(missing).rejects.toBeInstanceOf(LifecyclePolicyNotFoundException);
  });

  it('tags repositories and lists their tags', async () => {
    // Prepare
    const repository = await createRepository(ecr, 'paths/tagged', { tags: { team: 'a' } });

    // Act
    await ecr.send(new TagResourceCommand({ resourceArn: repository.arn, tags: [{ Key: 'ecr-keeper:managed', Value: 'false' }] }));
    const { tags } = await ecr.send(new ListTagsForResourceCommand({ resourceArn: repository.arn }));

    // Assess
    expect(tags).toEqual(expect.arrayContaining([{ Key: 'team', Value: 'a' }, { Key: 'ecr-keeper:managed', Value: 'false' }]));
  });

  it('includes ECS TAGS on clusters, services and tasks when asked', async () => {
    // Prepare
    const repository = await createRepository(ecr, 'paths/ecs');
    await pushImage(ecr, emu.control, { repository: 'paths/ecs', tags: ['v1'] });
    await createCluster(ecs, 'tagged', { environment: 'prod' });
    const taskDefinition = await registerTaskDefinition(ecs, { family: 'tagged', launchType: 'FARGATE', containers: [{ name: 'main', image: `${repository.uri}:v1` }] });
    const service = await createService(ecs, emu.control, {
      cluster: 'tagged', serviceName: 'svc', taskDefinition, desiredCount: 1, launchType: 'FARGATE', tags: { team: 'shop' },
    });

    // Act
    const clusters = await ecs.send(new DescribeClustersCommand({ clusters: ['tagged'], include: ['TAGS'] }));
    const services = await ecs.send(new DescribeServicesCommand({ cluster: 'tagged', services: ['svc'], include: ['TAGS'] }));
    const tasks = await ecs.send(new DescribeTasksCommand({ cluster: 'tagged', tasks: [...service.taskArns], include: ['TAGS'] }));

    // Assess
    expect(clusters.clusters?.[0]?.tags).toEqual([{ key: 'environment', value: 'prod' }]);
    expect(services.services?.[0]?.tags).toEqual([{ key: 'team', value: 'shop' }]);
    expect(services.services?.[0]?.desiredCount).toBe(1);
    expect(tasks.tasks?.[0]?.tags).toEqual([{ key: 'team', value: 'shop' }]);
    expect(tasks.tasks?.[0]?.group).toBe('service:svc');
  });
});

describe('Patch k: Resource Groups Tagging API serves ECR repositories', () => {
  it('returns every tagged repository with its tags, and leaves untagged ones out', async () => {
    // Prepare
    const tagging = new ResourceGroupsTaggingAPIClient(clientConfig(emu));
    const tagged = await createRepository(ecr, 'bulk/tagged');
    const excluded = await createRepository(ecr, 'bulk/excluded');
    await createRepository(ecr, 'bulk/untagged');
    await ecr.send(new TagResourceCommand({ resourceArn: tagged.arn, tags: [{ Key: 'team', Value: 'a' }] }));
    await ecr.send(new TagResourceCommand({ resourceArn: excluded.arn, tags: [{ Key: 'ecr-keeper:managed', Value: 'false' }] }));

    // Act
    const all = await tagging.send(new GetResourcesCommand({ ResourceTypeFilters: ['ecr:repository'], ResourcesPerPage: 100 }));
    const filtered = await tagging.send(
      new GetResourcesCommand({ ResourceTypeFilters: ['ecr:repository'], TagFilters: [{ Key: 'ecr-keeper:managed', Values: ['false'] }] }),
    );
    tagging.destroy();

    // Assess
    expect(all.ResourceTagMappingList?.map((m) => [m.ResourceARN, m.Tags]).sort()).toEqual([
      [excluded.arn, [{ Key: 'ecr-keeper:managed', Value: 'false' }]],
      [tagged.arn, [{ Key: 'team', Value: 'a' }]],
    ]);
    expect(filtered.ResourceTagMappingList?.map((m) => m.ResourceARN)).toEqual([excluded.arn]);
  });
});
