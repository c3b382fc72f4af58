/**
 * The only place that builds AWS SDK clients (middy / Powertools: clients built once and injected).
 * The adapters receive a client; the core receives the adapters.
 */
import { BatchClient } from '@aws-sdk/client-batch';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, MetadataBearer, MiddlewareStack } from '@smithy/types';
import type { Region } from '../domain/types.js';
import { createBatchAdapter } from './batch.js';
import { createEcrAdapter } from './ecr.js';
import { createLifecyclePreviewAdapter } from './ecr-preview.js';
import { createEcsAdapter } from './ecs.js';
import { createEventsAdapter } from './eventbridge.js';
import { createInspectorAdapter } from './inspector2.js';
import { createLambdaAdapter } from './lambda.js';
import type { AdapterOptions } from './actions.js';
import type { RegionAdapters } from './ports.js';
import { createSchedulerAdapter } from './scheduler.js';
import { createTaggingAdapter } from './tagging.js';

/**
 * ECR and ECS publish no rate for their list/describe calls and throttle bursts
 * (ECS: 100 burst / 20 per second per category); adaptive retry backs off on the client side
 * and 8 attempts rides out a throttling storm during a sweep of a large account.
 */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** Options for the clients of one region. */
export interface ClientOptions {
  readonly region: Region;
  /** Explicit endpoint (tests). Without it the SDK honours `AWS_ENDPOINT_URL` itself. */
  readonly endpoint?: string | undefined;
  /** Explicit credentials (tests, or an assumed role's provider); otherwise the default provider chain. */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined;
  readonly maxAttempts?: number | undefined;
}

/** Options for `createRegionAdapters`: the clients' options plus a signal that aborts every call. */
export interface RegionAdapterOptions extends ClientOptions {
  readonly signal?: AbortSignal | undefined;
}

/** The SDK clients of one region. */
export interface RegionClients {
  readonly ecr: ECRClient;
  readonly ecs: ECSClient;
  readonly inspector: Inspector2Client;
  readonly lambda: LambdaClient;
  readonly batch: BatchClient;
  readonly events: EventBridgeClient;
  readonly scheduler: SchedulerClient;
  readonly tagging: ResourceGroupsTaggingAPIClient;
}

/** The SDK client config every client here shares: adaptive retry, and the endpoint and credentials when given. */
const clientConfig = (options: ClientOptions) => ({
  region: options.region,
  retryMode: 'adaptive',
  maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
  ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
  ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
});

const cache = new Map<string, RegionClients>();

/** AWS operations sent by every client `createClients` built in this process, by `Service:Operation`. */
const callCounts = new Map<string, number>();

/**
 * Counts each operation once as it is sent (`initialize` step: retries of one call are not counted
 * again), under the service's name without `Client` and the command's without `Command`, e.g.
 * `ECR:DescribeImages`. Process-wide, so a caller takes a snapshot before and after its work.
 */
const countCalls = <I extends object, O extends MetadataBearer>(client: { readonly middlewareStack: MiddlewareStack<I, O> }): void => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const key = `${(context.clientName ?? 'Client').replace(/Client$/, '')}:${(context.commandName ?? 'Unknown').replace(/Command$/, '')}`;
      callCounts.set(key, (callCounts.get(key) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'ecrKeeperCallCounter', override: true },
  );
};

/** A snapshot of the operations sent so far by the clients of this process (see `countCalls`). */
export const awsCallCounts = (): Readonly<Record<string, number>> => Object.fromEntries(callCounts);

/**
 * Builds (or reuses) the ECR, ECS and Inspector2 clients of a region with adaptive retry.
 * Clients are cached by region, endpoint and attempts; explicit credentials bypass the cache
 * so one identity's client is never handed to another caller.
 */
export const createClients = (options: ClientOptions): RegionClients => {
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const key = `${options.region}|${options.endpoint ?? ''}|${maxAttempts}`;
  const cacheable = options.credentials === undefined;
  const cached = cacheable ? cache.get(key) : undefined;
  if (cached !== undefined) return cached;
  const config = clientConfig({ ...options, maxAttempts });
  const clients: RegionClients = {
    ecr: new ECRClient(config),
    ecs: new ECSClient(config),
    inspector: new Inspector2Client(config),
    lambda: new LambdaClient(config),
    batch: new BatchClient(config),
    events: new EventBridgeClient(config),
    scheduler: new SchedulerClient(config),
    tagging: new ResourceGroupsTaggingAPIClient(config),
  };
  countCalls(clients.ecr);
  countCalls(clients.ecs);
  countCalls(clients.inspector);
  countCalls(clients.lambda);
  countCalls(clients.batch);
  countCalls(clients.events);
  countCalls(clients.scheduler);
  countCalls(clients.tagging);
  if (cacheable) cache.set(key, clients);
  return clients;
};

/** Every adapter of one region over the given clients (the core's `RegionAdapters`); `signal` aborts their calls. */
export const adaptersOver = (clients: RegionClients, region: Region, options: AdapterOptions = {}): RegionAdapters => ({
  region,
  ecr: createEcrAdapter(clients.ecr, region, options),
  ecs: createEcsAdapter(clients.ecs, region, options),
  inspector: createInspectorAdapter(clients.inspector, region, options),
  lambda: createLambdaAdapter(clients.lambda, region, options),
  batch: createBatchAdapter(clients.batch, region, options),
  events: createEventsAdapter(clients.events, region, options),
  scheduler: createSchedulerAdapter(clients.scheduler, region, options),
  tagging: createTaggingAdapter(clients.tagging, region, options),
  preview: createLifecyclePreviewAdapter(clients.ecr, region, options),
});

/** Every adapter of one region over shared clients; `signal` aborts their calls. */
export const createRegionAdapters = (options: RegionAdapterOptions): RegionAdapters =>
  adaptersOver(createClients(options), options.region, { signal: options.signal });

/** Options of the report bucket's client. */
export interface S3ClientOptions {
  /** The bucket's region; without it the SDK takes the function's own (`AWS_REGION`). */
  readonly region?: Region | undefined;
  readonly endpoint?: string | undefined;
  readonly credentials?: AwsCredentialIdentity | undefined;
  readonly maxAttempts?: number | undefined;
  /** Path-style addresses (`endpoint/bucket/key`): an emulator on loopback has no per-bucket host names. */
  readonly forcePathStyle?: boolean | undefined;
}

/** The client of the report bucket (one per function: reports go to the deployment's own bucket). */
export const createS3Client = (options: S3ClientOptions = {}): S3Client =>
  new S3Client({
    retryMode: 'adaptive',
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
  });

/** The organisation mode's own clients: STS (who am I) and AWS Organizations (which accounts), with the keeper's credentials. */
export interface AccountClients {
  readonly sts: STSClient;
  readonly organizations: OrganizationsClient;
}

/** Builds the STS and Organizations clients of the keeper's account (not cached: one organisation access holds them). */
export const createAccountClients = (options: ClientOptions): AccountClients => {
  const config = clientConfig(options);
  return { sts: new STSClient(config), organizations: new OrganizationsClient(config) };
};
