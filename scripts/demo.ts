/**
 * The README's main command: starts the local AWS emulator (moto), seeds a realistic account,
 * prints the audit through the real CLI, runs the sweep (apply) through the real SDK and adapters,
 * runs it again to show it writes nothing, then prints the audit again. No AWS account needed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSweepTable } from '../src/cli/sweep-table.js';
import { count } from '../src/cli/table.js';
import { adaptersOver, createClients } from '../src/lib/aws/clients.js';
import { parseConfig } from '../src/lib/config.js';
import { toRegion } from '../src/lib/domain/types.js';
import { silentLog } from '../src/lib/observability.js';
import { runSweep, type SweepDeps } from '../src/lib/sweep.js';
import { EMULATOR_CREDENTIALS, EMULATOR_REGION } from '../test/emulator/harness.js';
import { startEmulator } from '../test/emulator/launcher.js';
import { createRoleIn, credentialsIn } from '../test/emulator/accounts.js';
import { createRepository, daysAgo, pushImage, registerTaskDefinition, seedDemoAccount } from '../test/emulator/seed.js';
import { createOrganisationAccess } from '../src/lib/aws/accounts.js';
import { ECSClient } from '@aws-sdk/client-ecs';
import { countCommands, writeCallsIn, type CallCounts } from '../test/helpers/call-counter.js';

// The SDK warns once that it will need Node 22 from 2027; Lambda runs Node 22, the demo may not.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const region = toRegion(EMULATOR_REGION);
const now = new Date();
const say = (text = ''): void => void process.stdout.write(`${text}\n`);

const emulator = await startEmulator();
try {
  say(`emulator (moto 5.2.1) on ${emulator.endpoint}, ready in ${emulator.startupMs} ms`);
  const seeding = createClients({ region, endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS, maxAttempts: 1 });
  const account = await seedDemoAccount(seeding, emulator.control, now);
  const imageCount = Object.values(account.images).reduce((n, list) => n + list.length, 0);
  say(`seeded ${count(Object.keys(account.repositories).length, 'repository', 'repositories')}, ${imageCount} images, clusters prod and dev, ${account.uses.length} running containers`);
  say(`  an image 300 days old still runs in prod: shop/api ${account.oldInUse.digest.slice(0, 19)}… (${account.oldInUse.tags.join(', ')})`);

  // The sweep runs in-process so every AWS call can be counted at the wire.
  const counts: CallCounts = new Map();
  const clients = createClients({ region, endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS });
  for (const client of Object.values(clients)) countCommands(client, counts);
  const adapters = adaptersOver(clients, region);
  const config = parseConfig(JSON.parse(readFileSync(new URL('../config/default.json', import.meta.url), 'utf8')));
  const deps: SweepDeps = { config, log: silentLog, now: () => now, adaptersFor: () => adapters };

  // The audit through the real CLI, as a person would run it against the emulator: before the sweep
  // (what the README says to read first) and after it.
  const emulatorEnv = {
    ...process.env,
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
    AWS_REGION: region,
  };
  const audit = (): void => {
    const run = spawnSync(process.execPath, ['bin/ecr-keeper.mjs', 'audit', '--region', region, '--output', 'table'], { env: emulatorEnv, encoding: 'utf8' });
    say(`$ ecr-keeper audit --region ${region}    (exit ${run.status ?? 'killed'})`);
    say(run.stdout.trimEnd());
    if (run.status !== 0 && run.status !== 1) process.stderr.write(run.stderr);
    say();
  };
  // The same audit as a page and as Markdown (`--output html|markdown --out FILE`), to open or to paste in a ticket.
  const auditTo = (format: 'html' | 'markdown', file: string): void => {
    const run = spawnSync(process.execPath, ['bin/ecr-keeper.mjs', 'audit', '--region', region, '--output', format, '--out', file], { env: emulatorEnv, encoding: 'utf8' });
    if (run.status !== 0 && run.status !== 1) process.stderr.write(run.stderr);
  };
  say();
  say('Before the sweep: what the baseline would change, and what it would cost to leave as it is.');
  audit();
  const reports = join(tmpdir(), 'ecr-keeper-demo');
  mkdirSync(reports, { recursive: true });
  auditTo('html', join(reports, 'audit-before.html'));
  auditTo('markdown', join(reports, 'audit-before.md'));
  say(`The same audit as one HTML page (charts, sortable table, each repository's images): ${join(reports, 'audit-before.html')}`);
  say(`and as Markdown for a ticket or a pull request: ${join(reports, 'audit-before.md')}`);
  say();

  const first = await runSweep(deps, { mode: 'apply', regions: [region] });
  say();
  say(renderSweepTable(first));
  say();
  say(`AWS calls of this sweep, by operation: ${[...counts.entries()].sort().map(([op, n]) => `${op} ${n}`).join(', ')}`);
  const writesAfterFirst = writeCallsIn(counts);

  const second = await runSweep(deps, { mode: 'apply', regions: [region] });
  say(`second sweep over the unchanged account: ${writeCallsIn(counts) - writesAfterFirst} write calls, ${count(second.totals.unchanged, 'repository', 'repositories')} unchanged`);
  say();

  say('After the sweep: the same audit again.');
  audit();

  // A two-account organisation: this account is the registry, a team account runs one of its images.
  const TEAM = '111111111111';
  const NO_ROLE = '333333333333';
  await createRoleIn(emulator.control, TEAM, 'EcrKeeperConsumerRole');
  await createRepository(seeding.ecr, 'billing/worker');
  const teamImage = await pushImage(seeding.ecr, emulator.control, { repository: 'billing/worker', tags: ['v1'], pushedAt: daysAgo(now, 400) });
  await pushImage(seeding.ecr, emulator.control, { repository: 'billing/worker', tags: ['v0'], pushedAt: daysAgo(now, 500) });
  const teamEcs = new ECSClient({ region, endpoint: emulator.endpoint, credentials: await credentialsIn({ endpoint: emulator.endpoint, region, credentials: EMULATOR_CREDENTIALS }, TEAM, 'EcrKeeperConsumerRole') });
  await registerTaskDefinition(teamEcs, { family: 'invoices', launchType: 'FARGATE', containers: [{ name: 'app', image: `123456789012.dkr.ecr.${region}.amazonaws.com/billing/worker:v1` }] });
  say(`Organisation: account ${TEAM} (a team, with the StackSet's consumer role) runs billing/worker:v1, 400 days old, from this registry.`);
  const alone = await runSweep(deps, { mode: 'dry-run', regions: [region], repositories: ['billing/worker' as never] });
  const expiresAlone = alone.repositories[0]?.plan?.newlyExpiring.some((i) => i.digest === teamImage.digest) === true;
  say(`  this account alone (dry run): v1 ${expiresAlone ? 'WOULD EXPIRE: nothing here runs it' : 'is kept'}`);
  const orgDeps = (consumerAccounts: string[]): SweepDeps => {
    const orgConfig = parseConfig({ ...JSON.parse(readFileSync(new URL('../config/default.json', import.meta.url), 'utf8')), organisation: { consumerAccounts } });
    return {
      ...deps,
      config: orgConfig,
      organisation: createOrganisationAccess({ organisation: orgConfig.organisation as NonNullable<typeof orgConfig.organisation>, region, endpoint: emulator.endpoint, credentials: EMULATOR_CREDENTIALS }),
    };
  };
  const missing = await runSweep(orgDeps([TEAM, NO_ROLE]), { mode: 'apply', regions: [region], repositories: ['billing/worker' as never] });
  say(`  with account ${NO_ROLE} listed but its role missing: in-use set complete: ${missing.inUse.complete}; protection still added (${count(missing.totals.tagsAdded, 'tag', 'tags')}), but ${count(missing.totals.policiesWritten, 'policy', 'policies')} written and ${count(missing.totals.tagsReleased, 'tag', 'tags')} released`);
  for (const f of missing.failures.filter((x) => x.scope.startsWith('account:'))) say(`    ${f.scope}: ${f.message.slice(0, 140)}`);
  const org = await runSweep(orgDeps([TEAM]), { mode: 'apply', regions: [region], repositories: ['billing/worker' as never] });
  const teamOutcome = org.repositories[0];
  say(`  the organisation (${(org.accounts ?? []).map((a) => `${a.account}: ${a.roles.join('+')}`).join(', ')}): policy ${teamOutcome?.applied.policyWritten === true ? 'written' : 'not written'}; v1 ${teamOutcome?.plan?.newlyExpiring.some((i) => i.digest === teamImage.digest) === true ? 'still expires (bug)' : 'kept'}, v0 expires under the baseline`);
  teamEcs.destroy();
} finally {
  await emulator.stop();
}
