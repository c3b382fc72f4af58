/**
 * Starts test/emulator/moto_server.py (moto 5.2.1 with ecr-keeper's patches) as a child process
 * and waits for its READY line. Used by the vitest global setup and by the README demo.
 * The child exits when its stdin closes, so a crashed parent never leaves it running.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Where the running emulator listens, and how to stop it. */
export interface RunningEmulator {
  /** The AWS endpoint (moto server), e.g. `http://127.0.0.1:41234`. */
  readonly endpoint: string;
  /** The control server that edits moto's backends (push times, task digests, findings). */
  readonly control: string;
  readonly pid: number;
  /** Milliseconds from spawn to READY. */
  readonly startupMs: number;
  /** Closes stdin, then SIGTERM, then SIGKILL; resolves once the process has exited. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Give up waiting for READY after this many milliseconds (default 60 s). */
  readonly timeoutMs?: number;
  /** Python interpreter (default `python3`; CI installs moto there with scripts/emulator-setup.sh). */
  readonly python?: string;
}

const SCRIPT = fileURLToPath(new URL('./moto_server.py', import.meta.url));
const STDERR_KEPT = 16_384;

interface ReadyLine {
  readonly endpoint: string;
  readonly control: string;
}

const parseReady = (line: string): ReadyLine | undefined => {
  if (!line.startsWith('READY ')) return undefined;
  const parsed: unknown = JSON.parse(line.slice('READY '.length));
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { endpoint, control } = parsed as Record<string, unknown>;
  return typeof endpoint === 'string' && typeof control === 'string' ? { endpoint, control } : undefined;
};

/** Spawns the emulator and resolves when it prints READY; rejects with its stderr otherwise. */
export const startEmulator = async (options: StartOptions = {}): Promise<RunningEmulator> => {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const started = Date.now();
  const child = spawn(options.python ?? 'python3', [SCRIPT], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    const escalate = setTimeout(() => child.kill('SIGTERM'), 3_000);
    const kill = setTimeout(() => child.kill('SIGKILL'), 6_000);
    await exited;
    clearTimeout(escalate);
    clearTimeout(kill);
  };

  const ready = await new Promise<ReadyLine>((resolve, reject) => {
    let stdout = '';
    const fail = (reason: string): void => {
      clearTimeout(timer);
      // Fire-and-forget: the start has failed and the caller gets the rejection below at once; stop()
      // only reaps the child (its wait on `exited` never rejects), so nothing is left to await for it.
      void stop();
      reject(new Error(`moto emulator did not start: ${reason}\n--- ${SCRIPT} stderr ---\n${stderr.trim()}`));
    };
    const timer = setTimeout(() => fail(`no READY line within ${timeoutMs} ms`), timeoutMs);
    child.once('error', (error) => fail(`cannot run ${options.python ?? 'python3'}: ${error.message}`));
    const earlyExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited early (code ${code ?? 'none'}, signal ${signal ?? 'none'})`);
    child.once('exit', earlyExit);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      for (const line of stdout.split('\n')) {
        const parsed = parseReady(line.trim());
        if (parsed !== undefined) {
          clearTimeout(timer);
          child.off('exit', earlyExit);
          resolve(parsed);
          return;
        }
      }
    });
  });

  return { ...ready, pid: child.pid ?? -1, startupMs: Date.now() - started, stop };
};
