/**
 * Lambda functions packaged as container images: `$LATEST` and every version an alias points to
 * (both versions of a weighted alias). A version runs the digest Lambda resolved when it was deployed
 * (`Code.ResolvedImageUri`) until the next deploy, whatever its tag points at now, so that digest is
 * the reference's `imageDigest`. A function that cannot be read makes the in-use set incomplete.
 */
import pLimit from 'p-limit';
import type { LambdaFunctionCode, LambdaImageFunction, LambdaPort } from '../aws/ports.js';
import type { KeeperConfig } from '../config.js';
import { isDigest, type Digest, type Region } from '../domain/types.js';
import { resolveEnvironment } from '../environment.js';
import type { ScopedFailure, WorkloadReference } from '../inuse.js';
import type { InUseSource, SourceResult } from './types.js';

/** Functions read at a time: each costs two to a few Lambda control-plane calls. */
const FUNCTIONS_AT_A_TIME = 4;
const LATEST = '$LATEST';

const DIGEST_SUFFIX = /@(sha256:[0-9a-f]{64})$/;

/** The digest at the end of `…@sha256:…`, when there is one. */
export const digestOfImageUri = (uri: string | undefined): Digest | undefined => {
  const digest = DIGEST_SUFFIX.exec(uri ?? '')?.[1];
  return digest !== undefined && isDigest(digest) ? digest : undefined;
};

/** Who runs a version: `$LATEST` itself, or an alias (cited by its ARN). */
interface VersionUser {
  readonly version: string;
  readonly arn?: string | undefined;
}

type ResolutionConfig = Pick<KeeperConfig, 'environments' | 'environmentResolution'>;

/** Reads one function: `$LATEST`, its aliases and the versions they point to. */
const collectFunction = async (
  lambda: LambdaPort,
  fn: LambdaImageFunction,
  region: Region,
  config: ResolutionConfig,
): Promise<SourceResult> => {
  const scope = `lambda:${region}:function/${fn.name}`;
  const references: WorkloadReference[] = [];
  const failures: ScopedFailure[] = [];
  let latest: LambdaFunctionCode | undefined;
  const users: VersionUser[] = [{ version: LATEST }];
  try {
    latest = await lambda.getFunctionCode(fn.name, LATEST);
    // Deleted since it was listed: a function that no longer exists runs nothing.
    if (latest === undefined) return { references, failures };
    for (const alias of await lambda.listAliases(fn.name)) for (const version of alias.versions) users.push({ version, arn: alias.arn });
  } catch (error) {
    return { references, failures: [{ scope, error }] };
  }

  // Tags belong to the function, not to a version: one environment for all of its versions.
  const { environment } = resolveEnvironment(config, { taskTags: latest.tags, serviceName: fn.name, clusterName: '' });
  const codes = new Map<string, LambdaFunctionCode | undefined>([[LATEST, latest]]);
  for (const version of new Set(users.map((u) => u.version))) {
    if (codes.has(version)) continue;
    try {
      codes.set(version, await lambda.getFunctionCode(fn.name, version));
    } catch (error) {
      failures.push({ scope: `${scope}:${version}`, error });
    }
  }

  for (const user of users) {
    const code = codes.get(user.version);
    if (code === undefined) continue;
    const where = `${scope}:${user.version}`;
    if (code.imageUri === undefined || code.imageUri === '') {
      failures.push({ scope: where, error: new Error(`GetFunction returned no Code.ImageUri for image function ${code.arn}`) });
      continue;
    }
    const imageDigest = digestOfImageUri(code.resolvedImageUri) ?? digestOfImageUri(code.imageUri);
    references.push({
      source: { kind: 'lambda', region, arn: user.arn ?? code.arn, image: code.imageUri, environment },
      imageDigest,
    });
    // Without the resolved digest the tag can only be resolved as it is now, which may not be what
    // the version runs: protect the tag's image, but the set cannot be proven complete.
    if (imageDigest === undefined)
      failures.push({ scope: where, error: new Error(`GetFunction returned no ResolvedImageUri digest for ${code.arn} (${code.imageUri})`) });
  }
  return { references, failures };
};

export const lambdaSource: InUseSource = {
  name: 'lambda',
  enabled: (config) => config.inUse.lambda,
  collect: async ({ adapters, config, region }) => {
    const functions: LambdaImageFunction[] = [];
    const failures: ScopedFailure[] = [];
    try {
      for await (const fn of adapters.lambda.listImageFunctions()) functions.push(fn);
    } catch (error) {
      // The functions listed before the failure are still read: their references are real.
      failures.push({ scope: `lambda:${region}:functions`, error });
    }
    const limit = pLimit(FUNCTIONS_AT_A_TIME);
    const results = await Promise.all(functions.map((fn) => limit(() => collectFunction(adapters.lambda, fn, region, config))));
    return { references: results.flatMap((r) => r.references), failures: [...failures, ...results.flatMap((r) => r.failures)] };
  },
};
