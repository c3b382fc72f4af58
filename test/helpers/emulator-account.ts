/**
 * An account on the emulator as the sweep and the audit see it: the real clients (built by
 * `createClients`, one attempt, fresh per call) with call counters at the wire, the real adapters,
 * and the sweep's deps with a fixed clock. Plus the readers tests use to check what ECR really stores.
 */
import {
  DescribeImagesCommand,
  GetLifecyclePolicyCommand,
  type ECRClient,
} from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import { countCommands, type CallCounts } from './call-counter.js';
import { adaptersOver, createClients, type RegionClients } from '../../src/lib/aws/clients.js';
import type { EcrPort, RegionAdapters } from '../../src/lib/aws/ports.js';
import { DEFAULT_CONFIG, parseConfig, type KeeperConfig } from '../../src/lib/config.js';
import { imageRecordFromDetail } from '../../src/lib/domain/image-record.js';
import { toRegion, type Digest, type ImageRecord, type Region } from '../../src/lib/domain/types.js';
import { silentLog } from '../../src/lib/observability.js';
import type { SweepDeps } from '../../src/lib/sweep.js';
import type { Emulator } from '../emulator/harness.js';
import { pushImage, registerTaskDefinition, runTask, type LaunchType } from '../emulator/seed.js';

/** config/default.json, parsed. */
export const defaultConfig = (): KeeperConfig => parseConfig(DEFAULT_CONFIG);

/** `PutImageCommand` → `PutImage`: the SDK's `context.commandName` carries the class name. */
const operationOf = (commandName: string | undefined): string => (commandName ?? 'Unknown').replace(/Command$/, '');

/**
 * Counts by `Service:Operation` whatever suffix the counter wrote (`ECR:PutImageCommand` and
 * `ECR:PutImage` are the same operation), so tests do not depend on the counter's key format.
 */
export const byOperation = (counts: CallCounts): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [key, n] of counts) {
    const normalized = key.replace(/Command$/, '');
    out[normalized] = (out[normalized] ?? 0) + n;
  }
  return out;
};

/** ECR's write operations, counted independently of `writeCallsIn`. */
export const ECR_WRITES = ['ECR:PutImage', 'ECR:PutLifecyclePolicy', 'ECR:BatchDeleteImage'] as const;

/** Sum of the ECR write operations in `counts`. */
export const writesIn = (counts: CallCounts): number => {
  const ops = byOperation(counts);
  return ECR_WRITES.reduce((n, op) => n + (ops[op] ?? 0), 0);
};

/** One ECR command that named a repository, as it left the client. */
export interface RepositoryCall {
  readonly operation: string;
  readonly repository: string;
}

/** Records `ECR:Operation` and `input.repositoryName` of every command `client` sends into `calls`. */
export const recordRepositoryCalls = (client: ECRClient, calls: RepositoryCall[] = []): RepositoryCall[] => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input: object = args.input;
      const repository = 'repositoryName' in input && typeof input.repositoryName === 'string' ? input.repositoryName : undefined;
      if (repository !== undefined) calls.push({ operation: `ECR:${operationOf(context.commandName)}`, repository });
      return next(args);
    },
    { step: 'initialize', name: 'testRecordRepositoryCalls', override: true },
  );
  return calls;
};

/** ECR write operations (PutImage, PutLifecyclePolicy, BatchDeleteImage) recorded for `repository`. */
export const writesTo = (calls: readonly RepositoryCall[], repository: string): RepositoryCall[] =>
  calls.filter((c) => c.repository === repository && (ECR_WRITES as readonly string[]).includes(c.operation));

/** What the sweep of one emulated account needs, and what it did at the wire. */
export interface EmulatorAccount {
  readonly region: Region;
  readonly clients: RegionClients;
  readonly adapters: RegionAdapters;
  /** `Service:Operation` → calls, for ECR, ECS and Inspector2 together. */
  readonly counts: CallCounts;
  /** ECR commands that named a repository, in order. */
  readonly ecrCalls: RepositoryCall[];
  readonly deps: SweepDeps;
}

export interface EmulatorAccountOptions {
  readonly now: Date;
  readonly config?: KeeperConfig;
  /** Replaces the real ECR adapter the sweep receives (e.g. with write methods that throw). */
  readonly wrapEcr?: (ecr: EcrPort) => EcrPort;
}

/**
 * Fresh clients for the emulator (explicit credentials bypass the client cache), counted at the
 * wire, behind the real adapters. The sweep only reaches the emulator's one region.
 */
export const emulatorAccount = (emu: Emulator, options: EmulatorAccountOptions): EmulatorAccount => {
  const region = toRegion(emu.region);
  const clients = createClients({ region, endpoint: emu.endpoint, credentials: emu.credentials, maxAttempts: 1 });
  const counts: CallCounts = new Map();
  for (const client of Object.values(clients)) countCommands(client, counts);
  const ecrCalls = recordRepositoryCalls(clients.ecr);
  const real = adaptersOver(clients, region);
  const adapters: RegionAdapters = { ...real, ecr: options.wrapEcr === undefined ? real.ecr : options.wrapEcr(real.ecr) };
  const deps: SweepDeps = {
    config: options.config ?? defaultConfig(),
    log: silentLog,
    now: () => options.now,
    adaptersFor: (r) => {
      if (r !== region) throw new Error(`the emulator serves only ${region}, not ${r}`);
      return adapters;
    },
  };
  return { region, clients, adapters, counts, ecrCalls, deps };
};

/** A snapshot of the counts, to take deltas. */
export const snapshot = (counts: CallCounts): CallCounts => new Map(counts);

/** Calls made since `before`, keyed as in `counts` (zero entries left out). */
export const countsSince = (counts: CallCounts, before: CallCounts): CallCounts => {
  const delta: CallCounts = new Map();
  for (const [operation, n] of counts) {
    const d = n - (before.get(operation) ?? 0);
    if (d !== 0) delta.set(operation, d);
  }
  return delta;
};

/** Every image of a repository as ECR stores it (DescribeImages, archived ones included). */
export const storedImages = async (ecr: ECRClient, repository: string): Promise<ImageRecord[]> => {
  const output = await ecr.send(new DescribeImagesCommand({ repositoryName: repository, filter: { imageStatus: 'ANY' } }));
  return (output.imageDetails ?? []).map((detail, i) => imageRecordFromDetail(detail, `imageDetails[${i}]`));
};

/** The tags ECR stores on one image. */
export const storedTags = async (ecr: ECRClient, repository: string, digest: Digest): Promise<string[]> => {
  const output = await ecr.send(new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageDigest: digest }] }));
  return [...(output.imageDetails?.[0]?.imageTags ?? [])].sort();
};

/** The stored lifecycle policy text, or `undefined` when the repository has none. */
export const storedPolicy = async (ecr: ECRClient, repository: string): Promise<string | undefined> => {
  try {
    return (await ecr.send(new GetLifecyclePolicyCommand({ repositoryName: repository }))).lifecyclePolicyText;
  } catch (error) {
    if (error instanceof Error && error.name === 'LifecyclePolicyNotFoundException') return undefined;
    throw error;
  }
};

/** Pushes a Docker image whose one layer is declared `bytes` long, so storage costs are not rounded to zero. */
export const pushSizedImage = async (
  ecr: ECRClient,
  control: string,
  input: { readonly repository: string; readonly tags: readonly string[]; readonly pushedAt: Date; readonly bytes: number },
): Promise<Digest> =>
  (await pushImage(ecr, control, { repository: input.repository, tags: input.tags, pushedAt: input.pushedAt, layers: [input.bytes], format: 'docker' })).digest;

/** Registers a one-container task definition and runs it in `cluster`; returns the task ARNs. */
export const runContainer = async (
  ecs: ECSClient,
  control: string,
  input: {
    readonly cluster: string;
    readonly family: string;
    readonly image: string;
    readonly launchType?: LaunchType;
    readonly tags?: Readonly<Record<string, string>>;
    readonly count?: number;
  },
): Promise<readonly string[]> => {
  const launchType = input.launchType ?? 'FARGATE';
  const taskDefinition = await registerTaskDefinition(ecs, { family: input.family, launchType, containers: [{ name: 'app', image: input.image }] });
  return runTask(ecs, control, {
    cluster: input.cluster,
    taskDefinition,
    launchType,
    ...(input.tags === undefined ? {} : { tags: input.tags }),
    ...(input.count === undefined ? {} : { count: input.count }),
  });
};
