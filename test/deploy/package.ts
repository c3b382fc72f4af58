/**
 * Makes sure `.serverless/` holds a package built from the current sources: CI packages before
 * the tests; a local `npm test` repackages here when anything it is built from is newer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const newest = (path: string): number => {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
};

/** Runs `serverless package` (offline) unless the template is newer than src/, config/ and serverless.yml. */
export const ensurePackaged = (): void => {
  const template = '.serverless/cloudformation-template-update-stack.json';
  const inputs = Math.max(newest('src'), newest('config'), newest('serverless.yml'), newest('package-lock.json'));
  if (existsSync(template) && statSync(template).mtimeMs >= inputs) return;
  // Output captured, not inherited: it would land in the test log; a failure's error carries it.
  // Bounded: a packaging that hangs (two runs packaging one checkout at once) fails instead of stalling the run.
  execFileSync('npx', ['serverless', 'package'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, killSignal: 'SIGKILL', env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' } });
};
