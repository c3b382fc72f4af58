import { describe, expect, it } from 'vitest';
import type { RegionAdapters } from '../../../src/lib/aws/ports.js';
import { toRegion } from '../../../src/lib/domain/types.js';
import { taskDefinitionsSource } from '../../../src/lib/sources/task-definitions.js';
import { configFactory } from '../../helpers/factories.js';
import { awsError, FakeBatch, FakeEcr, FakeEcs, FakeEvents, FakeInspector, FakeLambda, FakeScheduler } from '../../helpers/fakes.js';

const REGION = toRegion('us-east-1');
const NOW = new Date('2026-03-01T12:00:00Z');
const HOST = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const TD = 'arn:aws:ecs:us-east-1:123456789012:task-definition';

const setup = (revisions: number) => {
  const ecs = new FakeEcs();
  const adapters: RegionAdapters = {
    region: REGION,
    ecr: new FakeEcr(),
    ecs,
    inspector: new FakeInspector(),
    events: new FakeEvents(),
    scheduler: new FakeScheduler(),
    lambda: new FakeLambda(),
    batch: new FakeBatch(),
  };
  const config = configFactory({ inUse: { taskDefinitionRevisions: revisions } });
  const collect = () => taskDefinitionsSource.collect({ region: REGION, adapters, config, now: NOW });
  return { ecs, collect };
};

/** `api` has revisions 1..3, `migrate` 1..2. */
const withFamilies = (ecs: FakeEcs): FakeEcs =>
  ecs
    .withTaskDefinition(`${TD}/api:1`, [`${HOST}/api:v1`])
    .withTaskDefinition(`${TD}/api:2`, [`${HOST}/api:v2`])
    .withTaskDefinition(`${TD}/api:3`, [`${HOST}/api:v3`])
    .withTaskDefinition(`${TD}/migrate:1`, [`${HOST}/migrate:v1`])
    .withTaskDefinition(`${TD}/migrate:2`, [`${HOST}/migrate:v2`], { tags: { env: 'dev' } });

describe('Source: task-definitions', () => {
  it('keeps the newest revision of every family by describing the bare family, without listing revisions', async () => {
    // Prepare
    const { ecs, collect } = setup(1);
    withFamilies(ecs);

    // Act
    const result = await collect();

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.references.map((r) => [r.source.kind, r.source.arn, r.source.image, r.source.environment])).toEqual([
      ['task-definition', `${TD}/api:3`, `${HOST}/api:v3`, 'prod'],
      ['task-definition', `${TD}/migrate:2`, `${HOST}/migrate:v2`, 'dev'],
    ]);
    expect(ecs.callsOf('newestTaskDefinitionArns')).toEqual([]);
    expect(ecs.callsOf('describeTaskDefinitions').map((c) => c.args[0])).toEqual([['api', 'migrate']]);
  });

  it('keeps the newest N ACTIVE revisions of every family, skipping deregistered ones', async () => {
    // Prepare
    const { ecs, collect } = setup(2);
    withFamilies(ecs).deregisterTaskDefinition(`${TD}/api:3`);

    // Act
    const result = await collect();

    // Assess
    expect(result.references.map((r) => r.source.image)).toEqual([`${HOST}/api:v2`, `${HOST}/api:v1`, `${HOST}/migrate:v2`, `${HOST}/migrate:v1`]);
    expect(ecs.callsOf('newestTaskDefinitionArns').map((c) => c.args)).toEqual([
      ['api', 2],
      ['migrate', 2],
    ]);
  });

  it('names a family whose revisions cannot be listed as a failure and still reads the others', async () => {
    // Prepare
    const { ecs, collect } = setup(3);
    withFamilies(ecs);
    const throttled = awsError('ThrottlingException', 'ecs:ListTaskDefinitions');
    ecs.failOn = (method, args) => (method === 'newestTaskDefinitionArns' && args[0] === 'api' ? throttled : undefined);

    // Act
    const result = await collect();

    // Assess
    expect(result.failures).toEqual([{ scope: 'task-definitions:us-east-1:family/api', error: throttled }]);
    expect(result.references.map((r) => r.source.image)).toEqual([`${HOST}/migrate:v2`, `${HOST}/migrate:v1`]);
  });

  it('fails as a whole when the families cannot be listed', async () => {
    // Prepare
    const { ecs, collect } = setup(1);
    withFamilies(ecs);
    ecs.failOn = (method) => (method === 'listTaskDefinitionFamilies' ? awsError('AccessDeniedException', 'ecs:ListTaskDefinitionFamilies') : undefined);

    // Act
    const result = collect();

    // Assess
    await expect(result).rejects.toMatchObject({ awsCode: 'AccessDeniedException' });
  });

  it('is off at 0 revisions and makes no call for an account without task definitions', async () => {
    // Prepare
    const { ecs, collect } = setup(1);

    // Act
    const result = await collect();

    // Assess
    expect(result).toEqual({ references: [], failures: [] });
    expect(ecs.calls.map((c) => c.method)).toEqual(['listTaskDefinitionFamilies']);
    expect(taskDefinitionsSource.enabled(configFactory({ inUse: { taskDefinitionRevisions: 0 } }))).toBe(false);
    expect(taskDefinitionsSource.enabled(configFactory())).toBe(true);
  });
});
