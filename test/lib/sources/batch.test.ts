import { describe, expect, it } from 'vitest';
import type { BatchJobDefinition, RegionAdapters } from '../../../src/lib/aws/ports.js';
import type { KeeperConfig } from '../../../src/lib/config.js';
import { toAccountId, toRegion, type AccountId } from '../../../src/lib/domain/types.js';
import { resolveInUse } from '../../../src/lib/inuse.js';
import { batchSource, newestRevisions } from '../../../src/lib/sources/batch.js';
import { collectInUse, IN_USE_SOURCES } from '../../../src/lib/sources/index.js';
import { configFactory, digestOf } from '../../helpers/factories.js';
import { awsError, FakeBatch, FakeEcr, fakeRegionAdapters } from '../../helpers/fakes.js';

const REGION = toRegion('eu-west-1');
const ACCOUNT = toAccountId('123456789012');
const HOST = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
const NOW = new Date('2026-11-23T12:00:00Z');
const config: KeeperConfig = configFactory({
  environmentResolution: { tagKeys: ['env'], namePatterns: [{ pattern: '*-dev', environment: 'dev' }], default: 'prod' },
});

const adaptersWith = (batch: FakeBatch, ecr = new FakeEcr({ region: REGION })): RegionAdapters => fakeRegionAdapters(REGION, { ecr, batch });

const collect = (batch: FakeBatch) => batchSource.collect({ region: REGION, adapters: adaptersWith(batch), config, now: NOW });

describe('Function: newestRevisions', () => {
  it('keeps the highest revision of each name whatever the listing order', () => {
    // Prepare
    const def = (name: string, revision: number): BatchJobDefinition => ({ name, revision, arn: `${name}:${revision}`, tags: {}, containerImages: [] });

    // Act
    const newest = newestRevisions([def('etl', 2), def('etl', 10), def('report', 1), def('etl', 9)]);

    // Assess
    expect(newest.map((d) => d.arn).sort()).toEqual(['etl:10', 'report:1']);
  });
});

describe('Constant: batchSource', () => {
  it('references every image of the newest ACTIVE revision of each job definition, citing its ARN', async () => {
    // Prepare
    const batch = new FakeBatch({ region: REGION })
      .withJobDefinition('etl', { containers: [`${HOST}/etl:1`] })
      .withJobDefinition('etl', { containers: [`${HOST}/etl:2`, { containerName: 'init', image: `${HOST}/etl-init:2` }] })
      .withJobDefinition('etl', { containers: [`${HOST}/etl:3`], status: 'INACTIVE' })
      .withJobDefinition('mpi', { containers: [`${HOST}/mpi:main`, `${HOST}/mpi:worker`] });

    // Act
    const result = await collect(batch);

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.references.map((r) => [r.source.arn, r.source.image])).toEqual([
      [`arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/etl:2`, `${HOST}/etl:2`],
      [`arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/etl:2`, `${HOST}/etl-init:2`],
      [`arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/mpi:1`, `${HOST}/mpi:main`],
      [`arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/mpi:1`, `${HOST}/mpi:worker`],
    ]);
    expect(result.references.every((r) => r.source.kind === 'batch' && r.imageDigest === undefined)).toBe(true);
  });

  it('resolves the environment from the job definition tags, then its name, then the default', async () => {
    // Prepare
    const batch = new FakeBatch({ region: REGION })
      .withJobDefinition('nightly-dev', { containers: [`${HOST}/a:1`], tags: { env: 'prod' } })
      .withJobDefinition('report-dev', { containers: [`${HOST}/b:1`] })
      .withJobDefinition('report', { containers: [`${HOST}/c:1`] });

    // Act
    const result = await collect(batch);

    // Assess
    expect(result.references.map((r) => r.source.environment)).toEqual(['prod', 'dev', 'prod']);
  });

  it('is switched by inUse.batch', () => {
    // Assess
    expect(batchSource.enabled(config)).toBe(true);
    expect(batchSource.enabled(configFactory({ inUse: { batch: false } }))).toBe(false);
    expect(IN_USE_SOURCES).toContain(batchSource);
  });
});

describe('Function: collectInUse with the Batch source', () => {
  it('makes the set incomplete when job definitions cannot be read', async () => {
    // Prepare
    const batch = new FakeBatch({ region: REGION }).withJobDefinition('etl', { containers: [`${HOST}/etl:1`] });
    batch.failOn = () => awsError('AccessDeniedException', 'batch:DescribeJobDefinitions');

    // Act
    const collected = await collectInUse({ region: REGION, adapters: adaptersWith(batch), config, now: NOW }, [batchSource]);

    // Assess
    expect(collected.complete).toBe(false);
    expect(collected.failures.map((f) => f.scope)).toEqual([`batch:${REGION}:job-definitions`]);
  });

  it('reads nothing from Batch when inUse.batch is false', async () => {
    // Prepare
    const batch = new FakeBatch({ region: REGION }).withJobDefinition('etl', { containers: [`${HOST}/etl:1`] });

    // Act
    const collected = await collectInUse({ region: REGION, adapters: adaptersWith(batch), config: configFactory({ inUse: { batch: false } }), now: NOW }, [batchSource]);

    // Assess
    expect(collected).toMatchObject({ references: [], failures: [], complete: true });
    expect(batch.calls).toEqual([]);
  });

  it('puts the image only a job definition names in the in-use set, through its tag', async () => {
    // Prepare
    const nightly = digestOf('nightly');
    const ecr = new FakeEcr({ region: REGION })
      .withImage('jobs/etl', { digest: nightly, tags: ['2026-11-01'] })
      .withImage('jobs/etl', { digest: digestOf('older'), tags: ['2026-10-01'] });
    const batch = new FakeBatch({ region: REGION })
      .withJobDefinition('etl', { containers: [`${HOST}/jobs/etl:2026-10-01`] })
      .withJobDefinition('etl', { containers: [`${HOST}/jobs/etl:2026-11-01`] });
    const own = new Set<AccountId>([ACCOUNT]);

    // Act
    const collected = await collectInUse({ region: REGION, adapters: adaptersWith(batch, ecr), config, now: NOW }, [batchSource]);
    const inUse = await resolveInUse(collected.references, () => ecr, own, config);

    // Assess
    expect(inUse.images.map((i) => i.digest)).toEqual([nightly]);
    expect(inUse.images[0]?.uses.map((u) => u.kind)).toEqual(['batch']);
  });
});
