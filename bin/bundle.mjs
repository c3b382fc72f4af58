// Which CLI the `ecr-keeper` command runs: the esbuild bundle when it is there and up to date.
// Kept apart from bin/ecr-keeper.mjs so the choice can be tested without spawning a process.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The path of `<root>/dist/cli/run.mjs` (written by scripts/build-cli.mjs) if it exists and no
 * file it was built from (`dist/cli/inputs.json`, plus package-lock.json) is newer than the build
 * or gone; otherwise undefined, and the caller runs the sources. A few stat calls: about a millisecond.
 */
export const freshBundle = (root) => {
  const dir = join(root, 'dist', 'cli');
  let builtAt;
  let manifest;
  try {
    builtAt = statSync(join(dir, 'inputs.json')).mtimeMs;
    manifest = JSON.parse(readFileSync(join(dir, 'inputs.json'), 'utf8'));
    statSync(join(dir, manifest.entry));
  } catch {
    return undefined; // not built (or half-removed by a build running now)
  }
  for (const input of [...manifest.inputs, 'package-lock.json']) {
    try {
      if (statSync(join(root, input)).mtimeMs > builtAt) return undefined; // edited since the build
    } catch {
      if (input !== 'package-lock.json') return undefined; // moved or deleted since the build
    }
  }
  return join(dir, manifest.entry);
};
