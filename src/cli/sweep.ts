/** `ecr-keeper sweep` and `ecr-keeper audit`: the Lambda core with the local AWS credentials chain. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { runAudit, type AuditReport } from '../lib/audit.js';
import { DEFAULT_PREVIEW_SAMPLE } from '../lib/audit-preview.js';
import { renderAuditTable } from './audit-table.js';
import { loadSettings, type KeeperConfig } from '../lib/config.js';
import { isRegion, isRepositoryName, type Region, type RepositoryName } from '../lib/domain/types.js';
import type { Log } from '../lib/observability.js';
import { summarizeSweep } from '../lib/report.js';
import { runSweep, type SweepDeps, type SweepReport } from '../lib/sweep.js';
import { renderAuditHtml } from '../lib/render/html.js';
import { renderAuditMarkdown } from '../lib/render/markdown.js';
import { renderSweepMarkdown } from '../lib/render/sweep.js';
import type { CliIo } from './main.js';
import { checkOutput, deliverOutput, type OutputFormat } from './output.js';
import { terminalProgress } from './progress.js';
import { renderSweepTable } from './sweep-table.js';

interface ScopeOptions {
  region?: Region[];
  repository?: RepositoryName[];
  config?: string;
  output?: OutputFormat;
  out?: string;
  verbose?: boolean;
}

const collectRegion = (value: string, previous: Region[] = []): Region[] => {
  if (!isRegion(value)) throw new InvalidArgumentError(`"${value}" is not an AWS region code (e.g. eu-west-1)`);
  return [...previous, value];
};
const positiveCount = (value: string): number => {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return Number(value);
};
const collectRepository = (value: string, previous: RepositoryName[] = []): RepositoryName[] => {
  if (!isRepositoryName(value)) throw new InvalidArgumentError(`"${value}" is not an ECR repository name`);
  return [...previous, value];
};

const addScopeOptions = (command: Command, formats: readonly OutputFormat[]): Command =>
  command
    .addOption(new Option('--region <region>', 'region to plan and write (repeatable; default: the config regions); consumers are read in every configured region regardless').argParser(collectRegion))
    .addOption(new Option('--repository <name>', 'only this repository (repeatable)').argParser(collectRepository))
    .option('--config <file>', 'organisation config JSON (default: the bundled config/default.json)')
    .addOption(new Option('--output <format>', `${formats.join(', ')} (default: table on a terminal, json otherwise)`).choices(formats))
    .option('--out <file>', 'write the report to this file instead of stdout')
    .option('--verbose', 'log every decision to stderr');

/** A logger for people: nothing unless --verbose, then one line per event (decisions included) on stderr. */
const cliLog = (verbose: boolean, writeErr: (text: string) => void): Log => {
  const write = (level: string) => (message: string, ...extra: unknown[]) => {
    if (verbose) writeErr(`${level} ${message}${extra.length > 0 ? ` ${extra.map((e) => JSON.stringify(e, replacer)).join(' ')}` : ''}`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
};
const replacer = (_key: string, value: unknown): unknown => (value instanceof Error ? { name: value.name, message: value.message } : value);

const settingsFor = (io: CliIo, opts: ScopeOptions) =>
  loadSettings({ ...io.env, ...(opts.config === undefined ? {} : { KEEPER_CONFIG_FILE: opts.config, KEEPER_CONFIG: undefined }) });

/**
 * The AWS clients and adapters, loaded only when a command needs AWS: the SDK and Powertools
 * take most of the CLI's start-up, and `simulate` / `validate` need neither. Tests pass `io.sweepDeps`.
 */
const sweepDeps = async (io: CliIo, config: KeeperConfig, verbose: boolean): Promise<SweepDeps> => {
  const log = cliLog(verbose, io.writeErr ?? ((text) => process.stderr.write(`${text}\n`)));
  return io.sweepDeps === undefined ? (await import('../lib/runtime.js')).createSweepDeps(config, log) : io.sweepDeps(config, log);
};

/**
 * Named repositories found in none of the regions swept: a typo must not read as "nothing to do".
 * One stderr line each; the caller exits 2 (bad input).
 */
const reportNotFound = (io: CliIo, named: readonly RepositoryName[] | undefined, found: readonly { readonly repository: string }[], regions: readonly Region[]): boolean => {
  const seen = new Set(found.map((r) => r.repository));
  const missing = (named ?? []).filter((name) => !seen.has(name));
  for (const name of missing) io.writeErr?.(`ecr-keeper: repository ${name} not found in ${regions.join(', ')}`);
  return missing.length > 0;
};

/** Registers `sweep` and `audit` on the program. */
export const registerSweepCommands = (program: Command, io: CliIo, defaultOutput: 'json' | 'table'): void => {
  addScopeOptions(
    program
      .command('sweep')
      .description('Protect in-use images and enforce the baseline lifecycle policy (dry run unless --apply)')
      .option('--apply', 'write tags and policies (default: dry run, no write call)'),
    ['json', 'table', 'markdown'],
  ).action(async (opts: ScopeOptions & { apply?: boolean }) => {
    const settings = settingsFor(io, opts);
    const deps = await sweepDeps(io, settings.config, opts.verbose === true);
    const regions = opts.region ?? settings.regions;
    const progress = io.progress === undefined ? undefined : terminalProgress(io.progress);
    const report = await runSweep({ ...deps, onProgress: progress?.onProgress }, { mode: opts.apply === true ? 'apply' : 'dry-run', regions, repositories: opts.repository });
    progress?.finish(report.repositories.map((r) => r.status));
    const format = opts.output ?? defaultOutput;
    const text = format === 'json' ? JSON.stringify(summarizeSweep(report), null, 2) : format === 'markdown' ? renderSweepMarkdown(report) : renderSweepTable(report);
    deliverOutput(io, format, text, opts.out);
    io.setExitCode(reportNotFound(io, opts.repository, report.repositories, regions) ? 2 : exitCodeOf(report));
  });

  addScopeOptions(
    program
      .command('audit')
      .description('Read-only report: drift, what would expire and why, bytes, dollars, findings, risks')
      .option('--verify-with-preview', "cross-check the simulator with ECR's own lifecycle policy preview of the target policy (StartLifecyclePolicyPreview: changes nothing, but needs that permission); any disagreement exits 1")
      .addOption(new Option('--sample <n>', `repositories to preview, those the target policy acts on most first (default ${DEFAULT_PREVIEW_SAMPLE})`).argParser(positiveCount)),
    ['json', 'table', 'markdown', 'html'],
  ).action(
    async (opts: ScopeOptions & { verifyWithPreview?: boolean; sample?: number }) => {
      const settings = settingsFor(io, opts);
      const deps = await sweepDeps(io, settings.config, opts.verbose === true);
      const regions = opts.region ?? settings.regions;
      const format = opts.output ?? defaultOutput;
      // Refused before any AWS call: a whole page on a terminal is never what was meant.
      checkOutput(io, format, opts.out);
      const progress = io.progress === undefined ? undefined : terminalProgress(io.progress);
      // The footer's API calls: counted by the SDK clients of this process (none when tests pass their own ports).
      const apiCalls = io.sweepDeps === undefined ? (await import('../lib/aws/clients.js')).awsCallCounts : undefined;
      const verifyWithPreview = opts.verifyWithPreview === true || opts.sample !== undefined ? { sample: opts.sample ?? DEFAULT_PREVIEW_SAMPLE } : undefined;
      const audit = await runAudit({ ...deps, apiCalls, onProgress: progress?.onProgress }, { regions, repositories: opts.repository, verifyWithPreview });
      progress?.finish(audit.repositories.map((r) => r.status));
      const render = { json: (a: AuditReport) => JSON.stringify(a, null, 2), table: renderAuditTable, markdown: renderAuditMarkdown, html: renderAuditHtml }[format];
      deliverOutput(io, format, render(audit), opts.out);
      const previewDisagrees = (audit.previewCheck?.disagreements ?? 0) > 0;
      if (previewDisagrees) io.writeErr?.(`ecr-keeper: ECR's lifecycle policy preview disagrees with the simulator on ${audit.previewCheck?.disagreements ?? 0} images (both answers in previewCheck)`);
      io.setExitCode(reportNotFound(io, opts.repository, audit.repositories, regions) ? 2 : audit.failures.length > 0 || previewDisagrees ? 1 : 0);
    },
  );
};

/** 1 when anything failed or a repository was refused as unsafe, so pipelines notice. */
export const exitCodeOf = (report: SweepReport): number => (report.failures.length > 0 || report.totals.blocked > 0 ? 1 : 0);
