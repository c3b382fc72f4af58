import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../src/lib/errors.js';
import { loadSettings, parseConfig, parseConfigText } from '../../src/lib/config.js';

const defaultConfig = (): Record<string, unknown> => JSON.parse(readFileSync('config/default.json', 'utf8')) as Record<string, unknown>;

/** Applies `edit` to a fresh copy of the default config and returns the ConfigError it raises. */
const errorFor = (edit: (c: Record<string, unknown>) => void): ConfigError => {
  const config = defaultConfig();
  edit(config);
  try {
    parseConfig(config);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

const at = (c: Record<string, unknown>, key: string): Record<string, unknown> => c[key] as Record<string, unknown>;
const env0 = (c: Record<string, unknown>): Record<string, unknown> => (c.environments as Record<string, unknown>[])[0] as Record<string, unknown>;

describe('Function: parseConfig', () => {
  it('accepts the shipped default and applies the documented retention', () => {
    // Act
    const config = parseConfig(defaultConfig());

    // Assess
    expect(config.environments.map((e) => [e.name, e.keepNewest])).toEqual([
      ['prod', 30],
      ['dev', 5],
    ]);
    expect(config.untagged).toEqual({ expireAfterDays: 7 });
    expect(config.catchAll).toEqual({ expireAfterDays: 90 });
    expect(config.protection.releaseAfterDays).toBe(14);
    expect(Object.isFrozen(config.environments[0])).toBe(true);
  });

  it('fills defaults for the optional sections', () => {
    // Act
    const config = parseConfig({
      regions: ['eu-west-1'],
      environments: [{ name: 'prod', tagPrefix: 'prod-', keepNewest: 10 }],
      environmentResolution: { default: 'prod' },
    });

    // Assess
    expect(config.existingPolicy).toBe('merge');
    expect(config.protection.tagInfix).toBe('keep-');
    expect(config.exclusions.repositoryTags).toEqual({ 'ecr-keeper:managed': 'false' });
    expect(config.concurrency.putImagePerSecond).toBeLessThanOrEqual(10);
    expect(config.reportImagesPerRepository).toBe(1_000);
  });

  it.each<[string, (c: Record<string, unknown>) => void, string]>([
    ['regions missing', (c) => delete c.regions, 'regions'],
    ['regions malformed', (c) => (c.regions = ['mars-1']), 'regions[0]'],
    ['regions misspelt', (c) => ((c.region = c.regions), delete c.regions), 'region'],
    ['environments missing', (c) => delete c.environments, 'environments'],
    ['environment name malformed', (c) => (env0(c).name = 'Prod!'), 'environments[0].name'],
    ['environment tagPrefix malformed', (c) => (env0(c).tagPrefix = '-prod'), 'environments[0].tagPrefix'],
    ['environment keepNewest malformed', (c) => (env0(c).keepNewest = 0), 'environments[0].keepNewest'],
    ['environment keepNewest misspelt', (c) => ((env0(c).keepNewst = 3), delete env0(c).keepNewest), 'environments[0].keepNewst'],
    ['environment with both retentions', (c) => (env0(c).expireAfterDays = 30), 'environments[0]'],
    ['overlapping tag prefixes', (c) => (c.environments = [{ name: 'prod', tagPrefix: 'p', keepNewest: 3 }, { name: 'preview', tagPrefix: 'pr', keepNewest: 3 }]), 'environments[1].tagPrefix'],
    ['duplicate environment', (c) => (c.environments = [{ name: 'prod', tagPrefix: 'a-', keepNewest: 3 }, { name: 'prod', tagPrefix: 'b-', keepNewest: 3 }]), 'environments[1].name'],
    ['resolution default unknown', (c) => (at(c, 'environmentResolution').default = 'qa'), 'environmentResolution.default'],
    ['resolution default missing', (c) => delete at(c, 'environmentResolution').default, 'environmentResolution.default'],
    ['name pattern environment unknown', (c) => (at(c, 'environmentResolution').namePatterns = [{ pattern: '*', environment: 'qa' }]), 'environmentResolution.namePatterns[0].environment'],
    ['untagged malformed', (c) => (c.untagged = { expireAfterDays: -1 }), 'untagged.expireAfterDays'],
    ['untagged misspelt', (c) => (c.untaged = { expireAfterDays: 7 }), 'untaged'],
    ['catchAll malformed', (c) => (c.catchAll = { expireAfterDays: 'ninety' }), 'catchAll.expireAfterDays'],
    ['protection infix malformed', (c) => (at(c, 'protection').tagInfix = 'keep me'), 'protection.tagInfix'],
    ['protection misspelt', (c) => (at(c, 'protection').releaseAfterDay = 3), 'protection.releaseAfterDay'],
    ['existingPolicy malformed', (c) => (c.existingPolicy = 'overwrite'), 'existingPolicy'],
    ['putImagePerSecond above the ECR quota', (c) => (at(c, 'concurrency').putImagePerSecond = 20), 'concurrency.putImagePerSecond'],
    ['exclusions misspelt', (c) => (at(c, 'exclusions').repositoryPattern = ['x']), 'exclusions.repositoryPattern'],
    ['reportImagesPerRepository malformed', (c) => (c.reportImagesPerRepository = 0), 'reportImagesPerRepository'],
    ['reportImagesPerRepository misspelt', (c) => (c.reportImagesPerRepo = 100), 'reportImagesPerRepo'],
  ])('rejects %s and names the field', (_case, edit, field) => {
    // Act
    const error = errorFor(edit);

    // Assess
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  });
});

describe('Function: parseConfigText', () => {
  it('reports invalid JSON with where it came from', () => {
    expect(() => parseConfigText('{ "regions": [', 'my.json')).toThrow(/my\.json: not valid JSON/);
  });
});

describe('Function: loadSettings', () => {
  it('defaults to dry run with the bundled config', () => {
    // Act
    const settings = loadSettings({});

    // Assess
    expect(settings.dryRun).toBe(true);
    expect(settings.regions).toEqual(['us-east-1']);
  });

  it.each([
    ['false', false],
    ['False', false],
    ['FALSE', false],
    [' false\n', false],
    ['true', true],
    ['True', true],
    [' TRUE ', true],
  ])('reads KEEPER_DRY_RUN=%j case-insensitively, ignoring surrounding whitespace', (value, dryRun) => {
    expect(loadSettings({ KEEPER_DRY_RUN: value }).dryRun).toBe(dryRun);
  });

  it.each(['no', '0', 'off', '', 'falsey', 'f'])('rejects KEEPER_DRY_RUN=%j, naming the variable and the accepted values', (value) => {
    // Act
    let error: unknown;
    try {
      loadSettings({ KEEPER_DRY_RUN: value });
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ field: 'KEEPER_DRY_RUN' });
    expect((error as ConfigError).message).toMatch(/KEEPER_DRY_RUN: .*"true".*"false"/);
  });

  it('rejects an unknown KEEPER_ key, naming it', () => {
    // Act & Assess
    expect(() => loadSettings({ KEEPER_DRYRUN: 'false' })).toThrow(ConfigError);
    expect(() => loadSettings({ KEEPER_DRYRUN: 'false' })).toThrow(/KEEPER_DRYRUN/);
  });

  it('overrides regions from KEEPER_REGIONS and rejects a bad one', () => {
    expect(loadSettings({ KEEPER_REGIONS: 'eu-west-1, us-west-2' }).regions).toEqual(['eu-west-1', 'us-west-2']);
    expect(() => loadSettings({ KEEPER_REGIONS: 'eu-west-1,moon' })).toThrow(/KEEPER_REGIONS: not a region: moon/);
    expect(() => loadSettings({ KEEPER_REGIONS: ' , ' })).toThrow(/KEEPER_REGIONS: empty/);
  });

  it('reads KEEPER_CONFIG_FILE through the given reader and names the file on error', () => {
    // Prepare
    const files: Record<string, string> = { '/etc/keeper.json': readFileSync('config/default.json', 'utf8').replace('"keepNewest": 30', '"keepNewest": 12') };
    const read = (path: string): string => {
      const text = files[path];
      if (text === undefined) throw new Error('ENOENT');
      return text;
    };

    // Act
    const settings = loadSettings({ KEEPER_CONFIG_FILE: '/etc/keeper.json' }, read);

    // Assess
    expect(settings.config.environments[0]?.keepNewest).toBe(12);
    expect(() => loadSettings({ KEEPER_CONFIG_FILE: '/nope.json' }, read)).toThrow(/KEEPER_CONFIG_FILE: cannot read \/nope\.json/);
  });

  it('prefers inline KEEPER_CONFIG and validates it', () => {
    expect(() => loadSettings({ KEEPER_CONFIG: '{"regions":[]}' })).toThrow(/KEEPER_CONFIG: /);
  });

  it('reads the report bucket from KEEPER_REPORT_BUCKET, path-style only behind an endpoint override, and rejects a bad name', () => {
    expect(loadSettings({}).reports).toBeUndefined();
    expect(loadSettings({ KEEPER_REPORT_BUCKET: 'ecr-keeper-prod-reports' }).reports).toEqual({ bucket: 'ecr-keeper-prod-reports', pathStyle: false });
    expect(loadSettings({ KEEPER_REPORT_BUCKET: 'reports', AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }).reports).toEqual({ bucket: 'reports', pathStyle: true });
    expect(() => loadSettings({ KEEPER_REPORT_BUCKET: 'Reports_Bucket' })).toThrow(/KEEPER_REPORT_BUCKET: must be an S3 bucket name/);
    expect(() => loadSettings({ KEEPER_REPORTS_BUCKET: 'reports' })).toThrow(/unknown setting\(s\): KEEPER_REPORTS_BUCKET/);
  });
});
