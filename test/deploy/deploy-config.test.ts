/**
 * The config of a deployed function is a deploy parameter: `--param="configFile=…"` names a JSON file
 * that scripts/deploy-config.cjs reads at package time into KEEPER_CONFIG, which the functions load.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/lib/config.js';
import { thrownBy } from '../helpers/factories.js';
import { ensurePackaged } from './package.js';

type Resolver = (context: { resolveVariable: (name: string) => Promise<unknown> }) => Promise<string>;
const deployConfig = createRequire(import.meta.url)('../../scripts/deploy-config.cjs') as Resolver;
const resolving = (configFile: string): Promise<string> => deployConfig({ resolveVariable: (name) => Promise.resolve(name === 'param:configFile' ? configFile : undefined) });

let dir: string;
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return relative(process.cwd(), path);
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecr-keeper-deploy-config-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('Script: scripts/deploy-config.cjs', () => {
  it('sets KEEPER_CONFIG to the chosen file, which the functions load as their config', async () => {
    // Prepare
    const base = JSON.parse(readFileSync('config/default.json', 'utf8')) as Record<string, unknown>;
    const path = write('acme.json', JSON.stringify({ ...base, regions: ['eu-west-1', 'eu-central-1'], storagePricePerGbMonth: 0.09 }, null, 2));

    // Act
    const text = await resolving(path);
    const settings = loadSettings({ KEEPER_CONFIG: text });

    // Assess
    expect(text).not.toContain('\n');
    expect(settings.config.regions).toEqual(['eu-west-1', 'eu-central-1']);
    expect(settings.config.storagePricePerGbMonth).toBe(0.09);
  });

  it.each([
    ['a missing file', () => join(dir, 'nope.json'), /configFile .*nope\.json: no such file/],
    ['text that is not JSON', () => write('broken.json', '{"regions": ['), /configFile .*broken\.json: .*JSON/],
    ['an array', () => write('array.json', '[]'), /must hold one JSON object/],
    ['a config too large for Lambda environment variables', () => write('large.json', JSON.stringify({ regions: Array.from({ length: 400 }, () => 'us-east-1') })), /over the 3500 that fit/],
  ])('fails the package on %s', async (_name, path, message) => {
    // Act
    const error = await resolving(path()).then(() => undefined, (caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(message);
  });
});

describe('Deploy: serverless package', () => {
  it('gives every function the default config as KEEPER_CONFIG, ships no source map, and the config loads', { timeout: 180_000 }, async () => {
    // Prepare
    ensurePackaged();
    const template = JSON.parse(readFileSync('.serverless/cloudformation-template-update-stack.json', 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Environment?: { Variables?: Record<string, unknown> } } }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    const expected = await resolving('config/default.json');

    // Act
    const configs = functions.map((f) => f.Properties.Environment?.Variables?.['KEEPER_CONFIG']);

    // Assess
    expect(functions.length).toBeGreaterThanOrEqual(3);
    expect(new Set(configs)).toEqual(new Set([expected]));
    expect(JSON.parse(expected)).toEqual(JSON.parse(readFileSync('config/default.json', 'utf8')));
    expect(thrownBy(() => loadSettings({ KEEPER_CONFIG: expected }))).toBeUndefined();
    const listing = readFileSync('.serverless/sweep.zip').toString('latin1');
    expect(listing).toContain('src/handlers/sweep.mjs');
    expect(listing).not.toContain('.mjs.map');
  });
});
