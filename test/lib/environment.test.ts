import { describe, expect, it } from 'vitest';
import { parseConfig, type KeeperConfig } from '../../src/lib/config.js';
import { environmentRank, matchesNamePattern, pickEnvironment, resolveEnvironment } from '../../src/lib/environment.js';

const config: KeeperConfig = parseConfig({
  regions: ['us-east-1'],
  environments: [
    { name: 'prod', tagPrefix: 'prod-', keepNewest: 30 },
    { name: 'staging', tagPrefix: 'stg-', keepNewest: 10 },
    { name: 'dev', tagPrefix: 'dev-', keepNewest: 5 },
  ],
  environmentResolution: {
    tagKeys: ['environment', 'env'],
    namePatterns: [
      { pattern: '*-prod-*', environment: 'prod' },
      { pattern: 'stg*', environment: 'staging' },
      { pattern: '*dev', environment: 'dev' },
    ],
    default: 'dev',
  },
});

describe('Function: resolveEnvironment', () => {
  it.each([
    ['a task tag over everything', { taskTags: { env: 'prod' }, serviceTags: { env: 'staging' }, clusterTags: { env: 'dev' }, serviceName: 'api-dev', clusterName: 'stg1' }, 'prod', 'task tag'],
    ['a service tag over the cluster tag and names', { serviceTags: { env: 'staging' }, clusterTags: { env: 'prod' }, serviceName: 'api-dev', clusterName: 'x-prod-y' }, 'staging', 'service tag'],
    ['a cluster tag over the names', { clusterTags: { environment: 'staging' }, serviceName: 'api-dev', clusterName: 'x-prod-y' }, 'staging', 'cluster tag'],
    ['the service name over the cluster name', { serviceName: 'api-dev', clusterName: 'x-prod-y' }, 'dev', 'service name'],
    ['the cluster name when the service name matches nothing', { serviceName: 'api', clusterName: 'x-prod-y' }, 'prod', 'cluster name'],
    ['the default when nothing matches', { serviceName: 'api', clusterName: 'main' }, 'dev', 'default'],
  ])('picks %s', (_name, workload, environment, why) => {
    // Act
    const resolved = resolveEnvironment(config, workload);

    // Assess
    expect(resolved.environment).toBe(environment);
    expect(resolved.why).toContain(why);
  });

  it('reads tag keys in configured order on one resource', () => {
    // Act
    const resolved = resolveEnvironment(config, { taskTags: { env: 'dev', environment: 'staging' }, clusterName: 'c' });

    // Assess
    expect(resolved.environment).toBe('staging');
  });

  it('skips a tag value that is not a known environment, names it, and goes on', () => {
    // Act
    const resolved = resolveEnvironment(config, { taskTags: { env: 'prdo' }, serviceTags: { env: 'prod' }, clusterName: 'c' });

    // Assess
    expect(resolved.environment).toBe('prod');
    expect(resolved.why).toContain('service tag env=prod');
    expect(resolved.why).toContain('"prdo"');
  });

  it('falls through to names when every tag value is unknown', () => {
    // Act
    const resolved = resolveEnvironment(config, { clusterTags: { env: 'qa' }, clusterName: 'stg-east' });

    // Assess
    expect(resolved.environment).toBe('staging');
    expect(resolved.why).toContain('"qa"');
  });

  it('matches tag keys and values regardless of case', () => {
    // Act
    const resolved = resolveEnvironment(config, { serviceTags: { Environment: 'Prod' }, clusterName: 'c' });

    // Assess
    expect(resolved.environment).toBe('prod');
  });

  it('matches name patterns regardless of case', () => {
    // Act
    const resolved = resolveEnvironment(config, { clusterName: 'STG-blue' });

    // Assess
    expect(resolved.environment).toBe('staging');
  });
});

describe('Function: matchesNamePattern', () => {
  it.each([
    ['api-prod-1', '*-prod-*', true],
    ['api-prod', '*-prod-*', false],
    ['prod', 'prod', true],
    ['production', 'prod', false],
    ['a.b', 'a.b', true],
    ['axb', 'a.b', false],
    ['anything', '*', true],
    ['a(b)+', 'a(*)+', true],
  ])('%s against %s is %s', (name, pattern, expected) => {
    // Act
    const matched = matchesNamePattern(name, pattern);

    // Assess
    expect(matched).toBe(expected);
  });
});

describe('Function: environmentRank', () => {
  it('ranks by config order and puts unknown names last', () => {
    // Act
    const ranks = ['prod', 'staging', 'dev', 'nope'].map((name) => environmentRank(config, name));

    // Assess
    expect(ranks).toEqual([0, 1, 2, 3]);
  });
});

describe('Function: pickEnvironment', () => {
  it.each([
    [['dev', 'prod'], 'prod'],
    [['dev', 'staging', 'dev'], 'staging'],
    [['dev'], 'dev'],
    [['unknown', 'dev'], 'dev'],
    [[], 'dev'],
  ])('picks the most important of %j', (names, expected) => {
    // Act
    const picked = pickEnvironment(config, names);

    // Assess
    expect(picked).toBe(expected);
  });
});
