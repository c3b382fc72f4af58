import { describe, expect, it } from 'vitest';
import type { RegionAdapters } from '../../../src/lib/aws/ports.js';
import { toRegion } from '../../../src/lib/domain/types.js';
import { inspectorSource, isInspectorUnavailable } from '../../../src/lib/sources/inspector.js';
import { configFactory, digestOf } from '../../helpers/factories.js';
import { awsError, FakeBatch, FakeEcr, FakeEcs, FakeEvents, FakeInspector, FakeLambda, FakeScheduler } from '../../helpers/fakes.js';
import { AwsCallError } from '../../../src/lib/errors.js';

const REGION = toRegion('us-east-1');
const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;

const setup = (days = 14) => {
  const inspector = new FakeInspector();
  const adapters: RegionAdapters = {
    region: REGION,
    ecr: new FakeEcr(),
    ecs: new FakeEcs(),
    inspector,
    events: new FakeEvents(),
    scheduler: new FakeScheduler(),
    lambda: new FakeLambda(),
    batch: new FakeBatch(),
  };
  const config = configFactory({ inUse: { inspectorInUseDays: days } });
  const collect = () => inspectorSource.collect({ region: REGION, adapters, config, now: NOW });
  return { inspector, collect };
};

const validation = (message: string): AwsCallError =>
  new AwsCallError(`inspector2:ListCoverage failed: ValidationException: ${message}`, {
    action: 'inspector2:ListCoverage',
    awsCode: 'ValidationException',
    cause: Object.assign(new Error(message), { name: 'ValidationException' }),
  });

describe('Source: inspector', () => {
  it('cites every image in use within the last N days by digest, with the registry it lives in', async () => {
    // Prepare
    const { inspector, collect } = setup(14);
    const recent = digestOf('recent');
    const member = digestOf('member');
    inspector
      .withCoverage('team/api', recent, { lastInUseAt: new Date(NOW.getTime() - 2 * DAY), inUseCount: 3 })
      .withCoverage('team/web', member, { lastInUseAt: new Date(NOW.getTime() - DAY), accountId: '210987654321' })
      .withCoverage('team/api', digestOf('stale'), { lastInUseAt: new Date(NOW.getTime() - 15 * DAY) });

    // Act
    const result = await collect();

    // Assess
    expect(inspector.callsOf('imagesInUseSince').map((c) => c.args[0])).toEqual([new Date(NOW.getTime() - 14 * DAY)]);
    expect(result).toEqual({
      failures: [],
      references: [
        {
          source: {
            kind: 'inspector',
            region: 'us-east-1',
            arn: `arn:aws:ecr:us-east-1:123456789012:repository/team/api/${recent}`,
            image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/team/api@${recent}`,
            environment: 'prod',
          },
          imageDigest: recent,
        },
        {
          source: {
            kind: 'inspector',
            region: 'us-east-1',
            arn: `arn:aws:ecr:us-east-1:210987654321:repository/team/web/${member}`,
            image: `210987654321.dkr.ecr.us-east-1.amazonaws.com/team/web@${member}`,
            environment: 'prod',
          },
          imageDigest: member,
        },
      ],
    });
  });

  it.each([
    ['access denied', awsError('AccessDeniedException', 'inspector2:ListCoverage')],
    ['an account not enabled', validation('Invoking account is not enabled for Amazon Inspector.')],
  ])('reports Inspector as unavailable with a warning, not a failure, on %s', async (_, error) => {
    // Prepare
    const { inspector, collect } = setup();
    inspector.failOn = () => error;

    // Act
    const result = await collect();

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.references).toEqual([]);
    expect(result.warnings).toEqual([{ scope: 'inspector:us-east-1', message: expect.stringContaining('unavailable'), cause: error }]);
  });

  it.each([
    ['throttling', awsError('ThrottlingException', 'inspector2:ListCoverage')],
    ['another validation error', validation('filterCriteria.ecrImageLastInUseAt is invalid')],
    ['an error that is not from AWS', new Error('socket hang up')],
  ])('lets %s throw, so the source fails and the in-use set is incomplete', async (_, error) => {
    // Prepare
    const { inspector, collect } = setup();
    inspector.failOn = () => error;

    // Act
    const result = collect();

    // Assess
    await expect(result).rejects.toBe(error);
  });

  it('is off at 0 days, and only access denied or a not-enabled account counts as unavailable', () => {
    // Assess
    expect(inspectorSource.enabled(configFactory({ inUse: { inspectorInUseDays: 0 } }))).toBe(false);
    expect(inspectorSource.enabled(configFactory())).toBe(true);
    expect(isInspectorUnavailable(awsError('AccessDeniedException', 'inspector2:ListCoverage'))).toBe(true);
    expect(isInspectorUnavailable(awsError('ResourceNotFoundException', 'inspector2:ListCoverage'))).toBe(false);
  });
});
