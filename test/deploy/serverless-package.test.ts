import { beforeAll, describe, expect, it, vi } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ECR_WRITE_ACTIONS, ECS_READ_ACTIONS, BATCH_READ_ACTIONS, EVENTS_READ_ACTIONS, INSPECTOR_COVERAGE_READ_ACTIONS, INSPECTOR_READ_ACTIONS, LAMBDA_READ_ACTIONS, SCHEDULER_READ_ACTIONS, ECR_READ_ACTIONS, TAGGING_READ_ACTIONS } from '../../src/lib/aws/actions.js';
import { FUNCTION_ACTIONS, ROLE_ACTIONS } from '../../src/lib/permissions.js';
import { ensurePackaged } from './package.js';

// Reads what `serverless package` generates (offline, no credentials): the CloudFormation and the
// bundles. One file, so a local run packages at most once (CI packages before the tests).
const TEMPLATE = '.serverless/cloudformation-template-update-stack.json';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
interface Resource {
  Type: string;
  Condition?: string;
  Properties?: Record<string, unknown>;
  DependsOn?: unknown;
}
type Template = { Resources: Record<string, Resource>; Conditions?: Record<string, unknown> };

let template: Template;

const actionsOf = (role: Resource): string[] => {
  const policies = (role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
};

const functionResource = (name: string): Resource => {
  const logical = `${name.charAt(0).toUpperCase()}${name.slice(1)}LambdaFunction`;
  const resource = template.Resources[logical];
  if (resource === undefined) throw new Error(`no ${logical} in the template`);
  return resource;
};

const roleOf = (fn: Resource): Resource => {
  const ref = fn.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const logical = ref?.['Fn::GetAtt']?.[0];
  const role = logical === undefined ? undefined : template.Resources[logical];
  if (role === undefined) throw new Error('function has no role of its own');
  return role;
};

beforeAll(() => {
  ensurePackaged();
  template = JSON.parse(readFileSync(TEMPLATE, 'utf8')) as Template;
}, 300_000);

describe('Packaged CloudFormation: IAM', () => {
  it('has no wildcard in any action of any role', () => {
    // Act
    const roles = Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role');
    const actions = roles.flatMap(actionsOf);

    // Assess
    expect(roles.length).toBeGreaterThanOrEqual(3);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it.each(Object.entries(FUNCTION_ACTIONS))('grants %s exactly the AWS actions its adapters declare', (name, declared) => {
    // Act
    const granted = actionsOf(roleOf(functionResource(name))).filter((a) => !a.startsWith('logs:'));

    // Assess
    expect([...granted].sort()).toEqual([...declared].sort());
  });

  it('gives the audit role no action that writes, but its own report to the report bucket', () => {
    // Act
    const role = roleOf(functionResource('audit'));
    const granted = actionsOf(role);
    const writes = granted.filter((a) => !/^[a-z0-9]+:(Describe|List|Get)[A-Za-z]*$/.test(a) && !a.startsWith('logs:'));
    const statements = ((role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
    const reportWrite = statements.find((s) => s.Action === 's3:PutObject' || (Array.isArray(s.Action) && s.Action.includes('s3:PutObject')));

    const assume = statements.find((s) => s.Action === 'sts:AssumeRole' || (Array.isArray(s.Action) && s.Action.includes('sts:AssumeRole')));

    // Assess: besides its report, it may only enter the StackSet's read-only roles (organisation mode), never the registry role
    expect(writes).toEqual(['s3:PutObject', 'sts:AssumeRole']);
    expect(reportWrite?.Resource).toEqual({ 'Fn::Sub': '${ReportBucket.Arn}/reports/*' });
    expect(granted).not.toContain('ecr:BatchGetImage');
    expect(JSON.stringify(assume?.Resource)).toContain('EcrKeeperConsumerRole');
    expect(JSON.stringify(assume?.Resource)).toContain('EcrKeeperAuditRole');
    expect(JSON.stringify(assume?.Resource)).not.toContain('EcrKeeperRegistryRole');
  });

  it('creates the report bucket private, encrypted, owner-enforced, TLS-only and expiring reports', () => {
    // Act
    const bucket = template.Resources.ReportBucket;
    const policy = template.Resources.ReportBucketPolicy;
    const rules = (bucket?.Properties?.LifecycleConfiguration as { Rules: { Prefix?: string; ExpirationInDays?: number; Status: string }[] }).Rules;

    // Assess
    expect(bucket?.Type).toBe('AWS::S3::Bucket');
    expect(bucket?.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: 'reports/', ExpirationInDays: 90, Status: 'Enabled' }));
    expect(policy?.Properties?.PolicyDocument).toMatchObject({
      Statement: [expect.objectContaining({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })],
    });
  });
});

// The StackSet template of the organisation mode, read from its source: it is deployed as it is.
const STACKSET = 'deploy/stackset-roles.yml';
const stackSet = parseYaml(readFileSync(STACKSET, 'utf8')) as Template;
const stackSetRole = (logical: string): Resource => {
  const role = stackSet.Resources[logical];
  if (role?.Type !== 'AWS::IAM::Role') throw new Error(`no role ${logical} in ${STACKSET}`);
  return role;
};
/** Actions that only read, by the adapters' own declarations (src/lib/aws/actions.ts). */
const DECLARED_READS = new Set<string>([
  ...ECR_READ_ACTIONS, ...ECS_READ_ACTIONS, ...INSPECTOR_READ_ACTIONS, ...INSPECTOR_COVERAGE_READ_ACTIONS,
  ...EVENTS_READ_ACTIONS, ...SCHEDULER_READ_ACTIONS, ...LAMBDA_READ_ACTIONS, ...BATCH_READ_ACTIONS, ...TAGGING_READ_ACTIONS,
]);

describe('StackSet template: IAM', () => {
  it('has no wildcard in any action of any role', () => {
    // Act
    const roles = Object.values(stackSet.Resources).filter((r) => r.Type === 'AWS::IAM::Role');
    const actions = roles.flatMap(actionsOf);

    // Assess
    expect(roles.length).toBe(3);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it.each([
    ['ConsumerRole', ROLE_ACTIONS.consumer],
    ['RegistryRole', ROLE_ACTIONS.registry],
    ['AuditRole', ROLE_ACTIONS.audit],
  ])('grants %s exactly the actions the code declares for it', (logical, declared) => {
    // Act
    const granted = actionsOf(stackSetRole(logical));

    // Assess
    expect([...granted].sort()).toEqual([...new Set(declared)].sort());
  });

  it.each(['ConsumerRole', 'AuditRole'])('gives the %s only actions the adapters declare as reads, and no pull', (logical) => {
    // Act
    const granted = actionsOf(stackSetRole(logical));

    // Assess
    expect(granted.filter((a) => !DECLARED_READS.has(a))).toEqual([]);
    expect(granted.filter((a) => (ECR_WRITE_ACTIONS as readonly string[]).includes(a))).toEqual([]);
    expect(granted.filter((a) => !/^[a-z0-9]+:(Describe|List|Get)[A-Za-z]*$/.test(a))).toEqual([]);
    expect(granted).not.toContain('ecr:BatchGetImage');
  });

  it.each(['ConsumerRole', 'RegistryRole', 'AuditRole'])('lets only the keeper account\'s roles assume %s, with the external ID when one is set', (logical) => {
    // Act
    const trust = stackSetRole(logical).Properties?.AssumeRolePolicyDocument as { Statement: Record<string, unknown>[] };
    const [statement] = trust.Statement;

    // Assess
    expect(trust.Statement).toHaveLength(1);
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${KeeperAccountId}:root' } },
      Condition: {
        ArnLike: { 'aws:PrincipalArn': { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${KeeperAccountId}:role/${KeeperRoleNamePattern}' } },
        StringEquals: { 'Fn::If': ['HasExternalId', { 'sts:ExternalId': { Ref: 'ExternalId' } }, { Ref: 'AWS::NoValue' }] },
      },
    });
  });

  it('scopes the registry role\'s repository actions to its own account\'s repositories', () => {
    // Act
    const statements = ((stackSetRole('RegistryRole').Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);
    const unscoped = statements.filter((s) => s.Resource === '*').flatMap((s) => s.Action);

    // Assess: only the listings (repositories, and their tags in bulk) need '*'
    expect(unscoped).toEqual(['ecr:DescribeRepositories', 'tag:GetResources']);
  });
});

// The organisation's CreateRepository forwarding, deployed to every registry account and region.
const EVENTS_STACKSET = 'deploy/stackset-events.yml';
const eventsStackSet = parseYaml(readFileSync(EVENTS_STACKSET, 'utf8'), { logLevel: 'error' }) as Template;

describe('StackSet template: CreateRepository forwarding', () => {
  it('forwards exactly the events the keeper\'s repositoryCreated function takes, to the keeper\'s bus', () => {
    // Act
    const rules = Object.values(eventsStackSet.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    const keeperRule = Object.values(template.Resources).find((r) => r.Type === 'AWS::Events::Rule' && r.Properties?.EventPattern !== undefined);

    // Assess
    expect(rules).toHaveLength(1);
    expect(rules[0]?.Properties?.EventPattern).toEqual(keeperRule?.Properties?.EventPattern);
    expect(rules[0]?.Properties?.Targets).toEqual([expect.objectContaining({ Arn: 'KeeperEventBusArn', RoleArn: 'ForwardRole.Arn' })]);
  });

  it('lets its role put events on the keeper\'s bus and do nothing else', () => {
    // Act
    const roles = Object.values(eventsStackSet.Resources).filter((r) => r.Type === 'AWS::IAM::Role');
    const statements = (roles[0]?.Properties?.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap((p) => p.PolicyDocument.Statement);

    // Assess
    expect(roles).toHaveLength(1);
    expect(roles[0]?.Properties?.AssumeRolePolicyDocument).toMatchObject({ Statement: [{ Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    expect(statements).toEqual([expect.objectContaining({ Effect: 'Allow', Action: ['events:PutEvents'], Resource: 'KeeperEventBusArn' })]);
  });

  it('opens the keeper\'s default bus to the organisation only when its id is given', () => {
    // Act
    const policy = template.Resources['OrganisationEventsPolicy'];

    // Assess
    expect(policy?.Condition).toBe('ForwardedEvents');
    expect(template.Conditions?.['ForwardedEvents']).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
    expect(policy?.Properties?.['Statement']).toMatchObject({ Action: 'events:PutEvents', Condition: { StringEquals: { 'aws:PrincipalOrgID': '' } } });
  });
});

describe('Packaged CloudFormation: functions', () => {
  it('runs on nodejs22.x with the sweep limited to one at a time', () => {
    expect(functionResource('sweep').Properties?.Runtime).toBe('nodejs22.x');
    expect(functionResource('sweep').Properties?.ReservedConcurrentExecutions).toBe(1);
    expect(functionResource('audit').Properties?.Runtime).toBe('nodejs22.x');
  });

  it('schedules the sweep hourly and routes CloudTrail CreateRepository to its function', () => {
    // Act
    const rules = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    const schedules = rules.map((r) => r.Properties?.ScheduleExpression).filter(Boolean);
    const patterns = rules.map((r) => r.Properties?.EventPattern).filter(Boolean) as { source: string[]; detail: { eventName: string[] } }[];

    // Assess
    expect(schedules).toContain('rate(1 hour)');
    expect(patterns).toEqual([expect.objectContaining({ source: ['aws.ecr'], detail: expect.objectContaining({ eventName: ['CreateRepository'] }) })]);
  });

  it('keeps logs for a bounded time', () => {
    const groups = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
    expect(groups.length).toBe(Object.keys(FUNCTION_ACTIONS).length);
    for (const g of groups) expect(g.Properties?.RetentionInDays).toBe(30);
  });
});

// Loads the packaged artifact itself (what Lambda would run), not the sources: catches bundling
// mistakes such as a missing dependency or CommonJS `require` inside the ESM bundle.
const ARTIFACT = '.serverless/repositoryCreated.zip';
type Handler = (event: unknown, context: object) => Promise<{ status: string; reason: string }>;
let handler: Handler;

const context = {
  functionName: 'ecr-keeper-prod-repositoryCreated',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ecr-keeper-prod-repositoryCreated',
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  getRemainingTimeInMillis: () => 60_000,
};
const sample = (name: string): Record<string, unknown> => JSON.parse(readFileSync(`events/${name}`, 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ecr-keeper-bundle-'));
  execFileSync('unzip', ['-q', ARTIFACT, '-d', dir]);
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  const module = (await import(pathToFileURL(join(dir, 'src/handlers/repository-created.mjs')).href)) as { handler: Handler };
  handler = module.handler;
}, 300_000);

describe('Packaged bundle: repositoryCreated', () => {
  it('loads as ES module and ignores a failed CreateRepository call without touching AWS', async () => {
    // Act
    const result = await handler(sample('create-repository.failed.json'), context);

    // Assess
    expect(result).toEqual({ status: 'ignored', reason: expect.stringContaining('RepositoryAlreadyExistsException') });
  });

  it('rejects a malformed event, naming the field', async () => {
    // Prepare
    const event = sample('create-repository.cloudtrail.json');
    (event.detail as Record<string, unknown>).requestParameters = { repositoryName: 'Not A Repo' };

    // Act
    const result = await handler(event, context);

    // Assess
    expect(result.status).toBe('rejected');
    expect(result.reason).toContain('detail.requestParameters.repositoryName');
  });
});
