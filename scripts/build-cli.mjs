#!/usr/bin/env node
// Bundles the CLI (src/cli/run.ts) with esbuild into dist/cli/, so `bin/ecr-keeper.mjs` starts in
// a fraction of a second instead of compiling TypeScript through tsx on every run (issue 8).
// Runs on `npm ci` / `npm install` (the `prepare` script) and on `npm run build:cli`.
//
// - Code splitting keeps the lazy loading of src/cli/sweep.ts: the AWS SDK and the adapters sit in
//   chunks that only `sweep` and `audit` import, so `validate`, `simulate` and `--help` never load
//   them. The build fails if the entry chunk's static imports reach the SDK.
// - It writes dist/cli/inputs.json: the repository files the bundle was built from. The bin entry
//   point runs the bundle only while none of them is newer than it (else it falls back to tsx).
// - The output is written to a temporary directory and swapped in, so a CLI started during a build
//   sees either the old bundle, no bundle (then tsx), or the new one, never half a bundle.
// - Without esbuild (`npm ci --omit=dev`) it builds nothing and exits 0: the CLI then runs on tsx.
// The Lambda functions are bundled separately by serverless-esbuild (`npm run package`).
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist', 'cli');
const entry = 'src/cli/run.ts';
/** Packages that must stay out of the entry chunk's static imports (they load on `sweep`/`audit`). */
const LAZY = /(^|\/)node_modules\/(@aws-sdk|@smithy|@aws-lambda-powertools|@aws-crypto)\//;

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write('build-cli: esbuild is not installed (production install?); the CLI will run on tsx.\n');
  process.exit(0);
}

const staging = `${outdir}.tmp-${process.pid}`;
rmSync(staging, { recursive: true, force: true });
const result = await esbuild.build({
  absWorkingDir: root,
  entryPoints: [entry],
  outdir: staging,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // The SDK's ES module builds, as serverless-esbuild picks them for the functions.
  mainFields: ['module', 'main'],
  outExtension: { '.js': '.mjs' },
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
  // Some CommonJS dependencies call require() for Node built-ins; ESM output has no require.
  banner: { js: "import { createRequire as __keeperCreateRequire } from 'node:module'; const require = __keeperCreateRequire(import.meta.url);" },
});

// The entry chunk and every chunk it imports statically: what `validate` and `--help` load.
const outputs = result.metafile.outputs;
const entryOut = Object.keys(outputs).find((path) => outputs[path].entryPoint === entry);
const eager = new Set();
const visit = (path) => {
  if (eager.has(path)) return;
  eager.add(path);
  for (const imported of outputs[path].imports) if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
};
visit(entryOut);
const leaked = [...eager].flatMap((path) => Object.keys(outputs[path].inputs)).filter((input) => LAZY.test(input));
if (leaked.length > 0) {
  rmSync(staging, { recursive: true, force: true });
  process.stderr.write(`build-cli: the CLI entry would load the AWS SDK at start-up (keep it behind the dynamic import):\n  ${leaked.slice(0, 10).join('\n  ')}\n`);
  process.exit(1);
}

// Repository files the bundle came from (not node_modules: `npm ci` rebuilds after those change).
const inputs = Object.keys(result.metafile.inputs).filter((input) => !input.includes('node_modules/')).sort();
writeFileSync(join(staging, 'inputs.json'), `${JSON.stringify({ entry: 'run.mjs', inputs }, null, 2)}\n`);

// Two builds at once: the second one's rename can meet the first one's directory; swap again.
for (let attempt = 1; ; attempt++) {
  rmSync(outdir, { recursive: true, force: true });
  try {
    renameSync(staging, outdir);
    break;
  } catch (error) {
    if (attempt >= 3) throw error;
  }
}
const bytes = Object.entries(outputs).filter(([path]) => eager.has(path)).reduce((sum, [, out]) => sum + out.bytes, 0);
if (!existsSync(join(outdir, 'run.mjs'))) throw new Error('build-cli: dist/cli/run.mjs was not written');
process.stdout.write(`build-cli: ${relative(root, join(outdir, 'run.mjs'))} (start-up chunks ${(bytes / 1024).toFixed(0)} KiB; the AWS SDK loads only for sweep and audit)\n`);
