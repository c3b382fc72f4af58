/**
 * `ecr-keeper` command line: the same core as the Lambda functions, for people at a terminal.
 * Exit codes: see EXIT_CODES (also in --help and the README).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { KeeperConfig } from '../lib/config.js';
import { KeeperError } from '../lib/errors.js';
import type { Log } from '../lib/observability.js';
import type { SweepDeps } from '../lib/sweep.js';
import { parseInstant, readInput } from './io.js';
import { simulateCommand, validateCommand, type CommandResult } from './simulate.js';
import { registerSweepCommands } from './sweep.js';

/** One rule for every command: 1 when the input was read and the answer is "no", 2 when it could not be read. */
export const EXIT_CODES = `Exit codes:
  0  done; the answer is yes (valid policy, sweep or audit with nothing blocked or failed)
  1  the answer is no: the policy was read and breaks ECR's grammar (validate and simulate alike),
     or a repository was blocked as unsafe or failed (sweep, audit)
  2  bad input, nothing judged: a missing, empty or non-JSON file, a wrong shape, an unknown option,
     a bad config, a --repository that exists in none of the regions swept
  3  unexpected failure (a bug, or AWS refused a call the sweep cannot do without)`;

/** Node.js versions: the engines field says 20.19+; the AWS SDK will want Node 22 from 2027. */
export const NODE_NOTE = 'Needs Node.js 20.19 or later; Node.js 22 recommended (AWS SDK releases from 2027 need it; its warning about that is silenced here).';

/**
 * The package version, for --version, from this package's package.json: two levels up from
 * src/cli/ and dist/cli/, three from a bundle chunk in dist/cli/chunks/.
 */
const packageVersion = (): string => {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'ecr-keeper' && manifest.version !== undefined) return manifest.version;
    } catch {
      // not this one
    }
  }
  return 'unknown';
};

const outputOption = (): Option =>
  new Option('--output <format>', 'json or table (default: table on a terminal, json otherwise)').choices(['json', 'table']);

export interface CliIo {
  readonly write: (text: string) => void;
  /** One line (or several) for stderr; default: dropped. */
  readonly writeErr?: ((text: string) => void) | undefined;
  readonly isTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly setExitCode: (code: number) => void;
  /** All of stdin, for `-` inputs; default: the process's file descriptor 0. */
  readonly readStdin?: (() => string) | undefined;
  /** The sweep's AWS side; default: real clients (`src/lib/runtime.ts`). Tests pass fakes. */
  readonly sweepDeps?: ((config: KeeperConfig, log: Log) => SweepDeps | Promise<SweepDeps>) | undefined;
  /** Raw text for stderr when it is a terminal (progress rewritten in place); absent otherwise, so no progress is shown. */
  readonly progress?: ((text: string) => void) | undefined;
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
  readonly sweepDeps?: CliIo['sweepDeps'];
  /** Whether stderr is a terminal: progress is shown only then. */
  readonly stderrIsTty?: boolean | undefined;
}

const processIo = (): MainIo => ({
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTty: process.stdout.isTTY === true,
  stderrIsTty: process.stderr.isTTY === true,
  env: process.env,
  setExitCode: (code) => (process.exitCode = code),
});

/** Builds the program; all I/O goes through `io` so tests capture it without touching the process. */
export const buildProgram = (io: CliIo): Command => {
  const program = new Command('ecr-keeper')
    .description('Keep Amazon ECR registries clean without expiring an image a workload still runs.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .addHelpText('after', `\n${EXIT_CODES}\n\n${NODE_NOTE}`)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.write(s.replace(/\n$/, '')), writeErr: () => undefined })
    .showSuggestionAfterError(true);
  const finish = (result: CommandResult): void => {
    if (result.stdout) io.write(result.stdout);
    if (result.stderr) io.writeErr?.(result.stderr);
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
    writeErr: (s) => io.stderr(`${s}\n`),
    isTty: io.isTty,
    env: io.env,
    setExitCode: io.setExitCode,
    readStdin: io.readStdin,
    sweepDeps: io.sweepDeps,
    progress: io.stderrIsTty === true ? io.stderr : undefined,
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
