import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from '@aws-lambda-powertools/parser';
import { InputError } from '../../src/lib/errors.js';
import {
  accountOfFunctionArn,
  AuditEventSchema,
  classifyRepositoryCreated,
  CreateRepositoryEventSchema,
  scopeOf,
  SweepEventSchema,
  type RepositoryCreated,
  type RepositoryCreatedOptions,
  type Scope,
} from '../../src/lib/events.js';

// What the handlers do: Powertools' parser middleware runs `parse(event, undefined, schema, true)`,
// then the handler reads the result.
const classifyRepositoryCreatedEvent = (event: unknown, options?: RepositoryCreatedOptions): RepositoryCreated =>
  classifyRepositoryCreated(parse(event, undefined, CreateRepositoryEventSchema, true), options);
/** Throws the `InputError` of an invalid event. */
const parseRepositoryCreatedEvent = (event: unknown, options?: RepositoryCreatedOptions): RepositoryCreated => {
  const created = classifyRepositoryCreatedEvent(event, options);
  if (created.kind === 'invalid') throw created.error;
  return created;
};
const parseSweepEvent = (event: unknown): Scope => scopeOf(parse(event, undefined, SweepEventSchema, true), 'sweep event');
const parseAuditEvent = (event: unknown): Scope => scopeOf(parse(event, undefined, AuditEventSchema, true), 'audit event');

const sample = (name: string): Record<string, unknown> => JSON.parse(readFileSync(`events/${name}`, 'utf8')) as Record<string, unknown>;
const detailOf = (e: Record<string, unknown>): Record<string, unknown> => e.detail as Record<string, unknown>;

describe('Function: parseRepositoryCreatedEvent', () => {
  it('reads repository, region and account from the CloudTrail sample', () => {
    // Act
    const created = parseRepositoryCreatedEvent(sample('create-repository.cloudtrail.json'));

    // Assess
    expect(created).toEqual({ kind: 'apply', region: 'us-east-1', account: '123456789012', repository: 'shop/payments' });
  });

  it('ignores a failed call, saying why', () => {
    // Act
    const created = parseRepositoryCreatedEvent(sample('create-repository.failed.json'));

    // Assess
    expect(created.kind).toBe('ignore');
    expect(created.kind === 'ignore' && created.reason).toContain('RepositoryAlreadyExistsException');
  });

  it('ignores another ECR API call', () => {
    // Prepare
    const event = sample('create-repository.cloudtrail.json');
    detailOf(event).eventName = 'DeleteRepository';

    // Act & Assess
    expect(parseRepositoryCreatedEvent(event).kind).toBe('ignore');
  });

  it.each<[string, (e: Record<string, unknown>) => void, RegExp]>([
    ['wrong source', (e) => (e.source = 'aws.ecs'), /source/],
    ['wrong detail-type', (e) => (e['detail-type'] = 'Scheduled Event'), /detail-type/],
    ['missing account', (e) => delete e.account, /account/],
    ['bad region', (e) => (detailOf(e).awsRegion = 'nowhere'), /detail\.awsRegion/],
    ['missing repository name', (e) => (detailOf(e).requestParameters = {}), /detail\.requestParameters\.repositoryName/],
    ['invalid repository name', (e) => (detailOf(e).requestParameters = { repositoryName: 'Bad Name' }), /detail\.requestParameters\.repositoryName/],
  ])('rejects an event with %s, naming the field', (_case, edit, field) => {
    // Prepare
    const event = sample('create-repository.cloudtrail.json');
    edit(event);

    // Act & Assess
    expect(() => parseRepositoryCreatedEvent(event)).toThrow(InputError);
    expect(() => parseRepositoryCreatedEvent(event)).toThrow(field);
    const classified = classifyRepositoryCreatedEvent(event);
    expect(classified.kind).toBe('invalid');
  });

  it('rejects something that is not an event at all', () => {
    expect(classifyRepositoryCreatedEvent('hello').kind).toBe('invalid');
    expect(classifyRepositoryCreatedEvent(null).kind).toBe('invalid');
  });

  it('applies an event from its own account', () => {
    // Act
    const created = parseRepositoryCreatedEvent(sample('create-repository.cloudtrail.json'), { ownAccount: '123456789012' });

    // Assess
    expect(created).toMatchObject({ kind: 'apply', account: '123456789012', repository: 'shop/payments' });
  });

  it.each<[string, (e: Record<string, unknown>) => void, string]>([
    ['account and detail.recipientAccountId', (e) => ((e.account = '210987654321'), (detailOf(e).recipientAccountId = '210987654321')), 'account'],
    ['only detail.recipientAccountId', (e) => (detailOf(e).recipientAccountId = '210987654321'), 'detail.recipientAccountId'],
    ['only account', (e) => (e.account = '210987654321'), 'account'],
  ])('ignores an event from another account (%s), naming both accounts', (_case, edit, field) => {
    // Prepare
    const event = sample('create-repository.cloudtrail.json');
    edit(event);

    // Act
    const created = classifyRepositoryCreatedEvent(event, { ownAccount: '123456789012' });

    // Assess
    expect(created.kind).toBe('ignore');
    const reason = created.kind === 'ignore' ? created.reason : '';
    expect(reason).toContain(`${field} 210987654321`);
    expect(reason).toContain('123456789012');
  });

  it('in the organisation mode, applies an event forwarded from a registry account, and ignores any other account naming the registries', () => {
    // Prepare
    const from = (account: string): Record<string, unknown> => {
      const event = sample('create-repository.cloudtrail.json');
      event.account = account;
      detailOf(event).recipientAccountId = account;
      return event;
    };
    const options = { ownAccount: '123456789012', registryAccounts: ['222222222222'] };

    // Act
    const registry = classifyRepositoryCreatedEvent(from('222222222222'), options);
    const other = classifyRepositoryCreatedEvent(from('333333333333'), options);
    const mixed = classifyRepositoryCreatedEvent({ ...from('222222222222'), account: '123456789012' }, options);

    // Assess
    expect(registry).toMatchObject({ kind: 'apply', account: '222222222222', repository: 'shop/payments' });
    expect(other.kind).toBe('ignore');
    expect(other.kind === 'ignore' ? other.reason : '').toContain('manages the registries 222222222222');
    expect(mixed.kind).toBe('ignore');
  });

  it('ignores an event from another account even when its repository name is not one ECR accepts', () => {
    // Prepare: not ours to judge
    const event = sample('create-repository.cloudtrail.json');
    event.account = '210987654321';
    detailOf(event).recipientAccountId = '210987654321';
    detailOf(event).requestParameters = { repositoryName: 'Bad Name' };

    // Act & Assess
    expect(classifyRepositoryCreatedEvent(event, { ownAccount: '123456789012' }).kind).toBe('ignore');
  });

  it('accepts any account when its own account is unknown', () => {
    // Prepare
    const event = sample('create-repository.cloudtrail.json');
    event.account = '210987654321';
    detailOf(event).recipientAccountId = '210987654321';

    // Act
    const created = parseRepositoryCreatedEvent(event, { ownAccount: undefined });

    // Assess
    expect(created).toMatchObject({ kind: 'apply', account: '210987654321' });
  });

  it('rejects a malformed detail.recipientAccountId, naming the field', () => {
    // Prepare
    const event = sample('create-repository.cloudtrail.json');
    detailOf(event).recipientAccountId = 'someone';

    // Act & Assess
    expect(() => parseRepositoryCreatedEvent(event)).toThrow(/detail\.recipientAccountId/);
  });
});

describe('Function: accountOfFunctionArn', () => {
  it.each<[string, string | undefined, string | undefined]>([
    ['a function ARN', 'arn:aws:lambda:us-east-1:123456789012:function:ecr-keeper-repository-created', '123456789012'],
    ['an alias-qualified ARN', 'arn:aws:lambda:eu-west-1:123456789012:function:ecr-keeper:live', '123456789012'],
    ['a GovCloud ARN', 'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:ecr-keeper', '123456789012'],
    ['a China ARN', 'arn:aws-cn:lambda:cn-north-1:123456789012:function:ecr-keeper', '123456789012'],
    ['no ARN', undefined, undefined],
    ['an empty ARN', '', undefined],
    ['a placeholder account', 'arn:aws:lambda:us-east-1:local:function:ecr-keeper', undefined],
    ['another service', 'arn:aws:ecr:us-east-1:123456789012:repository/shop', undefined],
  ])('reads %s', (_case, arn, account) => {
    expect(accountOfFunctionArn(arn)).toBe(account);
  });
});

describe('Function: parseSweepEvent', () => {
  it('accepts the scheduled event sample as "everything"', () => {
    expect(parseSweepEvent(sample('sweep.scheduled.json'))).toEqual({});
  });

  it('accepts a manual scope and rejects a misspelt option by name', () => {
    expect(parseSweepEvent({ regions: ['eu-west-1'], repositories: ['shop/api'] })).toEqual({ regions: ['eu-west-1'], repositories: ['shop/api'] });
    expect(() => parseSweepEvent({ region: ['eu-west-1'] })).toThrow(/region: Unrecognized key/);
    expect(() => parseSweepEvent({ repositories: ['Not Valid'] })).toThrow(/repositories\[0\]/);
  });

  it('rejects a wrong detail-type', () => {
    expect(() => parseSweepEvent({ 'detail-type': 'Something', source: 'aws.events' })).toThrow(/detail-type/);
  });
});

describe('Function: parseAuditEvent', () => {
  it('accepts the sample and an empty invoke', () => {
    expect(parseAuditEvent(sample('audit.json'))).toEqual({ regions: ['us-east-1'] });
    expect(parseAuditEvent(undefined)).toEqual({});
  });
});
