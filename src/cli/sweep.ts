/** `ecr-keeper sweep` and `ecr-keeper audit`: the Lambda core with the local AWS credentials chain. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { runAudit } from '../lib/audit.js';
import { renderAuditTable } from './audit-table.js';
import { loadSettings, type KeeperConfig } from '../lib/config.js';
import { isRegion, isRepositoryName, type Region, type RepositoryName } from '../lib/domain/types.js';
import type { Log } from '../lib/observability.js';
import { summarizeSweep } from '../lib/report.js';
import { runSweep, type SweepDeps, type SweepReport } from '../lib/sweep.js';
import type { CliIo } from './main.js';
import { renderSweepTable } from './sweep-table.js';

interface ScopeOptions {
  region?: Region[];
  repository?: RepositoryName[];
  config?: string;
  output?: 'json' | 'table';
  verbose?: boolean;
}

const collectRegion = (value: string, previous: Region[] = []): Region[] => {
  if (!isRegion(value)) throw new InvalidArgumentError(`"${value}" is not an AWS region code (e.g. eu-west-1)`);
  return [...previous, value];
};
const collectRepository = (value: string, previous: RepositoryName[] = []): RepositoryName[] => {
  if (!isRepositoryName(value)) throw new InvalidArgumentError(`"${value}" is not an ECR repository name`);
  return [...previous, value];
};

const addScopeOptions = (command: Command): Command =>
  command
    .addOption(new Option('--region <region>', 'region to plan and write (repeatable; default: the config regions); consumers are read in every configured region regardless').argParser(collectRegion))
    .addOption(new Option('--repository <name>', 'only this repository (repeatable)').argParser(collectRepository))
    .option('--config <file>', 'organisation config JSON (default: the bundled config/default.json)')
    .addOption(new Option('--output <format>', 'json or table (default: table on a terminal, json otherwise)').choices(['json', 'table']))
    .option('--verbose', 'log every decision to stderr');

/** A logger for people: nothing unless --verbose, then one line per event on stderr. */
const cliLog = (verbose: boolean): Log => {
  const write = (level: string) => (message: string, ...extra: unknown[]) => {
    if (verbose) process.stderr.write(`${level} ${message}${extra.length > 0 ? ` ${JSON.stringify(extra, replacer)}` : ''}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
};
const replacer = (_key: string, value: unknown): unknown => (value instanceof Error ? { name: value.name, message: value.message } : value);

const settingsFor = (io: CliIo, opts: ScopeOptions) =>
  loadSettings({ ...io.env, ...(opts.config === undefined ? {} : { KEEPER_CONFIG_FILE: opts.config, KEEPER_CONFIG: undefined }) });

/**
 * The AWS clients and adapters, loaded only when a command needs AWS: the SDK and Powertools
 * take most of the CLI's start-up, and `simulate` / `validate` need neither.
 */
const sweepDeps = async (config: KeeperConfig, verbose: boolean): Promise<SweepDeps> =>
  (await import('../lib/runtime.js')).createSweepDeps(config, cliLog(verbose));

/** Registers `sweep` and `audit` on the program. */
export const registerSweepCommands = (program: Command, io: CliIo, defaultOutput: 'json' | 'table'): void => {
  addScopeOptions(
    program
      .command('sweep')
      .description('Protect in-use images and enforce the baseline lifecycle policy (dry run unless --apply)')
      .option('--apply', 'write tags and policies (default: dry run, no write call)'),
  ).action(async (opts: ScopeOptions & { apply?: boolean }) => {
    const settings = settingsFor(io, opts);
    const deps = await sweepDeps(settings.config, opts.verbose === true);
    const report = await runSweep(deps, { mode: opts.apply === true ? 'apply' : 'dry-run', regions: opts.region ?? settings.regions, repositories: opts.repository });
    io.write((opts.output ?? defaultOutput) === 'json' ? JSON.stringify(summarizeSweep(report), null, 2) : renderSweepTable(report));
    io.setExitCode(exitCodeOf(report));
  });

  addScopeOptions(program.command('audit').description('Read-only report: drift, what would expire and why, bytes, dollars, findings, risks')).action(
    async (opts: ScopeOptions) => {
      const settings = settingsFor(io, opts);
      const deps = await sweepDeps(settings.config, opts.verbose === true);
      const audit = await runAudit(deps, { regions: opts.region ?? settings.regions, repositories: opts.repository });
      io.write((opts.output ?? defaultOutput) === 'json' ? JSON.stringify(audit, null, 2) : renderAuditTable(audit));
      io.setExitCode(audit.failures.length > 0 ? 1 : 0);
    },
  );
};

/** 1 when anything failed or a repository was refused as unsafe, so pipelines notice. */
export const exitCodeOf = (report: SweepReport): number => (report.failures.length > 0 || report.totals.blocked > 0 ? 1 : 0);
