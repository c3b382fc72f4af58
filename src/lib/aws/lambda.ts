/**
 * The Lambda adapter: `LambdaPort` over a real `LambdaClient`. Finds the functions packaged as
 * container images and the digest each version runs (`Code.ResolvedImageUri`, recorded at deploy).
 */
import { GetFunctionCommand, paginateListAliases, paginateListFunctions, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Region } from '../domain/types.js';
import { awsErrorName, pagesOf, toAwsCallError, type AdapterOptions } from './actions.js';
import type { LambdaAlias, LambdaPort, Tags } from './ports.js';

/** `ListFunctions` returns at most 50 functions a page. */
const MAX_FUNCTIONS_PAGE = 50;
/** `ListAliases` takes up to 10,000 a page. */
const MAX_ALIASES_PAGE = 10_000;

const isNotFound = (error: unknown): boolean => awsErrorName(error) === 'ResourceNotFoundException';

/** `arn:aws:lambda:REGION:ACCOUNT:function:NAME` has 7 parts; a qualified one has the version as an 8th. */
const qualified = (arn: string, version: string): string => (arn.startsWith('arn:') && arn.split(':').length === 7 ? `${arn}:${version}` : arn);

/** Builds the Lambda port of one region over `client`; throws `AwsCallError` naming the `lambda:` action. */
export const createLambdaAdapter = (client: LambdaClient, region: Region, options: AdapterOptions = {}): LambdaPort => {
  const send = options.signal === undefined ? {} : { abortSignal: options.signal };

  return {
    region,

    async *listImageFunctions() {
      // FunctionVersion is left unset: the listing is of unpublished ($LATEST) functions, one per function.
      const pages = paginateListFunctions({ client, pageSize: MAX_FUNCTIONS_PAGE }, {}, send);
      for await (const page of pagesOf('lambda:ListFunctions', undefined, pages)) {
        for (const fn of page.Functions ?? []) {
          if (fn.PackageType !== 'Image' || fn.FunctionName === undefined) continue;
          yield { name: fn.FunctionName, arn: fn.FunctionArn ?? fn.FunctionName };
        }
      }
    },

    async listAliases(functionName) {
      const aliases: LambdaAlias[] = [];
      try {
        const pages = paginateListAliases({ client, pageSize: MAX_ALIASES_PAGE }, { FunctionName: functionName }, send);
        for await (const page of pages) {
          for (const alias of page.Aliases ?? []) {
            if (alias.Name === undefined || alias.FunctionVersion === undefined) continue;
            // A weighted alias sends part of its traffic to a second version: both run.
            const weighted = Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {});
            aliases.push({
              name: alias.Name,
              arn: alias.AliasArn ?? `${functionName}:${alias.Name}`,
              versions: [...new Set([alias.FunctionVersion, ...weighted])],
            });
          }
        }
      } catch (error) {
        // Deleted since it was listed: a function that no longer exists runs nothing.
        if (isNotFound(error)) return [];
        throw toAwsCallError(error, 'lambda:ListAliases');
      }
      return aliases;
    },

    async getFunctionCode(functionName, qualifier) {
      try {
        const output = await client.send(new GetFunctionCommand({ FunctionName: functionName, Qualifier: qualifier }), send);
        const configuration = output.Configuration;
        const tags: Tags = { ...output.Tags };
        const version = configuration?.Version ?? qualifier;
        return {
          arn: qualified(configuration?.FunctionArn ?? `${functionName}:${qualifier}`, version),
          version,
          imageUri: output.Code?.ImageUri,
          resolvedImageUri: output.Code?.ResolvedImageUri,
          state: configuration?.State,
          tags,
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw toAwsCallError(error, 'lambda:GetFunction');
      }
    },
  };
};
