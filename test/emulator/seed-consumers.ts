/**
 * Seeding helpers for the consumers beyond ECS on the emulator: Lambda functions packaged as images
 * (with published versions and aliases) and AWS Batch job definitions. Clients point at the emulator
 * explicitly, like those of harness.ts; `lambdaRole` uses the control server because moto's
 * CreateFunction requires an existing IAM role and the project has no IAM client.
 */
import {
  BatchClient,
  RegisterJobDefinitionCommand,
  type RegisterJobDefinitionCommandInput,
} from '@aws-sdk/client-batch';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { clientConfig, type Emulator } from './harness.js';

type EmulatorTarget = Pick<Emulator, 'endpoint' | 'region' | 'credentials'>;

/** A Lambda client for the emulator. */
export const lambdaClient = (emu?: EmulatorTarget): LambdaClient => new LambdaClient(clientConfig(emu));
/** A Batch client for the emulator. */
export const batchClient = (emu?: EmulatorTarget): BatchClient => new BatchClient(clientConfig(emu));

/** The ARN of an IAM role Lambda may assume, created once through the control server (`POST /iam/role`). */
export const lambdaRole = async (control: string, roleName = 'ecr-keeper-test-function'): Promise<string> => {
  const response = await fetch(`${control}/iam/role`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ roleName }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`emulator control /iam/role answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { arn: string }).arn;
};

export interface ImageFunctionOptions {
  readonly name: string;
  /** `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG` or `…@sha256:…`; must exist in ECR. */
  readonly imageUri: string;
  readonly tags?: Readonly<Record<string, string>>;
}

/** Creates a function packaged as a container image (its `$LATEST`); returns its ARN. */
export const createImageFunction = async (lambda: LambdaClient, control: string, options: ImageFunctionOptions): Promise<string> => {
  const output = await lambda.send(
    new CreateFunctionCommand({
      FunctionName: options.name,
      PackageType: 'Image',
      Code: { ImageUri: options.imageUri },
      Role: await lambdaRole(control),
      ...(options.tags === undefined ? {} : { Tags: { ...options.tags } }),
    }),
  );
  if (output.FunctionArn === undefined) throw new Error(`CreateFunction ${options.name} returned no ARN`);
  return output.FunctionArn;
};

/** Publishes `$LATEST` as a new version; returns the version number. */
export const publishVersion = async (lambda: LambdaClient, name: string): Promise<string> => {
  const output = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
  if (output.Version === undefined) throw new Error(`PublishVersion ${name} returned no version`);
  return output.Version;
};

/** Points a new alias at `version`; returns the alias ARN. */
export const createAlias = async (lambda: LambdaClient, name: string, alias: string, version: string): Promise<string> => {
  const output = await lambda.send(new CreateAliasCommand({ FunctionName: name, Name: alias, FunctionVersion: version }));
  if (output.AliasArn === undefined) throw new Error(`CreateAlias ${name}:${alias} returned no ARN`);
  return output.AliasArn;
};

/** Deploys another image to `$LATEST` (UpdateFunctionCode). */
export const updateFunctionImage = async (lambda: LambdaClient, name: string, imageUri: string): Promise<void> => {
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ImageUri: imageUri }));
};

/** Registers a revision of a job definition; returns its ARN (with the revision). */
export const registerJobDefinition = async (batch: BatchClient, input: RegisterJobDefinitionCommandInput): Promise<string> => {
  const output = await batch.send(new RegisterJobDefinitionCommand(input));
  if (output.jobDefinitionArn === undefined) throw new Error(`RegisterJobDefinition ${input.jobDefinitionName ?? ''} returned no ARN`);
  return output.jobDefinitionArn;
};

/** `containerProperties` of a small EC2 container job running `image`. */
export const containerJob = (image: string): NonNullable<RegisterJobDefinitionCommandInput['containerProperties']> => ({
  image,
  resourceRequirements: [
    { type: 'VCPU', value: '1' },
    { type: 'MEMORY', value: '512' },
  ],
});
