/**
 * vitest globalSetup of the `emu` project: one moto emulator for the whole run.
 * CI installs moto beforehand (scripts/emulator-setup.sh); this only starts and stops it.
 */
import type { TestProject } from 'vitest/node';
import { startEmulator } from './launcher.js';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
    motoControl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const emulator = await startEmulator({ timeoutMs: 60_000 });
  project.provide('motoEndpoint', emulator.endpoint);
  project.provide('motoControl', emulator.control);
  return async () => {
    await emulator.stop();
  };
}
