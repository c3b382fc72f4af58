import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BATCH_READ_ACTIONS,
  ECR_READ_ACTIONS,
  ECR_PREVIEW_ACTIONS,
  ECR_WRITE_ACTIONS,
  ECS_READ_ACTIONS,
  EVENTS_READ_ACTIONS,
  INSPECTOR_COVERAGE_READ_ACTIONS,
  INSPECTOR_READ_ACTIONS,
  LAMBDA_READ_ACTIONS,
  ORGANIZATIONS_READ_ACTIONS,
  S3_HANDOFF_ACTIONS,
  S3_REPORT_ACTIONS,
  STS_ACTIONS,
  SCHEDULER_READ_ACTIONS,
  TAGGING_READ_ACTIONS,
  chunksOf,
  toAwsCallError,
} from '../../../src/lib/aws/actions.js';
import { AwsCallError, InputError } from '../../../src/lib/errors.js';
import { FUNCTION_ACTIONS } from '../../../src/lib/permissions.js';

const awsDir = join(import.meta.dirname, '../../../src/lib/aws');
const srcDir = join(import.meta.dirname, '../../../src');

/** IAM actions an adapter file sends: every `new XxxCommand(` and every `paginateXxx(`. */
const actionsSentBy = (file: string, service: string): Set<string> => {
  const source = readFileSync(join(awsDir, file), 'utf8');
  const names = [
    ...[...source.matchAll(/new\s+(\w+)Command\s*\(/g)].map((m) => m[1]),
    ...[...source.matchAll(/\bpaginate(\w+)\s*\(/g)].map((m) => m[1]),
  ];
  return new Set(names.map((name) => `${service}:${name ?? ''}`));
};

const listFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name)) : [join(dir, entry.name)],
  );

describe('Constant: adapter IAM actions', () => {
  it.each([
    ['ecr.ts', 'ecr', [...ECR_READ_ACTIONS, ...ECR_WRITE_ACTIONS]],
    ['ecs.ts', 'ecs', [...ECS_READ_ACTIONS]],
    ['inspector2.ts', 'inspector2', [...INSPECTOR_READ_ACTIONS, ...INSPECTOR_COVERAGE_READ_ACTIONS]],
    ['eventbridge.ts', 'events', [...EVENTS_READ_ACTIONS]],
    ['scheduler.ts', 'scheduler', [...SCHEDULER_READ_ACTIONS]],
    // lambda:ListTags is no command of its own: GetFunction returns the tags only when it is allowed (tested below).
    ['lambda.ts', 'lambda', LAMBDA_READ_ACTIONS.filter((a) => a !== 'lambda:ListTags')],
    ['batch.ts', 'batch', [...BATCH_READ_ACTIONS]],
    ['ecr-preview.ts', 'ecr', [...ECR_PREVIEW_ACTIONS]],
    ['tagging.ts', 'tag', [...TAGGING_READ_ACTIONS]],
    ['s3.ts', 's3', [...S3_REPORT_ACTIONS, ...S3_HANDOFF_ACTIONS]],
    ['organizations.ts', 'organizations', [...ORGANIZATIONS_READ_ACTIONS]],
    // sts:AssumeRole is sent by the SDK's fromTemporaryCredentials, not by a command of accounts.ts.
    ['accounts.ts', 'sts', STS_ACTIONS.filter((a) => a !== 'sts:AssumeRole')],
  ] as const)('%s sends exactly the actions it declares', (file, service, declared) => {
    // Act
    const sent = actionsSentBy(file, service);

    // Assess
    expect([...sent].sort()).toEqual([...new Set(declared)].sort());
  });

  it('declares no wildcard and no duplicate', () => {
    // Prepare
    const all = [
      ...[...ECR_READ_ACTIONS, ...ECR_WRITE_ACTIONS, ...ECS_READ_ACTIONS, ...INSPECTOR_READ_ACTIONS, ...LAMBDA_READ_ACTIONS, ...BATCH_READ_ACTIONS],
      ...TAGGING_READ_ACTIONS,
      ...[...INSPECTOR_COVERAGE_READ_ACTIONS, ...EVENTS_READ_ACTIONS, ...SCHEDULER_READ_ACTIONS, ...S3_REPORT_ACTIONS],
    ];

    // Assess
    expect(all.filter((a) => a.includes('*'))).toEqual([]);
    expect(new Set(all).size).toBe(all.length);
  });

  it('keeps writes apart from reads: only the three ECR writes', () => {
    // Assess
    expect([...ECR_WRITE_ACTIONS].sort()).toEqual(['ecr:BatchDeleteImage', 'ecr:PutImage', 'ecr:PutLifecyclePolicy']);
    expect(ECR_READ_ACTIONS.filter((a) => /:(Put|Delete|BatchDelete|Create|Tag|Untag)/.test(a))).toEqual([]);
  });

  it('classifies the lifecycle policy preview apart from reads and writes, and grants it to no Lambda role', () => {
    // Prepare
    const granted = Object.values(FUNCTION_ACTIONS).flat();

    // Assess
    expect([...ECR_PREVIEW_ACTIONS].sort()).toEqual(['ecr:GetLifecyclePolicyPreview', 'ecr:StartLifecyclePolicyPreview']);
    expect(ECR_PREVIEW_ACTIONS.filter((a) => (ECR_READ_ACTIONS as readonly string[]).includes(a) || (ECR_WRITE_ACTIONS as readonly string[]).includes(a))).toEqual([]);
    expect(granted.filter((a) => (ECR_PREVIEW_ACTIONS as readonly string[]).includes(a))).toEqual([]);
  });

  it('declares lambda:ListTags because lambda.ts reads the tags GetFunction returns only when it is allowed', () => {
    // Prepare
    const source = readFileSync(join(awsDir, 'lambda.ts'), 'utf8');

    // Assess
    expect(source).toMatch(/output\.Tags/);
    expect(LAMBDA_READ_ACTIONS).toContain('lambda:ListTags');
    expect(actionsSentBy('lambda.ts', 'lambda')).toContain('lambda:GetFunction');
  });

  it('declares only read actions for Lambda and Batch', () => {
    // Assess
    expect([...LAMBDA_READ_ACTIONS, ...BATCH_READ_ACTIONS].filter((a) => !/^[a-z]+:(Describe|List|Get)[A-Za-z]*$/.test(a))).toEqual([]);
  });

  it('declares only read actions for scheduled tasks and Inspector coverage', () => {
    // Assess
    expect(
      [...EVENTS_READ_ACTIONS, ...SCHEDULER_READ_ACTIONS, ...INSPECTOR_COVERAGE_READ_ACTIONS].filter((a) => !/^[a-z0-9]+:(Describe|List|Get)[A-Za-z]*$/.test(a)),
    ).toEqual([]);
  });

  it('builds SDK clients only in clients.ts', () => {
    // Prepare
    const offenders = listFiles(srcDir)
      .filter((file) => file.endsWith('.ts') && !file.endsWith(join('lib', 'aws', 'clients.ts')))
      .filter((file) => /new\s+(ECR|ECS|Inspector2|Lambda|Batch|EventBridge|Scheduler|S3)Client\s*\(/.test(readFileSync(file, 'utf8')));

    // Assess
    expect(offenders).toEqual([]);
  });
});

describe('Function: toAwsCallError', () => {
  it('names the action, repository and AWS error name, keeping the cause', () => {
    // Prepare
    const cause = Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });

    // Act
    const error = toAwsCallError(cause, 'ecr:PutImage', 'team/api');

    // Assess
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ action: 'ecr:PutImage', repository: 'team/api', awsCode: 'AccessDeniedException' });
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('User is not authorized');
  });

  it('never re-wraps an error of our own', () => {
    // Prepare
    const own = new InputError('bad detail', { field: 'imageDigest' });

    // Act
    const error = toAwsCallError(own, 'ecr:DescribeImages', 'team/api');

    // Assess
    expect(error).toBe(own);
  });

  it('leaves awsCode unset for a plain Error or a non-error value', () => {
    // Act
    const plain = toAwsCallError(new Error('boom'), 'ecs:ListTasks');
    const thrown = toAwsCallError('boom', 'ecs:ListTasks');

    // Assess
    expect((plain as AwsCallError).awsCode).toBeUndefined();
    expect((thrown as AwsCallError).awsCode).toBeUndefined();
    expect((thrown as AwsCallError).repository).toBeUndefined();
  });
});

describe('Function: chunksOf', () => {
  it('splits into consecutive chunks no larger than the limit', () => {
    // Act
    const chunks = chunksOf(Array.from({ length: 25 }, (_, i) => i), 10);

    // Assess
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 5]);
    expect(chunks.flat()).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(chunksOf([], 10)).toEqual([]);
  });
});
