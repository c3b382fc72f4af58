/**
 * Counts the AWS operations a client sends, by `Service:Operation` (retries not counted twice).
 * Used by the demo to print a sweep's calls and by the emulator tests to prove
 * "a second sweep makes zero write calls" at the wire, not only at the port.
 * Test and demo code only: nothing in src/ counts calls.
 */
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

/** Operation name → number of calls. */
export type CallCounts = Map<string, number>;

/** Adds a counting middleware to `client`; returns `counts` for chaining. */
export const countCommands = <I extends object, O extends MetadataBearer>(
  client: { readonly middlewareStack: MiddlewareStack<I, O> },
  counts: CallCounts = new Map(),
): CallCounts => {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const service = (context.clientName ?? 'Client').replace(/Client$/, '');
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const key = `${service}:${operation}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'ecrKeeperCountCommands', override: true },
  );
  return counts;
};

/** Operations that change ECR (the only writes ecr-keeper may make). */
export const ECR_WRITE_OPERATIONS = ['ECR:PutImage', 'ECR:PutLifecyclePolicy', 'ECR:BatchDeleteImage'] as const;

/** Sum of the counted write operations. */
export const writeCallsIn = (counts: CallCounts): number => ECR_WRITE_OPERATIONS.reduce((n, op) => n + (counts.get(op) ?? 0), 0);
