/**
 * The EventBridge adapter: `EventsPort` over a real `EventBridgeClient`. Finds the ECS tasks that
 * rules start (scheduled tasks, and tasks started by an event pattern), on every event bus.
 */
import {
  ListEventBusesCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  type EventBridgeClient,
} from '@aws-sdk/client-eventbridge';
import type { Region } from '../domain/types.js';
import { AwsCallError } from '../errors.js';
import { callAws, type AdapterOptions, type AwsAction } from './actions.js';
import type { EventsPort, ScheduledEcsTask } from './ports.js';

/** ListEventBuses, ListRules and ListTargetsByRule take `Limit` 1..100. */
const MAX_PAGE = 100;
/** Rules on the default bus are the usual place for scheduled tasks; it always exists. */
const DEFAULT_BUS = 'default';

/**
 * Every page of one EventBridge list call. The EventBridge SDK has no paginators, so the
 * `NextToken` loop is written once here.
 */
async function* pagesOf<T extends { NextToken?: string | undefined }>(
  action: AwsAction,
  fetchPage: (nextToken: string | undefined) => Promise<T>,
): AsyncGenerator<T> {
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await callAws(action, undefined, () => fetchPage(token));
    yield page;
    nextToken = page.NextToken;
  } while (nextToken !== undefined && nextToken !== '');
}

/** Re-yields `pages`; a rule deleted between ListRules and ListTargetsByRule starts nothing and ends them quietly. */
async function* skipDeleted<T>(pages: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    for await (const page of pages) yield page;
  } catch (error) {
    if (error instanceof AwsCallError && error.awsCode === 'ResourceNotFoundException') return;
    throw error;
  }
}

/** Builds the EventBridge port of one region over `client`; throws `AwsCallError` naming the failed action. */
export const createEventsAdapter = (client: EventBridgeClient, region: Region, options: AdapterOptions = {}): EventsPort => {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };

  const eventBuses = async (): Promise<string[]> => {
    const names = new Set<string>([DEFAULT_BUS]);
    const pages = pagesOf('events:ListEventBuses', (NextToken) => client.send(new ListEventBusesCommand({ Limit: MAX_PAGE, NextToken }), send));
    for await (const page of pages) for (const bus of page.EventBuses ?? []) if (bus.Name !== undefined) names.add(bus.Name);
    return [...names];
  };

  return {
    region,

    async *ecsTaskTargets() {
      for (const bus of await eventBuses()) {
        const rules = pagesOf('events:ListRules', (NextToken) =>
          client.send(new ListRulesCommand({ EventBusName: bus, Limit: MAX_PAGE, NextToken }), send),
        );
        for await (const rulePage of rules) {
          for (const rule of rulePage.Rules ?? []) {
            if (rule.Name === undefined) continue;
            const name = rule.Name;
            const targets = pagesOf('events:ListTargetsByRule', (NextToken) =>
              client.send(new ListTargetsByRuleCommand({ Rule: name, EventBusName: bus, Limit: MAX_PAGE, NextToken }), send),
            );
            for await (const targetPage of skipDeleted(targets)) {
              for (const target of targetPage.Targets ?? []) {
                const taskDefinition = target.EcsParameters?.TaskDefinitionArn;
                if (taskDefinition === undefined || taskDefinition === '') continue;
                const task: ScheduledEcsTask = {
                  arn: rule.Arn ?? name,
                  group: bus,
                  name,
                  state: rule.State,
                  clusterArn: target.Arn,
                  taskDefinition,
                };
                yield task;
              }
            }
          }
        }
      }
    },
  };
};
