import { describe, expect, it } from 'vitest';
import {
  findEnvironment,
  homeTagFor,
  ownProtectionOf,
  parseProtectionTag,
  protectionPrefix,
  protectionTagFor,
} from '../../../src/lib/plan/protection.js';
import { configFactory, digestOf } from '../../helpers/factories.js';

const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

const configWith = configFactory;

describe('Function: protectionTagFor', () => {
  it('glues the environment prefix, the infix and the 64 hex characters of the digest', () => {
    // Prepare
    const config = configWith();
    const digest = digestOf('api-v1');

    // Act
    const tag = protectionTagFor(config, 'prod', digest);

    // Assess
    expect(tag).toBe(`prod-keep-${digest.slice('sha256:'.length)}`);
    expect(tag).toMatch(OCI_TAG);
  });

  it('gives every digest its own tag, so a protection tag never moves between images', () => {
    // Prepare
    const config = configWith();

    // Act
    const tags = ['a', 'b', 'c'].map((seed) => protectionTagFor(config, 'prod', digestOf(seed)));

    // Assess
    expect(new Set(tags).size).toBe(3);
  });

  it('stays within the 128-character OCI tag grammar with the longest prefix and infix the config allows', () => {
    // Prepare
    const config = configWith({
      environments: [{ name: 'prod', tagPrefix: `p${'x'.repeat(39)}`, keepNewest: 1 }],
      protection: { tagInfix: 'k'.repeat(20) },
    });

    // Act
    const tag = protectionTagFor(config, 'prod', digestOf('long'));

    // Assess
    expect(tag.length).toBe(124);
    expect(tag).toMatch(OCI_TAG);
  });

  it('throws for an environment the config does not name', () => {
    // Prepare
    const config = configWith();

    // Act
    const act = () => protectionTagFor(config, 'staging', digestOf('x'));

    // Assess
    expect(act).toThrow(TypeError);
  });
});

describe('Function: parseProtectionTag', () => {
  it.each(['prod', 'dev'])('reads back the environment and digest of a %s protection tag', (environment) => {
    // Prepare
    const config = configWith();
    const digest = digestOf(`image-${environment}`);
    const tag = protectionTagFor(config, environment, digest);

    // Act
    const info = parseProtectionTag(config, tag);

    // Assess
    expect(info).toEqual({ environment, digestHex: digest.slice('sha256:'.length) });
    expect(parseProtectionTag(config, tag)).toBeDefined();
  });

  it.each([
    ['an ordinary release tag', 'prod-2024.06.01'],
    ['a hand-made tag that only shares the protection prefix', 'prod-keep-forever'],
    ['a digest in upper case', `prod-keep-${'A'.repeat(64)}`],
    ['a digest one character short', `prod-keep-${'a'.repeat(63)}`],
    ['a digest one character long', `prod-keep-${'a'.repeat(65)}`],
    ['a protection tag of an environment no longer configured', `staging-keep-${'a'.repeat(64)}`],
    ['the prefix alone', 'prod-keep-'],
  ])('does not take %s for a protection tag', (_name, tag) => {
    // Prepare
    const config = configWith();

    // Act
    const info = parseProtectionTag(config, tag);

    // Assess
    expect(info).toBeUndefined();
    expect(parseProtectionTag(config, tag)).toBeUndefined();
  });

  it('follows a custom infix', () => {
    // Prepare
    const config = configWith({ protection: { tagInfix: 'pin.' } });
    const digest = digestOf('pinned');

    // Act
    const tag = protectionTagFor(config, 'dev', digest);

    // Assess
    expect(tag.startsWith('dev-pin.')).toBe(true);
    expect(config.environments.map((env) => protectionPrefix(config, env))).toEqual(['prod-pin.', 'dev-pin.']);
    expect(parseProtectionTag(config, tag)?.environment).toBe('dev');
  });
});

describe('Function: homeTagFor', () => {
  it('glues the environment prefix, the home infix and the 64 hex characters of the digest', () => {
    // Prepare
    const config = configWith();
    const digest = digestOf('api-v1');
    const prod = findEnvironment(config, 'prod');
    if (prod === undefined) throw new Error('no prod');

    // Act
    const tag = homeTagFor(config, prod, digest);

    // Assess
    expect(tag).toBe(`prod-kept-${digest.slice('sha256:'.length)}`);
    expect(tag).toMatch(OCI_TAG);
    // Governed by the environment's retention (its prefix), never by the protection rule.
    expect(tag.startsWith(prod.tagPrefix)).toBe(true);
    expect(tag.startsWith(protectionPrefix(config, prod))).toBe(false);
    expect(parseProtectionTag(config, tag)).toBeUndefined();
    expect(ownProtectionOf(config, tag, digest)).toBeUndefined();
  });

  it('stays within the 128-character OCI tag grammar with the longest prefix and home infix the config allows', () => {
    // Prepare
    const config = configWith({
      environments: [{ name: 'prod', tagPrefix: `p${'x'.repeat(39)}`, keepNewest: 1 }],
      protection: { homeInfix: 'h'.repeat(20) },
    });
    const prod = config.environments[0];
    if (prod === undefined) throw new Error('no prod');

    // Act
    const tag = homeTagFor(config, prod, digestOf('long'));

    // Assess
    expect(tag.length).toBe(124);
    expect(tag).toMatch(OCI_TAG);
  });
});

describe('Function: ownProtectionOf', () => {
  it.each(['prod', 'dev'])('names the environment of a %s protection tag of the image\'s own digest', (environment) => {
    // Prepare
    const config = configWith();
    const digest = digestOf(`own-${environment}`);

    // Act
    const owner = ownProtectionOf(config, protectionTagFor(config, environment, digest), digest);

    // Assess
    expect(owner).toBe(environment);
  });

  it.each([
    ['the protection tag of another digest', (digest: string) => `prod-keep-${digestOf(`other-${digest}`).slice('sha256:'.length)}`],
    ['the home tag of the image', (digest: string) => `prod-kept-${digest.slice('sha256:'.length)}`],
    ['a hand-made tag sharing the protection prefix', () => 'prod-keep-forever'],
    ['a tag of an environment no longer configured', (digest: string) => `staging-keep-${digest.slice('sha256:'.length)}`],
  ])('does not take %s for the image\'s own protection', (_name, tagOf) => {
    // Prepare
    const config = configWith();
    const digest = digestOf('self');

    // Act
    const owner = ownProtectionOf(config, tagOf(digest), digest);

    // Assess
    expect(owner).toBeUndefined();
  });
});
