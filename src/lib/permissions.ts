/**
 * The IAM actions each Lambda function needs, built from the adapters' declarations.
 * `serverless.yml` grants exactly these (test/deploy/serverless-package.test.ts reads the packaged template).
 */
import {
  BATCH_READ_ACTIONS,
  ECR_READ_ACTIONS,
  ECR_WRITE_ACTIONS,
  ECS_READ_ACTIONS,
  EVENTS_READ_ACTIONS,
  INSPECTOR_COVERAGE_READ_ACTIONS,
  INSPECTOR_READ_ACTIONS,
  LAMBDA_READ_ACTIONS,
  ORGANIZATIONS_READ_ACTIONS,
  S3_HANDOFF_ACTIONS,
  S3_REPORT_ACTIONS,
  SCHEDULER_READ_ACTIONS,
  STS_ACTIONS,
  TAGGING_READ_ACTIONS,
  type AwsAction,
} from './aws/actions.js';

/**
 * Read-only actions of the in-use sources beyond ECS (Lambda, Batch, scheduled tasks, Inspector
 * coverage): every function reads the in-use set.
 */
const CONSUMER_READ_ACTIONS = [
  ...LAMBDA_READ_ACTIONS,
  ...BATCH_READ_ACTIONS,
  ...EVENTS_READ_ACTIONS,
  ...SCHEDULER_READ_ACTIONS,
  ...INSPECTOR_COVERAGE_READ_ACTIONS,
];

// The audit never fetches a manifest (that is only for tagging) and must not count as a pull.
const AUDIT_ECR_ACTIONS = ECR_READ_ACTIONS.filter((a) => a !== 'ecr:BatchGetImage');

/**
 * What the organisation state machine's steps share: AWS Organizations (which accounts), the roles of
 * deploy/stackset-roles.yml, and the listing of the home registry's repositories.
 */
const ORGANISATION_ACTIONS = [...ORGANIZATIONS_READ_ACTIONS, ...STS_ACTIONS, 'ecr:DescribeRepositories'] as const;

/** The actions of several lists, each once. */
const unique = (...lists: readonly (readonly AwsAction[])[]): AwsAction[] => [...new Set(lists.flat())];

/** Lambda functions of serverless.yml. */
export type FunctionName = 'sweep' | 'repositoryCreated' | 'audit' | 'orgTargets' | 'discoverConsumers' | 'mergeInUse' | 'applyRegistryBatch' | 'orgSummary';

/** Function name (as in serverless.yml) → the actions its role must grant, no more. */
export const FUNCTION_ACTIONS: Readonly<Record<FunctionName, readonly AwsAction[]>> = {
  // Whole-region sweeps read repository tags in bulk; CreateRepository sweeps one repository (ListTagsForResource).
  // Every function may run in the organisation mode (config `organisation`): accounts, and the StackSet's roles.
  sweep: unique(ORGANISATION_ACTIONS, S3_REPORT_ACTIONS, ECR_READ_ACTIONS, ECR_WRITE_ACTIONS, ECS_READ_ACTIONS, CONSUMER_READ_ACTIONS, TAGGING_READ_ACTIONS),
  repositoryCreated: unique(ORGANISATION_ACTIONS, ECR_READ_ACTIONS, ECR_WRITE_ACTIONS, ECS_READ_ACTIONS, CONSUMER_READ_ACTIONS),
  // The organisation state machine's steps (deploy/state-machine.asl.json): hand-off under runs/, the run's report under reports/.
  orgTargets: unique(ORGANISATION_ACTIONS, S3_REPORT_ACTIONS),
  // Tags of consumers' references are resolved in the registries, read-only.
  discoverConsumers: unique(ORGANISATION_ACTIONS, ECR_READ_ACTIONS, ECS_READ_ACTIONS, CONSUMER_READ_ACTIONS, S3_REPORT_ACTIONS),
  mergeInUse: [...S3_HANDOFF_ACTIONS, ...S3_REPORT_ACTIONS],
  applyRegistryBatch: unique(ORGANISATION_ACTIONS, ECR_READ_ACTIONS, ECR_WRITE_ACTIONS, S3_HANDOFF_ACTIONS, S3_REPORT_ACTIONS),
  orgSummary: [...S3_HANDOFF_ACTIONS, ...S3_REPORT_ACTIONS],
  // In the organisation mode the audit assumes the consumer and audit roles only (never the registry role, which writes).
  audit: unique(ORGANIZATIONS_READ_ACTIONS, STS_ACTIONS, S3_REPORT_ACTIONS, AUDIT_ECR_ACTIONS, ECS_READ_ACTIONS, INSPECTOR_READ_ACTIONS, CONSUMER_READ_ACTIONS, TAGGING_READ_ACTIONS),
};

/**
 * Role (as in deploy/stackset-roles.yml, the StackSet of the organisation mode) → the actions it
 * grants, no more: the consumer role only reads what in-use discovery reads (no write, and no
 * `ecr:BatchGetImage`, a pull); the registry role is the sweep's ECR reads and writes.
 */
export const ROLE_ACTIONS: Readonly<Record<'consumer' | 'registry' | 'audit', readonly AwsAction[]>> = {
  consumer: [...ECS_READ_ACTIONS, ...CONSUMER_READ_ACTIONS],
  registry: [...ECR_READ_ACTIONS, ...ECR_WRITE_ACTIONS, ...TAGGING_READ_ACTIONS],
  // The audit function's way into a registry: reads only, no pull, and the findings it counts.
  audit: [...AUDIT_ECR_ACTIONS, ...TAGGING_READ_ACTIONS, ...INSPECTOR_READ_ACTIONS, ...INSPECTOR_COVERAGE_READ_ACTIONS],
};
