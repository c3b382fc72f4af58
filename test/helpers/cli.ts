/**
 * `main` run in this process with its stdout, stderr and exit code captured: the CLI tests take
 * milliseconds this way, where spawning the entry point would take a second per run on a loaded machine.
 */
import { main, type MainIo } from '../../src/cli/main.js';

/** What a user's shell sees of one run: the exit code (0 unless `main` set one) and both streams. */
export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Everything of the process a test may set; the streams and the exit code are always captured. */
export type CliRunIo = Partial<Omit<MainIo, 'stdout' | 'stderr' | 'setExitCode'>>;

/**
 * Runs `main` as a user's shell would: not a terminal, an empty environment, stdin left to `main`'s
 * default unless `io.readStdin` feeds it; `io` sets any of these and the sweep's fake ports.
 */
export const runCli = async (args: readonly string[], io: CliRunIo = {}): Promise<CliRun> => {
  let stdout = '';
  let stderr = '';
  let status = 0;
  await main(args, {
    isTty: false,
    env: {},
    ...io,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    setExitCode: (code) => (status = code),
  });
  return { status, stdout, stderr };
};
