import 'aws-sdk-client-mock-vitest/extend';
import { GetFunctionCommand, LambdaClient, ListAliasesCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients } from '../../../src/lib/aws/clients.js';
import { createLambdaAdapter } from '../../../src/lib/aws/lambda.js';
import type { LambdaImageFunction } from '../../../src/lib/aws/ports.js';
import { toRegion } from '../../../src/lib/domain/types.js';
import { digestOf } from '../../helpers/factories.js';

const region = toRegion('eu-west-1');
const lambdaMock = mockClient(LambdaClient);
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

const adapter = () => createLambdaAdapter(createClients({ region, credentials }).lambda, region);
const functionArn = (name: string): string => `arn:aws:lambda:eu-west-1:123456789012:function:${name}`;
const awsError = (name: string): Error => Object.assign(new Error(name), { name, $metadata: {} });

const listAll = async (): Promise<LambdaImageFunction[]> => {
  const found: LambdaImageFunction[] = [];
  for await (const fn of adapter().listImageFunctions()) found.push(fn);
  return found;
};

beforeEach(() => {
  lambdaMock.reset();
});

describe('Function: listImageFunctions', () => {
  it('follows NextMarker across pages and keeps only PackageType Image', async () => {
    // Prepare
    lambdaMock
      .on(ListFunctionsCommand)
      .resolvesOnce({
        Functions: [
          { FunctionName: 'api', FunctionArn: functionArn('api'), PackageType: 'Image' },
          { FunctionName: 'zip', FunctionArn: functionArn('zip'), PackageType: 'Zip' },
        ],
        NextMarker: 'page-2',
      })
      .resolvesOnce({ Functions: [{ FunctionName: 'worker', FunctionArn: functionArn('worker'), PackageType: 'Image' }] });

    // Act
    const found = await listAll();

    // Assess
    expect(found).toEqual([
      { name: 'api', arn: functionArn('api') },
      { name: 'worker', arn: functionArn('worker') },
    ]);
    expect(lambdaMock).toReceiveCommandTimes(ListFunctionsCommand, 2);
    expect(lambdaMock).toReceiveNthCommandWith(ListFunctionsCommand, 2, { Marker: 'page-2', MaxItems: 50 });
  });

  it('names lambda:ListFunctions when a later page fails', async () => {
    // Prepare
    lambdaMock
      .on(ListFunctionsCommand)
      .resolvesOnce({ Functions: [{ FunctionName: 'api', FunctionArn: functionArn('api'), PackageType: 'Image' }], NextMarker: 'page-2' })
      .rejectsOnce(awsError('AccessDeniedException'));

    // Act
    const result = listAll();

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', action: 'lambda:ListFunctions', awsCode: 'AccessDeniedException' });
  });
});

describe('Function: listAliases', () => {
  it('returns each alias with its version and the versions of a weighted routing config, across pages', async () => {
    // Prepare
    lambdaMock
      .on(ListAliasesCommand)
      .resolvesOnce({
        Aliases: [{ Name: 'live', AliasArn: `${functionArn('api')}:live`, FunctionVersion: '7', RoutingConfig: { AdditionalVersionWeights: { '6': 0.1 } } }],
        NextMarker: 'm',
      })
      .resolvesOnce({ Aliases: [{ Name: 'beta', AliasArn: `${functionArn('api')}:beta`, FunctionVersion: '8' }] });

    // Act
    const aliases = await adapter().listAliases('api');

    // Assess
    expect(aliases).toEqual([
      { name: 'live', arn: `${functionArn('api')}:live`, versions: ['7', '6'] },
      { name: 'beta', arn: `${functionArn('api')}:beta`, versions: ['8'] },
    ]);
    expect(lambdaMock).toReceiveNthCommandWith(ListAliasesCommand, 2, { FunctionName: 'api', Marker: 'm' });
  });

  it('returns no alias for a function deleted since it was listed', async () => {
    // Prepare
    lambdaMock.on(ListAliasesCommand).rejects(awsError('ResourceNotFoundException'));

    // Act
    const aliases = await adapter().listAliases('gone');

    // Assess
    expect(aliases).toEqual([]);
  });

  it('names lambda:ListAliases on any other failure', async () => {
    // Prepare
    lambdaMock.on(ListAliasesCommand).rejects(awsError('TooManyRequestsException'));

    // Act
    const result = adapter().listAliases('api');

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', action: 'lambda:ListAliases', awsCode: 'TooManyRequestsException' });
  });
});

describe('Function: getFunctionCode', () => {
  it('returns the image, the resolved digest URI, the state and the tags of the qualified version', async () => {
    // Prepare
    const digest = digestOf('v1');
    lambdaMock.on(GetFunctionCommand, { FunctionName: 'api', Qualifier: '3' }).resolves({
      Configuration: { FunctionArn: `${functionArn('api')}:3`, Version: '3', State: 'Inactive', PackageType: 'Image' },
      Code: { RepositoryType: 'ECR', ImageUri: `${HOST}/shop/api:v1`, ResolvedImageUri: `${HOST}/shop/api@${digest}` },
      Tags: { env: 'dev' },
    });

    // Act
    const code = await adapter().getFunctionCode('api', '3');

    // Assess
    expect(code).toEqual({
      arn: `${functionArn('api')}:3`,
      version: '3',
      imageUri: `${HOST}/shop/api:v1`,
      resolvedImageUri: `${HOST}/shop/api@${digest}`,
      state: 'Inactive',
      tags: { env: 'dev' },
    });
  });

  it('qualifies an unqualified FunctionArn with the version read', async () => {
    // Prepare
    lambdaMock.on(GetFunctionCommand).resolves({
      Configuration: { FunctionArn: functionArn('api'), Version: '$LATEST' },
      Code: { ImageUri: `${HOST}/shop/api:v2` },
    });

    // Act
    const code = await adapter().getFunctionCode('api', '$LATEST');

    // Assess
    expect(code?.arn).toBe(`${functionArn('api')}:$LATEST`);
    expect(code?.resolvedImageUri).toBeUndefined();
    expect(code?.tags).toEqual({});
  });

  it('returns undefined for a function or version that no longer exists', async () => {
    // Prepare
    lambdaMock.on(GetFunctionCommand).rejects(awsError('ResourceNotFoundException'));

    // Act
    const code = await adapter().getFunctionCode('gone', '$LATEST');

    // Assess
    expect(code).toBeUndefined();
  });

  it('names lambda:GetFunction when the call is denied, keeping the cause', async () => {
    // Prepare
    const denied = awsError('AccessDeniedException');
    lambdaMock.on(GetFunctionCommand).rejects(denied);

    // Act
    const error: unknown = await adapter().getFunctionCode('api', '$LATEST').catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ name: 'AwsCallError', action: 'lambda:GetFunction', awsCode: 'AccessDeniedException' });
    expect((error as Error).cause).toBe(denied);
  });
});
