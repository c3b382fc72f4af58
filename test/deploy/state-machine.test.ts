/**
 * The organisation state machine (deploy/state-machine.asl.json) as CloudFormation deploys it: the
 * definition validates as Amazon States Language, every Lambda it names is a function of the package,
 * its fan-out is bounded, and a failed item is caught as data rather than aborting the run.
 * moto cannot run a Distributed Map with Lambda tasks, so the steps are tested as handlers elsewhere.
 */
import { readFileSync } from 'node:fs';
import validate from 'asl-validator';
import { JSONPath } from 'jsonpath-plus';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTION_ACTIONS } from '../../src/lib/permissions.js';
import { ensurePackaged } from './package.js';

const DEFINITION = 'deploy/state-machine.asl.json';
const TEMPLATE = '.serverless/cloudformation-template-update-stack.json';

interface State {
  readonly Type: string;
  readonly Resource?: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next: string; readonly And?: readonly Condition[] }[];
  readonly End?: boolean;
  readonly MaxConcurrency?: number;
  readonly ToleratedFailurePercentage?: number;
  readonly ItemProcessor?: { readonly ProcessorConfig?: { readonly Mode?: string }; readonly StartAt: string; readonly States: Record<string, State> };
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[]; readonly Next: string; readonly ResultPath?: string }[];
  readonly Parameters?: Record<string, unknown>;
}
interface Condition {
  readonly Variable: string;
  readonly StringEquals?: string;
  readonly BooleanEquals?: boolean;
  readonly IsPresent?: boolean;
}
interface Definition {
  readonly StartAt: string;
  readonly States: Record<string, State>;
}
interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

const definitionText = readFileSync(DEFINITION, 'utf8');
const definition = JSON.parse(definitionText) as Definition;

/** Every state, nested ones too, with the Map it runs in (if any). */
const allStates = (states: Record<string, State>, map?: string): { name: string; state: State; map?: string | undefined }[] =>
  Object.entries(states).flatMap(([name, state]) => [{ name, state, map }, ...(state.ItemProcessor ? allStates(state.ItemProcessor.States, name) : [])]);

let resources: Record<string, Resource>;
let machine: Resource;

beforeAll(() => {
  ensurePackaged();
  resources = (JSON.parse(readFileSync(TEMPLATE, 'utf8')) as { Resources: Record<string, Resource> }).Resources;
  const found = Object.values(resources).find((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  if (found === undefined) throw new Error('no state machine in the package');
  machine = found;
}, 300_000);

describe('State machine: definition', () => {
  it('validates as Amazon States Language, as written and with its substitutions made', () => {
    // Prepare: what CloudFormation sends once DefinitionSubstitutions are applied
    const substituted = definitionText.replace(/\$\{(\w+)\}/g, (_, name: string) => `arn:aws:lambda:us-east-1:123456789012:function:ecr-keeper-prod-${name}`);

    // Act
    const asWritten = validate(JSON.parse(definitionText));
    const deployed = validate(JSON.parse(substituted));

    // Assess
    expect(asWritten.errors).toEqual([]);
    expect(deployed.errors).toEqual([]);
    expect(deployed.isValid).toBe(true);
  });

  it('is the definition the package deploys', () => {
    expect(machine.Properties?.Definition).toEqual(definition);
  });

  it('invokes only functions of the package, each through a substitution', () => {
    // Prepare
    const substitutions = machine.Properties?.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;
    const tasks = allStates(definition.States).filter((s) => s.state.Type === 'Task');

    // Act
    const referenced = new Set(tasks.map((t) => /^\$\{(\w+)\}$/.exec(t.state.Resource ?? '')?.[1]));
    const functions = Object.values(substitutions).map((s) => s['Fn::GetAtt'][0]);

    // Assess
    expect(tasks.length).toBeGreaterThanOrEqual(5);
    expect([...referenced].sort()).toEqual(Object.keys(substitutions).sort());
    for (const logical of functions) expect(resources[logical]?.Type).toBe('AWS::Lambda::Function');
    // Every step of the state machine is a function whose role the IAM test checks.
    expect(functions.sort()).toEqual(
      ['orgTargets', 'discoverConsumers', 'mergeInUse', 'applyRegistryBatch', 'orgSummary'].map((f) => `${f.charAt(0).toUpperCase()}${f.slice(1)}LambdaFunction`).sort(),
    );
    expect(Object.keys(FUNCTION_ACTIONS)).toEqual(expect.arrayContaining(['orgTargets', 'discoverConsumers', 'mergeInUse', 'applyRegistryBatch', 'orgSummary']));
  });

  it('fans out on Distributed Maps with bounded concurrency', () => {
    // Act
    const maps = allStates(definition.States).filter((s) => s.state.Type === 'Map');

    // Assess
    expect(maps.map((m) => m.name)).toEqual(['DiscoverFirst', 'ApplyProtect', 'DiscoverRecheck', 'ApplyRelease']);
    for (const { state } of maps) {
      expect(state.ItemProcessor?.ProcessorConfig?.Mode).toBe('DISTRIBUTED');
      expect(state.MaxConcurrency).toBeGreaterThanOrEqual(1);
      expect(state.MaxConcurrency).toBeLessThanOrEqual(10);
    }
  });

  it('tolerates and captures a failed map item instead of aborting the run', () => {
    // Act
    const maps = allStates(definition.States).filter((s) => s.state.Type === 'Map');
    const itemTasks = allStates(definition.States).filter((s) => s.map !== undefined && s.state.Type === 'Task');

    // Assess
    for (const { state } of maps) expect(state.ToleratedFailurePercentage).toBe(100);
    expect(itemTasks.length).toBe(maps.length);
    for (const { state, map } of itemTasks) {
      const handler = state.Catch?.find((c) => c.ErrorEquals.includes('States.ALL'));
      const caught = handler === undefined ? undefined : definition.States[map ?? '']?.ItemProcessor?.States[handler.Next];
      // The caught item is a result of its own: the error kept as a failure, nothing dropped.
      expect(caught?.Type).toBe('Pass');
      expect(caught?.End).toBe(true);
      expect(caught?.Parameters?.['failures.$']).toBe(`States.Array(${handler?.ResultPath ?? ''})`);
    }
  });

  /** The states from StartAt, taking a Choice's first choice (`release`) or its default. */
  const pathOf = (take: 'release' | 'default'): string[] => {
    const path: string[] = [];
    for (let name: string | undefined = definition.StartAt; name !== undefined; ) {
      path.push(name);
      const state: State | undefined = definition.States[name];
      name = state?.Type === 'Choice' ? (take === 'release' ? state.Choices?.[0]?.Next : state.Default) : state?.Next;
    }
    return path;
  };

  it('reads every consumer again before the release pass', () => {
    // Act
    const path = pathOf('release');

    // Assess
    expect(path).toEqual(['ListTargets', 'DiscoverFirst', 'MergeFirst', 'ApplyProtect', 'HeldForRecheck', 'ReleaseNeeded', 'DiscoverRecheck', 'MergeRecheck', 'ApplyRelease', 'SummaryOfBothPasses', 'Summarise']);
  });

  it('releases only in apply mode after a complete first read, when a batch held writes back; otherwise it goes from protection to the summary', () => {
    // Act
    const choice = definition.States['ReleaseNeeded'];

    // Assess
    expect(choice?.Choices?.[0]?.And).toEqual([
      { Variable: '$.targets.mode', StringEquals: 'apply' },
      { Variable: '$.first.complete', BooleanEquals: true },
      { Variable: '$.held.batches[0]', IsPresent: true },
    ]);
    expect(pathOf('default')).toEqual(['ListTargets', 'DiscoverFirst', 'MergeFirst', 'ApplyProtect', 'HeldForRecheck', 'ReleaseNeeded', 'SummaryOfProtectOnly', 'Summarise']);
  });

  /** The state after ApplyProtect, through HeldForRecheck (its path evaluated as JSONPath) and the Choice. */
  const afterProtect = (input: Record<string, unknown>): { readonly next: string | undefined; readonly released: unknown } => {
    const held = definition.States['HeldForRecheck'];
    const path = held?.Parameters?.['batches.$'] as string;
    const state = { ...input, held: { batches: JSONPath({ path, json: input, wrap: true }) as unknown[] } };
    const holds = (c: Condition): boolean => {
      const found = JSONPath({ path: c.Variable, json: state, wrap: true }) as unknown[];
      if (c.IsPresent !== undefined) return (found.length > 0) === c.IsPresent;
      if (c.StringEquals !== undefined) return found[0] === c.StringEquals;
      return found[0] === c.BooleanEquals;
    };
    const choice = definition.States['ReleaseNeeded'];
    const taken = choice?.Choices?.find((c) => (c.And ?? []).every(holds));
    const items = (definition.States['ApplyRelease'] as State & { ItemsPath: string }).ItemsPath;
    return { next: taken?.Next ?? choice?.Default, released: JSONPath({ path: items, json: state, wrap: false }) as unknown };
  };

  it('re-checks and releases only the batches that held writes back, and skips both when none did', () => {
    // Prepare
    const batch = (index: number, heldForRecheck: number): Record<string, unknown> => ({ batch: { key: `b${index}` }, index, heldForRecheck, failures: [] });
    const base = { targets: { mode: 'apply' }, first: { complete: true } };

    // Act
    const some = afterProtect({ ...base, protect: [batch(0, 0), batch(1, 3), batch(2, 0), batch(3, 1)] });
    const none = afterProtect({ ...base, protect: [batch(0, 0), batch(1, 0)] });
    const incomplete = afterProtect({ ...base, first: { complete: false }, protect: [batch(0, 2)] });
    const dryRun = afterProtect({ ...base, targets: { mode: 'dry-run' }, protect: [batch(0, 2)] });

    // Assess
    expect(some.next).toBe('DiscoverRecheck');
    expect(some.released).toEqual([batch(1, 3), batch(3, 1)]);
    expect(none.next).toBe('SummaryOfProtectOnly');
    expect(incomplete.next).toBe('SummaryOfProtectOnly');
    expect(dryRun.next).toBe('SummaryOfProtectOnly');
  });
});

describe('State machine: deployment', () => {
  it('lets its role invoke exactly the five steps, run its own child executions and read map items under runs/, with no wildcard action', () => {
    // Prepare
    const roleName = (machine.Properties?.RoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = ((resources[roleName]?.Properties?.Policies ?? []) as { PolicyDocument: { Statement: { Action: string[]; Resource: unknown }[] } }[]).flatMap(
      (p) => p.PolicyDocument.Statement,
    );

    // Act
    const actions = statements.flatMap((s) => s.Action);
    const invoked = statements.filter((s) => s.Action.includes('lambda:InvokeFunction')).flatMap((s) => s.Resource as { 'Fn::GetAtt': [string, string] }[]);

    // Assess
    expect(actions.sort()).toEqual(['lambda:InvokeFunction', 's3:GetObject', 'states:DescribeExecution', 'states:StartExecution', 'states:StopExecution']);
    // The maps' ItemReader reads the targets step's files; nothing else of the bucket.
    expect(statements.find((s) => s.Action.includes('s3:GetObject'))?.Resource).toEqual({ 'Fn::Sub': '${ReportBucket.Arn}/runs/*' });
    expect(invoked.map((r) => r['Fn::GetAtt'][0]).sort()).toEqual(
      Object.values(machine.Properties?.DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>).map((s) => s['Fn::GetAtt'][0]).sort(),
    );
  });

  it('is started by its own schedule, which the orchestrator param switches with the sweep function\'s', () => {
    // Act
    const rules = Object.values(resources).filter((r) => r.Type === 'AWS::Events::Rule' && r.Properties?.ScheduleExpression !== undefined);
    const states = rules.map((r) => r.Properties?.State);
    const machineRule = rules.find((r) => (r.Properties?.Targets as { Arn: unknown }[] | undefined)?.some((t) => JSON.stringify(t.Arn).includes('OrgSweepStateMachine')));

    // Assess: by default the single sweep function runs, and the state machine's rule is off
    expect(rules).toHaveLength(2);
    expect(states).toEqual(expect.arrayContaining([{ 'Fn::If': ['ScheduleStateMachine', 'DISABLED', 'ENABLED'] }, { 'Fn::If': ['ScheduleStateMachine', 'ENABLED', 'DISABLED'] }]));
    expect(machineRule?.Properties?.State).toEqual({ 'Fn::If': ['ScheduleStateMachine', 'ENABLED', 'DISABLED'] });
  });
});
