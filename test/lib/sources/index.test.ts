import { describe, expect, it } from 'vitest';
import type { RegionAdapters } from '../../../src/lib/aws/ports.js';
import { toRegion } from '../../../src/lib/domain/types.js';
import { collectInUse, IN_USE_SOURCES, type InUseSource } from '../../../src/lib/sources/index.js';
import { configFactory, digestOf } from '../../helpers/factories.js';
import { awsError, FakeBatch, FakeEcr, FakeEcs, FakeEvents, FakeInspector, FakeLambda, FakeScheduler } from '../../helpers/fakes.js';

const REGION = toRegion('us-east-1');
const NOW = new Date('2026-03-01T12:00:00Z');
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition';
const config = configFactory();

const setup = () => {
  const ecs = new FakeEcs();
  const events = new FakeEvents();
  const scheduler = new FakeScheduler();
  const inspector = new FakeInspector();
  const adapters: RegionAdapters = {
    region: REGION,
    ecr: new FakeEcr(),
    ecs,
    inspector,
    events,
    scheduler,
    lambda: new FakeLambda(),
    batch: new FakeBatch(),
  };
  return { ecs, events, scheduler, inspector, context: { region: REGION, adapters, config, now: NOW } };
};

const fixed = (name: string, result: Awaited<ReturnType<InUseSource['collect']>>): InUseSource => ({
  name,
  enabled: () => true,
  collect: async () => result,
});

describe('Function: collectInUse', () => {
  it('registers the scheduled-task, task-definition and Inspector sources', () => {
    // Assess
    expect(IN_USE_SOURCES.map((s) => s.name)).toEqual(expect.arrayContaining(['ecs', 'scheduled-tasks', 'task-definitions', 'inspector']));
  });

  it('makes the set incomplete when a source throws, and keeps what the other sources found', async () => {
    // Prepare
    const { context } = setup();
    const boom = new Error('boom');
    const reference = { source: { kind: 'task' as const, region: REGION, arn: 'task', image: `${HOST}/a:v1`, environment: 'prod' } };
    const sources: InUseSource[] = [
      fixed('good', { references: [reference], failures: [] }),
      { name: 'broken', enabled: () => true, collect: () => Promise.reject(boom) },
    ];

    // Act
    const result = await collectInUse(context, sources);

    // Assess
    expect(result.complete).toBe(false);
    expect(result.failures).toEqual([{ scope: 'broken:us-east-1', error: boom }]);
    expect(result.references).toEqual([reference]);
  });

  it('keeps the set complete for warnings alone, and passes them on', async () => {
    // Prepare
    const { context } = setup();
    const warning = { scope: 'x:us-east-1', message: 'skipped' };

    // Act
    const result = await collectInUse(context, [fixed('x', { references: [], failures: [], warnings: [warning] })]);

    // Assess
    expect(result).toEqual({ references: [], failures: [], warnings: [warning], complete: true });
  });

  it('makes the set incomplete when EventBridge rules cannot be read, with the real sources', async () => {
    // Prepare
    const { ecs, scheduler, events, context } = setup();
    ecs.withTaskDefinition(`${TD}/nightly:1`, [`${HOST}/jobs/nightly:v1`]);
    scheduler.withSchedule('nightly', { taskDefinition: `${TD}/nightly:1` });
    events.failOn = () => awsError('AccessDeniedException', 'events:ListEventBuses');

    // Act
    const result = await collectInUse(context);

    // Assess
    expect(result.complete).toBe(false);
    expect(result.failures.map((f) => f.scope)).toEqual(['scheduled-tasks:us-east-1:rules']);
    expect(result.references.filter((r) => r.source.kind === 'schedule').map((r) => r.source.image)).toEqual([`${HOST}/jobs/nightly:v1`]);
  });

  it('makes the set incomplete when task definition families cannot be listed, with the real sources', async () => {
    // Prepare
    const { ecs, context } = setup();
    ecs.failOn = (method) => (method === 'listTaskDefinitionFamilies' ? awsError('ThrottlingException', 'ecs:ListTaskDefinitionFamilies') : undefined);

    // Act
    const result = await collectInUse(context);

    // Assess
    expect(result.complete).toBe(false);
    expect(result.failures.map((f) => f.scope)).toEqual(['task-definitions:us-east-1']);
  });

  it('stays complete with a warning when Inspector is not enabled, and incomplete when Inspector fails otherwise', async () => {
    // Prepare
    const denied = setup();
    denied.inspector.failOn = () => awsError('AccessDeniedException', 'inspector2:ListCoverage');
    const failing = setup();
    failing.inspector.withCoverage('team/api', digestOf('a'), { lastInUseAt: NOW });
    failing.inspector.failOn = () => awsError('InternalServerException', 'inspector2:ListCoverage');

    // Act
    const unavailable = await collectInUse(denied.context);
    const failed = await collectInUse(failing.context);

    // Assess
    expect(unavailable.complete).toBe(true);
    expect(unavailable.warnings.map((w) => w.scope)).toEqual(['inspector:us-east-1']);
    expect(failed.complete).toBe(false);
    expect(failed.failures.map((f) => f.scope)).toEqual(['inspector:us-east-1']);
  });
});
