/**
 * `npm run bench:sweep` (`tsx bench/sweep.ts`): the real sweep (`runSweep`, dry run then apply, then
 * a second apply) through the real SDK clients and adapters, over synthetic accounts of several sizes
 * served by an in-process transport (`bench/sweep/transport.ts`). Prints, per size and operation, the
 * calls made, the minimum the data requires, their ratio and the time at AWS's request rates, with
 * wall time and peak RSS, and the targets of issue 8 side by side. Prints figures; asserts nothing.
 *
 *   npm run bench:sweep                      every size: r10, r100, r1000, r1000-100k (about 2 minutes here)
 *   npm run bench:sweep -- --sizes r10,r100  only these (BENCH_SWEEP_SIZES=r10,r100 does the same)
 *
 * Each size's account is served by a process of its own over loopback HTTP (bench/sweep/account-server.ts),
 * and each run is a fresh process of its own: its peak RSS is the sweep's, measured, with nothing else in it.
 */
import { fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GCProfiler, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClients } from '../src/lib/aws/clients.js';
import { createBatchAdapter } from '../src/lib/aws/batch.js';
import { createEcrAdapter } from '../src/lib/aws/ecr.js';
import { createEcsAdapter } from '../src/lib/aws/ecs.js';
import { createEventsAdapter } from '../src/lib/aws/eventbridge.js';
import { createInspectorAdapter } from '../src/lib/aws/inspector2.js';
import { createLambdaAdapter } from '../src/lib/aws/lambda.js';
import type { RegionAdapters } from '../src/lib/aws/ports.js';
import { createSchedulerAdapter } from '../src/lib/aws/scheduler.js';
import { createTaggingAdapter } from '../src/lib/aws/tagging.js';
import { DEFAULT_CONFIG, parseConfig } from '../src/lib/config.js';
import { toRegion } from '../src/lib/domain/types.js';
import { silentLog } from '../src/lib/observability.js';
import { runSweep, type SweepMode, type SweepReport } from '../src/lib/sweep.js';
import { ACCOUNT, NOW, REGION, SIZES, imageCount, type BenchAccount, type SizeSpec } from './sweep/account.js';
import { ASSUMED_CALL_SECONDS, ASSUMED_ECR_READ_RATE, ASSUMED_OTHER_RATE, WRITE_OPERATIONS, modelledOverlapped, modelledSeconds, rateOf } from './sweep/minimum.js';
import { READ_AHEAD_IMAGES } from '../src/lib/sweep.js';
import { serveAccount, startAccountServer } from './sweep/account-server.js';
import { freshBundle } from '../bin/bundle.mjs';

// ------------------------------------------------------------------ what a child reports

interface OpFigure {
  readonly op: string;
  readonly calls: number;
  readonly min: number;
  readonly why: string;
}

interface RunResult {
  readonly label: string;
  readonly mode: SweepMode;
  readonly ops: readonly OpFigure[];
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMb: number;
  readonly peakHeapMb: number;
  /**
   * The largest heap left after a full (mark-compact) GC during the run: what the sweep really held.
   * Peak heap and RSS add the garbage V8 let build up before collecting (v8.GCProfiler; undefined
   * when no full GC ran).
   */
  readonly liveHeapMb: number | undefined;
  /** Process maxRSS after the run, and whether the run raised it (then the run's peak is at least that). */
  readonly maxRssMb: number;
  readonly raisedMaxRss: boolean;
  readonly discoveryPasses: number;
  readonly rereadRepositories: number;
  /** Reads at the pure data minimum: one read of every consumer and repository, no re-check. */
  readonly dataMinimumReads: number;
  readonly dataMinimumReadSeconds: number;
  readonly perImageEntries: number;
  readonly outcome: string;
  readonly failures: readonly string[];
}

interface SizeResult {
  readonly size: SizeSpec;
  readonly shape: string;
  readonly images: number;
  readonly buildMs: number;
  /** After importing the SDK and the sweep, before the account exists: what a Lambda holds before its sweep. */
  readonly rssBeforeBuildMb: number;
  readonly rssAfterBuildMb: number;
  readonly heapAfterBuildMb: number;
  readonly putImagePerSecond: number;
  /** Share of the listing pages read ahead while consumers are read (`readAheadShare`). */
  readonly aheadShare: number;
  readonly runs: readonly RunResult[];
  readonly elapsedMs: number;
}

const MB = 1_048_576;

// ------------------------------------------------------------------ child: one size

const clientsOver = (endpoint: string): RegionAdapters => {
  const region = toRegion(REGION);
  // Explicit credentials: no provider chain, and a client of its own (not the region cache).
  const clients = createClients({ region, endpoint, credentials: { accessKeyId: 'AKIABENCHMARK0000000', secretAccessKey: 'bench' } });
  return {
    region,
    ecr: createEcrAdapter(clients.ecr, region),
    ecs: createEcsAdapter(clients.ecs, region),
    inspector: createInspectorAdapter(clients.inspector, region),
    lambda: createLambdaAdapter(clients.lambda, region),
    batch: createBatchAdapter(clients.batch, region),
    events: createEventsAdapter(clients.events, region),
    scheduler: createSchedulerAdapter(clients.scheduler, region),
    tagging: createTaggingAdapter(clients.tagging, region),
  };
};

const shapeOf = (account: BenchAccount): string => {
  const excluded = account.repositories.filter((r) => r.tags['ecr-keeper:managed'] === 'false').length;
  const fmt = (n: number): string => n.toLocaleString('en-US');
  return (
    `${fmt(account.repositories.length)} repositories (${excluded} excluded), ${fmt(imageCount(account))} images (largest ${fmt(account.size.largestImages)}), ` +
    `${account.clusters.length} clusters, ${fmt(account.tasks.length)} tasks, ${account.services.length} services, ${account.families.size} task-definition families, ` +
    `${account.rules.length} rules, ${account.schedules.length} schedules, ${account.functions.length} functions, ${account.jobDefinitions.length} job-definition revisions, ` +
    `${account.coverage.length} Inspector coverage records`
  );
};

const outcomeOf = (report: SweepReport): string => {
  const t = report.totals;
  return (
    `in-use ${t.inUseImages} images (complete: ${String(report.inUse.complete)}, unresolved ${report.inUse.unresolved.length}); ` +
    `unchanged ${t.unchanged}, excluded ${t.excluded}, blocked ${t.blocked}, failed ${t.failed}, ` +
    `planned/applied ${report.repositories.filter((o) => o.status === 'planned' || o.status === 'applied').length}; ` +
    `tags added ${t.tagsAdded}, released ${t.tagsReleased}, policies written ${t.policiesWritten}`
  );
};

/** Per-image entries the report holds (`affected` of the current and target simulations). */
const perImageEntries = (report: SweepReport): number =>
  report.repositories.reduce((n, o) => n + (o.plan?.current?.affected.length ?? 0) + (o.plan?.target?.affected.length ?? 0), 0);

/** What a child sends back: one run, without the calls (the account server counts those). */
type ChildRun = Omit<RunResult, 'ops' | 'rereadRepositories' | 'dataMinimumReads' | 'dataMinimumReadSeconds'> & {
  readonly rssBeforeMb: number;
  readonly heapBeforeMb: number;
};

const RUNS = [
  ['dry-run', 'dry-run'],
  ['apply #1', 'apply'],
  ['apply #2', 'apply'],
] as const;

/**
 * One run of one size in a fresh process, against the account server at `endpoint`: this process
 * holds what a Lambda running the sweep would hold (the SDK, the sweep and its reads), and only this
 * run, so its peak RSS is the run's own.
 */
const runChild = async (label: string, endpoint: string): Promise<void> => {
  // The SDK's Node 20 end-of-support notice, once per client set; every other warning still prints.
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (!warning.message.startsWith('NodeVersionSupportWarning')) console.error(`${warning.name}: ${warning.message}`);
  });
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  const mode = RUNS.find(([l]) => l === label)?.[1];
  if (mode === undefined) throw new Error(`unknown run ${label}`);
  const config = parseConfig(DEFAULT_CONFIG, 'config/default.json');
  const adapters = clientsOver(endpoint);
  gc?.();
  const rssBeforeMb = process.memoryUsage().rss / MB;
  const heapBeforeMb = process.memoryUsage().heapUsed / MB;
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  const gcs = new GCProfiler();
  gcs.start();
  const maxRssBefore = process.resourceUsage().maxRSS;
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  // No PutImage throttle: the time PutImage takes at its quota is modelled from the count instead.
  const report: SweepReport = await runSweep(
    { config, adaptersFor: () => adapters, log: silentLog, now: () => NOW },
    { mode, regions: [toRegion(REGION)] },
  );
  const wallMs = performance.now() - t0;
  const fullGcs = gcs.stop().statistics.filter((g) => g.gcType === 'MarkSweepCompact');
  const liveHeapMb = fullGcs.length === 0 ? undefined : Math.max(...fullGcs.map((g) => g.afterGC.heapStatistics.usedHeapSize)) / MB;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  peakHeap = Math.max(peakHeap, m.heapUsed);
  const run: ChildRun = {
    label,
    mode,
    wallMs,
    cpuMs: (used.user + used.system) / 1000,
    peakRssMb: peakRss / MB,
    peakHeapMb: peakHeap / MB,
    liveHeapMb,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    raisedMaxRss: process.resourceUsage().maxRSS > maxRssBefore,
    discoveryPasses: report.inUse.releaseRecheck === undefined ? 1 : 2,
    perImageEntries: perImageEntries(report),
    outcome: outcomeOf(report),
    failures: report.failures.slice(0, 3).map((f) => `${f.scope}: ${f.message}`.slice(0, 300)),
    rssBeforeMb,
    heapBeforeMb,
  };
  await new Promise<void>((resolve, reject) => process.send?.(run, (error: Error | null) => (error ? reject(error) : resolve())));
};

/** The functions' memory in MB (serverless.yml `provider.memorySize`). */
const LAMBDA_MEMORY_MB = ((): number => {
  const found = /^ {2}memorySize: (\d+)$/m.exec(readFileSync(new URL('../serverless.yml', import.meta.url), 'utf8'));
  if (found === null) throw new Error('serverless.yml: provider.memorySize not found');
  return Number(found[1]);
})();
/**
 * The V8 heap flags Lambda's Node.js runtime starts a function of that memory with (its bootstrap:
 * semi-space 5 % of the memory, old space 90 %), so the run's GC behaves as in the function.
 */
const LAMBDA_HEAP_FLAGS = [`--max-semi-space-size=${Math.floor((LAMBDA_MEMORY_MB * 5) / 100)}`, `--max-old-space-size=${Math.floor((LAMBDA_MEMORY_MB * 90) / 100)}`];

/** One run in its own process (see `runChild`), with Lambda's heap flags. */
const runInChild = (label: string, endpoint: string): Promise<ChildRun> =>
  new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--child', label, endpoint], { execArgv: [...process.execArgv, ...LAMBDA_HEAP_FLAGS], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: ChildRun | undefined;
    child.on('message', (message) => {
      result = message as ChildRun;
    });
    child.on('error', reject);
    child.on('exit', (code) => (result === undefined ? reject(new Error(`run ${label}: child exited with ${String(code)} and no result`)) : resolve(result)));
  });

/** One size: its account server, then each run in a fresh process against it (writes carry over). */
const runSize = async (size: SizeSpec): Promise<SizeResult> => {
  const started = performance.now();
  const server = await startAccountServer(import.meta.url, size.name);
  const runs: RunResult[] = [];
  let before = { rss: 0, heap: 0 };
  try {
    for (const [label, mode] of RUNS) {
      await server.reset();
      const { rssBeforeMb, heapBeforeMb, ...run } = await runInChild(label, server.facts.endpoint);
      before = { rss: Math.max(before.rss, rssBeforeMb), heap: Math.max(before.heap, heapBeforeMb) };
      const calls = await server.measure(mode, run.discoveryPasses);
      runs.push({ ...run, ops: calls.ops, rereadRepositories: calls.rereadRepositories, dataMinimumReads: calls.dataMinimumReads, dataMinimumReadSeconds: calls.dataMinimumReadSeconds });
    }
  } finally {
    server.stop();
  }
  const { facts } = server;
  const putImagePerSecond = parseConfig(DEFAULT_CONFIG, 'config/default.json').concurrency.putImagePerSecond;
  // No account in the sweep's process: "after build" is the same process before its run.
  return { size, shape: facts.shape, images: facts.images, buildMs: facts.buildMs, rssBeforeBuildMb: before.rss, rssAfterBuildMb: before.rss, heapAfterBuildMb: before.heap, putImagePerSecond, aheadShare: facts.aheadShare, runs, elapsedMs: performance.now() - started };
};

// ------------------------------------------------------------------ parent: print

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const secs = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const ratioOf = (calls: number, min: number): number => (min === 0 ? (calls === 0 ? 1 : Number.POSITIVE_INFINITY) : calls / min);
const ratioText = (calls: number, min: number): string => {
  if (min === 0 && calls === 0) return '—';
  const r = ratioOf(calls, min);
  return `${r === Number.POSITIVE_INFINITY ? '∞' : r.toFixed(2)}${r > 1.05 ? '!' : ' '}`;
};
const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

const modelled = (run: RunResult, at: 'calls' | 'min', include: (op: string) => boolean): { serial: number; parallel: number } =>
  modelledSeconds(new Map(run.ops.map((o) => [o.op, at === 'calls' ? o.calls : o.min])), include);
const isWrite = (op: string): boolean => WRITE_OPERATIONS.has(op);
/** Repositories read at once: config/default.json's `concurrency.repositories`, as the child sweeps with. */
const REPOSITORY_CONCURRENCY = parseConfig(DEFAULT_CONFIG, 'config/default.json').concurrency.repositories;
/** Read time as the sweep runs (inventory, then consumers and repositories side by side); see `modelledOverlapped`. */
const overlapped = (result: SizeResult, run: RunResult): ReturnType<typeof modelledOverlapped> =>
  modelledOverlapped(new Map(run.ops.filter((o) => isRead(o.op)).map((o) => [o.op, o.calls])), REPOSITORY_CONCURRENCY, result.aheadShare);
const isRead = (op: string): boolean => !isWrite(op);

const printSize = (result: SizeResult): void => {
  const { runs } = result;
  console.log(`\n== ${result.size.name}: ${result.shape}`);
  console.log(
    `   account built in ${secs(result.buildMs / 1000)} s in its own process (served over loopback HTTP); ` +
      `the sweep's process: RSS ${fmt(result.rssBeforeBuildMb)} MB with the SDK and sweep loaded, before its run`,
  );
  const ops = [...new Set(runs.flatMap((r) => r.ops.map((o) => o.op)))].sort((a, b) => Number(isWrite(a)) - Number(isWrite(b)) || a.localeCompare(b));
  const head = `   ${pad('operation', 31)} ${lpad('rate/s', 7)} ` + runs.map((r) => `| ${pad(r.label, 8)} ${lpad('calls', 7)} ${lpad('min', 7)} ${lpad('ratio', 6)} ${lpad('model s', 7)} `).join('');
  console.log(head);
  console.log(`   ${'-'.repeat(head.length - 3)}`);
  for (const op of ops) {
    const rate = rateOf(op);
    const cells = runs
      .map((r) => {
        const o = r.ops.find((x) => x.op === op);
        const calls = o?.calls ?? 0;
        const min = o?.min ?? 0;
        return `| ${pad('', 8)} ${lpad(fmt(calls), 7)} ${lpad(fmt(min), 7)} ${lpad(ratioText(calls, min), 6)} ${lpad(secs(calls / rate.perSecond), 7)} `;
      })
      .join('');
    console.log(`   ${pad(op, 31)} ${lpad(`${rate.perSecond}${rate.source === 'assumed' ? '*' : ''}`, 7)} ${cells}`);
  }
  console.log(`   ${'-'.repeat(head.length - 3)}`);
  const total = (label: string, include: (op: string) => boolean): void => {
    const cells = runs
      .map((r) => {
        const calls = r.ops.filter((o) => include(o.op)).reduce((n, o) => n + o.calls, 0);
        const min = r.ops.filter((o) => include(o.op)).reduce((n, o) => n + o.min, 0);
        return `| ${pad('', 8)} ${lpad(fmt(calls), 7)} ${lpad(fmt(min), 7)} ${lpad(ratioText(calls, min), 6)} ${lpad(secs(modelled(r, 'calls', include).serial), 7)} `;
      })
      .join('');
    console.log(`   ${pad(label, 31)} ${lpad('', 7)} ${cells}`);
  };
  total('all reads', isRead);
  total('all writes', isWrite);
  for (const r of runs) {
    const read = modelled(r, 'calls', isRead);
    const readMin = modelled(r, 'min', isRead);
    const write = modelled(r, 'calls', isWrite);
    console.log(
      `   ${pad(r.label, 9)} modelled reads ${secs(read.serial)} s serial / ${secs(read.parallel)} s all groups in parallel ` +
        `(at the minimum: ${secs(readMin.serial)} / ${secs(readMin.parallel)} s); as the sweep runs ${secs(overlapped(result, r).seconds)} s ` +
        `(slowest: ${overlapped(result, r).slowest}${r.discoveryPasses > 1 ? '; both passes counted as one, so a floor' : ''}); writes ${secs(write.serial)} s; ` +
        `wall ${secs(r.wallMs / 1000)} s (cpu ${secs(r.cpuMs / 1000)} s)`,
    );
    const putImages = r.ops.find((o) => o.op === 'ECR:PutImage')?.calls ?? 0;
    console.log(
      `   ${pad('', 9)} peak RSS ${fmt(runPeakRss(r))} MB (the sweep's own process); peak heap ${fmt(r.peakHeapMb)} MB ` +
        `(+${fmt(r.peakHeapMb - result.heapAfterBuildMb)} MB over the loaded sweep), live after a full GC at most ${r.liveHeapMb === undefined ? '-' : fmt(r.liveHeapMb)} MB; report holds ${fmt(r.perImageEntries)} per-image entries` +
        (r.discoveryPasses > 1
          ? `; consumers read ×${r.discoveryPasses} and ${fmt(r.rereadRepositories)} repositories re-read for the re-checked pass ` +
            `(counted in min; pure data minimum ${fmt(r.dataMinimumReads)} reads, ${secs(r.dataMinimumReadSeconds)} s serial)`
          : '') +
        (putImages > 0 ? `; PutImage at the configured ${result.putImagePerSecond}/s: ${secs(putImages / result.putImagePerSecond)} s` : ''),
    );
    console.log(`   ${pad('', 9)} ${r.outcome}`);
    for (const f of r.failures) console.log(`   ${pad('', 9)} failure: ${f}`);
  }
  const over = runs.flatMap((r) => r.ops.filter((o) => ratioOf(o.calls, o.min) > 1.05).map((o) => `${r.label} ${o.op} (${fmt(o.calls)} vs ${fmt(o.min)}: ${o.why})`));
  if (over.length > 0) {
    console.log('   above 1.05 × minimum:');
    for (const line of over) console.log(`     - ${line}`);
  }
  console.log(`   size ${result.size.name} took ${secs(result.elapsedMs / 1000)} s (build + 3 sweeps)`);
};

/**
 * The process's peak without the synthetic account: RSS before the account was built plus what the
 * run added over the RSS with the account in memory. An estimate of a Lambda running this sweep.
 */
const runPeakRss = (run: RunResult): number => (run.raisedMaxRss ? Math.max(run.peakRssMb, run.maxRssMb) : run.peakRssMb);

const printTargets = (results: readonly SizeResult[]): void => {
  console.log('\n== Targets (issue 8) side by side; figures, not assertions');
  const col = 22;
  const row = (label: string, cell: (r: SizeResult) => string): void => console.log(`   ${pad(label, 52)} ${results.map((r) => lpad(cell(r), col)).join(' ')}`);
  row('size', (r) => r.size.name);
  const worst = (r: SizeResult, label: string): string => {
    const run = r.runs.find((x) => x.label === label);
    if (run === undefined) return '-';
    const ratios = run.ops.map((o) => ratioOf(o.calls, o.min));
    const above = ratios.filter((x) => x > 1.05).length;
    const max = Math.max(...ratios);
    return `${above} ops over, max ${max === Number.POSITIVE_INFINITY ? '∞' : max.toFixed(2)}`;
  };
  row('calls ≤ 1.05 × minimum (dry-run)', (r) => worst(r, 'dry-run'));
  row('calls ≤ 1.05 × minimum (apply #1)', (r) => worst(r, 'apply #1'));
  row('calls ≤ 1.05 × minimum (apply #2, steady state)', (r) => worst(r, 'apply #2'));
  const judge = (s: number): string => `${secs(s)}${s <= 60 ? '' : '!'}`;
  const readS = (r: SizeResult, at: 'calls' | 'min'): string => {
    const run = r.runs.find((x) => x.label === 'dry-run');
    if (run === undefined) return '-';
    const m = modelled(run, at, isRead);
    // Bounds around the target, which is the read as the sweep runs (next row).
    return `${secs(m.serial)} / ${secs(m.parallel)} s`;
  };
  row('modelled full read (dry-run; serial / parallel)', (r) => readS(r, 'calls'));
  row('  same at the minimum calls', (r) => readS(r, 'min'));
  row('modelled read as the sweep runs ≤ 60 s (dry-run)', (r) => {
    const run = r.runs.find((x) => x.label === 'dry-run');
    return run === undefined ? '-' : `${judge(overlapped(r, run).seconds)} s`;
  });
  row('  slowest chain (dry-run)', (r) => {
    const run = r.runs.find((x) => x.label === 'dry-run');
    return run === undefined ? '-' : overlapped(r, run).slowest;
  });
  row('  first apply: reads + writes (serial)', (r) => {
    const run = r.runs.find((x) => x.label === 'apply #1');
    return run === undefined ? '-' : `${secs(modelled(run, 'calls', () => true).serial)} s`;
  });
  row('peak RSS ≤ 512 MB: the sweep\'s process (worst run)', (r) => {
    const peak = Math.max(...r.runs.map(runPeakRss));
    return `${fmt(peak)} MB${peak <= 512 ? '' : '!'}`;
  });
  for (const [label] of RUNS)
    row(`  ${label}`, (r) => {
      const run = r.runs.find((x) => x.label === label);
      return run === undefined ? '-' : `${fmt(runPeakRss(run))} MB, heap ${fmt(run.peakHeapMb)} MB, live ${run.liveHeapMb === undefined ? '-' : `${fmt(run.liveHeapMb)} MB`}`;
    });
  row('  RSS with the SDK and sweep loaded, before a run', (r) => `${fmt(r.rssBeforeBuildMb)} MB`);
  row('report per-image entries (dry-run)', (r) => fmt(r.runs[0]?.perImageEntries ?? 0));
  console.log('\n== Cost against size (linear if the per-unit figures stay flat)');
  row('repositories / images', (r) => `${fmt(r.size.repositories)} / ${fmt(r.images)}`);
  const dry = (r: SizeResult): RunResult | undefined => r.runs.find((x) => x.label === 'dry-run');
  row('dry-run calls', (r) => fmt(dry(r)?.ops.reduce((n, o) => n + o.calls, 0) ?? 0));
  row('  per repository', (r) => ((dry(r)?.ops.reduce((n, o) => n + o.calls, 0) ?? 0) / r.size.repositories).toFixed(2));
  row('dry-run modelled read s per 100 repositories', (r) => secs(((dry(r) === undefined ? 0 : modelled(dry(r) as RunResult, 'calls', isRead).serial) * 100) / r.size.repositories));
  row('dry-run wall s', (r) => secs((dry(r)?.wallMs ?? 0) / 1000));
  row('  wall ms per 1,000 images', (r) => secs((dry(r)?.wallMs ?? 0) / (r.images / 1000)));
  row('dry-run peak RSS MB (the sweep\'s process)', (r) => (dry(r) === undefined ? '-' : fmt(runPeakRss(dry(r) as RunResult))));
  row('size wall time (build + 3 sweeps), s', (r) => secs(r.elapsedMs / 1000));
  console.log('   "!" = over the target. Serial = rate groups one after another; parallel = all groups at full quota at once.');
  console.log(`   CLI start-up < 0.5 s (size-independent): ${cliStartup()}`);
  const last = results[results.length - 1];
  const notes = last?.runs.find((x) => x.label === 'apply #1') ?? last?.runs[0];
  if (last !== undefined && notes !== undefined) {
    console.log(`\n== How each minimum is computed (figures of ${last.size.name}, ${notes.label})`);
    for (const o of [...notes.ops].sort((a, b) => a.op.localeCompare(b.op))) console.log(`   ${pad(o.op, 31)} ${o.why}`);
  }
};

const header = (sizes: readonly SizeSpec[]): void => {
  console.log('ecr-keeper bench:sweep — the real runSweep (src/lib/sweep.ts) through the real SDK v3 clients (src/lib/aws/clients.ts createClients)');
  console.log('and adapters, against an IN-PROCESS TRANSPORT that serves a synthetic account in each service\'s wire format:');
  console.log('ECR, ECS, EventBridge as JSON 1.1 (X-Amz-Target), Inspector2, Lambda, Batch, Scheduler as REST-JSON, with the page and batch');
  console.log('limits AWS documents (DescribeRepositories/DescribeImages ≤1,000, ListTasks/ListServices ≤100, DescribeTasks ≤100 ids,');
  console.log('DescribeServices ≤10, DescribeServiceRevisions/DescribeServiceDeployments ≤20, BatchGetImage/BatchDeleteImage ≤100, ListCoverage ≤200,');
  console.log('ListFunctions ≤50), counted per operation at the transport. Not the emulator: moto is too slow at 100,000 images and ignores');
  console.log('maxResults (one page, never a nextToken; README "The emulator and its gaps"), so it cannot show pagination.');
  console.log(`Account ${ACCOUNT}, ${REGION}, config/default.json: every in-use source on (ECS, scheduled tasks, task-definition families (newest 1),`);
  console.log('Inspector 14 days, Lambda, Batch, pull guard 30 days); no source is switched off or served empty.');
  console.log('Each size: dry run, first apply, second apply (steady state), in that order on the same account (writes land in it).');
  console.log('PutImage is not throttled in-process (SweepDeps.throttlePutImage unset); its time at 10/s is modelled from the count.');
  console.log(`Rates (per second, per account and region): ECS 20 sustained per action group (ListTasks+DescribeTasks, ListServices+DescribeServices,`);
  console.log('DescribeTaskDefinition, DescribeServiceRevisions; other ECS calls assumed 20 each); ECR PutImage 10, BatchGetImage 2,000 (published);');
  console.log(`ECR reads and other writes publish no rate: ASSUMED ${ASSUMED_ECR_READ_RATE} each; Lambda GetFunction 100, other Lambda control plane 15`);
  console.log(`(published); EventBridge, Scheduler, Batch, Inspector2: ASSUMED ${ASSUMED_OTHER_RATE} each. * in the rate column = assumed.`);
  console.log('"model s" = calls / rate; totals add the groups one after another ("serial") and, as a floor, run them all at once ("parallel").');
  console.log(`"as the sweep runs" = the inventory (DescribeRepositories, tag:GetResources), then the slowest of the chains that run side by side:`);
  console.log(`each in-use source's calls one after another, and the repositories read ahead ${REPOSITORY_CONCURRENCY} at a time (listing and policy side by side);`);
  console.log(`an operation takes max(calls / its rate, calls × ${ASSUMED_CALL_SECONDS * 1000} ms ASSUMED latency / calls in flight) (ListServiceDeployments and`);
  console.log('DescribeTaskDefinition 2 in flight, every other ECS, EventBridge, Scheduler, Lambda, Batch and Inspector call 1). Repositories are read');
  console.log(`ahead only until ${READ_AHEAD_IMAGES.toLocaleString('en-US')} images are held (src/lib/sweep.ts READ_AHEAD_IMAGES, the memory bound); the rest is read after discovery.`);
  console.log('"min" = pages at the largest documented page size and batches at the largest batch size, from the synthetic data; for writes,');
  console.log('what the run changed, batched as tightly as the API allows. "!" marks a ratio above 1.05.');
  console.log(`RSS: sampled every 20 ms, and process maxRSS when the run raised it, in the process that runs the sweep, started with the heap flags`);
  console.log(`Lambda's Node.js runtime gives a ${LAMBDA_MEMORY_MB} MB function (serverless.yml): ${LAMBDA_HEAP_FLAGS.join(' ')} (the synthetic account is`);
  console.log('served from another process; each run starts fresh). "Live": the largest heap left after a full GC (v8.GCProfiler), what the sweep');
  console.log('held; peak heap and RSS add the garbage V8 had not collected yet, which its heap-growth heuristics decide (it varies run to run).');
  console.log(`Sizes: ${sizes.map((s) => s.name).join(', ')} (--sizes a,b to narrow or to add r1000x1000, which runs only when named). ECR's default quota is 100,000 images per repository (adjustable; ECR user guide, "Amazon ECR service quotas").`);
};

/**
 * Wall time of the bundled CLI (`node bin/ecr-keeper.mjs`), median of 7 runs each of `validate` and
 * `sweep --help`, beside `node -e 0`; only when the bundle is fresh (else it would time tsx).
 */
const cliStartup = (): string => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  if (freshBundle(root) === undefined) return 'not measured: no fresh bundle (npm run build:cli)';
  const median = (args: readonly string[]): number => {
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const t0 = performance.now();
      const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'ignore' });
      times.push((performance.now() - t0) / 1000);
      if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${String(run.status)}`);
    }
    return [...times].sort((a, b) => a - b)[3] as number;
  };
  const validate = median(['bin/ecr-keeper.mjs', 'validate', '--policy', 'examples/policy.json']);
  const help = median(['bin/ecr-keeper.mjs', 'sweep', '--help']);
  const bare = median(['-e', '0']);
  return `validate ${secs(validate)} s, sweep --help ${secs(help)} s (medians of 7; node -e 0 takes ${secs(bare)} s here)`;
};

const main = async (): Promise<void> => {
  const args = process.argv.slice(2);
  const serverAt = args.indexOf('--account-server');
  if (serverAt >= 0) {
    await serveAccount(args[serverAt + 1] ?? '', shapeOf, READ_AHEAD_IMAGES);
    return;
  }
  const childAt = args.indexOf('--child');
  if (childAt >= 0) {
    await runChild(args[childAt + 1] ?? '', args[childAt + 2] ?? '');
    process.exit(0);
  }
  const sizesAt = args.indexOf('--sizes');
  const list = sizesAt >= 0 ? args[sizesAt + 1] : process.env['BENCH_SWEEP_SIZES'];
  const wanted = list === undefined || list === '' ? SIZES.filter((s) => s.onRequest !== true).map((s) => s.name) : list.split(',');
  const sizes = SIZES.filter((s) => wanted.includes(s.name));
  if (sizes.length === 0) throw new Error(`no known size in "${list ?? ''}"; sizes: ${SIZES.map((s) => s.name).join(', ')}`);
  header(sizes);
  const results: SizeResult[] = [];
  for (const size of sizes) {
    const result = await runSize(size);
    printSize(result);
    results.push(result);
  }
  printTargets(results);
};

await main();
