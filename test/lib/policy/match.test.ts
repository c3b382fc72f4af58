import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globMatches, selectionMatches } from '../../../src/lib/policy/match.js';
import type { Selection } from '../../../src/lib/policy/types.js';
import { imageFactory } from '../../helpers/factories.js';

const selection = (overrides: Partial<Selection>): Selection => ({
  tagStatus: 'tagged',
  countType: 'imageCountMoreThan',
  countNumber: 1,
  ...overrides,
});

// ECR user guide, lifecycle policy parameters, `tagPatternList`: the pattern is matched against the
// whole tag, `*` matches any run of characters (including none), up to 4 `*` per pattern, and the
// match is case-sensitive. "prod*" selects prod, prod1, prod2, ...
describe('Function: globMatches (ECR tagPatternList semantics)', () => {
  it.each([
    ['prod', 'prod', true],
    ['prod', 'prod1', false],
    ['prod1', 'prod', false],
    ['prod1', 'prod*', true],
    ['prod2', 'prod*', true],
    ['prod-1', 'prod*', true],
    ['prod', 'prod*', true],
    ['preprod', 'prod*', false],
    ['v1-prod', '*prod', true],
    ['v1-prod-x', '*prod', false],
    ['release-2024-hotfix', 'release-*-hotfix', true],
    ['release--hotfix', 'release-*-hotfix', true],
    ['release-hotfix', 'release-*-hotfix', false],
    ['release-2024', 'release-*-hotfix', false],
    ['anything', '*', true],
    ['', '*', true],
    ['', '', true],
    ['a', '', false],
    ['a-b-c', '*-*-*', true],
    ['ab', '*a*b*', true],
    ['ba', '*a*b*', false],
    ['aXbXc', 'a*b*c', true],
    ['abc', 'a**c', true],
    ['aba', 'a*ba', true],
    ['aba', 'ab*ba', false],
    ['test123', '*test*1*2*3', true],
    ['test123', 'test*1*2*3*', true],
    ['Prod', 'prod*', false],
    ['prod', 'PROD', false],
  ])('matches tag %j against pattern %j: %s', (tag, pattern, expected) => {
    // Act
    const result = globMatches(tag, pattern);

    // Assess
    expect(result).toBe(expected);
  });

  it('treats every character but * literally, including regex and other glob metacharacters', () => {
    // Act & Assess
    expect(globMatches('v1.2', 'v1.2')).toBe(true);
    expect(globMatches('v1x2', 'v1.2')).toBe(false);
    expect(globMatches('a+b', 'a+*')).toBe(true);
    expect(globMatches('ab', 'a?')).toBe(false);
    expect(globMatches('a?', 'a?')).toBe(true);
    expect(globMatches('ab', '[a]b')).toBe(false);
    expect(globMatches('[a]b', '[a]b')).toBe(true);
    expect(globMatches('a\\b', 'a\\*')).toBe(true);
  });

  it('compares UTF-16 code units: characters beyond one byte match only themselves', () => {
    // Act & Assess
    expect(globMatches('abcé', 'abcé*')).toBe(true);
    expect(globMatches('abce', 'abcé*')).toBe(false);
    expect(globMatches('x€', '*€')).toBe(true);
    expect(globMatches('xĀ', '*€')).toBe(false);
  });

  it('ignores case only when asked (environment name patterns), on both sides', () => {
    // Act & Assess
    expect(globMatches('STG-blue', 'stg-*')).toBe(false);
    expect(globMatches('STG-blue', 'stg-*', { caseInsensitive: true })).toBe(true);
    expect(globMatches('stg-blue', 'STG-*', { caseInsensitive: true })).toBe(true);
    expect(globMatches('api-prod-1', '*-PROD-*', { caseInsensitive: true })).toBe(true);
    expect(globMatches('api-prod', '*-prod-*', { caseInsensitive: true })).toBe(false);
  });

  it('answers in linear time on inputs that make a backtracking regex explode', () => {
    // Prepare
    const tag = 'a'.repeat(128);
    const pattern = '*a*a*a*b';

    // Act
    const started = performance.now();
    const result = globMatches(tag, pattern);
    const elapsed = performance.now() - started;

    // Assess
    expect(result).toBe(false);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('agrees with a whole-string regex in which * is .* and everything else is literal', () => {
    // Prepare: a small alphabet, so that patterns and values collide often.
    const unit = fc.constantFrom('a', 'b', 'A', '-', '.', '?', 'é');
    const value = fc.string({ unit, maxLength: 8 });
    const pattern = fc.string({ unit: fc.oneof(unit, fc.constant('*')), maxLength: 8 });
    const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
    const reference = (v: string, p: string): boolean => new RegExp(`^${p.split('*').map(escape).join('.*')}$`, 's').test(v);

    fc.assert(
      fc.property(value, pattern, (v, p) => {
        // Act & Assess
        expect(globMatches(v, p)).toBe(reference(v, p));
        expect(globMatches(v, p, { caseInsensitive: true })).toBe(reference(v.toLowerCase(), p.toLowerCase()));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('Function: selectionMatches', () => {
  it('selects an image when one of its tags matches the only pattern', () => {
    // Prepare
    const image = imageFactory({ tags: ['latest', 'prod-7'] });

    // Act & Assess
    expect(selectionMatches(selection({ tagPatternList: ['prod*'] }), image)).toBe(true);
    expect(selectionMatches(selection({ tagPatternList: ['dev*'] }), image)).toBe(false);
  });

  it('ANDs several pattern entries: every entry must match some tag', () => {
    // Prepare
    const both = imageFactory({ tags: ['latest', 'main-3'] });
    const one = imageFactory({ tags: ['latest'] });
    const rule = selection({ tagPatternList: ['latest', 'main*'] });

    // Act & Assess
    expect(selectionMatches(rule, both)).toBe(true);
    expect(selectionMatches(rule, one)).toBe(false);
  });

  it('lets one tag satisfy several entries', () => {
    // Prepare
    const image = imageFactory({ tags: ['alpha-beta'] });

    // Act & Assess
    expect(selectionMatches(selection({ tagPatternList: ['alpha*', '*beta'] }), image)).toBe(true);
  });

  it('ANDs prefix entries the same way', () => {
    // Prepare
    const rule = selection({ tagPrefixList: ['alpha', 'beta'] });

    // Act & Assess
    expect(selectionMatches(rule, imageFactory({ tags: ['alpha-2', 'beta-2'] }))).toBe(true);
    expect(selectionMatches(rule, imageFactory({ tags: ['alpha-1'] }))).toBe(false);
  });

  it('matches tags whose characters fill the top bit of a byte or exceed one byte', () => {
    // Prepare
    const accented = imageFactory({ tags: ['abcé'] });
    const euro = imageFactory({ tags: ['€'] });
    const plain = imageFactory({ tags: ['x'] });

    // Act
    const byAccent = [accented, euro, plain].map((image) => selectionMatches(selection({ tagPatternList: ['abcé*'] }), image));
    const byEuro = [accented, euro, plain].map((image) => selectionMatches(selection({ tagPatternList: ['*€'] }), image));

    // Assess
    expect(byAccent).toEqual([true, false, false]);
    expect(byEuro).toEqual([false, true, false]);
  });

  it('does not select an untagged image in a tagged rule, even with pattern *', () => {
    // Prepare
    const untagged = imageFactory({ tags: [] });

    // Act & Assess
    expect(selectionMatches(selection({ tagPatternList: ['*'] }), untagged)).toBe(false);
    expect(selectionMatches(selection({ tagPatternList: ['*'] }), imageFactory({ tags: ['x'] }))).toBe(true);
  });

  it('selects only untagged images with tagStatus untagged', () => {
    // Prepare
    const rule = selection({ tagStatus: 'untagged' });

    // Act & Assess
    expect(selectionMatches(rule, imageFactory({ tags: [] }))).toBe(true);
    expect(selectionMatches(rule, imageFactory({ tags: ['v1'] }))).toBe(false);
  });

  it('selects tagged and untagged images with tagStatus any', () => {
    // Prepare
    const rule = selection({ tagStatus: 'any' });

    // Act & Assess
    expect(selectionMatches(rule, imageFactory({ tags: [] }))).toBe(true);
    expect(selectionMatches(rule, imageFactory({ tags: ['v1'] }))).toBe(true);
  });

  it('never selects an archived image with a standard rule, nor a standard image with an archive rule', () => {
    // Prepare
    const archived = imageFactory({ tags: ['prod-1'], storageClass: 'archive' });
    const standard = imageFactory({ tags: ['prod-1'], storageClass: 'standard' });
    const implicitStandard = selection({ tagStatus: 'any' });
    const archive = selection({ tagStatus: 'any', storageClass: 'archive', countType: 'sinceImageTransitioned' });

    // Act & Assess
    expect(selectionMatches(implicitStandard, archived)).toBe(false);
    expect(selectionMatches(selection({ tagPatternList: ['prod*'], storageClass: 'standard' }), archived)).toBe(false);
    expect(selectionMatches(archive, archived)).toBe(true);
    expect(selectionMatches(archive, standard)).toBe(false);
    expect(selectionMatches(implicitStandard, standard)).toBe(true);
  });
});
