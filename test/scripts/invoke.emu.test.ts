/**
 * `npm run invoke -- <function> <event>` (scripts/invoke.ts), the README's way to run a function locally:
 * every file in events/ runs against the emulator through its function, as a separate process that
 * must exit on its own (a process timeout fails the test instead of hanging it).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createRepository } from '../emulator/seed.js';
import { useEmulator } from '../helpers/use-emulator.js';

const { emu, ecr } = useEmulator({ reset: 'once' });

/** The function each sample event is for, by its file name. */
const functionFor = (file: string): string =>
  file.startsWith('audit') ? 'audit' : file.startsWith('create-repository') ? 'repositoryCreated' : file.startsWith('sweep') ? 'sweep' : `unknown: ${file}`;
const EVENTS = readdirSync('events').filter((f) => f.endsWith('.json')).sort();

interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const invoke = (fn: string, event: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/invoke.ts', fn, `events/${event}`], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: emu.endpoint,
        AWS_ACCESS_KEY_ID: emu.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: emu.credentials.secretAccessKey,
        AWS_REGION: emu.region,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
      // A process that does not exit by itself (the osls failure this replaces) is killed, and fails.
      timeout: 90_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });

beforeAll(async () => {
  await createRepository(ecr, 'shop/api');
  await createRepository(ecr, 'shop/payments');
});

describe('Script: npm run invoke', () => {
  it('has a sample event for each of the three functions, each named as in serverless.yml', () => {
    // Prepare: the CloudFormation tags (!Ref …) only matter to CloudFormation
    const template = parse(readFileSync('serverless.yml', 'utf8'), { customTags: [{ tag: '!Ref', resolve: (s: string) => s }, { tag: '!GetAtt', resolve: (s: string) => s }, { tag: '!Sub', resolve: (s: string) => s }], logLevel: 'error' }) as { functions: Record<string, unknown> };

    // Assess
    expect(new Set(EVENTS.map(functionFor))).toEqual(new Set(['audit', 'repositoryCreated', 'sweep']));
    for (const event of EVENTS) expect(Object.keys(template.functions)).toContain(functionFor(event));
  });

  // What each function answers: the audit report, a sweep summary (dry run: KEEPER_DRY_RUN is unset),
  // and for a failed CreateRepository call, an ignored event.
  const EXPECTED: Record<string, Record<string, unknown>> = {
    'audit.json': { kind: 'audit', readOnly: true },
    'create-repository.cloudtrail.json': { mode: 'dry-run' },
    'create-repository.failed.json': { status: 'ignored' },
    'sweep.scheduled.json': { mode: 'dry-run' },
  };

  it('knows the answer to expect for every sample event', () => {
    // Assess
    expect(Object.keys(EXPECTED).sort()).toEqual(EVENTS);
  });

  it.each(EVENTS)('runs events/%s through its function against the emulator and exits by itself', { timeout: 120_000 }, async (event) => {
    // Act
    const run = await invoke(functionFor(event), event);

    // Assess: the whole run on failure, so stderr explains it
    expect(run).toMatchObject({ status: 0, signal: null });
    expect(JSON.parse(run.stdout)).toMatchObject(EXPECTED[event] ?? { missing: event });
    expect(run.stderr).toMatch(/invoke: \S+ on events\/\S+ in us-east-1: done in \d+ ms/);
  });

  it('refuses an unknown function with exit 2 and the list of functions', async () => {
    // Act
    const run = await invoke('nope', 'audit.json');

    // Assess
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/no function "nope" in serverless\.yml; usage: .*functions: sweep, repositoryCreated, audit/);
  });
});
