/**
 * Smoke tests of patch h (test/emulator/moto_server.py): ECS service revisions and service
 * deployments, which moto 5.2.1 answers with HTTP 500. Through the real SDK v3, then through
 * ecr-keeper's own ECS adapter, so a sweep against the emulator sees digests pinned per revision.
 */
import {
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListServiceDeploymentsCommand,
  ListTasksCommand,
  type ServiceDeploymentStatus,
  type ServiceRevision,
} from '@aws-sdk/client-ecs';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/lib/domain/types.js';
import { useEmulator } from '../helpers/use-emulator.js';
import { forgetServiceRevisions } from './control.js';
import {
  createCluster,
  createRepository,
  createService,
  currentRevisionArns,
  pushImage,
  registerTaskDefinition,
  setDeploymentStatus,
  updateService,
  type SeededRepository,
} from './seed.js';
import { deploymentRevisionsIn } from '../helpers/fakes.js';

const { emu, ecr, ecs, adapters } = useEmulator();
const REVISION_ARN = /^arn:aws:ecs:us-east-1:123456789012:service-revision\/prod\/api\/\d{19}$/;
const DEPLOYMENT_ARN = /^arn:aws:ecs:us-east-1:123456789012:service-deployment\/prod\/api\/[A-Za-z0-9]+$/;
const SIDECAR = { name: 'log-router', image: 'public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.4' };

let repository: SeededRepository;
let clusterArn: string;

const describeRevisions = async (arns: readonly string[]): Promise<ServiceRevision[]> =>
  (await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [...arns] }))).serviceRevisions ?? [];

const digestOf = (revision: ServiceRevision | undefined, containerName: string): string | undefined =>
  revision?.containerImages?.find((image) => image.containerName === containerName)?.imageDigest;

const listDeployments = async (status?: ServiceDeploymentStatus[]) =>
  (await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'prod', service: 'api', ...(status !== undefined ? { status } : {}) })))
    .serviceDeployments ?? [];

const collect = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

/** Pushes `api:v1`, runs service `api` on it, moves `v1` to a new image and deploys task definition revision 2. */
const deployTwice = async (): Promise<{ oldDigest: Digest; newDigest: Digest; first: string; second: string }> => {
  const image = `${repository.uri}:v1`;
  const oldDigest = (await pushImage(ecr, emu.control, { repository: 'team/api', tags: ['v1'] })).digest;
  const firstTd = await registerTaskDefinition(ecs, { family: 'api', launchType: 'FARGATE', containers: [{ name: 'app', image }] });
  await createService(ecs, emu.control, { cluster: 'prod', serviceName: 'api', taskDefinition: firstTd, desiredCount: 1, launchType: 'FARGATE' });
  const [first] = await currentRevisionArns(ecs, 'prod', 'api');
  const newDigest = (await pushImage(ecr, emu.control, { repository: 'team/api', tags: ['v1'] })).digest;
  const secondTd = await registerTaskDefinition(ecs, { family: 'api', launchType: 'FARGATE', containers: [{ name: 'app', image }] });
  await updateService(ecs, emu.control, { cluster: 'prod', serviceName: 'api', taskDefinition: secondTd });
  const [second] = await currentRevisionArns(ecs, 'prod', 'api');
  if (first === undefined || second === undefined) throw new Error('service has no current revision');
  return { oldDigest, newDigest, first, second };
};

beforeEach(async () => {
  repository = await createRepository(ecr, 'team/api');
  clusterArn = await createCluster(ecs, 'prod');
});

describe('Patch h: ECS service revisions', () => {
  it('records one current revision at CreateService with the digest each ECR image resolved to then', async () => {
    // Prepare
    const pushed = await pushImage(ecr, emu.control, { repository: 'team/api', tags: ['v1'] });
    const taskDefinition = await registerTaskDefinition(ecs, {
      family: 'api',
      launchType: 'FARGATE',
      containers: [{ name: 'app', image: `${repository.uri}:v1` }, SIDECAR],
    });

    // Act
    const { serviceArn } = await createService(ecs, emu.control, { cluster: 'prod', serviceName: 'api', taskDefinition, desiredCount: 1, launchType: 'FARGATE' });
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));
    const current = services?.[0]?.currentServiceRevisions ?? [];
    const [revision] = await describeRevisions(current.flatMap((r) => (r.arn === undefined ? [] : [r.arn])));

    // Assess
    expect(current).toHaveLength(1);
    expect(current[0]).toEqual({ arn: expect.stringMatching(REVISION_ARN), requestedTaskCount: 1, runningTaskCount: 1, pendingTaskCount: 0 });
    expect(services?.[0]?.currentServiceDeployment).toMatch(DEPLOYMENT_ARN);
    expect(revision).toMatchObject({ serviceRevisionArn: current[0]?.arn, serviceArn, clusterArn, taskDefinition, launchType: 'FARGATE' });
    expect(revision?.createdAt).toBeInstanceOf(Date);
    expect(revision?.containerImages).toEqual([
      { containerName: 'app', image: `${repository.uri}:v1`, imageDigest: pushed.digest },
      { containerName: SIDECAR.name, image: SIDECAR.image },
    ]);
  });

  it('pins the moved tag\'s new digest in a new revision and keeps the old digest in the first (the rollback target)', async () => {
    // Act
    const { oldDigest, newDigest, first, second } = await deployTwice();
    const revisions = await describeRevisions([first, second]);
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'prod', serviceName: 'api' }));
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'prod', tasks: taskArns ?? [] }));

    // Assess
    expect(second).not.toBe(first);
    expect(newDigest).not.toBe(oldDigest);
    expect(digestOf(revisions.find((r) => r.serviceRevisionArn === first), 'app')).toBe(oldDigest);
    expect(digestOf(revisions.find((r) => r.serviceRevisionArn === second), 'app')).toBe(newDigest);
    expect(tasks?.map((task) => task.containers?.[0]?.imageDigest)).toEqual([newDigest]);
  });

  it('lists both deployments newest first and describes their source and target revisions', async () => {
    // Prepare
    const { first, second } = await deployTwice();

    // Act
    const briefs = await listDeployments();
    const { serviceDeployments } = await ecs.send(
      new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: briefs.flatMap((b) => (b.serviceDeploymentArn === undefined ? [] : [b.serviceDeploymentArn])) }),
    );
    const [newest, oldest] = serviceDeployments ?? [];

    // Assess
    expect(briefs.map((b) => b.targetServiceRevisionArn)).toEqual([second, first]);
    expect(briefs.every((b) => b.status === 'SUCCESSFUL' && DEPLOYMENT_ARN.test(b.serviceDeploymentArn ?? ''))).toBe(true);
    expect(briefs[0]?.createdAt?.getTime()).toBeGreaterThan(briefs[1]?.createdAt?.getTime() ?? Infinity);
    expect(newest?.sourceServiceRevisions?.map((r) => r.arn)).toEqual([first]);
    expect(newest?.targetServiceRevision).toMatchObject({ arn: second, requestedTaskCount: 1, runningTaskCount: 1 });
    expect(newest?.finishedAt).toBeInstanceOf(Date);
    expect(oldest?.sourceServiceRevisions ?? []).toEqual([]);
    expect(oldest?.targetServiceRevision?.arn).toBe(first);
  });

  it('starts a deployment on forceNewDeployment (re-resolving the tag) but not on a desiredCount change', async () => {
    // Prepare
    const image = `${repository.uri}:v1`;
    await pushImage(ecr, emu.control, { repository: 'team/api', tags: ['v1'] });
    const taskDefinition = await registerTaskDefinition(ecs, { family: 'api', launchType: 'FARGATE', containers: [{ name: 'app', image }] });
    await createService(ecs, emu.control, { cluster: 'prod', serviceName: 'api', taskDefinition, desiredCount: 1, launchType: 'FARGATE' });
    const moved = await pushImage(ecr, emu.control, { repository: 'team/api', tags: ['v1'] });

    // Act
    await updateService(ecs, emu.control, { cluster: 'prod', serviceName: 'api', desiredCount: 2 });
    const afterScale = await listDeployments();
    await updateService(ecs, emu.control, { cluster: 'prod', serviceName: 'api', forceNewDeployment: true });
    const afterForce = await listDeployments();
    const [current] = await describeRevisions(await currentRevisionArns(ecs, 'prod', 'api'));

    // Assess
    expect(afterScale).toHaveLength(1);
    expect(afterForce).toHaveLength(2);
    expect(current?.taskDefinition).toBe(taskDefinition);
    expect(digestOf(current, 'app')).toBe(moved.digest);
  });

  it('keeps the revision and its digest for a service scaled to zero', async () => {
    // Prepare
    const pushed = await pushImage(ecr, emu.control, { repository: 'team/api', tags: ['v1'] });
    const taskDefinition = await registerTaskDefinition(ecs, { family: 'api', launchType: 'FARGATE', containers: [{ name: 'app', image: `${repository.uri}:v1` }] });

    // Act
    const { taskArns } = await createService(ecs, emu.control, { cluster: 'prod', serviceName: 'api', taskDefinition, desiredCount: 0, launchType: 'FARGATE' });
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));
    const current = services?.[0]?.currentServiceRevisions ?? [];
    const [revision] = await describeRevisions(current.flatMap((r) => (r.arn === undefined ? [] : [r.arn])));

    // Assess
    expect(taskArns).toEqual([]);
    expect(current).toEqual([{ arn: expect.stringMatching(REVISION_ARN), requestedTaskCount: 0, runningTaskCount: 0, pendingTaskCount: 0 }]);
    expect(digestOf(revision, 'app')).toBe(pushed.digest);
  });

  it('reports unknown revision and deployment ARNs in failures[] with reason MISSING', async () => {
    // Prepare
    const { first } = await deployTwice();
    const unknownRevision = first.replace(/\d{19}$/, '1000000000000000000');
    const unknownDeployment = 'arn:aws:ecs:us-east-1:123456789012:service-deployment/prod/api/doesNotExist0000000000';

    // Act
    const revisions = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [first, unknownRevision] }));
    const deployments = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [unknownDeployment] }));

    // Assess
    expect(revisions.serviceRevisions?.map((r) => r.serviceRevisionArn)).toEqual([first]);
    expect(revisions.failures).toEqual([{ arn: unknownRevision, reason: 'MISSING' }]);
    expect(deployments.serviceDeployments).toEqual([]);
    expect(deployments.failures).toEqual([{ arn: unknownDeployment, reason: 'MISSING' }]);
  });

  it('refuses more than 20 revision ARNs with InvalidParameterException', async () => {
    // Prepare
    const arns = Array.from({ length: 21 }, (_, i) => `arn:aws:ecs:us-east-1:123456789012:service-revision/prod/api/${1000000000000000000 + i}`);

    // Act
    const call = ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: arns }));

    // Assess
    await expect(call).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('filters ListServiceDeployments by status and pages with maxResults and nextToken', async () => {
    // Prepare
    const { second } = await deployTwice();
    await setDeploymentStatus(emu.control, { cluster: 'prod', service: 'api', status: 'IN_PROGRESS' });

    // Act
    const inProgress = await listDeployments(['IN_PROGRESS']);
    const page1 = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'prod', service: 'api', maxResults: 1 }));
    const page2 = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'prod', service: 'api', maxResults: 1, nextToken: page1.nextToken }));

    // Assess
    expect(inProgress.map((b) => b.targetServiceRevisionArn)).toEqual([second]);
    expect(page1.serviceDeployments).toHaveLength(1);
    expect(page1.nextToken).toBeDefined();
    expect(page2.serviceDeployments).toHaveLength(1);
    expect(page2.nextToken).toBeUndefined();
    expect(page2.serviceDeployments?.[0]?.serviceDeploymentArn).not.toBe(page1.serviceDeployments?.[0]?.serviceDeploymentArn);
  });

  it('lists source and target as current while a deployment is in progress, and the source after a rollback', async () => {
    // Prepare
    const { first, second } = await deployTwice();
    const firstTd = (await describeRevisions([first]))[0]?.taskDefinition;

    // Act
    await setDeploymentStatus(emu.control, { cluster: 'prod', service: 'api', status: 'IN_PROGRESS' });
    const during = await currentRevisionArns(ecs, 'prod', 'api');
    await setDeploymentStatus(emu.control, { cluster: 'prod', service: 'api', status: 'ROLLBACK_SUCCESSFUL' });
    const after = await currentRevisionArns(ecs, 'prod', 'api');
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));
    const [newest] = (await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [services?.[0]?.currentServiceDeployment ?? ''] }))).serviceDeployments ?? [];

    // Assess
    expect(during).toEqual([second, first]);
    expect(after).toEqual([first]);
    expect(services?.[0]?.taskDefinition).toBe(firstTd);
    expect(newest).toMatchObject({ status: 'ROLLBACK_SUCCESSFUL', rollback: { serviceRevisionArn: first } });
  });

  it('answers the deployment-status control route with 404 for an unknown service and 400 for an unknown status', async () => {
    // Prepare
    await deployTwice();

    // Act: settled together, so neither rejection is left unhandled while the other is awaited
    const [unknownService, unknownStatus] = await Promise.allSettled([
      setDeploymentStatus(emu.control, { cluster: 'prod', service: 'nope', status: 'IN_PROGRESS' }),
      setDeploymentStatus(emu.control, { cluster: 'prod', service: 'api', status: 'DONE' as 'SUCCESSFUL' }),
    ]);

    // Assess
    expect(unknownService).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/answered 404/) }) });
    expect(unknownStatus).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: expect.stringMatching(/answered 400/) }) });
    expect((await listDeployments()).map((b) => b.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL']);
  });
});

describe('Control /ecs/legacy-service: a service deployed before service revisions existed', () => {
  it('leaves the service with no current revision and no deployment, only its task definition', async () => {
    // Prepare
    const taskDefinition = await registerTaskDefinition(ecs, { family: 'api', launchType: 'EC2', containers: [{ name: 'app', image: `${repository.uri}:v1` }] });
    await createService(ecs, emu.control, { cluster: 'prod', serviceName: 'api', taskDefinition, desiredCount: 0, launchType: 'EC2' });
    const [recorded] = await currentRevisionArns(ecs, 'prod', 'api');

    // Act
    const forgotten = await forgetServiceRevisions(emu.control, { cluster: 'prod', service: 'api' });
    const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'prod', services: ['api'] }));
    const { failures } = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [recorded ?? ''] }));
    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: services?.[0]?.taskDefinition ?? '' }));

    // Assess
    expect(forgotten.revisions).toEqual([recorded]);
    expect(forgotten.deployments).toHaveLength(1);
    expect(services?.[0]?.currentServiceRevisions ?? []).toEqual([]);
    expect(services?.[0]).toMatchObject({ taskDefinition, deploymentController: { type: 'ECS' } });
    expect(await listDeployments()).toEqual([]);
    expect(failures).toEqual([{ arn: recorded, reason: 'MISSING' }]);
    expect(described.taskDefinition?.containerDefinitions?.map((c) => c.image)).toEqual([`${repository.uri}:v1`]);
    await expect(forgetServiceRevisions(emu.control, { cluster: 'prod', service: 'nope' })).rejects.toThrow(/answered 404/);
  });
});

describe('Function: createEcsAdapter (deployments and revisions against the emulator)', () => {

  it('finds the rollback source of the newest completed deployment and its old digest', async () => {
    // Prepare
    const { oldDigest, newDigest, first, second } = await deployTwice();
    const ecsPort = adapters.ecs;
    const [service] = await collect(ecsPort.listServices(clusterArn));

    // Act
    const deployed = await deploymentRevisionsIn(ecsPort, clusterArn, [service?.arn ?? '']);
    const rollbackArns = deployed.byService.get(service?.arn ?? '') ?? [];
    const revisions = await ecsPort.describeServiceRevisions([...(service?.currentRevisionArns ?? []), ...rollbackArns]);

    // Assess
    expect(service?.currentRevisionArns).toEqual([second]);
    expect(deployed.failures.size).toBe(0);
    expect(rollbackArns).toEqual([first]);
    expect(revisions.map((r) => [r.arn, r.containerImages[0]?.imageDigest])).toEqual([
      [second, newDigest],
      [first, oldDigest],
    ]);
    expect(revisions.every((r) => r.clusterArn === clusterArn && r.serviceArn === service?.arn)).toBe(true);
  });

  it('keeps both sides of a deployment in progress and skips unknown revisions', async () => {
    // Prepare
    const { first, second } = await deployTwice();
    await setDeploymentStatus(emu.control, { cluster: 'prod', service: 'api', status: 'IN_PROGRESS' });
    const ecsPort = adapters.ecs;
    const [service] = await collect(ecsPort.listServices(clusterArn));
    const unknown = first.replace(/\d{19}$/, '1000000000000000000');

    // Act
    const arns = (await deploymentRevisionsIn(ecsPort, clusterArn, [service?.arn ?? ''])).byService.get(service?.arn ?? '') ?? [];
    const revisions = await ecsPort.describeServiceRevisions([unknown, ...arns]);

    // Assess
    expect(new Set(arns)).toEqual(new Set([first, second]));
    expect(new Set(revisions.map((r) => r.arn))).toEqual(new Set([first, second]));
  });
});
