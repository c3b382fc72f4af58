/**
 * Protection tags: `${env.tagPrefix}${protection.tagInfix}${64 hex of the digest}`, e.g.
 * `prod-keep-3f1a…`. One tag per digest and environment, never a shared name: putting a tag that
 * another digest holds MOVES it in a mutable repository (and fails in an immutable one), which
 * could leave the other image untagged and expiring. Pure: no AWS SDK import.
 */
import type { KeeperConfig, EnvironmentConfig } from '../config.js';
import type { Digest } from '../domain/types.js';

const HEX64 = /^[0-9a-f]{64}$/;
// OCI tag grammar; ECR accepts it and the config schema keeps prefix + infix + 64 hex ≤ 128 characters.
const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

/** What a protection tag says: which environment protects which digest. */
export interface ProtectionTagInfo {
  readonly environment: string;
  readonly digestHex: string;
}

/** The tag prefix all protection tags of `environment` share; our protection rule selects on it. */
export const protectionPrefix = (config: KeeperConfig, environment: EnvironmentConfig): string =>
  `${environment.tagPrefix}${config.protection.tagInfix}`;

/** The 64 hex characters of a `sha256:` digest. */
export const digestHex = (digest: Digest): string => digest.slice('sha256:'.length);

/** The environment config named `name`, or `undefined` when the config has none by that name. */
export const findEnvironment = (config: KeeperConfig, name: string): EnvironmentConfig | undefined =>
  config.environments.find((e) => e.name === name);

/**
 * The protection tag of `digest` in `environment` (an environment object or its configured name).
 * Throws `TypeError` for an unknown environment name or a tag outside the OCI grammar.
 */
export const protectionTagFor = (config: KeeperConfig, environment: EnvironmentConfig | string, digest: Digest): string => {
  const env = typeof environment === 'string' ? findEnvironment(config, environment) : environment;
  if (env === undefined) throw new TypeError(`unknown environment ${JSON.stringify(environment)}`);
  const tag = `${protectionPrefix(config, env)}${digestHex(digest)}`;
  if (!OCI_TAG.test(tag)) throw new TypeError(`protection tag ${JSON.stringify(tag)} breaks the OCI tag grammar`);
  return tag;
};

/**
 * The home tag of `digest` in `environment`: `${tagPrefix}${homeInfix}${64 hex}`, e.g. `prod-kept-3f1a…`.
 * Every protected image carries one next to its protection tag. It is governed by the baseline (the
 * environment's retention rule selects its prefix) and is never removed, so removing a protection
 * tag can never remove an image's last tag, which would delete the image, even if CI moved the
 * image's other tags after the sweep listed them. A released image goes back under the baseline.
 */
export const homeTagFor = (config: KeeperConfig, environment: EnvironmentConfig, digest: Digest): string => {
  const tag = `${environment.tagPrefix}${config.protection.homeInfix}${digestHex(digest)}`;
  if (!OCI_TAG.test(tag)) throw new TypeError(`home tag ${JSON.stringify(tag)} breaks the OCI tag grammar`);
  return tag;
};

/**
 * Reads a protection tag of one of the configured environments, or `undefined` for any other tag
 * (including tags of environments no longer configured: they are left alone, never released).
 */
export const parseProtectionTag = (config: KeeperConfig, tag: string): ProtectionTagInfo | undefined => {
  // Every protection tag ends in 64 hex characters: most tags are shorter, and cost nothing more.
  if (tag.length < 64) return undefined;
  // Environment prefixes never overlap (config schema), so at most one environment can match.
  for (const env of config.environments) {
    const prefix = protectionPrefix(config, env);
    if (!tag.startsWith(prefix)) continue;
    const hex = tag.slice(prefix.length);
    if (HEX64.test(hex)) return { environment: env.name, digestHex: hex };
  }
  return undefined;
};

/**
 * The environment of `tag` when it is ecr-keeper's protection tag *of this digest*. A tag such as
 * `prod-keep-<hex of another digest>` on this image was put there by someone else: it is not ours
 * and is never released.
 */
export const ownProtectionOf = (config: KeeperConfig, tag: string, digest: Digest): string | undefined => {
  const info = parseProtectionTag(config, tag);
  return info !== undefined && info.digestHex === digestHex(digest) ? info.environment : undefined;
};
