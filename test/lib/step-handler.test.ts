/**
 * The organisation steps' handler wiring: the step's own schema validates the event, so a bad field
 * fails the state with an `InputError` naming it, before the step runs.
 */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/lib/errors.js';
import { stepHandler } from '../../src/lib/step-handler.js';
import { DiscoverEventSchema } from '../../src/lib/steps-handoff.js';
import { lambdaContext } from '../helpers/lambda.js';

const context = lambdaContext({ region: 'us-east-1', accountId: '123456789012' }, 'ecr-keeper-org-discover');

const discoverHandler = () => {
  const seen: unknown[] = [];
  const handler = stepHandler(DiscoverEventSchema, 'discover step', {}, async (event) => {
    seen.push(event);
    return { account: event.account };
  });
  return { handler, seen };
};

describe('Function: stepHandler', () => {
  it('runs the step with the event as its schema parses it', async () => {
    // Arrange
    const { handler, seen } = discoverHandler();
    const event = { runId: 'run-1', round: 'first', account: '210987654321', region: 'eu-west-1' };

    // Act
    const result = await handler(event, context);

    // Assess
    expect(result).toEqual({ account: '210987654321' });
    expect(seen).toEqual([event]);
  });

  it('fails with an InputError naming the bad field, and never runs the step', async () => {
    // Arrange
    const { handler, seen } = discoverHandler();

    // Act
    const run = handler({ runId: 'run-1', round: 'first', account: 'not-an-account', region: 'eu-west-1' }, context);

    // Assess
    await expect(run).rejects.toBeInstanceOf(InputError);
    await expect(run).rejects.toMatchObject({ field: 'account' });
    expect(seen).toEqual([]);
  });
});
