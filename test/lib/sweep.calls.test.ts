/**
 * Issue 8, "done when": the sweep makes no more calls than the data requires. The real `runSweep`
 * through the real SDK clients and adapters over a seeded account served in each service's wire
 * format (`bench/sweep/`: the generator and transport of `npm run bench:sweep`, with AWS's page and
 * batch limits), counted at the wire. Every operation must stay within 5 % of the minimum
 * `bench/sweep/minimum.ts` computes from the account's shape (pages at the largest page size,
 * batches at the largest batch size, one call per item where the API has no batch form).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { adaptersOver, createClients } from '../../src/lib/aws/clients.js';
import type { RegionAdapters } from '../../src/lib/aws/ports.js';
import { DEFAULT_CONFIG, parseConfig } from '../../src/lib/config.js';
import { toRegion } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import { runSweep, type SweepMode, type SweepReport } from '../../src/lib/sweep.js';
import { NOW, REGION, buildAccount, type BenchAccount, type SizeSpec } from '../../bench/sweep/account.js';
import { minimumCalls } from '../../bench/sweep/minimum.js';
import { createTransport, type Transport } from '../../bench/sweep/transport.js';

/**
 * Small enough for a few seconds, shaped to reach every paging and batching path: a repository of
 * 1,200 images (2 DescribeImages pages), 120 tasks in one cluster (2 ListTasks pages, 2 DescribeTasks),
 * 24 services (3 DescribeServices; one with 150 deployments: 2 ListServiceDeployments pages; legacy,
 * in-flight and externally deployed ones), an excluded repository, repositories with their own rules.
 */
const SIZE: SizeSpec = { name: 'calls-test', repositories: 30, largestImages: 1_200, clusters: 1, tasks: 120, services: 24 };
const region = toRegion(REGION);
const config = parseConfig(DEFAULT_CONFIG, 'config/default.json');

/** The real adapters over clients whose transport is the in-process account (no network, no credentials chain). */
const adaptersOn = (transport: Transport): RegionAdapters => {
  const clients = createClients({ region, credentials: { accessKeyId: 'AKIACALLSTEST0000000', secretAccessKey: 'test' }, maxAttempts: 1 });
  for (const client of Object.values(clients)) Object.assign(client.config, { requestHandler: transport });
  return adaptersOver(clients, region);
};

interface Run {
  readonly report: SweepReport;
  /** `Service:Operation` → [calls, minimum, why]. */
  readonly ops: ReadonlyMap<string, readonly [number, number, string]>;
}

const sweepCounted = async (account: BenchAccount, transport: Transport, mode: SweepMode, readAheadImages?: number): Promise<Run> => {
  transport.reset();
  const adapters = adaptersOn(transport);
  const report = await runSweep({ config, adaptersFor: () => adapters, log: silentLog, now: () => NOW, readAheadImages }, { mode, regions: [region] });
  const discoveryPasses = report.inUse.releaseRecheck === undefined ? 1 : 2;
  // Only the re-checked pass of an apply reads a repository again; any other second listing is waste.
  const reread = mode === 'apply' && discoveryPasses > 1 ? new Set([...transport.effects.listings].filter(([, n]) => n > 1).map(([name]) => name)) : new Set<string>();
  const minimum = minimumCalls(account, { mode, discoveryPasses, rereadRepositories: reread, effects: transport.effects });
  const ops = new Map<string, readonly [number, number, string]>();
  for (const op of new Set([...minimum.keys(), ...transport.counts.keys()]))
    ops.set(op, [transport.counts.get(op) ?? 0, minimum.get(op)?.min ?? 0, minimum.get(op)?.why ?? 'no minimum modelled']);
  return { report, ops };
};

/** Operations over 1.05 × their minimum (any call where the minimum is 0), as readable lines. */
const overMinimum = (run: Run): string[] =>
  [...run.ops].filter(([, [calls, min]]) => calls > min * 1.05).map(([op, [calls, min, why]]) => `${op}: ${calls} calls, minimum ${min} (${why})`);

describe('Function: runSweep (calls at the wire against the minimum the data requires)', () => {
  const runs = new Map<string, Run>();

  beforeAll(async () => {
    // Dry run, first apply, then the steady state, on one account (the apply's writes land in it).
    const account = buildAccount(SIZE);
    const transport = createTransport(account);
    runs.set('dry-run', await sweepCounted(account, transport, 'dry-run'));
    // The read-ahead bound far below the account's images: reading stalls, planning takes repositories
    // the read-ahead has in hand or has not reached, and no listing may be read twice.
    runs.set('dry-run, small read-ahead', await sweepCounted(account, transport, 'dry-run', 300));
    runs.set('apply #1', await sweepCounted(account, transport, 'apply'));
    runs.set('apply #2', await sweepCounted(account, transport, 'apply'));
  }, 60_000);

  it.each(['dry-run', 'dry-run, small read-ahead', 'apply #1', 'apply #2'])('%s: no operation exceeds its minimum by more than 5 %%', (label) => {
    // Prepare
    const run = runs.get(label) as Run;

    // Assess: the sweep did its work (a sweep that reads nothing would pass trivially)
    expect(run.report.failures).toEqual([]);
    expect(run.report.totals.repositories).toBe(SIZE.repositories);
    expect(run.ops.get('ECR:DescribeImages')?.[0]).toBeGreaterThanOrEqual(SIZE.repositories);
    expect(overMinimum(run)).toEqual([]);
  });

  it('reads repository tags in bulk and leaves the excluded repository unread beyond its tags', () => {
    // Prepare
    const run = runs.get('dry-run') as Run;

    // Assess
    expect(run.ops.get('ResourceGroupsTagging:GetResources')?.[0]).toBe(1);
    expect(run.ops.get('ECR:ListTagsForResource')?.[0]).toBe(0);
    expect(run.report.totals.excluded).toBe(1);
    expect(run.ops.get('ECR:GetLifecyclePolicy')?.[0]).toBe(SIZE.repositories - 1);
  });

  it('writes in the first apply and none in the steady state', () => {
    // Assess
    expect(runs.get('apply #1')?.ops.get('ECR:PutImage')?.[0]).toBeGreaterThan(0);
    expect(runs.get('apply #2')?.report.totals.tagsAdded).toBe(0);
    expect(runs.get('apply #2')?.ops.get('ECR:PutLifecyclePolicy')?.[0] ?? 0).toBe(0);
  });
});
