/**
 * The IAM actions each adapter calls, declared next to the code (Cloud Custodian's `permissions`):
 * `serverless.yml` grants exactly these, and `test/lib/aws/actions.test.ts` fails when an adapter
 * sends a command that is not declared here, or declares one it never sends.
 * Also the adapters' shared plumbing: SDK error → `AwsCallError` naming its action, chunking, options.
 */
import { AwsCallError, KeeperError } from '../errors.js';

/** ECR actions that only read (audit, dry run, sweep). `BatchGetImage` counts as a pull in ECR. */
export const ECR_READ_ACTIONS = [
  'ecr:DescribeRepositories',
  'ecr:DescribeImages',
  'ecr:ListTagsForResource',
  'ecr:GetLifecyclePolicy',
  'ecr:BatchGetImage',
] as const;

/** ECR actions that change the registry: the lifecycle policy and protection tags. */
export const ECR_WRITE_ACTIONS = ['ecr:PutLifecyclePolicy', 'ecr:PutImage', 'ecr:BatchDeleteImage'] as const;

/**
 * ECR's lifecycle policy preview (`ecr-keeper audit --verify-with-preview`). Neither a read nor a write
 * to the registry: StartLifecyclePolicyPreview changes no policy, tag or image, but it starts a job on
 * the repository (one at a time, so it can collide with someone else's preview) and IAM does not list it
 * as read-only. Classified apart so the "audit makes no write call" checks name it explicitly, and granted
 * to no Lambda role: the CLI runs it with the caller's own credentials.
 */
export const ECR_PREVIEW_ACTIONS = ['ecr:StartLifecyclePolicyPreview', 'ecr:GetLifecyclePolicyPreview'] as const;

/** ECS actions used to find what workloads run or may roll back to. */
export const ECS_READ_ACTIONS = [
  'ecs:ListClusters',
  'ecs:DescribeClusters',
  'ecs:ListTasks',
  'ecs:DescribeTasks',
  'ecs:ListServices',
  'ecs:DescribeServices',
  'ecs:ListServiceDeployments',
  'ecs:DescribeServiceDeployments',
  'ecs:DescribeServiceRevisions',
  'ecs:DescribeTaskDefinition',
  'ecs:ListTaskDefinitionFamilies',
  'ecs:ListTaskDefinitions',
] as const;

/**
 * Inspector2 actions used to report the findings that leave with an image: severity counts per image
 * (`ListFindingAggregations`), and `ListFindings` where the aggregation is not permitted or fails.
 */
export const INSPECTOR_READ_ACTIONS = ['inspector2:ListFindingAggregations', 'inspector2:ListFindings'] as const;

/** Inspector2 action used to read which images ECS tasks and EKS pods ran lately (coverage `lastInUseAt`). */
export const INSPECTOR_COVERAGE_READ_ACTIONS = ['inspector2:ListCoverage'] as const;

/** EventBridge actions used to find the ECS tasks that rules start (scheduled tasks). */
export const EVENTS_READ_ACTIONS = ['events:ListEventBuses', 'events:ListRules', 'events:ListTargetsByRule'] as const;

/** EventBridge Scheduler actions used to find the ECS tasks that schedules start. */
export const SCHEDULER_READ_ACTIONS = ['scheduler:ListSchedules', 'scheduler:GetSchedule'] as const;

/**
 * Lambda actions used to find the images functions run: `$LATEST` and every version an alias points to.
 * `lambda:ListTags` is sent by no command of its own: `GetFunction` returns the function's tags only
 * when the caller is allowed `lambda:ListTags`.
 */
export const LAMBDA_READ_ACTIONS = ['lambda:ListFunctions', 'lambda:ListAliases', 'lambda:GetFunction', 'lambda:ListTags'] as const;

/** AWS Batch action used to read the images of ACTIVE job definitions. */
export const BATCH_READ_ACTIONS = ['batch:DescribeJobDefinitions'] as const;

/** S3 action used to write full reports to the report bucket (the Lambda result keeps only a summary and the keys). */
export const S3_REPORT_ACTIONS = ['s3:PutObject'] as const;

/** S3 action the organisation state machine's steps use to read what the step before them wrote (`runs/`). */
export const S3_HANDOFF_ACTIONS = ['s3:GetObject'] as const;

/** AWS Organizations actions used to list the consumer accounts of the organisation mode, with their tags. */
export const ORGANIZATIONS_READ_ACTIONS = [
  'organizations:ListAccounts',
  'organizations:ListAccountsForParent',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListTagsForResource',
] as const;

/**
 * STS actions of the organisation mode: the keeper's own account, and the roles in other accounts
 * (`AssumeRole` is sent by the SDK's `fromTemporaryCredentials`, which the sweep refreshes before the
 * one-hour chained sessions end). `GetCallerIdentity` needs no permission; declared so it is named.
 */
export const STS_ACTIONS = ['sts:AssumeRole', 'sts:GetCallerIdentity'] as const;

/**
 * Resource Groups Tagging API action used to read every repository's tags in one paged call
 * (`tagging.ts`); it has no resource-level permissions, so it is granted on `*`.
 */
export const TAGGING_READ_ACTIONS = ['tag:GetResources'] as const;

/** Every IAM action any adapter calls. */
export type AwsAction =
  | (typeof S3_REPORT_ACTIONS)[number]
  | (typeof S3_HANDOFF_ACTIONS)[number]
  | (typeof ECR_READ_ACTIONS)[number]
  | (typeof ECR_WRITE_ACTIONS)[number]
  | (typeof ECR_PREVIEW_ACTIONS)[number]
  | (typeof ECS_READ_ACTIONS)[number]
  | (typeof INSPECTOR_READ_ACTIONS)[number]
  | (typeof INSPECTOR_COVERAGE_READ_ACTIONS)[number]
  | (typeof EVENTS_READ_ACTIONS)[number]
  | (typeof SCHEDULER_READ_ACTIONS)[number]
  | (typeof LAMBDA_READ_ACTIONS)[number]
  | (typeof BATCH_READ_ACTIONS)[number]
  | (typeof TAGGING_READ_ACTIONS)[number]
  | (typeof ORGANIZATIONS_READ_ACTIONS)[number]
  | (typeof STS_ACTIONS)[number];

/** The SDK's error name (`ThrottlingException`, `AccessDeniedException`, …), when the value has one. */
export const awsErrorName = (error: unknown): string | undefined =>
  error instanceof Error && error.name !== 'Error' ? error.name : undefined;

/**
 * Wraps an SDK failure once as `AwsCallError` (keeping it as `cause`); a `KeeperError` raised by
 * our own code inside the call is returned unchanged, never re-wrapped.
 */
export const toAwsCallError = (error: unknown, action: AwsAction, repository?: string): KeeperError => {
  if (error instanceof KeeperError) return error;
  const code = awsErrorName(error);
  const detail = error instanceof Error ? error.message : String(error);
  const where = repository === undefined ? '' : ` (repository ${repository})`;
  return new AwsCallError(`${action} failed${where}: ${code ?? 'Error'}: ${detail}`, {
    cause: error,
    action,
    ...(repository === undefined ? {} : { repository }),
    ...(code === undefined ? {} : { awsCode: code }),
  });
};

/** Awaits one SDK call; any failure becomes `AwsCallError` for `action`. */
export const callAws = async <T>(action: AwsAction, repository: string | undefined, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw toAwsCallError(error, action, repository);
  }
};

/** Re-yields an SDK paginator's pages; a failure on any page becomes `AwsCallError` for `action`. */
export async function* pagesOf<T>(action: AwsAction, repository: string | undefined, pages: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    for await (const page of pages) yield page;
  } catch (error) {
    throw toAwsCallError(error, action, repository);
  }
}

/** Options shared by the adapters. */
export interface AdapterOptions {
  /** Aborts every SDK call of the adapter (Lambda's remaining-time signal). */
  readonly signal?: AbortSignal | undefined;
}

/** Splits `items` into consecutive chunks of at most `size` (the API's per-call limit). */
export const chunksOf = <T>(items: readonly T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
};
