import { defineConfig } from 'vitest/config';

// Quiet by default; a test that reads logs or metrics stubs its own level (vi.stubEnv).
// - the SDK warns that it will need Node 22 from 2027; the toolchain here is Node 20 (Lambda runs 22);
// - Powertools: no log lines, no EMF on stdout, no "No application metrics to publish" on stderr;
// - NO_COLOR, FORCE_COLOR=0: tools run by tests (osls, esbuild) write no ANSI colours into captured output.
const env = {
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_DEV: 'false',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
};

// Test kind lives in the file name (middy's convention) so test/ mirrors src/:
//   *.test.ts      pure logic and mocked SDK, no network
//   *.emu.test.ts  real SDK against moto on loopback (started by test/emulator/global-setup.ts)
//   *.fuzz.test.ts property-based, thousands of runs
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          env,
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.emu.test.ts', 'test/**/*.fuzz.test.ts'],
        },
      },
      {
        test: {
          name: 'fuzz',
          env,
          include: ['test/**/*.fuzz.test.ts'],
          setupFiles: ['test/fuzz-setup.ts'],
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'emu',
          env,
          include: ['test/**/*.emu.test.ts'],
          globalSetup: ['test/emulator/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          // one moto server is shared: files run one at a time so their fixtures do not collide
          fileParallelism: false,
        },
      },
    ],
    coverage: {
      provider: 'v8',
      include: ['src/lib/**'],
    },
  },
});
