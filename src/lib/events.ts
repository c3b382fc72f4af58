/**
 * Lambda event schemas, parsed by Powertools' parser middleware (`src/lib/lambda.ts`) before the
 * handler runs; the EventBridge envelope is Powertools' `EventBridgeSchema`, narrowed here.
 *
 * The middleware runs with `safeParse: true` and the handlers read its result with `scopeOf` and
 * `classifyRepositoryCreated`. Its throwing mode cannot do what we need:
 * - its `ParseError` says only "Failed to parse schema"; `InputError` names the bad field;
 * - a CreateRepository event is sorted into apply / ignore / invalid, and "ignore" depends on the
 *   account the function runs in, known only from the Lambda context; an invalid one is an answer
 *   (`rejected`, counted in a metric), not an error, since Lambda would retry an async invocation
 *   that can never succeed. Its `errorHandler` option could answer for a schema failure, but the
 *   repository name is judged only after the account check, so `rejected` would come from two places.
 */
import type { ParsedResult, ParsedResultError } from '@aws-lambda-powertools/parser/types';
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';
import { isRegion, isRepositoryName, type Region, type RepositoryName } from './domain/types.js';
import { InputError } from './errors.js';
import { formatZodError } from './config.js';

const region = z.string().refine(isRegion, { message: 'must be an AWS region code such as eu-west-1' });
const repositoryName = z.string().refine(isRepositoryName, { message: 'must be an ECR repository name' });
const accountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit account id');

/** Options shared by the manual sweep and audit invocations. */
const scopeShape = {
  /** Restrict to these regions (default: the configured ones). */
  regions: z.array(region).min(1).optional(),
  /** Restrict to these repositories (default: all). */
  repositories: z.array(repositoryName).min(1).optional(),
};

export interface Scope {
  readonly regions?: readonly Region[] | undefined;
  readonly repositories?: readonly RepositoryName[] | undefined;
}

/** An invocation without a payload (`null`) is `{}`: everything. */
const orEmpty = (event: unknown): unknown => event ?? {};

/** The audit takes `{regions?, repositories?}`; an empty object audits everything. */
export const AuditEventSchema = z.preprocess(orEmpty, z.strictObject(scopeShape));

/** The EventBridge schedule that starts the sweep: the whole envelope, from Powertools, with our source. */
const ScheduledEventSchema = EventBridgeSchema.extend({ 'detail-type': z.literal('Scheduled Event'), source: z.literal('aws.events') });

/**
 * The sweep takes an EventBridge scheduled event ("everything") or a manual `{regions?, repositories?}`,
 * told apart by `detail-type`, so an error is about the one shape that was meant.
 */
export const SweepEventSchema = z.preprocess(
  orEmpty,
  z
    .discriminatedUnion('detail-type', [ScheduledEventSchema, z.strictObject({ 'detail-type': z.undefined().optional(), ...scopeShape })], {
      error: (issue) =>
        issue.code === 'invalid_union' ? 'must be "Scheduled Event" (an EventBridge schedule), or absent for {regions?, repositories?}' : undefined,
    })
    .transform((event): Scope => (event['detail-type'] === 'Scheduled Event' ? {} : { regions: event.regions, repositories: event.repositories })),
);

/** CloudTrail `CreateRepository` via EventBridge: Powertools' envelope with the CloudTrail `detail` we read. */
export const CreateRepositoryEventSchema = EventBridgeSchema.extend({
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
    // Checked after the account (see `classifyRepositoryCreated`): another account's name is not ours to judge.
    requestParameters: z.looseObject({ repositoryName: z.string() }).nullable().optional(),
  }),
});
export type CreateRepositoryEvent = z.output<typeof CreateRepositoryEventSchema>;

/** The parser's failure as `InputError`: every issue with its path, the first one's path as `field`. */
const inputErrorOf = (failure: ParsedResultError<unknown>, what: string): InputError => {
  // The parser keeps the schema's issues as the `ParseError`'s cause; zod's carry their code and path.
  const { cause } = failure.error;
  if (!Array.isArray(cause) || !cause.every(isZodIssue)) return new InputError(`${what}: ${failure.error.message}`, { cause: failure.error });
  const { message, field } = formatZodError(new z.ZodError(cause), what);
  return new InputError(message, { cause: failure.error, field });
};

const isZodIssue = (value: unknown): value is z.core.$ZodIssue =>
  typeof value === 'object' && value !== null && 'code' in value && 'message' in value && 'path' in value && Array.isArray(value.path);

/** The sweep's or audit's scope from the parser's result; a malformed event throws `InputError` naming the field. */
export const scopeOf = (parsed: ParsedResult<unknown, Scope>, what: string): Scope => {
  if (!parsed.success) throw inputErrorOf(parsed, what);
  return parsed.data;
};

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
  /**
   * In the organisation mode, the registry accounts whose repositories the keeper manages: their
   * events (forwarded to the keeper's bus by deploy/stackset-events.yml) are accepted as its own.
   */
  readonly registryAccounts?: readonly string[] | undefined;
}

/**
 * The account id in a Lambda function ARN (`arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`,
 * the context's `invokedFunctionArn`); `undefined` when there is none or it is not such an ARN.
 */
export const accountOfFunctionArn = (arn: string | undefined): string | undefined =>
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:(\d{12}):function:[^:]+(?::[^:]+)?$/.exec(arn ?? '')?.[1];

const invalid = (error: InputError): RepositoryCreated => ({ kind: 'invalid', reason: error.message, error });

/**
 * What to do with a parsed CloudTrail `CreateRepository` event. Events from another account than
 * `ownAccount`, failed calls (with `detail.errorCode`) and other event names are ignored with a
 * reason; a malformed event is `invalid`, naming the field.
 */
export const classifyRepositoryCreated = (parsed: ParsedResult<unknown, CreateRepositoryEvent>, options: RepositoryCreatedOptions = {}): RepositoryCreated => {
  if (!parsed.success) return invalid(inputErrorOf(parsed, 'CreateRepository event'));
  const e = parsed.data;
  // Checked first: another account's event is not ours to judge, even if we would find its repository name malformed.
  const { ownAccount } = options;
  const ours = new Set([...(ownAccount === undefined ? [] : [ownAccount]), ...(options.registryAccounts ?? [])]);
  const accounts: readonly [string, string | undefined][] = [
    ['account', e.account],
    ['detail.recipientAccountId', e.detail.recipientAccountId],
  ];
  const stranger = accounts.find(([, account]) => ownAccount !== undefined && account !== undefined && !ours.has(account));
  if (stranger !== undefined)
    return {
      kind: 'ignore',
      reason: `event from another account (${stranger[0]} ${stranger[1] ?? ''}, this function runs in ${ownAccount ?? ''}${ours.size > 1 ? ` and manages the registries ${[...ours].filter((a) => a !== ownAccount).join(', ')}` : ''}): not ours to change`,
    };
  // Forwarded events keep their source account: both fields must name the same registry.
  if (e.detail.recipientAccountId !== undefined && e.detail.recipientAccountId !== e.account)
    return { kind: 'ignore', reason: `account ${e.account} and detail.recipientAccountId ${e.detail.recipientAccountId} differ: not a repository of one registry` };
  if (e.detail.eventName !== 'CreateRepository') return { kind: 'ignore', reason: `detail.eventName is ${e.detail.eventName}, not CreateRepository` };
  if (e.detail.errorCode !== undefined) return { kind: 'ignore', reason: `the call failed (detail.errorCode ${e.detail.errorCode}): no repository was created` };
  const name = e.detail.requestParameters?.repositoryName;
  if (name === undefined || !isRepositoryName(name))
    return invalid(
      new InputError(`CreateRepository event: detail.requestParameters.repositoryName: must be an ECR repository name, got ${JSON.stringify(name ?? null)}`, {
        field: 'detail.requestParameters.repositoryName',
      }),
    );
  return { kind: 'apply', region: e.detail.awsRegion, account: e.detail.recipientAccountId ?? e.account, repository: name };
};
