/**
 * `npm run invoke -- <function> <event.json>`: runs one Lambda function of serverless.yml locally on an
 * event file, from the TypeScript sources, as Lambda would call it (event, context), and prints what
 * it returns. With AWS_ENDPOINT_URL set (`npm run emulator`) every AWS call goes to the emulator.
 *
 * This replaces `serverless invoke local`, which cannot run these functions: osls looks for a `.js`
 * or `.cjs` handler where the esbuild plugin writes `.mjs`, resolves `!Ref ReportBucket` through a
 * deployed CloudFormation stack, and is kept alive by esbuild's service process after a failure.
 */
import { readFileSync } from 'node:fs';
import process from 'node:process';
import { pathToFileURL } from 'node:url';
import type { Context, Handler } from 'aws-lambda';

// What Lambda sets; a value already set wins (e.g. POWERTOOLS_LOG_LEVEL=DEBUG for every decision).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.POWERTOOLS_SERVICE_NAME ??= 'ecr-keeper';
process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
// No CloudWatch here to read EMF metrics from; they would only mix with the result on stdout.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

/** `name: handler path` of every function in serverless.yml (two-space function names, `handler:` below). */
const functionsOf = (serverlessYml: string): Map<string, string> => {
  const functions = new Map<string, string>();
  for (const [, name, handler] of serverlessYml.matchAll(/^ {2}([A-Za-z][\w-]*):\n(?: {4}.*\n)*? {4}handler: (\S+)$/gm))
    if (name !== undefined && handler !== undefined) functions.set(name, handler);
  return functions;
};

const fail = (message: string): never => {
  process.stderr.write(`invoke: ${message}\n`);
  process.exit(2);
};

const [name, eventPath] = process.argv.slice(2);
const functions = functionsOf(readFileSync('serverless.yml', 'utf8'));
const usage = `usage: npm run invoke -- <function> <event.json>; functions: ${[...functions.keys()].join(', ')}`;
if (name === undefined || eventPath === undefined) fail(usage);
const handlerPath = functions.get(name ?? '') ?? fail(`no function "${name}" in serverless.yml; ${usage}`);
let event: unknown;
try {
  event = JSON.parse(readFileSync(eventPath ?? '', 'utf8'));
} catch (error) {
  fail(`cannot read the event ${eventPath}: ${(error as Error).message}`);
}

// `src/handlers/audit.handler` → the `handler` export of src/handlers/audit.ts.
const dot = handlerPath.lastIndexOf('.');
const module = (await import(pathToFileURL(`${handlerPath.slice(0, dot)}.ts`).href)) as Record<string, unknown>;
const handler = module[handlerPath.slice(dot + 1)] as Handler<unknown, unknown>;
const region = process.env.AWS_REGION ?? 'us-east-1';
const started = Date.now();
const context: Context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: `ecr-keeper-${name}`,
  functionVersion: '$LATEST',
  // No account here: a local run cannot know the function's own, and the handlers accept that.
  invokedFunctionArn: '',
  memoryLimitInMB: '1024',
  awsRequestId: `local-${started}`,
  logGroupName: `/aws/lambda/ecr-keeper-${name}`,
  logStreamName: 'local',
  getRemainingTimeInMillis: () => Math.max(0, 900_000 - (Date.now() - started)),
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

try {
  const result = await handler(event, context, () => undefined);
  process.stdout.write(`${JSON.stringify(result ?? null, null, 2)}\n`);
  process.stderr.write(`invoke: ${name} on ${eventPath} in ${region}: done in ${Date.now() - started} ms\n`);
  process.exit(0);
} catch (error) {
  process.stdout.write(`${JSON.stringify({ errorType: (error as Error).name, errorMessage: (error as Error).message }, null, 2)}\n`);
  process.exit(1);
}
