/**
 * Shared by the sources that reach images through ECS task definitions (scheduled tasks, families):
 * how a task definition is named to `describeTaskDefinitions`, and its containers as references.
 */
import type { TaskDefinitionImages } from '../aws/ports.js';
import type { KeeperConfig } from '../config.js';
import type { Region, UseSource } from '../domain/types.js';
import { resolveEnvironment } from '../environment.js';
import type { WorkloadReference } from '../inuse.js';

/** `arn:…:task-definition/FAMILY` or `…/FAMILY:REVISION`. */
const TASK_DEFINITION_ARN = /^arn:[^:]+:ecs:[^:]*:\d{12}:task-definition\/([^:/]+)(?::(\d+))?$/;

/**
 * The name to describe for a task definition reference. An ARN without a revision means the
 * family's latest ACTIVE revision (as ECS resolves it when the task starts), which the port takes as
 * the bare family; an ARN with a revision, `family` and `family:revision` are passed as given.
 */
export const taskDefinitionName = (reference: string): string => {
  const match = TASK_DEFINITION_ARN.exec(reference);
  return match !== null && match[2] === undefined && match[1] !== undefined ? match[1] : reference;
};

/** The cluster name of a cluster ARN (`…:cluster/NAME`), or the value itself when it is a bare name. */
export const clusterNameOf = (clusterArnOrName: string | undefined): string | undefined =>
  clusterArnOrName === undefined || clusterArnOrName === '' ? undefined : (clusterArnOrName.split(':cluster/').pop() ?? clusterArnOrName);

/** Who starts tasks from a task definition, as the references will cite it. */
export interface TaskDefinitionUser {
  readonly kind: Extract<UseSource['kind'], 'scheduled-rule' | 'schedule' | 'task-definition'>;
  readonly region: Region;
  /** Rule, schedule or task definition ARN. */
  readonly arn: string;
  readonly cluster?: string | undefined;
}

/**
 * One reference per container of `definition`. The environment comes from the task definition's
 * tags, then its family name and the cluster name against the name patterns, then the default.
 * Task definitions name images by tag or digest only; `resolveInUse` resolves tags through ECR.
 */
export const taskDefinitionReferences = (
  definition: TaskDefinitionImages,
  user: TaskDefinitionUser,
  config: Pick<KeeperConfig, 'environments' | 'environmentResolution'>,
): WorkloadReference[] => {
  const { environment } = resolveEnvironment(config, {
    taskTags: definition.tags,
    serviceName: definition.family,
    clusterName: user.cluster ?? '',
  });
  return definition.containerImages
    .filter((container) => container.image !== '')
    .map((container) => ({
      source: { kind: user.kind, region: user.region, cluster: user.cluster, arn: user.arn, image: container.image, environment },
      imageDigest: container.imageDigest,
    }));
};
