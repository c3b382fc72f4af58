/**
 * One smoke test per emulator patch on the consumers beyond ECS (Lambda container images, Batch job
 * definitions; test/emulator/moto_server.py, patches lambda-a, lambda-b, batch-a), through the real
 * AWS SDK v3, plus the moto behaviour the Lambda and Batch adapters rely on as shipped.
 */
import { DescribeJobDefinitionsCommand, DeregisterJobDefinitionCommand, type JobDefinition } from '@aws-sdk/client-batch';
import { CreateFunctionCommand, GetFunctionCommand, ListAliasesCommand, ListFunctionsCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { useEmulator } from '../helpers/use-emulator.js';
import { createRepository, pushImage } from './seed.js';
import { containerJob, createAlias, createImageFunction, lambdaRole, publishVersion, registerJobDefinition, updateFunctionImage } from './seed-consumers.js';

const { emu, ecr, lambda, batch } = useEmulator();

const describeActive = async (name: string): Promise<JobDefinition[]> =>
  (await batch.send(new DescribeJobDefinitionsCommand({ jobDefinitionName: name, status: 'ACTIVE' }))).jobDefinitions ?? [];

describe('Patch lambda-a: image functions resolve their ImageUri in ECR', () => {
  it('reports the ECR digest of the tag at deploy as ResolvedImageUri and CodeSha256, also for a digest URI', async () => {
    // Prepare
    const repository = await createRepository(ecr, 'fn/api');
    const v1 = await pushImage(ecr, emu.control, { repository: 'fn/api', tags: ['v1'] });
    const v2 = await pushImage(ecr, emu.control, { repository: 'fn/api', tags: ['v2'] });
    await createImageFunction(lambda, emu.control, { name: 'by-tag', imageUri: `${repository.uri}:v1` });
    await createImageFunction(lambda, emu.control, { name: 'by-digest', imageUri: `${repository.uri}@${v2.digest}` });

    // Act
    const byTag = await lambda.send(new GetFunctionCommand({ FunctionName: 'by-tag', Qualifier: '$LATEST' }));
    const byDigest = await lambda.send(new GetFunctionCommand({ FunctionName: 'by-digest' }));

    // Assess
    expect(byTag.Code).toMatchObject({ RepositoryType: 'ECR', ImageUri: `${repository.uri}:v1`, ResolvedImageUri: `${repository.uri}@${v1.digest}` });
    expect(byTag.Configuration?.CodeSha256).toBe(v1.digest.slice('sha256:'.length));
    expect(byDigest.Code?.ResolvedImageUri).toBe(`${repository.uri}@${v2.digest}`);
  });

  it('refuses an image that is not in ECR with InvalidParameterValueException', async () => {
    // Prepare
    const repository = await createRepository(ecr, 'fn/api');
    const role = await lambdaRole(emu.control);

    // Act
    const result = lambda.send(new CreateFunctionCommand({ FunctionName: 'missing', PackageType: 'Image', Role: role, Code: { ImageUri: `${repository.uri}:nope` } }));

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
  });
});

describe('Patch lambda-b: a published version keeps its own code', () => {
  it('keeps ImageUri and ResolvedImageUri of version 1 (and its alias) after $LATEST gets another image', async () => {
    // Prepare
    const repository = await createRepository(ecr, 'fn/api');
    const v1 = await pushImage(ecr, emu.control, { repository: 'fn/api', tags: ['v1'] });
    const v2 = await pushImage(ecr, emu.control, { repository: 'fn/api', tags: ['v2'] });
    await createImageFunction(lambda, emu.control, { name: 'api', imageUri: `${repository.uri}:v1` });
    const version = await publishVersion(lambda, 'api');
    await createAlias(lambda, 'api', 'live', version);

    // Act
    await updateFunctionImage(lambda, 'api', `${repository.uri}:v2`);

    // Assess
    const expected = { ImageUri: `${repository.uri}:v1`, ResolvedImageUri: `${repository.uri}@${v1.digest}` };
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'api', Qualifier: version }))).Code).toMatchObject(expected);
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'api', Qualifier: 'live' }))).Code).toMatchObject(expected);
    expect((await lambda.send(new GetFunctionCommand({ FunctionName: 'api', Qualifier: '$LATEST' }))).Code).toMatchObject({
      ImageUri: `${repository.uri}:v2`,
      ResolvedImageUri: `${repository.uri}@${v2.digest}`,
    });
  });
});

describe('Lambda as shipped', () => {
  it('lists PackageType, returns the function tags from GetFunction and the routing config of a weighted alias', async () => {
    // Prepare
    const repository = await createRepository(ecr, 'fn/api');
    await pushImage(ecr, emu.control, { repository: 'fn/api', tags: ['v1'] });
    await createImageFunction(lambda, emu.control, { name: 'api', imageUri: `${repository.uri}:v1`, tags: { environment: 'dev' } });
    const one = await publishVersion(lambda, 'api');
    await pushImage(ecr, emu.control, { repository: 'fn/api', tags: ['v2'] });
    await updateFunctionImage(lambda, 'api', `${repository.uri}:v2`);
    const two = await publishVersion(lambda, 'api');
    await createAlias(lambda, 'api', 'live', two);
    await lambda.send(new UpdateAliasCommand({ FunctionName: 'api', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { [one]: 0.1 } } }));

    // Act
    const functions = (await lambda.send(new ListFunctionsCommand({}))).Functions ?? [];
    const aliases = (await lambda.send(new ListAliasesCommand({ FunctionName: 'api' }))).Aliases ?? [];
    const latest = await lambda.send(new GetFunctionCommand({ FunctionName: 'api', Qualifier: '$LATEST' }));

    // Assess
    expect(functions.map((f) => [f.FunctionName, f.PackageType])).toEqual([['api', 'Image']]);
    expect(aliases).toMatchObject([{ Name: 'live', FunctionVersion: two, RoutingConfig: { AdditionalVersionWeights: { [one]: 0.1 } } }]);
    expect(latest.Tags).toEqual({ environment: 'dev' });
  });
});

describe('Patch batch-a: job definitions with ecsProperties and nodeProperties', () => {
  it('registers a container job given by ecsProperties alone and returns them', async () => {
    // Prepare
    const ecsProperties = { taskProperties: [{ containers: [{ name: 'main', image: 'team/etl:2' }] }] };

    // Act
    await registerJobDefinition(batch, { jobDefinitionName: 'etl', type: 'container', ecsProperties });

    // Assess
    expect(await describeActive('etl')).toMatchObject([{ revision: 1, ecsProperties }]);
  });

  it('returns the nodeProperties of a multi-node job definition', async () => {
    // Prepare
    const nodeProperties = { numNodes: 2, mainNode: 0, nodeRangeProperties: [{ targetNodes: '0:', container: containerJob('team/mpi:1') }] };

    // Act
    await registerJobDefinition(batch, { jobDefinitionName: 'mpi', type: 'multinode', nodeProperties });

    // Assess
    expect((await describeActive('mpi'))[0]?.nodeProperties).toMatchObject({ nodeRangeProperties: [{ targetNodes: '0:', container: { image: 'team/mpi:1' } }] });
  });

  it('does not copy the previous revision containerProperties into a revision registered without them', async () => {
    // Prepare
    await registerJobDefinition(batch, { jobDefinitionName: 'etl', type: 'container', containerProperties: containerJob('team/etl:1') });

    // Act
    await registerJobDefinition(batch, { jobDefinitionName: 'etl', type: 'container', ecsProperties: { taskProperties: [{ containers: [{ name: 'main', image: 'team/etl:2' }] }] } });

    // Assess
    const revisions = await describeActive('etl');
    expect(revisions.find((d) => d.revision === 2)?.containerProperties).toBeUndefined();
    expect(revisions.find((d) => d.revision === 1)?.containerProperties?.image).toBe('team/etl:1');
  });
});

describe('Batch as shipped', () => {
  it('lists only ACTIVE revisions for status ACTIVE, each with its own tags', async () => {
    // Prepare
    const first = await registerJobDefinition(batch, { jobDefinitionName: 'etl', type: 'container', containerProperties: containerJob('team/etl:1'), tags: { env: 'dev' } });
    await registerJobDefinition(batch, { jobDefinitionName: 'etl', type: 'container', containerProperties: containerJob('team/etl:2'), tags: { env: 'prod' } });
    await registerJobDefinition(batch, { jobDefinitionName: 'etl', type: 'container', containerProperties: containerJob('team/etl:3') });

    // Act
    await batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: first }));

    // Assess
    const listed = (await batch.send(new DescribeJobDefinitionsCommand({ status: 'ACTIVE' }))).jobDefinitions ?? [];
    expect(listed.map((d) => [d.revision, d.tags])).toEqual([
      [2, { env: 'prod' }],
      [3, {}],
    ]);
  });
});
