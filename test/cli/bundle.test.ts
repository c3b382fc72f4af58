/**
 * Which CLI `bin/ecr-keeper.mjs` runs: the esbuild bundle (dist/cli/, built by `npm ci` through the
 * `prepare` script) when it is there and newer than every file it was built from, else the sources
 * through tsx. Checked on throwaway directories, without spawning; in CI, also that `npm ci` built
 * the bundle, so the one spawn in main.test.ts runs the bundle, as users do.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshBundle } from '../../bin/bundle.mjs';

const BUILT_AT = new Date('2026-11-23T12:00:00Z');
const EARLIER = new Date('2026-11-23T11:00:00Z');
const LATER = new Date('2026-11-23T13:00:00Z');

let root: string;

/** Writes `path` under the fake checkout with the given modification time. */
const file = (path: string, mtime: Date, text = ''): void => {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  utimesSync(full, mtime, mtime);
};

/** A checkout with two sources and a lockfile, built at BUILT_AT. */
const builtCheckout = (): void => {
  file('src/cli/run.ts', EARLIER);
  file('config/default.json', EARLIER);
  file('package-lock.json', EARLIER);
  file('dist/cli/run.mjs', BUILT_AT);
  file('dist/cli/inputs.json', BUILT_AT, JSON.stringify({ entry: 'run.mjs', inputs: ['config/default.json', 'src/cli/run.ts'] }));
};

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'ecr-keeper-bundle-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('Function: freshBundle', () => {
  it('returns the bundle when it was built after every source', () => {
    // Prepare
    builtCheckout();

    // Act
    const bundle = freshBundle(root);

    // Assess
    expect(bundle).toBe(join(root, 'dist', 'cli', 'run.mjs'));
  });

  it.each([
    ['nothing was built', (): void => file('src/cli/run.ts', EARLIER)],
    ['the manifest is there but the bundle is not', (): void => file('dist/cli/inputs.json', BUILT_AT, JSON.stringify({ entry: 'run.mjs', inputs: [] }))],
    ['a source was edited after the build', (): void => (builtCheckout(), file('src/cli/run.ts', LATER))],
    ['a source was deleted after the build', (): void => (builtCheckout(), rmSync(join(root, 'config/default.json')))],
    ['the dependencies changed after the build', (): void => (builtCheckout(), file('package-lock.json', LATER))],
  ])('returns undefined (the bin runs the sources through tsx) when %s', (_case, arrange) => {
    // Prepare
    arrange();

    // Act
    const bundle = freshBundle(root);

    // Assess
    expect(bundle).toBeUndefined();
  });
});

describe('Build: npm ci', () => {
  // .ci/run starts from a clean clone with `npm ci`, whose `prepare` script builds the bundle.
  it.runIf(process.env['CI'] === 'true')('built an up-to-date bundle, which bin/ecr-keeper.mjs runs', () => {
    // Prepare
    const checkout = resolve(import.meta.dirname, '../..');

    // Act
    const bundle = freshBundle(checkout);

    // Assess
    expect(bundle).toBe(join(checkout, 'dist', 'cli', 'run.mjs'));
  });
});
