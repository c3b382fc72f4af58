/**
 * One logger and one metrics instance for the Lambda entry points (Powertools for AWS Lambda).
 * The core takes a `Log` so the CLI can pass a quiet logger and tests a silent one.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** What the core needs of a logger; Powertools' `Logger` satisfies it. */
export interface Log {
  debug(message: string, ...extra: unknown[]): void;
  info(message: string, ...extra: unknown[]): void;
  warn(message: string, ...extra: unknown[]): void;
  error(message: string, ...extra: unknown[]): void;
}

/** The service logger; level from `POWERTOOLS_LOG_LEVEL` (Powertools reads it). */
export const logger = new Logger({ serviceName: 'ecr-keeper' });

/**
 * Business metrics, flushed as EMF by the `logMetrics` middleware. Its own warnings (e.g. "No
 * application metrics to publish" on an invocation that counted nothing) go through the service
 * logger, so they carry its level and JSON shape instead of a bare line on stderr.
 */
export const metrics = new Metrics({ namespace: 'EcrKeeper', serviceName: 'ecr-keeper', logger });

/** A logger that drops everything (tests, `--quiet`). */
export const silentLog: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** Adds each count as a `Count` metric; names are PascalCase nouns. */
export const addCountMetrics = (target: Pick<Metrics, 'addMetric'>, counts: Readonly<Record<string, number>>): void => {
  for (const [name, value] of Object.entries(counts)) target.addMetric(name, MetricUnit.Count, value);
};
