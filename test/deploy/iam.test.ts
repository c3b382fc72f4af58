import { beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { FUNCTION_ACTIONS } from '../../src/lib/permissions.js';

// Reads the CloudFormation that `serverless package` generates (offline, no credentials).
// CI packages before the tests; a local `npm test` packages here if the template is missing or stale.
const TEMPLATE = '.serverless/cloudformation-template-update-stack.json';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: unknown;
}
type Template = { Resources: Record<string, Resource> };

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
  const stale = !existsSync(TEMPLATE) || statSync(TEMPLATE).mtimeMs < statSync('serverless.yml').mtimeMs;
  if (stale) execFileSync('npx', ['serverless', 'package'], { stdio: 'inherit', env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' } });
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

  it('gives the audit role no action that writes', () => {
    // Act
    const granted = actionsOf(roleOf(functionResource('audit')));
    const writes = granted.filter((a) => !/^[a-z0-9]+:(Describe|List|Get)[A-Za-z]*$/.test(a) && !a.startsWith('logs:'));

    // Assess
    expect(writes).toEqual([]);
    expect(granted).not.toContain('ecr:BatchGetImage');
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
    expect(groups.length).toBe(3);
    for (const g of groups) expect(g.Properties?.RetentionInDays).toBe(30);
  });
});
