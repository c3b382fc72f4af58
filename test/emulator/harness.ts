/**
 * What an *.emu.test.ts file needs: the emulator's URLs (provided by global-setup.ts), its
 * fixed account and region, control helpers, and SDK clients pointed at it explicitly
 * (endpoint, region and credentials are never read from process.env).
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { inject } from 'vitest';
import {
  addContainerInstance,
  defaultNetwork,
  resetEmulator,
  seedCoverage,
  seedFindings,
  setImageTimes,
  setTaskDigest,
  setTaskStatus,
  type CoverageSeed,
  type FindingSeed,
  type ImageTimes,
  type TaskDigest,
} from './control.js';

/** moto's default account; every ARN the emulator returns carries it. */
export const EMULATOR_ACCOUNT_ID = '123456789012';
export const EMULATOR_REGION = 'us-east-1';
export const EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

export interface Emulator {
  readonly endpoint: string;
  readonly control: string;
  readonly region: 'us-east-1';
  readonly accountId: '123456789012';
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Empties every backend (POST /moto-api/reset) and keeps tasks RUNNING again. */
  reset(): Promise<void>;
  setImageTimes(times: ImageTimes): Promise<void>;
  setTaskDigest(input: TaskDigest): Promise<void>;
  setTaskStatus(input: { cluster: string; taskArn: string; lastStatus: string }): Promise<void>;
  seedFindings(findings: readonly FindingSeed[]): Promise<readonly string[]>;
  /** Adds ECR images to Inspector's coverage (ListCoverage); returns their resource ids. */
  seedCoverage(images: readonly CoverageSeed[]): Promise<readonly string[]>;
  addContainerInstance(cluster: string): Promise<string>;
  defaultNetwork(): Promise<{ readonly subnets: readonly string[]; readonly securityGroups: readonly string[] }>;
}

/** The shared emulator of this test run (call inside a test file of the `emu` project). */
export const emulator = (): Emulator => {
  const endpoint = inject('motoEndpoint');
  const control = inject('motoControl');
  return {
    endpoint,
    control,
    region: EMULATOR_REGION,
    accountId: EMULATOR_ACCOUNT_ID,
    credentials: EMULATOR_CREDENTIALS,
    reset: () => resetEmulator(endpoint),
    setImageTimes: (times) => setImageTimes(control, times),
    setTaskDigest: (input) => setTaskDigest(control, input),
    setTaskStatus: (input) => setTaskStatus(control, input),
    seedFindings: (findings) => seedFindings(control, findings),
    seedCoverage: (images) => seedCoverage(control, images),
    addContainerInstance: (cluster) => addContainerInstance(control, cluster),
    defaultNetwork: () => defaultNetwork(control),
  };
};

/** Client settings for the emulator; one attempt, since moto answers unimplemented calls with HTTP 500. */
export const clientConfig = (emu: Pick<Emulator, 'endpoint' | 'region' | 'credentials'> = emulator()) => ({
  endpoint: emu.endpoint,
  region: emu.region,
  credentials: emu.credentials,
  maxAttempts: 1,
});

/** An ECR client for the emulator. */
export const ecrClient = (emu?: Pick<Emulator, 'endpoint' | 'region' | 'credentials'>): ECRClient =>
  new ECRClient(clientConfig(emu));
/** An ECS client for the emulator. */
export const ecsClient = (emu?: Pick<Emulator, 'endpoint' | 'region' | 'credentials'>): ECSClient =>
  new ECSClient(clientConfig(emu));
/** An Inspector2 client for the emulator. */
export const inspectorClient = (emu?: Pick<Emulator, 'endpoint' | 'region' | 'credentials'>): Inspector2Client =>
  new Inspector2Client(clientConfig(emu));
/** An EventBridge client for the emulator. */
export const eventBridgeClient = (emu?: Pick<Emulator, 'endpoint' | 'region' | 'credentials'>): EventBridgeClient =>
  new EventBridgeClient(clientConfig(emu));
/** An EventBridge Scheduler client for the emulator. */
export const schedulerClient = (emu?: Pick<Emulator, 'endpoint' | 'region' | 'credentials'>): SchedulerClient =>
  new SchedulerClient(clientConfig(emu));
