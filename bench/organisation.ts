/**
 * `npm run bench:org` (`tsx bench/organisation.ts`): the organisation state machine's fan-out for
 * 50 accounts × 3 regions, modelled from calls measured at the wire. Nothing runs against AWS.
 *
 * - One discovery item (one consumer account × region) is the real `collectInUse` through the real
 *   SDK clients over the scale benchmark's in-process transport (bench/sweep/transport.ts), on a
 *   synthetic consumer account from the same generator (bench/sweep/account.ts): 14 tasks and 4
 *   services, so 150 items hold 2,100 tasks and 600 services.
 * - One registry batch is the real `runSweep` (the apply step's core, `pass: 'protect'` then
 *   `'release'`) over the generator's 100-repository account, with the merged in-use set given.
 * - The model: every account × region has its own ECS and ECR quotas, so items in different accounts
 *   do not share a rate; the Distributed Map runs `MaxConcurrency` items at once. Modelled wall time =
 *   waves × the slowest item's time at the quotas (bench/sweep/minimum.ts `modelledSeconds`).
 */
import { adaptersOver, createClients } from '../src/lib/aws/clients.js';
import type { RegionAdapters } from '../src/lib/aws/ports.js';
import { DEFAULT_CONFIG, parseConfig } from '../src/lib/config.js';
import { toRegion } from '../src/lib/domain/types.js';
import { silentLog } from '../src/lib/observability.js';
import { collectInUse } from '../src/lib/sources/index.js';
import { resolveInUse } from '../src/lib/inuse.js';
import { runSweep } from '../src/lib/sweep.js';
import { ACCOUNT, NOW, REGION, buildAccount, type SizeSpec } from './sweep/account.js';
import { modelledSeconds } from './sweep/minimum.js';
import { createTransport, type Transport } from './sweep/transport.js';

// The SDK warns once per process that it will need Node 22 from 2027; the figures are what matters here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const ACCOUNTS = 50;
const REGIONS = 3;
/** The state machine's MaxConcurrency (deploy/state-machine.asl.json) for discovery and for batches. */
const DISCOVERY_CONCURRENCY = 10;
const APPLY_CONCURRENCY = 5;
const BATCH_SIZE = 100;

const CONSUMER: SizeSpec = { name: 'consumer', repositories: 3, largestImages: 50, clusters: 1, tasks: 14, services: 4 };
const REGISTRY: SizeSpec = { name: 'registry', repositories: BATCH_SIZE, largestImages: 1_000, clusters: 1, tasks: 0, services: 0 };

const adaptersOn = (transport: Transport): RegionAdapters => {
  const region = toRegion(REGION);
  const clients = createClients({ region, credentials: { accessKeyId: 'AKIABENCHMARK0000000', secretAccessKey: 'bench' } });
  for (const client of Object.values(clients)) Object.assign(client.config, { requestHandler: transport });
  return adaptersOver(clients, region);
};

const total = (counts: ReadonlyMap<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);
const fmt = (n: number, digits = 1): string => n.toFixed(digits);

const main = async (): Promise<void> => {
  const config = parseConfig(DEFAULT_CONFIG);
  const region = toRegion(REGION);

  // One discovery item, measured.
  const consumer = createTransport(buildAccount(CONSUMER));
  const consumerAdapters = adaptersOn(consumer);
  let t0 = performance.now();
  const collected = await collectInUse({ region, adapters: consumerAdapters, config, now: NOW });
  const resolved = await resolveInUse(collected.references, () => consumerAdapters.ecr, new Set([ACCOUNT as never]), config);
  const discoverMs = performance.now() - t0;
  const itemCalls = new Map(consumer.counts);
  const itemSeconds = modelledSeconds(itemCalls, () => true).serial;

  // One registry batch, measured: the protect pass and the release pass against a given in-use set.
  const registry = createTransport(buildAccount(REGISTRY));
  const registryAdapters = adaptersOn(registry);
  const deps = { config, adaptersFor: () => registryAdapters, log: silentLog, now: () => NOW };
  const inUse = { images: resolved.images, complete: true, failures: [], warnings: [], foreign: [], unresolved: [] };
  t0 = performance.now();
  const protect = await runSweep(deps, { mode: 'apply', regions: [region], inUse, pass: 'protect' });
  const protectCalls = new Map(registry.counts);
  registry.reset();
  const release = await runSweep(deps, { mode: 'apply', regions: [region], inUse, pass: 'release' });
  const applyMs = performance.now() - t0;
  const releaseCalls = new Map(registry.counts);
  // The next run over the unchanged registry: the protect pass holds nothing back (the state machine then skips the re-check and release).
  registry.reset();
  t0 = performance.now();
  const steady = await runSweep(deps, { mode: 'apply', regions: [region], inUse, pass: 'protect' });
  const steadyMs = performance.now() - t0;
  const steadyCalls = new Map(registry.counts);
  const batchSeconds = modelledSeconds(protectCalls, () => true).serial + modelledSeconds(releaseCalls, () => true).serial;

  const items = ACCOUNTS * REGIONS;
  const discoveryWaves = Math.ceil(items / DISCOVERY_CONCURRENCY);
  // One registry account, one region planned: 1,000 repositories in batches of 100 (same quotas: serial per account and region).
  const batches = 10;

  console.log(`ecr-keeper bench:org — ${ACCOUNTS} accounts × ${REGIONS} regions, modelled from calls measured at the wire (in-process transport, real SDK clients)`);
  console.log(`quotas: ECS 20/s per action group, ECR reads assumed 20/s, PutImage 10/s — each per account and region (bench/sweep/minimum.ts)`);
  console.log('');
  console.log('step                      items  calls/item  modelled s/item  concurrency  waves  modelled s  measured ms/item');
  const row = (name: string, n: number, calls: number, perItem: number, concurrency: number, waves: number, wall: number, ms: number): void =>
    console.log(`${name.padEnd(25)} ${String(n).padStart(5)}  ${String(calls).padStart(10)}  ${fmt(perItem).padStart(15)}  ${String(concurrency).padStart(11)}  ${String(waves).padStart(5)}  ${fmt(wall).padStart(10)}  ${fmt(ms, 0).padStart(16)}`);
  row('discover (×2 rounds)', items, total(itemCalls), itemSeconds, DISCOVERY_CONCURRENCY, discoveryWaves, 2 * discoveryWaves * itemSeconds, discoverMs);
  // Batches of one registry account and region share its quotas: they run one after another in effect.
  row('apply protect+release', batches, total(protectCalls) + total(releaseCalls), batchSeconds, APPLY_CONCURRENCY, batches, batches * batchSeconds, applyMs);
  console.log('');
  const steadySeconds = modelledSeconds(steadyCalls, () => true).serial;
  console.log(`steady state (the next run: ${steady.totals.heldForRecheck} writes held back, so one discovery round and the protect pass only):`);
  row('discover (1 round)', items, total(itemCalls), itemSeconds, DISCOVERY_CONCURRENCY, discoveryWaves, discoveryWaves * itemSeconds, discoverMs);
  row('apply protect', batches, total(steadyCalls), steadySeconds, APPLY_CONCURRENCY, batches, batches * steadySeconds, steadyMs);
  console.log(`calls in a steady-state run: discovery ${items * total(itemCalls)}, apply ${batches * total(steadyCalls)} (writes ${['ECR:PutImage', 'ECR:PutLifecyclePolicy', 'ECR:BatchDeleteImage'].reduce((n, op) => n + (steadyCalls.get(op) ?? 0), 0)})`);
  console.log('');
  console.log(`calls in one run: discovery ${2 * items * total(itemCalls)} (${items} items × 2 rounds), apply ${batches * (total(protectCalls) + total(releaseCalls))} (${batches} batches)`);
  console.log(`fan-out width: ${items} discovery items (${DISCOVERY_CONCURRENCY} at a time), ${batches} registry batches of ${BATCH_SIZE} repositories (${APPLY_CONCURRENCY} at a time)`);
  console.log(`tasks ${items * CONSUMER.tasks}, services ${items * CONSUMER.services}; in-use images per item ${resolved.images.length}; batch: ${protect.totals.tagsAdded} tags added, ${release.totals.policiesWritten} policies written`);
  console.log('');
  console.log('calls per discovery item:', Object.fromEntries([...itemCalls].sort()));
  console.log('calls per registry batch (protect):', Object.fromEntries([...protectCalls].sort()));
  console.log('calls per registry batch (release):', Object.fromEntries([...releaseCalls].sort()));
};

await main();
