import { describe, expect, it } from 'vitest';
import { createClients, createRegionAdapters, DEFAULT_MAX_ATTEMPTS } from '../../../src/lib/aws/clients.js';
import { createEcrAdapter } from '../../../src/lib/aws/ecr.js';
import { AwsCallError } from '../../../src/lib/errors.js';
import { toRegion, toRepositoryName } from '../../../src/lib/domain/types.js';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
// Never contacted: the middleware below answers before any request leaves the process.
const endpoint = 'http://127.0.0.1:9';

describe('Function: createClients', () => {
  it('configures adaptive retry with the default number of attempts', async () => {
    // Act
    const clients = createClients({ region: toRegion('eu-west-1'), credentials });

    // Assess
    for (const client of [clients.ecr, clients.ecs, clients.inspector]) {
      expect(await client.config.maxAttempts()).toBe(DEFAULT_MAX_ATTEMPTS);
      const strategy = await client.config.retryStrategy();
      expect(strategy).toMatchObject({ mode: 'adaptive' });
      expect(await client.config.region()).toBe('eu-west-1');
    }
  });

  it('builds the clients of a region once when no explicit credentials are given', () => {
    // Act
    const first = createClients({ region: toRegion('eu-central-1'), endpoint });
    const second = createClients({ region: toRegion('eu-central-1'), endpoint });
    const other = createClients({ region: toRegion('eu-north-1'), endpoint });

    // Assess
    expect(second.ecr).toBe(first.ecr);
    expect(other.ecr).not.toBe(first.ecr);
  });

  it('points the clients at an explicit endpoint', async () => {
    // Act
    const clients = createClients({ region: toRegion('us-east-1'), endpoint: 'http://127.0.0.1:5000', credentials });

    // Assess
    const resolved = await clients.ecs.config.endpoint?.();
    expect(resolved?.hostname).toBe('127.0.0.1');
    expect(resolved?.port).toBe(5000);
  });

  it('retries a throttled call up to maxAttempts, then fails with AwsCallError', async () => {
    // Prepare
    const clients = createClients({ region: toRegion('us-west-2'), endpoint, credentials, maxAttempts: 2 });
    let attempts = 0;
    clients.ecr.middlewareStack.add(
      () => async () => {
        attempts += 1;
        throw Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $metadata: { httpStatusCode: 400 },
          $fault: 'client',
        });
      },
      { step: 'deserialize', name: 'throttleEveryAttempt', priority: 'high' },
    );
    const ecr = createEcrAdapter(clients.ecr, toRegion('us-west-2'));

    // Act
    const error: unknown = await ecr.getLifecyclePolicy(toRepositoryName('team/api')).catch((e: unknown) => e);

    // Assess
    expect(attempts).toBe(2);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ action: 'ecr:GetLifecyclePolicy', awsCode: 'ThrottlingException', repository: 'team/api' });
  });
});

describe('Function: createRegionAdapters', () => {
  it('returns the three adapters of the region', () => {
    // Act
    const adapters = createRegionAdapters({ region: toRegion('ap-southeast-2'), endpoint, credentials });

    // Assess
    expect(adapters.region).toBe('ap-southeast-2');
    expect(adapters.ecr.region).toBe('ap-southeast-2');
    expect(adapters.ecs.region).toBe('ap-southeast-2');
    expect(adapters.inspector.region).toBe('ap-southeast-2');
    expect(adapters.lambda.region).toBe('ap-southeast-2');
    expect(adapters.batch.region).toBe('ap-southeast-2');
  });

  it('aborts calls when the signal is aborted', async () => {
    // Prepare
    const controller = new AbortController();
    controller.abort();
    const adapters = createRegionAdapters({ region: toRegion('sa-east-1'), endpoint, credentials, maxAttempts: 1, signal: controller.signal });

    // Act
    const result = adapters.ecr.getLifecyclePolicy(toRepositoryName('team/api'));

    // Assess
    await expect(result).rejects.toMatchObject({ name: 'AwsCallError', awsCode: 'AbortError' });
  });
});
