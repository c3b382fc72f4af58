/**
 * The one setup of an *.emu.test.ts file. `useEmulator()` registers the hooks every such file needs
 * and returns what its tests seed and read through:
 *
 * - the shared emulator of the run (its URLs, account, region and control helpers);
 * - seeding clients of every service, pointed at it explicitly and never counted;
 * - the real adapters of its region over clients of their own (what adapter and source tests call);
 * - `beforeEach` (or, with `reset: 'once'`, `beforeAll`): the emulator emptied, so every test starts
 *   from an empty account whatever the file before it left;
 * - `afterAll`: every client it built destroyed.
 *
 * Call it once at the top of the file, before the file's own hooks: vitest runs `before*` hooks in
 * the order they are registered, so a file's own seeding runs after the reset.
 */
import type { BatchClient } from '@aws-sdk/client-batch';
import type { ECRClient } from '@aws-sdk/client-ecr';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Inspector2Client } from '@aws-sdk/client-inspector2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { adaptersOver, createClients } from '../../src/lib/aws/clients.js';
import type { RegionAdapters } from '../../src/lib/aws/ports.js';
import { toRegion, type Region } from '../../src/lib/domain/types.js';
import { ecrClient, ecsClient, emulator, eventBridgeClient, inspectorClient, schedulerClient, type Emulator } from '../emulator/harness.js';
import { batchClient, lambdaClient } from '../emulator/seed-consumers.js';

export interface EmulatorFixture {
  readonly emu: Emulator;
  /** The control server's URL, which the seed helpers take. */
  readonly control: string;
  readonly region: Region;
  /** Seeding clients: one attempt, explicit endpoint and credentials, not counted. */
  readonly ecr: ECRClient;
  readonly ecs: ECSClient;
  readonly inspector: Inspector2Client;
  readonly events: EventBridgeClient;
  readonly scheduler: SchedulerClient;
  readonly lambda: LambdaClient;
  readonly batch: BatchClient;
  /** The real adapters of the emulator's region, over clients of their own (one attempt, not counted). */
  readonly adapters: RegionAdapters;
}

export interface UseEmulatorOptions {
  /**
   * When the emulator is emptied: before every test (`each`, the default) or once before the
   * file's tests (`once`, for a file whose tests only read one seeded account).
   */
  readonly reset?: 'each' | 'once';
}

/** Registers the emulator hooks of a test file (see the module comment) and returns the fixture. */
export const useEmulator = (options: UseEmulatorOptions = {}): EmulatorFixture => {
  const emu = emulator();
  const region = toRegion(emu.region);
  const adapterClients = createClients({ region, endpoint: emu.endpoint, credentials: emu.credentials, maxAttempts: 1 });
  const fixture: EmulatorFixture = {
    emu,
    control: emu.control,
    region,
    ecr: ecrClient(emu),
    ecs: ecsClient(emu),
    inspector: inspectorClient(emu),
    events: eventBridgeClient(emu),
    scheduler: schedulerClient(emu),
    lambda: lambdaClient(emu),
    batch: batchClient(emu),
    adapters: adaptersOver(adapterClients, region),
  };
  const reset = async (): Promise<void> => {
    await emu.reset();
  };
  if (options.reset === 'once') beforeAll(reset);
  else beforeEach(reset);
  afterAll(() => {
    const { ecr, ecs, inspector, events, scheduler, lambda, batch } = fixture;
    for (const client of [ecr, ecs, inspector, events, scheduler, lambda, batch, ...Object.values(adapterClients)]) client.destroy();
  });
  return fixture;
};
