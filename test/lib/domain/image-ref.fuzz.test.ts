import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../src/lib/domain/image-ref.js';

const RUNS = { numRuns: 10_000 };

const lower = fc.stringMatching(/^[a-z0-9]{1,8}$/);
// ECR's repository grammar: components of lower-case alphanumerics joined by single `.`, `_` or `-`.
const component = fc.tuple(lower, fc.constantFrom('', '.', '_', '-'), lower).map(([a, sep, b]) => (sep ? `${a}${sep}${b}` : a));
const path = fc
  .array(component, { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join('/'))
  .filter((p) => p.length >= 2);
const tag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,20}$/);
const digest = fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`);
// One region per partition with its standard and dual-stack registry domains.
const partitionRegion = fc.constantFrom(
  ['us-east-1', 'amazonaws.com', 'on.aws'],
  ['eu-west-3', 'amazonaws.com', 'on.aws'],
  ['us-gov-west-1', 'amazonaws.com', 'on.aws'],
  ['cn-north-1', 'amazonaws.com.cn', 'on.amazonwebservices.com.cn'],
  ['us-iso-east-1', 'c2s.ic.gov', 'on.aws.ic.gov'],
  ['us-isob-east-1', 'sc2s.sgov.gov', 'on.aws.scloud'],
  ['eu-isoe-west-1', 'cloud.adc-e.uk', 'on.cloud-aws.adc-e.uk'],
  ['us-isof-south-1', 'csp.hci.ic.gov', 'on.aws.hci.ic.gov'],
  ['eusc-de-east-1', 'amazonaws.eu', 'amazonwebservices.eu'],
);
const ecrHost = fc
  .tuple(fc.stringMatching(/^\d{12}$/), partitionRegion, fc.constantFrom('std', 'fips', 'dual'))
  .map(([account, [region, domain, dualStackDomain], kind]) =>
    kind === 'dual' ? `${account}.dkr-ecr.${region}.${dualStackDomain}` : `${account}.dkr.ecr${kind === 'fips' ? '-fips' : ''}.${region}.${domain}`,
  );
const soup = fc.string({ unit: fc.constantFrom('a', '/', ':', '@', '.', '-', '_', '1', 'A', 's', 'h'), maxLength: 80 });

const describesItself = (text: string): boolean => {
  const parsed = parseImageReference(text);
  return parsed.kind === 'invalid' ? parsed.reason.length > 0 : parsed.repository.length > 0;
};

describe('Function: parseImageReference (properties)', () => {
  it('never throws on arbitrary text, and says why it rejects', () => {
    // Act & Assess
    expect(() => fc.assert(fc.property(fc.string({ maxLength: 300 }), describesItself), RUNS)).not.toThrow();
  });

  it('never throws on reference-like punctuation soup', () => {
    // Act & Assess
    expect(() => fc.assert(fc.property(soup, describesItself), RUNS)).not.toThrow();
  });

  it('parses every well-formed private ECR reference back into its host, repository, tag and digest', () => {
    // Prepare
    const property = fc.property(ecrHost, path, fc.option(tag, { nil: undefined }), fc.option(digest, { nil: undefined }), (host, repository, givenTag, givenDigest) => {
      const image = `${host}/${repository}${givenTag === undefined ? '' : `:${givenTag}`}${givenDigest === undefined ? '' : `@${givenDigest}`}`;
      const parsed = parseImageReference(image);
      const expectedTag = givenTag ?? (givenDigest === undefined ? 'latest' : undefined);
      return (
        parsed.kind === 'ecr' &&
        parsed.repository === repository &&
        parsed.digest === givenDigest &&
        parsed.tag === expectedTag &&
        parsed.host === host
      );
    });

    // Act & Assess
    expect(() => fc.assert(property, RUNS)).not.toThrow();
  });
});
