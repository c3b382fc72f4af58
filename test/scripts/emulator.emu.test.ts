/**
 * `npm run emulator` (scripts/emulator.ts) as a person runs it: it prints the environment to export,
 * the seeded demo account answers there, and Ctrl-C (SIGINT) stops it with exit 0.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { DescribeRepositoriesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { afterAll, describe, expect, it } from 'vitest';

let child: ChildProcessWithoutNullStreams | undefined;

afterAll(() => {
  if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
});

/** Resolves with the exported variables once the script has printed its `export` lines. */
const exportsOf = (process: ChildProcessWithoutNullStreams): Promise<Record<string, string>> =>
  new Promise((resolve, reject) => {
    let out = '';
    process.stdout.setEncoding('utf8');
    process.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (!out.includes('Ctrl-C')) return;
      const vars: Record<string, string> = {};
      for (const line of out.split('\n').filter((l) => l.startsWith('export ')))
        for (const [, name, value] of line.matchAll(/([A-Z_]+)=(\S+)/g)) if (name !== undefined && value !== undefined) vars[name] = value;
      resolve(vars);
    });
    process.once('exit', (code) => reject(new Error(`scripts/emulator.ts exited (${code}) before it was ready:\n${out}`)));
  });

describe('Script: npm run emulator', () => {
  it('starts the emulator with the demo account seeded, prints what to export, and stops on Ctrl-C', { timeout: 120_000 }, async () => {
    // Prepare
    child = spawn(process.execPath, ['--import', 'tsx', 'scripts/emulator.ts'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const running = child;
    const exited = new Promise<number | null>((resolve) => running.once('exit', (code) => resolve(code)));

    // Act
    const vars = await exportsOf(running);
    const ecr = new ECRClient({
      endpoint: vars['AWS_ENDPOINT_URL'],
      region: vars['AWS_REGION'],
      credentials: { accessKeyId: vars['AWS_ACCESS_KEY_ID'] ?? '', secretAccessKey: vars['AWS_SECRET_ACCESS_KEY'] ?? '' },
      maxAttempts: 1,
    });
    const listed = await ecr.send(new DescribeRepositoriesCommand({}));
    ecr.destroy();
    running.kill('SIGINT');

    // Assess
    expect(vars['AWS_ENDPOINT_URL']).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(vars['AWS_REGION']).toBe('us-east-1');
    expect(listed.repositories?.map((r) => r.repositoryName)).toContain('shop/api');
    expect(await exited).toBe(0);
  });
});
