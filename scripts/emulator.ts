/**
 * `npm run emulator`: the local AWS emulator (moto 5.2.1 with ecr-keeper's patches) for your own
 * tries. Starts it, seeds the demo account (`--empty` for none), prints the environment to export in
 * another shell, and stays up until Ctrl-C. No AWS account needed; nothing leaves this machine.
 */
import process from 'node:process';
import { count } from '../src/cli/table.js';
import { createClients } from '../src/lib/aws/clients.js';
import { toRegion } from '../src/lib/domain/types.js';
import { EMULATOR_ACCOUNT_ID, EMULATOR_CREDENTIALS, EMULATOR_REGION } from '../test/emulator/harness.js';
import { startEmulator } from '../test/emulator/launcher.js';
import { seedDemoAccount } from '../test/emulator/seed.js';

// The SDK warns once that it will need Node 22 from 2027; this script may run on Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const say = (text = ''): void => void process.stdout.write(`${text}\n`);
const seed = !process.argv.includes('--empty');
const region = toRegion(EMULATOR_REGION);

const emulator = await startEmulator();
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  say(`\n${signal}: stopping the emulator`);
  void emulator.stop().then(() => process.exit(0));
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

try {
  if (seed) {
    const clients = createClients({ region, endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 });
    const account = await seedDemoAccount(clients, emulator.control, new Date());
    const images = Object.values(account.images).reduce((n, list) => n + list.length, 0);
    say(`seeded the demo account ${EMULATOR_ACCOUNT_ID} in ${region}: ${count(Object.keys(account.repositories).length, 'repository', 'repositories')}, ${count(images, 'image')}, clusters prod and dev`);
  }
} catch (error) {
  process.stderr.write(`emulator: seeding failed: ${(error as Error).message}\n`);
  await emulator.stop();
  process.exit(1);
}

say(`emulator (moto 5.2.1) on ${emulator.endpoint}, ready in ${emulator.startupMs} ms. In another shell:`);
say();
say(`export AWS_ENDPOINT_URL=${emulator.endpoint}`);
say(`export AWS_ACCESS_KEY_ID=${EMULATOR_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${EMULATOR_CREDENTIALS.secretAccessKey} AWS_REGION=${region}`);
say('npx ecr-keeper audit --output table');
say('npx ecr-keeper sweep            # dry run; --apply writes');
say();
say('Ctrl-C stops it (its state is in memory and goes with it).');
