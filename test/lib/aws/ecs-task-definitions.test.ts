/** The ECS adapter's task definition family listing (in-use source `task-definitions`), over a mocked SDK. */
import 'aws-sdk-client-mock-vitest/extend';
import { ECSClient, ListTaskDefinitionFamiliesCommand, ListTaskDefinitionsCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../../src/lib/aws/clients.js';
import { createEcsAdapter } from '../../../src/lib/aws/ecs.js';
import { toRegion } from '../../../src/lib/domain/types.js';
import { AwsCallError } from '../../../src/lib/errors.js';

const region = toRegion('eu-west-1');
const ecsMock = mockClient(ECSClient);
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const adapter = () => createEcsAdapter(createClients({ region, credentials, maxAttempts: 1 }).ecs, region);
const arn = (family: string, revision: number): string => `arn:aws:ecs:eu-west-1:123456789012:task-definition/${family}:${revision}`;

beforeEach(() => {
  ecsMock.reset();
});

describe('Function: listTaskDefinitionFamilies', () => {
  it('lists ACTIVE families across pages of 100', async () => {
    // Prepare
    ecsMock.on(ListTaskDefinitionFamiliesCommand).resolvesOnce({ families: ['api', 'worker'], nextToken: 'n' }).resolvesOnce({ families: ['migrate'] });

    // Act
    const families: string[] = [];
    for await (const family of adapter().listTaskDefinitionFamilies()) families.push(family);

    // Assess
    expect(families).toEqual(['api', 'worker', 'migrate']);
    expect(ecsMock).toReceiveCommandWith(ListTaskDefinitionFamiliesCommand, { status: 'ACTIVE', maxResults: 100 });
    expect(ecsMock).toReceiveCommandWith(ListTaskDefinitionFamiliesCommand, { status: 'ACTIVE', maxResults: 100, nextToken: 'n' });
  });

  it('throws AwsCallError naming the action when a page fails', async () => {
    // Prepare
    ecsMock
      .on(ListTaskDefinitionFamiliesCommand)
      .resolvesOnce({ families: ['api'], nextToken: 'n' })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    // Act
    const error: unknown = await (async () => {
      for await (const _ of adapter().listTaskDefinitionFamilies());
    })().catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ action: 'ecs:ListTaskDefinitionFamilies', awsCode: 'ThrottlingException' });
  });
});

describe('Function: newestTaskDefinitionArns', () => {
  it('asks for exactly N ACTIVE revisions of the family, newest first, in one call', async () => {
    // Prepare
    ecsMock.on(ListTaskDefinitionsCommand).resolves({ taskDefinitionArns: [arn('api', 9), arn('api', 8), arn('api', 7)], nextToken: 'more' });

    // Act
    const arns = await adapter().newestTaskDefinitionArns('api', 3);

    // Assess
    expect(arns).toEqual([arn('api', 9), arn('api', 8), arn('api', 7)]);
    expect(ecsMock).toReceiveCommandTimes(ListTaskDefinitionsCommand, 1);
    expect(ecsMock).toReceiveCommandWith(ListTaskDefinitionsCommand, { familyPrefix: 'api', status: 'ACTIVE', sort: 'DESC', maxResults: 3 });
  });

  it('follows nextToken when a page comes back short, and stops at N', async () => {
    // Prepare
    ecsMock
      .on(ListTaskDefinitionsCommand)
      .resolvesOnce({ taskDefinitionArns: [arn('api', 9)], nextToken: 'n' })
      .resolvesOnce({ taskDefinitionArns: [arn('api', 8), arn('api', 7)], nextToken: 'm' });

    // Act
    const arns = await adapter().newestTaskDefinitionArns('api', 2);

    // Assess
    expect(arns).toEqual([arn('api', 9), arn('api', 8)]);
    expect(ecsMock).toReceiveCommandTimes(ListTaskDefinitionsCommand, 2);
  });

  it('throws AwsCallError naming the action on access denied', async () => {
    // Prepare
    ecsMock.on(ListTaskDefinitionsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));

    // Act
    const error: unknown = await adapter().newestTaskDefinitionArns('api', 2).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'AwsCallError', action: 'ecs:ListTaskDefinitions', awsCode: 'AccessDeniedException' });
  });
});
