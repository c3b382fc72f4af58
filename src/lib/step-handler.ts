/** The wiring the organisation state machine's step handlers share (`src/handlers/org-*.ts`). */
import type { MiddyfiedHandler } from '@middy/core';
import { z } from 'zod';
import { lambdaHandler, type Invocation } from './lambda-handler.js';
import { parseStep } from './steps-handoff.js';

/**
 * A step's Lambda handler: the event is validated by the step's own schema (`parseStep`), not by the
 * parser middleware, so that a bad field fails the state with an `InputError` naming that field.
 * `what` names the step in that error ("apply step").
 */
export const stepHandler = <S extends z.ZodType, R>(
  schema: S,
  what: string,
  env: Readonly<Record<string, string | undefined>>,
  run: (event: z.output<S>, invocation: Invocation) => Promise<R>,
): MiddyfiedHandler<unknown, R> =>
  lambdaHandler({
    schema: z.unknown(),
    env,
    handle: async (parsed, invocation) => {
      const event: unknown = parsed.success ? parsed.data : undefined;
      return run(parseStep(schema, event, what), invocation);
    },
  });
