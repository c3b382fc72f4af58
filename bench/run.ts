/**
 * Benchmarks, run with `npm run bench` (`tsx bench/run.ts`), optionally filtered by name:
 * `npx tsx bench/run.ts simulate`. Inputs are generated deterministically from a seed, so runs
 * are comparable across machines and commits. Prints one plain line per benchmark.
 */
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { imageRecordFromDetail } from '../src/lib/domain/image-record.js';
import type { ImageDetailLike, ImageRecord } from '../src/lib/domain/types.js';
import { simulatePolicy } from '../src/lib/policy/simulate.js';
import type { LifecyclePolicy, Rule } from '../src/lib/policy/types.js';

/** One benchmark: `setup` builds the input once (not timed), `run` is timed. */
interface Bench {
  readonly name: string;
  readonly warmups: number;
  readonly runs: number;
  readonly setup: () => () => unknown;
}

/** mulberry32: a tiny seeded PRNG, good enough for reproducible test data. */
const seeded = (seed: number): (() => number) => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

const NOW = new Date('2025-01-01T00:00:00Z');
const PREFIXES = ['prod', 'staging', 'dev', 'release', 'feature', 'hotfix', 'main', 'pr'] as const;

/**
 * Images as `aws ecr describe-images` would deliver them: generated as ImageDetail JSON, parsed,
 * then converted with `imageRecordFromDetail`, so strings are flat as in production (template
 * strings would be V8 cons strings, much slower to read than anything the SDK returns).
 */
const generateImages = (count: number, random: () => number): ImageRecord[] => {
  const details = Array.from({ length: count }, (_, i) => {
    const roll = random();
    const prefix = PREFIXES[Math.floor(random() * PREFIXES.length)] ?? 'dev';
    const tags =
      roll < 0.25 ? [] : roll < 0.85 ? [`${prefix}-${i}`] : [`${prefix}-${i}`, `sha-${i.toString(16)}`, 'latest'];
    const pushedAt = NOW.getTime() / 1000 - Math.floor(random() * 730 * 86_400);
    const archived = random() < 0.05;
    return {
      imageDigest: `sha256:${createHash('sha256').update(`bench-${i}`).digest('hex')}`,
      imageTags: tags,
      imagePushedAt: pushedAt,
      lastRecordedPullTime: random() < 0.5 ? pushedAt + Math.floor(random() * 30 * 86_400) : undefined,
      lastArchivedAt: archived ? pushedAt + 30 * 86_400 : undefined,
      imageStatus: archived ? 'ARCHIVED' : 'ACTIVE',
      imageSizeInBytes: Math.floor(random() * 500_000_000),
    };
  });
  const parsed = JSON.parse(JSON.stringify(details)) as ImageDetailLike[];
  return parsed.map((detail, i) => imageRecordFromDetail(detail, `imageDetails[${i}]`));
};

/** 50 rules mixing exact, prefix and mid-pattern wildcards, AND lists, every count type and storage class. */
const generatePolicy = (): LifecyclePolicy => {
  const rules: Rule[] = [];
  let priority = 1;
  const push = (selection: Rule['selection'], action: Rule['action'] = { type: 'expire' }): void => {
    rules.push({ rulePriority: priority++, selection, action });
  };
  for (const prefix of PREFIXES) {
    push({ tagStatus: 'tagged', tagPatternList: [`${prefix}-1*`], countType: 'imageCountMoreThan', countNumber: 50 });
    push({ tagStatus: 'tagged', tagPatternList: [`${prefix}-*5`], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 365 });
    push({ tagStatus: 'tagged', tagPrefixList: [`${prefix}-2`], countType: 'imageCountMoreThan', countNumber: 100 });
    push({ tagStatus: 'tagged', tagPatternList: [`${prefix}-*`, 'latest'], countType: 'imageCountMoreThan', countNumber: 10 });
    push(
      { tagStatus: 'tagged', tagPatternList: [`${prefix}*3*`], countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 },
      { type: 'transition', targetStorageClass: 'archive' },
    );
  }
  while (rules.length < 47) {
    push({ tagStatus: 'tagged', tagPatternList: [`sha-${rules.length.toString(16)}*`], countType: 'imageCountMoreThan', countNumber: 5 });
  }
  push({ tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 });
  push({ tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned', countUnit: 'days', countNumber: 180 });
  push({ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1_000 });
  return { rules };
};

const BENCHES: readonly Bench[] = [
  {
    name: 'simulate 100000 images x 50 rules',
    warmups: 3,
    runs: 15,
    setup: () => {
      const images = generateImages(100_000, seeded(42));
      const policy = generatePolicy();
      return () => simulatePolicy(policy, images, NOW);
    },
  },
];

// `--expose-gc` cannot be passed through the npm script, so enable it at runtime for steadier heap figures.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (() => void) | undefined;

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
const mb = (bytes: number): string => `${bytes >= 0 ? '+' : ''}${(bytes / 1_048_576).toFixed(1)} MB`;

const runBench = (bench: Bench): string => {
  const run = bench.setup();
  for (let i = 0; i < bench.warmups; i++) run();
  gc?.();
  const before = process.memoryUsage();
  let kept: unknown = run();
  const after = process.memoryUsage();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < bench.runs; i++) {
    kept = undefined;
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    kept = run();
    times.push(performance.now() - started);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
  }
  void kept;
  times.sort((a, b) => a - b);
  cpu.sort((a, b) => a - b);
  // CPU time is printed too: on a shared machine it is steadier than wall time.
  return (
    `${bench.name}: median ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms, ` +
    `heap ${mb(after.heapUsed - before.heapUsed)}, rss ${mb(after.rss - before.rss)} ` +
    `(cpu median ${percentile(cpu, 50).toFixed(1)} ms, ${bench.runs} runs)`
  );
};

const filter = process.argv[2];
for (const bench of BENCHES) {
  if (filter !== undefined && !bench.name.includes(filter)) continue;
  console.log(runBench(bench));
}
