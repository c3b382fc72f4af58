/**
 * Lambda event shapes, validated with zod. A bad event is an `InputError` naming the field,
 * raised before any AWS call.
 */
import { z } from 'zod';
import { isRegion, isRepositoryName, type Region, type RepositoryName } from './domain/types.js';
import { InputError } from './errors.js';
import { formatZodError } from './config.js';

const region = z.string().refine(isRegion, { message: 'must be an AWS region code such as eu-west-1' });
const repositoryName = z.string().refine(isRepositoryName, { message: 'must be an ECR repository name' });

const parseWith = <S extends z.ZodType>(schema: S, event: unknown, what: string): z.infer<S> => {
  const parsed = schema.safeParse(event);
  if (parsed.success) return parsed.data;
  const { message, field } = formatZodError(parsed.error, what);
  throw new InputError(message, { cause: parsed.error, field });
};

/** Options shared by the manual sweep and audit invocations. */
const ScopeSchema = z.strictObject({
  /** Restrict to these regions (default: the configured ones). */
  regions: z.array(region).min(1).optional(),
  /** Restrict to these repositories (default: all). */
  repositories: z.array(repositoryName).min(1).optional(),
});

export interface Scope {
  readonly regions?: readonly Region[] | undefined;
  readonly repositories?: readonly RepositoryName[] | undefined;
}

// EventBridge scheduled events carry no options; manual invokes may narrow the scope.
const ScheduledEventSchema = z.looseObject({ 'detail-type': z.literal('Scheduled Event'), source: z.literal('aws.events') });

/** The sweep accepts an EventBridge scheduled event or a manual `{regions?, repositories?}`. */
export const parseSweepEvent = (event: unknown): Scope => {
  if (typeof event === 'object' && event !== null && 'detail-type' in event) {
    parseWith(ScheduledEventSchema, event, 'sweep event');
    return {};
  }
  return parseWith(ScopeSchema, event ?? {}, 'sweep event') as Scope;
};

/** The audit takes `{regions?, repositories?}`; an empty object audits everything. */
export const parseAuditEvent = (event: unknown): Scope => parseWith(ScopeSchema, event ?? {}, 'audit event') as Scope;

const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit account id');

const CreateRepositoryEventSchema = z.looseObject({
  'detail-type': z.literal('AWS API Call via CloudTrail'),
  source: z.literal('aws.ecr'),
  account: accountId,
  region,
  detail: z.looseObject({
    eventSource: z.literal('ecr.amazonaws.com'),
    eventName: z.string(),
    awsRegion: region,
    /** The account whose API was called; CloudTrail sets it, EventBridge copies it to `account`. */
    recipientAccountId: accountId.optional(),
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
    requestParameters: z.looseObject({ repositoryName: z.string() }).nullable().optional(),
  }),
});

export type RepositoryCreated =
  | { readonly kind: 'apply'; readonly region: Region; readonly account: string; readonly repository: RepositoryName }
  | { readonly kind: 'ignore'; readonly reason: string }
  /** Not a CreateRepository event we understand; `error` names the field. Retrying cannot help. */
  | { readonly kind: 'invalid'; readonly reason: string; readonly error: InputError };

export interface RepositoryCreatedOptions {
  /**
   * The account the function runs in (see `accountOfFunctionArn`). An event from any other account
   * is ignored: its repository is not ours to change. `undefined` accepts every account.
   */
  readonly ownAccount?: string | undefined;
}

/**
 * The account id in a Lambda function ARN (`arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`,
 * the context's `invokedFunctionArn`); `undefined` when there is none or it is not such an ARN.
 */
export const accountOfFunctionArn = (arn: string | undefined): string | undefined =>
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:(\d{12}):function:[^:]+(?::[^:]+)?$/.exec(arn ?? '')?.[1];

/**
 * CloudTrail `CreateRepository` via EventBridge. Events from another account than `ownAccount`,
 * failed calls (with `errorCode`) and other event names are ignored with a reason; a malformed
 * event comes back as `invalid` rather than thrown, because Lambda would retry an async invocation
 * that can never succeed.
 */
export const classifyRepositoryCreatedEvent = (event: unknown, options: RepositoryCreatedOptions = {}): RepositoryCreated => {
  try {
    return parseRepositoryCreatedEvent(event, options);
  } catch (error) {
    if (error instanceof InputError) return { kind: 'invalid', reason: error.message, error };
    throw error;
  }
};

/** Strict form of `classifyRepositoryCreatedEvent`: a malformed event throws `InputError`. */
export const parseRepositoryCreatedEvent = (event: unknown, options: RepositoryCreatedOptions = {}): RepositoryCreated => {
  const e = parseWith(CreateRepositoryEventSchema, event, 'CreateRepository event');
  // Checked first: another account's event is not ours to judge, even if we would find it malformed.
  const { ownAccount } = options;
  const accounts: readonly [string, string | undefined][] = [
    ['account', e.account],
    ['detail.recipientAccountId', e.detail.recipientAccountId],
  ];
  const stranger = accounts.find(([, account]) => ownAccount !== undefined && account !== undefined && account !== ownAccount);
  if (stranger !== undefined)
    return { kind: 'ignore', reason: `event from another account (${stranger[0]} ${stranger[1] ?? ''}, this function runs in ${ownAccount ?? ''}): not ours to change` };
  if (e.detail.eventName !== 'CreateRepository') return { kind: 'ignore', reason: `detail.eventName is ${e.detail.eventName}, not CreateRepository` };
  if (e.detail.errorCode !== undefined) return { kind: 'ignore', reason: `the call failed (detail.errorCode ${e.detail.errorCode}): no repository was created` };
  const name = e.detail.requestParameters?.repositoryName;
  if (name === undefined || !isRepositoryName(name))
    throw new InputError(`CreateRepository event: detail.requestParameters.repositoryName: must be an ECR repository name, got ${JSON.stringify(name ?? null)}`, {
      field: 'detail.requestParameters.repositoryName',
    });
  return { kind: 'apply', region: e.detail.awsRegion as Region, account: e.detail.recipientAccountId ?? e.account, repository: name };
};
