import { describe, expect, it } from 'vitest';
import type { RegionAdapters } from '../../../src/lib/aws/ports.js';
import { toRegion } from '../../../src/lib/domain/types.js';
import { scheduledTasksSource } from '../../../src/lib/sources/scheduled-tasks.js';
import { configFactory } from '../../helpers/factories.js';
import { awsError, FakeBatch, FakeEcr, FakeEcs, FakeEvents, FakeInspector, FakeLambda, FakeScheduler } from '../../helpers/fakes.js';

const REGION = toRegion('us-east-1');
const NOW = new Date('2026-03-01T12:00:00Z');
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition';
const CLUSTER = 'arn:aws:ecs:us-east-1:123456789012:cluster/batch';
const config = configFactory({
  environmentResolution: { default: 'prod', namePatterns: [{ pattern: '*-dev', environment: 'dev' }] },
});

const setup = () => {
  const ecs = new FakeEcs();
  const events = new FakeEvents();
  const scheduler = new FakeScheduler();
  const adapters: RegionAdapters = {
    region: REGION,
    ecr: new FakeEcr(),
    ecs,
    inspector: new FakeInspector(),
    events,
    scheduler,
    lambda: new FakeLambda(),
    batch: new FakeBatch(),
  };
  const collect = () => scheduledTasksSource.collect({ region: REGION, adapters, config, now: NOW });
  return { ecs, events, scheduler, collect };
};

describe('Source: scheduled-tasks', () => {
  it('cites each rule and schedule as a user of its task definition images, a revisionless ARN meaning the latest revision', async () => {
    // Prepare
    const { ecs, events, scheduler, collect } = setup();
    ecs
      .withTaskDefinition(`${TD}/nightly:1`, [`${HOST}/jobs/nightly:v1`])
      .withTaskDefinition(`${TD}/nightly:2`, [`${HOST}/jobs/nightly:v2`, `${HOST}/jobs/sidecar:v7`]);
    events.withRule('nightly', { taskDefinition: `${TD}/nightly`, clusterArn: CLUSTER });
    scheduler.withSchedule('weekly', { group: 'ops', taskDefinition: `${TD}/nightly:1`, clusterArn: CLUSTER });

    // Act
    const result = await collect();

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.references.map((r) => [r.source.kind, r.source.image, r.source.cluster])).toEqual([
      ['scheduled-rule', `${HOST}/jobs/nightly:v2`, 'batch'],
      ['scheduled-rule', `${HOST}/jobs/sidecar:v7`, 'batch'],
      ['schedule', `${HOST}/jobs/nightly:v1`, 'batch'],
    ]);
    expect(result.references[0]?.source.arn).toBe('arn:aws:events:us-east-1:123456789012:rule/nightly');
    expect(result.references[2]?.source.arn).toBe('arn:aws:scheduler:us-east-1:123456789012:schedule/ops/weekly');
  });

  it('describes each task definition once, by family for a revisionless ARN, and skips one that does not exist', async () => {
    // Prepare
    const { ecs, events, scheduler, collect } = setup();
    ecs.withTaskDefinition(`${TD}/report:4`, [`${HOST}/jobs/report:v4`]);
    events.withRule('a', { taskDefinition: `${TD}/report` }).withRule('b', { taskDefinition: `${TD}/report`, group: 'jobs' });
    scheduler.withSchedule('c', { taskDefinition: `${TD}/deleted:1` });

    // Act
    const result = await collect();

    // Assess
    expect(ecs.callsOf('describeTaskDefinitions').map((c) => c.args[0])).toEqual([['report', `${TD}/deleted:1`]]);
    expect(result.references.map((r) => r.source.arn)).toEqual([
      'arn:aws:events:us-east-1:123456789012:rule/a',
      'arn:aws:events:us-east-1:123456789012:rule/jobs/b',
    ]);
    expect(result.failures).toEqual([]);
  });

  it('takes the environment from the task definition tags, then its family name, then the default', async () => {
    // Prepare
    const { ecs, events, collect } = setup();
    ecs
      .withTaskDefinition(`${TD}/tagged:1`, [`${HOST}/a:v1`], { tags: { environment: 'dev' } })
      .withTaskDefinition(`${TD}/report-dev:1`, [`${HOST}/b:v1`])
      .withTaskDefinition(`${TD}/report:1`, [`${HOST}/c:v1`]);
    events
      .withRule('tagged', { taskDefinition: `${TD}/tagged:1` })
      .withRule('named', { taskDefinition: `${TD}/report-dev:1` })
      .withRule('plain', { taskDefinition: `${TD}/report:1` });

    // Act
    const result = await collect();

    // Assess
    expect(result.references.map((r) => r.source.environment)).toEqual(['dev', 'dev', 'prod']);
  });

  it('keeps the schedules when the rules cannot be read, and names the rules as a failure', async () => {
    // Prepare
    const { ecs, events, scheduler, collect } = setup();
    ecs.withTaskDefinition(`${TD}/report:1`, [`${HOST}/jobs/report:v1`]);
    scheduler.withSchedule('daily', { taskDefinition: `${TD}/report:1` });
    const denied = awsError('AccessDeniedException', 'events:ListRules');
    events.failOn = () => denied;

    // Act
    const result = await collect();

    // Assess
    expect(result.failures).toEqual([{ scope: 'scheduled-tasks:us-east-1:rules', error: denied }]);
    expect(result.references.map((r) => r.source.kind)).toEqual(['schedule']);
  });

  it('lets a task definition describe failure throw, so the whole source fails', async () => {
    // Prepare
    const { ecs, events, collect } = setup();
    events.withRule('nightly', { taskDefinition: `${TD}/report:1` });
    ecs.failOn = (method) => (method === 'describeTaskDefinitions' ? awsError('ThrottlingException', 'ecs:DescribeTaskDefinition') : undefined);

    // Act
    const result = collect();

    // Assess
    await expect(result).rejects.toMatchObject({ awsCode: 'ThrottlingException' });
  });

  it('makes no ECS call when nothing is scheduled, and is off when the config says so', async () => {
    // Prepare
    const { ecs, collect } = setup();

    // Act
    const result = await collect();

    // Assess
    expect(result).toEqual({ references: [], failures: [] });
    expect(ecs.calls).toEqual([]);
    expect(scheduledTasksSource.enabled(config)).toBe(true);
    expect(scheduledTasksSource.enabled(configFactory({ inUse: { scheduledTasks: false } }))).toBe(false);
  });
});
