import { describe, expect, it } from 'vitest';
import type { RegionAdapters } from '../../../src/lib/aws/ports.js';
import type { KeeperConfig } from '../../../src/lib/config.js';
import { toAccountId, toRegion, type AccountId } from '../../../src/lib/domain/types.js';
import { resolveInUse } from '../../../src/lib/inuse.js';
import { collectInUse, IN_USE_SOURCES } from '../../../src/lib/sources/index.js';
import { digestOfImageUri, lambdaSource } from '../../../src/lib/sources/lambda.js';
import { configFactory, digestOf } from '../../helpers/factories.js';
import { awsError, FakeEcr, FakeLambda, fakeRegionAdapters } from '../../helpers/fakes.js';

const REGION = toRegion('eu-west-1');
const ACCOUNT = toAccountId('123456789012');
const HOST = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com`;
const NOW = new Date('2026-11-23T12:00:00Z');
const config: KeeperConfig = configFactory({
  environmentResolution: { tagKeys: ['env'], namePatterns: [{ pattern: '*-dev', environment: 'dev' }], default: 'prod' },
});

const adaptersWith = (lambda: FakeLambda, ecr = new FakeEcr({ region: REGION })): RegionAdapters => fakeRegionAdapters(REGION, { ecr, lambda });

const collect = (lambda: FakeLambda, cfg: KeeperConfig = config) =>
  lambdaSource.collect({ region: REGION, adapters: adaptersWith(lambda), config: cfg, now: NOW });

describe('Function: digestOfImageUri', () => {
  it('takes the digest after @ and nothing else', () => {
    // Prepare
    const digest = digestOf('a');

    // Assess
    expect(digestOfImageUri(`${HOST}/shop/api@${digest}`)).toBe(digest);
    expect(digestOfImageUri(`${HOST}/shop/api:v1`)).toBeUndefined();
    expect(digestOfImageUri(`${HOST}/shop/api@sha256:short`)).toBeUndefined();
    expect(digestOfImageUri(undefined)).toBeUndefined();
  });
});

describe('Constant: lambdaSource', () => {
  it('reads $LATEST and every alias version, each with the digest Lambda resolved at deploy', async () => {
    // Prepare
    const latest = digestOf('v3');
    const live = digestOf('v2');
    const canary = digestOf('v1');
    const lambda = new FakeLambda({ region: REGION })
      .withFunction('api', { imageUri: `${HOST}/shop/api:v3`, digest: latest })
      .withVersion('api', '2', { imageUri: `${HOST}/shop/api:v2`, digest: live })
      .withVersion('api', '1', { imageUri: `${HOST}/shop/api:v1`, digest: canary })
      .withVersion('api', '0', { imageUri: `${HOST}/shop/api:v0`, digest: digestOf('v0') })
      .withAlias('api', 'live', ['2', '1']);

    // Act
    const result = await collect(lambda);

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.references.map((r) => [r.source.arn, r.imageDigest])).toEqual([
      [`${lambda.functionArn('api')}:$LATEST`, latest],
      [`${lambda.functionArn('api')}:live`, live],
      [`${lambda.functionArn('api')}:live`, canary],
    ]);
    expect(result.references.every((r) => r.source.kind === 'lambda' && r.source.region === REGION)).toBe(true);
    // Version 0 has no alias: nothing invokes it by alias, so it is not read.
    expect(lambda.callsOf('getFunctionCode').map((c) => c.args[1])).toEqual(['$LATEST', '2', '1']);
  });

  it('reads a version shared by several aliases once', async () => {
    // Prepare
    const lambda = new FakeLambda({ region: REGION })
      .withFunction('api', { imageUri: `${HOST}/shop/api:v3`, digest: digestOf('v3') })
      .withVersion('api', '2', { imageUri: `${HOST}/shop/api:v2`, digest: digestOf('v2') })
      .withAlias('api', 'live', ['2'])
      .withAlias('api', 'stable', ['2']);

    // Act
    const result = await collect(lambda);

    // Assess
    expect(lambda.callsOf('getFunctionCode')).toHaveLength(2);
    expect(result.references.map((r) => r.source.arn)).toEqual([
      `${lambda.functionArn('api')}:$LATEST`,
      `${lambda.functionArn('api')}:live`,
      `${lambda.functionArn('api')}:stable`,
    ]);
  });

  it('resolves the environment from the function tags, then its name, then the default', async () => {
    // Prepare
    const lambda = new FakeLambda({ region: REGION })
      .withFunction('tagged-dev', { imageUri: `${HOST}/a:1`, digest: digestOf('a'), tags: { env: 'prod' } })
      .withFunction('orders-dev', { imageUri: `${HOST}/b:1`, digest: digestOf('b') })
      .withFunction('orders', { imageUri: `${HOST}/c:1`, digest: digestOf('c'), tags: { env: 'typo' } });

    // Act
    const result = await collect(lambda);

    // Assess
    const environmentOf = (name: string) => result.references.find((r) => r.source.arn.includes(`:function:${name}:`))?.source.environment;
    expect(environmentOf('tagged-dev')).toBe('prod');
    expect(environmentOf('orders-dev')).toBe('dev');
    expect(environmentOf('orders')).toBe('prod');
  });

  it('skips functions packaged as zip files', async () => {
    // Prepare
    const lambda = new FakeLambda({ region: REGION }).withFunction('zip', { imageUri: '', packageType: 'Zip' });

    // Act
    const result = await collect(lambda);

    // Assess
    expect(result).toEqual({ references: [], failures: [] });
    expect(lambda.callsOf('getFunctionCode')).toEqual([]);
  });

  it('takes the digest of a digest ImageUri when ResolvedImageUri is absent', async () => {
    // Prepare
    const pinned = digestOf('pinned');
    const lambda = new FakeLambda({ region: REGION }).withFunction('api', { imageUri: `${HOST}/shop/api@${pinned}` });

    // Act
    const result = await collect(lambda);

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.references[0]?.imageDigest).toBe(pinned);
  });

  it('keeps the tag reference but reports a failure when no resolved digest says what the version runs', async () => {
    // Prepare
    const lambda = new FakeLambda({ region: REGION }).withFunction('api', { imageUri: `${HOST}/shop/api:v1` });

    // Act
    const result = await collect(lambda);

    // Assess
    expect(result.references.map((r) => r.source.image)).toEqual([`${HOST}/shop/api:v1`]);
    expect(result.failures.map((f) => f.scope)).toEqual([`lambda:${REGION}:function/api:$LATEST`]);
  });

  it('reports a function it cannot read with the function scope and still reads the others', async () => {
    // Prepare
    const lambda = new FakeLambda({ region: REGION })
      .withFunction('denied', { imageUri: `${HOST}/a:1`, digest: digestOf('a') })
      .withFunction('ok', { imageUri: `${HOST}/b:1`, digest: digestOf('b') });
    lambda.failOn = (method, args) => (method === 'listAliases' && args[0] === 'denied' ? awsError('AccessDeniedException', 'lambda:ListAliases') : undefined);

    // Act
    const result = await collect(lambda);

    // Assess
    expect(result.failures.map((f) => f.scope)).toEqual([`lambda:${REGION}:function/denied`]);
    expect(result.references.map((r) => r.imageDigest)).toEqual([digestOf('b')]);
  });

  it('reports an alias version it cannot read with the version scope', async () => {
    // Prepare
    const lambda = new FakeLambda({ region: REGION })
      .withFunction('api', { imageUri: `${HOST}/a:3`, digest: digestOf('3') })
      .withVersion('api', '2', { imageUri: `${HOST}/a:2`, digest: digestOf('2') })
      .withAlias('api', 'live', ['2']);
    lambda.failOn = (method, args) => (method === 'getFunctionCode' && args[1] === '2' ? awsError('TooManyRequestsException', 'lambda:GetFunction') : undefined);

    // Act
    const result = await collect(lambda);

    // Assess
    expect(result.failures.map((f) => f.scope)).toEqual([`lambda:${REGION}:function/api:2`]);
    expect(result.references.map((r) => r.imageDigest)).toEqual([digestOf('3')]);
  });

  it('is switched by inUse.lambda', () => {
    // Assess
    expect(lambdaSource.enabled(config)).toBe(true);
    expect(lambdaSource.enabled(configFactory({ inUse: { lambda: false } }))).toBe(false);
    expect(IN_USE_SOURCES).toContain(lambdaSource);
  });
});

describe('Function: collectInUse with the Lambda source', () => {
  it('makes the set incomplete when the functions cannot be listed', async () => {
    // Prepare
    const lambda = new FakeLambda({ region: REGION }).withFunction('api', { imageUri: `${HOST}/a:1`, digest: digestOf('a') });
    lambda.failOn = (method) => (method === 'listImageFunctions' ? awsError('AccessDeniedException', 'lambda:ListFunctions') : undefined);

    // Act
    const collected = await collectInUse({ region: REGION, adapters: adaptersWith(lambda), config, now: NOW }, [lambdaSource]);

    // Assess
    expect(collected.complete).toBe(false);
    expect(collected.failures.map((f) => f.scope)).toEqual([`lambda:${REGION}:functions`]);
  });

  it('makes the set incomplete when one function cannot be read', async () => {
    // Prepare
    const lambda = new FakeLambda({ region: REGION }).withFunction('api', { imageUri: `${HOST}/a:1`, digest: digestOf('a') });
    lambda.failOn = (method) => (method === 'getFunctionCode' ? awsError('AccessDeniedException', 'lambda:GetFunction') : undefined);

    // Act
    const collected = await collectInUse({ region: REGION, adapters: adaptersWith(lambda), config, now: NOW }, [lambdaSource]);

    // Assess
    expect(collected.complete).toBe(false);
  });

  it('reads nothing from Lambda when inUse.lambda is false', async () => {
    // Prepare
    const lambda = new FakeLambda({ region: REGION }).withFunction('api', { imageUri: `${HOST}/a:1`, digest: digestOf('a') });
    lambda.failOn = () => awsError('AccessDeniedException', 'lambda:ListFunctions');

    // Act
    const collected = await collectInUse({ region: REGION, adapters: adaptersWith(lambda), config: configFactory({ inUse: { lambda: false } }), now: NOW }, [lambdaSource]);

    // Assess
    expect(collected).toMatchObject({ references: [], failures: [], complete: true });
    expect(lambda.calls).toEqual([]);
  });

  it('puts the digest an alias version runs in the in-use set after its tag moved to another image', async () => {
    // Prepare: v1 was deployed as version 1 (alias live); the tag v1 has since moved to another image
    const deployed = digestOf('deployed-v1');
    const moved = digestOf('rebuilt-v1');
    const ecr = new FakeEcr({ region: REGION })
      .withImage('shop/api', { digest: deployed, tags: [] })
      .withImage('shop/api', { digest: moved, tags: ['v1'] })
      .withImage('shop/api', { digest: digestOf('v2'), tags: ['v2'] });
    const lambda = new FakeLambda({ region: REGION })
      .withFunction('api', { imageUri: `${HOST}/shop/api:v2`, digest: digestOf('v2') })
      .withVersion('api', '1', { imageUri: `${HOST}/shop/api:v1`, digest: deployed })
      .withAlias('api', 'live', ['1']);
    const own = new Set<AccountId>([ACCOUNT]);

    // Act
    const collected = await collectInUse({ region: REGION, adapters: adaptersWith(lambda, ecr), config, now: NOW }, [lambdaSource]);
    const inUse = await resolveInUse(collected.references, () => ecr, own, config);

    // Assess
    const digests = inUse.images.map((i) => i.digest);
    expect(digests).toContain(deployed);
    expect(digests).not.toContain(moved);
    expect(inUse.images.find((i) => i.digest === deployed)?.uses.map((u) => u.arn)).toEqual([`${lambda.functionArn('api')}:live`]);
  });
});
