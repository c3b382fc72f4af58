/**
 * The CreateRepository handler over mocked SDK clients: which events lead to a write, and that
 * ignored, malformed and misconfigured invocations make no AWS call at all.
 */
import 'aws-sdk-client-mock-vitest/extend';
import { readFileSync } from 'node:fs';
import {
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  ECRClient,
  GetLifecyclePolicyCommand,
  LifecyclePolicyNotFoundException,
  ListTagsForResourceCommand,
  PutLifecyclePolicyCommand,
} from '@aws-sdk/client-ecr';
import { ECSClient, ListClustersCommand } from '@aws-sdk/client-ecs';
import { Inspector2Client } from '@aws-sdk/client-inspector2';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '../helpers/lambda.js';

const ecrMock = mockClient(ECRClient);
const ecsMock = mockClient(ECSClient);
const inspectorMock = mockClient(Inspector2Client);

type Event = Record<string, unknown> & { detail: Record<string, unknown> & { requestParameters: Record<string, unknown> } };
const loadEvent = (file: string): Event => JSON.parse(readFileSync(`events/${file}`, 'utf8')) as Event;

/** The function's context: the account and region of the sample events. */
const context = (): Context => lambdaContext({ region: 'us-east-1', accountId: '123456789012' }, 'ecr-keeper-repository-created');

interface Summary {
  readonly mode: string;
  readonly totals: { readonly repositories: number; readonly policiesWritten: number };
  readonly repositories: readonly { readonly repository: string; readonly status: string; readonly policy: string }[];
}

/** A fresh module graph, so the handler reads the stubbed environment on its first invocation. */
const loadHandler = async (invocation: Context = context()) => {
  vi.resetModules();
  const { handler } = await import('../../src/handlers/repository-created.js');
  return (event: unknown): Promise<unknown> => handler(event, invocation);
};

/** Captures the JSON lines the handler prints (Powertools logs on stdout and stderr, EMF metrics on stdout) while `run` runs. */
const capturingOutput = async (run: () => Promise<unknown>): Promise<Record<string, unknown>[]> => {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    written.push(String(chunk));
    return true;
  };
  const spies = [vi.spyOn(process.stdout, 'write').mockImplementation(capture), vi.spyOn(process.stderr, 'write').mockImplementation(capture)];
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
};

/** The sample event as another account's CloudTrail would deliver it (e.g. forwarded to this bus). */
const fromAnotherAccount = (): Event => {
  const event = loadEvent('create-repository.cloudtrail.json');
  event['account'] = '210987654321';
  event.detail['recipientAccountId'] = '210987654321';
  return event;
};

const sdkRepository = (name: string) => ({
  repositoryName: name,
  repositoryArn: `arn:aws:ecr:us-east-1:123456789012:repository/${name}`,
  registryId: '123456789012',
  repositoryUri: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${name}`,
  imageTagMutability: 'MUTABLE' as const,
});

const callCount = (): number => ecrMock.calls().length + ecsMock.calls().length + inspectorMock.calls().length;

// Loading the handler's dependencies (SDK clients, Powertools, middy) the first time takes seconds on a
// busy machine; Node keeps them across vi.resetModules, so load them once here, outside the 5 s test timeout.
beforeAll(async () => {
  await import('../../src/handlers/repository-created.js');
}, 60_000);

beforeEach(() => {
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  vi.stubEnv('KEEPER_DRY_RUN', 'false');
  ecrMock.reset();
  ecsMock.reset();
  inspectorMock.reset();
  ecrMock.on(DescribeRepositoriesCommand).callsFake((input: { repositoryNames?: string[] }) => ({
    repositories: (input.repositoryNames ?? []).map(sdkRepository),
  }));
  ecrMock.on(ListTagsForResourceCommand).resolves({ tags: [] });
  ecrMock.on(DescribeImagesCommand).resolves({ imageDetails: [] });
  ecrMock.on(GetLifecyclePolicyCommand).rejects(new LifecyclePolicyNotFoundException({ message: 'no policy', $metadata: {} }));
  ecrMock.on(PutLifecyclePolicyCommand).resolves({});
  ecsMock.on(ListClustersCommand).resolves({ clusterArns: [] });
});

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(() => {
  ecrMock.restore();
  ecsMock.restore();
  inspectorMock.restore();
});

describe('Function: handler (repository-created)', () => {
  it('writes the baseline policy to the repository the event names, and only to it', async () => {
    // Prepare
    const invoke = await loadHandler();
    const name = 'team/ledger';
    const event = loadEvent('create-repository.cloudtrail.json');
    event.detail.requestParameters['repositoryName'] = name;

    // Act
    const result = (await invoke(event)) as Summary;

    // Assess
    expect(result.mode).toBe('apply');
    expect(result.totals).toMatchObject({ repositories: 1, policiesWritten: 1 });
    expect(ecrMock).toHaveReceivedCommandTimes(PutLifecyclePolicyCommand, 1);
    expect(ecrMock).toHaveReceivedCommandWith(PutLifecyclePolicyCommand, { repositoryName: name });
    expect(ecrMock).toHaveReceivedCommandWith(DescribeRepositoriesCommand, { repositoryNames: [name] });
    const text = ecrMock.commandCalls(PutLifecyclePolicyCommand)[0]?.args[0].input.lifecyclePolicyText ?? '';
    expect((JSON.parse(text) as { rules: unknown[] }).rules.length).toBeGreaterThan(0);
  });

  it('plans but writes nothing when KEEPER_DRY_RUN is not set', async () => {
    // Prepare
    vi.stubEnv('KEEPER_DRY_RUN', undefined);
    const invoke = await loadHandler();

    // Act
    const result = (await invoke(loadEvent('create-repository.cloudtrail.json'))) as Summary;

    // Assess
    expect(result.mode).toBe('dry-run');
    expect(result.repositories).toEqual([expect.objectContaining({ status: 'planned', policy: 'create' })]);
    expect(ecrMock).not.toHaveReceivedCommand(PutLifecyclePolicyCommand);
  });

  it('ignores a failed CreateRepository call without any AWS call', async () => {
    // Prepare
    const invoke = await loadHandler();

    // Act
    const result = await invoke(loadEvent('create-repository.failed.json'));

    // Assess
    expect(result).toEqual({ status: 'ignored', reason: expect.stringContaining('RepositoryAlreadyExistsException') });
    expect(callCount()).toBe(0);
  });

  it('ignores another ECR API call', async () => {
    // Prepare
    const invoke = await loadHandler();
    const event = loadEvent('create-repository.cloudtrail.json');
    event.detail['eventName'] = 'DeleteRepository';

    // Act
    const result = await invoke(event);

    // Assess
    expect(result).toEqual({ status: 'ignored', reason: expect.stringContaining('DeleteRepository') });
    expect(callCount()).toBe(0);
  });

  it.each([
    ['an invalid repository name', (e: Event) => (e.detail.requestParameters['repositoryName'] = 'Shop/Payments'), 'detail.requestParameters.repositoryName'],
    ['a bad account id', (e: Event) => (e['account'] = 'me'), 'account'],
    ['an unknown region', (e: Event) => (e.detail['awsRegion'] = 'moon-1'), 'detail.awsRegion'],
  ])('rejects an event with %s, naming the field, without any AWS call', async (_name, spoil, field) => {
    // Prepare
    const invoke = await loadHandler();
    const event = loadEvent('create-repository.cloudtrail.json');
    spoil(event);

    // Act
    const result = await invoke(event);

    // Assess
    expect(result).toEqual({ status: 'rejected', reason: expect.stringContaining(field) });
    expect(callCount()).toBe(0);
  });

  it('publishes EventsRejected and EventsIgnored as metrics, so an alarm can watch the rule', async () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const invoke = await loadHandler();
    const malformed = loadEvent('create-repository.cloudtrail.json');
    malformed['account'] = 'me';

    // Act
    try {
      await invoke(malformed);
      await invoke(loadEvent('create-repository.failed.json'));
    } finally {
      spy.mockRestore();
    }

    // Assess
    const emf = written.flatMap((line) => line.split('\n')).filter((line) => line.includes('"_aws"'));
    const values = emf.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(values).toEqual([expect.objectContaining({ EventsRejected: 1 }), expect.objectContaining({ EventsIgnored: 1 })]);
    expect(callCount()).toBe(0);
  });

  it('ignores a CreateRepository event from another account without any AWS call, and counts it in EventsIgnored', async () => {
    // Prepare
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const invoke = await loadHandler();
    let result: unknown;

    // Act
    const printed = await capturingOutput(async () => (result = await invoke(fromAnotherAccount())));

    // Assess
    expect(result).toEqual({ status: 'ignored', reason: expect.stringMatching(/210987654321.*123456789012/) });
    expect(printed.filter((line) => '_aws' in line)).toEqual([expect.objectContaining({ EventsIgnored: 1 })]);
    expect(callCount()).toBe(0);
  });

  it('accepts events from any account when its own account is unknown (no function ARN), and logs that it cannot check', async () => {
    // Prepare: `serverless invoke local` and other harnesses may give no usable invokedFunctionArn
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'INFO');
    const invoke = await loadHandler({ ...context(), invokedFunctionArn: '' });
    let result: unknown;

    // Act
    const printed = await capturingOutput(async () => (result = await invoke(fromAnotherAccount())));

    // Assess
    expect(result).toMatchObject({ mode: 'apply', totals: { policiesWritten: 1 } });
    expect(printed).toContainEqual(expect.objectContaining({ level: 'WARN', message: expect.stringMatching(/own account unknown/) }));
  });

  it('fails on a misspelt KEEPER_ setting before any AWS call', async () => {
    // Prepare
    vi.stubEnv('KEEPER_DRY_RUN', undefined);
    vi.stubEnv('KEEPER_DRYRUN', 'false');
    const invoke = await loadHandler();

    // Act
    const run = invoke(loadEvent('create-repository.cloudtrail.json'));

    // Assess
    await expect(run).rejects.toMatchObject({ name: 'ConfigError', field: 'KEEPER_DRYRUN' });
    await expect(run).rejects.toThrow(/KEEPER_DRYRUN/);
    expect(callCount()).toBe(0);
  });
});
