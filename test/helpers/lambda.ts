/**
 * A Lambda invocation as the handler tests run one: the context fields Powertools reads, and the
 * environment a deployment sets, pointed at the emulator (`vi.stubEnv`, undone by `vi.unstubAllEnvs`).
 */
import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import type { Emulator } from '../emulator/harness.js';

/** The fields Powertools' injectLambdaContext reads; `remainingMs` is what getRemainingTimeInMillis answers. */
export const lambdaContext = (emu: Pick<Emulator, 'region' | 'accountId'>, functionName: string, options: { readonly requestId?: string; readonly remainingMs?: number } = {}): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:${emu.region}:${emu.accountId}:function:${functionName}`,
  memoryLimitInMB: '1024',
  awsRequestId: options.requestId ?? 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: '2026/11/23/[$LATEST]abcdef',
  getRemainingTimeInMillis: () => options.remainingMs ?? 300_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** What a Lambda deployment sets, pointed at the emulator, with every KEEPER_* key cleared; `keeper` sets some. */
export const stubLambdaEnv = (emu: Pick<Emulator, 'endpoint' | 'region' | 'credentials'>, keeper: Readonly<Record<string, string | undefined>> = {}): void => {
  vi.stubEnv('AWS_ENDPOINT_URL', emu.endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', emu.credentials.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', emu.credentials.secretAccessKey);
  vi.stubEnv('AWS_REGION', emu.region);
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  for (const key of ['KEEPER_DRY_RUN', 'KEEPER_CONFIG', 'KEEPER_CONFIG_FILE', 'KEEPER_REGIONS', 'KEEPER_REPORT_BUCKET']) vi.stubEnv(key, undefined);
  for (const [key, value] of Object.entries(keeper)) vi.stubEnv(key, value);
};
