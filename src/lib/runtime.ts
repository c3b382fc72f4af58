/**
 * Wiring shared by the Lambda handlers and the CLI: real adapters, one set per region,
 * built once and reused across invocations of a warm Lambda.
 */
import { createOrganisationAccess } from './aws/accounts.js';
import { createRegionAdapters } from './aws/clients.js';
import type { RegionAdapters } from './aws/ports.js';
import type { Region } from './domain/types.js';
import type { KeeperConfig } from './config.js';
import type { Log } from './observability.js';
import { createPreviewGate } from './preview-gate.js';
import { createRegionThrottle } from './rate-limit.js';
import type { SweepDeps } from './sweep.js';

/** Sweep dependencies over real AWS clients (the SDK honours `AWS_ENDPOINT_URL` itself). */
export const createSweepDeps = (config: KeeperConfig, log: Log): SweepDeps => {
  const adapters = new Map<Region, RegionAdapters>();
  return {
    config,
    log,
    now: () => new Date(),
    adaptersFor: (region) => {
      let found = adapters.get(region);
      if (found === undefined) {
        found = createRegionAdapters({ region });
        adapters.set(region, found);
      }
      return found;
    },
    throttlePutImage: createRegionThrottle(config.concurrency.putImagePerSecond),
    previewGate: createPreviewGate(config, { preview: (region) => createRegionAdapters({ region }).preview, now: () => new Date() }),
    organisation:
      config.organisation === undefined ? undefined : createOrganisationAccess({ organisation: config.organisation, region: config.regions[0] as Region }),
  };
};
