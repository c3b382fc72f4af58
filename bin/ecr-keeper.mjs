#!/usr/bin/env node
// The `ecr-keeper` command. It runs the esbuild bundle dist/cli/run.mjs, which `npm ci` builds
// (the `prepare` script; also `npm run build:cli`) and which starts in a fraction of a second.
// When there is no bundle (esbuild not installed, or not built yet), or a source file was edited
// after the build, it falls back to the TypeScript sources through tsx: the same CLI, slower to
// start (about a second), so an edited checkout never runs stale code.
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freshBundle } from './bundle.mjs';

// The AWS SDK warns on every run under Node < 22 that its 2027 releases will need Node 22; the CLI
// supports Node 20.19+. Set before the SDK loads (only `sweep` and `audit` load it); a value the
// user set wins.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = freshBundle(root);
if (bundle !== undefined) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/run.ts');
}
