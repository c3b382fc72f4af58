/**
 * Smoke tests of the emulator for the in-use sources beyond running ECS tasks, through the real
 * AWS SDK v3: what moto 5.2.1 does as shipped on those paths, and one test per patch
 * (test/emulator/moto_server.py) that fails without it.
 */
import { DeregisterTaskDefinitionCommand, DescribeTaskDefinitionCommand, ListTaskDefinitionFamiliesCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { CreateEventBusCommand, ListEventBusesCommand, ListRulesCommand, ListTargetsByRuleCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { ListCoverageCommand } from '@aws-sdk/client-inspector2';
import { CreateScheduleCommand, CreateScheduleGroupCommand, GetScheduleCommand, ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/use-emulator.js';
import { createRepository, pushImage, registerTaskDefinition } from './seed.js';

const { emu, ecr, ecs, events, scheduler, inspector } = useEmulator();
const NOW = new Date('2026-03-01T12:00:00.000Z');
const CLUSTER_ARN = `arn:aws:ecs:${emu.region}:${emu.accountId}:cluster/batch`;
const ROLE_ARN = `arn:aws:iam::${emu.accountId}:role/ecs-events`;

const family = (name: string, tag: string) =>
  registerTaskDefinition(ecs, { family: name, launchType: 'FARGATE', containers: [{ name: 'main', image: `${emu.accountId}.dkr.ecr.${emu.region}.amazonaws.com/jobs/${name}:${tag}` }] });

describe('Scheduled tasks and task definition families (as shipped, patch i)', () => {
  it('returns EventBridge rule targets with their EcsParameters, on the default and on custom buses', async () => {
    // Prepare
    await events.send(new CreateEventBusCommand({ Name: 'jobs' }));
    for (const bus of ['default', 'jobs']) {
      // As in AWS, schedule expressions only on the default bus; a custom bus starts tasks on events.
      const trigger = bus === 'default' ? { ScheduleExpression: 'cron(0 2 * * ? *)' } : { EventPattern: JSON.stringify({ source: ['jobs.ci'] }) };
      await events.send(new PutRuleCommand({ Name: `nightly-${bus}`, EventBusName: bus, ...trigger }));
      await events.send(
        new PutTargetsCommand({
          Rule: `nightly-${bus}`,
          EventBusName: bus,
          Targets: [{ Id: 'task', Arn: CLUSTER_ARN, RoleArn: ROLE_ARN, EcsParameters: { TaskDefinitionArn: `arn:aws:ecs:${emu.region}:${emu.accountId}:task-definition/report-${bus}:3`, TaskCount: 1 } }],
        }),
      );
    }

    // Act
    const buses = (await events.send(new ListEventBusesCommand({}))).EventBuses?.map((b) => b.Name);
    const rules = (await events.send(new ListRulesCommand({ EventBusName: 'jobs' }))).Rules?.map((r) => r.Name);
    const targets = (await events.send(new ListTargetsByRuleCommand({ Rule: 'nightly-jobs', EventBusName: 'jobs' }))).Targets;

    // Assess
    expect(buses).toEqual(expect.arrayContaining(['default', 'jobs']));
    expect(rules).toEqual(['nightly-jobs']);
    expect(targets?.[0]).toMatchObject({ Arn: CLUSTER_ARN, EcsParameters: { TaskDefinitionArn: expect.stringContaining('task-definition/report-jobs:3') } });
  });

  it('lists schedules of every group with only the target ARN, and GetSchedule returns the EcsParameters', async () => {
    // Prepare
    await scheduler.send(new CreateScheduleGroupCommand({ Name: 'ops' }));
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'cleanup',
        GroupName: 'ops',
        ScheduleExpression: 'rate(1 day)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: CLUSTER_ARN, RoleArn: ROLE_ARN, EcsParameters: { TaskDefinitionArn: `arn:aws:ecs:${emu.region}:${emu.accountId}:task-definition/cleanup` } },
      }),
    );

    // Act
    const listed = (await scheduler.send(new ListSchedulesCommand({}))).Schedules ?? [];
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: 'cleanup', GroupName: 'ops' }));

    // Assess
    expect(listed).toEqual([expect.objectContaining({ Name: 'cleanup', GroupName: 'ops', Target: { Arn: CLUSTER_ARN } })]);
    expect(schedule.Target?.EcsParameters?.TaskDefinitionArn).toBe(`arn:aws:ecs:${emu.region}:${emu.accountId}:task-definition/cleanup`);
  });

  it('patch i: lists families by status and task definitions newest first, paged', async () => {
    // Prepare: report has revisions 1..3, retired has one revision, deregistered
    await createRepository(ecr, 'jobs/report');
    for (const tag of ['v1', 'v2', 'v3']) await family('report', tag);
    const retired = await family('retired', 'v1');
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: retired }));

    // Act
    const active = (await ecs.send(new ListTaskDefinitionFamiliesCommand({ status: 'ACTIVE' }))).families;
    const all = (await ecs.send(new ListTaskDefinitionFamiliesCommand({}))).families;
    const firstPage = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'report', sort: 'DESC', maxResults: 2 }));
    const secondPage = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'report', sort: 'DESC', maxResults: 2, nextToken: firstPage.nextToken }));

    // Assess
    expect(active).toEqual(['report']);
    expect(all).toEqual(['report', 'retired']);
    expect(firstPage.taskDefinitionArns?.map((arn) => arn.split('/').pop())).toEqual(['report:3', 'report:2']);
    expect(secondPage.taskDefinitionArns?.map((arn) => arn.split('/').pop())).toEqual(['report:1']);
    expect(secondPage.nextToken).toBeUndefined();
  });

  it('patch i: describes the latest ACTIVE revision for a bare family, skipping a deregistered newer one', async () => {
    // Prepare
    await family('report', 'v1');
    const newest = await family('report', 'v2');
    await ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: newest }));

    // Act
    const described = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'report' }));
    const pinned = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'report:2' }));

    // Assess
    expect(described.taskDefinition?.revision).toBe(1);
    expect(pinned.taskDefinition).toMatchObject({ revision: 2, status: 'INACTIVE' });
  });
});

describe('Patch j: Inspector2 ListCoverage', () => {
  it('filters ECR image coverage by resource type and last-in-use time, shaped like real coverage', async () => {
    // Prepare
    await createRepository(ecr, 'team/api');
    const recent = await pushImage(ecr, emu.control, { repository: 'team/api', tags: ['v2'], pushedAt: NOW });
    const old = await pushImage(ecr, emu.control, { repository: 'team/api', tags: ['v1'], pushedAt: NOW });
    await emu.seedCoverage([
      { repositoryName: 'team/api', imageDigest: recent.digest, lastInUseAt: new Date(NOW.getTime() - 86_400_000), inUseCount: 2 },
      { repositoryName: 'team/api', imageDigest: old.digest, lastInUseAt: new Date(NOW.getTime() - 40 * 86_400_000) },
    ]);

    // Act
    const { coveredResources } = await inspector.send(
      new ListCoverageCommand({
        filterCriteria: {
          resourceType: [{ comparison: 'EQUALS', value: 'AWS_ECR_CONTAINER_IMAGE' }],
          ecrImageLastInUseAt: [{ startInclusive: new Date(NOW.getTime() - 14 * 86_400_000) }],
        },
      }),
    );

    // Assess
    expect(coveredResources).toHaveLength(1);
    expect(coveredResources?.[0]).toMatchObject({
      resourceType: 'AWS_ECR_CONTAINER_IMAGE',
      resourceId: `arn:aws:ecr:${emu.region}:${emu.accountId}:repository/team/api/${recent.digest}`,
      accountId: emu.accountId,
      resourceMetadata: { ecrRepository: { name: 'team/api' }, ecrImage: { tags: ['v2'], inUseCount: 2, lastInUseAt: new Date(NOW.getTime() - 86_400_000) } },
    });
  });

  it('seeds the scan status and last scan time as given (ACTIVE, scanned at seeding, by default), and filters on them', async () => {
    // Prepare
    const lapsed = new Date(NOW.getTime() - 40 * 86_400_000);
    await emu.seedCoverage([
      { repositoryName: 'team/api', imageDigest: `sha256:${'a'.repeat(64)}`, scanStatus: { statusCode: 'INACTIVE', reason: 'SCAN_ELIGIBILITY_EXPIRED' }, lastScannedAt: lapsed },
      { repositoryName: 'team/api', imageDigest: `sha256:${'b'.repeat(64)}`, scanStatus: { statusCode: 'INACTIVE', reason: 'UNSUPPORTED_OS' }, lastScannedAt: null },
      { repositoryName: 'team/api', imageDigest: `sha256:${'c'.repeat(64)}` },
    ]);

    // Act
    const inactive = await inspector.send(new ListCoverageCommand({ filterCriteria: { scanStatusCode: [{ comparison: 'EQUALS', value: 'INACTIVE' }] } }));
    const active = await inspector.send(new ListCoverageCommand({ filterCriteria: { scanStatusCode: [{ comparison: 'EQUALS', value: 'ACTIVE' }] } }));

    // Assess
    expect(inactive.coveredResources?.map((r) => [r.scanStatus?.reason, r.lastScannedAt?.toISOString()])).toEqual([
      ['SCAN_ELIGIBILITY_EXPIRED', lapsed.toISOString()],
      ['UNSUPPORTED_OS', undefined],
    ]);
    expect(active.coveredResources?.map((r) => [r.scanStatus, r.lastScannedAt instanceof Date])).toEqual([[{ statusCode: 'ACTIVE', reason: 'SUCCESSFUL' }, true]]);
  });

  it('pages with maxResults and nextToken, and refuses a filter it does not implement', async () => {
    // Prepare
    await emu.seedCoverage(Array.from({ length: 5 }, (_, i) => ({ repositoryName: 'team/api', imageDigest: `sha256:${String(i).repeat(64)}`, lastInUseAt: NOW })));

    // Act
    const first = await inspector.send(new ListCoverageCommand({ maxResults: 3 }));
    const second = await inspector.send(new ListCoverageCommand({ maxResults: 3, nextToken: first.nextToken }));
    const refused = inspector.send(new ListCoverageCommand({ filterCriteria: { lambdaFunctionName: [{ comparison: 'EQUALS', value: 'f' }] } }));

    // Assess
    expect(first.coveredResources).toHaveLength(3);
    expect(second.coveredResources).toHaveLength(2);
    expect(second.nextToken).toBeUndefined();
    await expect(refused).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('lambdaFunctionName') });
  });
});
