import 'aws-sdk-client-mock-vitest/extend';
import { BatchClient, DescribeJobDefinitionsCommand, type JobDefinition } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createBatchAdapter, imagesOfJobDefinition } from '../../../src/lib/aws/batch.js';
import { createClients } from '../../../src/lib/aws/clients.js';
import type { BatchJobDefinition } from '../../../src/lib/aws/ports.js';
import { toRegion } from '../../../src/lib/domain/types.js';

const region = toRegion('eu-west-1');
const batchMock = mockClient(BatchClient);
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

const adapter = () => createBatchAdapter(createClients({ region, credentials }).batch, region);
const arnOf = (name: string, revision: number): string => `arn:aws:batch:eu-west-1:123456789012:job-definition/${name}:${revision}`;
const awsError = (name: string): Error => Object.assign(new Error(name), { name, $metadata: {} });

const definition = (name: string, revision: number, fields: Partial<JobDefinition> = {}): JobDefinition => ({
  jobDefinitionName: name,
  jobDefinitionArn: arnOf(name, revision),
  revision,
  status: 'ACTIVE',
  type: 'container',
  ...fields,
});

const listAll = async (): Promise<BatchJobDefinition[]> => {
  const found: BatchJobDefinition[] = [];
  for await (const d of adapter().listActiveJobDefinitions()) found.push(d);
  return found;
};

beforeEach(() => {
  batchMock.reset();
});

describe('Function: imagesOfJobDefinition', () => {
  it('reads containerProperties, ECS task containers, EKS containers and init containers', () => {
    // Prepare
    const jd = definition('etl', 1, {
      containerProperties: { image: `${HOST}/etl:container` },
      ecsProperties: { taskProperties: [{ containers: [{ name: 'main', image: `${HOST}/etl:ecs` }, { name: 'log', image: 'fluent/fluent-bit:3' }] }] },
      eksProperties: { podProperties: { initContainers: [{ name: 'init', image: `${HOST}/etl:init` }], containers: [{ name: 'app', image: `${HOST}/etl:eks` }] } },
    });

    // Act
    const images = imagesOfJobDefinition(jd).map((c) => c.image);

    // Assess
    expect(images).toEqual([`${HOST}/etl:container`, `${HOST}/etl:ecs`, 'fluent/fluent-bit:3', `${HOST}/etl:init`, `${HOST}/etl:eks`]);
  });

  it('reads every node range of a multi-node job: container, ecsProperties and eksProperties', () => {
    // Prepare
    const jd = definition('mpi', 4, {
      type: 'multinode',
      nodeProperties: {
        numNodes: 4,
        mainNode: 0,
        nodeRangeProperties: [
          { targetNodes: '0', container: { image: `${HOST}/mpi:main` } },
          { targetNodes: '1:', ecsProperties: { taskProperties: [{ containers: [{ name: 'worker', image: `${HOST}/mpi:worker` }] }] } },
          { targetNodes: '2:', eksProperties: { podProperties: { containers: [{ name: 'pod', image: `${HOST}/mpi:pod` }] } } },
        ],
      },
    });

    // Act
    const images = imagesOfJobDefinition(jd);

    // Assess
    expect(images).toEqual([
      { containerName: 'nodes 0', image: `${HOST}/mpi:main` },
      { containerName: 'worker', image: `${HOST}/mpi:worker` },
      { containerName: 'pod', image: `${HOST}/mpi:pod` },
    ]);
  });
});

describe('Function: listActiveJobDefinitions', () => {
  it('asks for ACTIVE definitions 100 a page and follows nextToken, with tags and images', async () => {
    // Prepare
    batchMock
      .on(DescribeJobDefinitionsCommand)
      .resolvesOnce({ jobDefinitions: [definition('etl', 1, { containerProperties: { image: `${HOST}/etl:1` }, tags: { env: 'dev' } })], nextToken: 't' })
      .resolvesOnce({ jobDefinitions: [definition('etl', 2, { containerProperties: { image: `${HOST}/etl:2` } })] });

    // Act
    const found = await listAll();

    // Assess
    expect(found).toEqual([
      { name: 'etl', arn: arnOf('etl', 1), revision: 1, tags: { env: 'dev' }, containerImages: [{ containerName: 'container', image: `${HOST}/etl:1` }] },
      { name: 'etl', arn: arnOf('etl', 2), revision: 2, tags: {}, containerImages: [{ containerName: 'container', image: `${HOST}/etl:2` }] },
    ]);
    expect(batchMock).toReceiveNthCommandWith(DescribeJobDefinitionsCommand, 1, { status: 'ACTIVE', maxResults: 100 });
    expect(batchMock).toReceiveNthCommandWith(DescribeJobDefinitionsCommand, 2, { status: 'ACTIVE', maxResults: 100, nextToken: 't' });
  });

  it('names batch:DescribeJobDefinitions when a page fails', async () => {
    // Prepare
    batchMock
      .on(DescribeJobDefinitionsCommand)
      .resolvesOnce({ jobDefinitions: [definition('etl', 1)], nextToken: 't' })
      .rejectsOnce(awsError('ClientException'));

    // Act
    const result = listAll();

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', action: 'batch:DescribeJobDefinitions', awsCode: 'ClientException' });
  });
});
