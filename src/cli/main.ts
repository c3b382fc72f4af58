/**
 * `ecr-keeper` command line: the same core as the Lambda functions, for people at a terminal.
 * Exit codes: 0 done, 1 the answer is "no" (invalid policy, blocked repositories), 2 bad input.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { KeeperError } from '../lib/errors.js';
import { parseInstant, readInput } from './io.js';
import { simulateCommand, validateCommand, type CommandResult } from './simulate.js';
import { registerSweepCommands } from './sweep.js';

const outputOption = (): Option =>
  new Option('--output <format>', 'json or table (default: table on a terminal, json otherwise)').choices(['json', 'table']);

export interface CliIo {
  readonly write: (text: string) => void;
  readonly isTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly setExitCode: (code: number) => void;
  /** All of stdin, for `-` inputs; default: the process's file descriptor 0. */
  readonly readStdin?: (() => string) | undefined;
}

/** The process as `main` uses it; tests pass their own to run the CLI in-process. */
export interface MainIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** All of stdin, for `-` inputs; default: the process's file descriptor 0. */
  readonly readStdin?: (() => string) | undefined;
  readonly isTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly setExitCode: (code: number) => void;
}

const processIo = (): MainIo => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: process.stdout.isTTY === true,
  env: process.env,
  setExitCode: (code) => (process.exitCode = code),
});

/** Builds the program; all I/O goes through `io` so tests capture it without touching the process. */
export const buildProgram = (io: CliIo): Command => {
  const program = new Command('ecr-keeper')
    .description('Keep Amazon ECR registries clean without expiring an image a workload still runs.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.write(s.replace(/\n$/, '')), writeErr: () => undefined })
    .showSuggestionAfterError(true);
  const finish = (result: CommandResult): void => {
    if (result.stdout) io.write(result.stdout);
    io.setExitCode(result.exitCode);
  };
  const defaultOutput = io.isTty ? 'table' : 'json';

  program
    .command('simulate')
    .description('Show what a lifecycle policy would expire or archive in a set of images, and why each image stays')
    .requiredOption('--policy <file>', 'lifecycle policy JSON (- for stdin)')
    .requiredOption('--images <file>', 'output of `aws ecr describe-images`, or an array of image details (- for stdin)')
    .addOption(new Option('--now <iso-8601>', 'evaluate as of this time (default: now)').argParser((v) => checked(() => parseInstant(v, '--now'))))
    .addOption(outputOption())
    .action((opts: { policy: string; images: string; now?: Date; output?: 'json' | 'table' }) => {
      if (opts.policy === '-' && opts.images === '-') throw new InvalidArgumentError('--policy and --images cannot both read stdin');
      finish(
        simulateCommand({
          policyText: readInput(opts.policy, '--policy', io.readStdin),
          policyPath: opts.policy,
          imagesText: readInput(opts.images, '--images', io.readStdin),
          imagesPath: opts.images,
          now: opts.now ?? new Date(),
          output: opts.output ?? defaultOutput,
        }),
      );
    });

  program
    .command('validate')
    .description('Check a lifecycle policy against ECR grammar; exit 1 with every problem if it is invalid')
    .requiredOption('--policy <file>', 'lifecycle policy JSON (- for stdin)')
    .action((opts: { policy: string }) => finish(validateCommand(readInput(opts.policy, '--policy', io.readStdin), opts.policy)));

  registerSweepCommands(program, io, defaultOutput);
  return program;
};

/** Commander wants `InvalidArgumentError` from parsers; keep our message. */
const checked = <T>(parse: () => T): T => {
  try {
    return parse();
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
};

/**
 * Runs the CLI; bad input is one line on stderr and exit 2, never a stack trace.
 * `io` defaults to this process (stdout, stderr, stdin, `process.exitCode`).
 */
export const main = async (argv: readonly string[], io: MainIo = processIo()): Promise<void> => {
  const program = buildProgram({
    write: (s) => io.stdout(`${s}\n`),
    isTty: io.isTty,
    env: io.env,
    setExitCode: io.setExitCode,
    readStdin: io.readStdin,
  });
  const fail = (message: string, code: number): void => {
    // One line, whatever the message holds: commander appends "\n(Did you mean …?)" to its errors.
    io.stderr(`ecr-keeper: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
    io.setExitCode(code);
  };
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return; // --help, --version
      // No command: commander writes help to the (muted) error stream and throws a placeholder message.
      if (error.code === 'commander.help') return fail(`a command is required (${program.commands.map((c) => c.name()).join(', ')}); see ecr-keeper --help`, 2);
      return fail(error.message.replace(/^error: /, ''), 2);
    }
    if (error instanceof KeeperError) return fail(error.message, 2);
    fail(`unexpected failure: ${(error as Error).message ?? String(error)}`, 3);
  }
};
