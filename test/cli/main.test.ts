/**
 * The process contract of `main`: bad input is exactly one line on stderr, no stack trace, exit 2.
 * `main` runs in-process with its stdin, stdout, stderr and exit code captured, so these tests take
 * milliseconds even on a loaded machine; one test spawns the real entry point (`node bin/ecr-keeper.mjs`)
 * to prove the process wiring itself: stdin, stdout and the exit code are the process's own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const NOW = '2026-11-23T12:00:00Z';
const POLICY = 'examples/policy.json';
const IMAGES = 'examples/images.json';

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `main` in this process as a user's shell would (exit code 0 unless set), optionally feeding `stdin`. */
const runMain = (args: readonly string[], stdin?: string): Promise<Run> => runCli(args, { readStdin: () => stdin ?? '' });

/** Runs the CLI as a separate process through its bin entry point, feeding `stdin`. */
const runProcess = (args: readonly string[], stdin: string): Promise<Run> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/ecr-keeper.mjs', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(stdin);
  });

const linesOf = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

let dir: string;
const files: Record<'bad' | 'wrongShape' | 'noDigest', string> = { bad: '', wrongShape: '', noDigest: '' };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ecr-keeper-main-'));
  const noDigest = JSON.parse(readFileSync(IMAGES, 'utf8')) as { imageDetails: Record<string, unknown>[] };
  delete noDigest.imageDetails[2]?.['imageDigest'];
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  files.bad = write('bad.json', '{"imageDetails": [');
  files.wrongShape = write('wrong-shape.json', JSON.stringify({ foo: 1 }));
  files.noDigest = write('no-digest.json', JSON.stringify(noDigest));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('Function: main', () => {
  const simulate = (images: () => string, ...extra: string[]) => (): string[] => ['simulate', '--policy', POLICY, '--images', images(), '--now', NOW, ...extra];

  it.each([
    ['a missing file', simulate(() => join(dir, 'missing.json')), /--images: cannot read .*missing\.json: no such file/],
    ['invalid JSON', simulate(() => files.bad), /--images: .*bad\.json is not valid JSON/],
    ['the wrong shape', simulate(() => files.wrongShape), /must be \{"imageDetails": \[\.\.\.\]\}/],
    ['an image detail without imageDigest', simulate(() => files.noDigest), /imageDetails\[2\]\.imageDigest/],
    ['a bad --now', () => ['simulate', '--policy', POLICY, '--images', IMAGES, '--now', 'yesterday'], /--now: "yesterday" is not an ISO-8601 time/],
    ['an unknown option', simulate(() => IMAGES, '--outptu', 'json'), /unknown option '--outptu'.*Did you mean --output\?/],
    ['an unknown command', () => ['simulat'], /unknown command 'simulat'.*Did you mean simulate\?/],
    ['no command at all', () => [], /a command is required \(simulate, validate/],
    ['both inputs on stdin', () => ['simulate', '--policy', '-', '--images', '-'], /cannot both read stdin/],
  ])('refuses %s with one stderr line and exit 2', async (_name, args, message) => {
    // Act
    const run = await runMain(args());

    // Assess
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(linesOf(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/^ecr-keeper: /);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toContain('    at ');
  });

  it('reads --images from stdin for "-" and answers as for the file', async () => {
    // Prepare
    const text = readFileSync(IMAGES, 'utf8');

    // Act
    const fromStdin = await runMain(['simulate', '--policy', POLICY, '--images', '-', '--now', NOW, '--output', 'json'], text);
    const fromFile = await runMain(['simulate', '--policy', POLICY, '--images', IMAGES, '--now', NOW, '--output', 'json']);

    // Assess
    expect(fromStdin.status).toBe(0);
    expect(linesOf(fromStdin.stderr)).toEqual([]);
    expect(JSON.parse(fromStdin.stdout)).toEqual(JSON.parse(fromFile.stdout));
    expect((JSON.parse(fromStdin.stdout) as { previewResults: unknown[] }).previewResults.length).toBeGreaterThan(0);
  });

  it('exits 1, not 2, when validate finds an invalid policy', async () => {
    // Prepare
    const path = join(dir, 'short-policy.json');
    writeFileSync(path, JSON.stringify({ rules: [] }));

    // Act
    const run = await runMain(['validate', '--policy', path]);

    // Assess
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`${path}: rules`);
    expect(linesOf(run.stderr)).toEqual([]);
  });
});

describe('Function: main (policy input and exit codes)', () => {
  const policyText = (): string => readFileSync(POLICY, 'utf8');
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const simulateWith = (policy: string): string[] => ['simulate', '--policy', policy, '--images', IMAGES, '--now', NOW, '--output', 'json'];

  it.each([
    ['aws ecr get-lifecycle-policy output', () => JSON.stringify({ registryId: '123456789012', repositoryName: 'shop/api', lifecyclePolicyText: policyText(), lastEvaluatedAt: '2026-11-20T10:00:00+00:00' })],
    ['the policy as one JSON string', () => JSON.stringify(policyText())],
  ])('validate and simulate accept %s as the policy itself', async (_name, text) => {
    // Prepare
    const path = write('wrapped-policy.json', text());

    // Act
    const validated = await runMain(['validate', '--policy', path]);
    const simulated = await runMain(simulateWith(path));
    const direct = await runMain(simulateWith(POLICY));

    // Assess
    expect(validated.status).toBe(0);
    expect(validated.stdout).toMatch(/: valid \(\d+ rules\)/);
    expect(simulated.status).toBe(0);
    expect(simulated.stdout).toBe(direct.stdout);
  });

  it('reads get-lifecycle-policy output from stdin', async () => {
    // Act
    const run = await runMain(['validate', '--policy', '-'], JSON.stringify({ repositoryName: 'shop/api', lifecyclePolicyText: policyText() }));

    // Assess
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('-: valid');
  });

  it('exits 1 from validate and from simulate for the same invalid policy, naming the issue', async () => {
    // Prepare
    const path = write('invalid.json', JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 0 }, action: { type: 'expire' } }] }));

    // Act
    const validated = await runMain(['validate', '--policy', path]);
    const simulated = await runMain(simulateWith(path));

    // Assess
    expect(validated.status).toBe(1);
    expect(simulated.status).toBe(1);
    expect(simulated.stdout).toBe('');
    expect(validated.stdout).toContain('rules[0].selection.countNumber');
    expect(simulated.stderr).toContain('rules[0].selection.countNumber');
  });

  it.each([
    ['an empty file', '', /--policy: .*empty\.json is empty/],
    ['a blank file', ' \n', /--policy: .*empty\.json is empty/],
    ['text that is not JSON', 'rules: []', /--policy: .*empty\.json is not valid JSON/],
    ['lifecyclePolicyText that is not a string', '{"lifecyclePolicyText": {"rules": []}}', /lifecyclePolicyText must be a string/],
  ])('exits 2 from validate and simulate for %s', async (_name, text, message) => {
    // Prepare
    const path = write('empty.json', text);

    // Act
    const validated = await runMain(['validate', '--policy', path]);
    const simulated = await runMain(simulateWith(path));

    // Assess
    for (const run of [validated, simulated]) {
      expect(run.status).toBe(2);
      expect(linesOf(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(message);
    }
  });

  it('refuses a millisecond epoch in imagePushedAt with exit 2, naming the field', async () => {
    // Prepare
    const images = write('ms.json', JSON.stringify({ imageDetails: [{ imageDigest: `sha256:${'a'.repeat(64)}`, imagePushedAt: 1_763_900_000_000 }] }));

    // Act
    const run = await runMain(['simulate', '--policy', POLICY, '--images', images, '--now', NOW]);

    // Assess
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/imageDetails\[0\]\.imagePushedAt looks like epoch milliseconds/);
  });

  it('prints the package version for --version', async () => {
    // Prepare
    const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

    // Act
    const run = await runMain(['--version']);

    // Assess
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it('documents the exit codes and the Node.js version in --help', async () => {
    // Act
    const run = await runMain(['--help']);

    // Assess
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/Exit codes:\n\s+0 .*\n\s+1 .*\n[\s\S]*\s+2 .*bad input/);
    expect(run.stdout).toContain('Node.js 20.19');
  });
});

describe('Entry point: bin/ecr-keeper.mjs', () => {
  // The only spawn in the unit tests. It runs the bundle that `npm ci` builds (dist/cli/, checked in
  // CI by bundle.test.ts): about 0.15 s. Where the bundle is missing or older than the sources, the
  // bin falls back to tsx, which compiles the CLI on start and takes seconds on a busy machine; so
  // it runs alone (no .concurrent) with a generous timeout rather than vitest's 5 s.
  it('runs main as a process: reads stdin, writes the answer to stdout and sets the exit code', { timeout: 60_000 }, async () => {
    // Prepare
    const policy = JSON.stringify({ rules: [] });
    const args = ['validate', '--policy', '-'];

    // Act
    const run = await runProcess(args, policy);

    // Assess
    expect(run.status).toBe(1);
    expect(linesOf(run.stderr)).toEqual([]);
    expect(run.stdout).toContain('-: rules');
    expect(run.stdout).toBe((await runMain(args, policy)).stdout);
  });
});
