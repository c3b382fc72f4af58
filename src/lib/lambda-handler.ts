/**
 * The wiring every Lambda handler shares, so that a handler only parses its event, calls the core
 * and shapes the result:
 * - Powertools' logger context (`injectLambdaContext`) and, when asked, EMF metrics (`logMetrics`);
 * - Powertools' parser middleware over the handler's schema, in safe-parse mode (`events.ts` says why);
 * - the settings and the core's dependencies, built on the first invocation that needs them and kept
 *   for the warm container's later ones. A bad `KEEPER_*` setting fails that invocation with a
 *   `ConfigError` naming the key, before any AWS call; an event ignored or rejected before needs none.
 */
import middy, { type MiddyfiedHandler } from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import type { InferOutput, ParsedResult } from '@aws-lambda-powertools/parser/types';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { createS3Client } from './aws/clients.js';
import type { HandOffStore, ReportStore } from './aws/ports.js';
import { createHandOffStore, createReportStore } from './aws/s3.js';
import { ConfigError } from './errors.js';
import { loadSettings, type RuntimeSettings } from './config.js';
import { logger, metrics as keeperMetrics } from './observability.js';
import { createSweepDeps } from './runtime.js';
import type { SweepDeps } from './sweep.js';

/** What a handler gets besides its parsed event. */
export interface Invocation {
  readonly context: Context;
  /** Settings from the environment, read once (throws `ConfigError` naming a bad key). */
  readonly settings: () => RuntimeSettings;
  /** The core's dependencies over real SDK clients, built once; `shouldStop` follows this invocation's remaining time. */
  readonly deps: () => SweepDeps;
  /** The report bucket (`KEEPER_REPORT_BUCKET`), built once; `undefined` when none is set. */
  readonly reportStore: () => ReportStore | undefined;
  /** The state machine's hand-off store (the report bucket); throws `ConfigError` when no bucket is set. */
  readonly handOffStore: () => HandOffStore;
}

export interface LambdaHandlerOptions<S extends z.ZodType, R> {
  /** The event schema (`events.ts`); the handler receives the parser's result, success or failure. */
  readonly schema: S;
  /** The environment the settings are read from on first use (`process.env`, passed in by the entry point). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Publish EMF metrics after each invocation; `on-with-cold-start` adds the `ColdStart` metric. */
  readonly metrics?: 'off' | 'on' | 'on-with-cold-start';
  readonly handle: (event: ParsedResult<unknown, InferOutput<S>>, invocation: Invocation) => Promise<R>;
}

/**
 * Time left at which a sweep starts no new repository: the repositories in flight finish (each write
 * sequence is safe to stop anywhere) and the rest are left for the next run, well before Lambda's
 * hard stop, which would end the run without a report.
 */
export const STOP_MARGIN_MS = 90_000;

/** Memoises a zero-argument function. */
const once = <T>(f: () => T): (() => T) => {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
};

/** A Lambda handler: the shared middleware stack around `handle`. */
export const lambdaHandler = <S extends z.ZodType, R>({ schema, env, metrics = 'off', handle }: LambdaHandlerOptions<S, R>): MiddyfiedHandler<unknown, R> => {
  const settings = once(() => loadSettings(env));
  const deps = once(() => createSweepDeps(settings().config, logger));
  const reportStore = once(() => {
    const reports = settings().reports;
    return reports === undefined ? undefined : createReportStore(createS3Client({ forcePathStyle: reports.pathStyle }), reports.bucket);
  });
  const handOffStore = once(() => {
    const reports = settings().reports;
    if (reports === undefined) throw new ConfigError('KEEPER_REPORT_BUCKET: the organisation steps hand their data over in the report bucket; set it', { field: 'KEEPER_REPORT_BUCKET' });
    return createHandOffStore(createS3Client({ forcePathStyle: reports.pathStyle }), reports.bucket);
  });
  const stack = middy<unknown, R>().use(injectLambdaContext(logger, { resetKeys: true }));
  if (metrics !== 'off') stack.use(logMetrics(keeperMetrics, { captureColdStartMetric: metrics === 'on-with-cold-start' }));
  return stack.use(parser({ schema, safeParse: true })).handler<unknown, R>((event, context) =>
    handle(event, { context, settings, reportStore, handOffStore, deps: () => ({ ...deps(), shouldStop: () => context.getRemainingTimeInMillis() < STOP_MARGIN_MS }) }),
  );
};
