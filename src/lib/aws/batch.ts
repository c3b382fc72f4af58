/**
 * The AWS Batch adapter: `BatchPort` over a real `BatchClient`. Reads the images every ACTIVE job
 * definition names, whichever way the job runs (ECS container, ECS task, EKS pod, multi-node).
 */
import {
  paginateDescribeJobDefinitions,
  type BatchClient,
  type ContainerProperties,
  type EcsProperties,
  type EksProperties,
  type JobDefinition,
} from '@aws-sdk/client-batch';
import type { Region } from '../domain/types.js';
import { pagesOf, type AdapterOptions } from './actions.js';
import type { BatchJobDefinition, BatchPort, ContainerImage } from './ports.js';

/** `DescribeJobDefinitions` returns at most 100 a page. */
const MAX_PAGE = 100;

const fromContainer = (container: ContainerProperties | undefined, name: string): ContainerImage[] =>
  container?.image === undefined ? [] : [{ containerName: name, image: container.image }];

const fromEcs = (ecs: EcsProperties | undefined): ContainerImage[] =>
  (ecs?.taskProperties ?? []).flatMap((task) =>
    (task.containers ?? []).flatMap((c) => (c.image === undefined ? [] : [{ containerName: c.name, image: c.image }])),
  );

const fromEks = (eks: EksProperties | undefined): ContainerImage[] => {
  const pod = eks?.podProperties;
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])].flatMap((c) =>
    c.image === undefined ? [] : [{ containerName: c.name, image: c.image }],
  );
};

/** Every image a job definition names, in every place the API puts one. */
export const imagesOfJobDefinition = (definition: JobDefinition): ContainerImage[] => [
  ...fromContainer(definition.containerProperties, 'container'),
  ...fromEcs(definition.ecsProperties),
  ...fromEks(definition.eksProperties),
  ...(definition.nodeProperties?.nodeRangeProperties ?? []).flatMap((range) => [
    ...fromContainer(range.container, `nodes ${range.targetNodes ?? '?'}`),
    ...fromEcs(range.ecsProperties),
    ...fromEks(range.eksProperties),
  ]),
];

/** Builds the Batch port of one region over `client`; throws `AwsCallError` (`batch:DescribeJobDefinitions`). */
export const createBatchAdapter = (client: BatchClient, region: Region, options: AdapterOptions = {}): BatchPort => {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };

  return {
    region,

    async *listActiveJobDefinitions() {
      const pages = paginateDescribeJobDefinitions({ client, pageSize: MAX_PAGE }, { status: 'ACTIVE' }, send);
      for await (const page of pagesOf('batch:DescribeJobDefinitions', undefined, pages)) {
        for (const definition of page.jobDefinitions ?? []) {
          const { jobDefinitionName: name, jobDefinitionArn: arn, revision } = definition;
          if (name === undefined || arn === undefined || revision === undefined) continue;
          const result: BatchJobDefinition = {
            name,
            arn,
            revision,
            tags: { ...definition.tags },
            containerImages: imagesOfJobDefinition(definition),
          };
          yield result;
        }
      }
    },
  };
};
